import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { AlertRule, alertRuleGroups } from "../components/monitoring/rules";
import { prometheusOrSkip, PrometheusTools, runPromtool, writeDeployedRules } from "./support/prometheus";
import { scratchDir } from "./support/scratch";

/*
 * The rules the program deploys (the PrometheusRule of the prod stack, rendered from Pulumi.prod.yaml)
 * judged by the real Prometheus rule engine: `promtool check rules` and `promtool test rules` on synthetic
 * series. Prod's error budget is the tier default, 0.5% (the expected annotations come from the same rules).
 */

const BUDGET_PERCENT = 0.5;
const MINUTES_PER_WEEK = 7 * 24 * 60;
const API = { namespace: "apps", service: "api" };

type Labels = Readonly<Record<string, string>>;

function alertNamed(name: string): AlertRule {
    const rule = alertRuleGroups(BUDGET_PERCENT).flatMap((group) => group.rules).find((entry) => "alert" in entry && entry.alert === name);
    assert.ok(rule && "alert" in rule, name);
    return rule;
}

/** What promtool must find firing: the rule's labels and its annotations with the series' labels filled in. */
function firing(name: string, labels: Labels): { exp_labels: Labels; exp_annotations: Labels } {
    const rule = alertNamed(name);
    const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([key, text]) => [key, text.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, label: string) => labels[label] ?? "")]));
    return { exp_labels: { ...rule.labels, ...labels }, exp_annotations: annotations };
}

function series(name: string, labels: Labels): string {
    return `${name}{${Object.entries(labels).map(([key, value]) => `${key}="${value}"`).join(",")}}`;
}

/** Requests per minute of a service, split into 5xx and the rest; phases of [minutes, 5xx per mille]. */
function traffic(labels: Labels, phases: readonly [minutes: number, perMille: number][]): { series: string; values: string }[] {
    const values = (errors: boolean): string => {
        let total = 0;
        const parts: string[] = [`${total}`];
        for (const [minutes, perMille] of phases) {
            const step = errors ? perMille : 1000 - perMille;
            parts.push(`${total + step}+${step}x${minutes - 1}`);
            total += step * minutes;
        }
        return parts.join(" ");
    };
    return [
        { series: series("http_requests_total", { ...labels, code: "200" }), values: values(false) },
        { series: series("http_requests_total", { ...labels, code: "503" }), values: values(true) },
    ];
}

const BUDGET_ALERTS = ["ErrorBudgetExhausted", "ErrorBudgetSlowBurn", "ErrorBudgetFastBurn"];

describe("the deployed Prometheus rules, under promtool", function () {
    this.timeout(120_000);
    let tools: PrometheusTools;
    let dir: string;
    let rulesFile: string;

    before(async function () {
        tools = prometheusOrSkip(this);
        dir = scratchDir("platform-promtool-");
        rulesFile = await writeDeployedRules(dir, "prod");
    });

    function promtoolTest(evaluationInterval: string, tests: unknown[]): { status: number | null; output: string } {
        const file = path.join(dir, `test-${Math.random().toString(36).slice(2)}.yml`);
        fs.writeFileSync(file, stringify({ rule_files: [path.basename(rulesFile)], evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 }));
        return runPromtool(tools, ["test", "rules", path.basename(file)], dir);
    }

    it("promtool accepts the rule file", function () {
        const result = runPromtool(tools, ["check", "rules", path.basename(rulesFile)], dir);
        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS: 13 rules found/);
    });

    it("every alert asks for a page or a ticket: pages for the fast burn and a service down, tickets for the rest", function () {
        const alerts = alertRuleGroups(BUDGET_PERCENT).flatMap((group) => group.rules).filter((rule): rule is AlertRule => "alert" in rule);
        const bySeverity = (severity: string): string[] => alerts.filter((rule) => rule.labels.severity === severity).map((rule) => rule.alert);
        assert.deepEqual(bySeverity("page"), ["ErrorBudgetFastBurn", "ServiceDown"]);
        assert.deepEqual(bySeverity("ticket"), ["ErrorBudgetSlowBurn", "ErrorBudgetExhausted", "HealthProbeFailing", "ContainerNotReady"]);
        assert.equal(bySeverity("page").length + bySeverity("ticket").length, alerts.length);
    });

    it("a week at 0.4% 5xx is quiet; at 0.6% the budget alert fires, and nothing else", function () {
        const week = (perMille: number, labels: Labels) => traffic(labels, [[MINUTES_PER_WEEK, perMille]]);
        const quiet = { ...API, service: "quiet" };
        const spent = { ...API, service: "spent" };
        const clean = { ...API, service: "clean" };
        const result = promtoolTest("5m", [{
            interval: "1m",
            // `clean` never answered a 5xx: it has no 5xx series at all, and still a ratio of 0.
            input_series: [...week(4, quiet), ...week(6, spent), { series: series("http_requests_total", { ...clean, code: "200" }), values: `0+1000x${MINUTES_PER_WEEK}` }],
            alert_rule_test: BUDGET_ALERTS.map((alertname) => ({
                eval_time: "7d",
                alertname,
                exp_alerts: alertname === "ErrorBudgetExhausted" ? [firing(alertname, spent)] : [],
            })),
            promql_expr_test: [{
                expr: "round(service:http_errors:ratio_rate7d * 100000)",
                eval_time: "7d",
                exp_samples: [{ labels: `{namespace="apps",service="clean"}`, value: 0 }, { labels: `{namespace="apps",service="quiet"}`, value: 400 }, { labels: `{namespace="apps",service="spent"}`, value: 600 }],
            }],
        }]);
        assert.equal(result.status, 0, result.output);
    });

    it("the checker is not a rubber stamp: expecting silence from a day at 0.6% fails", function () {
        const result = promtoolTest("5m", [{
            interval: "1m",
            input_series: traffic(API, [[24 * 60, 6]]),
            alert_rule_test: [{ eval_time: "1d", alertname: "ErrorBudgetExhausted", exp_alerts: [] }],
        }]);
        assert.equal(result.status, 1, result.output);
        assert.match(result.output, /ErrorBudgetExhausted/);
    });

    it("a fast burn (20% 5xx after a healthy hour) pages within its one-hour window; the slow burn follows", function () {
        const result = promtoolTest("1m", [{
            interval: "1m",
            input_series: traffic(API, [[60, 2], [60, 200]]),
            alert_rule_test: [
                { eval_time: "59m", alertname: "ErrorBudgetFastBurn", exp_alerts: [] },
                { eval_time: "70m", alertname: "ErrorBudgetFastBurn", exp_alerts: [] },
                { eval_time: "2h", alertname: "ErrorBudgetFastBurn", exp_alerts: [firing("ErrorBudgetFastBurn", API)] },
                { eval_time: "2h", alertname: "ErrorBudgetSlowBurn", exp_alerts: [firing("ErrorBudgetSlowBurn", API)] },
            ],
        }]);
        assert.equal(result.status, 0, result.output);
    });

    it("failing readiness probes and a container not ready fire their alerts; a healthy pod stays quiet", function () {
        const failing = { namespace: "apps", pod: "api-7d9f", container: "api", probe_type: "Readiness" };
        const healthy = { namespace: "apps", pod: "api-8a1c", container: "api", probe_type: "Readiness" };
        const result = promtoolTest("1m", [{
            interval: "1m",
            input_series: [
                { series: series("prober_probe_total", { ...failing, result: "failed" }), values: "0+6x30" },
                { series: series("prober_probe_total", { ...healthy, result: "successful" }), values: "0+6x30" },
                { series: series("prober_probe_total", { ...healthy, result: "failed" }), values: "0x30" },
                { series: series("kube_pod_container_status_ready", { namespace: "apps", pod: "api-7d9f", container: "api" }), values: "0x30" },
                { series: series("kube_pod_container_status_ready", { namespace: "apps", pod: "api-8a1c", container: "api" }), values: "1x30" },
            ],
            // A service's container is named after it: pod alerts carry its `service`, to group and inhibit with it.
            alert_rule_test: [
                { eval_time: "3m", alertname: "HealthProbeFailing", exp_alerts: [] },
                { eval_time: "15m", alertname: "HealthProbeFailing", exp_alerts: [firing("HealthProbeFailing", { ...failing, service: "api" })] },
                { eval_time: "9m", alertname: "ContainerNotReady", exp_alerts: [] },
                { eval_time: "15m", alertname: "ContainerNotReady", exp_alerts: [firing("ContainerNotReady", { namespace: "apps", pod: "api-7d9f", container: "api", service: "api" })] },
            ],
        }]);
        assert.equal(result.status, 0, result.output);
    });

    it("a Service of the apps namespace with no ready endpoint for 3 minutes pages; one with a ready address, or elsewhere, does not", function () {
        const endpoint = (namespace: string, name: string) => series("kube_endpoint_info", { namespace, endpoint: name });
        const address = (namespace: string, name: string, ip: string, ready: string) => series("kube_endpoint_address", { namespace, endpoint: name, ip, port_name: "http", port_number: "80", port_protocol: "TCP", ready });
        const result = promtoolTest("1m", [{
            interval: "1m",
            input_series: [
                // api: its only pod stops being ready after 4 minutes: its ready address goes stale (gone from the scrape), a not-ready one appears.
                { series: endpoint("apps", "api"), values: "1x20" },
                { series: address("apps", "api", "10.0.1.7", "true"), values: "1x4 stale" },
                { series: address("apps", "api", "10.0.1.7", "false"), values: "_x4 1x15" },
                // worker: one of two pods not ready, the other serving.
                { series: endpoint("apps", "worker"), values: "1x20" },
                { series: address("apps", "worker", "10.0.1.8", "true"), values: "1x20" },
                { series: address("apps", "worker", "10.0.1.9", "false"), values: "1x20" },
                // A Service of another namespace with no endpoint at all is not a platform service.
                { series: endpoint("telemetry", "tempo"), values: "1x20" },
            ],
            alert_rule_test: [
                { eval_time: "4m", alertname: "ServiceDown", exp_alerts: [] },
                { eval_time: "7m", alertname: "ServiceDown", exp_alerts: [] },
                { eval_time: "10m", alertname: "ServiceDown", exp_alerts: [firing("ServiceDown", { namespace: "apps", endpoint: "api", service: "api" })] },
            ],
        }]);
        assert.equal(result.status, 0, result.output);
    });
});
