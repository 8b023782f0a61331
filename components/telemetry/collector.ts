import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { kubernetesLabels } from "../naming";
import { LOG_AGENT_NAMESPACE, logAgentConfig, lokiOtlpConfig, POD_LOG_ROOT } from "./log-agent";
import { logAlertRuleGroups } from "./log-alerts";
import { OTLP_PORTS, TelemetryArgs, TelemetryRef } from "./types";

/** Charts, pinned: upgrades are reviewed changes. */
export const TELEMETRY_CHARTS = {
    collector: { name: "opentelemetry-collector", version: "0.173.1", repo: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
    loki: { name: "loki", version: "6.29.0", repo: "https://grafana.github.io/helm-charts" },
    tempo: { name: "tempo", version: "1.24.4", repo: "https://grafana.github.io/helm-charts" },
} as const;

/**
 * Images by digest (taken from public material pinning the same tag to the same digest; not looked up from a
 * registry here). The charts' own defaults are overridden so that every node runs these bytes.
 */
export const TELEMETRY_IMAGES = {
    collector: { repository: "otel/opentelemetry-collector-contrib", tag: "0.144.0", digest: "sha256:213886eb6407af91b87fa47551c3632be1a6419ff3a5114ef1e6fc364628496f" },
    loki: { repository: "grafana/loki", tag: "3.7.8", digest: "sha256:1107dd5274e0ada47e42472b7a7e71f3b2a2fe878878108f3e2f9e51528f0193" },
    tempo: { repository: "grafana/tempo", tag: "2.9.0", digest: "sha256:65a5789759435f1ef696f1953258b9bbdb18eb571d5ce711ff812d2e128288a4" },
} as const;

const NAMESPACE = "telemetry";
/** Where Loki's ruler reads rule files: one folder per tenant, and with auth disabled the tenant is `fake`. */
const LOKI_RULES_DIR = "/etc/loki/rules";
const LOKI_RULES_CONFIG_MAP = "loki-log-alert-rules";
/** The Prometheus operator's governing service of Alertmanager, which Loki's ruler sends its alerts to. */
const ALERTMANAGER_URL = "http://alertmanager-operated.monitoring.svc.cluster.local:9093";
const LOKI_PORT = 3100;
const TEMPO_PORT = 3200;
const HOURS_PER_DAY = 24;
/** How long the collector waits for a trace's spans before deciding whether to keep it. */
const DECISION_WAIT = "10s";

/** The collector's pipelines: OTLP in; traces tail-sampled (errors always, then the tier's ratio) to Tempo; logs to Loki. */
export function collectorConfig(traceSamplingPercent: number): Record<string, unknown> {
    return {
        receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_PORTS.grpc}` }, http: { endpoint: `0.0.0.0:${OTLP_PORTS.http}` } } } },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            batch: {},
            tail_sampling: {
                decision_wait: DECISION_WAIT,
                policies: [
                    { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
                    { name: "ratio", type: "probabilistic", probabilistic: { sampling_percentage: traceSamplingPercent } },
                ],
            },
        },
        exporters: {
            "otlp/tempo": { endpoint: `tempo.${NAMESPACE}.svc.cluster.local:${OTLP_PORTS.grpc}`, tls: { insecure: true } },
            "otlphttp/loki": { endpoint: `http://loki.${NAMESPACE}.svc.cluster.local:${LOKI_PORT}/otlp` },
        },
        service: {
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["memory_limiter", "tail_sampling", "batch"], exporters: ["otlp/tempo"] },
                logs: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlphttp/loki"] },
                metrics: null,
            },
        },
    };
}

/**
 * In the cluster's `telemetry` namespace: the OpenTelemetry Collector (one replica: tail sampling needs every
 * span of a trace in one collector), Loki and Tempo as single binaries on encrypted persistent volumes with
 * the tier's retention, and Loki and Tempo as Grafana data sources (a ConfigMap kube-prometheus-stack's
 * Grafana picks up). In the `log-agent` namespace: the log agent (log-agent.ts), a collector on every node
 * that ships every container's stdout and stderr to Loki.
 */
export class Telemetry extends pulumi.ComponentResource implements TelemetryRef {
    readonly namespace = NAMESPACE;
    readonly otlpEndpoint = `http://otel-collector.${NAMESPACE}.svc.cluster.local:${OTLP_PORTS.http}`;

    constructor(name: string, args: TelemetryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:telemetry:Telemetry", name, {}, opts);
        const env = args.environment;
        const k8sOpts = { parent: this, provider: args.kubernetesProvider };
        const labels = kubernetesLabels(env);

        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: NAMESPACE, labels: kubernetesLabels(env, { "pod-security.kubernetes.io/enforce": "baseline" }) },
        }, k8sOpts);
        const release = (id: keyof typeof TELEMETRY_CHARTS, values: Record<string, unknown>, dependsOn: pulumi.Resource[] = []): k8s.helm.v3.Release =>
            new k8s.helm.v3.Release(`${name}-${id}`, {
                name: id === "collector" ? "otel-collector" : id,
                chart: TELEMETRY_CHARTS[id].name,
                version: TELEMETRY_CHARTS[id].version,
                repositoryOpts: { repo: TELEMETRY_CHARTS[id].repo },
                namespace: namespace.metadata.name,
                atomic: true,
                timeout: 600,
                values,
            }, { ...k8sOpts, dependsOn: [...args.storage.ready, ...dependsOn] });

        const logAlertRules = new k8s.core.v1.ConfigMap(`${name}-log-alert-rules`, {
            metadata: { name: LOKI_RULES_CONFIG_MAP, namespace: namespace.metadata.name, labels },
            data: { "log-alerts.yaml": stringify({ groups: logAlertRuleGroups(args.serviceNamespace) }) },
        }, k8sOpts);
        const loki = release("loki", {
            deploymentMode: "SingleBinary",
            loki: {
                image: { ...TELEMETRY_IMAGES.loki },
                auth_enabled: false,
                commonConfig: { replication_factor: 1 },
                storage: { type: "filesystem" },
                schemaConfig: { configs: [{ from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }] },
                limits_config: { retention_period: `${args.logRetentionDays * HOURS_PER_DAY}h`, allow_structured_metadata: true, otlp_config: lokiOtlpConfig() },
                compactor: { retention_enabled: true, delete_request_store: "filesystem" },
                // Alerts on what the services log (log-alerts.ts), to the platform's Alertmanager.
                rulerConfig: {
                    storage: { type: "local", local: { directory: LOKI_RULES_DIR } },
                    rule_path: "/var/loki/ruler-scratch",
                    alertmanager_url: ALERTMANAGER_URL,
                    enable_api: true,
                    ring: { kvstore: { store: "inmemory" } },
                },
            },
            singleBinary: {
                replicas: 1,
                persistence: { enabled: true, storageClass: args.storage.className, size: `${args.storage.lokiGb}Gi` },
                extraVolumes: [{ name: "log-alert-rules", configMap: { name: LOKI_RULES_CONFIG_MAP } }],
                extraVolumeMounts: [{ name: "log-alert-rules", mountPath: `${LOKI_RULES_DIR}/fake`, readOnly: true }],
            },
            read: { replicas: 0 },
            write: { replicas: 0 },
            backend: { replicas: 0 },
            gateway: { enabled: false },
            chunksCache: { enabled: false },
            resultsCache: { enabled: false },
            lokiCanary: { enabled: false },
            test: { enabled: false },
            commonLabels: labels,
        }, [logAlertRules]);
        const tempo = release("tempo", {
            tempo: {
                repository: TELEMETRY_IMAGES.tempo.repository,
                tag: `${TELEMETRY_IMAGES.tempo.tag}@${TELEMETRY_IMAGES.tempo.digest}`,
                retention: `${args.traceRetentionDays * HOURS_PER_DAY}h`,
                receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_PORTS.grpc}` } } } },
            },
            persistence: { enabled: true, storageClassName: args.storage.className, size: `${args.storage.tempoGb}Gi` },
        });
        release("collector", {
            mode: "deployment",
            replicaCount: 1,
            fullnameOverride: "otel-collector",
            image: { ...TELEMETRY_IMAGES.collector },
            command: { name: "otelcol-contrib" },
            config: collectorConfig(args.traceSamplingPercent),
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        });

        // The agent reads the node's /var/log/pods: a hostPath volume, which the baseline Pod Security level
        // forbids, so it runs in a namespace of its own at the privileged level, alone there.
        const agentNamespace = new k8s.core.v1.Namespace(`${name}-agent-ns`, {
            metadata: { name: LOG_AGENT_NAMESPACE, labels: kubernetesLabels(env, { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "baseline" }) },
        }, k8sOpts);
        new k8s.helm.v3.Release(`${name}-log-agent`, {
            name: "otel-agent",
            chart: TELEMETRY_CHARTS.collector.name,
            version: TELEMETRY_CHARTS.collector.version,
            repositoryOpts: { repo: TELEMETRY_CHARTS.collector.repo },
            namespace: agentNamespace.metadata.name,
            atomic: true,
            timeout: 600,
            values: {
                mode: "daemonset",
                fullnameOverride: "otel-agent",
                image: { ...TELEMETRY_IMAGES.collector },
                command: { name: "otelcol-contrib" },
                config: logAgentConfig({ environment: env.stack, lokiOtlpEndpoint: `http://loki.${NAMESPACE}.svc.cluster.local:${LOKI_PORT}/otlp` }),
                // Root reads the kubelet's files (root-owned, 0640); no capability, no writes, no escalation.
                securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                extraVolumes: [{ name: "varlogpods", hostPath: { path: POD_LOG_ROOT, type: "Directory" } }],
                extraVolumeMounts: [{ name: "varlogpods", mountPath: POD_LOG_ROOT, readOnly: true }],
                // Every node, tainted ones included: their pods log too.
                tolerations: [{ operator: "Exists" }],
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                ports: { "otlp": { enabled: false }, "otlp-http": { enabled: false }, "jaeger-compact": { enabled: false }, "jaeger-thrift": { enabled: false }, "jaeger-grpc": { enabled: false }, "zipkin": { enabled: false } },
            },
        }, { ...k8sOpts, dependsOn: [loki] });

        new k8s.core.v1.ConfigMap(`${name}-grafana-datasources`, {
            metadata: { name: "telemetry-datasources", namespace: args.grafanaNamespace, labels: { ...labels, grafana_datasource: "1" } },
            data: {
                "telemetry.yaml": JSON.stringify({
                    apiVersion: 1,
                    datasources: [
                        { name: "Loki", uid: "loki", type: "loki", access: "proxy", url: `http://loki.${NAMESPACE}.svc.cluster.local:${LOKI_PORT}`, jsonData: { derivedFields: [{ name: "trace_id", matcherRegex: "\"trace_id\":\"(\\w+)\"", datasourceUid: "tempo", url: "$${__value.raw}" }] } },
                        { name: "Tempo", uid: "tempo", type: "tempo", access: "proxy", url: `http://tempo.${NAMESPACE}.svc.cluster.local:${TEMPO_PORT}`, jsonData: { tracesToLogsV2: { datasourceUid: "loki", filterByTraceID: true } } },
                    ],
                }),
            },
        }, { ...k8sOpts, dependsOn: [...args.grafanaReady, loki, tempo] });

        this.registerOutputs({ otlpEndpoint: this.otlpEndpoint });
    }
}
