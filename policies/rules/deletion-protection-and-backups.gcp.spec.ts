import { strict as assert } from "assert";
import { cloudSql, gkeCluster } from "../test-support/gcp-fixtures";
import { checkResource, TestResource, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { deletionProtectionAndBackups } from "./deletion-protection-and-backups";

const messages = (resource: TestResource, tier: "dev" | "staging" | "prod" = "prod"): string[] => violationMessages(checkResource(deletionProtectionAndBackups, resource, { tier }));
const backups = (changes: Record<string, unknown>): TestResource => cloudSql({ settings: { backupConfiguration: changes } });

describe("policy deletion-protection-and-backups on GCP", function () {
    describe("Cloud SQL", function () {
        it("passes a protected instance with backups and point-in-time recovery, and the provider's defaults (protection on, 7 days of logs and backups)", function () {
            assert.deepEqual(messages(cloudSql()), []);
            assert.deepEqual(messages(cloudSql({ deletionProtection: undefined })), []);
            assert.deepEqual(messages(backups({ transactionLogRetentionDays: undefined, backupRetentionSettings: undefined })), []);
            assert.deepEqual(messages(backups({ transactionLogRetentionDays: 7, backupRetentionSettings: { retainedBackups: 7 } }), "staging"), []);
        });

        it("flags deletion protection turned off", function () {
            assert.deepEqual(messages(cloudSql({ deletionProtection: false })), ["Cloud SQL instance postgres can be deleted (deletionProtection is false)"]);
        });

        it("flags an instance without automated backups, or with backups left unconfigured", function () {
            const expected = ["Cloud SQL instance postgres has no automated backups (settings.backupConfiguration.enabled is not true)"];
            assert.deepEqual(messages(backups({ enabled: false })), expected);
            assert.deepEqual(messages(cloudSql({ settings: { backupConfiguration: undefined } })), expected);
        });

        it("flags backups without point-in-time recovery: PITR on PostgreSQL, binary logs on MySQL", function () {
            assert.deepEqual(messages(backups({ pointInTimeRecoveryEnabled: false })), [
                "Cloud SQL instance postgres cannot be restored to a point in time (settings.backupConfiguration.pointInTimeRecoveryEnabled is not true)",
            ]);
            const mysql = cloudSql({ databaseVersion: "MYSQL_8_0", settings: { backupConfiguration: { pointInTimeRecoveryEnabled: undefined } } });
            assert.deepEqual(messages(mysql), ["Cloud SQL instance postgres cannot be restored to a point in time (settings.backupConfiguration.binaryLogEnabled is not true)"]);
            assert.deepEqual(messages(cloudSql({ databaseVersion: "MYSQL_8_0", settings: { backupConfiguration: { pointInTimeRecoveryEnabled: undefined, binaryLogEnabled: true } } })), []);
        });

        it("flags fewer than 7 days of transaction logs or fewer than 7 retained backups", function () {
            assert.deepEqual(messages(backups({ transactionLogRetentionDays: 3, backupRetentionSettings: { retainedBackups: 5 } })), [
                "Cloud SQL instance postgres keeps transactionLogRetentionDays 3; at least 7 days of transaction logs are required",
                "Cloud SQL instance postgres retains 5 automated backups (backupRetentionSettings.retainedBackups); at least 7 are required",
            ]);
            assert.deepEqual(messages(backups({ transactionLogRetentionDays: "7" })), ["Cloud SQL instance postgres keeps transactionLogRetentionDays 7; at least 7 days of transaction logs are required"]);
        });

        it("does not ask a read replica for backups of its own, but for its deletion protection", function () {
            const replica = cloudSql({ masterInstanceName: "platform-prod-postgres", settings: { backupConfiguration: undefined } });
            assert.deepEqual(messages(replica), []);
            assert.deepEqual(messages({ ...replica, props: { ...replica.props, deletionProtection: false } }), ["Cloud SQL instance postgres can be deleted (deletionProtection is false)"]);
        });
    });

    describe("GKE", function () {
        it("passes a cluster with deletion protection, or left to the provider's default (true)", function () {
            assert.deepEqual(messages(gkeCluster()), []);
            assert.deepEqual(messages(gkeCluster({ deletionProtection: undefined })), []);
        });

        it("flags deletion protection turned off", function () {
            assert.deepEqual(messages(gkeCluster({ deletionProtection: false })), ["GKE cluster cluster can be deleted (deletionProtection is false)"]);
        });
    });

    it("reports nothing in dev, which is disposable by design", function () {
        assert.deepEqual(messages(cloudSql({ deletionProtection: false, settings: { backupConfiguration: { enabled: false } } }), "dev"), []);
        assert.deepEqual(messages(gkeCluster({ deletionProtection: false }), "dev"), []);
    });

    it("is mandatory in staging and prod, and exemptable", function () {
        assert.deepEqual(verdictsOn(deletionProtectionAndBackups, [cloudSql({ deletionProtection: false }), gkeCluster({ deletionProtection: false })]), {
            severity: "high",
            enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" },
            exemptable: true,
        });
    });
});
