import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccessStatement } from "../cluster/types";
import { resourceName, standardTags } from "../naming";
import { ObjectStorageArgs, ObjectStorageRef } from "./types";


/** Days an upload left half-way (a multipart upload never completed) is kept. */
const INCOMPLETE_UPLOAD_DAYS = 7;

/** A policy statement that refuses every request not made over TLS. */
function denyInsecureTransport(bucketArn: pulumi.Output<string>): Record<string, unknown> {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Public access blocked with all four settings, and ACLs disabled (the bucket owner owns every object). */
function lockDown(name: string, bucket: aws.s3.Bucket, opts: pulumi.CustomResourceOptions): aws.s3.BucketPublicAccessBlock {
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    return new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    }, opts);
}

/**
 * The uploads bucket on S3: versioned, SSE-KMS with the environment's key (bucket keys on), public access
 * blocked, ACLs disabled, a bucket policy that refuses plain HTTP, noncurrent versions expired after the tier's
 * days; in prod, server access logs to a log bucket of its own (SSE-S3, which S3 log delivery requires).
 */
export class AwsObjectStorage extends pulumi.ComponentResource implements ObjectStorageRef {
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    private readonly kmsKeyArn: pulumi.Input<string>;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:ObjectStorage", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);
        this.kmsKeyArn = args.kmsKeyArn;

        const bucket = new aws.s3.Bucket(`${name}-uploads`, { bucketPrefix: `${resourceName(env, "uploads")}-`, forceDestroy: args.forceDestroy, tags: standardTags(env, { "data-classification": "confidential" }) }, parent);
        const block = lockDown(`${name}-uploads`, bucket, parent);
        new aws.s3.BucketVersioning(`${name}-uploads-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-uploads-encryption`, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
        }, parent);
        new aws.s3.BucketLifecycleConfiguration(`${name}-uploads-lifecycle`, {
            bucket: bucket.id,
            rules: [{
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: { prefix: "" },
                noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpiryDays },
                abortIncompleteMultipartUpload: { daysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
            }],
        }, parent);
        new aws.s3.BucketPolicy(`${name}-uploads-policy`, {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucket.arn)] }),
        }, { parent: this, dependsOn: [block] });

        if (args.accessLogs) this.createAccessLogs(name, env, bucket, args.accessLogRetentionDays, args.forceDestroy, tags);

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.registerOutputs({ bucketName: this.bucketName });
    }

    /** Read and write to the uploads bucket alone (objects, listing), and use of the key that encrypts it. */
    readWriteStatements(): AccessStatement[] {
        return [
            { actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], resources: [pulumi.interpolate`${this.bucketArn}/*`] },
            { actions: ["s3:ListBucket"], resources: [this.bucketArn] },
            { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [this.kmsKeyArn] },
        ];
    }

    private createAccessLogs(name: string, env: ObjectStorageArgs["environment"], source: aws.s3.Bucket, retentionDays: number, forceDestroy: boolean, tags: Record<string, string>): void {
        const parent = { parent: this };
        const logs = new aws.s3.Bucket(`${name}-access-logs`, { bucketPrefix: `${resourceName(env, "uploads-logs")}-`, forceDestroy, tags }, parent);
        const block = lockDown(`${name}-access-logs`, logs, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-access-logs-encryption`, {
            bucket: logs.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }, parent);
        new aws.s3.BucketLifecycleConfiguration(`${name}-access-logs-lifecycle`, {
            bucket: logs.id,
            rules: [{ id: "expire-access-logs", status: "Enabled", filter: { prefix: "" }, expiration: { days: retentionDays } }],
        }, parent);
        const identity = aws.getCallerIdentityOutput({}, parent);
        new aws.s3.BucketPolicy(`${name}-access-logs-policy`, {
            bucket: logs.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    denyInsecureTransport(logs.arn),
                    {
                        Sid: "S3ServerAccessLogDelivery",
                        Effect: "Allow",
                        Principal: { Service: "logging.s3.amazonaws.com" },
                        Action: "s3:PutObject",
                        Resource: pulumi.interpolate`${logs.arn}/uploads/*`,
                        Condition: { ArnLike: { "aws:SourceArn": source.arn }, StringEquals: { "aws:SourceAccount": identity.accountId } },
                    },
                ],
            }),
        }, { parent: this, dependsOn: [block] });
        new aws.s3.BucketLogging(`${name}-uploads-logging`, { bucket: source.id, targetBucket: logs.id, targetPrefix: "uploads/" }, parent);
    }
}
