import { strict as assert } from "assert";
import { evaluate } from "./lib/evaluate";
import { ResourceUnderTest } from "./lib/rule";
import { Tier } from "./lib/tiers";
import { ALL_RULES } from "./rules";
import { artifactRepository, bucket, cloudSql, cryptoKey, gkeCluster, KMS_KEY, memorystoreRedis, PROJECT, REGION, secret } from "./test-support/gcp-fixtures";
import { analyzerProps, TestResource } from "./test-support/policy-harness";

/**
 * The whole pack on a GCP platform: a compliant stack passes every rule, and each mistake seeded into it is
 * reported by the rule that owns it, and by no other. The URNs name a project of their own, so parity (whose
 * committed baseline is the AWS prod stack's) says it does not judge them, as it does for any other project.
 */

const DIGEST = `sha256:${"4f".repeat(32)}`;
const RANDOM_PASSWORD = "urn:pulumi:prod::platform-gcp::random:index/randomPassword:RandomPassword::postgres-password";

interface StackResource extends TestResource {
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

const cloudRun = (changes: { image?: string; envs?: unknown[] } = {}): StackResource => ({
    type: "gcp:cloudrunv2/service:Service",
    name: "api",
    props: {
        name: "api",
        location: REGION,
        ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY",
        template: {
            serviceAccount: `api@${PROJECT}.iam.gserviceaccount.com`,
            containers: [
                {
                    image: changes.image ?? `${REGION}-docker.pkg.dev/${PROJECT}/services/api@${DIGEST}`,
                    envs: changes.envs ?? [
                        { name: "LOG_LEVEL", value: "info" },
                        { name: "DATABASE_PASSWORD", valueSource: { secretKeyRef: { secret: "postgres-password", version: "latest" } } },
                    ],
                },
            ],
        },
    },
});
const sqlUser = (password: string, fromRandom: boolean): StackResource => ({
    type: "gcp:sql/user:User",
    name: "app",
    props: { instance: "platform-prod-postgres", name: "app", password },
    propertyDependencies: fromRandom ? { password: [RANDOM_PASSWORD] } : {},
});
const projectMember = (role: string, member: string): StackResource => ({ type: "gcp:projects/iAMMember:IAMMember", name: "api-sql", props: { project: PROJECT, role, member } });
const invoker = (member: string): StackResource => ({ type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", name: "api-invoker", props: { name: "api", location: REGION, role: "roles/run.invoker", member } });
const API_SA = `serviceAccount:api@${PROJECT}.iam.gserviceaccount.com`;

/** A GCP prod platform as the pack wants it. */
function compliantStack(): StackResource[] {
    return [
        cloudSql(),
        memorystoreRedis(),
        gkeCluster(),
        { type: "gcp:container/nodePool:NodePool", name: "general", props: { cluster: "platform-prod", location: REGION, nodeConfig: { machineType: "e2-standard-8" }, networkConfig: { enablePrivateNodes: true } } },
        artifactRepository(),
        bucket(),
        secret(),
        { type: "gcp:secretmanager/secretVersion:SecretVersion", name: "postgres-password", props: { secret: "platform-prod-postgres-password", secretData: "generated" }, propertyDependencies: { secretData: [RANDOM_PASSWORD] } },
        cryptoKey(),
        { type: "gcp:pubsub/topic:Topic", name: "events", props: { name: "events", kmsKeyName: KMS_KEY } },
        { type: "gcp:compute/firewall:Firewall", name: "postgres", props: { network: "platform-prod", sourceRanges: ["10.30.0.0/16"], allows: [{ protocol: "tcp", ports: ["5432"] }] } },
        sqlUser("generated", true),
        projectMember("roles/cloudsql.client", API_SA),
        invoker("serviceAccount:web@acme-platform-prod.iam.gserviceaccount.com"),
        cloudRun(),
    ];
}

function asResources(stack: readonly StackResource[], tier: Tier): ResourceUnderTest[] {
    return stack.map((resource) => {
        const name = resource.name ?? "subject";
        return { type: resource.type, name, urn: `urn:pulumi:${tier}::platform-gcp::${resource.type}::${name}`, props: analyzerProps(resource.props), propertyDependencies: resource.propertyDependencies };
    });
}

function findings(stack: readonly StackResource[], tier: Tier = "prod"): string[] {
    const context = { stack: tier, tier, now: new Date("2026-11-24T12:00:00Z") };
    return evaluate(asResources(stack, tier), { context, rules: ALL_RULES }).findings.map((finding) => `${finding.rule} (${finding.enforcement}): ${finding.message}`);
}

/** The compliant stack with one resource replaced (matched by type and name) or added. */
function seeded(mistake: StackResource): StackResource[] {
    const stack = compliantStack();
    const index = stack.findIndex((resource) => resource.type === mistake.type && resource.name === mistake.name);
    if (index < 0) return [...stack, mistake];
    stack[index] = mistake;
    return stack;
}

/** `also`: a rule whose own promise the same mistake breaks (PITR is both a backup setting and half of the backups promise). */
const MISTAKES: readonly { readonly mistake: string; readonly resource: StackResource; readonly rule: string; readonly also?: string }[] = [
    { mistake: "Cloud SQL with a public IPv4 address", resource: cloudSql({ settings: { ipConfiguration: { ipv4Enabled: true } } }), rule: "no-public-data-stores" },
    { mistake: "Cloud SQL accepting plaintext", resource: cloudSql({ settings: { ipConfiguration: { sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" } } }), rule: "encryption-in-transit" },
    { mistake: "Cloud SQL without point-in-time recovery", resource: cloudSql({ settings: { backupConfiguration: { pointInTimeRecoveryEnabled: false } } }), rule: "deletion-protection-and-backups", also: "database-backups-retained" },
    { mistake: "Cloud SQL keeping a week of nightly backups", resource: cloudSql({ settings: { backupConfiguration: { backupRetentionSettings: { retainedBackups: 7 } } } }), rule: "database-backups-retained" },
    { mistake: "Cloud SQL without CMEK", resource: cloudSql({ encryptionKeyName: undefined }), rule: "encryption-at-rest" },
    { mistake: "Memorystore without AUTH", resource: memorystoreRedis({ authEnabled: false }), rule: "cache-authentication" },
    { mistake: "Memorystore without TLS", resource: memorystoreRedis({ transitEncryptionMode: "DISABLED" }), rule: "encryption-in-transit" },
    { mistake: "GKE with a public endpoint", resource: gkeCluster({ privateClusterConfig: { enablePrivateEndpoint: false } }), rule: "cluster-endpoint-private" },
    { mistake: "GKE without deletion protection", resource: gkeCluster({ deletionProtection: false }), rule: "deletion-protection-and-backups" },
    { mistake: "Artifact Registry with mutable tags", resource: artifactRepository({ dockerConfig: { immutableTags: false } }), rule: "registry-immutable-tags" },
    { mistake: "a bucket without public access prevention", resource: bucket({ publicAccessPrevention: "inherited" }), rule: "no-public-data-stores" },
    {
        mistake: "a bucket readable by allUsers",
        resource: { type: "gcp:storage/bucketIAMMember:BucketIAMMember", name: "public", props: { bucket: "acme-platform-prod-assets", role: "roles/storage.objectViewer", member: "allUsers" } },
        rule: "no-public-data-stores",
    },
    { mistake: "a firewall opening Postgres to the internet", resource: { type: "gcp:compute/firewall:Firewall", name: "postgres", props: { network: "platform-prod", sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["5432"] }] } }, rule: "no-public-data-stores" },
    { mistake: "a Cloud KMS key rotating yearly", resource: cryptoKey({ rotationPeriod: "31536000s" }), rule: "kms-key-rotation" },
    { mistake: "roles/editor for the workload's service account", resource: projectMember("roles/editor", API_SA), rule: "no-admin-policies" },
    { mistake: "a Cloud Run service invocable by allUsers", resource: invoker("allUsers"), rule: "no-wildcard-iam-actions" },
    { mistake: "a Cloud Run image by tag", resource: cloudRun({ image: `${REGION}-docker.pkg.dev/${PROJECT}/services/api:1.4.2` }), rule: "image-pinned-by-digest" },
    { mistake: "a password in Cloud Run env", resource: cloudRun({ envs: [{ name: "DATABASE_PASSWORD", value: "Xk3pL9vQ2mN7rT5wZ8yB4cF6" }] }), rule: "no-plaintext-secrets" },
    { mistake: "a Cloud SQL user's password written in code", resource: sqlUser("Xk3pL9vQ2mN7rT5wZ8yB4cF6", false), rule: "credentials-from-secret-store" },
];

describe("the pack on a GCP platform", function () {
    it("passes a compliant GCP prod and staging stack with no finding from any rule", function () {
        assert.deepEqual(findings(compliantStack(), "prod"), []);
        assert.deepEqual(findings(compliantStack(), "staging"), []);
    });

    for (const { mistake, resource, rule, also } of MISTAKES) {
        it(`reports ${mistake} under ${also === undefined ? `${rule} alone` : `${rule} and ${also}`}, as mandatory in prod`, function () {
            const reported = findings(seeded(resource));
            assert.ok(reported.length > 0, "nothing reported");
            const expected = [rule, ...(also === undefined ? [] : [also])];
            assert.deepEqual(reported.filter((finding) => !expected.some((name) => finding.startsWith(`${name} (mandatory): `))), [], reported.join("\n"));
            for (const name of expected) assert.ok(reported.some((finding) => finding.startsWith(`${name} (mandatory): `)), `${name} reported nothing`);
        });
    }
});
