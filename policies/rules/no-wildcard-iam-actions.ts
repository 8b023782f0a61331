import { IDENTITY_POLICY_TYPES, identityPolicyDocuments, IdentityPolicyDocument, isAllow, statementsOf, stringsOf, unreadableReason } from "../lib/iam-documents";
import { ALWAYS_MANDATORY, ResourceRule } from "../lib/rule";

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

/**
 * Identity policies written in this program grant named actions, never `*` or `<service>:*`, and never
 * Allow with NotAction. Out of scope: AWS managed policies attached by ARN (their documents are not in the
 * program's inputs; no-admin-policies judges the administrator ones); resource policies (S3 bucket policies
 * are no-public-data-stores'); and role trust policies. A JSON document longer than the cap in
 * iam-documents.ts is not parsed and is reported, as an unparseable one is.
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
    resourceTypes: IDENTITY_POLICY_TYPES,
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        return identityPolicyDocuments(resource).flatMap(violationsOf);
    },
};
