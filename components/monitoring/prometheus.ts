import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesLabels } from "../naming";
import { alertRuleGroups } from "./rules";
import { MonitoringArgs } from "./types";

/** kube-prometheus-stack chart, pinned: chart upgrades are reviewed changes, not side effects of a deploy. */
export const KUBE_PROMETHEUS_STACK_CHART = { name: "kube-prometheus-stack", version: "82.6.0", repo: "https://prometheus-community.github.io/helm-charts" } as const;

/**
 * The in-cluster half of monitoring, the same on every cloud: the kube-prometheus-stack release on an
 * encrypted persistent volume, and alert rules for the 5xx error budget and failing probes.
 */
export function inClusterMonitoring(parent: pulumi.Resource, name: string, args: MonitoringArgs): { namespace: pulumi.Output<string>; crdsReady: pulumi.Resource[] } {
    const env = args.environment;
    const k8sOpts = { parent, provider: args.kubernetesProvider };
    const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
        metadata: {
            name: "monitoring",
            labels: kubernetesLabels(env, { "pod-security.kubernetes.io/enforce": "privileged" }),
        },
    }, k8sOpts);

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
            grafana: { adminPassword: args.grafanaAdminPassword },
            kubelet: { serviceMonitor: { probes: true } },
        },
    }, { ...k8sOpts, dependsOn: args.prometheusStorage.ready });

    new k8s.apiextensions.CustomResource(`${name}-alert-rules`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "platform-alerts", namespace: namespace.metadata.name, labels: kubernetesLabels(env) },
        spec: { groups: alertRuleGroups(args.errorBudgetPercent) },
    }, { ...k8sOpts, dependsOn: [release] });

    return { namespace: namespace.metadata.name, crdsReady: [release] };
}
