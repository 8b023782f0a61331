import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CHANGE_TYPES, parseCommitMessage, shownText } from "../tools/release-notes/commits";
import { refShapeProblem } from "../tools/release-notes/git";
import { RELEASE_NOTES_HELP, RELEASE_NOTES_LIMITS, ReleaseNotes } from "../tools/release-notes";
import { ScratchRepo } from "./support/git-repo";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

/*
 * `release-notes --from <ref> --to <ref>`: the notes of a throwaway repository built commit by commit (every
 * section from known commits), this repository's own recent history, the bounds (a range over the commit
 * limit, a message over the size limit, a subject over the display limit) and hostile refs and folders, each
 * one line and exit 2. The canaries (credentials in commit text) are test/release-notes-secrets.spec.ts.
 */

const DIGEST_A = `sha256:${"a1".repeat(32)}`;
const DIGEST_B = `sha256:${"b2".repeat(32)}`;
const DIGEST_C = `sha256:${"c3".repeat(32)}`;

const PROJECT = "name: platform\nruntime: nodejs\n";
const DEV_STACK = [
    "config:",
    "  aws:region: eu-west-1",
    "  platform:services:",
    "    - name: api",
    "      build:",
    "        context: services/api",
    "      port: 8080",
    "    - name: worker",
    `      image: registry.example.com/worker:1.4.2@${DIGEST_C}`,
    "      port: 8081",
    "",
].join("\n");

function migration(header: string[], up: string, down = ""): string {
    return [...header, "", "-- migrate:up", up, "", "-- migrate:down", down, ""].join("\n");
}

const CREATE = migration(["-- summary: the accounts the api serves", "-- parent: base", "-- contract: safe_online"], "CREATE TABLE accounts (id bigint PRIMARY KEY, full_name text);", "DROP TABLE accounts;");
const ADD = migration(["-- summary: accounts get a display name", "-- parent: 20261201090000", "-- contract: safe_online"], "ALTER TABLE accounts ADD COLUMN display_name text;", "ALTER TABLE accounts DROP COLUMN display_name;");
const DROP = migration(["-- summary: full_name is gone", "-- parent: 20261202090000", "-- contract: destructive", "-- no_downgrade: dropping the column discards its values for good"], "ALTER TABLE accounts DROP COLUMN full_name;");
const BAD = migration(["-- summary: a header with a misspelt key", "-- parent: 20261203090000", "-- contarct: safe_online"], "SELECT 1;", "SELECT 1;");

function ledger(entries: readonly Record<string, string>[]): string {
    return `${JSON.stringify({ version: 1, project: "platform", entries }, null, 2)}\n`;
}

interface Sample {
    readonly repo: ScratchRepo;
    readonly base: string;
    readonly feat: string;
    readonly fix: string;
    readonly bang: string;
    readonly footer: string;
    readonly hostile: string;
    readonly merge: string;
    readonly head: string;
}

/** The sample history: tag v1, then one commit per case, tag v2. */
function sampleRepository(): Sample {
    const repo = new ScratchRepo("platform-release-notes-");
    const base = repo.commit("chore: the platform as it was at v1\n", {
        "Pulumi.yaml": PROJECT,
        "Pulumi.dev.yaml": DEV_STACK,
        "services/api/server.js": "// v1\n",
        "services/api/db/migrations/20261201090000_create_accounts.sql": CREATE,
        "releases/ledger.json": ledger([{ event: "adopted", service: "worker", digest: DIGEST_C, stack: "dev", at: "2026-12-01T00:00:00Z" }]),
        "README.md": "# sample\n",
    });
    repo.git("tag", "v1");
    const feat = repo.commit("feat(api): accounts get a display name\n\nThe api reads and writes display_name.\n", { "services/api/server.js": "// display names\n" });
    const fix = repo.commit("fix: an empty name is refused\n\nSome context first.\nrisk: the cache is cold for about five minutes after the deploy\nRisk: a second risk line is not quoted\n");
    const bang = repo.commit("feat(api)!: the v1 endpoints are gone\n");
    const footer = repo.commit("refactor(config): one key for the region\n\nBREAKING CHANGE: platform:regionName is now platform:region\n");
    repo.commit("Update README\n", { "README.md": "# sample, updated\n" });
    repo.commit("wip: half of something\n");
    repo.commit("feat(db): the display name migrations\n", {
        "services/api/db/migrations/20261202090000_add_display_name.sql": ADD,
        "services/api/db/migrations/20261203090000_drop_full_name.sql": DROP,
        "services/api/db/migrations/20261204090000_misspelt.sql": BAD,
        "services/api/db/migrations/20261201090000_create_accounts.sql": CREATE.replace("full_name text", "full_name text NOT NULL"),
    });
    repo.commit("chore: a folder no stack names\n", { "services/legacy/run.sh": "#!/bin/sh\n" });
    const hostile = repo.commit("docs: \x1b[31mred\x1b[0m <script>alert(1)</script> [a link](https://example.com) | a cell | **bold** \u202eevil\n");
    repo.git("checkout", "--quiet", "-b", "side");
    repo.commit("perf(api): answers cached\n", { "services/api/cache.js": "// cache\n" });
    repo.git("checkout", "--quiet", "main");
    repo.commit("test: a spec for the cache\n");
    repo.git("-c", "user.name=Spec", "-c", "user.email=spec@example.com", "merge", "--quiet", "--no-ff", "--no-edit", "side");
    const merge = repo.head();
    const head = repo.commit("release: record what dev runs\n", {
        "releases/ledger.json": ledger([
            { event: "adopted", service: "worker", digest: DIGEST_C, stack: "dev", at: "2026-12-01T00:00:00Z" },
            { event: "published", service: "api", digest: DIGEST_A, sha: feat, at: "2026-12-02T00:00:00Z" },
            { event: "verified", service: "api", digest: DIGEST_A, sha: feat, stack: "dev", at: "2026-12-02T01:00:00Z" },
            { event: "published", service: "api", digest: DIGEST_B, sha: base.slice(0, 12), at: "2026-12-01T00:00:00Z" },
        ]),
    });
    repo.git("tag", "v2");
    return { repo, base, feat, fix, bang, footer, hostile, merge, head };
}

function assertOk(run: ToolRun): void {
    assert.equal(run.status, 0, run.stderr);
}

/** Exit 2, one `error:` line on stderr, no stack trace, nothing on stdout. */
function assertRefused(run: ToolRun, pattern: RegExp): void {
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    const lines = run.stderr.split("\n").filter((line) => line !== "");
    assert.equal(lines.length, 1, `one line:\n${run.stderr}`);
    assert.match(lines[0], /^error: /);
    assert.match(lines[0], pattern);
    assert.ok(!/\n\s+at /.test(run.stderr), "no stack trace");
    assert.equal(run.stdout, "");
}

function notesOf(run: ToolRun): ReleaseNotes {
    assertOk(run);
    return JSON.parse(run.stdout) as ReleaseNotes;
}

describe("release-notes", function () {
    this.timeout(120_000);
    let sample: Sample;
    let json: ReleaseNotes;
    let markdown: string;

    before(async function () {
        sample = sampleRepository();
        const dir = sample.repo.dir;
        json = notesOf(await runTool(["release-notes", "--from", "v1", "--to", "v2", "--project-dir", dir, "--format", "json"]));
        const run = await runTool(["release-notes", "--from", "v1", "--to", "v2", "--project-dir", dir]);
        assertOk(run);
        markdown = run.stdout;
    });

    describe("the notes of a sample history (v1..v2)", function () {
        it("resolves both refs to commits and counts the range, merge commits counted but not listed", function () {
            assert.equal(json.command, "release-notes");
            assert.equal(json.range.from.ref, "v1");
            assert.equal(json.range.from.sha, sample.base);
            assert.equal(json.range.to.sha, sample.head);
            assert.equal(json.range.mergeBase, sample.base);
            assert.equal(json.commits.total, 13);
            assert.equal(json.commits.read, 13);
            assert.equal(json.commits.merges, 1);
            assert.equal(json.commits.truncated, false);
            const listed = json.changes.flatMap((group) => group.commits.map((commit) => commit.sha));
            assert.equal(listed.length, 12);
            assert.ok(!listed.includes(sample.merge), "the merge commit is not a change");
            assert.deepEqual(json.notes, []);
        });

        it("groups the changes by type in the fixed order, newest first, anything else under other", function () {
            const types = json.changes.map((group) => group.type);
            assert.deepEqual(types, CHANGE_TYPES.filter((type) => types.includes(type)), "in CHANGE_TYPES order");
            assert.deepEqual(types, ["feat", "fix", "perf", "refactor", "docs", "test", "chore", "other"]);
            const subjects = (type: string): string[] => json.changes.find((group) => group.type === type)?.commits.map((commit) => commit.subject) ?? [];
            assert.deepEqual(subjects("feat"), ["the display name migrations", "the v1 endpoints are gone", "accounts get a display name"]);
            assert.deepEqual(subjects("other"), ["release: record what dev runs", "wip: half of something", "Update README"]);
            const feat = json.changes[0].commits[2];
            assert.equal(feat.sha, sample.feat);
            assert.equal(feat.scope, "api");
            assert.ok(sample.feat.startsWith(feat.short) && feat.short.length >= 7, "a short hash of the commit");
        });

        it("marks breaking changes by ! and by a BREAKING CHANGE footer, and lists them first", function () {
            const breaking = json.changes.flatMap((group) => group.commits).filter((commit) => commit.breaking);
            assert.deepEqual(breaking.map((commit) => commit.sha).sort(), [sample.bang, sample.footer].sort());
            assert.equal(breaking.find((commit) => commit.sha === sample.footer)?.breakingNote, "platform:regionName is now platform:region");
            const first = markdown.indexOf("### ⚠️ Breaking changes");
            assert.ok(first > 0 && first < markdown.indexOf("### Changes"), "the breaking section comes before the changes");
            assert.match(markdown, /- \*\*refactor\(config\):\*\* one key for the region \(`[0-9a-f]{7,}`\)\n {2}- platform:regionName is now platform:region/);
            assert.match(markdown, /- \*\*feat\(api\):\*\* the v1 endpoints are gone/);
            assert.match(markdown, /- ⚠️ \*\*api:\*\* the v1 endpoints are gone/);
        });

        it("lists the services whose folder changed, configured or not, and the configured ones not touched", function () {
            assert.deepEqual(json.services.touched, [
                { name: "api", files: 6, configured: true },
                { name: "legacy", files: 1, configured: false },
            ]);
            assert.deepEqual(json.services.untouched, [{ name: "worker", prebuilt: true }]);
            assert.match(markdown, /- \*\*api\*\*: 6 files changed under `services\/api\/`\n/);
            assert.match(markdown, /- \*\*legacy\*\*: 1 file changed under `services\/legacy\/` \(no stack's platform:services names it\)/);
            assert.match(markdown, /Not touched: worker \(runs a prebuilt image\)\./);
        });

        it("lists the migrations added with their declared contract and way back, by migrations-check's parser", function () {
            assert.deepEqual(json.migrations.map((entry) => [entry.id, entry.contract, entry.downgrade, entry.noDowngrade ?? null]), [
                ["20261202090000_add_display_name", "safe_online", true, null],
                ["20261203090000_drop_full_name", "destructive", false, "dropping the column discards its values for good"],
                ["20261204090000_misspelt", "not read", false, null],
            ]);
            assert.equal(json.migrations[0].summary, "accounts get a display name");
            assert.equal(json.migrations[0].file, "services/api/db/migrations/20261202090000_add_display_name.sql");
            assert.match(json.migrations[2].problem ?? "", /^line 3: unknown key "contarct"/);
            assert.ok(!json.migrations.some((entry) => entry.id === "20261201090000_create_accounts"), "a changed migration is not an added one");
            assert.ok(markdown.includes("| api | `20261202090000_add_display_name` | `safe_online` | downgrade | accounts get a display name |"), markdown);
            assert.ok(markdown.includes("| api | `20261203090000_drop_full_name` | `destructive` | `no_downgrade`: dropping the column discards its values for good | full\\_name is gone |"), markdown);
        });

        it("collects the known risks: breaking commits, the first risk: line, destructive and changed migrations", function () {
            const risks = json.risks.map((risk) => `${risk.kind} ${risk.sha === undefined ? "" : risk.sha.slice(0, 7)} ${risk.text}`);
            assert.ok(risks.includes(`risk ${sample.fix.slice(0, 7)} the cache is cold for about five minutes after the deploy`), risks.join("\n"));
            assert.ok(!risks.some((risk) => risk.includes("second risk line")), "one risk line per commit");
            assert.ok(risks.includes(`breaking ${sample.bang.slice(0, 7)} the v1 endpoints are gone`));
            assert.ok(risks.includes(`breaking ${sample.footer.slice(0, 7)} platform:regionName is now platform:region`));
            assert.ok(risks.some((risk) => /^migration {2}services\/api\/db\/migrations\/20261203090000_drop_full_name\.sql is destructive/.test(risk)));
            assert.ok(risks.some((risk) => /20261201090000_create_accounts\.sql was changed in the range/.test(risk)));
            assert.ok(risks.some((risk) => /20261204090000_misspelt\.sql declares no known contract/.test(risk)));
            assert.match(markdown, /- `[0-9a-f]{7,}` \*\*risk\*\*: the cache is cold for about five minutes after the deploy/);
        });

        it("lists the digests the ledger at --to published from a commit of the range, with the stacks that verified them", function () {
            assert.equal(json.digests.source, "releases/ledger.json at v2");
            assert.deepEqual(json.digests.promoted, [{ service: "api", digest: DIGEST_A, sha: sample.feat, at: "2026-12-02T00:00:00Z", verifiedIn: ["dev"] }]);
            assert.match(markdown, new RegExp(`\\| api \\| \`${DIGEST_A}\` \\| \`${sample.feat.slice(0, 12)}\` \\| dev \\|`));
        });

        it("reads another ledger with --ledger, abbreviated commits included", async function () {
            const file = path.join(scratchDir("platform-release-notes-ledger-"), "ledger.json");
            fs.writeFileSync(file, ledger([{ event: "published", service: "api", digest: DIGEST_B, sha: sample.fix.slice(0, 9), at: "2026-12-03T00:00:00Z" }]));
            const notes = notesOf(await runTool(["release-notes", "--from", "v1", "--to", "v2", "--project-dir", sample.repo.dir, "--ledger", file, "--format", "json"]));
            assert.equal(notes.digests.source, file);
            assert.deepEqual(notes.digests.promoted, [{ service: "api", digest: DIGEST_B, sha: sample.fix, at: "2026-12-03T00:00:00Z", verifiedIn: [] }]);
            const none = notesOf(await runTool(["release-notes", "--from", "v1", "--to", sample.feat, "--project-dir", sample.repo.dir, "--format", "json"]));
            assert.equal(none.digests.source, "releases/ledger.json at " + sample.feat);
            assert.deepEqual(none.digests.promoted, [], "the ledger at --to has no published entry yet");
        });

        it("escapes commit text for Markdown and terminals: no control character, tag, link or cell from a message", function () {
            const line = markdown.split("\n").find((text) => text.includes("red"));
            assert.ok(line !== undefined);
            // eslint-disable-next-line no-control-regex -- control characters are what must not be there
            assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(markdown), "no control or bidi character");
            assert.ok(line.includes("\\x1b\\[31mred"), line);
            assert.ok(line.includes("&lt;script&gt;") && !line.includes("<script>"), line);
            assert.ok(line.includes("\\[a link\\](https://example.com)"), line);
            assert.ok(line.includes("\\| a cell \\|") && line.includes("\\*\\*bold\\*\\*"), line);
            assert.ok(line.includes("\\u202eevil"), line);
            const hostile = json.changes.flatMap((group) => group.commits).find((commit) => commit.sha === sample.hostile);
            // eslint-disable-next-line no-control-regex -- likewise
            assert.ok(hostile !== undefined && !/[\u0000-\u001f\u202e]/.test(hostile.subject), "JSON holds the printable text too");
        });

        it("writes --output files in both formats, the same text as stdout", async function () {
            const out = scratchDir("platform-release-notes-out-");
            const run = await runTool(["release-notes", "--from", "v1", "--to", "v2", "--project-dir", sample.repo.dir, "--output", `json=${path.join(out, "notes.json")}`, "--output", `markdown=${path.join(out, "notes.md")}`]);
            assertOk(run);
            assert.equal(run.stdout, markdown);
            assert.equal(fs.readFileSync(path.join(out, "notes.md"), "utf8"), markdown);
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "notes.json"), "utf8")), json);
            assert.match(run.stderr, /wrote .*notes\.json\nwrote .*notes\.md\n$/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", sample.repo.dir, "--format", "human"]), /--format must be one of markdown, json/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", sample.repo.dir, "--output", "sarif=x.sarif"]), /--output takes <format>=<file>/);
        });

        it("--to defaults to HEAD, and a range with nothing in it says so", async function () {
            const notes = notesOf(await runTool(["release-notes", "--from", "v1", "--project-dir", sample.repo.dir, "--format", "json"]));
            assert.equal(notes.range.to.ref, "HEAD");
            assert.equal(notes.range.to.sha, sample.head);
            const empty = await runTool(["release-notes", "--from", "v2", "--to", "v2", "--project-dir", sample.repo.dir]);
            assertOk(empty);
            assert.match(empty.stdout, /: 0 commits\n/);
            assert.match(empty.stdout, /No commits in the range\./);
            assert.match(empty.stdout, /No service's source folder changed\./);
        });
    });

    describe("bounds", function () {
        it(`reads at most ${RELEASE_NOTES_LIMITS.commits.toLocaleString("en-US")} commits of a larger range, newest first, and says so`, async function () {
            const repo = new ScratchRepo("platform-release-notes-many-");
            repo.commit("chore: start\n", { "Pulumi.yaml": PROJECT });
            repo.git("tag", "start");
            repo.bulkCommits(RELEASE_NOTES_LIMITS.commits + 25);
            const run = await runTool(["release-notes", "--from", "start", "--project-dir", repo.dir, "--format", "json"]);
            const notes = notesOf(run);
            assert.equal(notes.commits.total, RELEASE_NOTES_LIMITS.commits + 25);
            assert.equal(notes.commits.read, RELEASE_NOTES_LIMITS.commits);
            assert.equal(notes.commits.truncated, true);
            const chores = notes.changes.find((group) => group.type === "chore")?.commits ?? [];
            assert.equal(chores.length, RELEASE_NOTES_LIMITS.commits);
            assert.equal(chores[0].subject, `commit ${RELEASE_NOTES_LIMITS.commits + 25}`, "the newest first");
            assert.equal(chores[chores.length - 1].subject, "commit 26");
            assert.deepEqual(notes.notes, ["the range holds 5,025 commits: these notes cover its newest 5,000"]);
            assert.ok(run.ms < 60_000, `took ${run.ms} ms`);
        });

        it("cuts a long message at the size limit, a long subject or risk line at 200 characters, on one line", async function () {
            const repo = new ScratchRepo("platform-release-notes-long-");
            repo.commit("chore: start\n", { "Pulumi.yaml": PROJECT });
            repo.git("tag", "start");
            const long = `fix: ${"word ".repeat(2000)}`;
            const risk = `risk: ${"danger ".repeat(100)}`;
            const body = `${risk}\n${"x".repeat(200_000)}\nBREAKING CHANGE: beyond the limit, never read\n`;
            const sha = repo.commit(`${long}\n\n${body}`);
            const notes = notesOf(await runTool(["release-notes", "--from", "start", "--project-dir", repo.dir, "--format", "json"]));
            const commit = notes.changes[0].commits[0];
            assert.equal(commit.sha, sha);
            assert.ok(commit.subject.length <= 200 && commit.subject.endsWith("…"), commit.subject);
            assert.ok(commit.risk !== undefined && commit.risk.length <= 200 && commit.risk.startsWith("danger danger") && commit.risk.endsWith("…"), commit.risk);
            assert.equal(commit.breaking, false, "the footer past the message limit is not read");
            assert.deepEqual(notes.notes, [`1 commit message is longer than ${RELEASE_NOTES_LIMITS.messageBytes / 1024} KiB: only its first ${RELEASE_NOTES_LIMITS.messageBytes / 1024} KiB was read`]);
        });

        it("parses conventional subjects without a pattern that backtracks on hostile text", function () {
            const hostile = [`feat(${"(".repeat(50_000)}`, `feat${"!".repeat(50_000)}:`, `${"a".repeat(50_000)}(x)!:`, `fix(${"a".repeat(59)}):${" ".repeat(50_000)}`, `risk:${" \t".repeat(50_000)}x`];
            const started = Date.now();
            for (const subject of hostile) {
                const note = parseCommitMessage("0".repeat(40), "0000000", `${subject}\n\n${subject}\n`);
                assert.ok(note.subject.length <= 200);
            }
            assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
            assert.equal(parseCommitMessage("0".repeat(40), "0000000", "FEAT(API)!:  Loud\n").type, "feat");
            assert.equal(parseCommitMessage("0".repeat(40), "0000000", "feat(api) missing colon\n").type, "other");
            assert.equal(parseCommitMessage("0".repeat(40), "0000000", "feat:no blank\n").type, "other");
            assert.equal(shownText("a\nb\u0007c"), "a\\x0ab\\x07c");
        });
    });

    describe("this repository's own history", function () {
        it("writes the notes of the last 20 commits (HEAD~20..HEAD)", async function () {
            let count: number;
            try {
                execFileSync("git", ["rev-parse", "--verify", "--quiet", "HEAD~20^{commit}"], { cwd: PROJECT_DIR, stdio: "ignore" });
                count = Number(execFileSync("git", ["rev-list", "--count", "HEAD~20..HEAD"], { cwd: PROJECT_DIR, encoding: "utf8" }).trim());
            } catch {
                // A shallow CI checkout (actions/checkout fetches one commit by default) has no HEAD~20.
                this.skip();
            }
            const run = await runTool(["release-notes", "--from", "HEAD~20", "--to", "HEAD", "--format", "json", "--output", `markdown=${path.join(scratchDir("platform-release-notes-own-"), "notes.md")}`]);
            const notes = notesOf(run);
            assert.equal(notes.commits.total, count);
            assert.equal(notes.commits.read, count);
            const listed = notes.changes.reduce((sum, group) => sum + group.commits.length, 0);
            assert.equal(listed + notes.commits.merges, count);
            assert.ok(notes.changes.length > 0);
            assert.ok(notes.changes.some((group) => group.type !== "other"), "this repository writes conventional commits");
            assert.ok(notes.digests.source.startsWith("releases/ledger.json at HEAD"));
            for (const service of notes.services.touched) assert.match(service.name, /^[a-z0-9][a-z0-9-]*$/);
        });
    });

    describe("hostile refs and folders: one line, exit 2", function () {
        let dir: string;
        before(function () {
            dir = sample.repo.dir;
        });
        const cases: readonly (readonly [string, () => string[], RegExp])[] = [
            ["--from=--output=x (an option as a ref)", () => ["--from=--output=x"], /--from takes a git ref .*starts with "-"/],
            ["--from -x (an option where a value belongs)", () => ["--from", "-x"], /--from needs a value; one that starts with "-" is written --from=<value>/],
            ["--from=-x", () => ["--from=-x"], /starts with "-"/],
            ["--to=--all", () => ["--from", "v1", "--to=--all"], /--to takes a git ref .*starts with "-"/],
            ["a range as a ref", () => ["--from", "v1..v2"], /holds "\.\." \(a range/],
            ["a three-dot range", () => ["--from", "v1", "--to", "v1...v2"], /holds "\.\."/],
            ["a path inside a commit", () => ["--from", "v2:README.md"], /holds characters no ref is written with/],
            ["a ref with a space and a newline", () => ["--from", "v1 --all\nx"], /holds characters no ref is written with/],
            ["a ref that names no commit", () => ["--from", "no-such-tag"], /--from "no-such-tag" names no commit of the repository/],
            ["a ref of 10 KB", () => ["--from", "a".repeat(10_240)], /--from takes a git ref .*is 10240 characters long \(at most 256\)/],
            ["a tree, not a commit", () => ["--from", "v1^{tree}"], /names no commit/],
            ["no --from", () => [], /release-notes needs --from <ref>/],
            ["a stray argument", () => ["--from", "v1", "v2"], /unexpected argument at position 3/],
            ["an unknown option", () => ["--from", "v1", "--since=yesterday"], /unknown option --since at position 3/],
        ];
        for (const [name, args, pattern] of cases) {
            it(name, async function () {
                const cwd = scratchDir("platform-release-notes-cwd-");
                const run = await runTool(["release-notes", ...args(), "--project-dir", dir], { cwd });
                assertRefused(run, pattern);
                assert.deepEqual(fs.readdirSync(cwd), [], "nothing written");
                assert.ok(run.stderr.length < 400, "the ref is not echoed");
            });
        }

        it("a folder that is not in a git repository, or no folder", async function () {
            const plain = scratchDir("platform-release-notes-plain-");
            fs.writeFileSync(path.join(plain, "file"), "x");
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", plain], { env: { GIT_CEILING_DIRECTORIES: path.dirname(plain) } }), /is not in a git repository/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", path.join(plain, "missing")]), /no such folder \(--project-dir\)/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", path.join(plain, "file")]), /is not a folder \(--project-dir\)/);
        });

        it("a ledger that cannot be read, at --to or by --ledger", async function () {
            const broken = new ScratchRepo("platform-release-notes-ledger-");
            broken.commit("chore: start\n", { "Pulumi.yaml": PROJECT, "releases/ledger.json": "{ not json" });
            assertRefused(await runTool(["release-notes", "--from", "HEAD", "--project-dir", broken.dir]), /releases\/ledger\.json at HEAD: not valid JSON/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", dir, "--ledger", "/dev/zero"]), /\/dev\/zero: is a character device/);
            assertRefused(await runTool(["release-notes", "--from", "v1", "--project-dir", dir, "--ledger", path.join(dir, "missing.json")]), /missing\.json: no such file/);
        });

        it("ignores GIT_DIR and friends: the repository is the project folder's", async function () {
            const run = await runTool(["release-notes", "--from", "v1", "--project-dir", dir, "--format", "json"], { env: { GIT_DIR: path.join(PROJECT_DIR, ".git"), GIT_WORK_TREE: PROJECT_DIR } });
            assert.equal(notesOf(run).range.to.sha, sample.head);
        });

        it("refuses refs by shape before git sees them", function () {
            for (const ref of ["-x", "--output=x", "a..b", "a...b", "a b", "a:b", "a\u0000b", "", "x".repeat(257), "é"]) assert.ok(refShapeProblem(ref) !== undefined, JSON.stringify(ref.slice(0, 20)));
            for (const ref of ["HEAD", "HEAD~20", "main^", "v1.2.0", "origin/main", "HEAD@{1}", "a1b2c3d"]) assert.equal(refShapeProblem(ref), undefined, ref);
        });

        it("--help names every section, the limits and the exit codes", async function () {
            const run = await runTool(["release-notes", "--help"]);
            assertOk(run);
            assert.equal(run.stdout, `${RELEASE_NOTES_HELP}\n`);
            for (const word of ["--from", "--to", "--ledger", "--project-dir", "--format", "--output", "services touched", "migrations", "known risks", "digests promoted", "5,000", "Exit codes: 0"]) assert.ok(run.stdout.includes(word), word);
        });
    });
});
