import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { asRecord } from "../lib/values";

const CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";
/** Memorystore for Redis (instances and clusters) and Memorystore for Valkey, with the mode that requires TLS on each. */
const MEMORYSTORE: Readonly<Record<string, { readonly label: string; readonly tls: string }>> = {
    "gcp:redis/instance:Instance": { label: "Memorystore for Redis instance", tls: "SERVER_AUTHENTICATION" },
    "gcp:redis/cluster:Cluster": { label: "Memorystore for Redis cluster", tls: "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION" },
    "gcp:memorystore/instance:Instance": { label: "Memorystore instance", tls: "SERVER_AUTHENTICATION" },
};
/** Cloud SQL SSL modes that refuse unencrypted connections. */
const CLOUD_SQL_TLS_MODES: readonly string[] = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

function elastiCacheViolations({ type, name, props }: ResourceUnderTest): string[] {
    if (type === "aws:elasticache/cluster:Cluster") {
        const member = typeof props.replicationGroupId === "string" && props.replicationGroupId.trim() !== "";
        return member || props.transitEncryptionEnabled === true ? [] : [`ElastiCache cluster ${name} accepts unencrypted connections (transitEncryptionEnabled is not true)`];
    }
    if (props.transitEncryptionEnabled !== true) return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionEnabled is not true)`];
    // "preferred" is the migration mode: TLS is offered, plaintext still accepted.
    if (props.transitEncryptionMode === "preferred") return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionMode is preferred, not required)`];
    return [];
}

function cloudSqlViolations({ name, props }: ResourceUnderTest): string[] {
    const sslMode = asRecord(asRecord(props.settings)?.ipConfiguration)?.sslMode;
    if (typeof sslMode === "string" && CLOUD_SQL_TLS_MODES.includes(sslMode)) return [];
    const found = sslMode === undefined || sslMode === null ? "unset, which allows unencrypted connections" : JSON.stringify(sslMode);
    return [`Cloud SQL instance ${name} accepts unencrypted connections (settings.ipConfiguration.sslMode is ${found}; use ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED)`];
}

/**
 * Caches and databases accept only TLS connections: ElastiCache replication groups, and standalone clusters
 * (aws.elasticache.Cluster, Memcached or Redis) that are not members of a replication group (a member has its
 * group's setting); Cloud SQL instances (settings.ipConfiguration.sslMode); Memorystore for Redis instances and
 * clusters and Memorystore for Valkey instances (transitEncryptionMode). Kept apart from encryption-at-rest so
 * that a client that cannot speak TLS can be exempted from this rule alone. (RDS enforces TLS in its parameter
 * group — rds.force_ssl — which is a separate resource and outside this rule.)
 */
export const encryptionInTransit: ResourceRule = {
    kind: "resource",
    name: "encryption-in-transit",
    description: "Caches and Cloud SQL databases accept only TLS connections (ElastiCache, Memorystore, Cloud SQL).",
    severity: "high",
    rationale: "Without TLS, database and cache contents and the credentials that open them cross the network in plaintext, readable by anything on the path.",
    remediation:
        "Set transitEncryptionEnabled: true and transitEncryptionMode: \"required\" (or leave the mode unset) on the aws.elasticache.ReplicationGroup, as components/redis/aws.ts does; transitEncryptionEnabled: true on a standalone aws.elasticache.Cluster (Memcached 1.6.12+, Redis 6+, Valkey). Cloud SQL: settings.ipConfiguration.sslMode \"ENCRYPTED_ONLY\" (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED). Memorystore: transitEncryptionMode \"SERVER_AUTHENTICATION\" (TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION on a gcp.redis.Cluster).",
    resourceTypes: ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster", CLOUD_SQL, ...Object.keys(MEMORYSTORE)],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        if (resource.type === CLOUD_SQL) return cloudSqlViolations(resource);
        const memorystore = MEMORYSTORE[resource.type];
        if (memorystore) {
            const mode = resource.props.transitEncryptionMode;
            if (mode === memorystore.tls) return [];
            const found = mode === undefined || mode === null ? "unset, which is disabled" : JSON.stringify(mode);
            return [`${memorystore.label} ${resource.name} accepts unencrypted connections (transitEncryptionMode is ${found}, not ${memorystore.tls})`];
        }
        return elastiCacheViolations(resource);
    },
};
