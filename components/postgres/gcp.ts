import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, gcpResourceId } from "../naming";
import { GcpNetwork } from "../network/gcp";
import { POSTGRES_PORT, PostgresArgs, PostgresRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpPostgresArgs extends PostgresArgs {
    readonly region: string;
    /**
     * Automated backups kept (one a day): the point-in-time window's days, or more when the nightly snapshots
     * of platform:backups must be kept longer (Cloud SQL's backups are GCP's nightly snapshots).
     */
    readonly retainedBackups: number;
    /** The environment's own network: private services access range and connection. */
    readonly gcpNetwork: GcpNetwork;
    /** The project APIs, and the key grant Cloud SQL's service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

/** Cloud SQL Enterprise keeps at most 7 days of transaction logs. */
const MAX_TRANSACTION_LOG_DAYS = 7;

/**
 * Cloud SQL for PostgreSQL with a private IP only (through private services access) and no public IPv4,
 * TLS required (`ENCRYPTED_ONLY`), encrypted with the environment's key, nightly automated backups kept
 * `retainedBackups` days with point-in-time recovery over the last (up to) 7 days of transaction logs, REGIONAL (a standby in another zone) and deletion
 * protection where the tier asks, IAM database authentication, Query Insights, and a Sunday maintenance window.
 */
export class GcpPostgres extends pulumi.ComponentResource implements PostgresRef {
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: string;
    readonly username: string;
    readonly instanceIdentifier: pulumi.Output<string>;
    readonly connectionName: pulumi.Output<string>;

    constructor(name: string, args: GcpPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Postgres", name, recordedInputs(args), opts);
        const env = args.environment;

        const instance = new gcp.sql.DatabaseInstance(`${name}-db`, {
            name: gcpResourceId(env, 80, "postgres"),
            databaseVersion: `POSTGRES_${args.engineVersion}`,
            region: args.region,
            encryptionKeyName: args.kmsKeyId,
            deletionProtection: args.deletionProtection,
            settings: {
                tier: args.instanceClass,
                edition: "ENTERPRISE",
                availabilityType: args.multiAz ? "REGIONAL" : "ZONAL",
                diskType: "PD_SSD",
                diskSize: args.storageGb,
                diskAutoresize: true,
                diskAutoresizeLimit: args.maxStorageGb,
                deletionProtectionEnabled: args.deletionProtection,
                ipConfiguration: {
                    ipv4Enabled: false,
                    privateNetwork: args.gcpNetwork.networkId,
                    allocatedIpRange: args.gcpNetwork.privateServicesRangeName,
                    sslMode: "ENCRYPTED_ONLY",
                },
                backupConfiguration: {
                    enabled: true,
                    startTime: "03:00",
                    pointInTimeRecoveryEnabled: true,
                    transactionLogRetentionDays: Math.min(MAX_TRANSACTION_LOG_DAYS, args.backupRetentionDays),
                    backupRetentionSettings: { retainedBackups: args.retainedBackups, retentionUnit: "COUNT" },
                },
                retainBackupsOnDelete: args.keepBackupsOnDelete,
                maintenanceWindow: { day: 7, hour: 4, updateTrack: "stable" },
                insightsConfig: { queryInsightsEnabled: args.performanceInsights },
                databaseFlags: [
                    { name: "cloudsql.iam_authentication", value: "on" },
                    { name: "log_min_duration_statement", value: "1000" },
                ],
                userLabels: gcpLabels(env),
            },
        }, { parent: this, dependsOn: [...args.apis, args.gcpNetwork.privateServicesConnection] });

        new gcp.sql.Database(`${name}-app`, { instance: instance.name, name: args.databaseName }, { parent: this });
        new gcp.sql.User(`${name}-admin`, { instance: instance.name, name: args.username, password: args.password, type: "BUILT_IN" }, { parent: this });

        this.address = instance.privateIpAddress;
        this.port = pulumi.output(POSTGRES_PORT);
        this.instanceIdentifier = instance.name;
        this.connectionName = instance.connectionName;
        this.databaseName = args.databaseName;
        this.username = args.username;
        this.registerOutputs({ address: this.address, connectionName: this.connectionName });
    }
}
