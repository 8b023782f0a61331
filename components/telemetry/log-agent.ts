/**
 * The log agent: an OpenTelemetry Collector on every node (a DaemonSet) that tails every container's stdout
 * and stderr from the files the kubelet writes (/var/log/pods) and ships them to Loki's OTLP endpoint.
 *
 * Why the collector and not a dedicated agent (Promtail, Alloy, Fluent Bit): the cluster already runs the
 * collector for OTLP logs and traces, so one configuration language, one image pinned by digest and one
 * chart cover both paths; its `container` operator reads the containerd/CRI-O/Docker formats and takes the
 * namespace, pod and container from the file's path, without access to the Kubernetes API.
 *
 * What the pipeline does with a line, in order:
 * 1. `container`: the runtime's format is removed; partial lines (the runtime splits lines over 16 KiB) are
 *    joined; k8s.namespace.name, k8s.pod.name, k8s.pod.uid and k8s.container.name become resource attributes.
 * 2. `recombine`: a line that starts with white space continues the entry before it from the same file, so
 *    a multi-line stack trace (`    at ...` lines) stays one entry.
 * 3. `json_parser`: a line that is a JSON object becomes attributes; its `time` is the record's time.
 * 4. `trace_parser` and `severity_parser`: `trace_id` and `span_id` become the record's trace context (Loki
 *    keeps them as structured metadata, Grafana links them to Tempo), `level` its severity.
 * 5. `move`: `service` becomes the resource's service.name; `msg` becomes the body; what was parsed into the
 *    record (time, trace context, level) and what only served the join (file path, runtime tag) is dropped.
 *
 * Label cardinality in Loki is bounded by configuration (see LOKI_INDEX_LABELS): only service.name,
 * k8s.namespace.name, k8s.container.name and deployment.environment are index labels, each with as many
 * values as there are services, namespaces, containers and environments. Everything else (pod, trace and
 * span ids, tenant, level, method, path, status) is structured metadata: searchable, never a new stream.
 */

/** Where the kubelet writes container logs: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log. */
export const POD_LOG_ROOT = "/var/log/pods";
/** The agent's own namespace: its containers' logs are left out, so that its output never feeds itself. */
export const LOG_AGENT_NAMESPACE = "log-agent";
/** The longest entry kept whole; a longer one is cut, never buffered without limit. */
const MAX_ENTRY_BYTES = "1MiB";
/** Resource attributes Loki indexes as labels; every other attribute is structured metadata. */
export const LOKI_INDEX_LABELS = ["service.name", "k8s.namespace.name", "k8s.container.name", "deployment.environment"] as const;

export interface LogAgentOptions {
    /** The stack, written as deployment.environment on every record. */
    readonly environment: string;
    /** Loki's OTLP/HTTP endpoint, e.g. http://loki.telemetry.svc.cluster.local:3100/otlp. */
    readonly lokiOtlpEndpoint: string;
    /** Where pod logs are read from (the spec points it at a folder of its own). */
    readonly podLogRoot?: string;
    /** `end` on a node (a restarted agent does not resend what it shipped); `beginning` in the spec. */
    readonly startAt?: "beginning" | "end";
}

/** The stanza operators that turn a kubelet log line into a record with trace context, severity and service. */
function operators(environment: string): Record<string, unknown>[] {
    return [
        { type: "container", id: "container", add_metadata_from_filepath: true },
        {
            type: "recombine",
            id: "stack-traces",
            combine_field: "body",
            is_first_entry: 'body matches "^[^\\\\s]"',
            source_identifier: 'attributes["log.file.path"]',
            combine_with: "\n",
            max_log_size: MAX_ENTRY_BYTES,
            force_flush_period: "1s",
        },
        { type: "json_parser", id: "json", if: 'body matches "^\\\\{"', parse_from: "body", parse_to: "attributes", on_error: "send_quiet", timestamp: { parse_from: "attributes.time", layout_type: "gotime", layout: "2006-01-02T15:04:05.999Z07:00" } },
        { type: "trace_parser", id: "trace-context", if: "attributes.trace_id != nil", trace_id: { parse_from: "attributes.trace_id" }, span_id: { parse_from: "attributes.span_id" } },
        { type: "severity_parser", id: "level", if: "attributes.level != nil", parse_from: "attributes.level" },
        { type: "move", id: "service", if: "attributes.service != nil", from: "attributes.service", to: 'resource["service.name"]' },
        { type: "move", id: "message", if: "attributes.msg != nil", from: "attributes.msg", to: "body" },
        // Parsed into the record itself: not kept twice. The file's path and the runtime's tag served the join.
        ...["time", "trace_id", "span_id", "level", "log.file.path", "logtag"].map((field) => ({ type: "remove", id: `drop-${field.replace(/\./g, "-")}`, if: `attributes["${field}"] != nil`, field: `attributes["${field}"]` })),
        { type: "add", id: "environment", field: 'resource["deployment.environment"]', value: environment },
    ];
}

/** The agent's collector configuration: container files in, Loki out. */
export function logAgentConfig(options: LogAgentOptions): Record<string, unknown> {
    const root = options.podLogRoot ?? POD_LOG_ROOT;
    return {
        receivers: {
            filelog: {
                include: [`${root}/*/*/*.log`],
                exclude: [`${root}/${LOG_AGENT_NAMESPACE}_*/*/*.log`],
                start_at: options.startAt ?? "end",
                include_file_path: true,
                include_file_name: false,
                max_log_size: MAX_ENTRY_BYTES,
                retry_on_failure: { enabled: true },
                operators: operators(options.environment),
            },
        },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            batch: { send_batch_size: 1024, timeout: "1s" },
        },
        exporters: {
            "otlphttp/loki": { endpoint: options.lokiOtlpEndpoint, retry_on_failure: { enabled: true }, sending_queue: { enabled: true } },
        },
        service: {
            telemetry: { logs: { level: "warn" } },
            pipelines: {
                logs: { receivers: ["filelog"], processors: ["memory_limiter", "batch"], exporters: ["otlphttp/loki"] },
            },
        },
    };
}

/** Loki's `limits_config.otlp_config`: only LOKI_INDEX_LABELS become labels (bounded streams). */
export function lokiOtlpConfig(): Record<string, unknown> {
    return {
        resource_attributes: {
            ignore_defaults: true,
            attributes_config: [{ action: "index_label", attributes: [...LOKI_INDEX_LABELS] }],
        },
    };
}
