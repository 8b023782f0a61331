import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { secretsDigest, SECRETS_CHECKSUM_ANNOTATION } from "../app/secrets-checksum";
import { kubernetesLabels } from "../naming";
import { alertmanagerConfig, EmailTransport, PAGERDUTY_KEY_FILE, RECEIVER_SECRET_NAME, RECEIVER_SECRETS_DIR, SMTP_PASSWORD_FILE, SnsTarget } from "./alertmanager";
import { alertRuleGroups } from "./rules";
import { MonitoringArgs } from "./types";

/** kube-prometheus-stack chart, pinned: chart upgrades are reviewed changes, not side effects of a deploy. */
export const KUBE_PROMETHEUS_STACK_CHART = { name: "kube-prometheus-stack", version: "82.6.0", repo: "https://prometheus-community.github.io/helm-charts" } as const;

/** The namespace of Prometheus, Alertmanager and Grafana. */
export const MONITORING_NAMESPACE = "monitoring";
/** Alertmanager's service account (the chart's name for it, set explicitly so that a cloud identity can name it). */
export const ALERTMANAGER_SERVICE_ACCOUNT = "kube-prometheus-stack-alertmanager";
/** The PrometheusRule of the platform's alerts (rules.ts). */
export const PLATFORM_RULES_NAME = "platform-alerts";
/** The Secret Grafana reads its admin user and password from (`grafana.admin.existingSecret`). */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";

/** What a cloud adds to alert delivery, with no credential: its own transports and an identity to use them. */
export interface CloudAlerting {
    /** Email when no SMTP relay is configured: the SNS alert topic on AWS. */
    readonly email?: pulumi.Output<EmailTransport>;
    /** The cloud's own dead man's switch: an SNS heartbeat topic that a CloudWatch alarm watches, on AWS. */
    readonly heartbeat?: pulumi.Output<SnsTarget>;
    /** Annotations that give Alertmanager's service account a cloud identity (IRSA on AWS). */
    readonly serviceAccountAnnotations?: pulumi.Output<Record<string, string>>;
}

/**
 * The in-cluster half of monitoring, the same on every cloud: the kube-prometheus-stack release on an
 * encrypted persistent volume, alert rules for the 5xx error budget, services down and failing probes, and
 * Alertmanager routing them by severity (alertmanager.ts). The receivers' credentials (PagerDuty key, SMTP
 * password) and Grafana's admin password are Kubernetes Secrets written from the SecretStore, never Helm
 * values: the values, Alertmanager's configuration with them, hold no secret and show in every plan.
 */
export function inClusterMonitoring(parent: pulumi.Resource, name: string, args: MonitoringArgs, cloud: CloudAlerting = {}): { namespace: pulumi.Output<string>; crdsReady: pulumi.Resource[] } {
    const env = args.environment;
    const k8sOpts = { parent, provider: args.kubernetesProvider };
    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
        metadata: {
            name: MONITORING_NAMESPACE,
            labels: kubernetesLabels(env, { "pod-security.kubernetes.io/enforce": "privileged" }),
        },
    }, k8sOpts);
    const inNamespace = (secretName: string): k8s.types.input.meta.v1.ObjectMeta => ({ name: secretName, namespace: namespace.metadata.name, labels: kubernetesLabels(env) });

    const grafanaAdmin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
        metadata: inNamespace(GRAFANA_ADMIN_SECRET),
        type: "Opaque",
        stringData: { "admin-user": "admin", "admin-password": args.grafanaAdminPassword },
    }, k8sOpts);

    // One file per credential, mounted by the operator at RECEIVER_SECRETS_DIR; only those configured.
    const { pagerDutyRoutingKey, smtp, deadMansSwitchUrl } = args.alerting;
    if (smtp?.username !== undefined && smtp.password === undefined) {
        throw new Error(`${env.stack}: platform:monitoring.smtp.username needs its password in platform:apiKeys.smtp (pulumi config set --secret --path apiKeys.smtp --stack ${env.stack})`);
    }
    const receiverFiles: Record<string, pulumi.Output<string>> = {
        ...(pagerDutyRoutingKey === undefined ? {} : { [PAGERDUTY_KEY_FILE]: pagerDutyRoutingKey }),
        ...(smtp?.password === undefined ? {} : { [SMTP_PASSWORD_FILE]: smtp.password }),
    };
    const receiverSecret = Object.keys(receiverFiles).length === 0 ? undefined : new k8s.core.v1.Secret(`${name}-alertmanager-receivers`, {
        metadata: inNamespace(RECEIVER_SECRET_NAME),
        type: "Opaque",
        stringData: receiverFiles,
    }, k8sOpts);

    const smtpEmail: EmailTransport | undefined = smtp === undefined ? undefined : {
        kind: "smtp",
        smarthost: smtp.smarthost,
        from: smtp.from,
        ...(smtp.username === undefined ? {} : { username: smtp.username }),
        ...(smtp.password === undefined ? {} : { passwordFile: `${RECEIVER_SECRETS_DIR}/${SMTP_PASSWORD_FILE}` }),
    };
    const config = pulumi.all([smtpEmail ?? cloud.email, cloud.heartbeat]).apply(([email, heartbeat]) => alertmanagerConfig({
        stack: env.stack,
        emails: args.alertEmails,
        ...(email === undefined ? {} : { email }),
        ...(pagerDutyRoutingKey === undefined ? {} : { pagerDuty: { routingKeyFile: `${RECEIVER_SECRETS_DIR}/${PAGERDUTY_KEY_FILE}` } }),
        deadMansSwitch: { ...(heartbeat === undefined ? {} : { sns: heartbeat }), ...(deadMansSwitchUrl === undefined ? {} : { url: deadMansSwitchUrl }) },
    }));

    const release = new k8s.helm.v3.Release(`${name}-kube-prometheus-stack`, {
        name: "kube-prometheus-stack",
        chart: KUBE_PROMETHEUS_STACK_CHART.name,
        version: KUBE_PROMETHEUS_STACK_CHART.version,
        repositoryOpts: { repo: KUBE_PROMETHEUS_STACK_CHART.repo },
        namespace: namespace.metadata.name,
        atomic: true,
        timeout: 900,
        values: {
            commonLabels: kubernetesLabels(env),
            prometheus: {
                prometheusSpec: {
                    retention: args.prometheusRetention,
                    // Samples survive restarts and rescheduling only on a persistent volume.
                    storageSpec: {
                        volumeClaimTemplate: {
                            spec: {
                                storageClassName: args.prometheusStorage.className,
                                accessModes: ["ReadWriteOnce"],
                                resources: { requests: { storage: `${args.prometheusStorage.sizeGb}Gi` } },
                            },
                        },
                    },
                    // Pick up ServiceMonitors and rules from every namespace, not only this release's.
                    serviceMonitorSelectorNilUsesHelmValues: false,
                    ruleSelectorNilUsesHelmValues: false,
                },
            },
            alertmanager: {
                config,
                serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT, ...(cloud.serviceAccountAnnotations ? { annotations: cloud.serviceAccountAnnotations } : {}) },
                alertmanagerSpec: { secrets: receiverSecret ? [RECEIVER_SECRET_NAME] : [] },
            },
            grafana: {
                admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                // Grafana reads its admin password at start (its database lives in the pod): a rotated password
                // changes this digest, and the pod restarts with it (components/app/service.ts does the same).
                podAnnotations: { [SECRETS_CHECKSUM_ANNOTATION]: pulumi.unsecret(args.grafanaAdminPassword.apply((password) => secretsDigest(["admin-password"], [password]))) },
            },
            kubelet: { serviceMonitor: { probes: true } },
        },
    }, { ...k8sOpts, dependsOn: [...args.prometheusStorage.ready, grafanaAdmin, ...(receiverSecret ? [receiverSecret] : [])] });

    new k8s.apiextensions.CustomResource(`${name}-alert-rules`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: PLATFORM_RULES_NAME, namespace: namespace.metadata.name, labels: kubernetesLabels(env) },
        spec: { groups: alertRuleGroups(args.errorBudgetPercent, args.serviceNamespace) },
    }, { ...k8sOpts, dependsOn: [release] });

    return { namespace: namespace.metadata.name, crdsReady: [release] };
}
