import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CheckReport } from "../tools/checks";
import { predeploy } from "../tools/predeploy";
import { prometheusOrSkip, RunningPrometheus, startPrometheus, writeDeployedRules } from "./support/prometheus";
import { scratchDir } from "./support/scratch";
import { RunningService, startSampleService } from "./support/sample-service";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/*
 * `predeploy`: the checks on the real stack files, and the error budget read from a real Prometheus
 * (Debian package) that scrapes two instances of the sample service and evaluates the recording rules the
 * program deploys, after bounded local traffic with 5xx: api under the 0.5% budget, worker over it.
 */

function report(stdout: string): CheckReport {
    return JSON.parse(stdout) as CheckReport;
}

function lastLine(text: string): string {
    return text.trim().split("\n").pop() ?? "";
}

/** `rounds` rounds of `perRound` requests, `errors` of them answered 500, spread through each round. */
async function traffic(service: RunningService, rounds: number, perRound: number, errors: number): Promise<void> {
    const every = Math.floor(perRound / errors);
    for (let round = 0; round < rounds; round++) {
        const requests: Promise<unknown>[] = [];
        for (let index = 0; index < perRound; index++) {
            const failing = index % every === Math.floor(every / 2) && Math.floor(index / every) < errors;
            requests.push(fetch(`${service.url}${failing ? "/status/500" : "/status/200"}`).then((response) => response.arrayBuffer()));
            if (requests.length >= 50) await Promise.all(requests.splice(0));
        }
        await Promise.all(requests);
        await new Promise((resolve) => setTimeout(resolve, 150));
    }
}

async function query(prometheus: RunningPrometheus, expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const url = new URL("/api/v1/query", prometheus.url);
    url.searchParams.set("query", expression);
    const answer = (await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return answer.data.result;
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

describe("predeploy", function () {
    this.timeout(120_000);

    describe("the error budget, from a real Prometheus scraping the sample service", function () {
        let prometheus: RunningPrometheus | undefined;
        const services: RunningService[] = [];

        before(async function () {
            const tools = prometheusOrSkip(this);
            const dir = scratchDir("platform-prometheus-");
            const rules = await writeDeployedRules(dir, "prod");
            const api = await startSampleService({ BUILD_SHA: "a".repeat(40) });
            const worker = await startSampleService({ BUILD_SHA: "b".repeat(40) });
            services.push(api, worker);
            prometheus = await startPrometheus(tools, {
                global: { scrape_interval: "1s", evaluation_interval: "1s" },
                rule_files: [rules],
                scrape_configs: [{
                    job_name: "apps",
                    static_configs: [
                        { targets: [`127.0.0.1:${api.port}`], labels: { namespace: "apps", service: "api" } },
                        { targets: [`127.0.0.1:${worker.port}`], labels: { namespace: "apps", service: "worker" } },
                    ],
                }],
            }, dir);
            const running = prometheus;
            // Scraped before any traffic, so that both counters start from 0 in Prometheus.
            await until("both targets up", async () => (await query(running, 'up{job="apps"} == 1')).length === 2);
            await Promise.all([traffic(api, 4, 400, 1), traffic(worker, 4, 400, 6)]);
            // Two more scrapes and evaluations take in the last requests.
            await new Promise((resolve) => setTimeout(resolve, 2_500));
            await until("recorded request rates", async () => (await query(running, "service:http_requests:rate5m > 0")).length === 2);
        });

        after(async function () {
            await prometheus?.stop();
            for (const service of services) await service.stop();
        });

        function budgetRun(extra: string[]) {
            return runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", String(prometheus?.url), ...extra]);
        }

        it("the recording rules measure the mix that was sent: api 0.25%, worker 1.5%", async function () {
            const ratios = await query(prometheus as RunningPrometheus, "service:http_errors:ratio_rate7d");
            const byService = Object.fromEntries(ratios.map((sample) => [sample.metric.service, Number(sample.value[1]) * 100]));
            assert.ok(Math.abs(byService.api - 0.25) < 0.1, JSON.stringify(byService));
            assert.ok(Math.abs(byService.worker - 1.5) < 0.3, JSON.stringify(byService));
        });

        it("under budget, the deploy of api may go ahead", async function () {
            const result = await predeploy({ projectDir: PROJECT_DIR, stack: "prod", checks: ["error-budget"], budgetSource: { prometheusUrl: new URL(String(prometheus?.url)) }, window: "7d", services: ["api"], namespace: "apps" });
            assert.equal(result.exitCode, 0, JSON.stringify(result));
            const [check] = result.checks;
            assert.equal(check.status, "passed");
            const measured = /^api (\d\.\d\d)% 5xx over 7d \(budget 0\.5%\)$/.exec(check.detail);
            assert.ok(measured && Math.abs(Number(measured[1]) - 0.25) < 0.1, check.detail);
        });

        it("over budget, the stack is frozen with one line naming the ratio, the window, the budget and the service", async function () {
            const run = await budgetRun([]);
            assert.equal(run.status, 1, run.stdout + run.stderr);
            const freeze = /^deploy freeze: (\d\.\d\d)% 5xx over 7d > 0\.5% budget \(worker\)$/.exec(lastLine(run.stdout));
            assert.ok(freeze && Math.abs(Number(freeze[1]) - 1.5) < 0.3, run.stdout);
        });

        it("the freeze yields only to --override-freeze with an incident id, which the output records", async function () {
            const run = await budgetRun(["--override-freeze", "INC-4711", "--format", "json"]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const result = report(run.stdout);
            assert.equal(result.checks[0].status, "overridden");
            assert.match(result.notes[0], /^deploy freeze overridden for incident INC-4711( by \S+)?: \d\.\d\d% 5xx over 7d > 0\.5% budget \(worker\)$/);
            assert.equal(result.verdict, "predeploy passed: prod may deploy (deploy freeze overridden for incident INC-4711)");
        });
    });

    describe("the other checks, on the real stack files", function () {
        it("prod passes every check with a budget answer saved from Prometheus, written as JUnit too", async function () {
            const dir = scratchDir("platform-predeploy-");
            const answer = path.join(dir, "budget.json");
            fs.writeFileSync(answer, JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { namespace: "apps", service: "api" }, value: [1764670000, "0.0031"] }] } }));
            const junit = path.join(dir, "predeploy.xml");
            const run = await runTool(["predeploy", "--stack", "prod", "--error-budget-file", answer, "--format", "json", "--output", `junit=${junit}`]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const result = report(run.stdout);
            assert.deepEqual(result.checks.map((check) => [check.name, check.status]), [
                ["config", "passed"], ["secrets", "passed"], ["policy", "passed"], ["parity", "passed"], ["migrations", "passed"], ["error-budget", "passed"],
            ]);
            assert.equal(result.checks[5].detail, "api 0.31% 5xx over 7d (budget 0.5%)");
            assert.match(fs.readFileSync(junit, "utf8"), /<testsuite name="predeploy prod" tests="6" failures="0"/);
        });

        it("gcp-prod's config, policy and parity checks pass, its parity against the GCP baseline", async function () {
            const run = await runTool(["predeploy", "--stack", "gcp-prod", "--only", "config,policy,parity", "--format", "json"]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const result = report(run.stdout);
            assert.deepEqual(result.checks.map((check) => [check.name, check.status]), [["config", "passed"], ["policy", "passed"], ["parity", "passed"]]);
            assert.equal(result.checks[2].detail, "policies/parity/baseline-gcp.json matches what gcp-prod renders");
        });

        it("a destructive migration in prod runs only inside the declared maintenance window", async function () {
            const dir = scratchDir("platform-predeploy-");
            for (const file of ["Pulumi.yaml", "Pulumi.prod.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
            const stackFile = path.join(dir, "Pulumi.prod.yaml");
            const original = fs.readFileSync(stackFile, "utf8").replace("contract: safe_online", "contract: destructive");
            const minute = (offsetMinutes: number): string => new Date(Date.now() + offsetMinutes * 60_000).toISOString().slice(0, 16) + "Z";
            const withWindow = (window: string): void => fs.writeFileSync(stackFile, `${original}  platform:release:\n    maintenanceWindow: "${window}"\n`);
            const run = () => runTool(["predeploy", "--stack", "prod", "--project-dir", dir, "--only", "config,migrations", "--format", "json"]);

            withWindow(`CHG-1234 ${minute(-30)}/${minute(30)}`);
            const inside = await run();
            assert.equal(inside.status, 0, inside.stdout + inside.stderr);
            assert.match(report(inside.stdout).checks[1].detail, /^worker destructive; inside the maintenance window /);

            withWindow(`CHG-1234 ${minute(60)}/${minute(120)}`);
            const outside = await run();
            assert.equal(outside.status, 1);
            assert.match(report(outside.stdout).checks[1].detail, /^worker's destructive migration is allowed only inside the maintenance window .* it is 20/);
        });

        it("an API key a service reads counts as set only as a secure value in platform:apiKeys", async function () {
            const dir = scratchDir("platform-predeploy-");
            for (const file of ["Pulumi.yaml", "Pulumi.staging.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
            const stackFile = path.join(dir, "Pulumi.staging.yaml");
            const text = fs.readFileSync(stackFile, "utf8").replace("secrets: [databaseUrl, redisUrl, jwtSecret]", "secrets: [databaseUrl, redisUrl, jwtSecret, apiKeys.stripe]");
            fs.writeFileSync(stackFile, `${text}  platform:apiKeys:\n    stripe:\n      secure: v1:c2FsdHNhbHQ=:dGhpcyBpcyBub3QgcmVhbA==\n`);
            const run = await runTool(["predeploy", "--stack", "staging", "--project-dir", dir, "--only", "config,secrets", "--format", "json"]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            assert.equal(report(run.stdout).checks[1].detail, "every secret the services read is set: 5 from the platform's secret store, 1 API key as secure values");
            assert.ok(!run.stdout.includes("dGhpcyBpcyBub3QgcmVhbA"), "no ciphertext in the output");
        });

        it("an invalid stack file fails the config check with its first problem, and the checks that need it are skipped", async function () {
            const dir = scratchDir("platform-predeploy-");
            for (const file of ["Pulumi.yaml", "Pulumi.prod.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
            fs.appendFileSync(path.join(dir, "Pulumi.prod.yaml"), "  platform:postgres:\n    multiAz: false\n");
            const run = await runTool(["predeploy", "--stack", "prod", "--project-dir", dir, "--only", "config,secrets,migrations", "--format", "json"]);
            assert.equal(run.status, 1);
            const result = report(run.stdout);
            assert.deepEqual(result.checks.map((check) => check.status), ["failed", "skipped", "skipped"]);
            assert.equal(result.verdict, "predeploy failed: Pulumi.prod.yaml: platform:postgres.multiAz: expected true in the prod tier; found false");
        });

        const usage: [string, string[], RegExp][] = [
            ["no budget source", ["--stack", "prod"], /^error: the error-budget check needs --prometheus-url <url> or --error-budget-file <file> \(see --help\)$/],
            ["a Prometheus URL with credentials", ["--stack", "prod", "--prometheus-url", "http://admin:prom-canary-5e1f@127.0.0.1:9090"], /^error: --prometheus-url must not carry credentials \(reach Prometheus through scripts\/prometheus-forward\.sh\) \(see --help\)$/],
            ["an override without an incident id", ["--stack", "prod", "--error-budget-file", "x.json", "--override-freeze", ""], /^error: --override-freeze takes an incident id/],
        ];
        for (const [name, args, message] of usage) {
            it(`refuses ${name} with one line and exit 2`, async function () {
                const run = await runTool(["predeploy", ...args]);
                assert.equal(run.status, 2);
                assert.match(run.stderr.trim(), message);
                assert.ok(!`${run.stdout}${run.stderr}`.includes("prom-canary-5e1f"), "the credentials are never echoed");
            });
        }
    });
});
