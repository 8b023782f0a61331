import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CheckReport } from "../tools/checks";
import { smoke } from "../tools/smoke";
import { scratchDir } from "./support/scratch";
import { RunningService, startSampleService, startStub } from "./support/sample-service";
import { runTool } from "./support/tools-cli";

/* `smoke` against the sample service (services/api) on loopback, and against stand-ins that fail. */

const SHA = "3f2c9d0e5b7a4c1d8e9f0a1b2c3d4e5f6a7b8c9d";

function parsed(stdout: string): CheckReport {
    return JSON.parse(stdout) as CheckReport;
}

function statuses(report: CheckReport): Record<string, string> {
    return Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
}

describe("smoke", function () {
    this.timeout(60_000);
    let service: RunningService;
    const stubs: RunningService[] = [];

    before(async function () {
        service = await startSampleService({ BUILD_SHA: SHA, BUILD_DATE: "2026-12-02T10:00:00Z", BUILD_ACTOR: "release-bot" });
    });
    after(async function () {
        await service?.stop();
        for (const stub of stubs) await stub.stop();
    });

    it("passes against the sample service running the expected commit, in JSON and JUnit", async function () {
        const dir = scratchDir("platform-smoke-");
        const junit = path.join(dir, "reports", "smoke.xml");
        const run = await runTool(["smoke", "--url", service.url, "--expect-sha", SHA, "--format", "json", "--output", `junit=${junit}`]);
        assert.equal(run.status, 0, run.stderr + run.stdout);
        const report = parsed(run.stdout);
        assert.deepEqual(statuses(report), { "GET /healthz": "passed", "GET /readyz": "passed", "GET /livez": "passed", "GET /version": "passed" });
        assert.equal(report.verdict, `smoke passed: ${service.url}/ runs ${SHA}`);
        const xml = fs.readFileSync(junit, "utf8");
        assert.match(xml, /<testsuite name="smoke http:\/\/127\.0\.0\.1:\d+\/" tests="4" failures="0" errors="0" skipped="0"/);
        assert.equal((xml.match(/<testcase /g) ?? []).length, 4);
    });

    it("fails on another commit, naming both shas", async function () {
        const other = "0".repeat(40);
        const run = await runTool(["smoke", "--url", service.url, "--expect-sha", other, "--deadline", "1500ms", "--output", `junit=${path.join(scratchDir("platform-smoke-"), "s.xml")}`]);
        assert.equal(run.status, 1, run.stderr);
        const last = run.stdout.trim().split("\n").pop();
        assert.match(String(last), new RegExp(`^smoke failed: /version sha is ${SHA}, expected ${other} \\(\\d+ attempts\\)$`));
        assert.match(run.stdout, /ok +GET \/healthz/);
    });

    it("retries a service that answers 500 until the deadline, and fails", async function () {
        let requests = 0;
        const failing = await startStub((_request, response) => {
            requests += 1;
            response.writeHead(500).end("boom");
        });
        stubs.push(failing);
        const report = await smoke({ baseUrl: new URL(failing.url), expectSha: SHA, deadlineMs: 1_500, requestTimeoutMs: 5_000 });
        assert.equal(report.exitCode, 1);
        assert.deepEqual(statuses(report), { "GET /healthz": "failed", "GET /readyz": "failed", "GET /livez": "failed", "GET /version": "failed" });
        assert.match(report.checks[0].detail, /^\/healthz answered 500, expected 200 \([3-9] attempts\)$/);
        assert.ok(requests >= 12, `retried with backoff: ${requests} requests`);
    });

    it("gives up on a service that never answers at the deadline, not later", async function () {
        const hung = await startStub(() => undefined);
        stubs.push(hung);
        const started = Date.now();
        const report = await smoke({ baseUrl: new URL(hung.url), expectSha: SHA, deadlineMs: 2_000, requestTimeoutMs: 500 });
        assert.equal(report.exitCode, 1);
        assert.ok(Date.now() - started < 2_500, `${Date.now() - started} ms`);
        assert.ok(report.checks.every((check) => check.status === "failed" && /^\/[a-z]+z?: no answer within 500 ms/.test(check.detail)), JSON.stringify(report.checks));
        assert.ok(report.checks.every((check) => (check.durationMs ?? 0) <= 2_300), JSON.stringify(report.checks));
    });

    it("waits for a rollout: readiness that comes after a few 503s passes; a service without /livez is fine", async function () {
        const readyAt = Date.now() + 700;
        const rolling = await startStub((request, response) => {
            if (request.url === "/livez") return void response.writeHead(404).end();
            if (Date.now() < readyAt) return void response.writeHead(503).end("starting");
            if (request.url === "/version") return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sha: SHA }));
            response.writeHead(200).end("ok");
        });
        stubs.push(rolling);
        const report = await smoke({ baseUrl: new URL(rolling.url), expectSha: SHA, deadlineMs: 10_000, requestTimeoutMs: 5_000 });
        assert.equal(report.exitCode, 0, JSON.stringify(report.checks));
        assert.deepEqual(statuses(report), { "GET /healthz": "passed", "GET /readyz": "passed", "GET /livez": "skipped", "GET /version": "passed" });
    });

    it("fails a service that does not know what it runs (no BUILD_SHA)", async function () {
        const unlabelled = await startSampleService({});
        stubs.push(unlabelled);
        const report = await smoke({ baseUrl: new URL(unlabelled.url), expectSha: SHA, deadlineMs: 800, requestTimeoutMs: 500 });
        assert.equal(report.exitCode, 1);
        assert.match(report.verdict, /^smoke failed: \/version has no "sha" \(\d+ attempts?\)$/);
    });

    it("the sample service counts requests per status code for Prometheus, /metrics itself left out", async function () {
        for (const status of ["503", "503", "404"]) await fetch(`${service.url}/status/${status}`);
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const count = (code: string): number => Number(new RegExp(`^http_requests_total\\{code="${code}"\\} (\\d+)$`, "m").exec(text)?.[1]);
        assert.equal(count("503"), 2);
        assert.equal(count("404"), 1);
        assert.equal(count("500"), 0, "known codes start at 0");
        assert.ok(count("200") >= 4, text);
        const again = await (await fetch(`${service.url}/metrics`)).text();
        assert.equal(/code="200"\} (\d+)/.exec(again)?.[1], String(count("200")), "scrapes are not requests");
    });

    const usage: [string, string[], RegExp][] = [
        ["no --expect-sha", ["--url", "http://127.0.0.1:9"], /^error: smoke needs --expect-sha <commit sha>, or --service and --digest \(not both\) \(see --help\)$/],
        ["a non-http URL", ["--url", "file:///etc/passwd", "--expect-sha", SHA], /^error: --url takes an http:\/\/ or https:\/\/ URL; got text of 18 characters/],
        ["a sha that is not hex", ["--url", "http://127.0.0.1:9", "--expect-sha", "main"], /^error: --expect-sha takes a commit sha/],
        ["an unknown format", ["--url", "http://127.0.0.1:9", "--expect-sha", SHA, "--format", "sarif"], /^error: --format must be one of human, json, junit, markdown/],
    ];
    for (const [name, args, message] of usage) {
        it(`refuses ${name} with one line and exit 2`, async function () {
            const run = await runTool(["smoke", ...args]);
            assert.equal(run.status, 2);
            assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
            assert.match(run.stderr.trim(), message);
        });
    }

    it("--help says what it checks and how it exits", async function () {
        const run = await runTool(["smoke", "--help"]);
        assert.equal(run.status, 0);
        assert.match(run.stdout, /\/healthz and \/readyz/);
        assert.match(run.stdout, /Exit codes: 0 every check passed; 1 a check failed/);
    });
});
