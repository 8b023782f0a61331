import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../../config/load";
import { ClusterArgs, ClusterRef, WorkloadIdentityArgs, WorkloadIdentityRef } from "../cluster/types";
import { DatabaseBackupsArgs, DatabaseBackupsRef } from "../backups/types";
import { MessagingArgs, MessagingRef } from "../messaging/types";
import { MonitoringArgs, MonitoringRef } from "../monitoring/types";
import { EnvironmentContext } from "../naming";
import { NetworkArgs, NetworkRef } from "../network/types";
import { PostgresArgs, PostgresRef } from "../postgres/types";
import { RedisArgs, RedisRef } from "../redis/types";
import { BuiltImageArgs, BuiltImageRef, ContainerRegistryArgs, ContainerRegistryRef } from "../registry/types";
import { SecretStoreArgs, SecretStoreRef } from "../secrets/types";
import { ObjectStorageArgs, ObjectStorageRef } from "../storage/types";

/**
 * One cloud's implementation of every component, for one environment. The platform calls these in
 * dependency order (network, cluster, then what runs beside and on it); an implementation may keep what
 * it created (its own typed network or cluster) to wire cloud-specific details the neutral Args leave out,
 * such as security groups or OIDC providers.
 */
export interface CloudEnvironment {
    /** The environment's customer-managed key: a KMS key ARN on AWS, a Cloud KMS crypto key id on GCP. */
    readonly kmsKeyId: pulumi.Output<string>;
    /** Options for the platform's cloud-neutral children (namespace, services): the platform as parent, the cloud's provider. */
    readonly childOptions: pulumi.ComponentResourceOptions;
    /** Egress a pod with a workload identity needs to get its credentials (GKE's metadata server); none on AWS. */
    readonly workloadIdentityEgress: readonly { readonly cidr: string; readonly port: number }[];
    /** Who sets the Redis AUTH token: the SecretStore generates it (AWS), or the managed service does (Memorystore). */
    readonly redisAuthToken: "secret-store" | "managed-service";
    network(name: string, args: NetworkArgs): NetworkRef;
    registry(name: string, args: ContainerRegistryArgs): ContainerRegistryRef;
    cluster(name: string, args: ClusterArgs): ClusterRef;
    secretStore(name: string, args: SecretStoreArgs): SecretStoreRef;
    postgres(name: string, args: PostgresArgs): PostgresRef;
    redis(name: string, args: RedisArgs): RedisRef;
    monitoring(name: string, args: MonitoringArgs): MonitoringRef;
    workloadIdentity(name: string, args: WorkloadIdentityArgs): WorkloadIdentityRef;
    builtImage(name: string, args: BuiltImageArgs): BuiltImageRef;
    /** The uploads bucket (S3 on AWS, Cloud Storage on GCP). */
    objectStorage(name: string, args: ObjectStorageArgs): ObjectStorageRef;
    /**
     * Nightly snapshots of the database the `postgres` step created, apart from its own backups (AWS Backup).
     * Absent where the database's own automated backups carry the snapshots' retention (Cloud SQL on GCP).
     */
    databaseBackups?(name: string, args: Omit<DatabaseBackupsArgs, "databaseArn">): DatabaseBackupsRef;
    /** Domain events: SNS topics and SQS queues on AWS, Pub/Sub topics and subscriptions on GCP. */
    messaging(name: string, args: MessagingArgs): MessagingRef;
}

/** What a cloud's factory gets: the platform component (parent of everything), its name and the config. */
export interface CloudEnvironmentArgs {
    readonly parent: pulumi.ComponentResource;
    readonly name: string;
    readonly config: PlatformConfig;
    readonly environment: EnvironmentContext;
}

export type CloudFactory = (args: CloudEnvironmentArgs) => CloudEnvironment;

/** Throws when a component is asked for before the one it is wired to (a programming error, not a config one). */
export function required<T>(value: T | undefined, what: string, before: string): T {
    if (value === undefined) throw new Error(`${what} must be created before ${before}`);
    return value;
}
