import { ALWAYS_MANDATORY, ResourceRule } from "../lib/rule";

/**
 * ElastiCache accepts only TLS connections. Kept apart from encryption-at-rest so that a client that cannot
 * speak TLS can be exempted from this rule alone. (RDS enforces TLS in its parameter group — rds.force_ssl —
 * which is a separate resource and outside this rule.)
 */
export const encryptionInTransit: ResourceRule = {
    kind: "resource",
    name: "encryption-in-transit",
    description: "ElastiCache replication groups accept only TLS connections.",
    severity: "high",
    rationale: "Without TLS, cache contents and the AUTH token cross the network in plaintext, readable by anything on the path.",
    remediation: "Set transitEncryptionEnabled: true and transitEncryptionMode: \"required\" (or leave the mode unset) on the aws.elasticache.ReplicationGroup, as components/redis/aws.ts does.",
    resourceTypes: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check({ name, props }) {
        if (props.transitEncryptionEnabled !== true) return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionEnabled is not true)`];
        // "preferred" is the migration mode: TLS is offered, plaintext still accepted.
        if (props.transitEncryptionMode === "preferred") return [`ElastiCache replication group ${name} accepts unencrypted connections (transitEncryptionMode is preferred, not required)`];
        return [];
    },
};
