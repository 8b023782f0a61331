import * as pulumi from "@pulumi/pulumi";
import { ResolvedService } from "../../config/load";
import { TopicSpec } from "../messaging/types";
import { EnvironmentContext } from "../naming";

/** The same shape of environment as the cloud tiers, on a developer's Docker engine: no cloud account, no credentials. */
export interface LocalEnvironmentArgs {
    /** Names and labels. */
    readonly environment: EnvironmentContext;
    /** The services, each built from its `build.context` under the project root. */
    readonly services: readonly ResolvedService[];
    /** Absolute path of the project, which build contexts are relative to. */
    readonly projectRoot: string;
    /** Build metadata every service container carries. */
    readonly release: { readonly sha: string; readonly date: string; readonly actor: string };
    /** Domain events, as in the cloud tiers: LocalStack gets a topic per event and a queue per subscriber. */
    readonly topics: Readonly<Record<string, TopicSpec>>;
    /** Deliveries before a message moves to its dead-letter queue. */
    readonly maxReceiveCount: number;
    /** The region LocalStack answers as (no AWS account is used). */
    readonly region: string;
}

export interface LocalEnvironmentRef {
    /** What a developer opens on the laptop: name -> URL on 127.0.0.1. */
    readonly endpoints: pulumi.Output<Record<string, string>>;
}
