import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { deletionProtectionAndBackups } from "./deletion-protection-and-backups";

const defined = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
const TAGS = { environment: "prod", project: "platform" };

// As components/*/aws.ts render them with the prod tier defaults; `undefined` in an override removes the input.
const rds = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:rds/instance:Instance",
    name: "db",
    props: defined({
        identifier: "platform-prod-postgres",
        engine: "postgres",
        deletionProtection: true,
        backupRetentionPeriod: 30,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: "platform-prod-postgres-final",
        deleteAutomatedBackups: false,
        tags: TAGS,
        ...props,
    }),
});
const eks = (props: Record<string, unknown> = {}): TestResource => ({ type: "aws:eks/cluster:Cluster", name: "eks", props: defined({ name: "platform-prod-eks", deletionProtection: true, tags: TAGS, ...props }) });
const redis = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis",
    props: defined({ replicationGroupId: "platform-prod-redis", snapshotRetentionLimit: 14, snapshotWindow: "02:00-03:00", tags: TAGS, ...props }),
});

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(deletionProtectionAndBackups, resource, options));

describe("policy deletion-protection-and-backups", function () {
    it("passes the database, cluster and cache as the staging and prod tiers render them", function () {
        for (const resource of [rds(), eks(), redis()]) assert.deepEqual(checkResource(deletionProtectionAndBackups, resource), [], resource.type);
        // Staging's tier defaults: 7 days of RDS backups, 3 of cache snapshots.
        assert.deepEqual(messages(rds({ backupRetentionPeriod: 7 }), { tier: "staging" }), []);
        assert.deepEqual(messages(redis({ snapshotRetentionLimit: 1 }), { tier: "staging" }), []);
    });

    it("flags an RDS instance without deletion protection, with short backups, or skipping the final snapshot", function () {
        assert.deepEqual(messages(rds({ deletionProtection: false, backupRetentionPeriod: 1, skipFinalSnapshot: true })), [
            "RDS instance db can be deleted (deletionProtection is not true)",
            "RDS instance db has backupRetentionPeriod 1; at least 7 days of automated backups are required",
            "RDS instance db is deleted without a final snapshot (skipFinalSnapshot is true)",
        ]);
        // The provider defaults: no deletion protection, no automated backups, a final snapshot.
        assert.deepEqual(messages(rds({ deletionProtection: undefined, backupRetentionPeriod: undefined, skipFinalSnapshot: undefined, finalSnapshotIdentifier: undefined })), [
            "RDS instance db can be deleted (deletionProtection is not true)",
            "RDS instance db has backupRetentionPeriod unset (0); at least 7 days of automated backups are required",
        ]);
        assert.deepEqual(messages(rds({ backupRetentionPeriod: 6 }), { tier: "staging" }), [
            "RDS instance db has backupRetentionPeriod 6; at least 7 days of automated backups are required",
        ]);
    });

    it("flags an Aurora cluster without deletion protection, with the default or short backups, or skipping the final snapshot", function () {
        const aurora = (props: Record<string, unknown>): TestResource => ({
            type: "aws:rds/cluster:Cluster",
            name: "aurora",
            props: defined({ clusterIdentifier: "platform-prod-aurora", engine: "aurora-postgresql", storageEncrypted: true, deletionProtection: true, backupRetentionPeriod: 14, skipFinalSnapshot: false, finalSnapshotIdentifier: "platform-prod-aurora-final", tags: TAGS, ...props }),
        });
        assert.deepEqual(messages(aurora({})), []);
        assert.deepEqual(messages(aurora({ deletionProtection: undefined, backupRetentionPeriod: undefined, skipFinalSnapshot: true, finalSnapshotIdentifier: undefined })), [
            "RDS cluster aurora can be deleted (deletionProtection is not true)",
            "RDS cluster aurora has backupRetentionPeriod unset (1); at least 7 days of automated backups are required",
            "RDS cluster aurora is deleted without a final snapshot (skipFinalSnapshot is true)",
        ]);
        assert.deepEqual(messages(aurora({ backupRetentionPeriod: 3 })), ["RDS cluster aurora has backupRetentionPeriod 3; at least 7 days of automated backups are required"]);
        assert.deepEqual(messages(aurora({ deletionProtection: false }), { tier: "dev" }), []);
    });

    it("flags an EKS cluster without deletion protection", function () {
        assert.deepEqual(messages(eks({ deletionProtection: false })), ["EKS cluster eks can be deleted (deletionProtection is not true)"]);
        assert.deepEqual(messages(eks({ deletionProtection: undefined })), ["EKS cluster eks can be deleted (deletionProtection is not true)"]);
    });

    it("flags an ElastiCache replication group without snapshots", function () {
        assert.deepEqual(messages(redis({ snapshotRetentionLimit: 0 })), [
            "ElastiCache replication group redis has snapshotRetentionLimit 0; at least 1 day of snapshots is required",
        ]);
        assert.deepEqual(messages(redis({ snapshotRetentionLimit: undefined })), [
            "ElastiCache replication group redis has snapshotRetentionLimit unset (0); at least 1 day of snapshots is required",
        ]);
    });

    it("reports nothing in dev, which is disposable, and is advisory there", function () {
        const devDefaults = [
            rds({ deletionProtection: false, backupRetentionPeriod: 1, skipFinalSnapshot: true }),
            eks({ deletionProtection: false }),
            redis({ snapshotRetentionLimit: 0 }),
        ];
        for (const resource of devDefaults) assert.deepEqual(checkResource(deletionProtectionAndBackups, resource, { tier: "dev" }), [], resource.type);
        // Unknown values are not even read in dev.
        assert.deepEqual(checkResource(deletionProtectionAndBackups, rds({ deletionProtection: UNKNOWN }), { tier: "dev" }), []);
        assert.deepEqual(verdictsOn(deletionProtectionAndBackups, [rds({ deletionProtection: false })]), { severity: "high", enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(deletionProtectionAndBackups, { type: "aws:dynamodb/table:Table", props: { deletionProtectionEnabled: false } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const outcomes = checkResource(deletionProtectionAndBackups, rds({ backupRetentionPeriod: UNKNOWN }), { tier: "staging" });
        assert.equal(outcomes.length, 1);
        assert.equal(outcomes[0].kind, "unknown");
        assert.equal(
            outcomes[0].message,
            `can't run policy 'deletion-protection-and-backups' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .backupRetentionPeriod can't be known during preview`,
        );
    });

    it("honours an exemption with reason and expiry, for a decommission", function () {
        const retiring = rds({ deletionProtection: false, tags: { ...TAGS, "policy.platform/exempt-deletion-protection-and-backups": "2026-12-01 decommissioning legacy db, final export in CHG-4411" } });
        const [outcome] = checkResource(deletionProtectionAndBackups, retiring);
        assert.equal(outcome.kind, "exempted");
        assert.equal(outcome.message, "RDS instance db can be deleted (deletionProtection is not true)");
    });

    it("is high severity and exemptable", function () {
    });
});
