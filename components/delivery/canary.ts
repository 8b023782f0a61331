import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext, kubernetesLabels } from "../naming";

/**
 * Progressive delivery in staging and prod: Argo Rollouts canaries with automatic analysis.
 *
 * Why Argo Rollouts, and why a canary:
 * - A canary puts the new version in front of a share of real traffic and compares it with the stable version
 *   serving at the same time, which is what "does the new version regress?" needs; blue-green compares
 *   nothing until the switch, and doubles the pods for the whole rollout.
 * - Argo Rollouts runs the steps, the analysis and the abort in the cluster, on its own, with a manual
 *   promote/abort for the person on call (`kubectl argo rollouts promote|abort`). Flagger does the same but
 *   wants a mesh or an ingress it drives for every step; two Deployments behind one Service split traffic but
 *   nothing would watch them and back out. Gateway API weights need a gateway the platform does not run.
 * - The Rollout points at the service's Deployment (`workloadRef`), so the pod template stays a Deployment
 *   that every rule of the pack judges as before; the Rollout owns the ReplicaSets and scales the Deployment
 *   down. Without a traffic router the canary's share is its share of the pods.
 *
 * The analysis asks Prometheus, over recording rules per version (`rollouts_pod_template_hash`, which the
 * ServiceMonitor copies from the pods), for one verdict per check: 1 healthy, 0 regressed, -1 no traffic.
 * Argo's conditions map them to Successful, Failed (the rollout aborts and the stable version takes all
 * traffic back) and Inconclusive (the rollout pauses for a person).
 */

/** The controller's chart, pinned: upgrades are reviewed changes. */
export const ROLLOUTS_CHART = { name: "argo-rollouts", version: "2.41.0", repo: "https://argoproj.github.io/argo-helm" } as const;
/**
 * The controller image by digest (taken from public material pinning v1.9.1 to this digest; not looked up
 * from a registry here). The chart's own v1.9.0 default is overridden so that the cluster runs these bytes.
 */
export const ROLLOUTS_IMAGE = { registry: "quay.io", repository: "argoproj/argo-rollouts", tag: "v1.9.1@sha256:15c0d41f2c69a382d4399bcb28ed4f03ee9f58b56cfc9e6cd55bcbf0f311c06d" } as const;
export const ROLLOUTS_NAMESPACE = "argo-rollouts";
/** The label Argo Rollouts puts on every pod of a ReplicaSet, as Prometheus names it once copied to a target. */
export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";
const HASH = "rollouts_pod_template_hash";
/** The analysis template every Rollout of the environment runs. */
export const CANARY_ANALYSIS_TEMPLATE = "canary-health";

/** Recorded per (namespace, service, version): requests, 5xx responses and latency buckets per second, over 2 minutes. */
export const VERSION_REQUEST_RATE = "service_version:http_requests:rate2m";
export const VERSION_ERROR_RATE = "service_version:http_requests_5xx:rate2m";
export const VERSION_LATENCY_BUCKETS = "service_version:http_request_duration_seconds_bucket:rate2m";

/** A canary regresses when its 5xx ratio is over twice the stable version's, and over this floor. */
export const ERROR_RATIO_FLOOR = 0.01;
/** ... or when its p99 latency is over 1.5 times the stable version's, and over this floor (seconds). */
export const LATENCY_P99_FLOOR_SECONDS = 0.25;

export interface CanaryRecordingRule {
    readonly record: string;
    readonly expr: string;
}

const BY_VERSION = `sum by (namespace, service, ${HASH})`;

/** The recording rules the analysis reads; a version that served no 5xx has a 0 series rather than none. */
export function canaryRecordingRules(): CanaryRecordingRule[] {
    return [
        { record: VERSION_REQUEST_RATE, expr: `${BY_VERSION} (rate(http_requests_total{${HASH}!=""}[2m]))` },
        { record: VERSION_ERROR_RATE, expr: `${BY_VERSION} (rate(http_requests_total{${HASH}!="",code=~"5.."}[2m])) or ${BY_VERSION} (rate(http_requests_total{${HASH}!=""}[2m])) * 0` },
        { record: VERSION_LATENCY_BUCKETS, expr: `sum by (namespace, service, ${HASH}, le) (rate(http_request_duration_seconds_bucket{${HASH}!=""}[2m]))` },
    ];
}

/** The arguments an analysis query takes: Argo fills them in (`{{args.<name>}}`), the spec puts values. */
export interface CanaryQueryArgs {
    readonly namespace: string;
    readonly service: string;
    readonly canaryHash: string;
    readonly stableHash: string;
}

const ARGO_ARGS: CanaryQueryArgs = { namespace: "{{args.namespace}}", service: "{{args.service}}", canaryHash: "{{args.canary-hash}}", stableHash: "{{args.stable-hash}}" };

function selector(args: CanaryQueryArgs, hash: string): string {
    return `{namespace="${args.namespace}",service="${args.service}",${HASH}="${hash}"}`;
}

/** The verdict of a regression test: 0 when it holds, else 1 when the canary served requests, else -1. */
function verdict(regressed: string, args: CanaryQueryArgs): string {
    const served = `sum(${VERSION_REQUEST_RATE}${selector(args, args.canaryHash)}) > 0`;
    return `((${regressed}) * 0) or ((${served}) * 0 + 1) or vector(-1)`;
}

/** 1 healthy, 0 the canary's 5xx ratio regressed against the stable version's, -1 the canary served nothing. */
export function errorRatioVerdictQuery(args: CanaryQueryArgs = ARGO_ARGS): string {
    const ratio = (hash: string) => `(sum(${VERSION_ERROR_RATE}${selector(args, hash)}) / sum(${VERSION_REQUEST_RATE}${selector(args, hash)}))`;
    return verdict(`${ratio(args.canaryHash)} > clamp_min((2 * ${ratio(args.stableHash)}) or vector(0), ${ERROR_RATIO_FLOOR})`, args);
}

/** 1 healthy, 0 the canary's p99 latency regressed against the stable version's, -1 the canary served nothing. */
export function latencyVerdictQuery(args: CanaryQueryArgs = ARGO_ARGS): string {
    const p99 = (hash: string) => `histogram_quantile(0.99, sum by (le) (${VERSION_LATENCY_BUCKETS}${selector(args, hash)}))`;
    return verdict(`${p99(args.canaryHash)} > clamp_min((1.5 * ${p99(args.stableHash)}) or vector(0), ${LATENCY_P99_FLOOR_SECONDS})`, args);
}

export type CanaryStep = { readonly setWeight: number } | { readonly pause: { readonly duration?: string } };

/** The steps of a rollout by tier: prod goes slower and waits longer at each share; the analysis runs throughout. */
export function canarySteps(tier: "staging" | "prod"): CanaryStep[] {
    return tier === "prod"
        ? [{ setWeight: 10 }, { pause: { duration: "5m" } }, { setWeight: 25 }, { pause: { duration: "10m" } }, { setWeight: 50 }, { pause: { duration: "10m" } }]
        : [{ setWeight: 25 }, { pause: { duration: "2m" } }, { setWeight: 50 }, { pause: { duration: "2m" } }];
}

/** The analysis template: both verdicts every minute; one failure aborts, three inconclusive answers pause. */
export function canaryAnalysisSpec(prometheusAddress: string): Record<string, unknown> {
    const metric = (name: string, query: string) => ({
        name,
        interval: "1m",
        successCondition: "result[0] == 1",
        failureCondition: "result[0] == 0",
        failureLimit: 0,
        inconclusiveLimit: 2,
        provider: { prometheus: { address: prometheusAddress, query } },
    });
    return {
        args: [{ name: "namespace" }, { name: "service" }, { name: "canary-hash" }, { name: "stable-hash" }],
        metrics: [metric("error-ratio", errorRatioVerdictQuery()), metric("p99-latency", latencyVerdictQuery())],
    };
}

export interface ProgressiveDeliveryArgs {
    readonly environment: EnvironmentContext;
    readonly kubernetesProvider: k8s.Provider;
    /** The namespace the services (and their analysis template) run in. */
    readonly appNamespace: pulumi.Input<string>;
    /** Prometheus' HTTP API inside the cluster. */
    readonly prometheusAddress: string;
    /** The namespace of the Prometheus operator's rules. */
    readonly monitoringNamespace: pulumi.Input<string>;
    /** What must exist before the PrometheusRule (the monitoring stack's CRDs). */
    readonly monitoringReady: pulumi.Resource[];
}

/**
 * The Argo Rollouts controller (pinned chart, image by digest, hardened), the recording rules per version and
 * the analysis template the services' Rollouts run. `ready` is what a Rollout must wait for (its CRDs).
 */
export class ProgressiveDelivery extends pulumi.ComponentResource {
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ProgressiveDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:delivery:ProgressiveDelivery", name, {}, opts);
        const env = args.environment;
        const k8sOpts = { parent: this, provider: args.kubernetesProvider };
        const labels = kubernetesLabels(env);

        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: ROLLOUTS_NAMESPACE, labels: kubernetesLabels(env, { "pod-security.kubernetes.io/enforce": "restricted" }) },
        }, k8sOpts);
        const controller = new k8s.helm.v3.Release(`${name}-argo-rollouts`, {
            name: "argo-rollouts",
            chart: ROLLOUTS_CHART.name,
            version: ROLLOUTS_CHART.version,
            repositoryOpts: { repo: ROLLOUTS_CHART.repo },
            namespace: namespace.metadata.name,
            atomic: true,
            timeout: 600,
            values: {
                installCRDs: true,
                keepCRDs: true,
                controller: {
                    replicas: 2,
                    image: { ...ROLLOUTS_IMAGE },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                    metrics: { enabled: true, serviceMonitor: { enabled: true } },
                },
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
                dashboard: { enabled: false },
                notifications: { secret: { create: false } },
            },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });

        new k8s.apiextensions.CustomResource(`${name}-canary-rules`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "canary-analysis", namespace: args.monitoringNamespace, labels },
            spec: { groups: [{ name: "canary-analysis", rules: canaryRecordingRules() }] },
        }, { ...k8sOpts, dependsOn: args.monitoringReady });

        const template = new k8s.apiextensions.CustomResource(`${name}-analysis`, {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AnalysisTemplate",
            metadata: { name: CANARY_ANALYSIS_TEMPLATE, namespace: args.appNamespace, labels },
            spec: canaryAnalysisSpec(args.prometheusAddress),
        }, { ...k8sOpts, dependsOn: [controller] });

        this.ready = [controller, template];
        this.registerOutputs({});
    }
}
