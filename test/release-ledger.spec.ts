import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { InputFileError } from "../engine/input-error";
import { readLedger } from "../policies/lib/release-ledger";
import { record } from "../tools/record";
import { scratchDir } from "./support/scratch";
import { RunningService, startSampleService } from "./support/sample-service";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/*
 * The ledger's write path as the release flow runs it: `record published` after publish, `smoke --service
 * --digest` (the expected commit read from the ledger), `record verified` from the smoke report and the
 * stack's state; and what it refuses to record.
 */

const BUILT_SHA = "3f2c9d0e5b7a4c1d8e9f0a1b2c3d4e5f6a7b8c9d";
const DEPLOYING_SHA = "9999999999999999999999999999999999999999";
const DIGEST = `sha256:${"7d".repeat(32)}`;
const REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api";

function projectWithLedger(): string {
    const dir = scratchDir("platform-ledger-");
    fs.mkdirSync(path.join(dir, "releases"));
    fs.copyFileSync(path.join(PROJECT_DIR, "releases", "ledger.json"), path.join(dir, "releases", "ledger.json"));
    return dir;
}

function imagesFile(dir: string, digest: string): string {
    const file = path.join(dir, `images-${digest.slice(7, 13)}.json`);
    fs.writeFileSync(file, JSON.stringify({ api: `${REPOSITORY}:x@${digest}` }));
    return file;
}

describe("release ledger: record and smoke by digest", function () {
    this.timeout(60_000);
    let service: RunningService;

    before(async function () {
        // The image's own build: what /version reports, whatever commit deploys it.
        service = await startSampleService({ BUILD_SHA: BUILT_SHA });
    });
    after(async function () {
        await service?.stop();
    });

    it("published -> smoke by digest (commit from the ledger) -> verified; the entries read back", async function () {
        const dir = projectWithLedger();
        const before = readLedger(path.join(dir, "releases", "ledger.json")).entries.length;
        const published = await runTool(["record", "published", "--service", "api", "--digest", DIGEST, "--sha", BUILT_SHA, "--by", "spec", "--project-dir", dir]);
        assert.equal(published.status, 0, published.stderr);
        assert.equal(published.stdout.trim(), `recorded published: api@${DIGEST} from ${BUILT_SHA}`);

        const report = path.join(dir, "smoke.json");
        const smoke = await runTool(["smoke", "--url", service.url, "--service", "api", "--digest", DIGEST, "--project-dir", dir, "--output", `json=${report}`], { env: { GITHUB_SHA: DEPLOYING_SHA } });
        assert.equal(smoke.status, 0, smoke.stderr + smoke.stdout);
        assert.match(smoke.stdout, new RegExp(`/version sha is ${BUILT_SHA}`));

        const verified = await runTool(["record", "verified", "--stack", "staging", "--smoke", report, "--images", imagesFile(dir, DIGEST), "--by", "spec", "--project-dir", dir]);
        assert.equal(verified.status, 0, verified.stderr);
        const entries = readLedger(path.join(dir, "releases", "ledger.json")).entries.slice(before);
        assert.deepEqual(entries.map((entry) => [entry.event, entry.stack, entry.service, entry.digest, entry.sha]), [
            ["published", undefined, "api", DIGEST, BUILT_SHA],
            ["verified", "staging", "api", DIGEST, BUILT_SHA],
        ]);
    });

    it("records nothing when the smoke failed, the state runs another digest, or the digest was never published", async function () {
        const dir = projectWithLedger();
        const ledger = path.join(dir, "releases", "ledger.json");
        const unpublished = await runTool(["smoke", "--url", service.url, "--service", "api", "--digest", DIGEST, "--project-dir", dir]);
        assert.equal(unpublished.status, 2);
        assert.match(unpublished.stderr, /no published entry for api@sha256:7d7d7d7d7d7d…: give --expect-sha/);

        // Published from another commit than the image reports: smoke fails, and its report is not a proof.
        await runTool(["record", "published", "--service", "api", "--digest", DIGEST, "--sha", DEPLOYING_SHA, "--project-dir", dir]);
        const report = path.join(dir, "smoke.json");
        const failed = await runTool(["smoke", "--url", service.url, "--service", "api", "--digest", DIGEST, "--project-dir", dir, "--deadline", "1s", "--output", `json=${report}`]);
        assert.equal(failed.status, 1);
        const text = fs.readFileSync(ledger, "utf8");
        const refused = await runTool(["record", "verified", "--stack", "prod", "--smoke", report, "--images", imagesFile(dir, DIGEST), "--project-dir", dir]);
        assert.equal(refused.status, 1);
        assert.equal(refused.stderr.trim(), "record refused: the smoke test of api did not pass: nothing is recorded as verified");

        // A passing smoke of one digest while the state runs another.
        const other = `sha256:${"8e".repeat(32)}`;
        await runTool(["record", "published", "--service", "api", "--digest", other, "--sha", BUILT_SHA, "--project-dir", dir]);
        const passed = path.join(dir, "smoke-passed.json");
        assert.equal((await runTool(["smoke", "--url", service.url, "--service", "api", "--digest", other, "--project-dir", dir, "--output", `json=${passed}`])).status, 0);
        const wrongState = await runTool(["record", "verified", "--stack", "prod", "--smoke", passed, "--images", imagesFile(dir, DIGEST), "--project-dir", dir]);
        assert.equal(wrongState.status, 1);
        assert.match(wrongState.stderr, /prod's state runs api@sha256:7d7d7d7d7d7d…, not the smoke-tested sha256:8e8e8e8e8e8e…: only what deployed is recorded/);
        assert.equal(fs.readFileSync(ledger, "utf8").length > text.length, true, "only the published entry was added");
        assert.ok(!fs.readFileSync(ledger, "utf8").includes('"verified"'), "no verified entry");
    });

    it("another record holding the lock: one line naming it, and the ledger stays as it was", function () {
        const dir = projectWithLedger();
        const ledger = path.join(dir, "releases", "ledger.json");
        const text = fs.readFileSync(ledger, "utf8");
        fs.writeFileSync(`${ledger}.lock`, "");
        assert.throws(() => record({ projectDir: dir, event: "published", service: "api", digest: DIGEST, sha: BUILT_SHA, dryRun: false, lockWaitMs: 200 }), (error: Error) => error instanceof InputFileError && /ledger\.json: is locked by another record \(ledger\.json\.lock for over 0\.2 s; remove it if no record runs\)$/.test(error.message));
        assert.equal(fs.readFileSync(ledger, "utf8"), text);
    });

    it("records run at once all land; a link where a new ledger is written is never written through", async function () {
        const dir = projectWithLedger();
        const ledger = path.join(dir, "releases", "ledger.json");
        const victim = path.join(dir, "victim.txt");
        fs.writeFileSync(victim, "untouched");
        fs.symlinkSync(victim, `${ledger}.partial`);
        const digests = Array.from({ length: 6 }, (_, index) => `sha256:${String(index).repeat(64)}`);
        const runs = await Promise.all(digests.map((digest) => runTool(["record", "published", "--service", "api", "--digest", digest, "--sha", BUILT_SHA, "--project-dir", dir])));
        assert.deepEqual(runs.map((run) => run.status), digests.map(() => 0), runs.map((run) => run.stderr).join(""));
        const recorded = readLedger(ledger).entries.map((entry) => entry.digest);
        assert.deepEqual(digests.filter((digest) => !recorded.includes(digest)), []);
        assert.equal(fs.readFileSync(victim, "utf8"), "untouched");
        assert.ok(!fs.lstatSync(ledger).isSymbolicLink());
    });

    it("a smoke report that claims success without having checked /version is no proof", async function () {
        const dir = projectWithLedger();
        await runTool(["record", "published", "--service", "api", "--digest", DIGEST, "--sha", BUILT_SHA, "--project-dir", dir]);
        const report = path.join(dir, "smoke.json");
        fs.writeFileSync(report, JSON.stringify({ command: "smoke", checks: [], exitCode: 0, verdict: "smoke passed", expected: { service: "api", digest: DIGEST, sha: BUILT_SHA } }));
        const run = await runTool(["record", "verified", "--stack", "staging", "--smoke", report, "--images", imagesFile(dir, DIGEST), "--project-dir", dir]);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /record refused: the smoke test of api did not pass/);
    });

    it("a credential as --by, or in $USER, never reaches the committed ledger", async function () {
        const dir = projectWithLedger();
        const canary = "ghp_CANARYrecord000000000000000000000000";
        const given = await runTool(["record", "published", "--service", "api", "--digest", DIGEST, "--sha", BUILT_SHA, "--by", canary, "--project-dir", dir]);
        assert.equal(given.status, 2);
        assert.ok(!given.stderr.includes(canary));
        const fromEnv = await runTool(["record", "published", "--service", "api", "--digest", DIGEST, "--sha", BUILT_SHA, "--project-dir", dir], { env: { USER: canary, GITHUB_ACTOR: "", GITHUB_RUN_ID: "" } });
        assert.equal(fromEnv.status, 0, fromEnv.stderr);
        assert.ok(!fs.readFileSync(path.join(dir, "releases", "ledger.json"), "utf8").includes(canary));
    });
});
