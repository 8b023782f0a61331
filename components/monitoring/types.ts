import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** Alerting for one environment: managed-service alarms and in-cluster Prometheus. */
export interface MonitoringArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Addresses that receive alerts. */
    readonly alertEmails: readonly string[];
    /** Key that encrypts the alert topic (AWS; GCP's notification channels hold no data). */
    readonly kmsKeyId: pulumi.Input<string>;
    /** The database to watch. */
    readonly postgres: {
        readonly instanceIdentifier: pulumi.Input<string>;
        readonly instanceClass: string;
        readonly storageGb: number;
    };
    /** The cache nodes to watch. */
    readonly redisNodeIds: readonly string[];
    /** Provider of the cluster that runs Prometheus. */
    readonly kubernetesProvider: k8s.Provider;
    /** How long Prometheus keeps samples. */
    readonly prometheusRetention: string;
    /** Prometheus' persistent volume: storage class, size, and what must exist before it is claimed. */
    readonly prometheusStorage: { readonly className: pulumi.Input<string>; readonly sizeGb: number; readonly ready: pulumi.Resource[] };
    /** Weekly 5xx error budget, percent of requests. */
    readonly errorBudgetPercent: number;
    /** Grafana admin password, from the SecretStore. */
    readonly grafanaAdminPassword: pulumi.Output<string>;
}

export interface MonitoringRef {
    /** Where alerts go: the SNS topic ARN on AWS, the notification channel names on GCP (comma-separated). */
    readonly alertDestination: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly crdsReady: pulumi.Resource[];
}
