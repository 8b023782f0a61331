import { spawnSync } from "child_process";
import { findPostgres, PostgresPrograms } from "../../tools/migrations/postgres";

/**
 * Whether a missing PostgreSQL fails the specs that need one instead of skipping them: `.ci/run` sets
 * PLATFORM_POSTGRES=required (and installs Debian's postgresql package with scripts/postgres.sh), as it
 * does PLATFORM_ENGINE_SPECS=required for the Pulumi CLI.
 */
export function postgresRequired(): boolean {
    return process.env.PLATFORM_POSTGRES === "required";
}

/**
 * The PostgreSQL programs for a spec's `before` hook, found as `npm run migrations:check` finds them: skips
 * the suite when there are none (counted as skipped, never passed), or fails it when CI requires them.
 */
export function postgresOrSkip(context: Mocha.Context): PostgresPrograms {
    const { programs, reason } = findPostgres();
    if (programs) return programs;
    if (postgresRequired()) throw new Error(`PLATFORM_POSTGRES=required but ${reason}`);
    console.log(`    skipped: ${reason}`);
    return context.skip();
}

/** `postgres --version` of those programs: "15.18", the number the check must name. */
export function serverVersion(programs: PostgresPrograms): string {
    const result = spawnSync(programs.postgres, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const match = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(result.stdout ?? "");
    if (!match) throw new Error(`${programs.postgres} --version answered ${JSON.stringify(result.stdout)}`);
    return match[1];
}
