import * as pulumi from "@pulumi/pulumi";
import { AccessStatement } from "../cluster/types";
import { EnvironmentContext } from "../naming";

/** The environment's object store for uploads: one private, versioned, encrypted bucket. */
export interface ObjectStorageArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Key that encrypts every object (SSE-KMS on AWS, CMEK on GCP). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Days a replaced or deleted object version is kept before it expires. */
    readonly noncurrentVersionExpiryDays: number;
    /** Record every request to the bucket in a separate log bucket. */
    readonly accessLogs: boolean;
    /** Days access logs are kept. */
    readonly accessLogRetentionDays: number;
    /** Let `pulumi destroy` empty the bucket (disposable tiers only). */
    readonly forceDestroy: boolean;
}

/** What services are told about the store. */
export interface ObjectStorageRef {
    /** The bucket's name: services read it from UPLOADS_BUCKET. */
    readonly bucketName: pulumi.Output<string>;
    /** What a service with `storage: true` may do: read and write this bucket's objects, and nothing else. */
    readWriteStatements(): AccessStatement[];
}

/** The variable that carries the bucket's name into a service with `storage: true`. */
export const UPLOADS_BUCKET_ENV = "UPLOADS_BUCKET";
