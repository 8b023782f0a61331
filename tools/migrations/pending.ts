import * as fs from "fs";
import * as path from "path";
import { PlatformConfig } from "../../config/load";
import { judgeMigrations, MigrationContract, migrationId, migrationsAfter, migrationsDirOf, readMigrationFiles } from "./declarations";

/*
 * Which migrations a deploy of a stack brings, for predeploy's migrations check.
 *
 * A service's migrations ship in its image, built from services/<service> (db/migrations beside the code),
 * and its migration Job applies them up to their head. What the stack's database has applied is recorded
 * per stack, in its stack file: platform:migrationHeads.<service> is the version its last verified deploy
 * migrated to. So the migrations being deployed are those of the folder after that head, in chain order;
 * every one of them when the service has no recorded head (a first deploy, or a stack that never recorded
 * one: judged as if all were new, which fails closed). The folder read is this checkout's: in the release
 * flow every stack deploys the image built from it; a rollback to an older image brings fewer migrations
 * than the folder lists, never more, so the check can only be stricter than the deploy.
 *
 * Why not the database itself (schema_migrations): predeploy runs before the deploy, offline from the stack
 * file, the ledger and this checkout; it holds no database credentials and must give the same answer in a
 * pull request. Why not the ledger: it records digests and commits, and the migrations of a commit would
 * need that commit's tree (a shallow CI checkout has none).
 *
 * A service configured the old way (services[].migration.contract: one contract for the service, its
 * migrations outside this repository) is judged by that contract on every deploy, as before.
 */

export interface PendingMigration {
    readonly service: string;
    /** `<version>_<name>`; undefined for a contract declared in the stack file (services[].migration.contract). */
    readonly id?: string;
    readonly contract: MigrationContract;
}

export interface PendingMigrations {
    readonly pending: readonly PendingMigration[];
    /** Per service with a migrations folder: where its database is and what follows. */
    readonly summaries: readonly string[];
    /** Declaration problems (two heads, a missing contract) or a recorded head the folder does not hold: the check fails. */
    readonly problems: readonly string[];
}

/**
 * The migrations a deploy of the stack brings, from the project folder and the stack's configuration. A
 * migration file that is not one throws an InputFileError (exit 2), as everywhere else.
 */
export function pendingMigrations(projectDir: string, config: PlatformConfig): PendingMigrations {
    const pending: PendingMigration[] = [];
    const summaries: string[] = [];
    const problems: string[] = [];
    for (const service of config.services) {
        const directory = migrationsDirOf(service.name);
        if (fs.existsSync(path.join(projectDir, directory))) {
            const judged = judgeMigrations(readMigrationFiles(projectDir, directory), directory);
            if (!judged.ok) {
                problems.push(...judged.problems);
            } else {
                const head = config.migrationHeads[service.name];
                const after = migrationsAfter(judged.chain, head);
                if (after === undefined) {
                    problems.push(`platform:migrationHeads.${service.name} is ${head}, a version ${directory} does not hold`);
                } else {
                    pending.push(...after.map((migration) => ({ service: service.name, id: migrationId(migration), contract: migration.contract })));
                    const at = head === undefined ? "no recorded head (platform:migrationHeads), so every migration counts as new" : `at ${head}`;
                    summaries.push(`${service.name} ${at}, ${after.length === 0 ? "nothing to apply" : `${after.length} to apply`}`);
                }
            }
        }
        if (service.migration?.contract !== undefined) pending.push({ service: service.name, contract: service.migration.contract });
    }
    return { pending, summaries, problems };
}

/** `api 20261205090000_drop_accounts_full_name destructive`, or `worker safe_online` for a stack-file contract. */
export function describePending(entry: PendingMigration): string {
    return entry.id === undefined ? `${entry.service} ${entry.contract}` : `${entry.service} ${entry.id} ${entry.contract}`;
}

/** `api's destructive migration 20261205...`, or `worker's destructive migration` for a stack-file contract. */
export function namePending(entry: PendingMigration): string {
    return `${entry.service}'s ${entry.contract} migration${entry.id === undefined ? "" : ` ${entry.id}`}`;
}

/** What a fresh snapshot id looks like: an RDS DB snapshot identifier, or a Cloud SQL backup id. */
export const SNAPSHOT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;
