import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName, standardTags } from "../naming";
import { DatabaseBackupsArgs, DatabaseBackupsRef } from "./types";

/** AWS's own policy for the role AWS Backup assumes to take snapshots. */
const BACKUP_SERVICE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";
/** Minutes a nightly job may wait to start, and to finish, before AWS Backup reports it failed. */
const START_WINDOW_MINUTES = 60;
const COMPLETION_WINDOW_MINUTES = 360;
/** Days the vault lock's settings can still be changed or removed; after that the lock is in compliance mode for good. */
const VAULT_LOCK_GRACE_DAYS = 3;
/** The longest a locked vault lets a snapshot be kept: a guard against a retention typed with too many zeros. */
const VAULT_LOCK_MAX_RETENTION_DAYS = 3650;

/**
 * An AWS Backup vault encrypted with the environment's key, a plan with one nightly rule that keeps each
 * snapshot for the tier's days, and a selection of the database; in prod the vault is locked (compliance mode
 * after a grace period), so no one, root included, deletes a snapshot before it expires.
 */
export class AwsDatabaseBackups extends pulumi.ComponentResource implements DatabaseBackupsRef {
    readonly vaultName: pulumi.Output<string>;

    constructor(name: string, args: DatabaseBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:backups:DatabaseBackups", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);

        const vault = new aws.backup.Vault(`${name}-vault`, { name: resourceName(env, "backups"), kmsKeyArn: args.kmsKeyArn, forceDestroy: false, tags }, parent);
        if (args.vaultLock) {
            new aws.backup.VaultLockConfiguration(`${name}-vault-lock`, {
                backupVaultName: vault.name,
                minRetentionDays: args.snapshotRetentionDays,
                maxRetentionDays: VAULT_LOCK_MAX_RETENTION_DAYS,
                changeableForDays: VAULT_LOCK_GRACE_DAYS,
            }, parent);
        }

        const plan = new aws.backup.Plan(`${name}-plan`, {
            name: resourceName(env, "database-nightly"),
            rules: [{
                ruleName: "nightly-snapshot",
                targetVaultName: vault.name,
                schedule: args.schedule,
                scheduleExpressionTimezone: "Etc/UTC",
                startWindow: START_WINDOW_MINUTES,
                completionWindow: COMPLETION_WINDOW_MINUTES,
                lifecycle: { deleteAfter: args.snapshotRetentionDays },
                recoveryPointTags: tags,
            }],
            tags,
        }, parent);

        const role = new aws.iam.Role(`${name}-role`, {
            description: `AWS Backup takes the ${env.stack} database's nightly snapshots`,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags,
        }, parent);
        const attachment = new aws.iam.RolePolicyAttachment(`${name}-role-policy`, { role: role.name, policyArn: BACKUP_SERVICE_POLICY }, parent);

        new aws.backup.Selection(`${name}-database`, {
            name: resourceName(env, "database"),
            planId: plan.id,
            iamRoleArn: role.arn,
            resources: [args.databaseArn],
        }, { parent: this, dependsOn: [attachment] });

        this.vaultName = vault.name;
        this.registerOutputs({ vaultName: this.vaultName });
    }
}
