import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { canaryAnalysisSpec, canaryRecordingRules, CanaryQueryArgs, canarySteps, errorRatioVerdictQuery, latencyVerdictQuery } from "../components/delivery/canary";
import { prometheusOrSkip, runPromtool } from "./support/prometheus";
import { scratchDir } from "./support/scratch";
import { namedBySuffix, ofType, plainInputs, renderedStack } from "./support/stacks";

/*
 * The canary analysis, evaluated by the real promtool (Debian's prometheus package) on the recording rules
 * the program deploys and the queries the AnalysisTemplate asks: a healthy canary is promoted (1), a canary
 * with 2% 5xx or a slow p99 is aborted (0), a canary with no traffic is neither (-1: Argo calls it
 * Inconclusive and pauses the rollout for a person).
 */

const ARGS: CanaryQueryArgs = { namespace: "apps", service: "api", canaryHash: "6c8f9d7b5", stableHash: "58d4c6f8b7" };
const BUCKETS = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

interface Traffic {
    /** Requests per second. */
    readonly rate: number;
    /** Share answered 500. */
    readonly errors: number;
    /** Where requests fall: the upper bound every request stays under. */
    readonly latency: string;
}

/** Counter series for one version over 20 minutes at a steady rate (one sample a minute). */
function version(hash: string, traffic: Traffic | undefined): { series: string; values: string }[] {
    const labels = `namespace="apps",service="api",pod="api-${hash}-x",rollouts_pod_template_hash="${hash}"`;
    const perMinute = (perSecond: number) => `0+${Math.round(perSecond * 60 * 1000) / 1000}x20`;
    if (traffic === undefined) return [{ series: `http_requests_total{${labels},code="200"}`, values: "0x20" }];
    return [
        { series: `http_requests_total{${labels},code="200"}`, values: perMinute(traffic.rate * (1 - traffic.errors)) },
        { series: `http_requests_total{${labels},code="500"}`, values: perMinute(traffic.rate * traffic.errors) },
        ...BUCKETS.map((le) => ({ series: `http_request_duration_seconds_bucket{${labels},le="${le}"}`, values: perMinute(le === "+Inf" || Number(le) >= Number(traffic.latency) ? traffic.rate : 0) })),
    ];
}

const STABLE: Traffic = { rate: 20, errors: 0.0025, latency: "0.1" };

/** A promtool test case: the two verdict queries at 15 minutes, with the verdicts expected. */
function testCase(name: string, canary: Traffic | undefined, expected: { errors: number; latency: number }) {
    return {
        name,
        interval: "1m",
        input_series: [...version(ARGS.stableHash, STABLE), ...version(ARGS.canaryHash, canary)],
        promql_expr_test: [
            { expr: errorRatioVerdictQuery(ARGS), eval_time: "15m", exp_samples: [{ labels: "{}", value: expected.errors }] },
            { expr: latencyVerdictQuery(ARGS), eval_time: "15m", exp_samples: [{ labels: "{}", value: expected.latency }] },
        ],
    };
}

describe("canary analysis: the verdicts, by the real promtool", function () {
    this.timeout(120_000);

    const cases: [title: string, canary: Traffic | undefined, expected: { errors: number; latency: number }][] = [
        ["a healthy canary (0.3% 5xx, as fast as stable) is promoted", { rate: 2, errors: 0.003, latency: "0.1" }, { errors: 1, latency: 1 }],
        ["a canary with 2% 5xx is aborted", { rate: 2, errors: 0.02, latency: "0.1" }, { errors: 0, latency: 1 }],
        ["a canary whose p99 is 1 s against stable's 0.1 s is aborted", { rate: 2, errors: 0, latency: "1" }, { errors: 1, latency: 0 }],
        ["a canary with no traffic is neither promoted nor aborted", undefined, { errors: -1, latency: -1 }],
    ];
    for (const [title, canary, expected] of cases) {
        it(title, function () {
            const tools = prometheusOrSkip(this);
            const dir = scratchDir("platform-canary-");
            fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: [{ name: "canary-analysis", rules: canaryRecordingRules() }] }));
            fs.writeFileSync(path.join(dir, "tests.yaml"), stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: [testCase(title, canary, expected)] }));
            const checked = runPromtool(tools, ["check", "rules", "rules.yaml"], dir);
            assert.equal(checked.status, 0, checked.output);
            const tested = runPromtool(tools, ["test", "rules", "tests.yaml"], dir);
            assert.equal(tested.status, 0, tested.output);
        });
    }

    it("the analysis template asks exactly these queries, with Argo's arguments, and maps 1/0/-1 to success/failure/inconclusive", function () {
        const spec = canaryAnalysisSpec("http://kube-prometheus-stack-prometheus.monitoring.svc:9090");
        const metrics = spec.metrics as { name: string; successCondition: string; failureCondition: string; failureLimit: number; provider: { prometheus: { query: string } } }[];
        assert.deepEqual(metrics.map((metric) => metric.name), ["error-ratio", "p99-latency"]);
        assert.equal(metrics[0].provider.prometheus.query, errorRatioVerdictQuery());
        assert.match(metrics[0].provider.prometheus.query, /rollouts_pod_template_hash="\{\{args\.canary-hash\}\}"/);
        for (const metric of metrics) {
            assert.equal(metric.successCondition, "result[0] == 1");
            assert.equal(metric.failureCondition, "result[0] == 0");
            assert.equal(metric.failureLimit, 0, "the first failed measurement aborts");
        }
    });
});

describe("canary rollouts: what the stacks deploy", function () {
    this.timeout(120_000);

    it("prod runs each service as a Rollout of its Deployment, canary steps and background analysis, the HPA scaling the Rollout", async function () {
        const stack = await renderedStack("prod");
        const rollouts = ofType(stack, "kubernetes:argoproj.io/v1alpha1:Rollout").map(plainInputs);
        assert.deepEqual(rollouts.map((rollout) => (rollout.metadata as { name: string }).name).sort(), ["api", "worker"]);
        for (const rollout of rollouts) {
            const spec = rollout.spec as { workloadRef: Record<string, string>; strategy: { canary: { steps: unknown[]; analysis: { templates: { templateName: string }[]; args: { name: string; value?: string; valueFrom?: unknown }[] } } } };
            const name = (rollout.metadata as { name: string }).name;
            assert.deepEqual(spec.workloadRef, { apiVersion: "apps/v1", kind: "Deployment", name, scaleDown: "progressively" });
            assert.deepEqual(spec.strategy.canary.steps, canarySteps("prod"));
            assert.deepEqual(spec.strategy.canary.analysis.templates, [{ templateName: "canary-health" }]);
            assert.deepEqual(spec.strategy.canary.analysis.args.find((arg) => arg.name === "canary-hash"), { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } });
        }
        const hpa = plainInputs(namedBySuffix(stack, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "api-hpa"));
        assert.deepEqual(hpa.spec && (hpa.spec as { scaleTargetRef: unknown }).scaleTargetRef, { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "api" });
        const monitor = plainInputs(namedBySuffix(stack, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "api-monitor"));
        assert.deepEqual((monitor.spec as { podTargetLabels: string[] }).podTargetLabels, ["rollouts-pod-template-hash"]);
        const controller = plainInputs(namedBySuffix(stack, "kubernetes:helm.sh/v3:Release", "-argo-rollouts"));
        assert.match(String(((controller.values as Record<string, Record<string, Record<string, string>>>).controller.image).tag), /@sha256:[0-9a-f]{64}$/);
    });

    it("staging takes shorter steps; dev keeps a plain rolling update and no controller", async function () {
        const staging = await renderedStack("staging");
        for (const rollout of ofType(staging, "kubernetes:argoproj.io/v1alpha1:Rollout").map(plainInputs)) {
            assert.deepEqual((rollout.spec as { strategy: { canary: { steps: unknown } } }).strategy.canary.steps, canarySteps("staging"));
        }
        const dev = await renderedStack("dev");
        assert.equal(ofType(dev, "kubernetes:argoproj.io/v1alpha1:Rollout").length, 0);
        assert.equal(ofType(dev, "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate").length, 0);
        const deployment = plainInputs(namedBySuffix(dev, "kubernetes:apps/v1:Deployment", "api-deployment"));
        assert.equal((deployment.spec as { strategy: { type: string } }).strategy.type, "RollingUpdate");
    });
});
