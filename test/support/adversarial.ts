import { unknownCheckingProxy } from "@pulumi/policy";
import { appliesTo, matchesTypePattern, ResourceUnderTest, Rule, RuleContext } from "../../policies/lib/rule";
import { artifactRepository, bucket, cloudSql, cryptoKey, gkeCluster, KMS_KEY, memorystoreRedis, secret } from "../../policies/test-support/gcp-fixtures";
import { RuleOutcome, runResourceRule, runStackRule } from "../../policies/lib/run";
import { analyzerProps, TestResource } from "../../policies/test-support/policy-harness";
import { plainInputs, renderedStack } from "./stacks";

/**
 * A generic guard for the pack: every rule, on every resource type it judges, gets long and pathological
 * strings in every string position of a realistic input (JSON documents held in strings included), and the
 * time of each answer is measured. Used by test/adversarial-inputs.spec.ts and bench/run.ts.
 */

const HEX = "3f9a1c";
const ECR_HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

/**
 * Strings that make naive parsers and regular expressions slow: long, repetitive, nearly-matching. `size` is
 * the length of the long ones (the benchmark uses 100k; the spec a fifth of that, to keep the suite quick).
 */
export function adversarialStrings(size = 100_000): { readonly name: string; readonly value: string }[] {
    const times = (unit: string): number => Math.max(1, Math.floor(size / unit.length));
    return [
        { name: `${size} letters`, value: "a".repeat(size) },
        { name: "ECR host, empty tag", value: `${ECR_HOST}/team/service:` },
        { name: "ECR host, truncated digest", value: `${ECR_HOST}/team/service@sha256:${HEX}` },
        { name: "long name, empty tag", value: `${"a".repeat(5_000)}:` },
        { name: "'a:' repeated", value: "a:".repeat(times("a:")) },
        { name: "@sha256: + hex", value: `a@sha256:${HEX.repeat(times(HEX))}` },
        { name: "'a/' repeated", value: "a/".repeat(times("a/")) },
        { name: "'a-' repeated + ':'", value: `${"a-".repeat(times("a-"))}:` },
        { name: "unicode repeated", value: "é😀\u202e\u0000".repeat(times("é😀\u202e\u0000")) },
        { name: "'${' repeated", value: "${".repeat(times("${")) },
        { name: "nested quotes repeated", value: `"'\\"`.repeat(times(`"'\\"`)) },
        { name: "'[' repeated", value: "[".repeat(size) },
        { name: "'{\"a\":' repeated", value: '{"a":'.repeat(times('{"a":')) },
        { name: "base64-like", value: "QUJD".repeat(times("QUJD")) },
        { name: "'AKIA' + letters", value: `AKIA${"A".repeat(size)}` },
        { name: "'-----BEGIN ' repeated", value: "-----BEGIN ".repeat(times("-----BEGIN ")) },
        { name: "'password=' repeated", value: "password=".repeat(times("password=")) },
        { name: "'https://a.' repeated", value: `https://${"a.".repeat(times("a."))}` },
        { name: "'arn:aws:' repeated", value: "arn:aws:".repeat(times("arn:aws:")) },
        { name: "'*' repeated", value: "*".repeat(size) },
        { name: "spaces + x", value: `${" ".repeat(size)}x` },
        { name: "'$2b$' repeated", value: "$2b$".repeat(times("$2b$")) },
        { name: "FROM lines", value: "FROM a:\n".repeat(times("FROM a:\n")) },
        // The secret detectors: documents in strings, scripts, flags, split credentials, base64 and the catalogue's anchors.
        { name: "YAML mapping lines", value: "key: value\n".repeat(times("key: value\n")) },
        { name: "YAML nesting", value: `${"a:\n".repeat(Math.min(times("a:\n"), 2000)).split("\n").map((line, depth) => " ".repeat(depth % 200) + line).join("\n")}` },
        { name: "env list in YAML", value: "- name: DB_PASSWORD\n  value: x\n".repeat(times("- name: DB_PASSWORD\n  value: x\n")) },
        { name: "'{\"auths\":' repeated", value: '{"auths":'.repeat(times('{"auths":')) },
        { name: "script of assignments", value: `#!/bin/sh\n${"export A_TOKEN=x\n".repeat(times("export A_TOKEN=x\n"))}` },
        { name: "'--password ' repeated", value: "--password ".repeat(times("--password ")) },
        { name: "'eyJ' + '.' repeated", value: "eyJ.".repeat(times("eyJ.")) },
        { name: "lines of base64", value: `${"QUJDRA".repeat(10)}\n`.repeat(times(`${"QUJDRA".repeat(10)}\n`)) },
        { name: "catalogue anchors repeated", value: "glpat-hvs.dckr_pat_sk-ant-api0xoxb-SG.".repeat(times("glpat-hvs.dckr_pat_sk-ant-api0xoxb-SG.")) },
        { name: "'postgres://a:' repeated", value: "postgres://a:".repeat(times("postgres://a:")) },
        { name: "'-----BEGIN PRIVATE KEY-----' + body", value: `-----BEGIN PRIVATE KEY-----\n${"MIIE".repeat(times("MIIE"))}` },
    ];
}

type Path = readonly (string | number)[];

/** Where a string sits in props: a path, and for a string holding JSON, the path inside that document. */
export interface StringPosition {
    readonly path: Path;
    readonly inJson?: Path;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function leaves(value: unknown, path: Path, found: Path[]): void {
    if (typeof value === "string") found.push(path);
    else if (Array.isArray(value)) value.forEach((item, index) => leaves(item, [...path, index], found));
    else if (isObject(value)) for (const key of Object.keys(value)) leaves(value[key], [...path, key], found);
}

function parseJsonDocument(text: string): unknown {
    if (text.length > 64 * 1024 || !/^\s*[[{]/.test(text)) return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

/** Every string leaf of props, and every string leaf inside strings that hold JSON. */
export function stringPositions(props: Record<string, unknown>): StringPosition[] {
    const paths: Path[] = [];
    leaves(props, [], paths);
    const positions: StringPosition[] = [];
    for (const path of paths) {
        positions.push({ path });
        const document = parseJsonDocument(getAt(props, path) as string);
        if (document === undefined) continue;
        const inner: Path[] = [];
        leaves(document, [], inner);
        for (const inJson of inner) positions.push({ path, inJson });
    }
    return positions;
}

function getAt(value: unknown, path: Path): unknown {
    let node = value;
    for (const key of path) node = (node as Record<string | number, unknown>)[key];
    return node;
}

function setAt(root: unknown, path: Path, value: unknown): void {
    const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
    parent[path[path.length - 1]] = value;
}

/** Props with one position replaced by `value`. */
export function withValue(props: Record<string, unknown>, position: StringPosition, value: string): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
    if (position.inJson === undefined) {
        setAt(copy, position.path, value);
    } else {
        const document = JSON.parse(getAt(copy, position.path) as string) as unknown;
        setAt(document, position.inJson, value);
        setAt(copy, position.path, JSON.stringify(document));
    }
    return copy;
}

export function describePosition(position: StringPosition): string {
    const path = position.path.join(".");
    return position.inJson === undefined ? path : `${path} (JSON: ${position.inJson.join(".")})`;
}

/**
 * Realistic inputs for types the program does not create, shaped as the provider SDKs' input types
 * (`@pulumi/aws`, `@pulumi/gcp`, `@pulumi/docker`, `@pulumi/kubernetes`) and the analyzer's view.
 */
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const HANDMADE: readonly TestResource[] = [
    {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "api",
        props: {
            family: "api",
            cpu: "256",
            memory: "512",
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            containerDefinitions: JSON.stringify([
                { name: "api", image: `${ECR_HOST}/api@${DIGEST}`, essential: true, environment: [{ name: "LOG_LEVEL", value: "info" }], portMappings: [{ containerPort: 8080 }] },
            ]),
        },
    },
    { type: "aws:lambda/function:Function", name: "resize", props: { packageType: "Image", imageUri: `${ECR_HOST}/resize@${DIGEST}`, role: "arn:aws:iam::123456789012:role/resize", environment: { variables: { BUCKET: "media" } } } },
    { type: "aws:apprunner/service:Service", name: "web", props: { serviceName: "web", sourceConfiguration: { imageRepository: { imageIdentifier: `${ECR_HOST}/web@${DIGEST}`, imageRepositoryType: "ECR", imageConfiguration: { port: "8080" } } } } },
    {
        type: "aws:batch/jobDefinition:JobDefinition",
        name: "etl",
        props: {
            type: "container",
            containerProperties: JSON.stringify({ image: `${ECR_HOST}/etl@${DIGEST}`, command: ["run"], resourceRequirements: [{ type: "VCPU", value: "1" }] }),
            eksProperties: { podProperties: { containers: [{ name: "main", image: `${ECR_HOST}/etl@${DIGEST}` }] } },
        },
    },
    { type: "gcp:cloudrunv2/service:Service", name: "hello", props: { location: "europe-west1", template: { containers: [{ name: "web", image: `europe-docker.pkg.dev/acme/web/hello@${DIGEST}`, envs: [{ name: "MODE", value: "prod" }] }] } } },
    { type: "gcp:cloudrun/service:Service", name: "hello", props: { location: "europe-west1", template: { spec: { containers: [{ image: `gcr.io/acme/hello@${DIGEST}` }] } } } },
    { type: "gcp:cloudrunv2/job:Job", name: "batch", props: { location: "europe-west1", template: { template: { containers: [{ image: `gcr.io/acme/batch@${DIGEST}` }] } } } },
    { type: "docker:index/container:Container", name: "web", props: { name: "web", image: `nginx@${DIGEST}`, envs: ["MODE=prod"] } },
    { type: "docker:index/remoteImage:RemoteImage", name: "nginx", props: { name: `nginx@${DIGEST}`, keepLocally: true } },
    { type: "docker-build:index:Image", name: "web", props: { push: true, tags: ["ghcr.io/acme/web:1"], dockerfile: { inline: `FROM node:20-alpine@${DIGEST}\nCOPY . /app\n` }, buildArgs: { MODE: "prod" } } },
    { type: "aws:ssm/parameter:Parameter", name: "feature-flags", props: { name: "/platform/prod/feature-flags", type: "String", value: "checkout=on", tier: "Standard", tags: { team: "payments" } } },
    { type: "aws:s3/bucketV2:BucketV2", name: "uploads", props: { bucket: "acme-uploads-prod", forceDestroy: false, tags: { environment: "prod" } } },
    { type: "aws:s3/bucket:Bucket", name: "assets", props: { bucket: "acme-assets-prod", acl: "private", serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } } } },
    {
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        name: "uploads",
        props: { bucket: "acme-uploads-prod", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    },
    cloudSql(),
    memorystoreRedis(),
    gkeCluster({ nodePools: [{ name: "general", networkConfig: { enablePrivateNodes: true } }] }),
    artifactRepository(),
    bucket(),
    secret(),
    cryptoKey(),
    { type: "gcp:redis/cluster:Cluster", name: "sessions", props: { region: "europe-west1", shardCount: 3, authorizationMode: "AUTH_MODE_IAM_AUTH", transitEncryptionMode: "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION", kmsKey: KMS_KEY } },
    { type: "gcp:memorystore/instance:Instance", name: "valkey", props: { instanceId: "valkey", location: "europe-west1", shardCount: 1, authorizationMode: "IAM_AUTH", transitEncryptionMode: "SERVER_AUTHENTICATION", kmsKey: KMS_KEY } },
    { type: "gcp:container/nodePool:NodePool", name: "general", props: { cluster: "platform-prod", location: "europe-west1", nodeConfig: { machineType: "e2-standard-4" }, networkConfig: { enablePrivateNodes: true } } },
    {
        type: "gcp:compute/instance:Instance",
        name: "kafka-0",
        props: { machineType: "n2-standard-4", zone: "europe-west1-b", labels: { role: "kafka" }, bootDisk: { kmsKeySelfLink: KMS_KEY, initializeParams: { image: "debian-cloud/debian-12" } }, networkInterfaces: [{ subnetwork: "platform-prod" }] },
    },
    { type: "gcp:pubsub/topic:Topic", name: "events", props: { name: "events", kmsKeyName: KMS_KEY } },
    { type: "gcp:compute/firewall:Firewall", name: "db", props: { network: "platform-prod", direction: "INGRESS", sourceRanges: ["10.30.0.0/16"], allows: [{ protocol: "tcp", ports: ["5432", "6379-6380"] }] } },
    { type: "gcp:storage/bucketACL:BucketACL", name: "assets", props: { bucket: "assets", predefinedAcl: "private", roleEntities: ["OWNER:project-owners-123456", "READER:group-web@acme.example"] } },
    { type: "gcp:storage/bucketIAMMember:BucketIAMMember", name: "assets-readers", props: { bucket: "assets", role: "roles/storage.objectViewer", member: "serviceAccount:api@acme.iam.gserviceaccount.com" } },
    { type: "gcp:projects/iAMBinding:IAMBinding", name: "viewers", props: { project: "acme", role: "roles/viewer", members: ["group:eng@acme.example", "domain:acme.example"] } },
    {
        type: "gcp:projects/iAMPolicy:IAMPolicy",
        name: "project",
        props: { project: "acme", policyData: JSON.stringify({ bindings: [{ role: "roles/viewer", members: ["group:eng@acme.example"] }, { role: "roles/run.invoker", members: ["serviceAccount:web@acme.iam.gserviceaccount.com"] }] }) },
    },
    { type: "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding", name: "pull", props: { repository: "services", location: "europe-west1", role: "roles/artifactregistry.reader", members: ["serviceAccount:nodes@acme.iam.gserviceaccount.com"] } },
    {
        type: "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy",
        name: "api",
        props: { name: "api", location: "europe-west1", policyData: JSON.stringify({ bindings: [{ role: "roles/run.invoker", members: ["serviceAccount:web@acme.iam.gserviceaccount.com"] }] }) },
    },
    { type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", name: "api-invoker", props: { name: "api", location: "europe-west1", role: "roles/run.invoker", member: "serviceAccount:web@acme.iam.gserviceaccount.com" } },
    // Where the secret detectors read documents, scripts and provider-secret inputs.
    {
        type: "command:local:Command",
        name: "migrate",
        props: { create: "set -e\n./migrate.sh --env prod", update: "./migrate.sh --env prod", delete: "echo done", environment: { STAGE: "prod" }, triggers: ["v1"] },
    },
    { type: "command:remote:Command", name: "bootstrap", props: { connection: { host: "10.0.0.5", user: "admin" }, create: "sudo systemctl restart app", stdin: "LOG_LEVEL=info" } },
    {
        type: "aws:sfn/stateMachine:StateMachine",
        name: "orders",
        props: { roleArn: "arn:aws:iam::123456789012:role/sfn", definition: JSON.stringify({ StartAt: "Call", States: { Call: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { "Payload.$": "$", FunctionName: "orders" }, End: true } } }) },
    },
    {
        type: "gcp:compute/instanceTemplate:InstanceTemplate",
        name: "api",
        props: { machineType: "e2-small", metadata: { "gce-container-declaration": "spec:\n  containers:\n    - name: api\n      image: gcr.io/acme/api\n      env:\n        - name: MODE\n          value: prod\n" } },
    },
    {
        type: "kubernetes:core/v1:ConfigMap",
        name: "tools",
        props: {
            metadata: { name: "tools" },
            data: { "config.json": JSON.stringify({ auths: { "registry.example.com": { email: "ci@example.com" } } }), kubeconfig: "apiVersion: v1\nkind: Config\nusers:\n  - name: ci\n    user:\n      exec:\n        command: aws\n" },
        },
    },
    { type: "gcp:sql/databaseInstance:DatabaseInstance", name: "replica", props: { databaseVersion: "POSTGRES_15", replicaConfiguration: { username: "replica", failoverTarget: false } } },
    { type: "aws:elasticache/user:User", name: "app", props: { userId: "app", userName: "app", engine: "REDIS", accessString: "on ~* +@read", passwords: ["${REDIS_PASSWORD}"] } },
    { type: "gcp:storage/bucketObject:BucketObject", name: "index", props: { bucket: "site", name: "index.html", content: "<html><body>hello</body></html>" } },
    { type: "gcp:cloudfunctions/function:Function", name: "fn", props: { runtime: "nodejs20", secretEnvironmentVariables: [{ key: "DB_PASSWORD", projectId: "acme", secret: "db-password", version: "latest" }] } },
    {
        type: "kubernetes:apps/v1:DeploymentPatch",
        name: "api",
        props: { metadata: { name: "api", namespace: "apps", annotations: { "pulumi.com/patchForce": "true" } }, spec: { template: { spec: { containers: [{ name: "api", image: `ghcr.io/acme/api@${DIGEST}` }] } } } },
    },
];

/** One realistic resource per type: the first of each type in the rendered dev, staging and prod stacks, then the hand-made ones. */
export async function realisticSamples(): Promise<Map<string, TestResource>> {
    const samples = new Map<string, TestResource>();
    for (const stack of ["prod", "staging", "dev"]) {
        for (const resource of (await renderedStack(stack)).resources) {
            if (!samples.has(resource.type)) samples.set(resource.type, { type: resource.type, name: resource.name, props: JSON.parse(JSON.stringify(plainInputs(resource))) as Record<string, unknown> });
        }
    }
    for (const resource of HANDMADE) if (!samples.has(resource.type)) samples.set(resource.type, resource);
    return samples;
}

export interface RuleTiming {
    readonly rule: string;
    readonly type: string;
    readonly position: string;
    readonly value: string;
    readonly ms: number;
    /** To replay the case: where, and which of adversarialStrings(). */
    readonly replay: { readonly position: StringPosition; readonly valueIndex: number };
    /** How the rule answered: counts per outcome kind. */
    readonly outcomes: Readonly<Record<string, number>>;
}

const CONTEXT: RuleContext = { stack: "prod", tier: "prod", now: new Date("2026-11-24T12:00:00Z") };

function toResource(resource: TestResource, props: Record<string, unknown>): ResourceUnderTest {
    const name = resource.name ?? "subject";
    return { type: resource.type, name, urn: `urn:pulumi:prod::platform::${resource.type}::${name}`, props };
}

/** Runs a rule as the analyzer would (props through the wire format, preview proxy), timing only the rule. */
function timedRun(rule: Rule, resource: TestResource, props: Record<string, unknown>): { ms: number; outcomes: RuleOutcome[] } {
    const subject = toResource(resource, analyzerProps(props));
    const started = process.hrtime.bigint();
    const outcomes =
        rule.kind === "resource"
            ? runResourceRule(rule, subject, CONTEXT, {}, true)
            : runStackRule(rule, [{ ...subject, props: unknownCheckingProxy(subject.props) as Record<string, unknown> }], CONTEXT, false);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, outcomes };
}

/** The resource types a rule judges that have a sample (`*`: every sample). */
export function typesJudged(rule: Rule, samples: ReadonlyMap<string, TestResource>): { judged: string[]; withoutSample: string[] } {
    if (rule.resourceTypes.includes("*")) return { judged: [...samples.keys()], withoutSample: [] };
    const types = [...samples.keys()];
    // Patterns (`gcp:*IamMember`) judge every sampled type they match.
    return { judged: types.filter((type) => appliesTo(rule, type)), withoutSample: rule.resourceTypes.filter((pattern) => !types.some((type) => matchesTypePattern(pattern, type))) };
}

/**
 * Every (type, string position, adversarial value) of one rule, timed; returns the worst per type.
 * `size`: length of the long strings; `maxPositions` samples the positions of large inputs evenly (the last always included).
 */
export function fuzzRule(rule: Rule, samples: ReadonlyMap<string, TestResource>, size = 100_000, maxPositions = 10): RuleTiming[] {
    const strings = adversarialStrings(size);
    const worst: RuleTiming[] = [];
    for (const type of typesJudged(rule, samples).judged) {
        const sample = samples.get(type) as TestResource;
        const all = stringPositions(sample.props);
        const step = Math.max(1, all.length / maxPositions);
        const positions = all.filter((_, index) => Math.floor(index % step) === 0 || index === all.length - 1);
        let worstOfType: RuleTiming | undefined;
        for (const position of positions) {
            for (let valueIndex = 0; valueIndex < strings.length; valueIndex++) {
                const { name, value } = strings[valueIndex];
                const props = withValue(sample.props, position, value);
                const first = timedRun(rule, sample, props);
                const outcomes = first.outcomes;
                let ms = first.ms;
                // A new worst is timed twice more and keeps its fastest run: a garbage collection is not the rule's doing.
                if (worstOfType !== undefined && ms > worstOfType.ms) ms = Math.min(ms, timedRun(rule, sample, props).ms, timedRun(rule, sample, props).ms);
                if (worstOfType === undefined || ms > worstOfType.ms) {
                    const counts: Record<string, number> = {};
                    for (const outcome of outcomes) counts[outcome.kind] = (counts[outcome.kind] ?? 0) + 1;
                    worstOfType = { rule: rule.name, type, position: describePosition(position), value: name, ms, outcomes: counts, replay: { position, valueIndex } };
                }
            }
        }
        if (worstOfType !== undefined) worst.push(worstOfType);
    }
    return worst;
}

/** The same rule on the same sample, unmodified: the baseline a worst case is read against. */
export function baselineMs(rule: Rule, sample: TestResource, rounds = 5): number {
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) times.push(timedRun(rule, sample, sample.props).ms);
    return times.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

/** Re-times a recorded case with strings of another size (the benchmark's worst input at full length). */
export function replay(rule: Rule, samples: ReadonlyMap<string, TestResource>, timing: RuleTiming, size: number): number {
    const sample = samples.get(timing.type) as TestResource;
    return timedRun(rule, sample, withValue(sample.props, timing.replay.position, adversarialStrings(size)[timing.replay.valueIndex].value)).ms;
}
