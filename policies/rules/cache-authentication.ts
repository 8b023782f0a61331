import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { asArray } from "../lib/values";

const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const CLUSTER = "aws:elasticache/cluster:Cluster";
const SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache";
/** Memorystore for Redis instances and clusters, Memorystore for Valkey instances: how each requires clients to authenticate. */
const MEMORYSTORE: Readonly<Record<string, { readonly label: string; readonly property: string; readonly authenticated: readonly unknown[]; readonly unset: string }>> = {
    "gcp:redis/instance:Instance": { label: "Memorystore for Redis instance", property: "authEnabled", authenticated: [true], unset: "unset, which is false" },
    "gcp:redis/cluster:Cluster": { label: "Memorystore for Redis cluster", property: "authorizationMode", authenticated: ["AUTH_MODE_IAM_AUTH"], unset: "unset, which is AUTH_MODE_DISABLED" },
    "gcp:memorystore/instance:Instance": { label: "Memorystore instance", property: "authorizationMode", authenticated: ["IAM_AUTH", "TOKEN_AUTH"], unset: "unset, which is AUTH_DISABLED" },
};

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

function memorystoreViolations({ type, name, props }: ResourceUnderTest): string[] {
    const { label, property, authenticated, unset } = MEMORYSTORE[type];
    const value = props[property];
    if (authenticated.includes(value)) return [];
    const found = value === undefined || value === null ? unset : typeof value === "string" ? JSON.stringify(value) : String(value);
    return [`${label} ${name} accepts connections without authentication (${property} is ${found})`];
}

/**
 * Redis and Valkey caches require clients to authenticate: an AUTH token (`authToken` / `authTokenWo`) or
 * RBAC user groups (`userGroupIds`) on a replication group, a user group on a serverless cache. A standalone
 * aws.elasticache.Cluster running Redis cannot require either, so it is flagged; Memcached has no
 * authentication in ElastiCache and is left to network controls (no-public-data-stores). Memorystore: AUTH on
 * a Redis instance (`authEnabled`), IAM authentication on a Redis cluster, IAM or token authentication on a
 * Valkey instance (`authorizationMode`).
 */
export const cacheAuthentication: ResourceRule = {
    kind: "resource",
    name: "cache-authentication",
    description: "Redis and Valkey caches (ElastiCache replication groups, standalone clusters, serverless caches; Memorystore instances and clusters) require clients to authenticate.",
    severity: "high",
    rationale:
        "Without AUTH, anything that reaches the cache port (a compromised pod, a misrouted peer VPC) reads and rewrites every session and cached record, and can flush the cache.",
    remediation:
        "Set authToken (from the SecretStore, as components/redis/aws.ts does) or userGroupIds on the aws.elasticache.ReplicationGroup, or userGroupId on the ServerlessCache; replace a standalone Redis aws.elasticache.Cluster with a ReplicationGroup. Memorystore: authEnabled: true on a gcp.redis.Instance (clients read the AUTH string from the instance's authString output, kept in Secret Manager), authorizationMode \"AUTH_MODE_IAM_AUTH\" on a gcp.redis.Cluster, \"IAM_AUTH\" on a gcp.memorystore.Instance.",
    resourceTypes: [REPLICATION_GROUP, CLUSTER, SERVERLESS, ...Object.keys(MEMORYSTORE)],
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
                return Object.hasOwn(MEMORYSTORE, resource.type) ? memorystoreViolations(resource) : [];
        }
    },
};
