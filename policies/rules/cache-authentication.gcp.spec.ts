import { strict as assert } from "assert";
import { memorystoreRedis } from "../test-support/gcp-fixtures";
import { checkResource, TestResource, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { cacheAuthentication } from "./cache-authentication";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(cacheAuthentication, resource));
const redisCluster = (props: Record<string, unknown>): TestResource => ({ type: "gcp:redis/cluster:Cluster", name: "sessions", props: { region: "europe-west1", shardCount: 3, ...props } });
const valkey = (props: Record<string, unknown>): TestResource => ({ type: "gcp:memorystore/instance:Instance", name: "valkey", props: { instanceId: "valkey", location: "europe-west1", shardCount: 1, ...props } });

describe("policy cache-authentication on GCP", function () {
    it("passes AUTH on a Memorystore for Redis instance, IAM authentication on a Redis cluster, IAM or token authentication on a Valkey instance", function () {
        assert.deepEqual(messages(memorystoreRedis()), []);
        assert.deepEqual(messages(redisCluster({ authorizationMode: "AUTH_MODE_IAM_AUTH" })), []);
        assert.deepEqual(messages(valkey({ authorizationMode: "IAM_AUTH" })), []);
        assert.deepEqual(messages(valkey({ authorizationMode: "TOKEN_AUTH" })), []);
    });

    it("flags AUTH off, and the default (off) of each", function () {
        assert.deepEqual(messages(memorystoreRedis({ authEnabled: false })), ["Memorystore for Redis instance redis accepts connections without authentication (authEnabled is false)"]);
        assert.deepEqual(messages(memorystoreRedis({ authEnabled: undefined })), ["Memorystore for Redis instance redis accepts connections without authentication (authEnabled is unset, which is false)"]);
        assert.deepEqual(messages(redisCluster({})), ["Memorystore for Redis cluster sessions accepts connections without authentication (authorizationMode is unset, which is AUTH_MODE_DISABLED)"]);
        assert.deepEqual(messages(redisCluster({ authorizationMode: "AUTH_MODE_DISABLED" })), ['Memorystore for Redis cluster sessions accepts connections without authentication (authorizationMode is "AUTH_MODE_DISABLED")']);
        assert.deepEqual(messages(valkey({ authorizationMode: "AUTH_DISABLED" })), ['Memorystore instance valkey accepts connections without authentication (authorizationMode is "AUTH_DISABLED")']);
        assert.deepEqual(messages(valkey({})), ["Memorystore instance valkey accepts connections without authentication (authorizationMode is unset, which is AUTH_DISABLED)"]);
    });

    it("takes the string \"true\" for no boolean", function () {
        assert.deepEqual(messages(memorystoreRedis({ authEnabled: "true" })), ['Memorystore for Redis instance redis accepts connections without authentication (authEnabled is "true")']);
    });

    it("is mandatory in every tier, and exemptable", function () {
        assert.deepEqual(verdictsOn(cacheAuthentication, [memorystoreRedis({ authEnabled: false })]), {
            severity: "high",
            enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" },
            exemptable: true,
        });
    });
});
