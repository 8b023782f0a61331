import { isAllow, parsePolicyDocument, statementsOf, stringsOf, unreadableReason } from "./iam-documents";
import { ResourceUnderTest } from "./rule";
import { isRecord } from "./values";
import { asArray, asRecord } from "./values";

/**
 * How an S3 bucket becomes public, in every shape @pulumi/aws 7.x declares it: canned ACLs and grants
 * (Bucket, BucketV2, BucketAcl, BucketAclV2), bucket policies (Bucket.policy, BucketV2.policy, BucketPolicy),
 * public access blocks with a setting off (bucket and account level), and website hosting.
 */

export const BUCKET_TYPES: readonly string[] = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const BUCKET_ACL_TYPES: readonly string[] = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const WEBSITE_TYPES: readonly string[] = ["aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"];

export const S3_PUBLIC_ACCESS_TYPES: readonly string[] = [...BUCKET_TYPES, ...BUCKET_ACL_TYPES, BUCKET_POLICY, BUCKET_PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK, ...WEBSITE_TYPES];

/** Canned ACLs that grant to everyone, or to every AWS account (AuthenticatedUsers is any AWS customer). */
const PUBLIC_CANNED_ACLS: readonly string[] = ["public-read", "public-read-write", "authenticated-read"];
/** Grantee groups that are public, by URI. */
const PUBLIC_GROUPS: Readonly<Record<string, string>> = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers",
};

/** The four settings of a public access block; all four must be on. */
export const PUBLIC_ACCESS_BLOCK_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

function cannedAclViolations(subject: string, acl: unknown): string[] {
    return typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl) ? [`${subject} has the public canned ACL ${acl}`] : [];
}

/** Grants in Bucket/BucketV2 (`grants: [{type, uri, permissions}]`) and BucketAcl(V2) (`accessControlPolicy.grants: [{grantee: {type, uri}, permission}]`). */
function grantViolations(subject: string, grants: readonly unknown[]): string[] {
    return grants.flatMap((entry, index) => {
        const grant = asRecord(entry) ?? {};
        const grantee = asRecord(grant.grantee) ?? grant;
        const group = typeof grantee.uri === "string" ? PUBLIC_GROUPS[grantee.uri] : undefined;
        if (group === undefined) return [];
        const permissions = [...stringsOf(grant.permissions), ...stringsOf(grant.permission)];
        return [`${subject} grant ${index} gives ${permissions.join(", ") || "access"} to the ${group} group`];
    });
}

export function aclViolations(resource: ResourceUnderTest): string[] {
    const { name, props } = resource;
    if (BUCKET_TYPES.includes(resource.type)) {
        const subject = `S3 bucket ${name}`;
        return [...cannedAclViolations(subject, props.acl), ...grantViolations(subject, asArray(props.grants))];
    }
    if (BUCKET_ACL_TYPES.includes(resource.type)) {
        const subject = `S3 bucket ACL ${name}`;
        return [...cannedAclViolations(subject, props.acl), ...grantViolations(subject, asArray(asRecord(props.accessControlPolicy)?.grants))];
    }
    return [];
}

/**
 * Condition keys that, with a fixed value, keep a statement for Principal `*` from being public (S3's own
 * definition in "The meaning of public", plus the principal-scoping keys Access Analyzer also honours).
 */
const RESTRICTING_KEYS: readonly string[] = [
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:userid",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];
/** Operators that only match the values listed (`...IfExists` also matches when the key is absent, so it does not restrict). */
const POSITIVE_OPERATORS: readonly string[] = ["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"];

/** A fixed value: no wildcard, no policy variable, and for an IP range not every address. */
function isFixed(value: string): boolean {
    const text = value.trim();
    return text !== "" && !/[*?]/.test(text) && !text.includes("${") && !/\/0+$/.test(text);
}

function hasRestrictingCondition(statement: Record<string, unknown>): boolean {
    const condition = asRecord(statement.Condition);
    if (!condition) return false;
    return Object.entries(condition).some(([operator, clauses]) => {
        // ForAnyValue: needs one of the request's values to match; ForAllValues: also matches a request without the key, so it does not restrict.
        const bare = operator.replace(/^foranyvalue:/i, "").toLowerCase();
        if (!POSITIVE_OPERATORS.includes(bare) || !isRecord(clauses)) return false;
        return Object.entries(clauses).some(([key, value]) => {
            const values = stringsOf(value);
            return RESTRICTING_KEYS.includes(key.toLowerCase()) && values.length > 0 && values.every(isFixed) && !(key.toLowerCase() === "aws:userid" && values.some((id) => id.endsWith(":*")));
        });
    });
}

/** `"*"`, `{"AWS": "*"}`, `{"AWS": ["*", ...]}` or `{"CanonicalUser": "*"}`: everyone. */
function isEveryone(principal: unknown): boolean {
    if (typeof principal === "string") return principal.trim() === "*";
    const record = asRecord(principal);
    if (!record) return false;
    return ["AWS", "CanonicalUser"].some((kind) => stringsOf(record[kind]).some((value) => value.trim() === "*"));
}

/** Statements of a bucket policy that make the bucket public. An unreadable policy is a finding: it cannot be shown not to be public. */
export function bucketPolicyViolations(subject: string, policy: unknown): string[] {
    if (policy === undefined || policy === null || policy === "") return [];
    const parsed = parsePolicyDocument(policy);
    if (parsed.kind !== "document") return [`${subject} ${unreadableReason(parsed)}, so it cannot be checked for public access`];
    return statementsOf(parsed.document).flatMap(({ label, statement }) => {
        if (!isAllow(statement)) return [];
        if (statement.NotPrincipal !== undefined) return [`${subject} ${label} allows every principal but the ones listed (Allow with NotPrincipal)`];
        if (!isEveryone(statement.Principal) || hasRestrictingCondition(statement)) return [];
        const actions = stringsOf(statement.Action);
        return [`${subject} ${label} allows ${actions.length > 0 ? actions.join(", ") : "its actions"} to every principal (Principal *) without a condition that restricts who (aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID...)`];
    });
}

export function policyViolations(resource: ResourceUnderTest): string[] {
    if (BUCKET_TYPES.includes(resource.type)) return bucketPolicyViolations(`S3 bucket ${resource.name} policy`, resource.props.policy);
    if (resource.type === BUCKET_POLICY) return bucketPolicyViolations(`S3 bucket policy ${resource.name}`, resource.props.policy);
    return [];
}

/** The settings of a public access block that are off (each defaults to false when unset). */
export function settingsOff(props: Record<string, unknown>): string[] {
    return PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => props[setting] !== true);
}

export function publicAccessBlockViolations(resource: ResourceUnderTest): string[] {
    const label = resource.type === BUCKET_PUBLIC_ACCESS_BLOCK ? "S3 public access block" : resource.type === ACCOUNT_PUBLIC_ACCESS_BLOCK ? "S3 account public access block" : undefined;
    if (label === undefined) return [];
    const off = settingsOff(resource.props);
    return off.length === 0 ? [] : [`${label} ${resource.name} leaves ${off.join(", ")} off (all four settings must be true)`];
}

function hasWebsite(resource: ResourceUnderTest): boolean {
    const { props } = resource;
    if (resource.type === "aws:s3/bucket:Bucket") {
        const website = asRecord(props.website);
        return website !== undefined && Object.values(website).some((value) => value !== undefined && value !== null && value !== "");
    }
    return resource.type === "aws:s3/bucketV2:BucketV2" && asArray(props.websites).length > 0;
}

const WEBSITE_MESSAGE = "hosts a static website (the website endpoint serves plain HTTP and needs public read); serve the bucket through CloudFront with origin access control instead";

export function websiteViolations(resource: ResourceUnderTest): string[] {
    if (WEBSITE_TYPES.includes(resource.type)) return [`S3 website configuration ${resource.name} ${WEBSITE_MESSAGE}`];
    return hasWebsite(resource) ? [`S3 bucket ${resource.name} ${WEBSITE_MESSAGE}`] : [];
}
