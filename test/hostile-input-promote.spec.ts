import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

/**
 * Hostile input for `promote`, the command that rewrites a committed stack file: every error is one line on
 * stderr and exit 2 (exit 1 for a refusal), never a stack trace (exit 70), and leaves every file and folder
 * as it was: same bytes, same mode, same inode, no temporary file left behind. Cases that need root (chattr,
 * mount) are skipped where it is not available.
 */

const NEW_DIGEST = `sha256:${"6c".repeat(32)}`;
const WORKER_DEV = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/worker:1.4.2@sha256:53b73b80c384489d29b45db0b701a8b6f62ac352dcd49d106ab3a2308d07a64b";
const API_REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api";
const API_BUILD = "      build:\n        context: services/api\n";
/** A credential format glued to the text around it (`v_ghp_…`): detectors that look for a token's edges miss it. */
const CANARY = `ghp_${"CANARYpromote0hostile".padEnd(36, "0")}`;

/** A project folder holding copies of Pulumi.yaml, the three AWS stack files and the release ledger. */
function projectCopy(dir = scratchDir("platform-promote-hostile-")): string {
    fs.mkdirSync(path.join(dir, "releases"), { recursive: true });
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "releases/ledger.json"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
    return dir;
}

function rewrite(file: string, change: (text: string) => string): void {
    const before = fs.readFileSync(file, "utf8");
    const after = change(before);
    assert.notEqual(after, before, "the case changes the file");
    fs.writeFileSync(file, after);
}

/** Every entry under `dir`: kind, mode, inode and content hash, so that any change on disk shows. */
function snapshot(dir: string): Record<string, string> {
    const entries: Record<string, string> = {};
    const walk = (folder: string): void => {
        for (const name of fs.readdirSync(folder).sort()) {
            const file = path.join(folder, name);
            const stats = fs.lstatSync(file);
            const key = path.relative(dir, file);
            const mode = (stats.mode & 0o7777).toString(8);
            if (stats.isSymbolicLink()) entries[key] = `link -> ${fs.readlinkSync(file)}`;
            else if (stats.isDirectory()) {
                entries[key] = `folder ${mode}`;
                walk(file);
            } else entries[key] = `file ${mode} inode ${stats.ino} sha256 ${createHash("sha256").update(fs.readFileSync(file)).digest("hex")}`;
        }
    };
    walk(dir);
    return entries;
}

function promoteDev(dir: string, ...extra: string[]): Promise<ToolRun> {
    return runTool(["promote", "--to", "dev", "--service", "worker", "--digest", NEW_DIGEST, "--project-dir", dir, ...extra]);
}

/** One line on stderr, the exit code asked for, no stack trace. */
function assertOneLine(run: ToolRun, status: number, pattern: RegExp): void {
    assert.equal(run.status, status, `exit ${run.status}:\n${run.stderr}`);
    assert.ok(!/\n\s+at /.test(run.stderr), `no stack trace:\n${run.stderr}`);
    assert.equal(run.stderr.split("\n").filter((line) => line !== "").length, 1, `one line:\n${run.stderr}`);
    assert.match(run.stderr, pattern);
}

/** An error (exit 2, or 1 for a refusal) after which nothing under `dir` changed. */
async function assertNothingChanged(dir: string, run: () => Promise<ToolRun>, status: number, pattern: RegExp): Promise<ToolRun> {
    const before = snapshot(dir);
    const result = await run();
    assertOneLine(result, status, pattern);
    assert.deepEqual(snapshot(dir), before, "nothing changed on disk");
    return result;
}

function canRun(command: string, args: string[]): boolean {
    const result = spawnSync(command, args, { encoding: "utf8" });
    return result.status === 0;
}

/** A small tmpfs mounted on a fresh folder for the duration of `body`; skips the case where mount is not allowed. */
async function withTmpfs(context: Mocha.Context, sizeKiB: number, body: (mountPoint: string) => Promise<void>): Promise<void> {
    const mountPoint = scratchDir("platform-promote-mount-");
    if (!canRun("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", mountPoint])) context.skip();
    try {
        await body(mountPoint);
    } finally {
        spawnSync("umount", ["-l", mountPoint]);
    }
}

describe("hostile input: promote changes one stack file, or nothing at all", function () {
    this.timeout(120_000);

    describe("a stack file that cannot be written: one line and exit 2, the file as it was", function () {
        it("an immutable stack file (chattr +i)", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            if (!canRun("chattr", ["+i", file])) this.skip();
            try {
                await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml.*(EPERM|EACCES)/);
            } finally {
                spawnSync("chattr", ["-i", file]);
            }
        });

        it("a stack file in an immutable folder, where no file can be created", async function () {
            const dir = projectCopy();
            if (!canRun("chattr", ["+i", dir])) this.skip();
            try {
                await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml.*(EPERM|EACCES)/);
            } finally {
                spawnSync("chattr", ["-i", dir]);
            }
        });

        it("a read-only filesystem", async function () {
            await withTmpfs(this, 1024, async (mountPoint) => {
                const dir = projectCopy(path.join(mountPoint, "project"));
                if (!canRun("mount", ["-o", "remount,ro", mountPoint])) this.skip();
                await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml.*EROFS/);
            });
        });

        it("a full filesystem: the old file stays whole (a write in place would have truncated it)", async function () {
            await withTmpfs(this, 256, async (mountPoint) => {
                const dir = projectCopy(path.join(mountPoint, "project"));
                const file = path.join(dir, "Pulumi.dev.yaml");
                // Exactly one page, so that the longer `image:` line needs a second one.
                const text = fs.readFileSync(file, "utf8");
                fs.writeFileSync(file, `${text}#${"x".repeat(4096 - Buffer.byteLength(text) - 2)}\n`);
                assert.equal(fs.statSync(file).size, 4096);
                const filler = path.join(mountPoint, "filler");
                spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=4096"], { encoding: "utf8" });
                await assertNothingChanged(dir, () => runTool(["promote", "--to", "dev", "--service", "api", "--digest", NEW_DIGEST, "--repository", API_REPOSITORY, "--project-dir", dir]), 2, /^error: .*Pulumi\.dev\.yaml.*ENOSPC/);
            });
        });

        it("a folder where the stack file should be", async function () {
            const dir = projectCopy();
            fs.rmSync(path.join(dir, "Pulumi.dev.yaml"));
            fs.mkdirSync(path.join(dir, "Pulumi.dev.yaml"));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: is a directory/);
        });

        it("a stack file without write permission is not replaced behind its owner's back", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            fs.chmodSync(file, 0o444);
            if (process.getuid?.() === 0) {
                // Root writes through permissions; what it cannot write is an immutable file (above).
                const run = await promoteDev(dir);
                assert.equal(run.status, 0, run.stderr);
                assert.equal(fs.statSync(file).mode & 0o777, 0o444, "the mode is kept");
                return;
            }
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml.*EACCES/);
        });
    });

    describe("--output is checked before anything is written; the stack file is replaced whole", function () {
        it("--output onto the stack file being promoted, another stack file or the ledger: refused, nothing written", async function () {
            const dir = projectCopy();
            for (const target of ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.yaml", "releases/ledger.json"]) {
                await assertNothingChanged(dir, () => promoteDev(dir, "--output", `json=${path.join(dir, target)}`), 2, /^error: --output /);
            }
            await assertNothingChanged(dir, () => promoteDev(dir, "--output", "markdown=/proc/self/nonexistent/x.md"), 2, /kernel or device filesystem/);
            await assertNothingChanged(dir, () => promoteDev(dir, "--output", `json=${path.join(dir, "a.json")}`, "--output", `markdown=${path.join(dir, "a.json")}`), 2, /given twice/);
            // A refused output creates none of its folders either.
            await assertNothingChanged(dir, () => promoteDev(dir, "--output", `json=${path.join(dir, "reports", "new", "r.json")}`, "--output", `json=${path.join(dir, "Pulumi.dev.yaml")}`), 2, /^error: --output /);
        });

        it("a report that cannot be written after the stack file was (a full disk): the stack file is put back", async function () {
            await withTmpfs(this, 64, async (mountPoint) => {
                const dir = projectCopy();
                spawnSync("dd", ["if=/dev/zero", `of=${path.join(mountPoint, "filler")}`, "bs=4096"], { encoding: "utf8" });
                const before = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"));
                const run = await promoteDev(dir, "--output", `json=${path.join(mountPoint, "promote.json")}`);
                assertOneLine(run, 2, /^error: cannot write .*promote\.json.*; Pulumi\.dev\.yaml is as it was\n$/);
                assert.deepEqual(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml")), before);
                assert.deepEqual(fs.readdirSync(mountPoint), ["filler"], "the half-written report is removed");
                assert.deepEqual(fs.readdirSync(dir).sort(), ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml", "Pulumi.yaml", "releases"]);
            });
        });

        it("keeps the file's mode, leaves no temporary file, and never writes through a hard link", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            fs.chmodSync(file, 0o640);
            const elsewhere = path.join(scratchDir("platform-promote-link-"), "hard-link.yaml");
            fs.linkSync(file, elsewhere);
            const before = fs.readFileSync(file, "utf8");
            const run = await promoteDev(dir, "--output", `json=${path.join(dir, "reports", "promote.json")}`);
            assert.equal(run.status, 0, run.stderr);
            assert.equal(fs.statSync(file).mode & 0o7777, 0o640);
            assert.notEqual(fs.readFileSync(file, "utf8"), before);
            assert.equal(fs.readFileSync(elsewhere, "utf8"), before, "the file was replaced, not written in place");
            assert.deepEqual(fs.readdirSync(dir).sort(), ["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml", "Pulumi.yaml", "releases", "reports"]);
            assert.equal((JSON.parse(fs.readFileSync(path.join(dir, "reports", "promote.json"), "utf8")) as { written: boolean }).written, true);
        });
    });

    describe("anchors and aliases: promoting one service never changes another", function () {
        function anchoredProject(): string {
            const dir = projectCopy();
            rewrite(path.join(dir, "Pulumi.dev.yaml"), (text) =>
                text.replace(API_BUILD, `      image: &img ${WORKER_DEV}\n`).replace(`      image: ${WORKER_DEV}\n`, "      image: *img\n"));
            return dir;
        }

        it("refuses to change an anchored image (&img), naming the anchor (exit 2, as for any entry it cannot edit in place)", async function () {
            const dir = anchoredProject();
            await assertNothingChanged(dir, () => runTool(["promote", "--to", "dev", "--service", "api", "--digest", NEW_DIGEST, "--project-dir", dir]), 2, /^error: .*Pulumi\.dev\.yaml: .*api.*&img/);
        });

        it("refuses to change an aliased image (*img), naming the alias", async function () {
            const dir = anchoredProject();
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*worker.*\*img/);
        });

        it("refuses an anchored service entry, and an anchor inside the build entry it would replace", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            const original = fs.readFileSync(file, "utf8");
            fs.writeFileSync(file, original.replace("    - name: worker\n", "    - &w\n      name: worker\n").replace("  platform:messaging:\n", "  platform:other: *w\n  platform:messaging:\n"));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*worker.*&w/);
            fs.writeFileSync(file, original.replace("        context: services/api\n", "        context: &ctx services/api\n").replace("  platform:messaging:\n", "  platform:other: *ctx\n  platform:messaging:\n"));
            await assertNothingChanged(dir, () => runTool(["promote", "--to", "dev", "--service", "api", "--digest", NEW_DIGEST, "--repository", API_REPOSITORY, "--project-dir", dir]), 2, /^error: .*Pulumi\.dev\.yaml: .*api.*&ctx/);
        });
    });

    describe("symbolic links", function () {
        it("refuses a stack file that links outside --project-dir, and leaves the file it points to alone", async function () {
            const dir = projectCopy();
            const outside = scratchDir("platform-promote-outside-");
            fs.renameSync(path.join(dir, "Pulumi.dev.yaml"), path.join(outside, "Pulumi.dev.yaml"));
            fs.symlinkSync(path.join(outside, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
            const before = snapshot(outside);
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*symbolic link.*outside/);
            assert.deepEqual(snapshot(outside), before);
            // Relative, through `..`: the same.
            fs.rmSync(path.join(dir, "Pulumi.dev.yaml"));
            fs.symlinkSync(path.relative(dir, path.join(outside, "Pulumi.dev.yaml")), path.join(dir, "Pulumi.dev.yaml"));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /symbolic link.*outside/);
            assert.deepEqual(snapshot(outside), before);
        });

        it("follows a link to a file inside the project: the link stays, the file it names is replaced", async function () {
            const dir = projectCopy();
            fs.mkdirSync(path.join(dir, "stacks"));
            fs.renameSync(path.join(dir, "Pulumi.dev.yaml"), path.join(dir, "stacks", "dev.yaml"));
            fs.symlinkSync(path.join("stacks", "dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
            const run = await promoteDev(dir);
            assert.equal(run.status, 0, run.stderr);
            assert.equal(fs.readlinkSync(path.join(dir, "Pulumi.dev.yaml")), path.join("stacks", "dev.yaml"));
            assert.match(fs.readFileSync(path.join(dir, "stacks", "dev.yaml"), "utf8"), new RegExp(`worker@${NEW_DIGEST}`));
        });
    });

    describe("bytes: only the image changes", function () {
        it("keeps a UTF-8 byte order mark", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            const text = fs.readFileSync(file, "utf8");
            fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
            const run = await promoteDev(dir);
            assert.equal(run.status, 0, run.stderr);
            const expected = text.replace(WORKER_DEV, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/worker@${NEW_DIGEST}`);
            assert.deepEqual(fs.readFileSync(file), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(expected)]));
        });

        it("keeps CRLF line endings when a build: entry becomes an image: line", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            const text = fs.readFileSync(file, "utf8").replace(/\n/g, "\r\n");
            fs.writeFileSync(file, text);
            const run = await runTool(["promote", "--to", "dev", "--service", "api", "--digest", NEW_DIGEST, "--repository", API_REPOSITORY, "--project-dir", dir]);
            assert.equal(run.status, 0, run.stderr);
            const expected = text.replace(API_BUILD.replace(/\n/g, "\r\n"), `      image: ${API_REPOSITORY}@${NEW_DIGEST}\r\n`);
            assert.equal(fs.readFileSync(file, "utf8"), expected);
        });

        it("refuses a stack file that is not valid UTF-8 rather than rewrite its other bytes", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            fs.writeFileSync(file, Buffer.concat([Buffer.from("# caf\xe9 in Latin-1\n", "latin1"), fs.readFileSync(file)]));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*UTF-8/);
        });
    });

    describe("nothing is accepted silently", function () {
        it("reads and checks every --images file: a broken second one is refused (--from and --previous)", async function () {
            const dir = projectCopy();
            const good = path.join(dir, "dev-images.json");
            fs.writeFileSync(good, JSON.stringify({ api: `${API_REPOSITORY}:3f2c9d0@${NEW_DIGEST}`, worker: WORKER_DEV }));
            const broken = path.join(dir, "broken.json");
            fs.writeFileSync(broken, "{\"api\": ");
            await assertNothingChanged(dir, () => runTool(["promote", "--from", "staging", "--to", "dev", "--service", "worker", "--images", good, "--images", broken, "--project-dir", dir]), 2, /^error: .*broken\.json: /);
            const earlier = path.join(dir, "earlier.json");
            fs.writeFileSync(earlier, JSON.stringify({ worker: `${WORKER_DEV.split("@")[0]}@${NEW_DIGEST}` }));
            await assertNothingChanged(dir, () => runTool(["promote", "--to", "dev", "--service", "worker", "--previous", "--images", good, "--images", earlier, "--images", broken, "--project-dir", dir]), 2, /^error: .*broken\.json: /);
            // Two files that disagree about a service.
            const other = path.join(dir, "other-images.json");
            fs.writeFileSync(other, JSON.stringify({ worker: `${WORKER_DEV.split("@")[0]}@${NEW_DIGEST}` }));
            await assertNothingChanged(dir, () => runTool(["promote", "--from", "staging", "--to", "dev", "--service", "worker", "--images", good, "--images", other, "--project-dir", dir]), 2, /worker/);
        });

        it("refuses --images with --digest, and --repository for a service that already runs an image", async function () {
            const dir = projectCopy();
            const images = path.join(dir, "images.json");
            fs.writeFileSync(images, JSON.stringify({ worker: WORKER_DEV }));
            await assertNothingChanged(dir, () => promoteDev(dir, "--images", images), 2, /^error: .*--images.*--digest/);
            await assertNothingChanged(dir, () => promoteDev(dir, "--repository", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/other"), 2, /^error: .*--repository.*worker/);
        });

        it("refuses two services with the same name", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            rewrite(file, (text) => text.replace("  platform:messaging:\n", `    - name: worker\n      image: ${WORKER_DEV}\n      port: 8082\n  platform:messaging:\n`));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*two services named worker/);
        });

        it("refuses a stack file of several YAML documents", async function () {
            const dir = projectCopy();
            for (const tail of ["---\nconfig:\n  aws:region: us-east-1\n", "---\n", "...\n---\n"]) {
                fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
                fs.appendFileSync(path.join(dir, "Pulumi.dev.yaml"), tail);
                await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: .*more than one YAML document/);
            }
        });
    });

    describe("hostile YAML and JSON found by hand", function () {
        it("refuses a carriage return that ends no line (readers disagree on where the lines are)", async function () {
            const dir = projectCopy();
            rewrite(path.join(dir, "Pulumi.dev.yaml"), (text) => text.replace(/\n/g, "\r"));
            await assertNothingChanged(dir, () => promoteDev(dir), 2, /^error: .*Pulumi\.dev\.yaml: has a carriage return that ends no line/);
        });

        it("refuses an --images map that names a service twice (JSON.parse would keep the last)", async function () {
            const dir = projectCopy();
            const images = path.join(dir, "images.json");
            fs.writeFileSync(images, `{"worker": "${WORKER_DEV.split("@")[0]}@${NEW_DIGEST}", "wor\\u006ber": "${WORKER_DEV}"}`);
            await assertNothingChanged(dir, () => runTool(["promote", "--from", "staging", "--to", "dev", "--service", "worker", "--images", images, "--project-dir", dir]), 2, /^error: .*images\.json: a service is given twice/);
        });

        it("refuses an --output that is a dangling link to a stack file name in the project", async function () {
            const dir = projectCopy();
            const link = path.join(scratchDir("platform-promote-out-"), "report.json");
            fs.symlinkSync(path.join(dir, "Pulumi.newstack.yaml"), link);
            await assertNothingChanged(dir, () => promoteDev(dir, "--output", `json=${link}`), 2, /^error: --output .*stack, project or ledger file/);
            assert.equal(fs.readlinkSync(link), path.join(dir, "Pulumi.newstack.yaml"));
        });

        it("refuses what it cannot edit as one plain value: a tag, a block scalar, a merge key, an entry that is an alias, binary data", async function () {
            const image = `      image: ${WORKER_DEV}\n`;
            const cases: [string, (text: string) => string, RegExp][] = [
                ["a custom tag", (text) => text.replace(image, `      image: !vault ${WORKER_DEV}\n`), /its image has a YAML tag/],
                ["a block scalar", (text) => text.replace(image, `      image: |-\n        ${WORKER_DEV}\n`), /its image is a block scalar/],
                ["a merge key", (text) => text.replace(image, `      <<: {image: ${WORKER_DEV}}\n`), /a YAML merge key \(<<\)/],
                ["an alias entry", (text) => text.replace("    - name: api\n", "    - &a\n      name: api\n").replace("  platform:messaging:\n", "    - *a\n  platform:messaging:\n"), /platform:services\[2\] is the alias \*a/],
                ["binary data", (text) => text.replace(image, "      image: !!binary aGVsbG8=\n"), /expected an image reference; found binary data/],
                ["nesting 100,000 deep elsewhere", (text) => `${text}  platform:deep: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, /is not valid YAML: line \d+, column \d+/],
            ];
            for (const [name, change, pattern] of cases) {
                const dir = projectCopy();
                rewrite(path.join(dir, "Pulumi.dev.yaml"), change);
                const before = snapshot(dir);
                const run = await promoteDev(dir);
                assertOneLine(run, 2, pattern);
                assert.deepEqual(snapshot(dir), before, name);
            }
        });

        it("keeps a value's quotes, a comment after it, and a flow-style build", async function () {
            const dir = projectCopy();
            const file = path.join(dir, "Pulumi.dev.yaml");
            rewrite(file, (text) => text.replace(`image: ${WORKER_DEV}`, `image: '${WORKER_DEV}'   # pinned`).replace(API_BUILD, "      build: {context: services/api}  # from source\n"));
            const before = fs.readFileSync(file, "utf8");
            assert.equal((await promoteDev(dir)).status, 0);
            const run = await runTool(["promote", "--to", "dev", "--service", "api", "--digest", NEW_DIGEST, "--repository", API_REPOSITORY, "--project-dir", dir]);
            assert.equal(run.status, 0, run.stderr);
            assert.equal(fs.readFileSync(file, "utf8"), before
                .replace(`'${WORKER_DEV}'   # pinned`, `'${WORKER_DEV.split(":1.4.2@")[0]}@${NEW_DIGEST}'   # pinned`)
                .replace("build: {context: services/api}  # from source", `image: ${API_REPOSITORY}@${NEW_DIGEST}  # from source`));
        });
    });

    describe("arguments and secrets never reach an output", function () {
        it("names a stray argument by its position, never by its value", async function () {
            const dir = projectCopy();
            const pasted = "hunter2-pasted-by-mistake";
            for (const args of [[pasted], ["--", pasted], [`--token=${pasted}`], ["--previous=" + pasted]]) {
                const run = await assertNothingChanged(dir, () => promoteDev(dir, ...args), 2, /^error: .*argument \d+/);
                assert.ok(!run.stderr.includes(pasted), run.stderr);
            }
            const repeated = await promoteDev(dir, "--to", "prod");
            assertOneLine(repeated, 2, /--to .*twice|--to .*more than once/);
        });

        it("a credential in an --images key is not printed", async function () {
            const dir = projectCopy();
            const images = path.join(dir, "images.json");
            for (const document of [{ [`x_${CANARY}`]: 5 }, { api: `${API_REPOSITORY}:1@${NEW_DIGEST}`, [`x_${CANARY}`]: "y" }]) {
                fs.writeFileSync(images, JSON.stringify(document));
                const run = await runTool(["promote", "--from", "staging", "--to", "dev", "--images", images, "--project-dir", dir, "--format", "json"]);
                assert.ok(!`${run.stdout}${run.stderr}`.includes(CANARY.slice(4)), `${run.stdout}${run.stderr}`);
                assert.ok(!/\n\s+at /.test(run.stderr));
            }
        });

        it("a credential in a stack file's image reaches no output, in any format", async function () {
            const dir = projectCopy();
            rewrite(path.join(dir, "Pulumi.dev.yaml"), (text) => text.replace(WORKER_DEV, WORKER_DEV.replace(":1.4.2@", `:v_${CANARY}@`)));
            const reports = scratchDir("platform-promote-reports-");
            const outputs = ["human", "json", "markdown"].flatMap((format) => ["--output", `${format}=${path.join(reports, `promote.${format}`)}`]);
            for (const format of ["human", "json", "markdown"]) {
                const run = await promoteDev(dir, "--dry-run", "--format", format, ...outputs);
                assert.equal(run.status, 0, run.stderr);
                for (const text of [run.stdout, run.stderr, ...fs.readdirSync(reports).map((name) => fs.readFileSync(path.join(reports, name), "utf8"))]) assert.ok(!text.includes(CANARY.slice(4)), text);
            }
        });

        it("a credential glued into a source's tag is refused, not written to the stack file", async function () {
            const dir = projectCopy();
            const images = path.join(dir, "images.json");
            fs.writeFileSync(images, JSON.stringify({ worker: `${API_REPOSITORY}:v_${CANARY}@${NEW_DIGEST}` }));
            const run = await assertNothingChanged(dir, () => runTool(["promote", "--from", "staging", "--to", "dev", "--service", "worker", "--images", images, "--project-dir", dir]), 1, /^promote refused: .*looks like a credential/);
            assert.ok(!`${run.stdout}${run.stderr}`.includes(CANARY.slice(4)));
        });
    });
});
