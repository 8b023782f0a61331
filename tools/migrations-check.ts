import * as fs from "fs";
import * as path from "path";
import { describeFound } from "../policies/lib/found-value";
import { Check, CheckStatus, emitRendered, formatChoice, parseOptions, reportError, runCommand, UsageError } from "./checks";
import { printable } from "./format/printable";
import {
    judgeMigrations, MIGRATION_LIMITS, Migration, migrationId, migrationsDirOf, readMigrationFiles, readRelative, refusePsqlCommands, smokeFileOf, sqlText, SqlBlock,
} from "./migrations/declarations";
import { findPostgres, PostgresError, ThrowawayPostgres } from "./migrations/postgres";
import { EXIT_CODES } from "./report";

export const MIGRATIONS_CHECK_HELP = `Usage: npm run migrations:check -- [options]
       node tools/bin.js migrations-check [options]

Proves each service's migrations (services/<service>/db/migrations, dbmate files with a header of
declarations) on a real PostgreSQL server, before anything deploys them:

  declarations   every migration names its parent (base, or the version it follows) and a contract
                 (safe_online, requires_maintenance_window or destructive), and has a downgrade (SQL in its
                 -- migrate:down block) or "-- no_downgrade: <justification>"; the parents make one chain
                 from base (one head: two migrations on one parent are two heads); the service has a model
                 smoke query (services/<service>/db/smoke.sql)
  base -> head   a throwaway server (initdb into a temp folder, a Unix socket there, no TCP port) gets each
                 migration's up block in order, in one transaction unless the block says transaction:false,
                 recorded in schema_migrations as dbmate does
  downgrades     each migration with a downgrade: down, then up again, from its own place in the chain: the
                 schema after down must be the schema before the migration, and after up again the schema
                 after it (pg_dump --schema-only, compared)
  model smoke    services/<service>/db/smoke.sql at the head: it runs, and its statements return a row

The server is stopped and its folder removed at the end, on failure and on SIGINT or SIGTERM too. The
output names the PostgreSQL version it ran on and how long the server start and the migrations took.
Without PostgreSQL programs (initdb, postgres, psql, pg_dump: scripts/postgres.sh installs Debian's
postgresql package) only a run with nothing to apply succeeds.

Options:
  --service <name>            only this service (repeatable; default every service with db/migrations)
  --project-dir <dir>         the folder holding services/ (default: the repository root)
  --format <format>           stdout: human or json (default human)
  --output <format>=<file>    also write the result in that format; repeatable
  -h, --help                  this text

Exit codes: 0 every check passed; 1 a declaration problem (one line: more than one head, a missing or
unknown contract, no downgrade and no justified no_downgrade, an unknown parent, no smoke query) or a
migration, downgrade or smoke query that fails on PostgreSQL; 2 bad usage, a migration file that is not one
(malformed header, unknown key, over ${MIGRATION_LIMITS.fileBytes / 1024} KiB, binary, a folder where a file should be; one line,
naming the file), or no PostgreSQL server to run on.`;

const FORMATS = ["human", "json"] as const;
type MigrationsFormat = (typeof FORMATS)[number];
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MAX_SERVICES = 500;

export interface ServiceSummary {
    readonly service: string;
    readonly directory: string;
    /** The head migration, `<version>_<name>`; undefined for an empty folder. */
    readonly head?: string;
    readonly migrations: readonly { readonly id: string; readonly parent: string; readonly contract: string; readonly downgrade: boolean; readonly noDowngrade?: string }[];
}

export interface MigrationsReport {
    readonly command: "migrations-check";
    /** The server it ran on; absent when nothing ran (a declaration problem, nothing to apply). */
    readonly postgres?: { readonly version: string; readonly startMs: number };
    readonly services: readonly ServiceSummary[];
    readonly checks: readonly Check[];
    readonly timings: { readonly serverStartMs?: number; readonly applyMs?: number; readonly downgradesMs?: number; readonly totalMs: number };
    readonly verdict: string;
    readonly exitCode: number;
}

export interface MigrationsCheckOptions {
    readonly projectDir: string;
    /** Empty: every service under services/ with a db/migrations folder. */
    readonly services: readonly string[];
    /** Progress lines (stderr). */
    readonly progress?: (line: string) => void;
}

/** What a service brings to the server: its chain and its smoke query. */
interface ServicePlan {
    readonly service: string;
    readonly directory: string;
    readonly chain: readonly Migration[];
    readonly smokeFile: string;
    readonly smoke: { readonly sql: string };
}

function servicesWithMigrations(projectDir: string): string[] {
    const root = path.join(projectDir, "services");
    let names: string[];
    try {
        names = fs.readdirSync(root).slice(0, MAX_SERVICES);
    } catch {
        return [];
    }
    return names.filter((name) => SERVICE_NAME.test(name) && fs.existsSync(path.join(projectDir, migrationsDirOf(name)))).sort();
}

/** Reads and judges one service's migrations and smoke query: format problems throw (exit 2), declaration problems are returned. */
function planService(projectDir: string, service: string): { plan?: ServicePlan; summary: ServiceSummary; problems: readonly string[] } {
    const directory = migrationsDirOf(service);
    const files = readMigrationFiles(projectDir, directory);
    const judged = judgeMigrations(files, directory);
    const summary: ServiceSummary = {
        service,
        directory,
        head: files.length > 0 ? migrationId([...files].sort((a, b) => (BigInt(a.version) < BigInt(b.version) ? -1 : 1))[files.length - 1]) : undefined,
        migrations: files.map((file) => ({ id: migrationId(file), parent: file.parent ?? "", contract: file.contract ?? "", downgrade: file.down !== undefined, ...(file.noDowngrade === undefined ? {} : { noDowngrade: file.noDowngrade }) })),
    };
    const smokeFile = smokeFileOf(service);
    const problems = judged.ok ? [] : [...judged.problems];
    let smoke: { sql: string } | undefined;
    if (files.length > 0) {
        if (!fs.existsSync(path.join(projectDir, smokeFile))) {
            problems.push(`${smokeFile}: no model smoke query (the queries the service's model makes, run at the head)`);
        } else {
            const text = sqlText(smokeFile, readRelative(projectDir, smokeFile, MIGRATION_LIMITS.fileBytes));
            refusePsqlCommands(smokeFile, text.split("\n"), 1);
            smoke = { sql: text };
        }
    }
    if (!judged.ok || smoke === undefined) return { summary, problems };
    return { plan: { service, directory, chain: judged.chain, smokeFile, smoke }, summary, problems };
}

function contractCounts(chain: readonly Migration[]): string {
    const counts = new Map<string, number>();
    for (const migration of chain) counts.set(migration.contract, (counts.get(migration.contract) ?? 0) + 1);
    return [...counts.entries()].map(([contract, count]) => `${count} ${contract}`).join(", ");
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** A database name for a service (names are a-z, 0-9, -). */
function databaseOf(service: string): string {
    return `migrations_${service.replace(/-/g, "_")}`;
}

/** How two schema dumps differ, briefly: a line one has and the other lacks (trailing commas aside), or the order. */
function firstDifference(expected: string, actual: string): string {
    const normal = (text: string): string[] => text.split("\n").map((line) => line.trim().replace(/,$/, "")).filter((line) => line !== "" && !line.startsWith("--"));
    const remaining = new Map<string, number>();
    for (const line of normal(expected)) remaining.set(line, (remaining.get(line) ?? 0) + 1);
    const added: string[] = [];
    for (const line of normal(actual)) {
        const count = remaining.get(line) ?? 0;
        if (count > 0) remaining.set(line, count - 1);
        else added.push(line);
    }
    const removed = [...remaining.entries()].flatMap(([line, count]) => Array<string>(count).fill(line));
    const shown = (line: string): string => JSON.stringify(printable(line, true).slice(0, 100));
    if (added.length > 0) return `it has ${shown(added[0])}, which the other lacks${added.length + removed.length > 1 ? ` (${added.length + removed.length} lines differ)` : ""}`;
    if (removed.length > 0) return `it lacks ${shown(removed[0])}${removed.length > 1 ? ` (${removed.length} lines differ)` : ""}`;
    return "the same lines in another order (a column added back lands at the end of its table)";
}

class StepFailed extends Error {}

/** Applies one block on the server and records (or forgets) its version, as dbmate does; a failure throws StepFailed. */
async function runBlock(pg: ThrowawayPostgres, database: string, migration: Migration, block: SqlBlock, direction: "up" | "down"): Promise<void> {
    const version = migration.version; // digits only: safe inside the literal
    const record = direction === "up" ? `INSERT INTO schema_migrations (version) VALUES ('${version}');` : `DELETE FROM schema_migrations WHERE version = '${version}';`;
    const located = (error: string | undefined): string => {
        const line = /^line (\d{1,9}): (.*)$/.exec(error ?? "");
        return line ? `line ${block.line + Number(line[1]) - 1}: ${line[2]}` : (error ?? "failed");
    };
    if (block.transaction) {
        const result = await pg.psql(`${block.sql}\n;\n${record}\n`, { database, singleTransaction: true });
        if (!result.ok) throw new StepFailed(`${migration.file}: ${direction}: ${located(result.error)}`);
        return;
    }
    const result = await pg.psql(`${block.sql}\n`, { database });
    if (!result.ok) throw new StepFailed(`${migration.file}: ${direction} (transaction:false): ${located(result.error)}`);
    const recorded = await pg.psql(record, { database, singleTransaction: true });
    if (!recorded.ok) throw new StepFailed(`${migration.file}: recording ${direction} in schema_migrations: ${recorded.error ?? "failed"}`);
}

/** The walk of one service on the server: base -> head with each downgrade pair, then the smoke query. */
async function walkService(pg: ThrowawayPostgres, plan: ServicePlan, checks: Check[], timings: { apply: number; downgrades: number }): Promise<void> {
    const { service, chain } = plan;
    const database = databaseOf(service);
    const created = await pg.psql(`CREATE DATABASE "${database}"`, { database: "postgres" });
    if (!created.ok) throw new PostgresError(`cannot create a database for ${service}: ${created.error ?? ""}`);
    const table = await pg.psql("CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY);", { database, singleTransaction: true });
    if (!table.ok) throw new PostgresError(`cannot create schema_migrations: ${table.error ?? ""}`);
    const withDowngrade = chain.filter((migration) => migration.down !== undefined);
    let applyMs = 0;
    let downgradeMs = 0;
    let upFailure: string | undefined;
    let downgradeProblem: string | undefined;
    /** Where the walk stopped because a downgrade pair failed to run: the database is in no known state after it. */
    let stoppedAt: string | undefined;
    let current: string | undefined;
    for (const migration of chain) {
        let before: string | undefined;
        if (migration.down && downgradeProblem === undefined) before = current ?? (await pg.dumpSchema(database));
        const started = Date.now();
        try {
            await runBlock(pg, database, migration, migration.up, "up");
        } catch (error) {
            if (!(error instanceof StepFailed)) throw error;
            upFailure = error.message;
            break;
        } finally {
            applyMs += Date.now() - started;
        }
        current = undefined;
        if (!migration.down || before === undefined) continue;
        const pairStarted = Date.now();
        try {
            const after = await pg.dumpSchema(database);
            await runBlock(pg, database, migration, migration.down, "down");
            const down = await pg.dumpSchema(database);
            if (down !== before) downgradeProblem = `${migration.file}: its downgrade does not restore the schema before it: ${firstDifference(before, down)}`;
            await runBlock(pg, database, migration, migration.up, "up");
            const again = await pg.dumpSchema(database);
            if (downgradeProblem === undefined && again !== after) downgradeProblem = `${migration.file}: up again after its downgrade gives another schema: ${firstDifference(after, again)}`;
            current = again;
        } catch (error) {
            if (!(error instanceof StepFailed)) throw error;
            downgradeProblem = downgradeProblem ?? `after its downgrade: ${error.message}`;
            stoppedAt = migrationId(migration);
            break;
        } finally {
            downgradeMs += Date.now() - pairStarted;
        }
    }
    timings.apply += applyMs;
    timings.downgrades += downgradeMs;
    const head = chain.length > 0 ? migrationId(chain[chain.length - 1]) : "base";
    const failedStep = (name: string, detail: string, durationMs?: number): Check => ({ name: `${service}: ${name}`, status: "failed", detail, durationMs });
    const skipped = (name: string, detail: string): Check => ({ name: `${service}: ${name}`, status: "skipped", detail });
    if (upFailure !== undefined) {
        checks.push(failedStep("base -> head", upFailure, applyMs));
        checks.push(skipped("downgrades", "base -> head failed"), skipped("model smoke", "base -> head failed"));
        return;
    }
    if (stoppedAt !== undefined) checks.push(failedStep("base -> head", `stopped at ${stoppedAt}: its downgrade, or its up again after it, failed (see downgrades)`, applyMs));
    else checks.push({ name: `${service}: base -> head`, status: "passed", detail: `${chain.length} migration${chain.length === 1 ? "" : "s"} applied in order, base to ${head}`, durationMs: applyMs });
    if (downgradeProblem !== undefined) checks.push(failedStep("downgrades", downgradeProblem, downgradeMs));
    else if (withDowngrade.length === 0) checks.push(skipped("downgrades", "no migration declares a downgrade"));
    else checks.push({ name: `${service}: downgrades`, status: "passed", detail: `${withDowngrade.length} of ${chain.length} have one: each ran down and up again in place; the schema after down was the one before the migration, after up again the one after it`, durationMs: downgradeMs });
    if (stoppedAt !== undefined) {
        checks.push(skipped("model smoke", `the walk stopped at ${stoppedAt}`));
        return;
    }
    const smokeStarted = Date.now();
    const smoke = await pg.psql(`${plan.smoke.sql}\n`, { database, singleTransaction: true });
    const smokeMs = Date.now() - smokeStarted;
    if (!smoke.ok) checks.push(failedStep("model smoke", `${plan.smokeFile}: ${smoke.error ?? "failed"}`, smokeMs));
    else if (smoke.rows.length === 0) checks.push(failedStep("model smoke", `${plan.smokeFile}: ran, but returned no row at ${head}`, smokeMs));
    else checks.push({ name: `${service}: model smoke`, status: "passed", detail: `${plan.smokeFile} at ${head}: ${smoke.rows.length} row${smoke.rows.length === 1 ? "" : "s"}`, durationMs: smokeMs });
}

/** Runs the check; a file that is not a migration file, or no server, throws (exit 2). */
export async function migrationsCheck(options: MigrationsCheckOptions, hold: { server?: ThrowawayPostgres } = {}): Promise<MigrationsReport> {
    const started = Date.now();
    const progress = options.progress ?? (() => undefined);
    const services = options.services.length > 0 ? [...options.services] : servicesWithMigrations(options.projectDir);
    for (const service of services) {
        if (!fs.existsSync(path.join(options.projectDir, migrationsDirOf(service)))) throw new UsageError(`--service ${service}: ${migrationsDirOf(service)} does not exist`);
    }
    const planned = services.map((service) => planService(options.projectDir, service));
    const summaries = planned.map((entry) => entry.summary);
    const problems = planned.flatMap((entry) => entry.problems);
    const report = (fields: Pick<MigrationsReport, "checks" | "verdict" | "exitCode"> & Partial<MigrationsReport>): MigrationsReport => ({
        command: "migrations-check",
        services: summaries,
        timings: { totalMs: Date.now() - started },
        ...fields,
    });
    if (problems.length > 0) {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length === 2 ? "" : "s"})` : "";
        return report({ checks: [{ name: "declarations", status: "failed", detail: problems[0] }], verdict: `migrations-check failed: ${problems[0]}${more}`, exitCode: EXIT_CODES.mandatoryViolations });
    }
    const plans = planned.flatMap((entry) => (entry.plan ? [entry.plan] : []));
    const checks: Check[] = plans.map((plan) => {
        const downgrades = plan.chain.filter((migration) => migration.down !== undefined).length;
        return {
            name: `${plan.service}: declarations`,
            status: "passed",
            detail: `${plan.chain.length} migrations, one chain from base to ${migrationId(plan.chain[plan.chain.length - 1])}: ${contractCounts(plan.chain)}; ${downgrades} with a downgrade, ${plan.chain.length - downgrades} no_downgrade with a justification`,
        };
    });
    if (plans.length === 0) {
        return report({ checks, verdict: `migrations-check passed: no migrations to apply (${services.length === 0 ? "no service has db/migrations" : "empty folders"}); no PostgreSQL server started`, exitCode: EXIT_CODES.clean });
    }
    const { programs, reason } = findPostgres();
    if (!programs) throw new PostgresError(reason);
    progress(`migrations-check: starting a throwaway PostgreSQL server (${programs.binDir})`);
    const pg = await ThrowawayPostgres.start(programs);
    hold.server = pg;
    progress(`migrations-check: PostgreSQL ${pg.version} ready in ${seconds(pg.startMs)} (socket in ${pg.dir}, as ${pg.runsAs})`);
    const timings = { apply: 0, downgrades: 0 };
    try {
        for (const plan of plans) await walkService(pg, plan, checks, timings);
    } finally {
        await pg.stop();
    }
    // A walk stopped by a failed downgrade pair: the downgrade's own line says what happened.
    const failures = checks.filter((check) => check.status === "failed");
    const failed = failures.find((check) => !check.detail.startsWith("stopped at ")) ?? failures[0];
    const totalMs = Date.now() - started;
    const on = `PostgreSQL ${pg.version}`;
    const heads = plans.map((plan) => `${plan.service} at ${migrationId(plan.chain[plan.chain.length - 1])}`).join(", ");
    const took = `server start ${seconds(pg.startMs)}, migrations ${seconds(timings.apply)}, downgrades ${seconds(timings.downgrades)}, total ${seconds(totalMs)}`;
    return {
        command: "migrations-check",
        postgres: { version: pg.version, startMs: pg.startMs },
        services: summaries,
        checks,
        timings: { serverStartMs: pg.startMs, applyMs: timings.apply, downgradesMs: timings.downgrades, totalMs },
        verdict: failed ? `migrations-check failed on ${on}: ${failed.detail}` : `migrations-check passed: ${heads}, on ${on} (${took})`,
        exitCode: failed ? EXIT_CODES.mandatoryViolations : EXIT_CODES.clean,
    };
}

const MARKS: Readonly<Record<CheckStatus, string>> = { passed: "ok", failed: "FAIL", skipped: "skip", overridden: "OVERRIDDEN" };

/** One line for a declaration problem; otherwise the server, each check and the verdict. */
function humanReport(report: MigrationsReport): string {
    if (report.postgres === undefined && report.exitCode !== EXIT_CODES.clean) return `${printable(report.verdict, true)}\n`;
    const lines: string[] = [];
    if (report.postgres) lines.push(`migrations-check on PostgreSQL ${report.postgres.version}: a throwaway server, started in ${seconds(report.postgres.startMs)}`);
    const width = Math.max(...report.checks.map((check) => check.name.length), 4);
    for (const check of report.checks) {
        const took = check.durationMs === undefined ? "" : ` (${check.durationMs} ms)`;
        lines.push(`  ${MARKS[check.status].padEnd(5)} ${check.name.padEnd(width)}  ${check.detail}${took}`);
    }
    lines.push(report.verdict);
    return `${lines.map((line) => printable(line, true)).join("\n")}\n`;
}

export const MIGRATIONS_RENDERERS: Readonly<Record<MigrationsFormat, (report: MigrationsReport) => string>> = {
    human: humanReport,
    json: (report) => `${JSON.stringify(report, null, 2)}\n`,
};

function parseMigrationsOptions(argv: string[]) {
    const values = parseOptions(argv, {
        service: { type: "string", multiple: true, default: [] },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    const services = values.service ?? [];
    for (const service of services) if (!SERVICE_NAME.test(service)) throw new UsageError(`--service takes a service name (a-z, 0-9, -); got ${describeFound(service, { keyword: true })}`);
    const projectDir = path.resolve(values["project-dir"] ?? ".");
    if (!fs.existsSync(projectDir) || !fs.statSync(projectDir).isDirectory()) throw new UsageError(`--project-dir: no such folder`);
    return { options: { projectDir, services }, choice: formatChoice(values.format, values.output ?? [], FORMATS, "human") };
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export function migrationsCheckCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, MIGRATIONS_CHECK_HELP, async (args) => {
        const { options, choice } = parseMigrationsOptions(args);
        const hold: { server?: ThrowawayPostgres } = {};
        // Interrupted: the server goes, and its folder, before the process does.
        const onSignal = (signal: NodeJS.Signals): void => {
            hold.server?.stopNow();
            process.stderr.write(`migrations-check: stopped by ${signal}; the PostgreSQL server is stopped and its folder removed\n`);
            process.exit(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
        };
        const onExit = (): void => hold.server?.stopNow();
        for (const signal of SIGNALS) process.on(signal, onSignal);
        process.on("exit", onExit);
        try {
            const report = await migrationsCheck({ ...options, progress: (line) => process.stderr.write(`${printable(line, true)}\n`) }, hold);
            emitRendered(report, choice, MIGRATIONS_RENDERERS);
            return report.exitCode;
        } catch (error) {
            if (error instanceof PostgresError) {
                reportError(`PostgreSQL: ${error.message}`);
                return EXIT_CODES.badInput;
            }
            throw error; // a usage or file problem: runCommand says it in one line (exit 2)
        } finally {
            for (const signal of SIGNALS) process.removeListener(signal, onSignal);
            process.removeListener("exit", onExit);
        }
    });
}
