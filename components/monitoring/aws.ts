import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { standardTags } from "../naming";
import { inClusterMonitoring } from "./prometheus";
import { MonitoringArgs, MonitoringRef } from "./types";


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
 * kube-prometheus-stack release with alert rules for the 5xx error budget and failing probes.
 */
export class AwsMonitoring extends pulumi.ComponentResource implements MonitoringRef {
    readonly alertTopicArn: pulumi.Output<string>;
    readonly alertDestination: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    /** Resources that must exist before ServiceMonitors and rules: the chart installs their CRDs. */
    readonly crdsReady: pulumi.Resource[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
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

        const prometheus = inClusterMonitoring(this, name, args);
        this.namespace = prometheus.namespace;
        this.crdsReady = prometheus.crdsReady;

        this.registerOutputs({ alertTopicArn: this.alertTopicArn, namespace: this.namespace });
    }
}
