import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, gcpResourceId } from "../naming";
import { GcpNetwork } from "../network/gcp";
import { RedisArgs, RedisRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpRedisArgs extends RedisArgs {
    readonly region: string;
    /** The environment's own network: private services access range and connection. */
    readonly gcpNetwork: GcpNetwork;
    /** The project APIs, and the key grant Memorystore's service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

const REDIS_PORT = 6379;

/** `7.2` -> `REDIS_7_2`, `6.x` -> `REDIS_6_X`. */
export function memorystoreVersion(engineVersion: string): string {
    return `REDIS_${engineVersion.toUpperCase().replace(".", "_")}`;
}

/**
 * Memorystore for Redis on private services access: STANDARD_HA (a replica in another zone with automatic
 * failover, read replicas for more nodes) when the tier has more than one node, BASIC otherwise; AUTH on
 * (Memorystore generates the string), TLS in transit with server authentication, encrypted with the
 * environment's key, RDB snapshots when the tier keeps snapshots, a Sunday maintenance window.
 */
export class GcpRedis extends pulumi.ComponentResource implements RedisRef {
    readonly primaryEndpoint: pulumi.Output<string>;
    readonly authToken: pulumi.Output<string>;
    readonly port = REDIS_PORT;
    readonly nodeIds: readonly string[];

    constructor(name: string, args: GcpRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Redis", name, recordedInputs(args), opts);
        const env = args.environment;
        const instanceId = gcpResourceId(env, 40, "redis");
        const highlyAvailable = args.nodes > 1;

        const instance = new gcp.redis.Instance(`${name}-redis`, {
            name: instanceId,
            displayName: `Redis for ${env.project} ${env.stack}`,
            region: args.region,
            tier: highlyAvailable ? "STANDARD_HA" : "BASIC",
            memorySizeGb: Number(args.nodeType.replace(/GB$/, "")),
            redisVersion: memorystoreVersion(args.engineVersion),
            replicaCount: highlyAvailable ? args.nodes - 1 : undefined,
            readReplicasMode: highlyAvailable ? "READ_REPLICAS_ENABLED" : undefined,
            authorizedNetwork: args.gcpNetwork.networkId,
            connectMode: "PRIVATE_SERVICE_ACCESS",
            reservedIpRange: args.gcpNetwork.privateServicesRangeName,
            authEnabled: true,
            transitEncryptionMode: "SERVER_AUTHENTICATION",
            customerManagedKey: args.kmsKeyId,
            persistenceConfig: args.snapshotRetentionDays > 0 ? { persistenceMode: "RDB", rdbSnapshotPeriod: "TWENTY_FOUR_HOURS" } : { persistenceMode: "DISABLED" },
            maintenancePolicy: { weeklyMaintenanceWindows: [{ day: "SUNDAY", startTime: { hours: 5, minutes: 30, seconds: 0, nanos: 0 } }] },
            labels: gcpLabels(env),
        }, { parent: this, dependsOn: [...args.apis, args.gcpNetwork.privateServicesConnection] });

        this.primaryEndpoint = instance.host;
        this.authToken = pulumi.secret(instance.authString);
        this.nodeIds = [instanceId];
        this.registerOutputs({ primaryEndpoint: this.primaryEndpoint });
    }
}
