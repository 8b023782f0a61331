/**
 * Prometheus rules: recorded 5xx ratios per service, error-budget burn alerts built on them, a service with
 * no ready endpoint, and failing health probes. Multi-window burn-rate alerts (Google SRE workbook, ch. 5)
 * sized for a weekly budget. The same recorded series answer `predeploy`'s error-budget check
 * (tools/predeploy.ts).
 *
 * Every alert carries `severity: page` or `severity: ticket`, the label Alertmanager routes on
 * (alertmanager.ts): a page wakes the person on call, a ticket waits for working hours.
 */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
}

/** What an alert asks of a person: `page` now (PagerDuty and email), `ticket` in working hours (email). */
export type AlertSeverity = "page" | "ticket";
export const PAGE: AlertSeverity = "page";
export const TICKET: AlertSeverity = "ticket";

/** The alert that means deploys are frozen: the weekly budget is spent, so `predeploy` refuses (tools/predeploy.ts). */
export const FREEZE_ALERT = "ErrorBudgetExhausted";

export interface AlertRuleGroup {
    readonly name: string;
    readonly rules: readonly (AlertRule | RecordingRule)[];
}

/** The window the 5xx error budget is spent over. */
export const ERROR_BUDGET_WINDOW = "7d";

/** Recorded per (namespace, service): requests per second and 5xx responses per second, over 5 minutes. */
export const REQUEST_RATE = "service:http_requests:rate5m";
export const ERROR_RATE = "service:http_requests_5xx:rate5m";

/** The recorded 5xx ratio over a window, e.g. `service:http_errors:ratio_rate1h`. */
export function errorRatioSeries(window: string): string {
    return `service:http_errors:ratio_rate${window}`;
}

const BY_SERVICE = "sum by (namespace, service)";

/** 5xx per second; a service that served no 5xx has a 0 series rather than none. */
function errorRate(window: string): string {
    return `(${BY_SERVICE} (rate(http_requests_total{code=~"5.."}[${window}])) or ${BY_SERVICE} (rate(http_requests_total[${window}])) * 0)`;
}

function errorRatio(window: string): string {
    return `${errorRate(window)} / ${BY_SERVICE} (rate(http_requests_total[${window}]))`;
}

/**
 * The share of requests answered 5xx over a long window, from the recorded 5-minute rates (a raw rate
 * over days would read every sample of the window at each evaluation). `predeploy` asks for exactly this.
 */
export function errorBudgetRatioQuery(window: string, selector = ""): string {
    return `sum_over_time(${ERROR_RATE}${selector}[${window}]) / sum_over_time(${REQUEST_RATE}${selector}[${window}])`;
}

/** Burn rates at which a 7-day budget is gone in about 12 hours (page) and in about 1.2 days (ticket). */
const FAST_BURN = 14;
const SLOW_BURN = 6;
const SHORT_WINDOWS = ["5m", "30m", "1h", "6h"];

/**
 * A Service of the application namespace with no ready endpoint: every pod behind it failed readiness or is
 * gone, so every request to it fails. Read from the Service's Endpoints (kube-state-metrics), whatever
 * workload backs it. A Service with no ready address has no `ready="true"` series at all, hence `unless`.
 */
function serviceDownExpr(namespace: string): string {
    const selector = `namespace="${namespace}"`;
    return `label_replace(count by (namespace, endpoint) (kube_endpoint_info{${selector}}) unless on (namespace, endpoint) count by (namespace, endpoint) (kube_endpoint_address{${selector}, ready="true"}), "service", "$1", "endpoint", "(.+)")`;
}

/**
 * A pod alert with a `service` label: a service's container is named after it (components/app/service.ts),
 * so pod alerts group with, and are inhibited by, the alerts of their service.
 */
function containerAsService(expr: string): string {
    return `label_replace(${expr}, "service", "$1", "container", "(.+)")`;
}

/**
 * The platform's alerts. `serviceNamespace` is where the services run: only their Services page when
 * they have no ready endpoint.
 */
export function alertRuleGroups(errorBudgetPercent: number, serviceNamespace = "apps"): AlertRuleGroup[] {
    const budget = errorBudgetPercent / 100;
    const threshold = (burnRate: number): string => (burnRate * budget).toPrecision(4).replace(/\.?0+$/, "");
    return [
        {
            name: "error-budget",
            rules: [
                {
                    alert: "ErrorBudgetFastBurn",
                    expr: `${errorRatioSeries("1h")} > ${threshold(FAST_BURN)} and ${errorRatioSeries("5m")} > ${threshold(FAST_BURN)}`,
                    for: "2m",
                    labels: { severity: PAGE },
                    annotations: {
                        summary: "{{ $labels.service }} is burning its weekly 5xx error budget fast",
                        description: `5xx ratio above ${FAST_BURN}x the ${errorBudgetPercent}% weekly budget over 1h and 5m.`,
                    },
                },
                {
                    alert: "ErrorBudgetSlowBurn",
                    expr: `${errorRatioSeries("6h")} > ${threshold(SLOW_BURN)} and ${errorRatioSeries("30m")} > ${threshold(SLOW_BURN)}`,
                    for: "15m",
                    labels: { severity: TICKET },
                    annotations: {
                        summary: "{{ $labels.service }} is burning its weekly 5xx error budget",
                        description: `5xx ratio above ${SLOW_BURN}x the ${errorBudgetPercent}% weekly budget over 6h and 30m.`,
                    },
                },
                {
                    alert: FREEZE_ALERT,
                    expr: `${errorRatioSeries(ERROR_BUDGET_WINDOW)} > ${threshold(1)}`,
                    for: "5m",
                    labels: { severity: TICKET },
                    annotations: {
                        summary: "{{ $labels.service }} has spent its weekly 5xx error budget: deploys are frozen",
                        description: `5xx ratio above ${errorBudgetPercent}% over the last 7 days. predeploy refuses deploys (a deploy freeze) until it drops, unless --override-freeze names an incident.`,
                    },
                },
            ],
        },
        {
            name: "service-availability",
            rules: [
                {
                    alert: "ServiceDown",
                    expr: serviceDownExpr(serviceNamespace),
                    for: "3m",
                    labels: { severity: PAGE },
                    annotations: {
                        summary: "{{ $labels.service }} has no ready endpoint",
                        description: "Every pod behind the Service failed readiness or is gone for 3 minutes: every request to it fails.",
                    },
                },
            ],
        },
        {
            name: "health-probes",
            rules: [
                {
                    alert: "HealthProbeFailing",
                    expr: containerAsService(`sum by (namespace, pod, container, probe_type) (increase(prober_probe_total{result="failed", probe_type=~"Liveness|Readiness|Startup"}[5m])) > 0`),
                    for: "5m",
                    labels: { severity: TICKET },
                    annotations: {
                        summary: "{{ $labels.probe_type }} probe of {{ $labels.namespace }}/{{ $labels.pod }} is failing",
                        description: "The kubelet has reported failed probes for 5 minutes.",
                    },
                },
                {
                    alert: "ContainerNotReady",
                    // `sum(x == 0) > 0` would never fire: the sum of zeros is 0 (promtool showed it).
                    expr: containerAsService(`max by (namespace, pod, container) (kube_pod_container_status_ready) == 0`),
                    for: "10m",
                    labels: { severity: TICKET },
                    annotations: {
                        summary: "{{ $labels.namespace }}/{{ $labels.pod }} has been not ready for 10 minutes",
                        description: "A container failed its readiness probe long enough to leave the load balancer.",
                    },
                },
            ],
        },
        // Last: recording groups evaluate independently of the alert groups, and readers find the alerts first.
        {
            name: "http-error-ratios",
            rules: [
                { record: REQUEST_RATE, expr: `${BY_SERVICE} (rate(http_requests_total[5m]))` },
                { record: ERROR_RATE, expr: errorRate("5m") },
                ...SHORT_WINDOWS.map((window) => ({ record: errorRatioSeries(window), expr: errorRatio(window) })),
                { record: errorRatioSeries(ERROR_BUDGET_WINDOW), expr: errorBudgetRatioQuery(ERROR_BUDGET_WINDOW) },
            ],
        },
    ];
}
