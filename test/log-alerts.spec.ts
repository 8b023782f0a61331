import { strict as assert } from "assert";
import { parser } from "@grafana/lezer-logql";
import { parse } from "yaml";
import { LOKI_INDEX_LABELS } from "../components/telemetry/log-agent";
import { LOG_ERROR_MIN_LINES, LOG_ERROR_RATIO, logAlertRuleGroups, lokiLabel } from "../components/telemetry/log-alerts";
import { namedBySuffix, plainInputs, renderedStack } from "./support/stacks";

/*
 * Loki's ruler rules: LogQL read by Grafana's own LogQL grammar (@grafana/lezer-logql, what Grafana's query
 * editor parses with), so that a typo fails here rather than in the ruler's log; their selectors name only the
 * labels Loki indexes (log-agent.ts), or they would silently match nothing; and the prod stack mounts them
 * where the ruler reads them.
 */

/** The syntax errors the LogQL grammar finds in an expression, by position. */
function logqlErrors(expression: string): number[] {
    const positions: number[] = [];
    parser.parse(expression).iterate({ enter: (node) => void (node.type.isError ? positions.push(node.from) : undefined) });
    return positions;
}

/** The label names of every stream selector `{...}` in an expression. */
function selectorLabels(expression: string): string[] {
    return [...expression.matchAll(/\{([^{}]*)\}/g)].flatMap((match) => [...match[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|!=|=~|!~)/g)].map((label) => label[1]));
}

describe("log alerts: Loki's ruler rules", function () {
    this.timeout(120_000);
    const rules = logAlertRuleGroups("apps").flatMap((group) => group.rules);

    it("every expression is LogQL, and the grammar finds the errors a typo makes", function () {
        for (const rule of rules) assert.deepEqual(logqlErrors(rule.expr), [], `${rule.alert}: ${rule.expr}`);
        assert.notDeepEqual(logqlErrors(rules[0].expr.replace("count_over_time(", "count_over_time(((")), [], "an unbalanced expression is an error");
        assert.notDeepEqual(logqlErrors(rules[0].expr.replace(" [10m]", " [10]")), [], "a range without a unit is an error");
    });

    it("selects streams only by the labels Loki indexes, and groups by the service", function () {
        const indexed = new Set(LOKI_INDEX_LABELS.map(lokiLabel));
        for (const rule of rules) {
            const labels = selectorLabels(rule.expr);
            assert.ok(labels.length > 0);
            for (const label of labels) assert.ok(indexed.has(label), `${rule.alert} selects by ${label}, which is not an index label (${[...indexed].join(", ")})`);
            assert.match(rule.expr, /sum by \(service_name\)/);
        }
    });

    it("fires on a share of error lines over a floor of lines, with a severity Alertmanager routes", function () {
        const [rule] = rules;
        assert.equal(rule.alert, "ServiceErrorLogsHigh");
        assert.match(rule.expr, new RegExp(`> ${LOG_ERROR_RATIO} and .* >= ${LOG_ERROR_MIN_LINES}$`));
        assert.match(rule.expr, /\| severity_number >= 17/);
        assert.equal(rule.labels.severity, "warning");
        assert.match(rule.annotations.summary, /\{\{ \$labels\.service_name \}\}/);
    });

    it("the prod stack mounts the rules where the ruler reads them (tenant fake) and sends to Alertmanager", async function () {
        const stack = await renderedStack("prod");
        const configMap = plainInputs(namedBySuffix(stack, "kubernetes:core/v1:ConfigMap", "-log-alert-rules"));
        assert.deepEqual(parse((configMap.data as Record<string, string>)["log-alerts.yaml"]), { groups: logAlertRuleGroups("apps") });
        const loki = plainInputs(namedBySuffix(stack, "kubernetes:helm.sh/v3:Release", "-telemetry-loki"));
        const values = loki.values as { loki: { rulerConfig: { storage: { local: { directory: string } }; alertmanager_url: string } }; singleBinary: { extraVolumeMounts: { mountPath: string }[] } };
        assert.equal(values.singleBinary.extraVolumeMounts[0].mountPath, `${values.loki.rulerConfig.storage.local.directory}/fake`);
        assert.equal(values.loki.rulerConfig.alertmanager_url, "http://alertmanager-operated.monitoring.svc.cluster.local:9093");
    });
});
