import { strict as assert } from "assert";
import { checkStack, TestResource, violationMessages } from "../test-support/policy-harness";
import { databaseBackupsRetained } from "./database-backups-retained";

const CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";
type Tier = "dev" | "staging" | "prod";

/** As components/postgres/gcp.ts renders the primary with the staging and prod defaults (30 backups, 7 days of logs). */
const backupConfiguration = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    enabled: true,
    startTime: "03:00",
    pointInTimeRecoveryEnabled: true,
    transactionLogRetentionDays: 7,
    backupRetentionSettings: { retainedBackups: 30, retentionUnit: "COUNT" },
    ...overrides,
});
const instance = (backups: Record<string, unknown> | undefined, props: Record<string, unknown> = {}, name = "db"): TestResource => ({
    type: CLOUD_SQL,
    name,
    urn: `urn:pulumi:gcp-prod::platform::${CLOUD_SQL}::${name}`,
    props: {
        name: `platform-gcp-prod-${name}`,
        databaseVersion: "POSTGRES_16",
        deletionProtection: true,
        settings: { tier: "db-custom-2-7680", availabilityType: "REGIONAL", ...(backups === undefined ? {} : { backupConfiguration: backups }) },
        ...props,
    },
});

const messages = (resources: readonly TestResource[], tier: Tier = "prod"): string[] => violationMessages(checkStack(databaseBackupsRetained, resources, { tier }));

describe("policy database-backups-retained on GCP (Cloud SQL's own backups are the nightly snapshots)", function () {
    it("passes a Cloud SQL primary keeping 30 nightly backups by count and 7 days of transaction logs, in staging and prod, with no AWS Backup plan", function () {
        assert.deepEqual(messages([instance(backupConfiguration())]), []);
        assert.deepEqual(messages([instance(backupConfiguration())], "staging"), []);
        // More than required passes; transaction logs unset are Cloud SQL's default 7 days.
        assert.deepEqual(messages([instance(backupConfiguration({ transactionLogRetentionDays: undefined, backupRetentionSettings: { retainedBackups: 365, retentionUnit: "COUNT" } }))]), []);
        // A unit left unset is COUNT, the only unit Cloud SQL has.
        assert.deepEqual(messages([instance(backupConfiguration({ backupRetentionSettings: { retainedBackups: 30 } }))]), []);
    });

    it("flags fewer than 30 retained backups, the provider's default of 7, or a unit other than COUNT", function () {
        assert.deepEqual(messages([instance(backupConfiguration({ backupRetentionSettings: { retainedBackups: 29, retentionUnit: "COUNT" } }))]), [
            "Cloud SQL instance db keeps 29 nightly backups (backupRetentionSettings.retainedBackups); at least 30 are required",
        ]);
        assert.deepEqual(messages([instance(backupConfiguration({ backupRetentionSettings: undefined }))], "staging"), [
            "Cloud SQL instance db keeps the default 7 nightly backups (backupRetentionSettings.retainedBackups); at least 30 are required",
        ]);
        assert.deepEqual(messages([instance(backupConfiguration({ backupRetentionSettings: { retainedBackups: 30, retentionUnit: "DAYS" } }))]), [
            'Cloud SQL instance db counts retained backups in "DAYS" (backupRetentionSettings.retentionUnit); "COUNT" with at least 30 is required',
        ]);
    });

    it("takes MySQL's binary log for its point-in-time recovery (binaryLogEnabled), not the PostgreSQL flag", function () {
        const mysql = (overrides: Record<string, unknown>): TestResource => instance(backupConfiguration({ pointInTimeRecoveryEnabled: undefined, ...overrides }), { databaseVersion: "MYSQL_8_0" });
        assert.deepEqual(messages([mysql({ binaryLogEnabled: true })]), []);
        assert.deepEqual(messages([mysql({ binaryLogEnabled: false })]), ["Cloud SQL instance db has no point-in-time recovery (binaryLogEnabled is false)"]);
        assert.deepEqual(messages([mysql({})]), ["Cloud SQL instance db has no point-in-time recovery (binaryLogEnabled is unset, which is false)"]);
        assert.deepEqual(messages([mysql({ binaryLogEnabled: true, transactionLogRetentionDays: 3 })]), [
            "Cloud SQL instance db keeps 3 days of transaction logs for point-in-time recovery (transactionLogRetentionDays); at least 7 are required",
        ]);
    });

    it("flags point-in-time recovery that is off, or keeps fewer than 7 days of transaction logs", function () {
        assert.deepEqual(messages([instance(backupConfiguration({ pointInTimeRecoveryEnabled: false }))]), [
            "Cloud SQL instance db has no point-in-time recovery (pointInTimeRecoveryEnabled is false)",
        ]);
        assert.deepEqual(messages([instance(backupConfiguration({ pointInTimeRecoveryEnabled: undefined }))]), [
            "Cloud SQL instance db has no point-in-time recovery (pointInTimeRecoveryEnabled is unset, which is false)",
        ]);
        assert.deepEqual(messages([instance(backupConfiguration({ transactionLogRetentionDays: 6 }))], "staging"), [
            "Cloud SQL instance db keeps 6 days of transaction logs for point-in-time recovery (transactionLogRetentionDays); at least 7 are required",
        ]);
    });

    it("flags an instance without automated backups once, whatever else it sets, and each short number of a primary", function () {
        assert.deepEqual(messages([instance(backupConfiguration({ enabled: false }))]), ["Cloud SQL instance db takes no automated backups (settings.backupConfiguration.enabled is false)"]);
        assert.deepEqual(messages([instance(undefined)]), ["Cloud SQL instance db takes no automated backups (settings.backupConfiguration.enabled is unset, which is false)"]);
        assert.deepEqual(messages([instance(backupConfiguration({ transactionLogRetentionDays: 1, backupRetentionSettings: { retainedBackups: 1, retentionUnit: "COUNT" } }), {}, "short")]), [
            "Cloud SQL instance short keeps 1 nightly backups (backupRetentionSettings.retainedBackups); at least 30 are required",
            "Cloud SQL instance short keeps 1 days of transaction logs for point-in-time recovery (transactionLogRetentionDays); at least 7 are required",
        ]);
    });

    it("skips a read replica (no backups of its own) and reports nothing in dev, where gcp-dev keeps 1 backup", function () {
        assert.deepEqual(messages([instance(undefined, { masterInstanceName: "platform-gcp-prod-db" }, "replica")]), []);
        const devBackups = backupConfiguration({ transactionLogRetentionDays: 1, backupRetentionSettings: { retainedBackups: 1, retentionUnit: "COUNT" } });
        assert.deepEqual(messages([instance(devBackups)], "dev"), []);
        assert.equal(messages([instance(devBackups)], "staging").length, 2);
    });
});
