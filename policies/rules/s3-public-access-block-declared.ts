import { ResourceUnderTest, StackRule, StackViolation, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { ACCOUNT_PUBLIC_ACCESS_BLOCK, BUCKET_PUBLIC_ACCESS_BLOCK, BUCKET_TYPES, settingsOff } from "../lib/s3-public-access";

/**
 * Which buckets the stack's public access blocks cover. A block's `bucket` names its bucket by dependency on
 * the bucket's resource (`bucket: bucket.id`), else by a literal name (an imported or pre-existing bucket).
 * Names are read only for buckets no dependency covers, so that a preview, where new buckets' names are
 * still unknown, is judged without them. Linear in the number of resources.
 */
function coverage(blocks: readonly ResourceUnderTest[]): (bucket: ResourceUnderTest) => boolean {
    const byDependency = new Set(blocks.flatMap((block) => block.propertyDependencies?.bucket ?? []));
    let byName: Set<unknown> | undefined;
    return (bucket) => {
        if (byDependency.has(bucket.urn)) return true;
        const name = bucket.props.bucket;
        if (typeof name !== "string" || name === "") return false;
        byName ??= new Set(blocks.map((block) => block.props.bucket));
        return byName.has(name);
    };
}

/**
 * Every S3 bucket of the stack has its public access settings declared: an aws.s3.BucketPublicAccessBlock
 * for it in the same stack, or an aws.s3.AccountPublicAccessBlock with all four settings on. Without one, the
 * bucket's settings are whatever the account or a console click made them, and a later public ACL or policy
 * is not stopped. (New buckets have had the four settings on by default since April 2023; a declared block
 * keeps them on through drift, imports and older buckets.) The block's own settings are judged by
 * no-public-data-stores.
 *
 * A stack rule, because the block is a separate resource. It cannot be exempted: a bucket that must be
 * public declares its block with the settings it needs, and that block is exempted from no-public-data-stores
 * with a dated reason.
 */
export const s3PublicAccessBlockDeclared: StackRule = {
    kind: "stack",
    name: "s3-public-access-block-declared",
    description: "Every S3 bucket has a public access block in the stack (or the account-level block with all four settings on).",
    severity: "medium",
    rationale:
        "An S3 bucket without a managed public access block is one ACL or bucket-policy change away from being public, and nothing in code says it must not be.",
    remediation:
        "Add new aws.s3.BucketPublicAccessBlock(name, {bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true}) beside each bucket, or manage the account's aws.s3.AccountPublicAccessBlock with all four on.",
    resourceTypes: [...BUCKET_TYPES, BUCKET_PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: false,
    check(resources) {
        const buckets = resources.filter((resource) => BUCKET_TYPES.includes(resource.type));
        if (buckets.length === 0) return [];
        const accountWide = resources.some((resource) => resource.type === ACCOUNT_PUBLIC_ACCESS_BLOCK && settingsOff(resource.props).length === 0);
        if (accountWide) return [];
        const covered = coverage(resources.filter((resource) => resource.type === BUCKET_PUBLIC_ACCESS_BLOCK));
        return buckets
            .filter((bucket) => !covered(bucket))
            .map((bucket): StackViolation => ({
                message: `S3 bucket ${bucket.name} has no public access block in this stack (an aws.s3.BucketPublicAccessBlock for it, or an AccountPublicAccessBlock with all four settings on)`,
                urn: bucket.urn,
            }));
    },
};
