import { describeRole, gcpIamGrants, GCS_IAM_TYPE_PATTERNS, isGcsIamType, publicPrincipals } from "./gcp-iam";
import { ResourceUnderTest } from "./rule";
import { asArray } from "./values";

/**
 * How a Cloud Storage bucket becomes public, in every shape @pulumi/gcp 9.x declares it: the bucket without
 * uniform bucket-level access (so object ACLs apply) or without public access prevention enforced; IAM grants
 * to allUsers / allAuthenticatedUsers on the bucket or a managed folder (IAM member, binding, policy); and the
 * legacy ACLs (predefined ACLs, role entities, access controls) naming them.
 */

export const GCS_BUCKET = "gcp:storage/bucket:Bucket";
/** ACL resources, with the inputs they grant through. */
const ACL_TYPES: Readonly<Record<string, { readonly label: string; readonly predefined: readonly string[]; readonly roleEntities: readonly string[]; readonly entity: boolean }>> = {
    "gcp:storage/bucketACL:BucketACL": { label: "bucket ACL", predefined: ["predefinedAcl", "defaultAcl"], roleEntities: ["roleEntities"], entity: false },
    "gcp:storage/defaultObjectACL:DefaultObjectACL": { label: "default object ACL", predefined: [], roleEntities: ["roleEntities"], entity: false },
    "gcp:storage/objectACL:ObjectACL": { label: "object ACL", predefined: ["predefinedAcl"], roleEntities: ["roleEntities"], entity: false },
    "gcp:storage/bucketAccessControl:BucketAccessControl": { label: "bucket access control", predefined: [], roleEntities: [], entity: true },
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl": { label: "default object access control", predefined: [], roleEntities: [], entity: true },
    "gcp:storage/objectAccessControl:ObjectAccessControl": { label: "object access control", predefined: [], roleEntities: [], entity: true },
};

export const GCS_PUBLIC_ACCESS_TYPES: readonly string[] = [GCS_BUCKET, ...Object.keys(ACL_TYPES), ...GCS_IAM_TYPE_PATTERNS];

export function isGcsPublicAccessType(type: string): boolean {
    return type === GCS_BUCKET || Object.hasOwn(ACL_TYPES, type) || isGcsIamType(type);
}

/** Predefined (canned) ACLs that grant to everyone or to every Google account. */
const PUBLIC_PREDEFINED_ACLS: readonly string[] = ["publicRead", "publicReadWrite", "authenticatedRead"];

function bucketViolations({ name, props }: ResourceUnderTest): string[] {
    const messages: string[] = [];
    if (props.uniformBucketLevelAccess !== true) {
        messages.push(`Cloud Storage bucket ${name} lets object ACLs grant access (uniformBucketLevelAccess is ${props.uniformBucketLevelAccess === false ? "false" : "unset, which is false"})`);
    }
    const prevention = props.publicAccessPrevention;
    if (prevention !== "enforced") {
        const found = prevention === undefined || prevention === null ? "unset, which inherits the organization policy" : JSON.stringify(prevention);
        messages.push(`Cloud Storage bucket ${name} can be made public (publicAccessPrevention is ${found}, not "enforced")`);
    }
    return messages;
}

/** The roles of Cloud Storage ACLs. */
const ACL_ROLES: readonly string[] = ["OWNER", "READER", "WRITER"];
const aclRole = (role: unknown): string => (typeof role === "string" && ACL_ROLES.includes(role.trim()) ? role.trim() : "a role");

/** `READER:allUsers`: the role before the first colon, the entity after it. */
function roleEntityOf(roleEntity: unknown): { role: string; entity: string } | undefined {
    if (typeof roleEntity !== "string") return undefined;
    const colon = roleEntity.indexOf(":");
    return colon < 0 ? undefined : { role: roleEntity.slice(0, colon), entity: roleEntity.slice(colon + 1).trim() };
}

function aclViolations({ type, name, props }: ResourceUnderTest): string[] {
    const acl = ACL_TYPES[type];
    const subject = `Cloud Storage ${acl.label} ${name}`;
    const messages: string[] = [];
    for (const input of acl.predefined) {
        const value = props[input];
        if (typeof value === "string" && PUBLIC_PREDEFINED_ACLS.includes(value)) messages.push(`${subject} applies the public predefined ACL ${value} (${input})`);
    }
    for (const input of acl.roleEntities) {
        asArray(props[input]).forEach((roleEntity, index) => {
            const parsed = roleEntityOf(roleEntity);
            if (parsed !== undefined && publicPrincipals([parsed.entity]).length > 0) messages.push(`${subject} grants ${aclRole(parsed.role)} to ${parsed.entity} (${input}[${index}])`);
        });
    }
    const [entity] = publicPrincipals([props.entity]);
    if (acl.entity && entity !== undefined) messages.push(`${subject} grants ${props.role === undefined || props.role === null ? "access" : aclRole(props.role)} to ${entity} (entity)`);
    return messages;
}

function iamViolations(resource: ResourceUnderTest): string[] {
    const grants = gcpIamGrants(resource);
    if (grants.kind === "unreadable") return [`Cloud Storage ${grants.subject} ${grants.reason}, so it cannot be checked for public access`];
    return grants.grants.flatMap(({ subject, role, members }) =>
        publicPrincipals(members).map((principal) => `Cloud Storage ${subject} grants ${describeRole(role)} to ${principal}, which makes the data public`),
    );
}

/** Every way one resource makes Cloud Storage data public (none for other types). */
export function gcsPublicAccessViolations(resource: ResourceUnderTest): string[] {
    if (resource.type === GCS_BUCKET) return bucketViolations(resource);
    if (Object.hasOwn(ACL_TYPES, resource.type)) return aclViolations(resource);
    if (isGcsIamType(resource.type)) return iamViolations(resource);
    return [];
}
