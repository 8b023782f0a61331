import { strict as assert } from "assert";
import { artifactRepository, cloudSql, gkeCluster, memorystoreRedis, secret } from "../test-support/gcp-fixtures";
import { analyzerProps, checkStack, TestResource, violationMessages } from "../test-support/policy-harness";
import { compareFingerprints, fingerprint } from "../lib/parity";
import { ResourceUnderTest } from "../lib/rule";
import { environmentParity } from "./environment-parity";

const asResources = (resources: readonly TestResource[]): ResourceUnderTest[] =>
    resources.map((resource) => ({ type: resource.type, name: resource.name ?? resource.type, urn: `urn:pulumi:prod::platform::${resource.type}::${resource.name ?? "x"}`, props: analyzerProps(resource.props) }));

const nodePool = (machineType: string): TestResource => ({ type: "gcp:container/nodePool:NodePool", name: "general", props: { cluster: "platform", nodeConfig: { machineType }, networkConfig: { enablePrivateNodes: true } } });
const network: TestResource = { type: "gcp:compute/network:Network", name: "network", props: { name: "platform", autoCreateSubnetworks: false } };
const channel: TestResource = { type: "gcp:monitoring/notificationChannel:NotificationChannel", name: "oncall", props: { type: "email", labels: { email_address: "oncall@acme.example" } } };

/** The uploads bucket and one subscriber's subscription, as components/storage/gcp.ts and components/messaging/gcp.ts render them. */
const uploads: TestResource = { type: "gcp:storage/bucket:Bucket", name: "uploads", props: { name: "acme-platform-prod-platform-prod-uploads", uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" } };
const subscription: TestResource = { type: "gcp:pubsub/subscription:Subscription", name: "user-created-worker", props: { name: "platform-prod-user-created-worker", topic: "projects/acme-platform-prod/topics/platform-prod-user-created" } };

/** A GCP prod-like stack, and staging as the tier defaults make it: smaller, otherwise the same. */
const prod = (): TestResource[] => [network, channel, gkeCluster(), nodePool("e2-standard-8"), cloudSql(), memorystoreRedis(), artifactRepository(), secret(), uploads, subscription];
const staging = (changes: Partial<Record<"cluster" | "postgres" | "redis", Record<string, unknown>>> = {}): TestResource[] => [
    network,
    channel,
    gkeCluster(changes.cluster),
    nodePool("e2-standard-4"),
    cloudSql({ settings: { tier: "db-custom-1-3840" }, ...changes.postgres }),
    memorystoreRedis({ memorySizeGb: 1, ...changes.redis }),
    artifactRepository(),
    secret(),
    uploads,
    subscription,
];

describe("policy environment-parity on GCP", function () {
    const baseline = fingerprint(asResources(prod()));
    const rule = environmentParity(() => ({ project: "platform", fingerprint: baseline }));

    it("fingerprints GKE, Cloud SQL, Memorystore and Artifact Registry as the same capabilities and security properties", function () {
        // Cloud SQL keeping 30 nightly backups is GCP's "backups" (AWS: an AWS Backup plan); a bucket and a subscription are object storage and messaging.
        assert.equal(baseline.capabilities, "network, registry, cluster, secrets, postgres, redis, alerting, object-storage, backups, messaging");
        assert.equal(baseline["security.backups.snapshotRetentionDays"], 30);
        assert.equal(baseline["engines.postgres"], "16");
        assert.equal(baseline["engines.redis"], "REDIS_7_2");
        for (const key of ["security.cluster.privateNodes", "security.cluster.secretsEncrypted", "security.cluster.deletionProtection", "security.postgres.tls", "security.postgres.multiAz", "security.postgres.pointInTimeRecovery7d", "security.redis.tls", "security.redis.authToken", "security.redis.multiAz", "security.registry.immutableTags"]) {
            assert.equal(baseline[key], true, key);
        }
        assert.equal(baseline["security.cluster.publicEndpoint"], false);
        assert.equal(baseline["security.postgres.public"], false);
    });

    it("lets staging differ in sizes only", function () {
        assert.deepEqual(checkStack(rule, staging().map((resource) => resource), { tier: "staging" }), []);
        assert.deepEqual(
            compareFingerprints(fingerprint(asResources(staging())), baseline).map(({ path, allowed }) => [path, allowed]),
            [["size.cluster.nodeInstanceTypes", true], ["size.postgres.instanceClass", true], ["size.redis.nodeType", true]],
        );
    });

    it("holds staging to prod's month of nightly backups: Cloud SQL keeping 7, or counting them otherwise than by COUNT, lacks them", function () {
        for (const retention of [{ retainedBackups: 7, retentionUnit: "COUNT" }, { retainedBackups: 30, retentionUnit: "DAYS" }]) {
            const short = staging({ postgres: { settings: { tier: "db-custom-1-3840", backupConfiguration: { backupRetentionSettings: retention } } } });
            assert.deepEqual(violationMessages(checkStack(rule, short, { tier: "staging" })), [
                "staging differs from prod at capabilities: staging network, registry, cluster, secrets, postgres, redis, alerting, object-storage, messaging, prod network, registry, cluster, secrets, postgres, redis, alerting, object-storage, backups, messaging",
                "staging differs from prod at security.backups.snapshotRetentionDays: staging null, prod 30",
            ], JSON.stringify(retention));
        }
    });

    it("holds staging to prod's security: zonal Cloud SQL, Redis without TLS, a public GKE endpoint are differences", function () {
        const weaker = staging({ cluster: { privateClusterConfig: { enablePrivateEndpoint: false } }, postgres: { settings: { availabilityType: "ZONAL" } }, redis: { transitEncryptionMode: "DISABLED", tier: "BASIC" } });
        assert.deepEqual(violationMessages(checkStack(rule, weaker, { tier: "staging" })), [
            "staging differs from prod at security.cluster.publicEndpoint: staging true, prod false",
            "staging differs from prod at security.postgres.multiAz: staging false, prod true",
            "staging differs from prod at security.redis.multiAz: staging false, prod true",
            "staging differs from prod at security.redis.tls: staging false, prod true",
        ]);
    });

    it("does not count a Cloud SQL read replica as a second database", function () {
        const replica = cloudSql({ masterInstanceName: "platform-prod-postgres", settings: { availabilityType: "ZONAL", backupConfiguration: undefined } });
        assert.deepEqual(compareFingerprints(fingerprint(asResources([...prod(), { ...replica, name: "replica" }])), baseline), []);
    });
});
