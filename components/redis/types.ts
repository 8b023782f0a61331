import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";
import { NetworkRef } from "../network/types";

/** A managed Redis for one environment. */
export interface RedisArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Network whose private subnets hold the cache. */
    readonly network: NetworkRef;
    /** Engine version, e.g. "7.1". */
    readonly engineVersion: string;
    /** Machine size. */
    readonly nodeType: string;
    /** Primary plus replicas. */
    readonly nodes: number;
    /** Replicas across zones with automatic failover. */
    readonly multiAz: boolean;
    /** Daily snapshots kept, days (0: none). */
    readonly snapshotRetentionDays: number;
    /** Key that encrypts data at rest. */
    readonly kmsKeyId: pulumi.Input<string>;
    /** AUTH token from the SecretStore, where the cloud lets its owner choose one (AWS); Memorystore generates its own. */
    readonly authToken?: pulumi.Output<string>;
}

export interface RedisRef {
    readonly primaryEndpoint: pulumi.Output<string>;
    /** The AUTH token clients present, as a secret. */
    readonly authToken: pulumi.Output<string>;
    readonly port: number;
    /** Node identifiers, for per-node alarms. */
    readonly nodeIds: readonly string[];
}
