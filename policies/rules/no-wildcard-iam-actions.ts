import { ALWAYS_MANDATORY, isRecord, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { asArray, asRecord } from "../lib/values";

/** Identity-policy resources whose `policy` is a JSON document (or, from TypeScript, a PolicyDocument object). */
const POLICY_RESOURCES: Readonly<Record<string, string>> = {
    "aws:iam/policy:Policy": "IAM policy",
    "aws:iam/rolePolicy:RolePolicy": "role policy",
    "aws:iam/userPolicy:UserPolicy": "user policy",
    "aws:iam/groupPolicy:GroupPolicy": "group policy",
};
const ROLE = "aws:iam/role:Role";

/** `*`, and `<service>:*` in any case: every action, or every action of a service. Partial wildcards (`s3:Get*`) pass. */
const WILDCARD_ACTION = /^(?:[^:]+:)?\*+$/;

interface PolicyDocument {
    /** How the message names it, e.g. `role policy app` or `role app inline policy s3-read`. */
    readonly subject: string;
    readonly document: unknown;
}

function documentsOf(resource: ResourceUnderTest): PolicyDocument[] {
    const { name, props } = resource;
    if (resource.type !== ROLE) return [{ subject: `${POLICY_RESOURCES[resource.type]} ${name}`, document: props.policy }];
    // Trust policies (assumeRolePolicy) grant sts:AssumeRole to principals and are not checked here.
    return asArray(props.inlinePolicies).flatMap((entry, index) => {
        const inline = asRecord(entry) ?? {};
        const policy = inline.policy;
        // An inline policy block without a document is how a role declares "no inline policies".
        if (policy === undefined || policy === null || policy === "") return [];
        const label = typeof inline.name === "string" && inline.name !== "" ? inline.name : `#${index}`;
        return [{ subject: `role ${name} inline policy ${label}`, document: policy }];
    });
}

/** The parsed document, or undefined when it is not a JSON object. */
function parse(document: unknown): Record<string, unknown> | undefined {
    if (isRecord(document)) return document;
    if (typeof document !== "string") return undefined;
    try {
        const parsed: unknown = JSON.parse(document);
        return isRecord(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

function actionsOf(value: unknown): string[] {
    return (Array.isArray(value) ? value : [value]).filter((action): action is string => typeof action === "string");
}

function violationsOf({ subject, document }: PolicyDocument): string[] {
    const parsed = parse(document);
    if (!parsed) return [`${subject} is not a valid JSON policy document, so it cannot be checked for wildcard actions`];
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    const messages: string[] = [];
    statements.forEach((entry: unknown, index: number) => {
        const statement = asRecord(entry);
        if (!statement || typeof statement.Effect !== "string" || statement.Effect.toLowerCase() !== "allow") return;
        const label = typeof statement.Sid === "string" && statement.Sid !== "" ? `statement ${statement.Sid}` : `statement ${index}`;
        if (statement.NotAction !== undefined) {
            messages.push(`${subject} ${label} combines Allow with NotAction (${actionsOf(statement.NotAction).join(", ")}), which grants every action not listed`);
        }
        const wildcards = actionsOf(statement.Action).filter((action) => WILDCARD_ACTION.test(action.trim()));
        if (wildcards.length > 0) messages.push(`${subject} ${label} allows wildcard actions ${wildcards.join(", ")}`);
    });
    return messages;
}

/**
 * Identity policies written in this program grant named actions, never `*` or `<service>:*`, and never
 * Allow with NotAction. Out of scope: AWS managed policies attached by ARN (aws.iam.RolePolicyAttachment,
 * UserPolicyAttachment, GroupPolicyAttachment, PolicyAttachment, Role.managedPolicyArns) — their documents are
 * not in the program's inputs; resource policies (S3 bucket, KMS key, SQS...); and role trust policies.
 */
export const noWildcardIamActions: ResourceRule = {
    kind: "resource",
    name: "no-wildcard-iam-actions",
    description: "IAM identity policies allow named actions, not * or <service>:*, and never Allow with NotAction.",
    severity: "critical",
    rationale:
        "A wildcard action grants every current and future action of a service (or of AWS), including the ones that escalate privileges or delete data; NotAction with Allow does the same by exclusion.",
    remediation:
        "List the actions the workload needs (e.g. s3:GetObject, s3:PutObject) with Effect Allow and the narrowest Resource; replace Allow + NotAction with explicit actions, or a Deny statement.",
    resourceTypes: [...Object.keys(POLICY_RESOURCES), ROLE],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        return documentsOf(resource).flatMap(violationsOf);
    },
};
