import { knownElements, knownEntries } from "./known-values";
import { ResourceUnderTest } from "./rule";
import { asArray, asRecord, isRecord } from "./values";

/**
 * GCP IAM grants as rules read them, in the three shapes @pulumi/gcp 9.x declares for every resource that
 * has IAM (projects, folders, organizations, buckets, Cloud Run services, repositories...; 158 types each):
 * `*IamMember` / `*IAMMember` (`role`, `member`), `*IamBinding` / `*IAMBinding` (`role`, `members`) and
 * `*IamPolicy` / `*IAMPolicy` (`policyData`, a JSON policy `{bindings: [{role, members}]}`).
 */

/** Every IAM member, binding and policy type of the provider, as resourceTypes patterns. */
export const GCP_IAM_TYPE_PATTERNS: readonly string[] = ["gcp:*IamMember", "gcp:*IAMMember", "gcp:*IamBinding", "gcp:*IAMBinding", "gcp:*IamPolicy", "gcp:*IAMPolicy"];
/** The IAM types of Cloud Storage (buckets, managed folders): whether they make data public is no-public-data-stores'. */
export const GCS_IAM_TYPE_PATTERNS: readonly string[] = GCP_IAM_TYPE_PATTERNS.map((pattern) => pattern.replace("gcp:", "gcp:storage/"));

/** Principals that are everyone on the internet, or everyone with any Google account. */
export const PUBLIC_PRINCIPALS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

/** Longer policyData is not parsed (and is a finding). Far above what IAM accepts in one allow policy. */
export const MAX_POLICY_DATA_CHARS = 256 * 1024;

const SHAPE = /(?:IamMember|IAMMember|IamBinding|IAMBinding|IamPolicy|IAMPolicy)$/;

export function isGcpIamType(type: string): boolean {
    return type.startsWith("gcp:") && SHAPE.test(type);
}

export function isGcsIamType(type: string): boolean {
    return type.startsWith("gcp:storage/") && SHAPE.test(type);
}

export interface GcpIamGrant {
    /** How a message names it: `IAM member app` or `IAM policy app binding 2`. */
    readonly subject: string;
    readonly role: unknown;
    readonly members: readonly unknown[];
}

export type GcpIamGrants =
    | { readonly kind: "grants"; readonly grants: readonly GcpIamGrant[] }
    /** policyData that is not a JSON policy, or too long to read: it cannot be shown to be safe. */
    | { readonly kind: "unreadable"; readonly subject: string; readonly reason: string };

function policyGrants(subject: string, policyData: unknown): GcpIamGrants {
    let policy: unknown = policyData;
    if (typeof policyData === "string") {
        if (policyData.length > MAX_POLICY_DATA_CHARS) return { kind: "unreadable", subject, reason: `is ${policyData.length} characters long, more than the ${MAX_POLICY_DATA_CHARS} this pack reads` };
        try {
            policy = JSON.parse(policyData) as unknown;
        } catch {
            // Syntax errors, and the RangeError of a pathologically deep nesting.
            policy = undefined;
        }
    }
    if (!isRecord(policy)) return { kind: "unreadable", subject, reason: "is not a JSON IAM policy" };
    const grants = asArray(policy.bindings).map((entry, index) => {
        const binding = asRecord(entry) ?? {};
        return { subject: `${subject} binding ${index}`, role: binding.role, members: asArray(binding.members) };
    });
    return { kind: "grants", grants };
}

/**
 * The grants a GCP IAM resource declares (none for any other type). Members unknown during a preview (a
 * service account's email, computed by another resource) are left out: they are no literal allUsers, and a
 * rule that asks only about the role still evaluates.
 */
export function gcpIamGrants(resource: ResourceUnderTest): GcpIamGrants {
    const { type, name, props } = resource;
    if (!isGcpIamType(type)) return { kind: "grants", grants: [] };
    if (/Member$/.test(type)) {
        const members = knownEntries(props).filter(([key]) => key === "member").map(([, member]) => member);
        return { kind: "grants", grants: [{ subject: `IAM member ${name}`, role: props.role, members }] };
    }
    if (/Binding$/.test(type)) {
        const list = knownEntries(props).find(([key]) => key === "members")?.[1];
        return { kind: "grants", grants: [{ subject: `IAM binding ${name}`, role: props.role, members: knownElements(list).map(([, member]) => member) }] };
    }
    return policyGrants(`IAM policy ${name} (policyData)`, props.policyData);
}

/** A predefined or custom role's name (`roles/run.invoker`, `projects/acme/roles/deployer`). Bounded, so linear. */
const ROLE_NAME = /^(?:roles|(?:projects|organizations)\/[A-Za-z0-9_.:-]{1,64}\/roles)\/[A-Za-z0-9_.]{1,128}$/;
/** A principal (`serviceAccount:api@acme.iam.gserviceaccount.com`, `principalSet://...`). Bounded, so linear. */
const PRINCIPAL = /^[A-Za-z]{1,32}:[A-Za-z0-9@._:/[\]-]{1,300}$/;

/** How a message shows a role: its name when it has a role's shape, else only that there is one (a message never echoes arbitrary text). */
export function describeRole(role: unknown): string {
    return typeof role === "string" && ROLE_NAME.test(role.trim()) ? role.trim() : "a role";
}

/** How a message shows a member: the principal when it has a principal's shape. */
export function describePrincipal(member: unknown): string {
    return typeof member === "string" && PRINCIPAL.test(member.trim()) ? member.trim() : "a member";
}

/** The public principals among a grant's members. */
export function publicPrincipals(members: readonly unknown[]): string[] {
    return [...new Set(members.filter((member): member is string => typeof member === "string").map((member) => member.trim()).filter((member) => PUBLIC_PRINCIPALS.includes(member)))];
}
