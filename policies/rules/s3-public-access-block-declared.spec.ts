import { strict as assert } from "assert";
import { checkStack, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { s3PublicAccessBlockDeclared } from "./s3-public-access-block-declared";

const urn = (type: string, name: string): string => `urn:pulumi:prod::platform::${type}::${name}`;
const ALL_ON = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

// Bucket outputs as a stack export holds them (provider 7.x).
const bucket = (name: string, type = "aws:s3/bucket:Bucket"): TestResource => ({
    type,
    name,
    urn: urn(type, name),
    props: { arn: `arn:aws:s3:::platform-prod-${name}`, bucket: `platform-prod-${name}`, forceDestroy: false, region: "eu-west-1", tags: { environment: "prod" } },
});
/** A block whose `bucket` input came from the bucket resource (`bucket: bucket.id`), as the engine records it. */
const blockFor = (target: TestResource, props: Record<string, unknown> = ALL_ON): TestResource => ({
    type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    name: `${target.name}-pab`,
    urn: urn("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${target.name}-pab`),
    props: { bucket: target.props.bucket, ...props },
    propertyDependencies: { bucket: [target.urn!] },
});

const messages = (resources: readonly TestResource[]): string[] => violationMessages(checkStack(s3PublicAccessBlockDeclared, resources));

describe("policy s3-public-access-block-declared", function () {
    it("passes a stack without buckets, and buckets each with their block", function () {
        assert.deepEqual(checkStack(s3PublicAccessBlockDeclared, []), []);
        const uploads = bucket("uploads");
        const logs = bucket("logs", "aws:s3/bucketV2:BucketV2");
        assert.deepEqual(messages([uploads, blockFor(uploads), logs, blockFor(logs)]), []);
    });

    it("flags each bucket without a block, with the bucket's URN", function () {
        const uploads = bucket("uploads");
        const logs = bucket("logs");
        const outcomes = checkStack(s3PublicAccessBlockDeclared, [uploads, blockFor(uploads), logs]);
        assert.deepEqual(outcomes.map((outcome) => (outcome.kind === "violation" ? [outcome.message, outcome.urn] : outcome.kind)), [
            ["S3 bucket logs has no public access block in this stack (an aws.s3.BucketPublicAccessBlock for it, or an AccountPublicAccessBlock with all four settings on)", logs.urn],
        ]);
    });

    it("does not take a block for another bucket, and matches a block by bucket name when no dependency links them", function () {
        const uploads = bucket("uploads");
        const logs = bucket("logs");
        assert.equal(messages([uploads, logs, blockFor(logs)]).length, 1);
        const byName: TestResource = { ...blockFor(uploads), propertyDependencies: {} };
        assert.deepEqual(messages([uploads, byName]), []);
        assert.equal(messages([uploads, { ...byName, props: { ...byName.props, bucket: "platform-prod-other" } }]).length, 1);
    });

    it("counts a block whatever its settings (no-public-data-stores judges those)", function () {
        const site = bucket("site");
        assert.deepEqual(messages([site, blockFor(site, { blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false })]), []);
    });

    it("passes every bucket under an account-level block with all four settings on, and not under a partial one", function () {
        const uploads = bucket("uploads");
        const account = (props: Record<string, unknown>): TestResource => ({ type: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", name: "account", urn: urn("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account"), props });
        assert.deepEqual(messages([uploads, account(ALL_ON)]), []);
        assert.equal(messages([uploads, account({ ...ALL_ON, restrictPublicBuckets: false })]).length, 1);
    });

    it("in a preview, links by dependency without reading the still-unknown bucket names", function () {
        const uploads: TestResource = { ...bucket("uploads"), props: { bucket: UNKNOWN, forceDestroy: false } };
        const block: TestResource = { ...blockFor(uploads), props: { bucket: UNKNOWN, ...ALL_ON } };
        assert.deepEqual(checkStack(s3PublicAccessBlockDeclared, [uploads, block]), []);
    });

    it("is medium severity, mandatory in staging and prod, advisory in dev, and cannot be exempted", function () {
        assert.equal(s3PublicAccessBlockDeclared.kind, "stack");
        assert.deepEqual(verdictsOn(s3PublicAccessBlockDeclared, [bucket("uploads")]), { severity: "medium", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: false });
    });
});
