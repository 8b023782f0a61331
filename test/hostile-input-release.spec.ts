import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as zlib from "zlib";
import { scratchDir } from "./support/scratch";
import { RunningService, startStub } from "./support/sample-service";
import { PROJECT_DIR } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

/*
 * The release commands (build, publish, predeploy, smoke, record), `docs`, `parity-baseline`, `audit` and the
 * command line itself held to `plan`'s standard: an error is ONE line on stderr and exit 2, never a stack trace
 * (exit 70), nothing is written when the run fails, and nothing the user typed or a server answered that may
 * be a secret is echoed: arguments are named by position, URLs shown as scheme, host, port and path, response
 * bodies described (status, content type, size), never quoted. Every duration an option takes has a maximum.
 */

const SHA = "3f2c9d0e5b7a4c1d8e9f0a1b2c3d4e5f6a7b8c9d";
const CANARY = "ghp_CANARYrelease0000000000000000000000x";

/** Exit 2, nothing on stdout, one line on stderr ("error: ..."), no stack trace, no canary. */
function assertOneLine(run: ToolRun, pattern: RegExp): void {
    assert.equal(run.status, 2, `exit 2, got ${run.status}:\n${run.stderr}`);
    assert.equal(run.stdout, "", "nothing on stdout");
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line on stderr:\n${run.stderr}`);
    assert.match(lines[0], /^error: /);
    assert.match(lines[0], pattern);
    assert.ok(!/\n\s+at /.test(run.stderr), "no stack trace");
    assert.ok(!`${run.stdout}${run.stderr}`.includes("CANARY"), `nothing echoed:\n${run.stderr}`);
}

/** The same program on a project folder of the spec's own (the real program, its own stack files). */
function projectCopy(extra: readonly string[] = []): string {
    const dir = scratchDir("platform-hostile-release-");
    for (const entry of ["index.ts", "components", "config", "services", "package.json", "tsconfig.json", "node_modules", "Pulumi.yaml", ...extra]) {
        fs.symlinkSync(path.join(PROJECT_DIR, entry), path.join(dir, entry));
    }
    return dir;
}

/** The tool as another user, where this one is root and can write anywhere; undefined when that cannot be arranged. */
function asUnprivileged(args: readonly string[]): ToolRun | undefined {
    const started = Date.now();
    const command = process.getuid?.() === 0 ? ["runuser", "-u", "nobody", "--", process.execPath] : [process.execPath];
    const result = spawnSync(command[0], [...command.slice(1), path.join(PROJECT_DIR, "tools", "bin.js"), ...args], { cwd: "/", encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
    if (result.error !== undefined) return undefined;
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe("hostile input to the release commands, docs, audit and the command line", function () {
    this.timeout(180_000);

    describe("files: missing, a directory, a FIFO, unwritable, too large; nothing written on error", function () {
        it("docs: a project folder without README.md, with a directory or a FIFO there, or a file as the folder", async function () {
            const missing = scratchDir("platform-docs-");
            assertOneLine(await runTool(["docs", "--project-dir", missing]), /README\.md: no such file$/);
            const directory = scratchDir("platform-docs-");
            fs.mkdirSync(path.join(directory, "README.md"));
            assertOneLine(await runTool(["docs", "--project-dir", directory]), /README\.md: is a directory; expected a regular file$/);
            const fifo = scratchDir("platform-docs-");
            execFileSync("mkfifo", [path.join(fifo, "README.md")]);
            assertOneLine(await runTool(["docs", "--project-dir", fifo], { timeoutMs: 20_000 }), /README\.md: is a named pipe \(FIFO\); expected a regular file$/);
            assertOneLine(await runTool(["docs", "--project-dir", path.join(PROJECT_DIR, "package.json")]), /no such file \(a part of the path is not a folder\)$/);
        });

        it("docs: a README larger than the limit is refused before it is read whole", async function () {
            const dir = scratchDir("platform-docs-");
            fs.writeFileSync(path.join(dir, "README.md"), Buffer.alloc(17 * 2 ** 20, "a"));
            assertOneLine(await runTool(["docs", "--project-dir", dir]), /README\.md: is 17 MiB; the limit is 16 MiB$/);
        });

        it("docs: a README whose markers are out of order or doubled is refused, not rewritten into a muddle", async function () {
            const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
            const start = readme.slice(readme.indexOf("<!-- rules:start"), readme.indexOf("\n", readme.indexOf("<!-- rules:start")));
            for (const [text, pattern] of [
                [`intro\n<!-- rules:end -->\nmiddle\n${start}\ntail\n`, /README\.md: has the rule reference's rules:end marker before its rules:start$/],
                [`${start}\n<!-- rules:end -->\n${start}\n<!-- rules:end -->\n`, /README\.md: has the rule reference's markers 2 and 2 times/],
                [`${start}\nno end\n`, /README\.md: has the rule reference's markers 1 and 0 times/],
            ] as const) {
                const dir = scratchDir("platform-docs-");
                fs.writeFileSync(path.join(dir, "README.md"), text);
                assertOneLine(await runTool(["docs", "--project-dir", dir]), pattern);
                assert.equal(fs.readFileSync(path.join(dir, "README.md"), "utf8"), text, "the README is as it was");
            }
        });

        it("docs: a README it may not write is one line and stays as it was", function () {
            const dir = scratchDir("platform-docs-");
            const readme = path.join(dir, "README.md");
            const stale = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8").replace(/\| \[`registry-immutable-tags`\][^\n]*\n/, "");
            fs.writeFileSync(readme, stale);
            fs.chmodSync(readme, 0o444);
            fs.chmodSync(dir, 0o555);
            try {
                const run = asUnprivileged(["docs", "--project-dir", dir]);
                if (run === undefined) this.skip();
                assertOneLine(run, /README\.md: cannot be written \(EACCES\)$/);
                assert.equal(fs.readFileSync(readme, "utf8"), stale, "the README is as it was");
            } finally {
                fs.chmodSync(dir, 0o755);
            }
        });

        it("parity-baseline writes the baselines of the project it is given, not the repository's", async function () {
            const committed = ["baseline.json", "baseline-gcp.json"].map((name) => fs.readFileSync(path.join(PROJECT_DIR, "policies", "parity", name), "utf8"));
            const dir = projectCopy(["Pulumi.prod.yaml", "Pulumi.gcp-prod.yaml"]);
            const run = await runTool(["parity-baseline", "--project-dir", dir]);
            assert.equal(run.status, 0, run.stderr);
            for (const [index, name] of ["baseline.json", "baseline-gcp.json"].entries()) {
                assert.equal(fs.readFileSync(path.join(dir, "policies", "parity", name), "utf8"), committed[index], `${name} written in the project given`);
            }
        });

        it("parity-baseline: a directory or a FIFO where a baseline goes is one line, and no baseline is written", async function () {
            for (const make of [(file: string) => fs.mkdirSync(file), (file: string) => execFileSync("mkfifo", [file])]) {
                const dir = projectCopy(["Pulumi.prod.yaml", "Pulumi.gcp-prod.yaml"]);
                fs.mkdirSync(path.join(dir, "policies", "parity"), { recursive: true });
                make(path.join(dir, "policies", "parity", "baseline-gcp.json"));
                assertOneLine(await runTool(["parity-baseline", "--project-dir", dir], { timeoutMs: 30_000 }), /policies\/parity\/baseline-gcp\.json: is a (directory|named pipe \(FIFO\)); expected a regular file$/);
                assert.ok(!fs.existsSync(path.join(dir, "policies", "parity", "baseline.json")), "nothing written");
            }
        });

        it("predeploy: a stack file that is a directory or a FIFO cannot be read: exit 2, not a failed check", async function () {
            for (const make of [(file: string) => fs.mkdirSync(file), (file: string) => execFileSync("mkfifo", [file])]) {
                const dir = scratchDir("platform-predeploy-hostile-");
                fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
                make(path.join(dir, "Pulumi.prod.yaml"));
                assertOneLine(await runTool(["predeploy", "--stack", "prod", "--project-dir", dir, "--only", "config"], { timeoutMs: 30_000 }), /Pulumi\.prod\.yaml: is a (directory|named pipe \(FIFO\)); expected a regular file$/);
            }
        });

        it("predeploy: when one --output cannot be written, none is", async function () {
            const dir = scratchDir("platform-predeploy-outputs-");
            const first = path.join(dir, "predeploy.json");
            const run = await runTool(["predeploy", "--stack", "dev", "--only", "config", "--output", `json=${first}`, "--output", `junit=${path.join(dir, `${"x".repeat(300)}.xml`)}`]);
            assertOneLine(run, /cannot write .*\(ENAMETOOLONG\)$/);
            assert.deepEqual(fs.readdirSync(dir), [], "no file written, no file left behind");
        });

        it("build: a Dockerfile that is not a regular file is refused before docker runs", async function () {
            const dir = scratchDir("platform-build-hostile-");
            fs.mkdirSync(path.join(dir, "services", "api", "Dockerfile"), { recursive: true });
            assertOneLine(await runTool(["build", "--service", "api", "--sha", "abcdef0", "--date", "2026-12-08T10:00:00Z", "--project-dir", dir], { env: { PLATFORM_DOCKER: "/nonexistent/docker" } }), /services\/api\/Dockerfile: is a directory; expected a regular file$/);
        });

        it("record and smoke: a ledger or a smoke report that is a FIFO or a directory is one line", async function () {
            const dir = scratchDir("platform-record-hostile-");
            fs.mkdirSync(path.join(dir, "releases"));
            execFileSync("mkfifo", [path.join(dir, "releases", "ledger.json")]);
            const digest = `sha256:${"a".repeat(64)}`;
            assertOneLine(await runTool(["record", "published", "--service", "api", "--digest", digest, "--sha", "abcdef0", "--project-dir", dir], { timeoutMs: 60_000 }), /ledger\.json: .*not a regular file$/);
            assertOneLine(await runTool(["smoke", "--url", "http://127.0.0.1:9", "--service", "api", "--digest", digest, "--project-dir", dir], { timeoutMs: 30_000 }), /ledger\.json: .*not a regular file$/);
            assertOneLine(await runTool(["record", "verified", "--stack", "dev", "--smoke", dir, "--images", dir, "--project-dir", dir], { timeoutMs: 30_000 }), /is a directory; expected a regular file$/);
        });
    });

    describe("servers' answers are described, never quoted", function () {
        let stub: RunningService | undefined;
        let answer: (request: http.IncomingMessage, response: http.ServerResponse) => void = () => undefined;

        before(async function () {
            stub = await startStub((request, response) => answer(request, response));
        });
        after(async function () {
            await stub?.stop();
        });

        it("predeploy: Prometheus answering HTML is exit 2, one line with the status, content type and size", async function () {
            const body = `${CANARY} <html>a proxy's login page</html>`;
            answer = (_request, response) => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", String(stub?.url)]);
            assertOneLine(run, new RegExp(`^error: http://127\\.0\\.0\\.1:\\d+: error budget: Prometheus answered 200 with text/html, ${Buffer.byteLength(body)} bytes: not JSON$`));
        });

        it("predeploy: a gzip bomb from Prometheus is cut at the limit, quickly", async function () {
            const bomb = zlib.gzipSync(Buffer.alloc(64 * 2 ** 20, " "));
            answer = (_request, response) => response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(bomb);
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", String(stub?.url)]);
            assert.equal(run.status, 1, run.stderr);
            assert.match(run.stdout.trimEnd().split("\n").pop() ?? "", /^predeploy failed: cannot read the error budget from http:\/\/127\.0\.0\.1:\d+: an answer over 16 MiB$/);
        });

        it("smoke: /version answering HTML names the content type and size, never the body", async function () {
            answer = (request, response) => {
                if (request.url?.endsWith("/version")) return void response.writeHead(200, { "content-type": "text/html" }).end(`<p>${CANARY}</p>`);
                response.writeHead(200).end("ok");
            };
            const run = await runTool(["smoke", "--url", String(stub?.url), "--expect-sha", SHA, "--deadline", "300ms", "--format", "json"]);
            assert.equal(run.status, 1, run.stderr);
            const version = (JSON.parse(run.stdout) as { checks: { name: string; detail: string }[] }).checks.find((check) => check.name === "GET /version");
            const bytes = Buffer.byteLength(`<p>${CANARY}</p>`);
            assert.match(String(version?.detail), new RegExp(`^/version answered 200 with text/html, ${bytes} bytes: not JSON \\(\\d+ attempts?\\)$`));
            assert.ok(!run.stdout.includes("CANARY"));
        });
    });

    describe("URLs: scheme, host, port and path only", function () {
        let stub: RunningService | undefined;

        before(async function () {
            stub = await startStub((request, response) => {
                if (request.url === "/base/version") return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sha: SHA }));
                if (request.url === "/base/livez") return void response.writeHead(404).end();
                if (request.url?.startsWith("/base/")) return void response.writeHead(200).end("ok");
                response.writeHead(503).end();
            });
        });
        after(async function () {
            await stub?.stop();
        });

        it("smoke: a query string and a fragment reach neither stdout nor any --output file", async function () {
            const dir = scratchDir("platform-smoke-url-");
            const outputs = ["json", "junit", "markdown", "human"].map((format) => `${format}=${path.join(dir, `smoke.${format}`)}`);
            const run = await runTool(["smoke", "--url", `${String(stub?.url)}/base?access_token=${CANARY}#${CANARY}-fragment`, "--expect-sha", SHA, ...outputs.flatMap((output) => ["--output", output])]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            assert.match(run.stdout, new RegExp(`^smoke passed: http://127\\.0\\.0\\.1:${stub?.port}/base runs ${SHA}$`, "m"));
            for (const text of [run.stdout, run.stderr, ...fs.readdirSync(dir).map((name) => fs.readFileSync(path.join(dir, name), "utf8"))]) {
                assert.ok(!text.includes("CANARY") && !text.includes("access_token"), text);
            }
        });

        it("smoke: a URL with credentials is refused without echoing them", async function () {
            assertOneLine(await runTool(["smoke", "--url", `http://user:${CANARY}@127.0.0.1:9/`, "--expect-sha", SHA]), /--url must not carry credentials/);
        });

        it("predeploy: the Prometheus URL's query string is never shown", async function () {
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", `${String(stub?.url)}/prom?token=${CANARY}#${CANARY}`]);
            assert.equal(run.status, 1, run.stderr);
            assert.match(run.stdout, new RegExp(`cannot read the error budget from http://127\\.0\\.0\\.1:${stub?.port}/prom: HTTP 503`));
            assert.ok(!`${run.stdout}${run.stderr}`.includes("CANARY"), run.stdout);
        });
    });

    describe("arguments are named by their position, never echoed", function () {
        const cases: [string, string[], RegExp][] = [
            ["a stray argument to smoke", ["smoke", "--url", "http://127.0.0.1:9", "--expect-sha", SHA, CANARY], /^error: unexpected argument at position 5; this command takes options only \(see --help\)$/],
            ["a stray argument after -- ", ["record", "published", "--", CANARY], /^error: unexpected argument at position 3; this command takes options only \(see --help\)$/],
            ["a stray argument to plan", ["plan", "--stack", "dev", CANARY], /^error: unexpected argument at position 3; only audit takes files \(see --help\)$/],
            ["a value given to a flag", ["record", "published", `--dry-run=${CANARY}`], /^error: --dry-run takes no value \(position 2\) \(see --help\)$/],
            ["a value given to --no-tree", ["plan", `--no-tree=${CANARY}`], /^error: --no-tree takes no value \(position 1\) \(see --help\)$/],
            ["an unknown option with a value", ["smoke", `--token=${CANARY}`], /^error: unknown option --token at position 1 \(see --help\)$/],
            ["an unknown option that looks like a token", ["predeploy", `--${CANARY}`], /^error: unknown option with a name of 40 characters at position 1 \(see --help\)$/],
            ["an unknown option to plan", ["plan", `--secret=${CANARY}`], /^error: unknown option --secret at position 1 \(see --help\)$/],
            ["a secret given to plan's --output", ["plan", "--output", CANARY], /^error: --output: expected <format>=<file>, .*; got text of 40 characters \(see --help\)$/],
            ["a secret as plan's --output format", ["plan", "--output", `${CANARY}=x`], /^error: --output: unknown format text of 40 characters; /],
            ["an option without its value", ["smoke", "--url"], /^error: --url needs a value \(see --help\)$/],
            ["an option whose value looks like an option", ["build", "--service", `-${CANARY}`], /^error: --service needs a value; one that starts with "-" is written --service=<value> \(see --help\)$/],
        ];
        for (const [name, args, pattern] of cases) {
            it(`${name}: one line, exit 2, nothing echoed`, async function () {
                assertOneLine(await runTool(args, { env: { PLATFORM_DOCKER: "/nonexistent/docker" } }), pattern);
            });
        }
    });

    describe("every duration has a maximum, stated in --help and in the error", function () {
        const cases: [string, string[], RegExp][] = [
            ["smoke --deadline 9999999m", ["smoke", "--url", "http://127.0.0.1:9", "--expect-sha", SHA, "--deadline", "9999999m"], /^error: --deadline must be at most 30m; got 9999999m \(see --help\)$/],
            ["smoke --request-timeout 61s", ["smoke", "--url", "http://127.0.0.1:9", "--expect-sha", SHA, "--request-timeout", "61s"], /^error: --request-timeout must be at most 60s; got 61s \(see --help\)$/],
            ["predeploy --window 9999w", ["predeploy", "--stack", "prod", "--error-budget-file", "x.json", "--window", "9999w"], /^error: --window must be at most 30d; got 9999w \(see --help\)$/],
            ["predeploy --window 0m", ["predeploy", "--stack", "prod", "--error-budget-file", "x.json", "--window", "0m"], /^error: --window must be more than 0; got 0m \(see --help\)$/],
        ];
        for (const [name, args, pattern] of cases) {
            it(`${name}: refused`, async function () {
                assertOneLine(await runTool(args), pattern);
            });
        }

        it("the maxima are in --help", async function () {
            assert.match((await runTool(["smoke", "--help"])).stdout, /--deadline <duration> .*at most 30m[\s\S]*--request-timeout <duration> .*at most 60s/);
            assert.match((await runTool(["predeploy", "--help"])).stdout, /--window <duration> .*at most 30d/);
        });
    });

    describe("help and unknown commands", function () {
        it("audit --help prints the help and exits 0", async function () {
            const run = await runTool(["audit", "--help"]);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /^Usage: /);
            assert.equal(run.stderr, "");
        });

        it("an unknown command with --help says it is unknown, exit 2, without echoing a secret-shaped name", async function () {
            assertOneLine(await runTool(["deploy", "--help"]), /^error: unknown command "deploy"; commands: plan, audit, /);
            assertOneLine(await runTool([CANARY, "--help"]), /^error: unknown command text of 40 characters; commands: /);
        });

        it("--help with a bad option of a known command still prints the help", async function () {
            const run = await runTool(["plan", "--stack", "../x", "--help"]);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /^Usage: /);
        });
    });
});
