import { IDENTITY_POLICY_TYPES, identityPolicyDocuments, isAllow, statementsOf, stringsOf } from "../lib/iam-documents";
import { describePrincipal, GCP_IAM_TYPE_PATTERNS, gcpIamGrants, isGcpIamType } from "../lib/gcp-iam";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { asArray } from "../lib/values";

/** The AWS managed policies that amount to administrator access, with what each grants. */
export const ADMIN_MANAGED_POLICIES: Readonly<Record<string, string>> = {
    AdministratorAccess: "every action on every resource",
    PowerUserAccess: "every action except IAM and Organizations management",
    IAMFullAccess: "all of IAM, enough to grant itself any other permission",
};

/** The GCP predefined and basic roles that amount to administrator access, with what each grants. */
export const ADMIN_GCP_ROLES: Readonly<Record<string, string>> = {
    "roles/owner": "full control of every resource, IAM included",
    "roles/editor": "write access to almost every resource",
    "roles/resourcemanager.projectIamAdmin": "the project's IAM policy, enough to grant itself any other role",
    "roles/resourcemanager.folderIamAdmin": "the folder's IAM policy, enough to grant itself any other role",
    "roles/resourcemanager.organizationAdmin": "the organization's IAM policy, enough to grant itself any other role",
    "roles/iam.securityAdmin": "every IAM policy it can read, enough to grant itself any other role",
};

/** Grants of an administrator role, by any IAM member, binding or policy of any GCP resource. Unreadable policies are no-wildcard-iam-actions' (or no-public-data-stores') to report. */
function gcpGrantViolations(resource: ResourceUnderTest): string[] {
    const grants = gcpIamGrants(resource);
    if (grants.kind !== "grants") return [];
    return grants.grants.flatMap(({ subject, role, members }) => {
        if (typeof role !== "string" || !Object.hasOwn(ADMIN_GCP_ROLES, role.trim())) return [];
        const granted = role.trim();
        const named = members.filter((member): member is string => typeof member === "string" && member.trim() !== "").map(describePrincipal);
        const who = named.length <= 3 ? named.join(", ") : `${named.slice(0, 3).join(", ")} and ${named.length - 3} more`;
        return [`${subject} grants ${granted} to ${who || "members known only at deployment"}, which gives ${ADMIN_GCP_ROLES[granted]}`];
    });
}

/** An AWS managed policy ARN in any partition (aws, aws-cn, aws-us-gov, aws-iso...), by policy name. */
const MANAGED_POLICY_ARN = /^arn:aws[a-z-]{0,20}:iam::aws:policy\/([A-Za-z]{1,64})$/;

/** Resource types that attach managed policies by ARN, with the property holding the ARN(s) and how messages name them. */
const ATTACHMENTS: Readonly<Record<string, { readonly label: string; readonly property: string }>> = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { label: "role policy attachment", property: "policyArn" },
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": { label: "user policy attachment", property: "policyArn" },
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": { label: "group policy attachment", property: "policyArn" },
    "aws:iam/policyAttachment:PolicyAttachment": { label: "policy attachment", property: "policyArn" },
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": { label: "role policy attachments", property: "policyArns" },
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": { label: "user policy attachments", property: "policyArns" },
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": { label: "group policy attachments", property: "policyArns" },
};
const ROLE = "aws:iam/role:Role";

/** The administrator policy an ARN names, or undefined. */
export function adminPolicyName(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    const name = MANAGED_POLICY_ARN.exec(arn.trim())?.[1];
    return name !== undefined && Object.hasOwn(ADMIN_MANAGED_POLICIES, name) ? name : undefined;
}

function attachedArns(resource: ResourceUnderTest): { subject: string; arns: readonly unknown[] } | undefined {
    const attachment = ATTACHMENTS[resource.type];
    if (attachment) {
        const value = resource.props[attachment.property];
        return { subject: `${attachment.label} ${resource.name}`, arns: Array.isArray(value) ? value : [value] };
    }
    if (resource.type === ROLE) return { subject: `role ${resource.name} (managedPolicyArns)`, arns: asArray(resource.props.managedPolicyArns) };
    return undefined;
}

function attachmentViolations(resource: ResourceUnderTest): string[] {
    const attached = attachedArns(resource);
    if (!attached) return [];
    return attached.arns.flatMap((arn) => {
        const name = adminPolicyName(arn);
        return name === undefined ? [] : [`${attached.subject} attaches the AWS managed policy ${name}, which grants ${ADMIN_MANAGED_POLICIES[name]}`];
    });
}

const isEverything = (value: string): boolean => value.trim() === "*";
/** `*` and `*:*` are every action; `iam:*` (any case) is all of IAM. */
const EVERY_ACTION = /^\*(?::\*)?$/;
const ALL_OF_IAM = /^iam:\*$/i;

/**
 * Inline or customer-managed documents that amount to an administrator policy: an Allow statement for every
 * action, or for all of IAM, on every resource. A condition does not change what is granted, so it is not
 * an excuse. Documents that do not parse are no-wildcard-iam-actions' to report, and are skipped here.
 */
function documentViolations(resource: ResourceUnderTest): string[] {
    return identityPolicyDocuments(resource).flatMap(({ subject, parsed }) => {
        if (parsed.kind !== "document") return [];
        return statementsOf(parsed.document).flatMap(({ label, statement }) => {
            if (!isAllow(statement) || !stringsOf(statement.Resource).some(isEverything)) return [];
            const actions = stringsOf(statement.Action).map((action) => action.trim());
            if (actions.some((action) => EVERY_ACTION.test(action))) return [`${subject} ${label} allows every action on every resource: administrator access`];
            if (actions.some((action) => ALL_OF_IAM.test(action))) return [`${subject} ${label} allows iam:* on every resource, enough to grant itself any other permission`];
            return [];
        });
    });
}

/**
 * No role, user or group gets administrator access: the AWS managed policies AdministratorAccess,
 * PowerUserAccess and IAMFullAccess attached by ARN (any partition) through any attachment resource or
 * Role.managedPolicyArns, and identity-policy documents (inline on a role, RolePolicy/UserPolicy/GroupPolicy, or
 * a customer-managed Policy) that allow `*` or `iam:*` on Resource `*`. Deliberately overlaps
 * no-wildcard-iam-actions on documents: administrator access is its own decision, and exempting a wildcard
 * does not exempt it. On GCP: no IAM member, binding or policy of any resource grants roles/owner, roles/editor or
 * a role that administers IAM itself (ADMIN_GCP_ROLES).
 */
export const noAdminPolicies: ResourceRule = {
    kind: "resource",
    name: "no-admin-policies",
    description: "No role, user or group is given AdministratorAccess, PowerUserAccess, IAMFullAccess or an equivalent inline policy; no GCP member is granted roles/owner, roles/editor or an IAM administrator role.",
    severity: "critical",
    rationale:
        "Administrator access turns any compromise of the identity (a leaked key, a vulnerable pod with the role) into a compromise of the whole account; IAMFullAccess is the same, one step removed.",
    remediation:
        "Attach a policy listing the actions the identity needs on the resources it uses (as components/cluster/workload-identity-aws.ts does); for break-glass administration use a separate role behind SSO, outside this program, or exempt the resource with a dated reason. On GCP grant the predefined roles the member needs (roles/cloudsql.client, roles/secretmanager.secretAccessor...) on the resources it uses, never roles/owner or roles/editor.",
    resourceTypes: [...Object.keys(ATTACHMENTS), ...IDENTITY_POLICY_TYPES, ...GCP_IAM_TYPE_PATTERNS],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        if (isGcpIamType(resource.type)) return gcpGrantViolations(resource);
        return [...attachmentViolations(resource), ...documentViolations(resource)];
    },
};
