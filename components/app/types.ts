import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedService } from "../../config/load";
import { CanaryStep } from "../delivery/canary";
import { EnvironmentContext } from "../naming";

/** Label that records a migration's contract: safe_online, requires_maintenance_window or destructive. */
export const MIGRATION_CONTRACT_LABEL = "platform.io/migration-contract";

/** Where data stores live, for the egress rules of the services that use them. */
export interface DataStoreEndpoints {
    /** Address ranges of the subnets that hold the data stores. */
    readonly cidrs: readonly string[];
    readonly postgresPort: number;
    readonly redisPort: number;
}

/** The namespace all services of one environment run in. */
export interface AppNamespaceArgs {
    readonly environment: EnvironmentContext;
    /** Namespace name. */
    readonly name: string;
    /** Namespace of the ingress controller, allowed to reach cert-manager's HTTP-01 solver pods. */
    readonly ingressNamespace: string;
    /** Provider of the environment's cluster. */
    readonly kubernetesProvider: k8s.Provider;
}

/** One application service on the cluster. */
export interface ServiceArgs {
    readonly environment: EnvironmentContext;
    /** The service as configured, tier defaults applied. */
    readonly service: ResolvedService;
    /** Image reference pinned by digest. */
    readonly image: pulumi.Input<string>;
    /** Namespace to deploy into. */
    readonly namespace: pulumi.Input<string>;
    /** Build metadata exposed to the container and in labels. */
    readonly release: { readonly sha: string; readonly date: string; readonly actor: string };
    /** Secret environment variables (name -> secret output), delivered through a Kubernetes Secret. */
    readonly secretEnv: Readonly<Record<string, pulumi.Output<string>>>;
    /** Plain variables the platform gives the service (uploads bucket, topics, queues, telemetry endpoint). */
    readonly platformEnv?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Where the service sends logs and traces (OTLP): its network policy lets it reach the collector there. */
    readonly telemetry?: { readonly namespace: string; readonly ports: readonly number[] };
    /** The service calls cloud APIs (storage, messaging), so its network policy lets it out on HTTPS. */
    readonly callsCloudApis?: boolean;
    /** Annotations that bind the service account to a cloud identity (workload identity). */
    readonly serviceAccountAnnotations?: pulumi.Input<Record<string, string>>;
    /** Where the pod gets its workload identity's credentials, when the cloud serves them in-cluster (GKE's metadata server). */
    readonly identityEgress?: readonly { readonly cidr: string; readonly port: number }[];
    /** Pods that may never be unavailable during a rollout (staging, prod). */
    readonly zeroDowntimeRollout: boolean;
    /**
     * Roll out as a canary (staging, prod): an Argo Rollout of the Deployment with these steps and the
     * environment's analysis template (components/delivery/canary.ts); without it, a plain rolling update.
     */
    readonly canary?: { readonly steps: readonly CanaryStep[]; readonly analysisTemplate: string; readonly ready: pulumi.Resource[] };
    /** Keep at least one pod through voluntary disruptions. */
    readonly podDisruptionBudget: boolean;
    /** Scale on CPU between replicas and 3x replicas. */
    readonly autoscaling: boolean;
    /** Ingress class for a public hostname. */
    readonly ingressClassName: string;
    /** Data stores the service may reach. */
    readonly dataStores: DataStoreEndpoints;
    /** Namespace of the ingress controller, allowed in by the network policy. */
    readonly ingressNamespace: string;
    /** Namespace of Prometheus, allowed to scrape /metrics. */
    readonly monitoringNamespace: pulumi.Input<string>;
    /** Resources the ServiceMonitor waits for (the monitoring stack's CRDs). */
    readonly monitoringReady: pulumi.Resource[];
    readonly kubernetesProvider: k8s.Provider;
}
