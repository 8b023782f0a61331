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
    /** The namespace the services run in: a Service there with no ready endpoint pages. */
    readonly serviceNamespace: string;
    /** Who else Alertmanager tells, beyond what the cloud provides: each optional (alertmanager.ts). */
    readonly alerting: AlertingArgs;
}

/** Alert delivery an organisation sets up per stack (`platform:monitoring`, `platform:apiKeys`): accounts outside the cloud. */
export interface AlertingArgs {
    /** PagerDuty Events API v2 integration key, from the SecretStore: pages go to PagerDuty too. */
    readonly pagerDutyRoutingKey?: pulumi.Output<string>;
    /** An SMTP relay for email (required for email on GCP; on AWS email otherwise goes through the SNS alert topic). */
    readonly smtp?: {
        readonly smarthost: string;
        readonly from: string;
        readonly username?: string;
        /** From the SecretStore. */
        readonly password?: pulumi.Output<string>;
    };
    /** Ping URL of a dead man's switch outside the cloud (healthchecks.io, Dead Man's Snitch) for the Watchdog. */
    readonly deadMansSwitchUrl?: string;
}

export interface MonitoringRef {
    /** Where alerts go: the SNS topic ARN on AWS, the notification channel names on GCP (comma-separated). */
    readonly alertDestination: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly crdsReady: pulumi.Resource[];
}
