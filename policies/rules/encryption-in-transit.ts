import { ALWAYS_MANDATORY, ResourceRule } from "../lib/rule";

/**
 * ElastiCache accepts only TLS connections: replication groups, and standalone clusters (aws.elasticache.Cluster,
 * Memcached or Redis) that are not members of a replication group (a member has its group's setting). Kept apart from encryption-at-rest so that a client that cannot
 * speak TLS can be exempted from this rule alone. (RDS enforces TLS in its parameter group — rds.force_ssl —
 * which is a separate resource and outside this rule.)
 */
export const encryptionInTransit: ResourceRule = {
    kind: "resource",
    name: "encryption-in-transit",
    description: "ElastiCache replication groups and clusters accept only TLS connections.",
    severity: "high",
    rationale: "Without TLS, cache contents and the AUTH token cross the network in plaintext, readable by anything on the path.",
    remediation: "Set transitEncryptionEnabled: true and transitEncryptionMode: \"required\" (or leave the mode unset) on the aws.elasticache.ReplicationGroup, as components/redis/aws.ts does; transitEncryptionEnabled: true on a standalone aws.elasticache.Cluster (Memcached 1.6.12+, Redis 6+, Valkey).",
    resourceTypes: ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check({ type, name, props }) {
        if (type === "aws:elasticache/cluster:Cluster") {
            const member = typeof props.replicationGroupId === "string" && props.replicationGroupId.trim() !== "";
            return member || props.transitEncryptionEnabled === true ? [] : [`ElastiCache cluster ${name} accepts unencrypted connections (transitEncryptionEnabled is not true)`];
        }
        if (props.transitEncryptionEnabled !== true) return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionEnabled is not true)`];
        // "preferred" is the migration mode: TLS is offered, plaintext still accepted.
        if (props.transitEncryptionMode === "preferred") return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionMode is preferred, not required)`];
        return [];
    },
};
