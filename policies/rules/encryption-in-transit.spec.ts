import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { encryptionInTransit } from "./encryption-in-transit";

const defined = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));

// As components/redis/aws.ts renders it; `undefined` in an override removes the input.
const redis = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis",
    props: defined({
        replicationGroupId: "platform-prod-redis",
        engine: "redis",
        port: 6379,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        atRestEncryptionEnabled: true,
        tags: { environment: "prod", project: "platform" },
        ...props,
    }),
});

const messages = (resource: TestResource): string[] => violationMessages(checkResource(encryptionInTransit, resource));

describe("policy encryption-in-transit", function () {
    it("passes a replication group that requires TLS, as components/redis/aws.ts renders it, or leaves the mode to its default", function () {
        assert.deepEqual(checkResource(encryptionInTransit, redis()), []);
        assert.deepEqual(checkResource(encryptionInTransit, redis({ transitEncryptionMode: undefined })), []);
    });

    it("flags TLS turned off or left to the default (off)", function () {
        const expected = ["ElastiCache replication group redis accepts unencrypted connections (transitEncryptionEnabled is not true)"];
        assert.deepEqual(messages(redis({ transitEncryptionEnabled: false })), expected);
        assert.deepEqual(messages(redis({ transitEncryptionEnabled: undefined, transitEncryptionMode: undefined })), expected);
    });

    it("flags the preferred mode, which still accepts plaintext", function () {
        assert.deepEqual(messages(redis({ transitEncryptionMode: "preferred" })), [
            "ElastiCache replication group redis accepts unencrypted connections (transitEncryptionMode is preferred, not required)",
        ]);
    });

    it("flags a standalone ElastiCache cluster without TLS; a member of a replication group has its group's setting", function () {
        const cluster = (props: Record<string, unknown>): TestResource => ({ type: "aws:elasticache/cluster:Cluster", name: "sessions", props: defined({ clusterId: "platform-prod-sessions", engine: "memcached", nodeType: "cache.t4g.small", numCacheNodes: 2, port: 11211, ...props }) });
        assert.deepEqual(messages(cluster({ transitEncryptionEnabled: true })), []);
        assert.deepEqual(messages(cluster({})), ["ElastiCache cluster sessions accepts unencrypted connections (transitEncryptionEnabled is not true)"]);
        assert.deepEqual(messages(cluster({ engine: "redis", transitEncryptionEnabled: false })), ["ElastiCache cluster sessions accepts unencrypted connections (transitEncryptionEnabled is not true)"]);
        assert.deepEqual(messages(cluster({ engine: undefined, numCacheNodes: undefined, replicationGroupId: "platform-prod-redis" })), []);
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(encryptionInTransit, { type: "aws:rds/instance:Instance", props: { transitEncryptionEnabled: false } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const [outcome, ...rest] = checkResource(encryptionInTransit, redis({ transitEncryptionEnabled: UNKNOWN }));
        assert.deepEqual(rest, []);
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, `can't run policy 'encryption-in-transit' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .transitEncryptionEnabled can't be known during preview`);
    });

    it("honours an exemption with reason and expiry, and reports a malformed one", function () {
        const marked = (value: string): TestResource => redis({ transitEncryptionEnabled: false, tags: { "policy.platform/exempt-encryption-in-transit": value } });
        const [outcome] = checkResource(encryptionInTransit, marked("2027-03-31 legacy batch client without TLS support, PLAT-901"));
        assert.equal(outcome.kind, "exempted");
        assert.deepEqual(messages(marked("2027-03-31 legacy")), [
            "ElastiCache replication group redis accepts unencrypted connections (transitEncryptionEnabled is not true) (exemption ignored: a written reason of at least 10 characters is required)",
        ]);
    });

    it("is high severity, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(encryptionInTransit, [redis({ transitEncryptionEnabled: false })]), { severity: "high", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
