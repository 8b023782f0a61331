import { isDisposable } from "../lib/tiers";
import { MIN_BACKUP_RETENTION_DAYS, MIN_SNAPSHOT_RETENTION_DAYS } from "../lib/guardrails";
import { ResourceUnderTest, StackRule, StackViolation, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asArray, asRecord } from "../lib/values";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const BACKUP_PLAN = "aws:backup/plan:Plan";
const BACKUP_SELECTION = "aws:backup/selection:Selection";
const DATABASE_TYPES: readonly string[] = [RDS_INSTANCE, RDS_CLUSTER];
const CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";

/** The days a plan rule keeps a recovery point: its lifecycle's deleteAfter; without one, AWS Backup keeps it for good. */
function keptDays(rule: unknown): number | "forever" | "unset" {
    const lifecycle = asRecord(asRecord(rule)?.lifecycle);
    if (lifecycle === undefined || lifecycle.deleteAfter === undefined || lifecycle.deleteAfter === null) return "forever";
    return typeof lifecycle.deleteAfter === "number" ? lifecycle.deleteAfter : "unset";
}

/** A plan whose every rule keeps snapshots at least the required days, and the rules that do not. */
function shortRules(plan: ResourceUnderTest): { ruleName: string; days: number | "unset" }[] {
    return asArray(plan.props.rules).flatMap((rule) => {
        const days = keptDays(rule);
        if (days === "forever" || (typeof days === "number" && days >= MIN_SNAPSHOT_RETENTION_DAYS)) return [];
        const ruleName = asRecord(rule)?.ruleName;
        return [{ ruleName: typeof ruleName === "string" ? ruleName : "(unnamed)", days }];
    });
}

/** Whether a selection picks a database: by dependency on it (`resources: [db.arn]`), by its literal ARN, or by one of its tags. */
function selects(selection: ResourceUnderTest, database: ResourceUnderTest): boolean {
    if ((selection.propertyDependencies?.resources ?? []).includes(database.urn)) return true;
    const arn = database.props.arn;
    if (typeof arn === "string" && asArray(selection.props.resources).includes(arn)) return true;
    const tags = asRecord(database.props.tags) ?? {};
    return asArray(selection.props.selectionTags).some((entry) => {
        const tag = asRecord(entry);
        return tag?.type === "STRINGEQUALS" && typeof tag.key === "string" && tags[tag.key] === tag.value;
    });
}

/** The plan a selection belongs to: by dependency (`planId: plan.id`), else by the plan's literal id. */
function planOf(selection: ResourceUnderTest, plans: readonly ResourceUnderTest[]): ResourceUnderTest | undefined {
    const linked = selection.propertyDependencies?.planId ?? [];
    return plans.find((plan) => linked.includes(plan.urn)) ?? plans.find((plan) => plan.props.id !== undefined && plan.props.id === selection.props.planId);
}

function kindOf(database: ResourceUnderTest): string {
    return database.type === RDS_CLUSTER ? "RDS cluster" : "RDS instance";
}

/** Provider defaults: Cloud SQL keeps 7 backups and 7 days of transaction logs when they are not set. */
const CLOUD_SQL_DEFAULT_RETAINED_BACKUPS = 7;
const CLOUD_SQL_DEFAULT_TRANSACTION_LOG_DAYS = 7;

const unset = (value: unknown): boolean => value === undefined || value === null;
const shownFlag = (value: unknown): string => (unset(value) ? "unset, which is false" : JSON.stringify(value));

/**
 * A Cloud SQL primary's promise lives in its own backupConfiguration: automated backups on, kept by COUNT (one
 * a day) at least the snapshot days, and point-in-time recovery over at least the PITR days of transaction logs.
 * A read replica (masterInstanceName) has no backups of its own and is skipped.
 */
function cloudSqlViolations(instance: ResourceUnderTest): string[] {
    if (typeof instance.props.masterInstanceName === "string" && instance.props.masterInstanceName !== "") return [];
    const subject = `Cloud SQL instance ${instance.name}`;
    const backups = asRecord(asRecord(instance.props.settings)?.backupConfiguration);
    if (backups?.enabled !== true) return [`${subject} takes no automated backups (settings.backupConfiguration.enabled is ${shownFlag(backups?.enabled)})`];
    const messages: string[] = [];
    const retention = asRecord(backups.backupRetentionSettings);
    const unit = retention?.retentionUnit ?? "COUNT";
    const retained = retention?.retainedBackups ?? CLOUD_SQL_DEFAULT_RETAINED_BACKUPS;
    if (unit !== "COUNT") {
        messages.push(`${subject} counts retained backups in ${JSON.stringify(unit)} (backupRetentionSettings.retentionUnit); "COUNT" with at least ${MIN_SNAPSHOT_RETENTION_DAYS} is required`);
    } else if (!(typeof retained === "number" && retained >= MIN_SNAPSHOT_RETENTION_DAYS)) {
        messages.push(`${subject} keeps ${unset(retention?.retainedBackups) ? `the default ${CLOUD_SQL_DEFAULT_RETAINED_BACKUPS}` : JSON.stringify(retained)} nightly backups (backupRetentionSettings.retainedBackups); at least ${MIN_SNAPSHOT_RETENTION_DAYS} are required`);
    }
    // MySQL recovers to a point in time from its binary log (binaryLogEnabled); PostgreSQL and SQL Server from pointInTimeRecoveryEnabled.
    const mysql = typeof instance.props.databaseVersion === "string" && instance.props.databaseVersion.startsWith("MYSQL");
    const pitrFlag = mysql ? "binaryLogEnabled" : "pointInTimeRecoveryEnabled";
    if (backups[pitrFlag] !== true && backups.pointInTimeRecoveryEnabled !== true) {
        messages.push(`${subject} has no point-in-time recovery (${pitrFlag} is ${shownFlag(backups[pitrFlag])})`);
    } else {
        const logDays = backups.transactionLogRetentionDays ?? CLOUD_SQL_DEFAULT_TRANSACTION_LOG_DAYS;
        if (!(typeof logDays === "number" && logDays >= MIN_BACKUP_RETENTION_DAYS)) {
            messages.push(`${subject} keeps ${String(logDays)} days of transaction logs for point-in-time recovery (transactionLogRetentionDays); at least ${MIN_BACKUP_RETENTION_DAYS} are required`);
        }
    }
    return messages;
}

/**
 * Outside dev, every database can be restored to any point of the last week and to any night of the last
 * month: RDS automated backups (point-in-time recovery) of at least 7 days, and nightly snapshots kept at
 * least 30 days that outlive the database: an AWS Backup plan's, or RDS's own automated backups when they
 * are kept 30 days and retained after the database is deleted (`deleteAutomatedBackups: false`). A stack rule, because the promise spans resources: the database carries
 * its PITR window, while the snapshots come from a plan that a separate selection attaches to it; a database
 * that no plan selects is visible only from the whole stack. On GCP, Cloud SQL's automated backups are the
 * nightly snapshots: the instance's backupConfiguration carries both numbers (MySQL's point-in-time recovery
 * is its binary log, `binaryLogEnabled`). It cannot be exempted.
 */
export const databaseBackupsRetained: StackRule = {
    kind: "stack",
    name: "database-backups-retained",
    description: `Outside dev, databases keep ${MIN_BACKUP_RETENTION_DAYS} days of point-in-time recovery and nightly snapshots kept ${MIN_SNAPSHOT_RETENTION_DAYS} days (an AWS Backup plan, or RDS automated backups kept that long and retained after deletion; Cloud SQL's own automated backups on GCP).`,
    severity: "high",
    rationale:
        "Point-in-time recovery undoes last night's bad migration; only snapshots kept for a month, outside the database's own lifecycle, recover from corruption noticed late or from the instance and its automated backups being deleted.",
    remediation: `Set backupRetentionPeriod >= ${MIN_BACKUP_RETENTION_DAYS} on the RDS instance or Aurora cluster, and select it (aws.backup.Selection resources: [db.arn]) in an aws.backup.Plan whose rules keep recovery points lifecycle.deleteAfter >= ${MIN_SNAPSHOT_RETENTION_DAYS} days (components/backups/aws.ts does, from platform:backups), or keep its automated backups backupRetentionPeriod >= ${MIN_SNAPSHOT_RETENTION_DAYS} with deleteAutomatedBackups: false. On GCP set the Cloud SQL instance's settings.backupConfiguration: enabled, backupRetentionSettings {retainedBackups >= ${MIN_SNAPSHOT_RETENTION_DAYS}, retentionUnit: "COUNT"}, pointInTimeRecoveryEnabled (binaryLogEnabled for MySQL) with transactionLogRetentionDays >= ${MIN_BACKUP_RETENTION_DAYS}; components/postgres/gcp.ts does.`,
    resourceTypes: [...DATABASE_TYPES, BACKUP_PLAN, BACKUP_SELECTION, CLOUD_SQL],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: false,
    check(resources, context) {
        if (isDisposable(context.tier)) return [];
        const violations: StackViolation[] = [];
        const plans = resources.filter((resource) => resource.type === BACKUP_PLAN);
        const selections = resources.filter((resource) => resource.type === BACKUP_SELECTION);
        for (const plan of plans) {
            for (const { ruleName, days } of shortRules(plan)) {
                violations.push({
                    message: `AWS Backup plan ${plan.name} rule ${ruleName} deletes snapshots after ${days} days; at least ${MIN_SNAPSHOT_RETENTION_DAYS} are required`,
                    urn: plan.urn,
                });
            }
        }
        for (const database of resources.filter((resource) => DATABASE_TYPES.includes(resource.type))) {
            const days = database.props.backupRetentionPeriod;
            if (!(typeof days === "number" && days >= MIN_BACKUP_RETENTION_DAYS)) {
                violations.push({
                    message: `${kindOf(database)} ${database.name} keeps ${days === undefined || days === null ? "the default" : String(days)} days of point-in-time recovery (backupRetentionPeriod); at least ${MIN_BACKUP_RETENTION_DAYS} are required`,
                    urn: database.urn,
                });
            }
            const covering = selections.filter((selection) => selects(selection, database)).map((selection) => planOf(selection, plans));
            const byPlan = covering.some((plan) => plan !== undefined && plan.props.rules !== undefined && asArray(plan.props.rules).length > 0 && shortRules(plan).length === 0);
            // RDS's own automated backups are daily snapshots too: kept the snapshot days, and kept when the database is deleted, they count.
            const longAutomated = typeof days === "number" && days >= MIN_SNAPSHOT_RETENTION_DAYS;
            const outliveIt = database.props.deleteAutomatedBackups === false;
            if (!byPlan && !(longAutomated && outliveIt)) {
                const deleteFlag = unset(database.props.deleteAutomatedBackups) ? "unset, which is true" : JSON.stringify(database.props.deleteAutomatedBackups);
                const why = longAutomated
                    ? `its automated backups are kept ${days} days but deleted with it (deleteAutomatedBackups is ${deleteFlag}), and no AWS Backup plan in this stack that keeps them that long selects it`
                    : "no AWS Backup plan in this stack that keeps them that long selects it";
                violations.push({
                    message: `${kindOf(database)} ${database.name} has no nightly snapshots kept ${MIN_SNAPSHOT_RETENTION_DAYS} days: ${why}`,
                    urn: database.urn,
                });
            }
        }
        for (const instance of resources.filter((resource) => resource.type === CLOUD_SQL)) {
            violations.push(...cloudSqlViolations(instance).map((message) => ({ message, urn: instance.urn })));
        }
        return violations;
    },
};
