import { isRecord } from "./values";
import { asArray, asRecord } from "./values";

/**
 * Policy documents (IAM identity policies, S3 bucket policies) as rules read them: a JSON string or, from
 * TypeScript, a PolicyDocument object. A JSON string is untrusted text: it is parsed only below a size cap
 * (IAM accepts at most 10,240 characters for a role's inline policies, S3 20 KB for a bucket policy), and
 * every answer says why a document could not be read rather than throwing.
 */

/** Longer documents are not parsed. Four times the largest document AWS accepts (S3: 20 KB). */
export const MAX_POLICY_DOCUMENT_CHARS = 80_000;

export type ParsedPolicyDocument =
    | { readonly kind: "document"; readonly document: Record<string, unknown> }
    /** Not a JSON object (a parse error, a JSON scalar or list, or a value of another type). */
    | { readonly kind: "invalid" }
    | { readonly kind: "too-large"; readonly length: number }
    /** Not parsed: the resource's earlier documents already used up the characters one resource may have parsed. */
    | { readonly kind: "over-budget" };

export function parsePolicyDocument(value: unknown): ParsedPolicyDocument {
    if (isRecord(value)) return { kind: "document", document: value };
    if (typeof value !== "string") return { kind: "invalid" };
    if (value.length > MAX_POLICY_DOCUMENT_CHARS) return { kind: "too-large", length: value.length };
    try {
        const parsed: unknown = JSON.parse(value);
        return isRecord(parsed) ? { kind: "document", document: parsed } : { kind: "invalid" };
    } catch {
        // Syntax errors, and the RangeError of a pathologically deep nesting.
        return { kind: "invalid" };
    }
}

/** Why a document could not be read, for a message: "is not a valid JSON policy document". */
export function unreadableReason(parsed: Exclude<ParsedPolicyDocument, { kind: "document" }>): string {
    switch (parsed.kind) {
        case "too-large":
            return `is ${parsed.length} characters long, more than the ${MAX_POLICY_DOCUMENT_CHARS} this pack reads (and more than AWS accepts)`;
        case "over-budget":
            return `comes after ${MAX_POLICY_DOCUMENT_CHARS} characters of this resource's other policy documents, more than this pack reads (and more than AWS accepts)`;
        case "invalid":
            return "is not a valid JSON policy document";
    }
}

export interface PolicyStatement {
    /** `statement <Sid>` or `statement <index>`. */
    readonly label: string;
    readonly statement: Record<string, unknown>;
}

/** The statements of a document (a single statement object counts as a list of one). */
export function statementsOf(document: Record<string, unknown>): PolicyStatement[] {
    const entries: readonly unknown[] = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    const statements: PolicyStatement[] = [];
    entries.forEach((entry, index) => {
        const statement = asRecord(entry);
        if (!statement) return;
        const label = typeof statement.Sid === "string" && statement.Sid !== "" ? `statement ${statement.Sid}` : `statement ${index}`;
        statements.push({ label, statement });
    });
    return statements;
}

export function isAllow(statement: Record<string, unknown>): boolean {
    return typeof statement.Effect === "string" && statement.Effect.toLowerCase() === "allow";
}

/** The strings of a field that is a string or a list of strings (`Action`, `Resource`, a condition value). */
export function stringsOf(value: unknown): string[] {
    return (Array.isArray(value) ? value : [value]).filter((entry): entry is string => typeof entry === "string");
}

/** Identity-policy resources whose `policy` is a document, by how a message names them. */
const POLICY_RESOURCES: Readonly<Record<string, string>> = {
    "aws:iam/policy:Policy": "IAM policy",
    "aws:iam/rolePolicy:RolePolicy": "role policy",
    "aws:iam/userPolicy:UserPolicy": "user policy",
    "aws:iam/groupPolicy:GroupPolicy": "group policy",
};
const ROLE = "aws:iam/role:Role";

/** Every resource type that carries identity-policy documents: the four policy types and Role (`inlinePolicies`). */
export const IDENTITY_POLICY_TYPES: readonly string[] = [...Object.keys(POLICY_RESOURCES), ROLE];

export interface IdentityPolicyDocument {
    /** How the message names it, e.g. `role policy app` or `role app inline policy s3-read`. */
    readonly subject: string;
    readonly parsed: ParsedPolicyDocument;
}

/**
 * The identity-policy documents a resource declares (none for other types), parsed. Trust policies are not
 * among them. One resource parses at most MAX_POLICY_DOCUMENT_CHARS characters of JSON in all (AWS allows a
 * role 10,240 characters of inline policies): documents past that are answered "over-budget" unread.
 */
export function identityPolicyDocuments(resource: { readonly type: string; readonly name: string; readonly props: Record<string, unknown> }): IdentityPolicyDocument[] {
    let remaining = MAX_POLICY_DOCUMENT_CHARS;
    return declaredDocuments(resource).map(({ subject, document }) => {
        // Objects (PolicyDocument from TypeScript) are already parsed; a document over the cap is refused unread.
        if (typeof document !== "string" || document.length > MAX_POLICY_DOCUMENT_CHARS) return { subject, parsed: parsePolicyDocument(document) };
        if (document.length > remaining) return { subject, parsed: { kind: "over-budget" } };
        remaining -= document.length;
        return { subject, parsed: parsePolicyDocument(document) };
    });
}

function declaredDocuments(resource: { readonly type: string; readonly name: string; readonly props: Record<string, unknown> }): { subject: string; document: unknown }[] {
    const { name, props } = resource;
    const label = POLICY_RESOURCES[resource.type];
    if (label !== undefined) return [{ subject: `${label} ${name}`, document: props.policy }];
    if (resource.type !== ROLE) return [];
    return asArray(props.inlinePolicies).flatMap((entry, index) => {
        const inline = asRecord(entry) ?? {};
        const policy = inline.policy;
        // An inline policy block without a document is how a role declares "no inline policies".
        if (policy === undefined || policy === null || policy === "") return [];
        const policyName = typeof inline.name === "string" && inline.name !== "" ? inline.name : `#${index}`;
        return [{ subject: `role ${name} inline policy ${policyName}`, document: policy }];
    });
}
