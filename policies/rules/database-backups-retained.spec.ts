import { strict as assert } from "assert";
import { checkStack, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { databaseBackupsRetained } from "./database-backups-retained";

const urn = (type: string, name: string): string => `urn:pulumi:prod::platform::${type}::${name}`;
const TAGS = { environment: "prod", project: "platform" };

// As components/postgres/aws.ts and components/backups/aws.ts render them with the prod tier defaults.
const database = (props: Record<string, unknown> = {}, type = "aws:rds/instance:Instance", name = "db"): TestResource => ({
    type,
    name,
    urn: urn(type, name),
    props: { identifier: `platform-prod-${name}`, arn: `arn:aws:rds:eu-west-1:123456789012:db:platform-prod-${name}`, backupRetentionPeriod: 30, deletionProtection: true, tags: TAGS, ...props },
});
const plan = (rules: unknown[] = [{ ruleName: "nightly-snapshot", targetVaultName: "platform-prod-backups", schedule: "cron(0 2 * * ? *)", lifecycle: { deleteAfter: 30 } }], name = "plan"): TestResource => ({
    type: "aws:backup/plan:Plan",
    name,
    urn: urn("aws:backup/plan:Plan", name),
    props: { id: `${name}-0f1e2d3c`, name: `platform-prod-${name}`, rules, tags: TAGS },
});
/** A selection whose planId and resources came from the plan and the database resources, as the engine records it. */
const selection = (of: TestResource, target: TestResource, props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:backup/selection:Selection",
    name: `${of.name}-${target.name}`,
    urn: urn("aws:backup/selection:Selection", `${of.name}-${target.name}`),
    props: { name: "platform-prod-database", planId: of.props.id, iamRoleArn: "arn:aws:iam::123456789012:role/backup", resources: [target.props.arn], ...props },
    propertyDependencies: { planId: [of.urn!], resources: [target.urn!] },
});

const messages = (resources: readonly TestResource[], tier: "dev" | "staging" | "prod" = "prod"): string[] => violationMessages(checkStack(databaseBackupsRetained, resources, { tier }));

describe("policy database-backups-retained", function () {
    it("passes a database with 30 days of PITR in prod (7 in staging) selected by a plan that keeps snapshots 30 days", function () {
        const db = database();
        const nightly = plan();
        assert.deepEqual(messages([db, nightly, selection(nightly, db)]), []);
        const staging = database({ backupRetentionPeriod: 7 });
        assert.deepEqual(messages([staging, nightly, selection(nightly, staging)], "staging"), []);
        // A plan rule without a lifecycle keeps recovery points for good; longer than 30 days also passes.
        const forever = plan([{ ruleName: "keep", schedule: "cron(0 2 * * ? *)" }, { ruleName: "yearly", lifecycle: { deleteAfter: 365 } }]);
        assert.deepEqual(messages([db, forever, selection(forever, db)]), []);
        assert.deepEqual(checkStack(databaseBackupsRetained, []), []);
    });

    it("flags a plan rule that deletes snapshots before 30 days, and the database it is the only plan of", function () {
        const db = database();
        const short = plan([{ ruleName: "nightly-snapshot", lifecycle: { deleteAfter: 29 } }]);
        assert.deepEqual(messages([db, short, selection(short, db)]), [
            "AWS Backup plan plan rule nightly-snapshot deletes snapshots after 29 days; at least 30 are required",
            "RDS instance db has no nightly snapshots kept 30 days: its automated backups are kept 30 days but deleted with it (deleteAutomatedBackups is unset, which is true), and no AWS Backup plan in this stack that keeps them that long selects it",
        ]);
    });

    it("accepts RDS automated backups kept 30 days and retained after deletion as the nightly snapshots, instead of an AWS Backup plan", function () {
        assert.deepEqual(messages([database({ backupRetentionPeriod: 35, deleteAutomatedBackups: false })]), []);
        assert.deepEqual(messages([database({ backupRetentionPeriod: 30, deleteAutomatedBackups: false }, "aws:rds/cluster:Cluster", "aurora")]), []);
        // Deleted with the database, they recover nothing once it is gone; fewer than 30 days do not reach a month back.
        assert.deepEqual(messages([database({ backupRetentionPeriod: 35, deleteAutomatedBackups: true })]), [
            "RDS instance db has no nightly snapshots kept 30 days: its automated backups are kept 35 days but deleted with it (deleteAutomatedBackups is true), and no AWS Backup plan in this stack that keeps them that long selects it",
        ]);
        assert.deepEqual(messages([database({ backupRetentionPeriod: 14, deleteAutomatedBackups: false })]), [
            "RDS instance db has no nightly snapshots kept 30 days: no AWS Backup plan in this stack that keeps them that long selects it",
        ]);
    });

    it("flags a database with less than 7 days of point-in-time recovery, or the provider's default", function () {
        const nightly = plan();
        const short = database({ backupRetentionPeriod: 6 });
        assert.deepEqual(messages([short, nightly, selection(nightly, short)], "staging"), ["RDS instance db keeps 6 days of point-in-time recovery (backupRetentionPeriod); at least 7 are required"]);
        const unset = database({ backupRetentionPeriod: undefined }, "aws:rds/cluster:Cluster", "aurora");
        assert.deepEqual(messages([unset, nightly, selection(nightly, unset)]), ["RDS cluster aurora keeps the default days of point-in-time recovery (backupRetentionPeriod); at least 7 are required"]);
    });

    it("flags a database no plan selects, even when another database is selected", function () {
        const db = database();
        const other = database({}, "aws:rds/instance:Instance", "reporting");
        const nightly = plan();
        assert.deepEqual(messages([db, other, nightly, selection(nightly, db)]), [
            "RDS instance reporting has no nightly snapshots kept 30 days: its automated backups are kept 30 days but deleted with it (deleteAutomatedBackups is unset, which is true), and no AWS Backup plan in this stack that keeps them that long selects it",
        ]);
        assert.deepEqual(messages([database({ backupRetentionPeriod: 7 })]), ["RDS instance db has no nightly snapshots kept 30 days: no AWS Backup plan in this stack that keeps them that long selects it"]);
        // A selection whose plan is not in the stack proves nothing.
        const orphan: TestResource = { ...selection(nightly, db), propertyDependencies: { resources: [db.urn!] }, props: { ...selection(nightly, db).props, planId: "elsewhere" } };
        assert.equal(messages([db, orphan]).length, 1);
    });

    it("takes a selection by literal ARN or by tag, and a plan by literal id, when no dependency links them", function () {
        const db = database();
        const nightly = plan();
        const byArn: TestResource = { ...selection(nightly, db), propertyDependencies: {} };
        assert.deepEqual(messages([db, nightly, byArn]), []);
        const byTag: TestResource = { ...selection(nightly, db), propertyDependencies: {}, props: { planId: nightly.props.id, selectionTags: [{ type: "STRINGEQUALS", key: "environment", value: "prod" }] } };
        assert.deepEqual(messages([db, nightly, byTag]), []);
        const otherTag: TestResource = { ...byTag, props: { ...byTag.props, selectionTags: [{ type: "STRINGEQUALS", key: "environment", value: "staging" }] } };
        assert.equal(messages([db, nightly, otherTag]).length, 1);
    });

    it("in a preview, links the selection by dependency without reading the still-unknown ARN and id", function () {
        const db = database({ arn: UNKNOWN });
        const nightly: TestResource = { ...plan(), props: { ...plan().props, id: UNKNOWN } };
        const linked: TestResource = { ...selection(nightly, db), props: { planId: UNKNOWN, resources: [UNKNOWN], iamRoleArn: UNKNOWN } };
        assert.deepEqual(checkStack(databaseBackupsRetained, [db, nightly, linked]), []);
    });

    it("reports nothing in dev, which is disposable; is high severity, mandatory outside dev and cannot be exempted", function () {
        assert.deepEqual(messages([database({ backupRetentionPeriod: 1 })], "dev"), []);
        assert.deepEqual(verdictsOn(databaseBackupsRetained, [database({ backupRetentionPeriod: 1 })]), { severity: "high", enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" }, exemptable: false });
    });
});
