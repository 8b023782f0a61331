import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, parsePlatformConfig } from "../config/load";
import { RenderedResource, RenderedStack } from "../engine/render";
import { toPolicyResources } from "../engine/resource-views";
import { evaluate } from "../policies/lib/evaluate";
import { ALL_RULES } from "../policies/rules";
import { deploymentEnv, namedBySuffix, ofType, plainInputs, PROJECT_DIR, renderedStack, single } from "./support/stacks";

type Inputs = Record<string, unknown>;
const STACKS = ["dev", "staging", "prod"] as const;

/** A JSON document input (bucket, queue and IAM policies arrive as JSON text). */
const documentOf = (resource: RenderedResource, key = "policy"): { Statement: Inputs[] } => JSON.parse(String(plainInputs(resource)[key])) as { Statement: Inputs[] };
/** Statements of a service's IRSA role policy. */
function identityStatements(stack: RenderedStack, service: string): { Action: string[]; Resource: string[] }[] {
    return documentOf(namedBySuffix(stack, "aws:iam/rolePolicy:RolePolicy", `-${service}-identity-policy`)).Statement as unknown as { Action: string[]; Resource: string[] }[];
}

describe("uploads storage, backups and messaging, per tier", function () {
    for (const stackName of STACKS) {
        describe(stackName, function () {
            let stack: RenderedStack;
            before(async function () {
                stack = await renderedStack(stackName);
            });

            it("the uploads bucket is versioned, SSE-KMS with the stack's key, private, TLS-only, and expires noncurrent versions by tier", function () {
                const uploads = namedBySuffix(stack, "aws:s3/bucket:Bucket", "-storage-uploads");
                assert.match(String(plainInputs(uploads).bucketPrefix), new RegExp(`^platform-${stackName}-uploads-$`));
                assert.equal(plainInputs(uploads).forceDestroy, stackName === "dev");
                assert.deepEqual(plainInputs(namedBySuffix(stack, "aws:s3/bucketVersioning:BucketVersioning", "-uploads-versioning")).versioningConfiguration, { status: "Enabled" });
                const key = single(stack, "aws:kms/key:Key");
                const encryption = plainInputs(namedBySuffix(stack, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "-uploads-encryption"));
                assert.deepEqual(encryption.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.outputs.arn }, bucketKeyEnabled: true }]);
                const block = plainInputs(namedBySuffix(stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "-uploads-public-access"));
                for (const setting of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[setting], true, setting);
                const [deny] = documentOf(namedBySuffix(stack, "aws:s3/bucketPolicy:BucketPolicy", "-uploads-policy")).Statement;
                assert.deepEqual({ Effect: deny.Effect, Principal: deny.Principal, Condition: deny.Condition }, { Effect: "Deny", Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
                const lifecycle = plainInputs(namedBySuffix(stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-uploads-lifecycle")).rules as Inputs[];
                assert.deepEqual(lifecycle[0].noncurrentVersionExpiration, { noncurrentDays: { dev: 7, staging: 30, prod: 90 }[stackName] });
            });

            it("the pack judges the bucket: it passes as rendered, and fails without its public access block or with a public policy", function () {
                const context = { stack: stackName, tier: stackName, now: new Date("2026-12-01T00:00:00Z") };
                const judge = (resources: ReturnType<typeof toPolicyResources>): string[] =>
                    evaluate(resources, { context, rules: ALL_RULES }).findings.filter((finding) => finding.rule !== "environment-parity").map((finding) => `${finding.rule}: ${finding.message}`);
                const resources = toPolicyResources(stack.resources);
                assert.deepEqual(judge(resources), []);
                const withoutBlock = resources.filter((resource) => !resource.name.endsWith("-uploads-public-access"));
                assert.deepEqual(judge(withoutBlock).filter((finding) => finding.startsWith("s3-public-access-block-declared")).length, 1);
                const publicRead = resources.map((resource) => resource.name.endsWith("-uploads-policy")
                    ? { ...resource, props: { ...resource.props, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::uploads/*" }] }) } }
                    : resource);
                assert.ok(judge(publicRead).some((finding) => finding.startsWith("no-public-data-stores")), "a public bucket policy is a violation");
            });

            it(`access logs go to a log bucket of their own ${stackName === "prod" ? "in prod" : "in prod only"}`, function () {
                const logging = ofType(stack, "aws:s3/bucketLogging:BucketLogging");
                assert.equal(logging.length, stackName === "prod" ? 1 : 0);
                assert.equal(ofType(stack, "aws:s3/bucket:Bucket").length, stackName === "prod" ? 2 : 1);
                if (stackName !== "prod") return;
                const logs = namedBySuffix(stack, "aws:s3/bucket:Bucket", "-storage-access-logs");
                assert.equal(plainInputs(logging[0]).targetBucket, logs.outputs.bucket);
                const delivery = documentOf(namedBySuffix(stack, "aws:s3/bucketPolicy:BucketPolicy", "-access-logs-policy")).Statement[1];
                assert.deepEqual(delivery.Principal, { Service: "logging.s3.amazonaws.com" });
            });

            it("a service with storage: true reads and writes that bucket alone through IRSA, and gets its name in UPLOADS_BUCKET", function () {
                const uploads = namedBySuffix(stack, "aws:s3/bucket:Bucket", "-storage-uploads");
                assert.equal(deploymentEnv(stack, "api").UPLOADS_BUCKET, uploads.outputs.bucket);
                assert.equal(deploymentEnv(stack, "worker").UPLOADS_BUCKET, undefined);
                const s3 = identityStatements(stack, "api").filter((statement) => statement.Action.some((action) => action.startsWith("s3:")));
                assert.deepEqual(s3.flatMap((statement) => statement.Resource).sort(), [uploads.outputs.arn, `${String(uploads.outputs.arn)}/*`].sort());
                assert.ok(!identityStatements(stack, "worker").some((statement) => statement.Action.some((action) => action.startsWith("s3:"))), "worker has no S3 rights");
            });

            it(stackName === "dev" ? "dev has no backup plan (RDS point-in-time recovery only)" : "nightly snapshots are kept 30 days in a KMS-encrypted vault, locked in prod", function () {
                const plans = ofType(stack, "aws:backup/plan:Plan");
                const rds = plainInputs(single(stack, "aws:rds/instance:Instance"));
                assert.equal(rds.backupRetentionPeriod, { dev: 1, staging: 7, prod: 30 }[stackName]);
                if (stackName === "dev") {
                    assert.equal(plans.length, 0);
                    assert.equal(ofType(stack, "aws:backup/vault:Vault").length, 0);
                    return;
                }
                const [rule] = plainInputs(plans[0]).rules as Inputs[];
                assert.deepEqual(rule.lifecycle, { deleteAfter: 30 });
                assert.equal(rule.schedule, "cron(0 2 * * ? *)");
                const vault = single(stack, "aws:backup/vault:Vault");
                assert.equal(rule.targetVaultName, vault.outputs.name);
                assert.equal(plainInputs(vault).kmsKeyArn, single(stack, "aws:kms/key:Key").outputs.arn);
                const selection = plainInputs(single(stack, "aws:backup/selection:Selection"));
                assert.deepEqual(selection.resources, [single(stack, "aws:rds/instance:Instance").outputs.arn]);
                const locks = ofType(stack, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
                assert.equal(locks.length, stackName === "prod" ? 1 : 0);
                if (locks.length === 1) assert.equal(plainInputs(locks[0]).minRetentionDays, 30);
            });

            if (stackName !== "dev") {
                it("the restore runbook names the vault, the plan and the database as this stack creates them", function () {
                    const runbook = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", "restore.md"), "utf8").replace(/\$STACK/g, stackName).replace(/\$DB\b/g, `platform-${stackName}-postgres`);
                    const vault = String(single(stack, "aws:backup/vault:Vault").outputs.name);
                    const plan = String(plainInputs(single(stack, "aws:backup/plan:Plan")).name);
                    const identifier = String(plainInputs(single(stack, "aws:rds/instance:Instance")).identifier);
                    for (const name of [vault, plan, identifier]) assert.ok(runbook.includes(name), `restore.md names ${name}`);
                    assert.ok(runbook.includes("restore-db-instance-to-point-in-time") && runbook.includes("restore-db-instance-from-db-snapshot"));
                });
            }

            it("each topic is an encrypted SNS topic; each subscriber gets an encrypted queue with a dead-letter queue, subscribed to it", function () {
                const key = single(stack, "aws:kms/key:Key");
                const topics = ofType(stack, "aws:sns/topic:Topic").filter((topic) => topic.name.includes("-messaging-"));
                assert.deepEqual(topics.map((topic) => plainInputs(topic).name).sort(), ["reflection-logged", "task-completed", "user-created"].map((stem) => `platform-${stackName}-${stem}`));
                for (const topic of topics) assert.equal(plainInputs(topic).kmsMasterKeyId, key.outputs.arn);
                const queue = namedBySuffix(stack, "aws:sqs/queue:Queue", "-messaging-user-created-worker");
                const deadLetters = namedBySuffix(stack, "aws:sqs/queue:Queue", "-messaging-user-created-worker-dlq");
                for (const q of [queue, deadLetters]) assert.equal(plainInputs(q).kmsMasterKeyId, key.outputs.arn);
                assert.deepEqual(JSON.parse(String(plainInputs(queue).redrivePolicy)), { deadLetterTargetArn: deadLetters.outputs.arn, maxReceiveCount: 5 });
                const subscription = plainInputs(namedBySuffix(stack, "aws:sns/topicSubscription:TopicSubscription", "-messaging-user-created-worker"));
                assert.deepEqual({ protocol: subscription.protocol, endpoint: subscription.endpoint }, { protocol: "sqs", endpoint: queue.outputs.arn });
                const [delivery] = documentOf(namedBySuffix(stack, "aws:sqs/queuePolicy:QueuePolicy", "-messaging-user-created-worker-policy")).Statement;
                assert.deepEqual(delivery.Condition, { ArnEquals: { "aws:SourceArn": topics.find((topic) => plainInputs(topic).name === `platform-${stackName}-user-created`)?.outputs.arn } });
                assert.equal(ofType(stack, "aws:sqs/queue:Queue").length, 6, "three topics, one subscriber each, a dead-letter queue each");
            });

            it("publishers may publish to their topics and subscribers read their own queues, nothing more", function () {
                const arnOf = (stem: string): unknown => namedBySuffix(stack, "aws:sns/topic:Topic", `-messaging-${stem}`).outputs.arn;
                const queueArn = (stem: string, subscriber: string): unknown => namedBySuffix(stack, "aws:sqs/queue:Queue", `-messaging-${stem}-${subscriber}`).outputs.arn;
                const rights = (service: string, prefix: string): unknown[] =>
                    identityStatements(stack, service).filter((statement) => statement.Action.some((action) => action.startsWith(prefix))).flatMap((statement) => statement.Resource).sort();
                assert.deepEqual(rights("api", "sns:"), [arnOf("reflection-logged"), arnOf("user-created")].sort());
                assert.deepEqual(rights("worker", "sns:"), [arnOf("task-completed")]);
                assert.deepEqual(rights("api", "sqs:"), [queueArn("task-completed", "api")]);
                assert.deepEqual(rights("worker", "sqs:"), [queueArn("reflection-logged", "worker"), queueArn("user-created", "worker")].sort());
                assert.equal(deploymentEnv(stack, "api").TOPIC_USER_CREATED_ARN, arnOf("user-created"));
                assert.equal(deploymentEnv(stack, "worker").QUEUE_USER_CREATED_URL, namedBySuffix(stack, "aws:sqs/queue:Queue", "-messaging-user-created-worker").outputs.url);
                assert.equal(deploymentEnv(stack, "worker").TOPIC_USER_CREATED_ARN, undefined);
            });
        });
    }
});

describe("logs and traces, per tier", function () {
    const SAMPLING = { dev: 100, staging: 20, prod: 10 } as const;
    const LOG_DAYS = { dev: 7, staging: 30, prod: 30 } as const;
    const TRACE_DAYS = { dev: 3, staging: 7, prod: 14 } as const;
    for (const stackName of STACKS) {
        describe(stackName, function () {
            let stack: RenderedStack;
            before(async function () {
                stack = await renderedStack(stackName);
            });
            const release = (chart: string): Inputs => {
                // In the telemetry namespace: the same collector chart runs the log agent in its own (test/log-agent.spec.ts).
                const found = ofType(stack, "kubernetes:helm.sh/v3:Release").map(plainInputs).filter((inputs) => inputs.chart === chart && inputs.namespace === "telemetry");
                assert.equal(found.length, 1, chart);
                return found[0];
            };

            it("the collector, Loki and Tempo run from pinned charts in the telemetry namespace, images by digest", function () {
                assert.deepEqual(
                    ["opentelemetry-collector", "loki", "tempo"].map((chart) => [chart, release(chart).version, release(chart).namespace]),
                    [["opentelemetry-collector", "0.173.1", "telemetry"], ["loki", "6.29.0", "telemetry"], ["tempo", "1.24.4", "telemetry"]],
                );
                assert.match(String((release("opentelemetry-collector").values as { image: Inputs }).image.digest), /^sha256:[0-9a-f]{64}$/);
                assert.match(String(((release("loki").values as { loki: { image: Inputs } }).loki.image.digest)), /^sha256:[0-9a-f]{64}$/);
                assert.match(String(((release("tempo").values as { tempo: Inputs }).tempo.tag)), /^2\.9\.0@sha256:[0-9a-f]{64}$/);
            });

            it(`keeps every trace with an error and ${SAMPLING[stackName]}% of the others (tail sampling)`, function () {
                const config = (release("opentelemetry-collector").values as { config: { processors: { tail_sampling: { policies: Inputs[] } }; service: { pipelines: Record<string, { processors: string[] }> } } }).config;
                assert.deepEqual(config.processors.tail_sampling.policies, [
                    { name: "errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
                    { name: "ratio", type: "probabilistic", probabilistic: { sampling_percentage: SAMPLING[stackName] } },
                ]);
                assert.ok(config.service.pipelines.traces.processors.includes("tail_sampling"));
                assert.ok(!config.service.pipelines.logs.processors.includes("tail_sampling"), "logs are never sampled");
            });

            it("Loki and Tempo keep their data on encrypted persistent volumes for the tier's retention", function () {
                const storageClass = ofType(stack, "kubernetes:storage.k8s.io/v1:StorageClass").map(plainInputs)[0];
                assert.equal((storageClass.parameters as Inputs).encrypted, "true");
                const className = (storageClass.metadata as Inputs).name;
                const loki = release("loki").values as { loki: { limits_config: Inputs }; singleBinary: { persistence: Inputs } };
                assert.equal(loki.loki.limits_config.retention_period, `${LOG_DAYS[stackName] * 24}h`);
                assert.equal(loki.singleBinary.persistence.storageClass, className);
                const tempo = release("tempo").values as { tempo: Inputs; persistence: Inputs };
                assert.equal(tempo.tempo.retention, `${TRACE_DAYS[stackName] * 24}h`);
                assert.deepEqual([tempo.persistence.enabled, tempo.persistence.storageClassName], [true, className]);
            });

            it("every service gets the OTLP endpoint and may reach the collector; Grafana gets Loki and Tempo", function () {
                for (const service of ["api", "worker"]) {
                    assert.equal(deploymentEnv(stack, service).OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.telemetry.svc.cluster.local:4318");
                    const policy = ofType(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(plainInputs).find((inputs) => (inputs.metadata as Inputs).name === service);
                    const egress = (policy?.spec as { egress: Inputs[] }).egress;
                    const toCollector = egress.filter((rule) => JSON.stringify(rule.to ?? []).includes("telemetry"));
                    assert.deepEqual(toCollector, [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "telemetry" } } }], ports: [{ protocol: "TCP", port: 4317 }, { protocol: "TCP", port: 4318 }] }], service);
                }
                const datasources = ofType(stack, "kubernetes:core/v1:ConfigMap").map(plainInputs).find((inputs) => (inputs.metadata as Inputs).name === "telemetry-datasources");
                assert.equal(((datasources?.metadata as Inputs).labels as Inputs).grafana_datasource, "1");
                const names = (JSON.parse(String((datasources?.data as Inputs)["telemetry.yaml"])) as { datasources: Inputs[] }).datasources.map((source) => source.type);
                assert.deepEqual(names, ["loki", "tempo"]);
            });
        });
    }
});

describe("storage, backups and messaging config", function () {
    const DIGEST = `sha256:${"c".repeat(64)}`;
    const service = (name: string): Inputs => ({ name, image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/${name}@${DIGEST}`, port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } });
    const values = (extra: Record<string, unknown>): Record<string, string> => ({
        "aws:region": "eu-west-1",
        "platform:services": JSON.stringify([service("api"), service("worker")]),
        "platform:monitoring": JSON.stringify({ alertEmails: ["oncall@example.com"] }),
        ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, JSON.stringify(value)])),
    });
    const problems = (stack: string, extra: Record<string, unknown>): string[] => {
        try {
            parsePlatformConfig({ stack, project: "platform", values: values(extra), secretKeys: new Set(), detectedRelease: { sha: "0123456789abcdef0123456789abcdef01234567" } });
        } catch (error) {
            if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.key}: expected ${problem.expected}; found ${problem.found}`);
            throw error;
        }
        return [];
    };

    it("an unknown subscriber or publisher is an error naming the key, the services declared and what was found", function () {
        assert.deepEqual(problems("dev", { "platform:messaging": { topics: { "user.created": { publishers: ["api"], subscribers: ["worker", "mailer"] } } } }), [
            "platform:messaging.topics.user.created.subscribers[1]: expected a service declared in platform:services (api, worker); found \"mailer\"",
        ]);
        assert.deepEqual(problems("dev", { "platform:messaging": { topics: { "user.created": { publishers: ["billing"], subscribers: [] } } } }), [
            "platform:messaging.topics.user.created.publishers[0]: expected a service declared in platform:services (api, worker); found \"billing\"",
        ]);
    });

    it("an unknown key in a topic names the keys a topic takes", function () {
        assert.deepEqual(problems("dev", { "platform:messaging": { topics: { "user.created": { publishers: ["api"], subscriber: ["worker"] } } } }), [
            "platform:messaging.topics.user.created.subscribers: expected a list; found nothing",
            "platform:messaging.topics.user.created.subscriber: expected one of the known keys (publishers, subscribers); found an unknown key",
        ]);
    });

    it("a topic or API key named __proto__ is refused by name, not silently dropped", function () {
        // Written as JSON text: an object literal's __proto__ would set the prototype, not a key.
        const topics = '{"topics": {"user.created": {"publishers": ["api"], "subscribers": ["worker"]}, "__proto__": {"publishers": ["api"], "subscribers": ["worker"]}}}';
        const withRaw = (key: string, json: string): string[] => {
            try {
                parsePlatformConfig({ stack: "dev", project: "platform", values: { ...values({}), [key]: json }, secretKeys: new Set(), detectedRelease: { sha: "0123456789abcdef0123456789abcdef01234567" } });
            } catch (error) {
                if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.key}: expected ${problem.expected}; found ${problem.found}`);
                throw error;
            }
            return [];
        };
        assert.deepEqual(withRaw("platform:messaging", topics), ["platform:messaging.topics.__proto__: expected a key other than __proto__, which a configuration map cannot hold; found __proto__"]);
        assert.ok(withRaw("platform:apiKeys", '{"__proto__": "x"}').includes("platform:apiKeys.__proto__: expected a key other than __proto__, which a configuration map cannot hold; found __proto__"));
        assert.deepEqual(withRaw("platform:messaging", topics.replace('"__proto__"', '"task.completed"')), []);
    });

    it("a topic name that is not dot-separated lowercase words is refused", function () {
        const [problem] = problems("dev", { "platform:messaging": { topics: { UserCreated: { publishers: ["api"], subscribers: ["worker"] } } } });
        assert.match(problem, /^platform:messaging\.topics\.UserCreated: expected a name that is a topic name of dot-separated lowercase words such as user\.created/);
        assert.deepEqual(problems("dev", { "platform:messaging": { topics: { "user.created": { publishers: ["api"], subscribers: ["worker"] } } } }), []);
    });

    it("outside dev, fewer than 30 days of snapshots is an error; prod also requires the vault lock and access logs", function () {
        assert.deepEqual(problems("staging", { "platform:backups": { snapshotRetentionDays: 7 } }), ["platform:backups.snapshotRetentionDays: expected at least 30 in the staging tier; found 7"]);
        assert.deepEqual(problems("prod", { "platform:backups": { vaultLock: false }, "platform:storage": { accessLogs: false } }), [
            "platform:backups.vaultLock: expected true in the prod tier; found false",
            "platform:storage.accessLogs: expected true in the prod tier; found false",
        ]);
        assert.deepEqual(problems("dev", { "platform:backups": { snapshotRetentionDays: 0 } }), []);
        assert.deepEqual(problems("staging", { "platform:backups": { schedule: "every night" } }), [
            "platform:backups.schedule: expected an AWS cron expression such as cron(0 2 * * ? *); found text of 11 characters",
        ]);
    });
});
