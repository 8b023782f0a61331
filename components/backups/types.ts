import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/**
 * Nightly snapshots of the environment's database, kept apart from the database's own point-in-time
 * recovery (its automated backups): a mistaken delete of the instance or its automated backups leaves them.
 */
export interface DatabaseBackupsArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Key that encrypts the vault. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The database to snapshot (its ARN on AWS). */
    readonly databaseArn: pulumi.Input<string>;
    /** Days each nightly snapshot is kept. */
    readonly snapshotRetentionDays: number;
    /** When the snapshot starts: an AWS cron expression in UTC. */
    readonly schedule: string;
    /** Lock the vault so that no snapshot can be deleted before it expires. */
    readonly vaultLock: boolean;
}

export interface DatabaseBackupsRef {
    /** Name of the vault that holds the snapshots (the restore runbook starts there). */
    readonly vaultName: pulumi.Output<string>;
}
