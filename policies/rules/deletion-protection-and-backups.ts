import { isDisposable } from "../lib/tiers";
import { MIN_BACKUP_RETENTION_DAYS } from "../lib/guardrails";
import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";

/** Days of ElastiCache snapshots required outside dev. */
export const MIN_CACHE_SNAPSHOT_DAYS = 1;

function retention(value: unknown): string {
    return value === undefined || value === null ? "unset (0)" : String(value);
}

/**
 * Stateful resources outside dev survive a mistaken `pulumi destroy` or replacement and can be restored.
 * Dev is disposable by design (its tier defaults turn these off), so the check reports nothing in dev, whatever
 * the enforcement level there.
 * Exemptable, with an expiry: decommissioning a protected database means turning deletionProtection off first.
 */
export const deletionProtectionAndBackups: ResourceRule = {
    kind: "resource",
    name: "deletion-protection-and-backups",
    description: "Outside dev, databases and clusters are protected from deletion and data stores keep backups.",
    severity: "high",
    rationale:
        "A replacement or a destroy run against the wrong stack must not take staging or production data with it, and a bad migration must be recoverable from a recent backup.",
    remediation: `RDS instances and Aurora clusters: deletionProtection: true, backupRetentionPeriod >= ${MIN_BACKUP_RETENTION_DAYS}, skipFinalSnapshot: false; EKS: deletionProtection: true; ElastiCache: snapshotRetentionLimit >= ${MIN_CACHE_SNAPSHOT_DAYS}. The tier defaults in config/ set these for staging and prod.`,
    resourceTypes: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:eks/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"],
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
        }
        return messages;
    },
};
