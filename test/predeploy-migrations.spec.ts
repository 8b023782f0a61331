import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CheckReport } from "../tools/checks";
import { migrationsDirOf } from "../tools/migrations/declarations";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

/*
 * predeploy's migrations check reads the declarations of the migrations a deploy brings: those of
 * services/<service>/db/migrations after the head the stack file records (platform:migrationHeads), each by
 * its own contract, not one contract per service. Seeded in temp copies of the project's files.
 */

const MIGRATIONS = migrationsDirOf("api");
const HEAD = "20261205090000";

/** A project folder with Pulumi.yaml, the stack's file and a copy of services/api/db. */
function project(stack: string, editStack: (text: string) => string = (text) => text): string {
    const dir = scratchDir("platform-predeploy-migrations-");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), editStack(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")));
    fs.cpSync(path.join(PROJECT_DIR, "services", "api", "db"), path.join(dir, "services", "api", "db"), { recursive: true });
    return dir;
}

/** A migration after the recorded head, with this contract. */
function addMigration(dir: string, contract: string, name = "next_step", parent = HEAD): string {
    const id = `20261206090000_${name}`;
    const down = contract === "destructive" ? "" : "SELECT 1;";
    const justification = contract === "destructive" ? "-- no_downgrade: the dropped values are gone; the snapshot taken first is the way back\n" : "";
    fs.writeFileSync(path.join(dir, MIGRATIONS, `${id}.sql`), `-- parent: ${parent}\n-- contract: ${contract}\n${justification}\n-- migrate:up\nSELECT 1;\n\n-- migrate:down\n${down}\n`);
    return id;
}

const withWindow = (window: string) => (text: string): string => `${text}  platform:release:\n    maintenanceWindow: "${window}"\n`;
const minute = (offsetMinutes: number): string => new Date(Date.now() + offsetMinutes * 60_000).toISOString().slice(0, 16) + "Z";
const OPEN_WINDOW = (): string => `CHG-1234 ${minute(-30)}/${minute(30)}`;

function migrations(run: ToolRun): { status: string; detail: string } {
    const report = JSON.parse(run.stdout) as CheckReport;
    const check = report.checks.find((entry) => entry.name === "migrations");
    assert.ok(check, run.stdout);
    return check;
}

const predeploy = (stack: string, dir: string, ...extra: string[]): Promise<ToolRun> =>
    runTool(["predeploy", "--stack", stack, "--project-dir", dir, "--only", "config,migrations", "--format", "json", ...extra]);

describe("predeploy: the migrations a deploy brings, each by its own declaration", function () {
    this.timeout(60_000);

    it("the stacks record the api's head: nothing to apply, the worker judged by its stack-file contract", async function () {
        for (const stack of ["staging", "prod", "gcp-prod"]) {
            const run = await runTool(["predeploy", "--stack", stack, "--only", "config,migrations", "--format", "json"]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            assert.equal(migrations(run).status, "passed");
            assert.equal(migrations(run).detail, `worker safe_online; api at ${HEAD}, nothing to apply`);
        }
    });

    it("prod: a destructive migration after the head needs the maintenance window, then a fresh snapshot", async function () {
        const closed = project("prod");
        const id = addMigration(closed, "destructive", "drop_legacy");
        const noWindow = await predeploy("prod", closed);
        assert.equal(noWindow.status, 1, noWindow.stdout + noWindow.stderr);
        assert.equal(migrations(noWindow).detail, `api's destructive migration ${id} needs platform:release.maintenanceWindow in prod`);

        const open = project("prod", withWindow(OPEN_WINDOW()));
        addMigration(open, "destructive", "drop_legacy");
        const noSnapshot = await predeploy("prod", open);
        assert.equal(noSnapshot.status, 1);
        assert.equal(migrations(noSnapshot).detail, `api's destructive migration ${id} needs a fresh snapshot of prod's database first: take one and give its id with --snapshot <id> (docs/runbooks/deploy.md)`);

        const snapshot = await predeploy("prod", open, "--snapshot", "platform-prod-pre-20261206090000");
        assert.equal(snapshot.status, 0, snapshot.stdout);
        assert.match(migrations(snapshot).detail, new RegExp(`^api ${id} destructive, worker safe_online; api at ${HEAD}, 1 to apply; inside the maintenance window \\S+; after snapshot platform-prod-pre-20261206090000$`));
    });

    it("prod: a requires_maintenance_window migration needs the window, no snapshot", async function () {
        const dir = project("prod", withWindow(OPEN_WINDOW()));
        const id = addMigration(dir, "requires_maintenance_window", "backfill_more");
        const run = await predeploy("prod", dir);
        assert.equal(run.status, 0, run.stdout);
        assert.match(migrations(run).detail, new RegExp(`^api ${id} requires_maintenance_window, worker safe_online; api at ${HEAD}, 1 to apply; inside the maintenance window `));
        const closed = project("prod", withWindow(`CHG-1234 ${minute(60)}/${minute(120)}`));
        addMigration(closed, "requires_maintenance_window", "backfill_more");
        const outside = await predeploy("prod", closed);
        assert.equal(outside.status, 1);
        assert.match(migrations(outside).detail, new RegExp(`^api's requires_maintenance_window migration ${id} is allowed only inside the maintenance window `));
    });

    it("staging: a destructive migration needs a fresh snapshot (no window); a safe_online one needs neither", async function () {
        const dir = project("staging");
        const id = addMigration(dir, "destructive", "drop_legacy");
        const refused = await predeploy("staging", dir);
        assert.equal(refused.status, 1);
        assert.equal(migrations(refused).detail, `api's destructive migration ${id} needs a fresh snapshot of staging's database first: take one and give its id with --snapshot <id> (docs/runbooks/deploy.md)`);
        const allowed = await predeploy("staging", dir, "--snapshot", "platform-staging-pre-deploy");
        assert.equal(allowed.status, 0);
        assert.equal(migrations(allowed).detail, `api ${id} destructive, worker safe_online; api at ${HEAD}, 1 to apply; after snapshot platform-staging-pre-deploy`);

        const online = project("staging");
        const safe = addMigration(online, "safe_online", "add_column");
        const run = await predeploy("staging", online);
        assert.equal(run.status, 0);
        assert.equal(migrations(run).detail, `api ${safe} safe_online, worker safe_online; api at ${HEAD}, 1 to apply`);
    });

    it("a stack without a recorded head counts every migration as new (fail closed)", async function () {
        const dir = project("staging", (text) => text.replace(/^ {2}# The migration of services.*\n {2}platform:migrationHeads:\n {4}api: "\d+"\n/m, ""));
        assert.ok(!fs.readFileSync(path.join(dir, "Pulumi.staging.yaml"), "utf8").includes("migrationHeads"));
        const run = await predeploy("staging", dir);
        assert.equal(run.status, 1);
        assert.equal(migrations(run).detail, `api's destructive migration ${HEAD}_drop_accounts_full_name needs a fresh snapshot of staging's database first: take one and give its id with --snapshot <id> (docs/runbooks/deploy.md)`);
        // dev allows any contract, and lists what it applies.
        const dev = await predeploy("dev", project("dev", (text) => `${text}  platform:release:\n    sha: "${"c0ffee".padEnd(40, "0")}"\n`));
        assert.equal(dev.status, 0, dev.stdout + dev.stderr);
        assert.match(migrations(dev).detail, /^api 20261201090000_create_accounts safe_online, .*, api 20261205090000_drop_accounts_full_name destructive, worker safe_online; api no recorded head \(platform:migrationHeads\), so every migration counts as new, 5 to apply$/);
    });

    it("a recorded head the folder does not hold fails the check", async function () {
        const dir = project("prod", (text) => text.replace(`api: "${HEAD}"`, 'api: "20991231000000"'));
        const run = await predeploy("prod", dir);
        assert.equal(run.status, 1);
        assert.equal(migrations(run).detail, `platform:migrationHeads.api is 20991231000000, a version ${MIGRATIONS} does not hold`);
    });

    it("two heads in the folder fail the check; a migration file that is not one is exit 2, one line", async function () {
        const twoHeads = project("prod");
        addMigration(twoHeads, "safe_online", "second_head", "20261204090000");
        const run = await predeploy("prod", twoHeads);
        assert.equal(run.status, 1);
        assert.match(migrations(run).detail, /^services\/api\/db\/migrations: 2 heads \(/);

        const bad = project("prod");
        fs.writeFileSync(path.join(bad, MIGRATIONS, "20261206090000_bad.sql"), "-- parent: base\n-- colour: blue\n-- migrate:up\nSELECT 1;\n-- migrate:down\n");
        const refused = await predeploy("prod", bad);
        assert.equal(refused.status, 2);
        assert.equal(refused.stderr, `error: ${MIGRATIONS}/20261206090000_bad.sql: line 2: unknown key "colour" (known: summary, parent, contract, no_downgrade; a comment line above the blocks that starts with a lower-case word and a colon is a declaration)\n`);
    });

    it("refuses a snapshot id that is not one, and a head for a service the stack does not run", async function () {
        const run = await runTool(["predeploy", "--stack", "prod", "--only", "config,migrations", "--snapshot", "snap shot; rm -rf /"]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^error: --snapshot takes a snapshot id \(letters, digits, "\._:-", up to 255\); got text of 19 characters \(see --help\)\n$/);
        const dir = project("prod", (text) => `${text}    billing: "20261201090000"\n`);
        const unknown = await predeploy("prod", dir);
        assert.equal(unknown.status, 1);
        assert.match((JSON.parse(unknown.stdout) as CheckReport).verdict, /platform:migrationHeads\.billing: expected a service declared in platform:services \(api, worker\)/);
    });
});
