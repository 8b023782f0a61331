import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** Logs and traces for one environment: an OpenTelemetry Collector in the cluster, Loki and Tempo behind it. */
export interface TelemetryArgs {
    /** Names and labels. */
    readonly environment: EnvironmentContext;
    /** Provider of the environment's cluster. */
    readonly kubernetesProvider: k8s.Provider;
    /** Percent of traces kept; traces with an error are always kept. */
    readonly traceSamplingPercent: number;
    /** Days Loki keeps logs. */
    readonly logRetentionDays: number;
    /** Days Tempo keeps traces. */
    readonly traceRetentionDays: number;
    /** Loki's and Tempo's persistent volumes: storage class (encrypted), sizes, and what must exist first. */
    readonly storage: { readonly className: pulumi.Input<string>; readonly lokiGb: number; readonly tempoGb: number; readonly ready: pulumi.Resource[] };
    /** Namespace of Grafana (kube-prometheus-stack), which gets Loki and Tempo as data sources. */
    readonly grafanaNamespace: pulumi.Input<string>;
    /** The namespace the services run in, whose log lines the log alerts count. */
    readonly serviceNamespace: string;
    /** Resources that must exist before the data sources (the monitoring release). */
    readonly grafanaReady: pulumi.Resource[];
}

export interface TelemetryRef {
    /** Namespace the collector runs in: services' network policies let them reach it. */
    readonly namespace: string;
    /** The collector's OTLP/HTTP endpoint, injected into every service as OTEL_EXPORTER_OTLP_ENDPOINT. */
    readonly otlpEndpoint: string;
}

/** OTLP's ports: gRPC and HTTP. */
export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;
