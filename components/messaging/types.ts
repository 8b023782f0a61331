import * as pulumi from "@pulumi/pulumi";
import { AccessStatement } from "../cluster/types";
import { EnvironmentContext } from "../naming";

/** One domain event: who publishes it, and who gets a queue of their own subscribed to it. */
export interface TopicSpec {
    readonly publishers: readonly string[];
    readonly subscribers: readonly string[];
}

/** Domain events between services: a topic per event, a queue (with a dead-letter queue) per subscriber. */
export interface MessagingArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Topics by event name (`user.created`). */
    readonly topics: Readonly<Record<string, TopicSpec>>;
    /** Key that encrypts topics and queues. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Deliveries of a message before it moves to the dead-letter queue. */
    readonly maxReceiveCount: number;
    /** Days a message is kept in a queue and in its dead-letter queue. */
    readonly messageRetentionDays: number;
}

/** `user.created` -> `USER_CREATED`: the stem of the variables that name a topic and a queue. */
export function topicEnvStem(topic: string): string {
    return topic.replace(/[.-]/g, "_").toUpperCase();
}

/** What a service is told: the topics it publishes to and the queues it reads, as environment variables. */
export interface MessagingRef {
    /** Per service name, its variables (TOPIC_<EVENT>_ARN, QUEUE_<EVENT>_URL). */
    readonly serviceEnv: Readonly<Record<string, Readonly<Record<string, pulumi.Output<string>>>>>;
    /** Per service name, exactly its rights: publish to its topics, consume its own queues. */
    readonly serviceAccess: Readonly<Record<string, readonly AccessStatement[]>>;
}
