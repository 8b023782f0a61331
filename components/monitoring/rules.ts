/**
 * Prometheus alert rules: error-budget burn for HTTP 5xx responses and failing health probes.
 * Multi-window burn-rate alerts (Google SRE workbook, ch. 5) sized for a weekly budget.
 */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertRuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

function errorRatio(window: string): string {
    return (
        `sum by (namespace, service) (rate(http_requests_total{code=~"5.."}[${window}]))` +
        ` / sum by (namespace, service) (rate(http_requests_total[${window}]))`
    );
}

/** Burn rates at which a 7-day budget is gone in about 12 hours (page) and in about 1.2 days (ticket). */
const FAST_BURN = 14;
const SLOW_BURN = 6;

export function alertRuleGroups(errorBudgetPercent: number): AlertRuleGroup[] {
    const budget = errorBudgetPercent / 100;
    const threshold = (burnRate: number): string => (burnRate * budget).toPrecision(4).replace(/\.?0+$/, "");
    return [
        {
            name: "error-budget",
            rules: [
                {
                    alert: "ErrorBudgetFastBurn",
                    expr: `(${errorRatio("1h")}) > ${threshold(FAST_BURN)} and (${errorRatio("5m")}) > ${threshold(FAST_BURN)}`,
                    for: "2m",
                    labels: { severity: "critical" },
                    annotations: {
                        summary: "{{ $labels.service }} is burning its weekly 5xx error budget fast",
                        description: `5xx ratio above ${FAST_BURN}x the ${errorBudgetPercent}% weekly budget over 1h and 5m.`,
                    },
                },
                {
                    alert: "ErrorBudgetSlowBurn",
                    expr: `(${errorRatio("6h")}) > ${threshold(SLOW_BURN)} and (${errorRatio("30m")}) > ${threshold(SLOW_BURN)}`,
                    for: "15m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "{{ $labels.service }} is burning its weekly 5xx error budget",
                        description: `5xx ratio above ${SLOW_BURN}x the ${errorBudgetPercent}% weekly budget over 6h and 30m.`,
                    },
                },
                {
                    alert: "ErrorBudgetExhausted",
                    expr: `(${errorRatio("7d")}) > ${threshold(1)}`,
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "{{ $labels.service }} has spent its weekly 5xx error budget",
                        description: `5xx ratio above ${errorBudgetPercent}% over the last 7 days.`,
                    },
                },
            ],
        },
        {
            name: "health-probes",
            rules: [
                {
                    alert: "HealthProbeFailing",
                    expr: `sum by (namespace, pod, container, probe_type) (increase(prober_probe_total{result="failed", probe_type=~"Liveness|Readiness|Startup"}[5m])) > 0`,
                    for: "5m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "{{ $labels.probe_type }} probe of {{ $labels.namespace }}/{{ $labels.pod }} is failing",
                        description: "The kubelet has reported failed probes for 5 minutes.",
                    },
                },
                {
                    alert: "ContainerNotReady",
                    expr: `sum by (namespace, pod, container) (kube_pod_container_status_ready == 0) > 0`,
                    for: "10m",
                    labels: { severity: "warning" },
                    annotations: {
                        summary: "{{ $labels.namespace }}/{{ $labels.pod }} has been not ready for 10 minutes",
                        description: "A container failed its readiness probe long enough to leave the load balancer.",
                    },
                },
            ],
        },
    ];
}
