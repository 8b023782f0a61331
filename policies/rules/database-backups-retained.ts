import { isDisposable } from "../lib/tiers";
import { MIN_BACKUP_RETENTION_DAYS, MIN_SNAPSHOT_RETENTION_DAYS } from "../lib/guardrails";
import { ResourceUnderTest, StackRule, StackViolation, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asArray, asRecord } from "../lib/values";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const BACKUP_PLAN = "aws:backup/plan:Plan";
const BACKUP_SELECTION = "aws:backup/selection:Selection";
const DATABASE_TYPES: readonly string[] = [RDS_INSTANCE, RDS_CLUSTER];

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

/**
 * Outside dev, every database can be restored to any point of the last week and to any night of the last
 * month: RDS automated backups (point-in-time recovery) of at least 7 days, and nightly snapshots in an AWS
 * Backup plan kept at least 30 days. A stack rule, because the promise spans resources: the database carries
 * its PITR window, while the snapshots come from a plan that a separate selection attaches to it; a database
 * that no plan selects is visible only from the whole stack. It cannot be exempted.
 */
export const databaseBackupsRetained: StackRule = {
    kind: "stack",
    name: "database-backups-retained",
    description: `Outside dev, databases keep ${MIN_BACKUP_RETENTION_DAYS} days of point-in-time recovery and nightly snapshots in an AWS Backup plan kept ${MIN_SNAPSHOT_RETENTION_DAYS} days.`,
    severity: "high",
    rationale:
        "Point-in-time recovery undoes last night's bad migration; only snapshots kept for a month, outside the database's own lifecycle, recover from corruption noticed late or from the instance and its automated backups being deleted.",
    remediation: `Set backupRetentionPeriod >= ${MIN_BACKUP_RETENTION_DAYS} on the RDS instance or Aurora cluster, and select it (aws.backup.Selection resources: [db.arn]) in an aws.backup.Plan whose rules keep recovery points lifecycle.deleteAfter >= ${MIN_SNAPSHOT_RETENTION_DAYS} days; components/backups/aws.ts does, from platform:backups.`,
    resourceTypes: [...DATABASE_TYPES, BACKUP_PLAN, BACKUP_SELECTION],
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
            if (!covering.some((plan) => plan !== undefined && plan.props.rules !== undefined && asArray(plan.props.rules).length > 0 && shortRules(plan).length === 0)) {
                violations.push({
                    message: `${kindOf(database)} ${database.name} has no nightly snapshots kept ${MIN_SNAPSHOT_RETENTION_DAYS} days: no AWS Backup plan in this stack that keeps them that long selects it`,
                    urn: database.urn,
                });
            }
        }
        return violations;
    },
};
