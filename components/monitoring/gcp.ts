import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels } from "../naming";
import { inClusterMonitoring } from "./prometheus";
import { MonitoringArgs, MonitoringRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpMonitoringArgs extends MonitoringArgs {
    readonly project: string;
    readonly region: string;
    /** The project APIs (Cloud Monitoring). */
    readonly apis: readonly pulumi.Resource[];
}

/** Cloud SQL for PostgreSQL's default max_connections by instance memory (GiB up to -> connections). */
const CLOUD_SQL_CONNECTIONS: readonly (readonly [number, number])[] = [[0.6, 25], [3.75, 50], [6, 100], [7.5, 150], [15, 200], [30, 400], [60, 500], [120, 600]];

/** 80% of the default max_connections of a Cloud SQL tier (`db-custom-<vCPUs>-<MiB>`). */
export function cloudSqlConnectionAlertThreshold(tier: string): number {
    const custom = /^db-custom-\d+-(\d+)$/.exec(tier);
    const memoryGib = custom ? Number(custom[1]) / 1024 : 8;
    const connections = CLOUD_SQL_CONNECTIONS.find(([upTo]) => memoryGib <= upTo)?.[1] ?? 800;
    return Math.floor(connections * 0.8);
}

/**
 * Notification channels for the alert addresses, alert policies on Cloud SQL (CPU, memory, disk,
 * connections) and Memorystore (CPU, memory, connected clients, evictions), and in the cluster the same
 * kube-prometheus-stack, rules and Alertmanager routing as on AWS. GCP offers Alertmanager no transport it
 * can use without a credential: its e-mail needs platform:monitoring.smtp, its pages apiKeys.pagerduty.
 */
export class GcpMonitoring extends pulumi.ComponentResource implements MonitoringRef {
    readonly alertDestination: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly crdsReady: pulumi.Resource[];

    constructor(name: string, args: GcpMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:Monitoring", name, recordedInputs(args), opts);
        const env = args.environment;
        const after = { parent: this, dependsOn: [...args.apis] };

        const channels = args.alertEmails.map((email, index) => new gcp.monitoring.NotificationChannel(`${name}-alerts-${index}`, {
            displayName: `${env.project} ${env.stack} alerts ${index}`,
            type: "email",
            labels: { email_address: email },
            userLabels: gcpLabels(env),
        }, after));
        const channelNames = channels.map((channel) => channel.name);
        this.alertDestination = pulumi.all(channelNames).apply((names) => names.join(","));

        const alert = (id: string, title: string, filter: pulumi.Input<string>, comparison: string, threshold: number, aligner = "ALIGN_MEAN"): void => {
            new gcp.monitoring.AlertPolicy(`${name}-${id}`, {
                displayName: `${title} (${env.stack})`,
                combiner: "OR",
                conditions: [{
                    displayName: title,
                    conditionThreshold: {
                        filter,
                        comparison,
                        thresholdValue: threshold,
                        duration: "900s",
                        aggregations: [{ alignmentPeriod: "300s", perSeriesAligner: aligner }],
                        evaluationMissingData: "EVALUATION_MISSING_DATA_ACTIVE",
                    },
                }],
                notificationChannels: channelNames,
                severity: "WARNING",
                userLabels: gcpLabels(env),
            }, after);
        };

        const database = pulumi.interpolate`resource.type = "cloudsql_database" AND resource.label.database_id = "${args.project}:${args.postgres.instanceIdentifier}"`;
        const sqlMetric = (metric: string): pulumi.Output<string> => pulumi.interpolate`${database} AND metric.type = "cloudsql.googleapis.com/database/${metric}"`;
        alert("postgres-cpu", "Postgres CPU above 80% for 15 minutes", sqlMetric("cpu/utilization"), "COMPARISON_GT", 0.8);
        alert("postgres-memory", "Postgres memory above 90%", sqlMetric("memory/utilization"), "COMPARISON_GT", 0.9);
        alert("postgres-disk", `Postgres disk above 90% of ${args.postgres.storageGb} GiB or its autoresize limit`, sqlMetric("disk/utilization"), "COMPARISON_GT", 0.9);
        alert("postgres-connections", "Postgres connections above 80% of max_connections", sqlMetric("postgresql/num_backends"), "COMPARISON_GT", cloudSqlConnectionAlertThreshold(args.postgres.instanceClass), "ALIGN_MAX");

        for (const instanceId of args.redisNodeIds) {
            const instance = `resource.type = "redis_instance" AND resource.label.instance_id = "projects/${args.project}/locations/${args.region}/instances/${instanceId}"`;
            const redisMetric = (metric: string): string => `${instance} AND metric.type = "redis.googleapis.com/${metric}"`;
            alert(`redis-memory-${instanceId}`, `Redis ${instanceId} memory above 80%`, redisMetric("stats/memory/usage_ratio"), "COMPARISON_GT", 0.8);
            alert(`redis-cpu-${instanceId}`, `Redis ${instanceId} main-thread CPU above 80%`, redisMetric("stats/cpu_utilization_main_thread"), "COMPARISON_GT", 0.8, "ALIGN_RATE");
            alert(`redis-connections-${instanceId}`, `Redis ${instanceId} above 8,000 connected clients`, redisMetric("clients/connected"), "COMPARISON_GT", 8000, "ALIGN_MAX");
            alert(`redis-evictions-${instanceId}`, `Redis ${instanceId} is evicting keys`, redisMetric("stats/evicted_keys"), "COMPARISON_GT", 0, "ALIGN_RATE");
        }

        const prometheus = inClusterMonitoring(this, name, args);
        this.namespace = prometheus.namespace;
        this.crdsReady = prometheus.crdsReady;
        this.registerOutputs({ alertDestination: this.alertDestination, namespace: this.namespace });
    }
}
