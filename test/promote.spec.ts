import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { promote, PromoteOptions, PromotionRefused } from "../tools/promote";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/* `promote` on copies of the real stack files: what changes in the target file, and what never does. */

const NEW_DIGEST = `sha256:${"4e".repeat(32)}`;
const OLD_API = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:1.4.2@sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287";

/** A project folder holding copies of Pulumi.yaml, the three stack files and the release ledger. */
function projectCopy(): string {
    const dir = scratchDir("platform-promote-");
    fs.mkdirSync(path.join(dir, "releases"));
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "releases/ledger.json"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
    return dir;
}

/** What the release flow records once a build was published and `up` plus smoke passed with it in `stack`. */
function prove(dir: string, stack: string, service: string, digest: string, sha = "9f8e7d6"): void {
    const file = path.join(dir, "releases", "ledger.json");
    const ledger = JSON.parse(fs.readFileSync(file, "utf8")) as { entries: object[] };
    const at = "2026-12-08T10:00:00Z";
    ledger.entries.push({ event: "published", service, digest, sha, at }, { event: "verified", service, digest, sha, stack, at });
    fs.writeFileSync(file, JSON.stringify(ledger));
}

function edit(dir: string, file: string, from: string, to: string): void {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    assert.ok(text.includes(from), from);
    fs.writeFileSync(path.join(dir, file), text.replace(from, to));
}

/** The lines of `after` that differ from `before` (same length expected), as [old, new] pairs. */
function changedLines(before: string, after: string): [string, string][] {
    const old = before.split("\n");
    const next = after.split("\n");
    assert.equal(next.length, old.length, "no line added or removed");
    return old.flatMap((line, index) => (line === next[index] ? [] : [[line, next[index]] as [string, string]]));
}

function options(dir: string, overrides: Partial<PromoteOptions>): PromoteOptions {
    return { projectDir: dir, to: "prod", services: [], images: [], previous: false, dryRun: false, ...overrides };
}

describe("promote", function () {
    this.timeout(60_000);

    it("writes the digest staging runs into prod, keeping prod's repository, comments and layout", function () {
        const dir = projectCopy();
        prove(dir, "staging", "api", NEW_DIGEST);
        edit(dir, "Pulumi.staging.yaml", OLD_API, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:9f8e7d6@${NEW_DIGEST}`);
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const result = promote(options(dir, { from: "staging" }));
        const after = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        assert.deepEqual(changedLines(before, after), [[
            "      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:1.4.2@sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287",
            `      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:9f8e7d6@${NEW_DIGEST}`,
        ]]);
        assert.deepEqual(result.changes.map((change) => change.service), ["api"]);
        assert.deepEqual(result.unchanged, ["worker"]);
        assert.ok(after.startsWith("# Prod: highly available"), "the comments stay");
    });

    it("--service limits the promotion; --dry-run writes nothing", function () {
        const dir = projectCopy();
        prove(dir, "staging", "api", NEW_DIGEST);
        edit(dir, "Pulumi.staging.yaml", OLD_API, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api@${NEW_DIGEST}`);
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const dry = promote(options(dir, { from: "staging", services: ["api"], dryRun: true }));
        assert.equal(dry.written, false);
        assert.equal(dry.changes[0].after, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api@${NEW_DIGEST}`);
        assert.equal(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), before);
        assert.deepEqual(promote(options(dir, { from: "staging", services: ["worker"] })).changes, []);
    });

    it("refuses a source that runs a tag without a digest, and writes nothing", function () {
        const dir = projectCopy();
        edit(dir, "Pulumi.staging.yaml", OLD_API, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:1.5.0");
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        assert.throws(() => promote(options(dir, { from: "staging" })), (error: Error) => error instanceof PromotionRefused && /staging's api runs .*:1\.5\.0", a tag without a digest/.test(error.message));
        assert.equal(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), before);
    });

    it("dev builds api from source: its digest comes from its serviceImages output, or the promotion is refused", function () {
        const dir = projectCopy();
        assert.throws(() => promote(options(dir, { from: "dev", to: "staging" })), /dev builds api from source: .*pass --images/);
        const outputs = path.join(dir, "dev-images.json");
        fs.writeFileSync(outputs, JSON.stringify({ api: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api:3f2c9d0@${NEW_DIGEST}`, worker: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/worker:1.4.2@sha256:53b73b80c384489d29b45db0b701a8b6f62ac352dcd49d106ab3a2308d07a64b" }));
        prove(dir, "dev", "api", NEW_DIGEST, "3f2c9d0");
        const result = promote(options(dir, { from: "dev", to: "staging", images: [outputs] }));
        assert.deepEqual(result.changes.map((change) => [change.service, change.after]), [["api", `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:3f2c9d0@${NEW_DIGEST}`]]);
    });

    it("leaves every other byte alone: secure values, quoting, comments and their spacing", function () {
        const dir = projectCopy();
        const file = path.join(dir, "Pulumi.staging.yaml");
        const extra = "  platform:jwtSecret:\n    secure: v1:c2FsdHNhbHQ=:dGhpcyBpcyBub3QgcmVhbA==\n  platform:apiKeys:\n    stripe:\n      secure: \"v1:abc:def\"   # two spaces before this comment\n";
        fs.writeFileSync(file, `encryptionsalt: v1:Y2FmZWJhYmU=:v1:AAAA:BBBB\n${fs.readFileSync(file, "utf8").replace(`image: ${OLD_API}`, `image: "${OLD_API}"   # quoted`)}${extra}`);
        const before = fs.readFileSync(file, "utf8");
        prove(dir, "dev", "api", NEW_DIGEST);
        promote(options(dir, { to: "staging", services: ["api"], digest: NEW_DIGEST }));
        assert.deepEqual(changedLines(before, fs.readFileSync(file, "utf8")), [[
            `      image: "${OLD_API}"   # quoted`,
            `      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api@${NEW_DIGEST}"   # quoted`,
        ]]);
    });

    it("a service dev builds from source runs a published digest instead, in the place of its build entry", function () {
        const dir = projectCopy();
        const file = path.join(dir, "Pulumi.dev.yaml");
        const before = fs.readFileSync(file, "utf8");
        assert.throws(() => promote(options(dir, { to: "dev", services: ["api"], digest: NEW_DIGEST })), /dev builds api from source; pass --repository/);
        promote(options(dir, { to: "dev", services: ["api"], digest: NEW_DIGEST, tag: "3f2c9d0", repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api" }));
        assert.equal(fs.readFileSync(file, "utf8"), before.replace("      build:\n        context: services/api\n", `      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api:3f2c9d0@${NEW_DIGEST}\n`));
    });

    it("--repository naming the repository a service already runs is accepted (the release workflow passes it for every service); another one is refused", function () {
        const dir = projectCopy();
        const file = path.join(dir, "Pulumi.dev.yaml");
        const worker = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/worker";
        const result = promote(options(dir, { to: "dev", services: ["worker"], digest: NEW_DIGEST, tag: "3f2c9d0", repository: worker }));
        assert.deepEqual(result.changes.map((change) => change.after), [`${worker}:3f2c9d0@${NEW_DIGEST}`]);
        const before = fs.readFileSync(file, "utf8");
        assert.throws(() => promote(options(dir, { to: "dev", services: ["worker"], digest: `sha256:${"7d".repeat(32)}`, repository: `${worker}-other` })), /--repository names another repository than the one dev's worker runs/);
        assert.equal(fs.readFileSync(file, "utf8"), before);
    });

    it("--previous rolls back to the newest earlier digest in the stack exports", function () {
        const dir = projectCopy();
        const current = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:1.4.2@sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287";
        const exportOf = (image: string, version: number): string => {
            const file = path.join(dir, `export-${version}.json`);
            fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod", type: "pulumi:pulumi:Stack", outputs: { serviceImages: { api: image }, kubeconfig: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" } } }] } }));
            return file;
        };
        const previous = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:1.4.1@sha256:${"0b".repeat(32)}`;
        prove(dir, "prod", "api", `sha256:${"0b".repeat(32)}`);
        const result = promote(options(dir, { services: ["api"], previous: true, images: [exportOf(current, 12), exportOf(current, 11), exportOf(previous, 10)] }));
        assert.equal(result.changes[0].after, previous);
        assert.throws(() => promote(options(dir, { services: ["api"], previous: true, images: [exportOf(previous, 9), exportOf(previous, 8)] })), /no earlier digest of api than the one prod runs now/);
    });

    it("--previous takes what runs now from the state, not from the stack file (the record pull request may not be merged)", function () {
        const dir = projectCopy();
        const exportOf = (digest: string, version: number): string => {
            const file = path.join(dir, `images-${version}.json`);
            fs.writeFileSync(file, JSON.stringify({ api: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:x@${digest}` }));
            return file;
        };
        // The stack file still says c2c4… (1.4.2); the state says prod has run NEW_DIGEST since.
        prove(dir, "staging", "api", NEW_DIGEST);
        const result = promote(options(dir, { services: ["api"], previous: true, images: [exportOf(NEW_DIGEST, 3), exportOf("sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287", 2)] }));
        assert.deepEqual(result.changes.map((change) => change.digest), ["sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287"], "back to 1.4.2, not to what already runs");
    });

    it("prod takes only a digest staging verified; staging only one dev verified or prod ran; rollback to what prod ran is allowed", function () {
        const dir = projectCopy();
        const unproven = `sha256:${"5a".repeat(32)}`;
        assert.throws(() => promote(options(dir, { to: "prod", services: ["api"], digest: unproven })), (error: Error) => error instanceof PromotionRefused && /^prod runs api@sha256:5a5a5a5a5a5a…, which staging never verified: prod runs only what staging proved/.test(error.message));
        assert.throws(() => promote(options(dir, { to: "staging", services: ["api"], digest: unproven })), /staging runs api@sha256:5a5a5a5a5a5a…, which dev never verified and prod never ran/);
        // Verified in dev: a candidate for staging, still not for prod.
        prove(dir, "dev", "api", unproven);
        assert.equal(promote(options(dir, { to: "staging", services: ["api"], digest: unproven })).changes.length, 1);
        assert.throws(() => promote(options(dir, { to: "prod", services: ["api"], digest: unproven })), /which staging never verified/);
        prove(dir, "staging", "api", unproven);
        assert.equal(promote(options(dir, { to: "prod", services: ["api"], digest: unproven })).changes.length, 1);
        // Back to what prod ran before (adopted when the ledger began).
        assert.equal(promote(options(dir, { to: "prod", services: ["api"], digest: "sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287" })).changes.length, 1);
        // Dev runs anything.
        assert.equal(promote(options(dir, { to: "dev", services: ["worker"], digest: `sha256:${"6c".repeat(32)}` })).changes.length, 1);
    });

    it("a missing or forged ledger stops a promotion to staging or prod (exit 2), never lets it through", async function () {
        const dir = projectCopy();
        const ledger = path.join(dir, "releases", "ledger.json");
        const text = fs.readFileSync(ledger, "utf8");
        // A verified entry with no published build behind it: one file edited by hand does not make a proof.
        const forged = JSON.parse(text) as { entries: object[] };
        forged.entries.push({ event: "verified", service: "api", digest: NEW_DIGEST, sha: "9f8e7d6", stack: "staging", at: "2026-12-08T10:00:00Z" });
        fs.writeFileSync(ledger, JSON.stringify(forged));
        const run = await runTool(["promote", "--to", "prod", "--service", "api", "--digest", NEW_DIGEST, "--project-dir", dir]);
        assert.equal(run.status, 2);
        assert.match(run.stderr.trim(), /^error: .*ledger\.json: entries\[8\]: staging verified api@sha256:4e4e4e4e4e4e…, which no published entry names$/);
        fs.rmSync(ledger);
        const missing = await runTool(["promote", "--to", "prod", "--service", "api", "--digest", NEW_DIGEST, "--project-dir", dir]);
        assert.equal(missing.status, 2);
        assert.equal(missing.stderr.split("\n").filter(Boolean).length, 1, missing.stderr);
        assert.match(missing.stderr, /release ledger releases\/ledger\.json is missing/);
    });

    it("never writes a tag shaped like a credential into the committed stack file", function () {
        const dir = projectCopy();
        const canary = "ghp_CANARYpromote00000000000000000000000";
        const current = path.join(dir, "current.json");
        const earlier = path.join(dir, "earlier.json");
        fs.writeFileSync(current, JSON.stringify({ api: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:1.4.2@sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287` }));
        fs.writeFileSync(earlier, JSON.stringify({ api: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api:${canary}@${NEW_DIGEST}` }));
        prove(dir, "prod", "api", NEW_DIGEST);
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        assert.throws(() => promote(options(dir, { services: ["api"], previous: true, images: [current, earlier] })), (error: Error) => error instanceof PromotionRefused && /has a tag that looks like a credential/.test(error.message) && !error.message.includes(canary));
        assert.equal(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"), before);
    });

    it("reads --images only from a regular file of bounded size, or stdin", function () {
        const dir = projectCopy();
        assert.throws(() => promote(options(dir, { from: "dev", to: "staging", images: ["/dev/zero"] })), /\/dev\/zero: is a character device; expected a regular file/);
        assert.throws(() => promote(options(dir, { from: "dev", to: "staging", images: [dir] })), /is a directory/);
    });

    it("on the command line: markdown for the pull request, exit 1 for a refusal, exit 2 for a tag given as a digest", async function () {
        const dir = projectCopy();
        prove(dir, "staging", "api", NEW_DIGEST);
        edit(dir, "Pulumi.staging.yaml", OLD_API, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:9f8e7d6@${NEW_DIGEST}`);
        const run = await runTool(["promote", "--from", "staging", "--to", "prod", "--project-dir", dir, "--format", "markdown"]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^## promote api from staging to prod\n/);
        assert.match(run.stdout, new RegExp(`\\| api \\| \`[^\`]+prod/api:1\\.4\\.2@sha256:c2c4[0-9a-f]+\` \\| \`[^\`]+prod/api:9f8e7d6@${NEW_DIGEST}\` \\|`));

        const refused = await runTool(["promote", "--from", "staging", "--to", "prod", "--service", "billing", "--project-dir", dir]);
        assert.equal(refused.status, 1);
        assert.equal(refused.stderr.trim(), "promote refused: staging runs no service named billing");

        const tag = await runTool(["promote", "--to", "prod", "--service", "api", "--digest", "1.5.0", "--project-dir", dir]);
        assert.equal(tag.status, 2);
        assert.match(tag.stderr.trim(), /^error: --digest takes sha256:<64 lower-case hex> \(a tag is not a digest\); got .* \(see --help\)$/);
    });
});
