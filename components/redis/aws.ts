import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { namedTags, resourceName, standardTags } from "../naming";
import { RedisArgs, RedisRef } from "./types";

export interface AwsRedisArgs extends RedisArgs {
    /** Security groups allowed to connect: the cluster's nodes. */
    readonly clientSecurityGroupIds: readonly pulumi.Input<string>[];
    /** AUTH token, from the SecretStore. */
    readonly authToken: pulumi.Output<string>;
}

const REDIS_PORT = 6379;

/**
 * An ElastiCache Redis replication group in private subnets with TLS in transit, KMS encryption at rest
 * and an AUTH token; with more than one node, automatic failover (and Multi-AZ when asked).
 */
export class AwsRedis extends pulumi.ComponentResource implements RedisRef {
    readonly primaryEndpoint: pulumi.Output<string>;
    readonly authToken: pulumi.Output<string>;
    readonly port = REDIS_PORT;
    readonly nodeIds: readonly string[];

    constructor(name: string, args: AwsRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Redis", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);
        const replicationGroupId = resourceName(env, "redis");

        const subnetGroup = new aws.elasticache.SubnetGroup(`${name}-subnets`, {
            description: `Redis subnets of ${env.stack}`,
            subnetIds: args.network.privateSubnetIds,
            tags,
        }, parent);
        const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            vpcId: args.network.networkId,
            description: `Redis clients of ${env.stack}`,
            ingress: [{
                description: "Redis (TLS) from the cluster nodes",
                protocol: "tcp",
                fromPort: REDIS_PORT,
                toPort: REDIS_PORT,
                securityGroups: [...args.clientSecurityGroupIds],
            }],
            tags: namedTags(env, "redis"),
        }, parent);

        const failover = args.nodes > 1;
        const group = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
            replicationGroupId,
            description: `Redis for ${env.project} ${env.stack}`,
            engine: "redis",
            engineVersion: args.engineVersion,
            autoMinorVersionUpgrade: true,
            nodeType: args.nodeType,
            numCacheClusters: args.nodes,
            automaticFailoverEnabled: failover,
            multiAzEnabled: failover && args.multiAz,
            port: REDIS_PORT,
            subnetGroupName: subnetGroup.name,
            securityGroupIds: [securityGroup.id],
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            atRestEncryptionEnabled: true,
            kmsKeyId: args.kmsKeyId,
            authToken: args.authToken,
            authTokenUpdateStrategy: "ROTATE",
            snapshotRetentionLimit: args.snapshotRetentionDays,
            snapshotWindow: "02:00-03:00",
            maintenanceWindow: "sun:05:30-sun:06:30",
            applyImmediately: false,
            tags,
        }, parent);

        this.primaryEndpoint = group.primaryEndpointAddress;
        this.authToken = args.authToken;
        // ElastiCache names the member clusters of a replication group <id>-001, <id>-002, ...
        this.nodeIds = Array.from({ length: args.nodes }, (_, index) => `${replicationGroupId}-${String(index + 1).padStart(3, "0")}`);
        this.registerOutputs({ primaryEndpoint: this.primaryEndpoint });
    }
}
