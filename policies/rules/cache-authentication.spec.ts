import { strict as assert } from "assert";
import { checkResource, secret, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { cacheAuthentication } from "./cache-authentication";

const defined = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
const TAGS = { environment: "prod", project: "platform" };

// As components/redis/aws.ts renders it (the token is a RandomPassword result, a secret on the wire).
const redis = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis",
    props: defined({
        replicationGroupId: "platform-prod-redis",
        engine: "redis",
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        atRestEncryptionEnabled: true,
        authToken: secret("generated-token-of-sixty-four-characters-rendered-by-the-mock-xx"),
        authTokenUpdateStrategy: "ROTATE",
        tags: TAGS,
        ...props,
    }),
});

const messages = (resource: TestResource): string[] => violationMessages(checkResource(cacheAuthentication, resource));

describe("policy cache-authentication", function () {
    it("passes the replication group as components/redis/aws.ts renders it, with the token still unknown in a preview, or with RBAC", function () {
        assert.deepEqual(checkResource(cacheAuthentication, redis()), []);
        assert.deepEqual(checkResource(cacheAuthentication, redis({ authToken: UNKNOWN })), []);
        assert.deepEqual(messages(redis({ authToken: undefined, authTokenWo: "write-only", authTokenWoVersion: 1 })), []);
        assert.deepEqual(messages(redis({ authToken: undefined, engine: "valkey", userGroupIds: ["platform-prod-users"] })), []);
    });

    it("flags a Redis or Valkey replication group without AUTH or user groups", function () {
        const expected = ["ElastiCache replication group redis accepts connections without authentication (no authToken, authTokenWo or userGroupIds)"];
        assert.deepEqual(messages(redis({ authToken: undefined })), expected);
        assert.deepEqual(messages(redis({ authToken: undefined, engine: undefined, userGroupIds: [] })), expected);
        assert.deepEqual(messages(redis({ authToken: undefined, engine: "valkey" })), expected);
        // A secondary of a global datastore inherits AUTH from the primary.
        assert.deepEqual(messages(redis({ authToken: undefined, globalReplicationGroupId: "ldgnf-platform-global" })), []);
    });

    it("flags a standalone Redis cluster, which cannot require AUTH; members and Memcached pass", function () {
        const cluster = (props: Record<string, unknown>): TestResource => ({ type: "aws:elasticache/cluster:Cluster", name: "cache", props: defined({ clusterId: "platform-prod-cache", nodeType: "cache.t4g.small", ...props }) });
        assert.deepEqual(messages(cluster({ engine: "redis", numCacheNodes: 1 })), [
            "ElastiCache cluster cache accepts connections without authentication (a standalone redis cluster cannot require AUTH; use a ReplicationGroup with authToken or userGroupIds)",
        ]);
        assert.deepEqual(messages(cluster({ replicationGroupId: "platform-prod-redis" })), []);
        assert.deepEqual(messages(cluster({ engine: "memcached", numCacheNodes: 2 })), []);
    });

    it("flags a Redis or Valkey serverless cache without a user group", function () {
        const serverless = (props: Record<string, unknown>): TestResource => ({ type: "aws:elasticache/serverlessCache:ServerlessCache", name: "sessions", props: defined({ name: "platform-prod-sessions", majorEngineVersion: "8", ...props }) });
        assert.deepEqual(messages(serverless({ engine: "valkey" })), ["ElastiCache serverless cache sessions accepts connections without authentication (userGroupId is not set)"]);
        assert.deepEqual(messages(serverless({ engine: "valkey", userGroupId: "platform-prod-users" })), []);
        assert.deepEqual(messages(serverless({ engine: "memcached" })), []);
    });

    it("honours an exemption with reason and expiry", function () {
        const [outcome] = checkResource(cacheAuthentication, redis({ authToken: undefined, tags: { ...TAGS, "policy.platform/exempt-cache-authentication": "2026-12-20 legacy client without AUTH support, migration in PLAT-88" } }));
        assert.equal(outcome.kind, "exempted");
    });

    it("is high severity, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(cacheAuthentication, [redis({ authToken: undefined })]), { severity: "high", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
