import { LOKI_INDEX_LABELS } from "./log-agent";

/**
 * Alerts on what the services log, evaluated by Loki's ruler beside Prometheus' rules and sent to the same
 * Alertmanager: a service whose share of error lines (severity ERROR or worse, from its JSON `level` or the
 * runtime's stderr classification) stays high, even where no HTTP metric shows it (a worker, a consumer).
 */

/** Loki's name for an index label: OTLP resource attributes have their dots replaced by underscores. */
export function lokiLabel(attribute: (typeof LOKI_INDEX_LABELS)[number]): string {
    return attribute.replace(/\./g, "_");
}

/** OTLP's severity number of ERROR; FATAL is higher. Loki keeps it as structured metadata. */
const SEVERITY_ERROR = 17;
/** The window error lines are counted over, and how long the ratio must hold before the alert fires. */
export const LOG_ERROR_WINDOW = "10m";
/** A service alerts when more than this share of its lines are errors ... */
export const LOG_ERROR_RATIO = 0.05;
/** ... and it logged at least this many error lines in the window (a quiet service's one error is not an incident). */
export const LOG_ERROR_MIN_LINES = 20;

export interface LogAlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

/** The rule groups of Loki's ruler (Prometheus' rule file format, LogQL expressions) for the services' namespace. */
export function logAlertRuleGroups(serviceNamespace: string): { name: string; rules: LogAlertRule[] }[] {
    const service = lokiLabel("service.name");
    const selector = `{${lokiLabel("k8s.namespace.name")}="${serviceNamespace}"}`;
    const count = (filter: string) => `sum by (${service}) (count_over_time(${selector}${filter} [${LOG_ERROR_WINDOW}]))`;
    const errors = count(` | severity_number >= ${SEVERITY_ERROR}`);
    return [
        {
            name: "log-errors",
            rules: [
                {
                    alert: "ServiceErrorLogsHigh",
                    expr: `(${errors} / ${count("")}) > ${LOG_ERROR_RATIO} and ${errors} >= ${LOG_ERROR_MIN_LINES}`,
                    for: LOG_ERROR_WINDOW,
                    labels: { severity: "warning" },
                    annotations: {
                        summary: `{{ $labels.${service} }} logs errors: over ${LOG_ERROR_RATIO * 100}% of its lines for ${LOG_ERROR_WINDOW}`,
                        description: `More than ${LOG_ERROR_RATIO * 100}% of the service's log lines (and at least ${LOG_ERROR_MIN_LINES}) were ERROR or worse over ${LOG_ERROR_WINDOW}. In Grafana, Explore → Loki: ${selector} | ${service}="<service>" | severity_number >= ${SEVERITY_ERROR}; each line links to its trace.`,
                    },
                },
            ],
        },
    ];
}
