import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MigrationsReport } from "../tools/migrations-check";
import { judgeMigrations, migrationsDirOf, readMigrationFiles } from "../tools/migrations/declarations";
import { PostgresPrograms } from "../tools/migrations/postgres";
import { postgresOrSkip, serverVersion } from "./support/postgres";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/*
 * `npm run migrations:check`: the sample service's migrations (services/api/db/migrations) on a real
 * PostgreSQL server it starts and throws away. The declaration and file specs need no server; the others
 * skip without one (counted), and fail instead under PLATFORM_POSTGRES=required (.ci/run). Every seeded
 * problem is seeded in a temp copy of services/api/db, never in the real migrations.
 */

const MIGRATIONS = migrationsDirOf("api");
const HEAD = "20261205090000_drop_accounts_full_name";
const HEAD_PARENT = "20261204090000";

/** A project folder holding a copy of services/api/db, for --project-dir. */
function copyOfApi(): string {
    const dir = scratchDir("platform-migrations-");
    fs.cpSync(path.join(PROJECT_DIR, "services", "api", "db"), path.join(dir, "services", "api", "db"), { recursive: true });
    return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
    const target = path.join(dir, MIGRATIONS, file);
    const before = fs.readFileSync(target, "utf8");
    const after = change(before);
    assert.notEqual(after, before, `the seed changed ${file}`);
    fs.writeFileSync(target, after);
}

function add(dir: string, file: string, text: string | Buffer): void {
    fs.writeFileSync(path.join(dir, MIGRATIONS, file), text);
}

const NEXT = (parent: string, body = "SELECT 1;", down = "SELECT 1;"): string =>
    `-- summary: a seeded migration\n-- parent: ${parent}\n-- contract: safe_online\n\n-- migrate:up\n${body}\n\n-- migrate:down\n${down}\n`;

const lines = (text: string): string[] => text.split("\n").filter((line) => line !== "");

describe("npm run migrations:check: declarations and files (no server needed)", function () {
    this.timeout(60_000);

    it("the sample service has a create, an additive change, a backfill and a destructive migration, one chain, each declared", function () {
        const files = readMigrationFiles(PROJECT_DIR, MIGRATIONS);
        const judged = judgeMigrations(files, MIGRATIONS);
        assert.ok(judged.ok, JSON.stringify(judged));
        assert.deepEqual(judged.chain.map((migration) => [migration.name, migration.contract, migration.down !== undefined]), [
            ["create_accounts", "safe_online", true],
            ["add_accounts_display_name", "safe_online", true],
            ["backfill_accounts_display_name", "requires_maintenance_window", false],
            ["index_accounts_display_name", "safe_online", true],
            ["drop_accounts_full_name", "destructive", false],
        ]);
        assert.deepEqual(judged.chain.map((migration) => migration.parent), ["base", ...judged.chain.slice(0, -1).map((migration) => migration.version)]);
        for (const migration of judged.chain.filter((entry) => entry.down === undefined)) assert.ok((migration.noDowngrade ?? "").length >= 20, migration.name);
        assert.equal(judged.chain[3].up.transaction, false, "CREATE INDEX CONCURRENTLY runs outside a transaction");
    });

    it("fails on a seeded second head: one line, exit 1, no server started", async function () {
        const dir = copyOfApi();
        add(dir, "20261206090000_second_head.sql", NEXT(HEAD_PARENT));
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.deepEqual(lines(run.stdout), [
            `migrations-check failed: ${MIGRATIONS}: 2 heads (${HEAD}, 20261206090000_second_head): ${HEAD} and 20261206090000_second_head both follow ${HEAD_PARENT}; make the newer one follow the other`,
        ]);
        assert.equal(run.stderr, "", "nothing started");
    });

    it("fails on a migration without a contract: one line, exit 1", async function () {
        const dir = copyOfApi();
        edit(dir, "20261202090000_add_accounts_display_name.sql", (text) => text.replace("-- contract: safe_online\n", ""));
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.deepEqual(lines(run.stdout), [`migrations-check failed: ${MIGRATIONS}/20261202090000_add_accounts_display_name.sql: declares no contract (-- contract: safe_online | requires_maintenance_window | destructive)`]);
    });

    it("fails on an unknown contract: one line, exit 1", async function () {
        const dir = copyOfApi();
        edit(dir, "20261202090000_add_accounts_display_name.sql", (text) => text.replace("-- contract: safe_online", "-- contract: online"));
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.deepEqual(lines(run.stdout), [`migrations-check failed: ${MIGRATIONS}/20261202090000_add_accounts_display_name.sql: unknown contract "online" (expected safe_online, requires_maintenance_window, destructive)`]);
    });

    it("fails on a no_downgrade without a justification: one line, exit 1", async function () {
        const dir = copyOfApi();
        edit(dir, `${HEAD}.sql`, (text) => text.replace(/^-- no_downgrade: .*$/m, "-- no_downgrade:"));
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.deepEqual(lines(run.stdout), [`migrations-check failed: ${MIGRATIONS}/${HEAD}.sql: no_downgrade without a justification (found an empty string; say why there is no way back, at least 20 characters)`]);
    });

    it("fails on a migration with neither a downgrade nor no_downgrade: one line, exit 1", async function () {
        const dir = copyOfApi();
        edit(dir, `${HEAD}.sql`, (text) => text.replace(/^-- no_downgrade: .*\n/m, ""));
        const run = await runTool(["migrations-check", "--project-dir", dir, "--format", "json"]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        const report = JSON.parse(run.stdout) as MigrationsReport;
        assert.equal(report.verdict, `migrations-check failed: ${MIGRATIONS}/${HEAD}.sql: no downgrade (its -- migrate:down block is empty) and no "-- no_downgrade: <justification>"`);
        assert.equal(report.postgres, undefined, "no server started");
    });

    it("fails on a parent that is no migration, and on one that comes after its child", async function () {
        const dir = copyOfApi();
        edit(dir, `${HEAD}.sql`, (text) => text.replace(`-- parent: ${HEAD_PARENT}`, "-- parent: 20991231000000"));
        const unknown = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(unknown.status, 1);
        assert.match(lines(unknown.stdout)[0], new RegExp(`^migrations-check failed: ${MIGRATIONS}/${HEAD}\\.sql: its parent 20991231000000 is no migration in ${MIGRATIONS}`));
        const later = copyOfApi();
        add(later, "20261130090000_earlier.sql", NEXT(HEAD.slice(0, 14)));
        const run = await runTool(["migrations-check", "--project-dir", later]);
        assert.equal(run.status, 1);
        assert.match(lines(run.stdout)[0], /20261130090000_earlier\.sql: its parent 20261205090000 does not come before it \(dbmate applies migrations in version order\)/);
    });

    const badFiles: { name: string; seed: (dir: string) => void; message: RegExp }[] = [
        { name: "a malformed header (SQL above the blocks)", seed: (dir) => add(dir, "20261206090000_bad.sql", `CREATE TABLE t ();\n${NEXT(HEAD.slice(0, 14))}`), message: /20261206090000_bad\.sql: line 1: SQL before "-- migrate:up"/ },
        { name: "an unknown key", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14)).replace("-- contract:", "-- contarct:")), message: /20261206090000_bad\.sql: line 3: unknown key "contarct" \(known: summary, parent, contract, no_downgrade;/ },
        { name: "a key declared twice", seed: (dir) => add(dir, "20261206090000_bad.sql", `-- parent: base\n${NEXT(HEAD.slice(0, 14))}`), message: /20261206090000_bad\.sql: line 3: parent is declared twice$/ },
        { name: "a parent that is not a version", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT("the previous one")), message: /line 2: parent takes "base" or the version of the migration this one follows \(digits\); found text of 16 characters$/ },
        { name: "no down marker", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14)).replace("-- migrate:down", "")), message: /no "-- migrate:down" line \(dbmate requires one;/ },
        { name: "an unknown marker option", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14)).replace("-- migrate:up", "-- migrate:up transaction:later")), message: /line 5: unknown option "transaction:later" on a migrate marker/ },
        { name: "a psql command in a block", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14), "\\! touch /tmp/pwned")), message: /line 6: a psql command \(a line starting with a backslash\), not SQL/ },
        { name: "control characters in a declaration", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14)).replace("a seeded migration", "\x1b]0;pwned\x07")), message: /line 1: summary holds control characters$/ },
        { name: "a huge file", seed: (dir) => add(dir, "20261206090000_bad.sql", NEXT(HEAD.slice(0, 14), `SELECT '${"x".repeat(300_000)}';`)), message: /20261206090000_bad\.sql: is 300\d{3} bytes; the limit is 262144 bytes$/ },
        { name: "a binary file", seed: (dir) => add(dir, "20261206090000_bad.sql", Buffer.from([0x2d, 0x2d, 0x20, 0x00, 0x01, 0xff, 0x00])), message: /20261206090000_bad\.sql: contains NUL bytes: a binary file, not SQL$/ },
        { name: "text that is not UTF-8", seed: (dir) => add(dir, "20261206090000_bad.sql", Buffer.from([0x2d, 0x2d, 0x20, 0xc3, 0x28, 0x0a])), message: /20261206090000_bad\.sql: is not UTF-8 text$/ },
        { name: "a folder where a file should be", seed: (dir) => fs.mkdirSync(path.join(dir, MIGRATIONS, "20261206090000_bad.sql")), message: /20261206090000_bad\.sql: is a directory; expected a regular file$/ },
        { name: "a named pipe where a file should be", seed: (dir) => spawnSync("mkfifo", [path.join(dir, MIGRATIONS, "20261206090000_bad.sql")]), message: /20261206090000_bad\.sql: is a named pipe \(FIFO\); expected a regular file$/ },
        { name: "a file that is not a migration file", seed: (dir) => add(dir, "notes.txt", "hello"), message: /db\/migrations: "notes\.txt" is not a migration file \(<version>_<name>\.sql/ },
        { name: "a smoke query that runs a psql command", seed: (dir) => fs.appendFileSync(path.join(dir, "services", "api", "db", "smoke.sql"), "\\copy accounts to '/tmp/x'\n"), message: /smoke\.sql: line \d+: a psql command/ },
    ];
    for (const bad of badFiles) {
        it(`refuses ${bad.name}: one line naming the file, exit 2, never a stack trace`, async function () {
            const dir = copyOfApi();
            bad.seed(dir);
            const run = await runTool(["migrations-check", "--project-dir", dir]);
            assert.equal(run.status, 2, run.stdout + run.stderr);
            assert.equal(run.stdout, "");
            assert.equal(lines(run.stderr).length, 1, run.stderr);
            assert.match(run.stderr.trim(), /^error: services\/api\/db\//);
            assert.match(run.stderr.trim(), bad.message);
            assert.ok(!run.stderr.includes("    at "), "no stack trace");
            assert.ok(!run.stderr.includes("\x1b") && !run.stderr.includes("\x07"), "no control character reaches the terminal");
        });
    }

    it("refuses more entries than a migrations folder may hold, before reading one", async function () {
        const dir = copyOfApi();
        for (let index = 0; index < 2001; index++) fs.writeFileSync(path.join(dir, MIGRATIONS, `3${String(index).padStart(13, "0")}_m.sql`), "");
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 2);
        assert.equal(run.stderr.trim(), `error: ${MIGRATIONS}: holds more than 2000 entries`);
    });

    const usage: [string, string[], RegExp][] = [
        ["an unknown option", ["--stack", "prod"], /^error: .*--stack\b/],
        ["a format it does not write", ["--format", "sarif"], /^error: --format must be one of human, json; got "sarif" \(see --help\)$/],
        ["a service name that is not one", ["--service", "../etc"], /^error: --service takes a service name \(a-z, 0-9, -\); got text of 6 characters \(see --help\)$/],
        ["a service without migrations", ["--service", "worker"], /^error: --service worker: services\/worker\/db\/migrations does not exist \(see --help\)$/],
    ];
    for (const [name, args, message] of usage) {
        it(`refuses ${name}: one line, exit 2`, async function () {
            const run = await runTool(["migrations-check", ...args]);
            assert.equal(run.status, 2, run.stdout + run.stderr);
            assert.equal(lines(run.stderr).length, 1, run.stderr);
            assert.match(run.stderr.trim(), message);
        });
    }

    it("--help says what it checks, the format and the exit codes", async function () {
        const run = await runTool(["migrations-check", "--help"]);
        assert.equal(run.status, 0);
        for (const text of ["declarations", "base -> head", "downgrades", "model smoke", "Exit codes: 0", "--format <format>", "scripts/postgres.sh"]) assert.ok(run.stdout.includes(text), text);
    });

    it("is the npm script migrations:check", function () {
        const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
        assert.equal(scripts["migrations:check"], "node tools/bin.js migrations-check");
    });
});

describe("npm run migrations:check on a real PostgreSQL (a throwaway server)", function () {
    this.timeout(120_000);
    let programs: PostgresPrograms;

    before(function () {
        programs = postgresOrSkip(this);
    });

    /** The temp folder the run's server used, from its progress line: gone once the run is over. */
    const serverDir = (stderr: string): string => {
        const match = /\(socket in (\S+), as /.exec(stderr);
        assert.ok(match, stderr);
        return match[1];
    };

    it("passes on the sample service: base -> head, each downgrade down and up again, the model smoke query; names PostgreSQL and its version", async function () {
        const json = path.join(scratchDir("platform-migrations-out-"), "migrations.json");
        const run = await runTool(["migrations-check", "--output", `json=${json}`]);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const version = serverVersion(programs);
        const out = lines(run.stdout);
        assert.match(out[0], new RegExp(`^migrations-check on PostgreSQL ${version.replace(".", "\\.")}\\b.*: a throwaway server, started in \\d+\\.\\d s$`));
        assert.match(out[out.length - 1], new RegExp(`^migrations-check passed: api at ${HEAD}, on PostgreSQL ${version.replace(".", "\\.")}\\b.* \\(server start \\d+\\.\\d s, migrations \\d+\\.\\d s, downgrades \\d+\\.\\d s, total \\d+\\.\\d s\\)$`));
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as MigrationsReport;
        assert.ok(report.postgres?.version.startsWith(version), report.postgres?.version);
        assert.deepEqual(report.checks.map((check) => [check.name, check.status]), [
            ["api: declarations", "passed"], ["api: base -> head", "passed"], ["api: downgrades", "passed"], ["api: model smoke", "passed"],
        ]);
        assert.equal(report.checks[2].detail.split(":")[0], "3 of 5 have one");
        assert.match(report.checks[3].detail, /^services\/api\/db\/smoke\.sql at 20261205090000_drop_accounts_full_name: 1 row$/);
        for (const timing of [report.timings.serverStartMs, report.timings.applyMs, report.timings.totalMs]) assert.ok(typeof timing === "number" && timing >= 0);
        assert.ok(!fs.existsSync(serverDir(run.stderr)), "the server's folder is removed");
        console.log(`      timings: server start ${report.timings.serverStartMs} ms, migrations ${report.timings.applyMs} ms, downgrades ${report.timings.downgradesMs} ms, total ${report.timings.totalMs} ms`);
    });

    it("a migration PostgreSQL refuses fails the walk at its line, exit 1; the server is gone afterwards", async function () {
        const dir = copyOfApi();
        add(dir, "20261206090000_broken.sql", NEXT(HEAD.slice(0, 14), "SELECT 1;\nALTER TABLE accounts DROP COLUMN full_name;"));
        const run = await runTool(["migrations-check", "--project-dir", dir]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.equal(lines(run.stdout).pop(), `migrations-check failed on PostgreSQL ${/PostgreSQL (.+?): a throwaway/.exec(run.stdout)?.[1]}: ${MIGRATIONS}/20261206090000_broken.sql: up: line 7: ERROR: column "full_name" of relation "accounts" does not exist`);
        assert.ok(!fs.existsSync(serverDir(run.stderr)));
    });

    it("a downgrade that does not restore the schema before its migration fails the downgrades check", async function () {
        const dir = copyOfApi();
        edit(dir, "20261202090000_add_accounts_display_name.sql", (text) => text.replace("ALTER TABLE accounts DROP COLUMN display_name;", "ALTER TABLE accounts DROP COLUMN display_name;\nALTER TABLE accounts ADD COLUMN nickname text;"));
        const run = await runTool(["migrations-check", "--project-dir", dir, "--format", "json"]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        const report = JSON.parse(run.stdout) as MigrationsReport;
        const downgrades = report.checks.find((check) => check.name === "api: downgrades");
        assert.equal(downgrades?.status, "failed");
        assert.match(downgrades?.detail ?? "", /20261202090000_add_accounts_display_name\.sql: its downgrade does not restore the schema before it: it has "nickname text", which the other lacks$/);
    });

    it("SIGINT while a migration runs: the server is stopped and its folder removed, exit 130", async function () {
        const dir = copyOfApi();
        add(dir, "20261206090000_slow.sql", NEXT(HEAD.slice(0, 14), "SELECT pg_sleep(60);"));
        const child: ChildProcess = spawn(process.execPath, [path.join(PROJECT_DIR, "tools", "bin.js"), "migrations-check", "--project-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        const deadline = Date.now() + 60_000;
        while (!stderr.includes("ready in") && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
        const folder = serverDir(stderr);
        assert.ok(fs.existsSync(folder));
        await new Promise((resolve) => setTimeout(resolve, 1500)); // into the slow migration
        child.kill("SIGINT");
        assert.equal(await exited, 130, stderr);
        assert.match(stderr, /stopped by SIGINT; the PostgreSQL server is stopped and its folder removed/);
        assert.ok(!fs.existsSync(folder), "the folder is removed");
        const servers = fs.readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
            try {
                return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(folder);
            } catch {
                return false;
            }
        });
        assert.deepEqual(servers, [], "no process of that server is left");
    });
});
