import { isDisposable } from "../lib/tiers";
import { MIN_BACKUP_RETENTION_DAYS } from "../lib/guardrails";
import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asRecord } from "../lib/values";

/** Days of ElastiCache snapshots required outside dev. */
export const MIN_CACHE_SNAPSHOT_DAYS = 1;

function retention(value: unknown): string {
    return value === undefined || value === null ? "unset (0)" : String(value);
}

const CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const GKE_CLUSTER = "gcp:container/cluster:Cluster";

const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== "";

/**
 * Cloud SQL: the provider's deletionProtection (default true) keeps `pulumi destroy` and replacements from
 * deleting the instance; automated backups with point-in-time recovery (PostgreSQL and SQL Server:
 * pointInTimeRecoveryEnabled; MySQL: binaryLogEnabled), transaction logs and retained backups of at least
 * MIN_BACKUP_RETENTION_DAYS (both default to 7 when unset). A read replica has no backups of its own.
 */
function cloudSqlViolations(name: string, props: Record<string, unknown>): string[] {
    const messages: string[] = [];
    if (props.deletionProtection === false) messages.push(`Cloud SQL instance ${name} can be deleted (deletionProtection is false)`);
    if (isSet(props.masterInstanceName)) return messages;
    const backups = asRecord(asRecord(props.settings)?.backupConfiguration);
    if (backups?.enabled !== true) {
        messages.push(`Cloud SQL instance ${name} has no automated backups (settings.backupConfiguration.enabled is not true)`);
        return messages;
    }
    const version = typeof props.databaseVersion === "string" ? props.databaseVersion.toUpperCase() : "";
    if (version.startsWith("MYSQL")) {
        if (backups.binaryLogEnabled !== true) messages.push(`Cloud SQL instance ${name} cannot be restored to a point in time (settings.backupConfiguration.binaryLogEnabled is not true)`);
    } else if (backups.pointInTimeRecoveryEnabled !== true) {
        messages.push(`Cloud SQL instance ${name} cannot be restored to a point in time (settings.backupConfiguration.pointInTimeRecoveryEnabled is not true)`);
    }
    const logDays = backups.transactionLogRetentionDays;
    if (isSet(logDays) && !(typeof logDays === "number" && logDays >= MIN_BACKUP_RETENTION_DAYS)) {
        messages.push(`Cloud SQL instance ${name} keeps transactionLogRetentionDays ${String(logDays)}; at least ${MIN_BACKUP_RETENTION_DAYS} days of transaction logs are required`);
    }
    const retained = asRecord(backups.backupRetentionSettings)?.retainedBackups;
    if (isSet(retained) && !(typeof retained === "number" && retained >= MIN_BACKUP_RETENTION_DAYS)) {
        messages.push(`Cloud SQL instance ${name} retains ${String(retained)} automated backups (backupRetentionSettings.retainedBackups); at least ${MIN_BACKUP_RETENTION_DAYS} are required`);
    }
    return messages;
}

/**
 * Stateful resources outside dev survive a mistaken `pulumi destroy` or replacement and can be restored.
 * Dev is disposable by design (its tier defaults turn these off), so the check reports nothing in dev, whatever
 * the enforcement level there.
 * Exemptable, with an expiry: decommissioning a protected database means turning deletionProtection off first.
 * On GCP: Cloud SQL (cloudSqlViolations) and GKE. Memorystore for Redis is not asked for RDB snapshots
 * (persistenceConfig): the platform keeps only rebuildable cache data there, and its instances keep the
 * provider's deletionProtection default.
 */
export const deletionProtectionAndBackups: ResourceRule = {
    kind: "resource",
    name: "deletion-protection-and-backups",
    description: "Outside dev, databases and clusters are protected from deletion and data stores keep backups.",
    severity: "high",
    rationale:
        "A replacement or a destroy run against the wrong stack must not take staging or production data with it, and a bad migration must be recoverable from a recent backup.",
    remediation: `RDS instances and Aurora clusters: deletionProtection: true, backupRetentionPeriod >= ${MIN_BACKUP_RETENTION_DAYS}, skipFinalSnapshot: false; EKS: deletionProtection: true; ElastiCache: snapshotRetentionLimit >= ${MIN_CACHE_SNAPSHOT_DAYS}. Cloud SQL: keep deletionProtection (default true; settings.deletionProtectionEnabled: true also guards the console and API), settings.backupConfiguration {enabled: true, pointInTimeRecoveryEnabled: true (binaryLogEnabled on MySQL), transactionLogRetentionDays >= ${MIN_BACKUP_RETENTION_DAYS}, backupRetentionSettings.retainedBackups >= ${MIN_BACKUP_RETENTION_DAYS}}; GKE: keep deletionProtection (default true). The tier defaults in config/ set these for staging and prod.`,
    resourceTypes: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:eks/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup", CLOUD_SQL, GKE_CLUSTER],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check({ type, name, props }, context) {
        if (isDisposable(context.tier)) return [];
        const messages: string[] = [];
        switch (type) {
            case "aws:rds/instance:Instance": {
                if (props.deletionProtection !== true) messages.push(`RDS instance ${name} can be deleted (deletionProtection is not true)`);
                const days = props.backupRetentionPeriod;
                if (!(typeof days === "number" && days >= MIN_BACKUP_RETENTION_DAYS)) {
                    messages.push(`RDS instance ${name} has backupRetentionPeriod ${retention(days)}; at least ${MIN_BACKUP_RETENTION_DAYS} days of automated backups are required`);
                }
                if (props.skipFinalSnapshot === true) messages.push(`RDS instance ${name} is deleted without a final snapshot (skipFinalSnapshot is true)`);
                break;
            }
            case "aws:rds/cluster:Cluster": {
                // Aurora (and Multi-AZ DB clusters): protection, backups and the final snapshot live on the cluster, not its instances.
                if (props.deletionProtection !== true) messages.push(`RDS cluster ${name} can be deleted (deletionProtection is not true)`);
                const days = props.backupRetentionPeriod;
                if (!(typeof days === "number" && days >= MIN_BACKUP_RETENTION_DAYS)) {
                    messages.push(`RDS cluster ${name} has backupRetentionPeriod ${days === undefined || days === null ? "unset (1)" : String(days)}; at least ${MIN_BACKUP_RETENTION_DAYS} days of automated backups are required`);
                }
                if (props.skipFinalSnapshot === true) messages.push(`RDS cluster ${name} is deleted without a final snapshot (skipFinalSnapshot is true)`);
                break;
            }
            case "aws:eks/cluster:Cluster":
                if (props.deletionProtection !== true) messages.push(`EKS cluster ${name} can be deleted (deletionProtection is not true)`);
                break;
            case "aws:elasticache/replicationGroup:ReplicationGroup": {
                const days = props.snapshotRetentionLimit;
                if (!(typeof days === "number" && days >= MIN_CACHE_SNAPSHOT_DAYS)) {
                    messages.push(`ElastiCache replication group ${name} has snapshotRetentionLimit ${retention(days)}; at least ${MIN_CACHE_SNAPSHOT_DAYS} day of snapshots is required`);
                }
                break;
            }
            case CLOUD_SQL:
                messages.push(...cloudSqlViolations(name, props));
                break;
            case GKE_CLUSTER:
                // The provider's default is true: only an explicit false lets a destroy or replacement delete the cluster.
                if (props.deletionProtection === false) messages.push(`GKE cluster ${name} can be deleted (deletionProtection is false)`);
                break;
        }
        return messages;
    },
};
