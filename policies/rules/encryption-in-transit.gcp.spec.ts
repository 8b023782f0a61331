import { strict as assert } from "assert";
import { cloudSql, memorystoreRedis } from "../test-support/gcp-fixtures";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { encryptionInTransit } from "./encryption-in-transit";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(encryptionInTransit, resource));

describe("policy encryption-in-transit on GCP", function () {
    describe("Cloud SQL", function () {
        it("passes sslMode ENCRYPTED_ONLY and TRUSTED_CLIENT_CERTIFICATE_REQUIRED", function () {
            assert.deepEqual(messages(cloudSql()), []);
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: { sslMode: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" } } })), []);
        });

        it("flags sslMode ALLOW_UNENCRYPTED_AND_ENCRYPTED, and an instance that leaves it (or its ipConfiguration) unset", function () {
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: { sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" } } })), [
                'Cloud SQL instance postgres accepts unencrypted connections (settings.ipConfiguration.sslMode is "ALLOW_UNENCRYPTED_AND_ENCRYPTED"; use ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED)',
            ]);
            const unset = "Cloud SQL instance postgres accepts unencrypted connections (settings.ipConfiguration.sslMode is unset, which allows unencrypted connections; use ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED)";
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: { sslMode: undefined } } })), [unset]);
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: undefined } })), [unset]);
        });

        it("reports the advisory can't-run result while the mode is unknown during preview", function () {
            const [outcome] = checkResource(encryptionInTransit, cloudSql({ settings: { ipConfiguration: { sslMode: UNKNOWN } } }));
            assert.equal(outcome.kind, "unknown");
        });
    });

    describe("Memorystore", function () {
        it("passes server authentication on a Redis instance, a Redis cluster and a Valkey instance", function () {
            assert.deepEqual(messages(memorystoreRedis()), []);
            assert.deepEqual(messages({ type: "gcp:redis/cluster:Cluster", name: "sessions", props: { shardCount: 3, transitEncryptionMode: "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION", authorizationMode: "AUTH_MODE_IAM_AUTH" } }), []);
            assert.deepEqual(messages({ type: "gcp:memorystore/instance:Instance", name: "valkey", props: { instanceId: "valkey", shardCount: 1, location: "europe-west1", transitEncryptionMode: "SERVER_AUTHENTICATION" } }), []);
        });

        it("flags TLS disabled or left to the default (disabled)", function () {
            assert.deepEqual(messages(memorystoreRedis({ transitEncryptionMode: "DISABLED" })), [
                'Memorystore for Redis instance redis accepts unencrypted connections (transitEncryptionMode is "DISABLED", not SERVER_AUTHENTICATION)',
            ]);
            assert.deepEqual(messages(memorystoreRedis({ transitEncryptionMode: undefined })), [
                "Memorystore for Redis instance redis accepts unencrypted connections (transitEncryptionMode is unset, which is disabled, not SERVER_AUTHENTICATION)",
            ]);
            assert.deepEqual(messages({ type: "gcp:redis/cluster:Cluster", name: "sessions", props: { shardCount: 3 } }), [
                "Memorystore for Redis cluster sessions accepts unencrypted connections (transitEncryptionMode is unset, which is disabled, not TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION)",
            ]);
            // The Redis instance's value on a Redis cluster is no TLS mode of the cluster's.
            assert.deepEqual(messages({ type: "gcp:redis/cluster:Cluster", name: "sessions", props: { shardCount: 3, transitEncryptionMode: "SERVER_AUTHENTICATION" } }), [
                'Memorystore for Redis cluster sessions accepts unencrypted connections (transitEncryptionMode is "SERVER_AUTHENTICATION", not TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION)',
            ]);
            assert.deepEqual(messages({ type: "gcp:memorystore/instance:Instance", name: "valkey", props: { shardCount: 1, transitEncryptionMode: "TRANSIT_ENCRYPTION_DISABLED" } }), [
                'Memorystore instance valkey accepts unencrypted connections (transitEncryptionMode is "TRANSIT_ENCRYPTION_DISABLED", not SERVER_AUTHENTICATION)',
            ]);
        });
    });

    it("is mandatory in every tier, and exemptable", function () {
        assert.deepEqual(verdictsOn(encryptionInTransit, [cloudSql({ settings: { ipConfiguration: { sslMode: undefined } } }), memorystoreRedis({ transitEncryptionMode: undefined })]), {
            severity: "high",
            enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" },
            exemptable: true,
        });
    });
});
