import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { topicResourceName } from "../../config/schema";
import { resourceName, standardTags } from "../naming";
import { AccessStatement } from "../cluster/types";
import { MessagingArgs, MessagingRef, topicEnvStem } from "./types";

const DAY_SECONDS = 86_400;
/** SQS's longest retention: a dead letter waits this long for someone to look at it. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * DAY_SECONDS;
/** Seconds a received message stays invisible to other consumers while one handles it. */
const VISIBILITY_TIMEOUT_SECONDS = 60;
/** How long KMS data keys are reused before SQS asks KMS again (the SQS default). */
const DATA_KEY_REUSE_SECONDS = 300;

/**
 * On AWS: an SNS topic per event and, per subscriber, an SQS queue subscribed to it (raw delivery) with a
 * dead-letter queue and a redrive policy; topics and queues are encrypted with the environment's key. Each
 * queue's policy admits only its topic. Rights are handed out per service: publishers may publish to their
 * topics, subscribers may receive and delete from their own queues, nothing more.
 */
export class AwsMessaging extends pulumi.ComponentResource implements MessagingRef {
    readonly serviceEnv: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
    /** Per service name, the IAM statements its workload identity needs. */
    readonly serviceAccess: Readonly<Record<string, readonly AccessStatement[]>>;

    constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:messaging:Messaging", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const serviceEnv: Record<string, Record<string, pulumi.Output<string>>> = {};
        const serviceAccess: Record<string, AccessStatement[]> = {};
        const grant = (service: string, variable: string, value: pulumi.Output<string>, statements: AccessStatement[]): void => {
            (serviceEnv[service] ??= {})[variable] = value;
            (serviceAccess[service] ??= []).push(...statements);
        };
        const keyUse: AccessStatement = { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [args.kmsKeyArn] };

        for (const [event, spec] of Object.entries(args.topics)) {
            const stem = topicResourceName(event);
            const topic = new aws.sns.Topic(`${name}-${stem}`, { name: resourceName(env, stem), kmsMasterKeyId: args.kmsKeyArn, tags: standardTags(env, { event }) }, parent);
            for (const publisher of spec.publishers) {
                grant(publisher, `TOPIC_${topicEnvStem(event)}_ARN`, topic.arn, [{ actions: ["sns:Publish"], resources: [topic.arn] }, keyUse]);
            }
            for (const subscriber of spec.subscribers) {
                const queueName = resourceName(env, stem, subscriber);
                const deadLetters = new aws.sqs.Queue(`${name}-${stem}-${subscriber}-dlq`, {
                    name: `${queueName}-dlq`,
                    kmsMasterKeyId: args.kmsKeyArn,
                    kmsDataKeyReusePeriodSeconds: DATA_KEY_REUSE_SECONDS,
                    messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
                    tags: standardTags(env, { event, subscriber }),
                }, parent);
                const queue = new aws.sqs.Queue(`${name}-${stem}-${subscriber}`, {
                    name: queueName,
                    kmsMasterKeyId: args.kmsKeyArn,
                    kmsDataKeyReusePeriodSeconds: DATA_KEY_REUSE_SECONDS,
                    messageRetentionSeconds: args.messageRetentionDays * DAY_SECONDS,
                    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
                    redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: args.maxReceiveCount }),
                    tags: standardTags(env, { event, subscriber }),
                }, parent);
                // Only the dead-letter queue's own source queue may redrive into it.
                new aws.sqs.RedriveAllowPolicy(`${name}-${stem}-${subscriber}-dlq-redrive`, {
                    queueUrl: deadLetters.url,
                    redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }),
                }, parent);
                const queuePolicy = new aws.sqs.QueuePolicy(`${name}-${stem}-${subscriber}-policy`, {
                    queueUrl: queue.url,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [{
                            Sid: "TopicDelivers",
                            Effect: "Allow",
                            Principal: { Service: "sns.amazonaws.com" },
                            Action: "sqs:SendMessage",
                            Resource: queue.arn,
                            Condition: { ArnEquals: { "aws:SourceArn": topic.arn } },
                        }],
                    }),
                }, parent);
                new aws.sns.TopicSubscription(`${name}-${stem}-${subscriber}`, {
                    topic: topic.arn,
                    protocol: "sqs",
                    endpoint: queue.arn,
                    rawMessageDelivery: true,
                }, { parent: this, dependsOn: [queuePolicy] });
                grant(subscriber, `QUEUE_${topicEnvStem(event)}_URL`, queue.url, [
                    { actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], resources: [queue.arn] },
                    keyUse,
                ]);
            }
        }

        this.serviceEnv = serviceEnv;
        this.serviceAccess = serviceAccess;
        this.registerOutputs({});
    }
}
