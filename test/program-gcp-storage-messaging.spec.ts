import * as assert from "node:assert/strict";
import { ConfigError, ConfigProblem, parsePlatformConfig } from "../config/load";
import { RenderedStack } from "../engine/render";
import { toPolicyResources } from "../engine/resource-views";
import { evaluate } from "../policies/lib/evaluate";
import { ALL_RULES } from "../policies/rules";
import { deploymentEnv, namedBySuffix, ofType, plainInputs, renderedStack, single } from "./support/stacks";

/** Uploads storage, backups and messaging on Google Cloud, per tier: what test/program-storage-messaging.spec.ts checks on AWS. */

type Inputs = Record<string, unknown>;
const STACKS = ["gcp-dev", "gcp-staging", "gcp-prod"] as const;
type GcpStack = (typeof STACKS)[number];
const REGION = "europe-west1";
const project = (stackName: GcpStack): string => `acme-platform-${stackName.slice(4)}`;
const keyName = (stackName: GcpStack): string => `projects/${project(stackName)}/locations/${REGION}/keyRings/platform-${stackName}-keys/cryptoKeys/data`;
const accountOf = (stackName: GcpStack, service: string): string => `serviceAccount:platform-${stackName}-${service}@${project(stackName)}.iam.gserviceaccount.com`;
const PUBSUB_AGENT = "serviceAccount:service-412345678901@gcp-sa-pubsub.iam.gserviceaccount.com";

/** Every IAM grant to a member, on any resource or the project, as `<what>: <role> on <name>`. */
function grantsTo(stack: RenderedStack, member: string): string[] {
    const kinds: [string, (inputs: Inputs) => string][] = [
        ["gcp:storage/bucketIAMMember:BucketIAMMember", (inputs) => `bucket ${String(inputs.bucket)}`],
        ["gcp:pubsub/topicIAMMember:TopicIAMMember", (inputs) => `topic ${String(inputs.topic)}`],
        ["gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", (inputs) => `subscription ${String(inputs.subscription)}`],
        ["gcp:projects/iAMMember:IAMMember", (inputs) => `project ${String(inputs.project)}`],
        ["gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", () => "key"],
    ];
    return kinds.flatMap(([type, where]) => ofType(stack, type).map(plainInputs).filter((inputs) => inputs.member === member).map((inputs) => `${String(inputs.role)} on ${where(inputs)}`)).sort();
}

describe("uploads storage, backups and messaging on Google Cloud, per tier", function () {
    for (const stackName of STACKS) {
        describe(stackName, function () {
            let stack: RenderedStack;
            before(async function () {
                stack = await renderedStack(stackName);
            });
            const bucketName = (): string => `${project(stackName)}-platform-${stackName}-uploads`;

            it("the uploads bucket is versioned, CMEK with the stack's key, never public, labelled, and deletes noncurrent versions by tier", function () {
                const uploads = plainInputs(namedBySuffix(stack, "gcp:storage/bucket:Bucket", "-storage-uploads"));
                assert.equal(uploads.name, bucketName());
                assert.equal(uploads.location, "EUROPE-WEST1");
                assert.deepEqual(uploads.versioning, { enabled: true });
                assert.deepEqual(uploads.encryption, { defaultKmsKeyName: keyName(stackName) });
                assert.equal(uploads.uniformBucketLevelAccess, true);
                assert.equal(uploads.publicAccessPrevention, "enforced");
                assert.equal(uploads.forceDestroy, stackName === "gcp-dev");
                assert.deepEqual(uploads.lifecycleRules, [
                    { action: { type: "Delete" }, condition: { withState: "ARCHIVED", daysSinceNoncurrentTime: { "gcp-dev": 7, "gcp-staging": 30, "gcp-prod": 90 }[stackName] } },
                    { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
                ]);
                assert.deepEqual(uploads.labels, { environment: stackName, project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering", "data-classification": "confidential" });
            });

            it("Cloud Storage's service agent may use the key, and the bucket waits for that grant and the API", function () {
                const uploads = namedBySuffix(stack, "gcp:storage/bucket:Bucket", "-storage-uploads");
                const grant = ofType(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").find((candidate) => String(plainInputs(candidate).member).endsWith("@gs-project-accounts.iam.gserviceaccount.com"));
                assert.ok(grant, "a key grant to the Cloud Storage agent");
                assert.equal(plainInputs(grant).role, "roles/cloudkms.cryptoKeyEncrypterDecrypter");
                assert.ok(uploads.dependencies.includes(grant.urn), "the bucket waits for the key grant");
                const api = ofType(stack, "gcp:projects/service:Service").find((service) => plainInputs(service).service === "storage.googleapis.com");
                assert.ok(api && uploads.dependencies.includes(api.urn), "the bucket waits for the Cloud Storage API");
            });

            it(`access logs go to a private, encrypted log bucket of their own ${stackName === "gcp-prod" ? "in prod" : "in prod only"}`, function () {
                const buckets = ofType(stack, "gcp:storage/bucket:Bucket");
                const uploads = plainInputs(namedBySuffix(stack, "gcp:storage/bucket:Bucket", "-storage-uploads"));
                assert.equal(buckets.length, stackName === "gcp-prod" ? 2 : 1);
                if (stackName !== "gcp-prod") {
                    assert.equal(uploads.logging, undefined);
                    return;
                }
                const logs = plainInputs(namedBySuffix(stack, "gcp:storage/bucket:Bucket", "-storage-access-logs"));
                assert.equal(logs.name, `${bucketName()}-logs`);
                assert.deepEqual(uploads.logging, { logBucket: logs.name, logObjectPrefix: "uploads" });
                assert.deepEqual([logs.uniformBucketLevelAccess, logs.publicAccessPrevention, logs.encryption, logs.forceDestroy], [true, "enforced", { defaultKmsKeyName: keyName(stackName) }, false]);
                assert.deepEqual(logs.lifecycleRules, [{ action: { type: "Delete" }, condition: { age: 365 } }]);
                const writer = plainInputs(namedBySuffix(stack, "gcp:storage/bucketIAMMember:BucketIAMMember", "-access-logs-writer"));
                assert.deepEqual([writer.bucket, writer.role, writer.member], [logs.name, "roles/storage.objectCreator", "group:cloud-storage-analytics@google.com"]);
            });

            it("a service with storage: true may use that bucket's objects alone (a bucket-level grant), and gets its name in UPLOADS_BUCKET", function () {
                assert.equal(deploymentEnv(stack, "api").UPLOADS_BUCKET, bucketName());
                assert.equal(deploymentEnv(stack, "worker").UPLOADS_BUCKET, undefined);
                const storageGrants = (service: string): string[] => grantsTo(stack, accountOf(stackName, service)).filter((grant) => grant.startsWith("roles/storage."));
                assert.deepEqual(storageGrants("api"), [`roles/storage.objectUser on bucket ${bucketName()}`]);
                assert.deepEqual(storageGrants("worker"), []);
            });

            it(`the pack passes the bucket as rendered, and reports it without public access prevention${stackName === "gcp-dev" ? "" : " or without its key"}`, function () {
                const tier = ({ "gcp-dev": "dev", "gcp-staging": "staging", "gcp-prod": "prod" } as const)[stackName];
                const judge = (resources: ReturnType<typeof toPolicyResources>): string[] =>
                    evaluate(resources, { context: { stack: stackName, tier, now: new Date("2026-12-01T00:00:00Z") }, rules: ALL_RULES }).findings
                        .filter((finding) => finding.rule !== "environment-parity").map((finding) => `${finding.rule}: ${finding.message}`);
                const resources = toPolicyResources(stack.resources);
                assert.deepEqual(judge(resources), []);
                const changed = (props: Inputs): ReturnType<typeof toPolicyResources> =>
                    resources.map((resource) => (resource.name.endsWith("-storage-uploads") ? { ...resource, props: { ...resource.props, ...props } } : resource));
                assert.ok(judge(changed({ publicAccessPrevention: "inherited" })).some((finding) => finding.startsWith("no-public-data-stores: ")));
                // CMEK is required in staging and prod only (encryption-at-rest's CMEK_REQUIRED_TIERS).
                if (stackName === "gcp-dev") return;
                assert.ok(judge(changed({ encryption: undefined })).some((finding) => finding.startsWith("encryption-at-rest: ")));
            });

            it(stackName === "gcp-dev" ? "dev keeps 1 Cloud SQL backup and 1 day of transaction logs" : "Cloud SQL keeps 30 nightly backups (the snapshots) and 7 days of transaction logs", function () {
                const backups = (plainInputs(single(stack, "gcp:sql/databaseInstance:DatabaseInstance")).settings as Inputs).backupConfiguration;
                const [retained, logDays] = stackName === "gcp-dev" ? [1, 1] : [30, 7];
                assert.deepEqual(backups, {
                    enabled: true,
                    startTime: "03:00",
                    pointInTimeRecoveryEnabled: true,
                    transactionLogRetentionDays: logDays,
                    backupRetentionSettings: { retainedBackups: retained, retentionUnit: "COUNT" },
                });
                assert.equal(ofType(stack, "aws:backup/plan:Plan").length, 0);
            });

            it("each event is a CMEK Pub/Sub topic kept in the region; each subscriber gets a subscription with a dead-letter topic and a subscription on it", function () {
                const topics = ofType(stack, "gcp:pubsub/topic:Topic").map(plainInputs);
                const stems = ["reflection-logged", "task-completed", "user-created"];
                const subscriptions: [string, string][] = [["reflection-logged", "worker"], ["task-completed", "api"], ["user-created", "worker"]];
                assert.deepEqual(topics.map((topic) => topic.name).sort(), [
                    ...stems.map((stem) => `platform-${stackName}-${stem}`),
                    ...subscriptions.map(([stem, subscriber]) => `platform-${stackName}-${stem}-${subscriber}-dlq`),
                ].sort());
                for (const topic of topics) {
                    assert.equal(topic.kmsKeyName, keyName(stackName), String(topic.name));
                    assert.deepEqual(topic.messageStoragePolicy, { allowedPersistenceRegions: [REGION] });
                }
                const topicId = (name: string): string => `projects/${project(stackName)}/topics/${name}`;
                const subscription = plainInputs(namedBySuffix(stack, "gcp:pubsub/subscription:Subscription", "-messaging-user-created-worker"));
                assert.deepEqual(subscription, {
                    ...subscription,
                    name: `platform-${stackName}-user-created-worker`,
                    topic: topicId(`platform-${stackName}-user-created`),
                    ackDeadlineSeconds: 60,
                    messageRetentionDuration: `${4 * 86_400}s`,
                    expirationPolicy: { ttl: "" },
                    deadLetterPolicy: { deadLetterTopic: topicId(`platform-${stackName}-user-created-worker-dlq`), maxDeliveryAttempts: 5 },
                });
                const kept = plainInputs(namedBySuffix(stack, "gcp:pubsub/subscription:Subscription", "-messaging-user-created-worker-dlq"));
                assert.deepEqual([kept.topic, kept.messageRetentionDuration, kept.expirationPolicy], [topicId(`platform-${stackName}-user-created-worker-dlq`), `${7 * 86_400}s`, { ttl: "" }]);
                assert.equal(ofType(stack, "gcp:pubsub/subscription:Subscription").length, 6, "three topics, one subscriber each, a dead-letter subscription each");
                const key = ofType(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").find((grant) => plainInputs(grant).member === PUBSUB_AGENT);
                assert.ok(key, "Pub/Sub's service agent may use the key");
                for (const topic of ofType(stack, "gcp:pubsub/topic:Topic")) assert.ok(topic.dependencies.includes(key.urn), `${topic.name} waits for the key grant`);
            });

            it("Pub/Sub's service agent may publish to each dead-letter topic and pull from its source subscription, nothing else", function () {
                assert.deepEqual(grantsTo(stack, PUBSUB_AGENT), [
                    "roles/cloudkms.cryptoKeyEncrypterDecrypter on key",
                    ...[["reflection-logged", "worker"], ["task-completed", "api"], ["user-created", "worker"]].flatMap(([stem, subscriber]) => [
                        `roles/pubsub.publisher on topic platform-${stackName}-${stem}-${subscriber}-dlq`,
                        `roles/pubsub.subscriber on subscription platform-${stackName}-${stem}-${subscriber}`,
                    ]),
                ].sort());
            });

            it("publishers may publish to their topics and subscribers pull from their own subscriptions, nothing more; both are named in their env", function () {
                assert.deepEqual(grantsTo(stack, accountOf(stackName, "api")), [
                    `roles/pubsub.publisher on topic platform-${stackName}-reflection-logged`,
                    `roles/pubsub.publisher on topic platform-${stackName}-user-created`,
                    `roles/pubsub.subscriber on subscription platform-${stackName}-task-completed-api`,
                    `roles/storage.objectUser on bucket ${bucketName()}`,
                ]);
                assert.deepEqual(grantsTo(stack, accountOf(stackName, "worker")), [
                    `roles/pubsub.publisher on topic platform-${stackName}-task-completed`,
                    `roles/pubsub.subscriber on subscription platform-${stackName}-reflection-logged-worker`,
                    `roles/pubsub.subscriber on subscription platform-${stackName}-user-created-worker`,
                ]);
                const api = deploymentEnv(stack, "api");
                const worker = deploymentEnv(stack, "worker");
                assert.equal(api.TOPIC_USER_CREATED_ID, `projects/${project(stackName)}/topics/platform-${stackName}-user-created`);
                assert.equal(api.SUBSCRIPTION_TASK_COMPLETED_ID, `projects/${project(stackName)}/subscriptions/platform-${stackName}-task-completed-api`);
                assert.equal(worker.SUBSCRIPTION_USER_CREATED_ID, `projects/${project(stackName)}/subscriptions/platform-${stackName}-user-created-worker`);
                assert.deepEqual([worker.TOPIC_USER_CREATED_ID, api.SUBSCRIPTION_USER_CREATED_ID, worker.TOPIC_USER_CREATED_ARN], [undefined, undefined, undefined]);
            });
        });
    }
});

describe("storage, backups and messaging config on GCP", function () {
    const service = (name: string): Inputs => ({ name, image: `${REGION}-docker.pkg.dev/p/r/${name}@sha256:${"b".repeat(64)}`, port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } });
    const values = (extra: Record<string, unknown>): Record<string, string> => ({
        "platform:cloud": "gcp",
        "gcp:project": "acme-platform-staging",
        "gcp:region": REGION,
        "platform:services": JSON.stringify([{ ...service("api"), storage: true }, service("worker")]),
        "platform:monitoring": JSON.stringify({ alertEmails: ["oncall@example.com"] }),
        ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, JSON.stringify(value)])),
    });
    const problems = (extra: Record<string, unknown>): readonly ConfigProblem[] => {
        try {
            parsePlatformConfig({ stack: "staging", project: "platform", values: values(extra), secretKeys: new Set(), detectedRelease: { sha: "0123456", date: "2026-01-01", actor: "ci" } });
        } catch (error) {
            if (error instanceof ConfigError) return error.problems;
            throw error;
        }
        return [];
    };

    it("accepts storage: true and messaging topics on gcp", function () {
        assert.deepEqual(problems({ "platform:messaging": { topics: { "user.created": { publishers: ["api"], subscribers: ["worker"] } } } }), []);
    });

    it("refuses what Pub/Sub and Cloud SQL cannot do: more than 7 days in a subscription, fewer than 5 deliveries, more than 365 backups", function () {
        assert.deepEqual(problems({ "platform:messaging": { messageRetentionDays: 14, maxReceiveCount: 3 }, "platform:backups": { snapshotRetentionDays: 400 } }), [
            { key: "platform:backups.snapshotRetentionDays", expected: "a number at most 365", found: "400" },
            { key: "platform:messaging.maxReceiveCount", expected: "a number at least 5", found: "3" },
            { key: "platform:messaging.messageRetentionDays", expected: "a number at most 7", found: "14" },
        ]);
    });
});
