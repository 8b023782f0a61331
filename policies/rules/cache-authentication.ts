import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { asArray } from "../lib/values";

const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const CLUSTER = "aws:elasticache/cluster:Cluster";
const SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache";

const isSet = (value: unknown): boolean => typeof value === "string" && value.trim() !== "";

/** Redis and Valkey have AUTH and RBAC user groups; Memcached (node-based) has neither. A replication group's engine defaults to redis. */
const speaksRedis = (engine: unknown): boolean => engine === undefined || engine === null || engine === "redis" || engine === "valkey";

function replicationGroupViolations({ name, props }: ResourceUnderTest): string[] {
    // A secondary of a global datastore takes AUTH from its primary group.
    if (isSet(props.globalReplicationGroupId) || !speaksRedis(props.engine)) return [];
    // Presence is enough: the token is a secret (often unknown during a preview) and is never read.
    if ("authToken" in props || "authTokenWo" in props) return [];
    if (asArray(props.userGroupIds).length > 0) return [];
    return [`ElastiCache replication group ${name} accepts connections without authentication (no authToken, authTokenWo or userGroupIds)`];
}

function clusterViolations({ name, props }: ResourceUnderTest): string[] {
    // A member of a replication group has the group's AUTH.
    if (isSet(props.replicationGroupId) || props.engine === "memcached") return [];
    return [`ElastiCache cluster ${name} accepts connections without authentication (a standalone ${String(props.engine ?? "redis")} cluster cannot require AUTH; use a ReplicationGroup with authToken or userGroupIds)`];
}

function serverlessViolations({ name, props }: ResourceUnderTest): string[] {
    if (props.engine === "memcached" || isSet(props.userGroupId)) return [];
    return [`ElastiCache serverless cache ${name} accepts connections without authentication (userGroupId is not set)`];
}

/**
 * Redis and Valkey caches require clients to authenticate: an AUTH token (`authToken` / `authTokenWo`) or
 * RBAC user groups (`userGroupIds`) on a replication group, a user group on a serverless cache. A standalone
 * aws.elasticache.Cluster running Redis cannot require either, so it is flagged; Memcached has no
 * authentication in ElastiCache and is left to network controls (no-public-data-stores).
 */
export const cacheAuthentication: ResourceRule = {
    kind: "resource",
    name: "cache-authentication",
    description: "Redis and Valkey caches (replication groups, standalone clusters, serverless caches) require an AUTH token or an RBAC user group.",
    severity: "high",
    rationale:
        "Without AUTH, anything that reaches the cache port (a compromised pod, a misrouted peer VPC) reads and rewrites every session and cached record, and can flush the cache.",
    remediation:
        "Set authToken (from the SecretStore, as components/redis/aws.ts does) or userGroupIds on the aws.elasticache.ReplicationGroup, or userGroupId on the ServerlessCache; replace a standalone Redis aws.elasticache.Cluster with a ReplicationGroup.",
    resourceTypes: [REPLICATION_GROUP, CLUSTER, SERVERLESS],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        switch (resource.type) {
            case REPLICATION_GROUP:
                return replicationGroupViolations(resource);
            case CLUSTER:
                return clusterViolations(resource);
            case SERVERLESS:
                return serverlessViolations(resource);
            default:
                return [];
        }
    },
};
