import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { AccessStatement } from "../cluster/types";
import { EnvironmentContext, gcpLabels, gcsBucketName } from "../naming";
import { ObjectStorageArgs, ObjectStorageRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpObjectStorageArgs extends ObjectStorageArgs {
    /** The project, part of the bucket's globally unique name. */
    readonly project: string;
    readonly region: string;
    /** The project APIs, and the key grant the Cloud Storage service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

/** Days an upload left half-way (a multipart upload never completed) is kept. */
const INCOMPLETE_UPLOAD_DAYS = 7;
/** Google's group that writes usage logs into a bucket's log bucket. */
const STORAGE_ANALYTICS = "group:cloud-storage-analytics@google.com";
/** Read, write, list and delete objects, no say over the bucket itself. */
const OBJECT_USER_ROLE = "roles/storage.objectUser";

/** `projects/_/buckets/<name>`: how IAM names a bucket. */
export function gcsBucketResourceName(bucket: string): string {
    return `projects/_/buckets/${bucket}`;
}

/**
 * The uploads bucket on Cloud Storage: versioned, CMEK with the environment's key, uniform bucket-level
 * access and public access prevention enforced (no ACLs, never public), noncurrent versions deleted after
 * the tier's days and abandoned multipart uploads after a week; in prod, usage logs to a log bucket of its
 * own (as private and encrypted, its logs deleted after the tier's days).
 */
export class GcpObjectStorage extends pulumi.ComponentResource implements ObjectStorageRef {
    readonly bucketName: pulumi.Output<string>;
    /** Known before deployment, so that a service's grant can name the bucket exactly (a bucket-level IAM member). */
    private readonly plainBucketName: string;

    constructor(name: string, args: GcpObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:ObjectStorage", name, recordedInputs(args), opts);
        const env = args.environment;
        const dependsOn = [...args.apis];

        const logs = args.accessLogs ? this.createLogBucket(name, env, args, dependsOn) : undefined;
        this.plainBucketName = gcsBucketName(env, args.project, "uploads");
        const bucket = new gcp.storage.Bucket(`${name}-uploads`, {
            ...privateBucket(this.plainBucketName, env, args, { "data-classification": "confidential" }),
            versioning: { enabled: true },
            lifecycleRules: [
                { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: args.noncurrentVersionExpiryDays } },
                { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: INCOMPLETE_UPLOAD_DAYS } },
            ],
            logging: logs ? { logBucket: logs.name, logObjectPrefix: "uploads" } : undefined,
        }, { parent: this, dependsOn });

        this.bucketName = bucket.name;
        this.registerOutputs({ bucketName: this.bucketName });
    }

    /** Object read and write on the uploads bucket alone; Cloud Storage's agent does the encryption, so no key rights. */
    readWriteStatements(): AccessStatement[] {
        return [{ actions: [OBJECT_USER_ROLE], resources: [gcsBucketResourceName(this.plainBucketName)] }];
    }

    private createLogBucket(name: string, env: EnvironmentContext, args: GcpObjectStorageArgs, dependsOn: pulumi.Resource[]): gcp.storage.Bucket {
        const logs = new gcp.storage.Bucket(`${name}-access-logs`, {
            ...privateBucket(gcsBucketName(env, args.project, "uploads-logs"), env, args),
            lifecycleRules: [{ action: { type: "Delete" }, condition: { age: args.accessLogRetentionDays } }],
        }, { parent: this, dependsOn });
        new gcp.storage.BucketIAMMember(`${name}-access-logs-writer`, { bucket: logs.name, role: "roles/storage.objectCreator", member: STORAGE_ANALYTICS }, { parent: this });
        return logs;
    }
}

/** What both buckets share: region, key, no ACLs, never public, labels, and destroyable only in disposable tiers. */
function privateBucket(bucketName: string, env: EnvironmentContext, args: GcpObjectStorageArgs, labels: Readonly<Record<string, string>> = {}): gcp.storage.BucketArgs {
    return {
        name: bucketName,
        location: args.region.toUpperCase(),
        storageClass: "STANDARD",
        encryption: { defaultKmsKeyName: args.kmsKeyArn },
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        forceDestroy: args.forceDestroy,
        labels: gcpLabels(env, labels),
    };
}
