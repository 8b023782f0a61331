import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { fake, fragments } from "../policies/test-support/fake-secrets";
import { detectSecretFormats } from "../policies/lib/secret-detection";
import { ScratchRepo } from "./support/git-repo";
import { scratchDir } from "./support/scratch";
import { runTool, ToolRun } from "./support/tools-cli";

/*
 * release-notes prints what people wrote in commit messages and migration headers: a credential pasted
 * there must not reach stdout, stderr or an --output file, whole or in part, in either format. Canaries are
 * planted in every place a text is taken from (subject, scope, body risk line, BREAKING CHANGE footer, a
 * non-conventional subject, migration summary and justification, a tag used as --to, a ref that resolves to
 * nothing) and at the edges where a text is cut: the 200-character display limit, the 2,000-character read
 * limit, and right after a control character that the output escapes.
 */

const CANARY = {
    subject: fake("ghp_", 36, "CanaryRnSubject0"),
    scope: fake("AKIA", 16, "CANARY0RN0SCOPE0"),
    risk: fake("sk_live_", 24, "CanaryRnRisk0"),
    footer: fake("ghp_", 36, "CanaryRnFooter0"),
    other: fake("AIza", 35, "CanaryRnOther0-_"),
    afterEscape: fake("ghp_", 36, "CanaryRnEscape0"),
    atDisplayCut: fake("ghp_", 36, "CanaryRnDisplay0"),
    atReadCut: fake("ghp_", 36, "CanaryRnReadCut0"),
    migrationSummary: fake("ghp_", 36, "CanaryRnSummary0"),
    migrationJustification: fake("AKIA", 16, "CANARY0RN0JUSTIF"),
    tag: fake("ghp_", 36, "CanaryRnTagName0"),
    missingRef: fake("ghp_", 36, "CanaryRnMissing0"),
} as const;

interface Run {
    readonly label: string;
    readonly texts: Readonly<Record<string, string>>;
}

async function run(label: string, args: readonly string[], expectedStatus: number): Promise<Run> {
    const out = scratchDir("platform-release-notes-canary-out-");
    const files = { json: path.join(out, "notes.json"), markdown: path.join(out, "notes.md") };
    const result: ToolRun = await runTool(["release-notes", ...args, "--format", "json", "--output", `json=${files.json}`, "--output", `markdown=${files.markdown}`]);
    assert.equal(result.status, expectedStatus, `${label}: ${result.stderr}`);
    const texts: Record<string, string> = { stdout: result.stdout, stderr: result.stderr };
    for (const [format, file] of Object.entries(files)) if (fs.existsSync(file)) texts[format] = fs.readFileSync(file, "utf8");
    return { label, texts };
}

function leaks(result: Run): string[] {
    const found: string[] = [];
    for (const [name, secret] of Object.entries(CANARY)) {
        for (const [where, text] of Object.entries(result.texts)) {
            const piece = fragments(secret, 8).find((fragment) => text.includes(fragment));
            if (piece !== undefined) found.push(`${result.label}: ${name} in ${where} ("${piece.slice(0, 3)}…")`);
        }
    }
    return found;
}

describe("release-notes: no credential from commit text reaches an output", function () {
    this.timeout(120_000);
    let repo: ScratchRepo;

    before(function () {
        for (const [name, secret] of Object.entries(CANARY)) assert.ok(detectSecretFormats(secret).length > 0, `${name} has a credential's shape`);
        repo = new ScratchRepo("platform-release-notes-canary-");
        repo.commit("chore: start\n", { "Pulumi.yaml": "name: platform\n" });
        repo.git("tag", "start");
        repo.commit(`feat(api): the key ${CANARY.subject} was rotated\n`);
        repo.commit(`fix(${CANARY.scope}): a scope that is a key\n`);
        repo.commit(`fix: the cache\n\nrisk: the old key ${CANARY.risk} stops working\n`);
        repo.commit(`refactor: keys\n\nBREAKING CHANGE: set ${CANARY.footer} in the new place\n`);
        repo.commit(`Rotated ${CANARY.other} by hand\n`);
        repo.commit(`docs: \x1b${CANARY.afterEscape} after an escape, and \u0007${CANARY.afterEscape}\n`);
        repo.commit(`docs: ${"x".repeat(185)} ${CANARY.atDisplayCut} straddles the display limit\n`);
        repo.commit(`docs: ${"word ".repeat(397)}${CANARY.atReadCut} straddles the read limit\n`);
        const migration = [
            `-- summary: the key ${CANARY.migrationSummary} moves`,
            "-- parent: base",
            "-- contract: destructive",
            `-- no_downgrade: the old key ${CANARY.migrationJustification} is gone for good`,
            "",
            "-- migrate:up",
            "SELECT 1;",
            "",
            "-- migrate:down",
            "",
        ].join("\n");
        repo.commit("feat(db): a migration\n", { "services/api/db/migrations/20261201090000_keys.sql": migration });
        repo.git("tag", CANARY.tag);
    });

    it("in every text of the notes, in JSON and Markdown, on stdout and in --output files", async function () {
        const result = await run("notes", ["--from", "start", "--to", CANARY.tag, "--project-dir", repo.dir], 0);
        assert.deepEqual(leaks(result), []);
        // The notes are still there, with the credentials masked: nothing was dropped wholesale.
        const notes = JSON.parse(result.texts.stdout) as { changes: { commits: { subject: string; risk?: string; breakingNote?: string }[] }[]; migrations: { summary?: string }[] };
        const commits = notes.changes.flatMap((group) => group.commits);
        assert.equal(commits.length, 9);
        assert.ok(commits.some((commit) => /^the key \S+ was rotated$/.test(commit.subject)), JSON.stringify(commits.map((commit) => commit.subject)));
        assert.ok(commits.some((commit) => commit.risk !== undefined && /^the old key \S+ stops working$/.test(commit.risk)));
        assert.ok(commits.some((commit) => commit.breakingNote !== undefined && /^set \S+ in the new place$/.test(commit.breakingNote)));
        assert.match(notes.migrations[0].summary ?? "", /^the key \S+ moves$/);
        assert.match(result.texts.markdown, /### ⚠️ Breaking changes/);
    });

    it("in the one line of a ref that names no commit", async function () {
        const result = await run("missing ref", ["--from", CANARY.missingRef, "--project-dir", repo.dir], 2);
        assert.deepEqual(leaks(result), []);
        assert.match(result.texts.stderr, /^error: --from text of 40 characters names no commit of the repository/);
    });
});
