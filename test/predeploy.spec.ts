import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { stringify } from "yaml";
import { errorBudgetRatioQuery } from "../components/monitoring/rules";
import { CheckReport } from "../tools/checks";
import { budgetQuery, predeploy, PredeployOptions } from "../tools/predeploy";
import { prometheusOrSkip, RunningPrometheus, runPromtool, startPrometheus, writeDeployedRules } from "./support/prometheus";
import { scratchDir } from "./support/scratch";
import { RunningService, startSampleService, startStub } from "./support/sample-service";
import { PROJECT_DIR } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

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

type Sample = Record<string, unknown>;

/** A sample of Prometheus' answer to the budget query: the service's labels and [<time>, "<ratio>"]. */
function sample(service: string, value: unknown): Sample {
    return { metric: { namespace: "apps", service }, value: [1764670000, value] };
}

/** A saved answer of Prometheus' /api/v1/query (result type vector), as --error-budget-file reads it. */
function answerFile(samples: readonly unknown[]): string {
    const file = path.join(scratchDir("platform-budget-"), "budget.json");
    fs.writeFileSync(file, JSON.stringify({ status: "success", data: { resultType: "vector", result: samples } }));
    return file;
}

/** The error-budget check alone, called as a caller that knows more than the command line would. */
function budgetOnly(stack: string, file: string, extra: Partial<PredeployOptions> = {}): Promise<CheckReport> {
    return predeploy({ projectDir: PROJECT_DIR, stack, checks: ["error-budget"], budgetSource: { file }, window: "7d", services: [], namespace: "apps", ...extra });
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

    describe("the error budget's answer: a ratio between 0 and 1 per service, or no requests recorded", function () {
        const BUDGET_LINE = (problem: string): RegExp => new RegExp(`^error: \\S+: error budget: ${problem}$`);
        const ratio = "not a ratio between 0 and 1";
        // What Prometheus (or a hand-edited file) could answer for api, and the one line that refuses it.
        const bad: [name: string, samples: unknown[], line: RegExp][] = [
            ["+Inf", [sample("api", "+Inf")], BUDGET_LINE(`api: Prometheus answered "\\+Inf", ${ratio}`)],
            ["-Inf", [sample("api", "-Inf")], BUDGET_LINE(`api: Prometheus answered "-Inf", ${ratio}`)],
            ["NaN (never the query's answer for a service without requests)", [sample("api", "NaN")], BUDGET_LINE(`api: Prometheus answered "NaN", ${ratio} \\(the budget query leaves out a service without requests rather than answer NaN\\)`)],
            ["a negative ratio", [sample("api", "-5")], BUDGET_LINE(`api: Prometheus answered "-5", ${ratio}`)],
            ["a ratio above 1", [sample("api", "1.5")], BUDGET_LINE(`api: Prometheus answered "1\\.5", ${ratio}`)],
            ["null", [sample("api", null)], BUDGET_LINE("api: the value is null, not a string \\(Prometheus writes sample values as strings\\)")],
            ["an empty string", [sample("api", "")], BUDGET_LINE(`api: Prometheus answered an empty string, ${ratio}`)],
            ["text", [sample("api", "abc")], BUDGET_LINE(`api: Prometheus answered text of 3 characters, ${ratio}`)],
            ["a hex spelling that Number() reads as 1", [sample("api", "0x1")], BUDGET_LINE(`api: Prometheus answered text of 3 characters, ${ratio}`)],
            ["a number instead of a string", [sample("api", 0.001)], BUDGET_LINE("api: the value is the number 0\\.001, not a string \\(Prometheus writes sample values as strings\\)")],
            ["a sample without a value", [{ metric: { service: "api" } }], BUDGET_LINE("api: the sample has no value")],
            ["a value that is not a [time, value] pair", [{ metric: { service: "api" }, value: ["0.001"] }], BUDGET_LINE("api: the value is a list of 1 entry, not a \\[<time>, \"<ratio>\"\\] pair")],
            ["a time that is not a number", [{ metric: { service: "api" }, value: ["soon", "0.001"] }], BUDGET_LINE("api: the value's time is text of 4 characters, not seconds since the epoch")],
            ["a second sample for the same service", [sample("api", "0.001"), sample("api", "0.002")], BUDGET_LINE("api has more than one sample in the answer")],
            ["a sample without a service label", [sample("worker", "0.001"), { metric: { namespace: "apps" }, value: [1764670000, "0.001"] }], BUDGET_LINE("result 2 has no service label")],
            ["a service label that is not a name", [{ metric: { service: "api\u001b]0;pwned\u0007-CANARY-LABEL-2b9c" }, value: [1764670000, "0.001"] }], BUDGET_LINE("result 1: the service label is not a name \\(a-z, 0-9, -\\); found text of \\d+ characters")],
        ];
        const runs = new Map<string, Promise<ToolRun>>();

        before(function () {
            // Started together: each is a process of half a second, and they do not depend on each other.
            for (const [name, samples] of bad) runs.set(name, runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--error-budget-file", answerFile(samples)]));
        });

        for (const [name, , line] of bad) {
            it(`refuses ${name} with exit 2 and one line naming what was wrong`, async function () {
                const run = await (runs.get(name) as Promise<ToolRun>);
                assert.equal(run.status, 2, run.stdout + run.stderr);
                assert.equal(run.stdout, "");
                assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
                assert.match(run.stderr.trimEnd(), line);
                assert.ok(!["CANARY-LABEL", "pwned", "\u001b"].some((text) => run.stderr.includes(text)), "the label's text is never echoed");
            });
        }

        describe("from Prometheus' HTTP API (a stub on 127.0.0.1)", function () {
            let stub: RunningService | undefined;
            const asked: string[] = [];
            let answer: (response: http.ServerResponse) => void = () => undefined;

            before(async function () {
                stub = await startStub((request, response) => {
                    asked.push(new URL(request.url ?? "/", "http://stub").searchParams.get("query") ?? "");
                    answer(response);
                });
            });

            after(async function () {
                await stub?.stop();
            });

            const budgetRun = () => runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", String(stub?.url)]);

            it("refuses +Inf with exit 2 and one line, as from a file; the query asks only for services with requests", async function () {
                answer = (response) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [sample("api", "+Inf"), sample("worker", "0.001")] } }));
                const run = await budgetRun();
                assert.equal(run.status, 2, run.stdout + run.stderr);
                assert.equal(run.stdout, "");
                assert.equal(run.stderr, `error: ${String(stub?.url)}: error budget: api: Prometheus answered "+Inf", not a ratio between 0 and 1\n`);
                assert.equal(asked.pop(), budgetQuery({ window: "7d", namespace: "apps", services: [] }));
            });

            it("refuses an answer that is not JSON with exit 2 and one line that says what came, never quoting it", async function () {
                answer = (response) => response.writeHead(200, { "content-type": "text/html" }).end("CANARY-BODY-7f3a <html>a proxy's login page</html>");
                const run = await budgetRun();
                assert.equal(run.status, 2, run.stdout + run.stderr);
                assert.match(run.stderr, /^error: http:\/\/127\.0\.0\.1:\d+: error budget: Prometheus answered 200 with text\/html, 50 bytes: not JSON\n$/);
                assert.ok(!`${run.stdout}${run.stderr}`.includes("CANARY"), run.stderr);
            });

            it("an HTTP error is a failed check (exit 1) that names the status, not the body", async function () {
                answer = (response) => response.writeHead(503).end("CANARY-BODY-7f3a overloaded");
                const run = await budgetRun();
                assert.equal(run.status, 1, run.stdout + run.stderr);
                assert.equal(lastLine(run.stdout), `predeploy failed: cannot read the error budget from ${String(stub?.url)}: HTTP 503`);
                assert.ok(!`${run.stdout}${run.stderr}`.includes("CANARY"), run.stdout);
            });
        });

        it("a saved answer that is not JSON is refused without quoting it either", async function () {
            const file = path.join(scratchDir("platform-budget-"), "budget.json");
            fs.writeFileSync(file, "CANARY-BODY-7f3a");
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--error-budget-file", file]);
            assert.equal(run.status, 2);
            assert.match(run.stderr, /: not valid JSON: /);
            assert.ok(!`${run.stdout}${run.stderr}`.includes("CANARY"), run.stderr);
        });

        it("in prod, a service with no requests recorded fails closed when the stack's history is unknown (exit 1)", async function () {
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--error-budget-file", answerFile([sample("api", "0.001")])]);
            assert.equal(run.status, 1, run.stdout + run.stderr);
            assert.equal(lastLine(run.stdout), "predeploy failed: error budget: no requests recorded for worker over 7d in prod: a broken scrape, or a service that never served (fail closed)");
            const none = await budgetOnly("prod", answerFile([]));
            assert.equal(none.checks[0].detail, "error budget: no requests recorded for api, worker over 7d in prod: a broken scrape, or a service that never served (fail closed)");
        });

        it("in prod, a service with no requests passes as a first deployment only when the stack's history lacks it", async function () {
            const file = answerFile([sample("api", "0.001")]);
            const first = await budgetOnly("prod", file, { servicesWithHistory: new Set(["api"]) });
            assert.equal(first.exitCode, 0, JSON.stringify(first));
            assert.deepEqual(first.checks.map((check) => [check.status, check.detail]), [["passed", "api 0.10% 5xx over 7d (budget 0.5%); first deployment of worker: no traffic yet"]]);
            const ran = await budgetOnly("prod", file, { servicesWithHistory: new Set(["api", "worker"]) });
            assert.equal(ran.exitCode, 1);
            assert.match(ran.checks[0].detail, /^error budget: no requests recorded for worker over 7d in prod: /);
        });

        it("in prod, --override-freeze lets a spent budget through, not a service without requests", async function () {
            const result = await budgetOnly("prod", answerFile([sample("api", "0.02")]), { overrideFreeze: "INC-4711" });
            assert.equal(result.exitCode, 1);
            assert.equal(result.checks[0].detail, "error budget: no requests recorded for worker over 7d in prod: a broken scrape, or a service that never served (fail closed); and deploy freeze: 2.00% 5xx over 7d > 0.5% budget (api)");
        });

        it("outside prod, a service with no requests passes and the detail says so; a service the stack does not deploy is not judged", async function () {
            const run = await runTool(["predeploy", "--stack", "staging", "--only", "error-budget", "--format", "json", "--error-budget-file", answerFile([sample("api", "0.001"), sample("retired", "0.9")])]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            assert.deepEqual(report(run.stdout).checks.map((check) => [check.status, check.detail]), [["passed", "api 0.10% 5xx over 7d (budget 0.5%); no requests recorded for worker over 7d (allowed outside prod)"]]);
        });

        it("--service limits the services judged, and one the stack does not deploy is bad usage", async function () {
            const only = await budgetOnly("prod", answerFile([sample("api", "0.001")]), { services: ["api"] });
            assert.equal(only.exitCode, 0, JSON.stringify(only));
            const run = await runTool(["predeploy", "--stack", "prod", "--only", "error-budget", "--service", "billing", "--error-budget-file", answerFile([sample("api", "0.001")])]);
            assert.equal(run.status, 2);
            assert.equal(run.stderr, "error: --service billing: prod deploys no such service (it deploys api, worker) (see --help)\n");
        });

        it("the query in the deploy runbook is the one predeploy asks", function () {
            const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "deploy.md"), "utf8");
            assert.equal(/'query=([^']+)'/.exec(runbook)?.[1], budgetQuery({ window: "7d", namespace: "apps", services: [] }));
        });

        it("under promtool, 0/0 is NaN for a service without requests, and the budget query leaves that service out", async function () {
            const tools = prometheusOrSkip(this);
            const dir = scratchDir("platform-budget-query-");
            const rules = await writeDeployedRules(dir, "prod");
            const counter = (service: string, code: string, values: string) => ({ series: `http_requests_total{namespace="apps",service="${service}",code="${code}"}`, values });
            const selector = '{namespace="apps"}';
            fs.writeFileSync(path.join(dir, "budget-query.yml"), stringify({
                rule_files: [path.basename(rules)],
                evaluation_interval: "1m",
                tests: [{
                    interval: "1m",
                    input_series: [
                        counter("api", "200", "0+996x180"),
                        counter("api", "503", "0+4x180"),
                        // Served, then nothing for the last two hours: its counter stays, its rates are 0.
                        counter("quiet", "200", "0+100x60 6000+0x120"),
                    ],
                    promql_expr_test: [
                        { expr: `count by (service) (${budgetQuery({ window: "1h", namespace: "apps", services: [] })})`, eval_time: "3h", exp_samples: [{ labels: '{service="api"}', value: 1 }] },
                        { expr: `count by (service) (${errorBudgetRatioQuery("1h", selector)} != ${errorBudgetRatioQuery("1h", selector)})`, eval_time: "3h", exp_samples: [{ labels: '{service="quiet"}', value: 1 }] },
                    ],
                }],
            }, { lineWidth: 0 }));
            const result = runPromtool(tools, ["test", "rules", "budget-query.yml"], dir);
            assert.equal(result.status, 0, result.output);
        });
    });

    describe("the other checks, on the real stack files", function () {
        it("prod passes every check with a budget answer saved from Prometheus, written as JUnit too", async function () {
            const dir = scratchDir("platform-predeploy-");
            const answer = path.join(dir, "budget.json");
            fs.writeFileSync(answer, JSON.stringify({ status: "success", data: { resultType: "vector", result: [sample("api", "0.0031"), sample("worker", "0.0007")] } }));
            const junit = path.join(dir, "predeploy.xml");
            const run = await runTool(["predeploy", "--stack", "prod", "--error-budget-file", answer, "--format", "json", "--output", `junit=${junit}`]);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const result = report(run.stdout);
            assert.deepEqual(result.checks.map((check) => [check.name, check.status]), [
                ["config", "passed"], ["secrets", "passed"], ["api-key-rotation", "passed"], ["policy", "passed"], ["parity", "passed"], ["release", "passed"], ["migrations", "passed"], ["error-budget", "passed"],
            ]);
            assert.equal(result.checks[7].detail, "api 0.31%, worker 0.07% 5xx over 7d (budget 0.5%)");
            assert.match(fs.readFileSync(junit, "utf8"), /<testsuite name="predeploy prod" tests="8" failures="0"/);
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
            // A destructive migration also needs a fresh snapshot of the database in prod (tools/migrations/pending.ts).
            const run = () => runTool(["predeploy", "--stack", "prod", "--project-dir", dir, "--only", "config,migrations", "--format", "json", "--snapshot", "platform-prod-before-chg-1234"]);

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

describe("predeploy: the release check (the ledger's rule on what the stack file runs)", function () {
    this.timeout(60_000);
    const PROD_API = "sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287";
    const CANDIDATE = `sha256:${"4e".repeat(32)}`;

    function projectWith(stack: string, digest: string, ledger: boolean): string {
        const dir = scratchDir("platform-predeploy-release-");
        for (const file of ["Pulumi.yaml", `Pulumi.${stack}.yaml`]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(dir, file));
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(PROD_API, digest));
        if (ledger) {
            fs.mkdirSync(path.join(dir, "releases"));
            fs.copyFileSync(path.join(PROJECT_DIR, "releases", "ledger.json"), path.join(dir, "releases", "ledger.json"));
        }
        return dir;
    }

    it("a digest staging never verified is refused for prod with a line naming it (exit 1)", async function () {
        const run = await runTool(["predeploy", "--stack", "prod", "--only", "release", "--project-dir", projectWith("prod", CANDIDATE, true)]);
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.match(run.stdout, /predeploy failed: prod runs api@sha256:4e4e4e4e4e4e…, which staging never verified: prod runs only what staging proved/);
    });

    it("a candidate in staging passes once the ledger says dev verified it", async function () {
        const dir = projectWith("staging", CANDIDATE, true);
        const refused = await runTool(["predeploy", "--stack", "staging", "--only", "release", "--project-dir", dir]);
        assert.equal(refused.status, 1);
        const ledgerFile = path.join(dir, "releases", "ledger.json");
        const ledger = JSON.parse(fs.readFileSync(ledgerFile, "utf8")) as { entries: object[] };
        const at = "2026-12-08T10:00:00Z";
        ledger.entries.push({ event: "published", service: "api", digest: CANDIDATE, sha: "9f8e7d6", at }, { event: "verified", service: "api", digest: CANDIDATE, sha: "9f8e7d6", stack: "dev", at });
        fs.writeFileSync(ledgerFile, JSON.stringify(ledger));
        const passed = await runTool(["predeploy", "--stack", "staging", "--only", "release", "--project-dir", dir]);
        assert.equal(passed.status, 0, passed.stdout);
        assert.match(passed.stdout, /the release ledger vouches for api@4e4e4e4e4e4e, worker@53b73b80c384/);
    });

    it("fails closed without a ledger", async function () {
        const run = await runTool(["predeploy", "--stack", "prod", "--only", "release", "--project-dir", projectWith("prod", PROD_API, false)]);
        assert.equal(run.status, 1);
        assert.match(run.stdout, /release ledger: the release ledger releases\/ledger\.json is missing \(fail closed\)/);
    });
});
