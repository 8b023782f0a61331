import { IDENTITY_POLICY_TYPES, identityPolicyDocuments, IdentityPolicyDocument, isAllow, statementsOf, stringsOf, unreadableReason } from "../lib/iam-documents";
import { describeRole, GCP_IAM_TYPE_PATTERNS, gcpIamGrants, isGcpIamType, isGcsIamType, publicPrincipals } from "../lib/gcp-iam";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";

/** `*`, and `<service>:*` in any case: every action, or every action of a service. Partial wildcards (`s3:Get*`) pass. */
const WILDCARD_ACTION = /^(?:[^:]+:)?\*+$/;

function violationsOf({ subject, parsed }: IdentityPolicyDocument): string[] {
    if (parsed.kind !== "document") return [`${subject} ${unreadableReason(parsed)}, so it cannot be checked for wildcard actions`];
    const messages: string[] = [];
    for (const { label, statement } of statementsOf(parsed.document)) {
        if (!isAllow(statement)) continue;
        if (statement.NotAction !== undefined) {
            messages.push(`${subject} ${label} combines Allow with NotAction (${stringsOf(statement.NotAction).join(", ")}), which grants every action not listed`);
        }
        const wildcards = stringsOf(statement.Action).filter((action) => WILDCARD_ACTION.test(action.trim()));
        if (wildcards.length > 0) messages.push(`${subject} ${label} allows wildcard actions ${wildcards.join(", ")}`);
    }
    return messages;
}

/** GCP grants to every principal: the wildcard on the other side of a grant. Cloud Storage's are no-public-data-stores'. */
function gcpPublicGrantViolations(resource: ResourceUnderTest): string[] {
    if (isGcsIamType(resource.type)) return [];
    const grants = gcpIamGrants(resource);
    if (grants.kind === "unreadable") return [`${grants.subject} ${grants.reason}, so it cannot be checked for grants to allUsers or allAuthenticatedUsers`];
    return grants.grants.flatMap(({ subject, role, members }) =>
        publicPrincipals(members).map((principal) => `${subject} grants ${describeRole(role)} to ${principal}: anyone ${principal === "allUsers" ? "on the internet" : "with a Google account"} gets it`),
    );
}

/**
 * Identity policies written in this program grant named actions, never `*` or `<service>:*`, and never
 * Allow with NotAction. Out of scope: AWS managed policies attached by ARN (their documents are not in the
 * program's inputs; no-admin-policies judges the administrator ones); resource policies (S3 bucket policies
 * are no-public-data-stores'); and role trust policies. A JSON document longer than the cap in
 * iam-documents.ts is not parsed and is reported, as an unparseable one is.
 * On GCP, where roles are named sets of permissions, the wildcard is on the principal side: no role is granted
 * to allUsers or allAuthenticatedUsers by any IAM member, binding or policy (`policyData`) of any resource type
 * (a public Cloud Run service is a deliberate decision: exempt its IAM member with a dated reason). Cloud
 * Storage grants are no-public-data-stores' and are not repeated here.
 */
export const noWildcardIamActions: ResourceRule = {
    kind: "resource",
    name: "no-wildcard-iam-actions",
    description: "IAM identity policies allow named actions, not * or <service>:*, and never Allow with NotAction; no GCP role is granted to allUsers or allAuthenticatedUsers.",
    severity: "critical",
    rationale:
        "A wildcard action grants every current and future action of a service (or of AWS), including the ones that escalate privileges or delete data; NotAction with Allow does the same by exclusion. A GCP role granted to allUsers or allAuthenticatedUsers gives it to anyone on the internet.",
    remediation:
        "List the actions the workload needs (e.g. s3:GetObject, s3:PutObject) with Effect Allow and the narrowest Resource; replace Allow + NotAction with explicit actions, or a Deny statement. On GCP grant roles to named principals (serviceAccount:, group:, user:, domain:), never allUsers or allAuthenticatedUsers; put a public service behind a load balancer with Identity-Aware Proxy or Cloud Armor, or exempt the one IAM member with a dated reason.",
    resourceTypes: [...IDENTITY_POLICY_TYPES, ...GCP_IAM_TYPE_PATTERNS],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        if (isGcpIamType(resource.type)) return gcpPublicGrantViolations(resource);
        return identityPolicyDocuments(resource).flatMap(violationsOf);
    },
};
