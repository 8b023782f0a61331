import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { topicResourceName } from "../../config/schema";
import { AccessStatement } from "../cluster/types";
import { gcpLabels, resourceName } from "../naming";
import { MessagingArgs, MessagingRef, topicEnvStem } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpMessagingArgs extends MessagingArgs {
    readonly project: string;
    readonly region: string;
    /** The Pub/Sub service agent (`serviceAccount:service-<number>@gcp-sa-pubsub...`), which dead-letters messages. */
    readonly serviceAgent: pulumi.Input<string>;
    /** The project APIs, and the key grant the Pub/Sub service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

const DAY_SECONDS = 86_400;
/** Pub/Sub's longest subscription retention: a dead letter waits this long for someone to look at it. */
export const DEAD_LETTER_RETENTION_DAYS = 7;
/** Seconds a pulled message stays leased to one subscriber while it handles it (SQS's visibility timeout on AWS). */
const ACK_DEADLINE_SECONDS = 60;
/** Redelivery backs off from 10 seconds to 10 minutes instead of retrying at once. */
const RETRY_POLICY = { minimumBackoff: "10s", maximumBackoff: "600s" };
/** An empty TTL: the subscription never expires, however long nobody pulls from it (the default is 31 days). */
const NEVER_EXPIRES = { ttl: "" };

/** The variable that names a topic to its publishers: TOPIC_<EVENT>_ID, the topic's full name. */
export function gcpTopicEnvName(event: string): string {
    return `TOPIC_${topicEnvStem(event)}_ID`;
}
/** The variable that names a subscriber's own subscription: SUBSCRIPTION_<EVENT>_ID, its full name. */
export function gcpSubscriptionEnvName(event: string): string {
    return `SUBSCRIPTION_${topicEnvStem(event)}_ID`;
}

/**
 * On Google Cloud: a Pub/Sub topic per event (CMEK, messages stored in the stack's region) and, per
 * subscriber, a pull subscription of its own with a dead-letter topic (also CMEK) after `maxReceiveCount`
 * deliveries, and a subscription on that dead-letter topic so that dead letters are kept. Subscriptions never
 * expire. Rights are handed out per service as IAM roles on exact topic and subscription names (the
 * workload identity grants them on those resources): publishers roles/pubsub.publisher on their topics,
 * subscribers roles/pubsub.subscriber on their own subscriptions. Pub/Sub's service agent may publish to
 * each dead-letter topic and pull from its source subscription, which dead-lettering needs.
 */
export class GcpMessaging extends pulumi.ComponentResource implements MessagingRef {
    readonly serviceEnv: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
    /** Per service name, the IAM roles its workload identity gets, each on exact topic or subscription names. */
    readonly serviceAccess: Readonly<Record<string, readonly AccessStatement[]>>;

    constructor(name: string, args: GcpMessagingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:messaging:Messaging", name, recordedInputs(args), opts);
        const env = args.environment;
        const parent = { parent: this };
        const serviceEnv: Record<string, Record<string, pulumi.Output<string>>> = {};
        const serviceAccess: Record<string, AccessStatement[]> = {};
        const grant = (service: string, variable: string, value: pulumi.Output<string>, statement: AccessStatement): void => {
            (serviceEnv[service] ??= {})[variable] = value;
            (serviceAccess[service] ??= []).push(statement);
        };
        const topicArgs = (topicName: string, labels: Record<string, string>): gcp.pubsub.TopicArgs => ({
            name: topicName,
            project: args.project,
            kmsKeyName: args.kmsKeyArn,
            messageStoragePolicy: { allowedPersistenceRegions: [args.region] },
            labels: gcpLabels(env, labels),
        });

        for (const [event, spec] of Object.entries(args.topics)) {
            const stem = topicResourceName(event);
            const topicName = resourceName(env, stem);
            const topic = new gcp.pubsub.Topic(`${name}-${stem}`, topicArgs(topicName, { event: stem }), { parent: this, dependsOn: [...args.apis] });
            for (const publisher of spec.publishers) {
                grant(publisher, gcpTopicEnvName(event), topic.id, { actions: ["roles/pubsub.publisher"], resources: [`projects/${args.project}/topics/${topicName}`] });
            }
            for (const subscriber of spec.subscribers) {
                const subscriptionName = resourceName(env, stem, subscriber);
                const labels = { event: stem, subscriber };
                const deadLetters = new gcp.pubsub.Topic(`${name}-${stem}-${subscriber}-dlq`, topicArgs(`${subscriptionName}-dlq`, labels), { parent: this, dependsOn: [...args.apis] });
                new gcp.pubsub.Subscription(`${name}-${stem}-${subscriber}-dlq`, {
                    name: `${subscriptionName}-dlq`,
                    project: args.project,
                    topic: deadLetters.id,
                    ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
                    messageRetentionDuration: `${DEAD_LETTER_RETENTION_DAYS * DAY_SECONDS}s`,
                    expirationPolicy: NEVER_EXPIRES,
                    labels: gcpLabels(env, labels),
                }, parent);
                const publishesDeadLetters = new gcp.pubsub.TopicIAMMember(`${name}-${stem}-${subscriber}-dlq-agent`, {
                    project: args.project,
                    topic: deadLetters.name,
                    role: "roles/pubsub.publisher",
                    member: args.serviceAgent,
                }, parent);
                const subscription = new gcp.pubsub.Subscription(`${name}-${stem}-${subscriber}`, {
                    name: subscriptionName,
                    project: args.project,
                    topic: topic.id,
                    ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
                    messageRetentionDuration: `${args.messageRetentionDays * DAY_SECONDS}s`,
                    expirationPolicy: NEVER_EXPIRES,
                    retryPolicy: RETRY_POLICY,
                    deadLetterPolicy: { deadLetterTopic: deadLetters.id, maxDeliveryAttempts: args.maxReceiveCount },
                    labels: gcpLabels(env, labels),
                }, { parent: this, dependsOn: [publishesDeadLetters] });
                new gcp.pubsub.SubscriptionIAMMember(`${name}-${stem}-${subscriber}-agent`, {
                    project: args.project,
                    subscription: subscription.name,
                    role: "roles/pubsub.subscriber",
                    member: args.serviceAgent,
                }, parent);
                grant(subscriber, gcpSubscriptionEnvName(event), subscription.id, {
                    actions: ["roles/pubsub.subscriber"],
                    resources: [`projects/${args.project}/subscriptions/${subscriptionName}`],
                });
            }
        }

        this.serviceEnv = serviceEnv;
        this.serviceAccess = serviceAccess;
        this.registerOutputs({});
    }
}
