import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";
import { NetworkRef } from "../network/types";

/** The port Postgres listens on (PostgreSQL's default), also the one services' egress allows. */
export const POSTGRES_PORT = 5432;

/** A managed PostgreSQL database for one environment. */
export interface PostgresArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Network whose private subnets hold the database. */
    readonly network: NetworkRef;
    /** Major version, e.g. "16". */
    readonly engineVersion: string;
    /** Machine size. */
    readonly instanceClass: string;
    /** Allocated storage, GiB. */
    readonly storageGb: number;
    /** Storage autoscaling ceiling, GiB. */
    readonly maxStorageGb: number;
    /** Synchronous standby in another zone. */
    readonly multiAz: boolean;
    /** Refuse deletion. */
    readonly deletionProtection: boolean;
    /** Point-in-time recovery window, days. */
    readonly backupRetentionDays: number;
    /** Take a final snapshot and keep automated backups when the database is deleted. */
    readonly keepBackupsOnDelete: boolean;
    /** Performance Insights. */
    readonly performanceInsights: boolean;
    /** Days the exported database logs are kept (CloudWatch on AWS; Cloud Logging's own retention on GCP). */
    readonly logRetentionDays: number;
    /** Key that encrypts storage, backups, Performance Insights and the exported logs (ARN on AWS, key id on GCP). */
    readonly kmsKeyId: pulumi.Input<string>;
    /** Master password, from the SecretStore. */
    readonly password: pulumi.Output<string>;
    /** Application database name. */
    readonly databaseName: string;
    /** Master user name. */
    readonly username: string;
}

export interface PostgresRef {
    readonly address: pulumi.Output<string>;
    /** The instance's name in the cloud, for alerts. */
    readonly instanceIdentifier: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: string;
    readonly username: string;
}
