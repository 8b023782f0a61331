import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePlatformConfig } from "../config/load";
import { readStackConfig } from "../engine/stack-files";
import { packConfigProblems } from "../policies/lib/run";
import { ALL_RULES } from "../policies/rules";
import { fixtureText } from "./support/state-fixtures";
import { PROJECT_DIR } from "./support/stacks";

/**
 * Hostile input: every class gets one line and exit 2 (or a precise error in-process), never a crash, a
 * stack trace or a hang. Bounded: each case is one short process or an in-process call, and a process that
 * does not answer within its timeout fails the case instead of hanging the suite.
 */

const BIN = path.join(PROJECT_DIR, "tools", "bin.js");

function tool(args: string[], input?: string): { code: number | null; stdout: string; stderr: string; timedOut: boolean } {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000, input, maxBuffer: 64 * 2 ** 20 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, timedOut: result.error !== undefined };
}

function assertRefused(result: ReturnType<typeof tool>, pattern: RegExp): void {
    assert.ok(!result.timedOut, "answered, did not hang");
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("error: "));
    assert.equal(lines.length, 1, `one error line:\n${result.stderr}`);
    assert.match(lines[0], pattern);
    assert.ok(!/\n\s+at /.test(result.stderr), "no stack trace");
}

/** A file the audit cannot use: the run says why (the stack's report carries it) and exits 2. */
function assertFileRefused(result: ReturnType<typeof tool>, pattern: RegExp): void {
    assert.ok(!result.timedOut, "answered, did not hang");
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout + result.stderr, pattern);
    assert.ok(!/\n\s+at /.test(result.stderr), "no stack trace");
}

const STACK_HEADER = "config:\n  aws:region: eu-west-1\n";

function projectWithStack(dir: string, stackText: string | Buffer): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.hostile.yaml"), stackText);
    return dir;
}

function stackConfigError(dir: string, stackText: string | Buffer): string {
    projectWithStack(dir, stackText);
    try {
        readStackConfig(dir, "hostile");
    } catch (error) {
        return (error as Error).message;
    }
    return "no error";
}

describe("hostile input: one line and exit 2, never a crash or a hang", function () {
    this.timeout(300_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-hostile-"));
    const state = path.join(scratch, "state.json");
    fs.writeFileSync(state, fixtureText("checkpoint-v3"));

    describe("--against reports", function () {
        const cases: [string, unknown][] = [
            ["null entries", { schemaVersion: 1, stacks: [null] }],
            ["a non-array resources", { schemaVersion: 1, stacks: [{ stack: "dev", resources: {} }] }],
            ["a report without its other fields", { schemaVersion: 1, stacks: [] }],
        ];
        for (const [name, document] of cases) {
            it(`refuses a report with ${name}`, function () {
                const file = path.join(scratch, `against-${name.replace(/\W+/g, "-")}.json`);
                fs.writeFileSync(file, JSON.stringify(document));
                assertRefused(tool(["plan", "--stack", "dev", "--against", file]), /is not a report of this tool/);
            });
        }

        it("refuses inputs nested 100,000 levels deep", function () {
            const file = path.join(scratch, "against-deep.json");
            fs.writeFileSync(file, `{"schemaVersion":1,"stacks":[{"resources":[{"inputs":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}]}`);
            assertRefused(tool(["plan", "--stack", "dev", "--against", file]), /against-deep\.json: /);
        });
    });

    describe("unbounded and special files", function () {
        it("refuses a device for audit and for --policy-pack-config", function () {
            assertFileRefused(tool(["audit", "/dev/zero"]), /\/dev\/zero: is a character device; expected a regular file/);
            assertRefused(tool(["audit", state, "--policy-pack-config", "/dev/urandom"]), /\/dev\/urandom: is a character device/);
        });

        it("refuses a FIFO without waiting for a writer, as a state file and as a stack file", function () {
            const fifo = path.join(scratch, "pipe.json");
            execFileSync("mkfifo", [fifo]);
            assertFileRefused(tool(["audit", fifo]), /pipe\.json: is a named pipe \(FIFO\)/);
            const project = projectWithStack(path.join(scratch, "fifo-project"), "");
            fs.rmSync(path.join(project, "Pulumi.hostile.yaml"));
            execFileSync("mkfifo", [path.join(project, "Pulumi.hostile.yaml")]);
            assert.throws(() => readStackConfig(project, "hostile"), /Pulumi\.hostile\.yaml: is a named pipe \(FIFO\); expected a regular file/);
        });

        it("refuses a directory given as a file", function () {
            assertFileRefused(tool(["audit", scratch]), /is a directory; expected a regular file/);
        });

        it("reads a state file from standard input with -", function () {
            const result = tool(["audit", "-", "--format", "json"], fixtureText("checkpoint-v3"));
            assert.ok(result.code === 0 || result.code === 1, result.stderr);
            assert.ok((JSON.parse(result.stdout) as { summary: { resources: number } }).summary.resources > 0);
        });
    });

    describe("--output", function () {
        it("refuses to overwrite a file the run reads, and leaves it as it was", function () {
            const before = fs.readFileSync(state, "utf8");
            assertRefused(tool(["audit", state, "--output", `json=${state}`]), /is an input of this run; refusing to overwrite it/);
            assert.equal(fs.readFileSync(state, "utf8"), before);
        });

        it("refuses /proc and /dev targets at once", function () {
            assertRefused(tool(["audit", state, "--output", "json=/proc/self/nonexistent/x/report.json"]), /kernel or device filesystem/);
            assertRefused(tool(["audit", state, "--output", "json=/dev/null"]), /is not a regular file/);
        });
    });

    describe("names and text", function () {
        it("refuses a stack name that is a path", function () {
            for (const stack of ["../../x", "/etc/passwd", "a/../../b", ".."]) assertRefused(tool(["plan", "--stack", stack]), /--stack takes a Pulumi stack name/);
        });

        it("escapes control characters of resource names in human and Markdown output", function () {
            const document = JSON.parse(fixtureText("checkpoint-v3")) as { checkpoint: { latest: { resources: { urn: string }[] } } };
            const hostile = "evil\u001b]8;;http://x\u0007\u001b[2J\u0000\r\u202e";
            for (const resource of document.checkpoint.latest.resources) resource.urn = `${resource.urn}${hostile}`;
            const file = path.join(scratch, "control.json");
            fs.writeFileSync(file, JSON.stringify(document));
            const markdown = path.join(scratch, "control.md");
            const result = tool(["audit", file, "--output", `markdown=${markdown}`]);
            assert.ok(result.code === 0 || result.code === 1, result.stderr);
            for (const text of [result.stdout, fs.readFileSync(markdown, "utf8")]) {
                // eslint-disable-next-line no-control-regex -- exactly what must not be printed
                assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(text), "no raw control character");
            }
            assert.match(result.stdout, /evil\\x1b\]8;;http:\/\/x\\x07/);
        });
    });

    describe("stack files and config values", function () {
        it("looks keys up as own properties: constructor and __proto__ are unknown keys", function () {
            const base = { "aws:region": "eu-west-1", "platform:tier": "dev" };
            for (const key of ["constructor", "__proto__", "toString"]) {
                try {
                    parsePlatformConfig({ stack: "dev", project: "platform", values: { ...base, [`platform:${key}`]: "1" }, secretKeys: new Set() });
                    assert.fail(`${key} accepted`);
                } catch (error) {
                    assert.doesNotMatch((error as Error).message, /native code|function Object/);
                    assert.match((error as Error).message, new RegExp(`platform:${key}: expected one of the known keys`));
                }
            }
        });

        it("refuses empty and non-ciphertext secure: values, null, NaN and infinities, naming the key", function () {
            const cases: [string, RegExp][] = [
                ["  platform:jwtSecret:\n    secure: \"\"\n", /platform:jwtSecret: expected the ciphertext .*; found an empty string/],
                ["  platform:jwtSecret:\n    secure: \"not base64 at all!\"\n", /platform:jwtSecret: expected the ciphertext .*; found text that is not a ciphertext/],
                ["  platform:costCentre:\n", /platform:costCentre: expected a value; found null/],
                ["  platform:postgres:\n    storageGb: .nan\n", /platform:postgres\.storageGb: expected a finite number; found NaN/],
                ["  platform:postgres:\n    storageGb: .inf\n", /platform:postgres\.storageGb: expected a finite number; found infinity/],
                ["  platform:postgres:\n    storageGb: 1e400\n", /platform:postgres\.storageGb: expected a finite number; found infinity/],
            ];
            cases.forEach(([body, pattern], index) => assert.match(stackConfigError(path.join(scratch, `values-${index}`), `${STACK_HEADER}${body}`), pattern));
        });

        it("says a UTF-16 stack file is UTF-16, and YAML problems by line without quoting the source", function () {
            const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${STACK_HEADER}  platform:tier: dev\n`, "utf16le")]);
            assert.match(stackConfigError(path.join(scratch, "utf16"), utf16), /is UTF-16 encoded; save it as UTF-8/);
            const duplicate = stackConfigError(path.join(scratch, "duplicate"), `${STACK_HEADER}  platform:tier: dev\n  platform:tier: hunter2-secret\n`);
            assert.match(duplicate, /is not valid YAML: line 4, column 3: a key given twice in one mapping/);
            assert.doesNotMatch(duplicate, /hunter2/);
            projectWithStack(path.join(scratch, "warning"), `${STACK_HEADER}  platform:costCentre: !vault hunter2-secret\n`);
            const { warnings } = readStackConfig(path.join(scratch, "warning"), "hostile");
            assert.equal(warnings.length, 1);
            assert.match(warnings[0], /Pulumi\.hostile\.yaml: line 3, column \d+: a value that does not match its tag/);
            assert.doesNotMatch(warnings[0], /hunter2/);
        });

        it("refuses a stack file of two YAML documents instead of reading the first one alone", function () {
            const twoDocuments = stackConfigError(path.join(scratch, "two-documents"), `${STACK_HEADER}  platform:tier: dev\n---\nconfig:\n  platform:tier: prod\n`);
            assert.match(twoDocuments, /Pulumi\.hostile\.yaml: is not valid YAML: line 4, column 1: more than one YAML document/);
        });

        it("refuses a pack config whose level has a typo, or that names no rule", function () {
            assert.deepEqual(packConfigProblems({ "image-pinned-by-digest": "advisroy" }, ALL_RULES), [
                '"image-pinned-by-digest": expected an enforcement level (advisory, mandatory, remediate, disabled); found "advisroy"',
            ]);
            assert.match(packConfigProblems({ "image-pinned-by-digets": "advisory" }, ALL_RULES)[0], /"image-pinned-by-digets": not a rule of this pack/);
            assert.match(packConfigProblems({ all: { enforcementLevel: "mandatroy" } }, ALL_RULES)[0], /"all"\.enforcementLevel: expected an enforcement level/);
            assert.match(packConfigProblems({ "image-pinned-by-digest": { exemptions: [{ resource: "x" }] } }, ALL_RULES)[0], /exemptions\[0\]: expected \{resource, reason, expires\} as strings; reason, expires missing/);
            assert.deepEqual(packConfigProblems({ all: "advisory", "image-pinned-by-digest": { enforcementLevel: "mandatory", exemptions: [] } }, ALL_RULES), []);
        });
    });
});
