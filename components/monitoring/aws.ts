import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsWorkloadIdentity } from "../cluster/workload-identity-aws";
import { standardTags } from "../naming";
import { EmailTransport, SnsTarget } from "./alertmanager";
import { ALERTMANAGER_SERVICE_ACCOUNT, inClusterMonitoring, MONITORING_NAMESPACE } from "./prometheus";
import { MonitoringArgs, MonitoringRef } from "./types";

/** What Alertmanager's AWS identity needs: the cluster's OIDC provider (IRSA) and the region of its topics. */
export interface AwsMonitoringArgs extends MonitoringArgs {
    readonly region: string;
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuerUrl: pulumi.Input<string>;
}

const FIVE_MINUTES = 300;
const GIB = 1024 ** 3;

/** RDS sizes its default max_connections as memory / 9,531,392 bytes; alarm at 80% of it. */
export function postgresConnectionAlarmThreshold(instanceClass: string): number {
    const size = instanceClass.split(".")[2] ?? "large";
    const baseGib: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128 };
    const memoryOptimised = /^db\.(r|x)/.test(instanceClass) ? 2 : 1;
    const memoryBytes = (baseGib[size] ?? 8) * memoryOptimised * GIB;
    return Math.floor(Math.min(memoryBytes / 9_531_392, 5000) * 0.8);
}

/**
 * An SNS alert topic with CloudWatch alarms on Postgres and Redis, and in the cluster the
 * kube-prometheus-stack release with alert rules for the 5xx error budget, services down and failing probes.
 * Alertmanager publishes its email to the same topic with its own IAM role (IRSA: no credential anywhere),
 * and its Watchdog to a heartbeat topic whose silence for 15 minutes raises a CloudWatch alarm on the
 * alert topic: a dead man's switch outside the cluster.
 */
export class AwsMonitoring extends pulumi.ComponentResource implements MonitoringRef {
    readonly alertTopicArn: pulumi.Output<string>;
    readonly alertDestination: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    /** Resources that must exist before ServiceMonitors and rules: the chart installs their CRDs. */
    readonly crdsReady: pulumi.Resource[];

    constructor(name: string, args: AwsMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:monitoring:Monitoring", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);

        const topic = new aws.sns.Topic(`${name}-alerts`, { kmsMasterKeyId: args.kmsKeyId, tags }, parent);
        args.alertEmails.forEach((email, index) => {
            new aws.sns.TopicSubscription(`${name}-alerts-${index}`, { topic: topic.arn, protocol: "email", endpoint: email }, parent);
        });
        this.alertTopicArn = topic.arn;
        this.alertDestination = topic.arn;

        const alarm = (id: string, alarmArgs: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags">): aws.cloudwatch.MetricAlarm =>
            new aws.cloudwatch.MetricAlarm(`${name}-${id}`, {
                period: FIVE_MINUTES,
                evaluationPeriods: 3,
                treatMissingData: "breaching",
                ...alarmArgs,
                alarmActions: [topic.arn],
                okActions: [topic.arn],
                tags,
            }, parent);

        const dbDimensions = { DBInstanceIdentifier: args.postgres.instanceIdentifier };
        alarm("postgres-cpu", {
            alarmDescription: `Postgres CPU above 80% for 15 minutes (${env.stack})`,
            namespace: "AWS/RDS", metricName: "CPUUtilization", statistic: "Average", dimensions: dbDimensions,
            comparisonOperator: "GreaterThanThreshold", threshold: 80,
        });
        alarm("postgres-free-storage", {
            alarmDescription: `Postgres free storage below 10% of ${args.postgres.storageGb} GiB (${env.stack})`,
            namespace: "AWS/RDS", metricName: "FreeStorageSpace", statistic: "Minimum", dimensions: dbDimensions,
            comparisonOperator: "LessThanThreshold", threshold: Math.round(args.postgres.storageGb * GIB * 0.1),
        });
        alarm("postgres-connections", {
            alarmDescription: `Postgres connections above 80% of max_connections (${env.stack})`,
            namespace: "AWS/RDS", metricName: "DatabaseConnections", statistic: "Maximum", dimensions: dbDimensions,
            comparisonOperator: "GreaterThanThreshold", threshold: postgresConnectionAlarmThreshold(args.postgres.instanceClass),
        });

        for (const nodeId of args.redisNodeIds) {
            const cacheDimensions = { CacheClusterId: nodeId };
            alarm(`redis-memory-${nodeId}`, {
                alarmDescription: `Redis ${nodeId} memory above 80% (${env.stack})`,
                namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage", statistic: "Average", dimensions: cacheDimensions,
                comparisonOperator: "GreaterThanThreshold", threshold: 80,
            });
            alarm(`redis-evictions-${nodeId}`, {
                alarmDescription: `Redis ${nodeId} is evicting keys (${env.stack})`,
                namespace: "AWS/ElastiCache", metricName: "Evictions", statistic: "Sum", dimensions: cacheDimensions,
                comparisonOperator: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching",
            });
            alarm(`redis-cpu-${nodeId}`, {
                alarmDescription: `Redis ${nodeId} engine CPU above 80% (${env.stack})`,
                namespace: "AWS/ElastiCache", metricName: "EngineCPUUtilization", statistic: "Average", dimensions: cacheDimensions,
                comparisonOperator: "GreaterThanThreshold", threshold: 80,
            });
        }

        // The dead man's switch: Alertmanager publishes the always-firing Watchdog here every minute; no
        // publication for three 5-minute periods means the alerting pipeline is down, and CloudWatch says so.
        const heartbeat = new aws.sns.Topic(`${name}-heartbeat`, { kmsMasterKeyId: args.kmsKeyId, tags }, parent);
        alarm("alertmanager-heartbeat", {
            alarmDescription: `No Watchdog from Alertmanager for 15 minutes (${env.stack}): Prometheus, Alertmanager or the cluster is down, so no other Prometheus alert can reach anyone`,
            namespace: "AWS/SNS", metricName: "NumberOfMessagesPublished", statistic: "Sum", dimensions: { TopicName: heartbeat.name },
            comparisonOperator: "LessThanThreshold", threshold: 1,
        });
        const identity = new AwsWorkloadIdentity(`${name}-alertmanager`, {
            environment: env,
            namespace: MONITORING_NAMESPACE,
            serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
            statements: [
                { actions: ["sns:Publish"], resources: [topic.arn, heartbeat.arn] },
                // Both topics are encrypted with the environment's key.
                { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [args.kmsKeyId] },
            ],
            oidcProviderArn: args.oidcProviderArn,
            oidcIssuerUrl: args.oidcIssuerUrl,
        }, parent);

        const prometheus = inClusterMonitoring(this, name, args, {
            email: topic.arn.apply((topicArn): EmailTransport => ({ kind: "sns", topicArn, region: args.region })),
            heartbeat: heartbeat.arn.apply((topicArn): SnsTarget => ({ topicArn, region: args.region })),
            serviceAccountAnnotations: identity.serviceAccountAnnotations,
        });
        this.namespace = prometheus.namespace;
        this.crdsReady = prometheus.crdsReady;

        this.registerOutputs({ alertTopicArn: this.alertTopicArn, namespace: this.namespace });
    }
}
