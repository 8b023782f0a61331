import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { ConfigError, ConfigProblem, parsePlatformConfig, PlatformConfig } from "../config/load";
import { renderStack } from "../engine/render";
import { isSecretEnvelope } from "../engine/secrets";
import { readStackConfig } from "../engine/stack-files";
import { PROJECT_DIR } from "./support/stacks";

const PROJECT = "platform";
/** Build metadata as CI would provide it. */
const RELEASE = { sha: "0123456789abcdef0123456789abcdef01234567", date: "2026-11-20T10:00:00Z", actor: "release-bot" };

const DIGEST = `sha256:${"c".repeat(64)}`;
/** A service as small as the schema allows: a pinned image, a port and health paths. */
const service = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name,
    image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/${name}@${DIGEST}`,
    port: 8080,
    health: { liveness: "/healthz", readiness: "/readyz" },
    ...extra,
});
const SERVICES = [service("api"), service("worker")];

/** The smallest config every tier accepts; prod also needs an alert address. */
const BASE: Readonly<Record<string, string>> = {
    "aws:region": "eu-west-1",
    "platform:services": JSON.stringify(SERVICES),
};
const PROD_BASE: Readonly<Record<string, string>> = {
    ...BASE,
    "platform:monitoring": JSON.stringify({ alertEmails: ["oncall@example.com"] }),
};

interface Case {
    readonly stack?: string;
    readonly values: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    readonly now?: Date;
}

function parse({ stack = "dev", values, secretKeys = [], now }: Case): PlatformConfig {
    return parsePlatformConfig({ stack, project: PROJECT, values, secretKeys: new Set(secretKeys), detectedRelease: RELEASE, ...(now ? { now } : {}) });
}

/** The ConfigError a config is rejected with; fails the test when it parses or throws anything else. */
function rejection(config: Case): ConfigError {
    try {
        parse(config);
    } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
    }
    assert.fail("expected a ConfigError, but the configuration was accepted");
}

function problemsOf(config: Case): readonly ConfigProblem[] {
    return rejection(config).problems;
}

/** Resolves an output's value (known values only, as every value here is). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

const TOP_LEVEL_KEYS = "tier, cloud, costCentre, network, cluster, registry, secretStore, postgres, redis, monitoring, storage, backups, messaging, telemetry, services, serviceDefaults, release, migrationHeads, ingressClassName, apiKeys, apiKeyRotation, jwtSecret";
const POSTGRES_KEYS = "engineVersion, instanceClass, storageGb, maxStorageGb, multiAz, deletionProtection, backupRetentionDays, performanceInsights";

describe("stack configuration", () => {
    describe("a malformed stack file is rejected with the exact problem", () => {
        it("an unknown top-level key (a typo) lists the known keys", () => {
            const error = rejection({ values: { ...BASE, "platform:postgress": JSON.stringify({ multiAz: true }) } });
            assert.equal(error.stackFile, "Pulumi.dev.yaml");
            assert.deepEqual(error.problems, [
                { key: "platform:postgress", expected: `one of the known keys (${TOP_LEVEL_KEYS})`, found: "an unknown key" },
            ]);
            assert.equal(
                error.message,
                "Pulumi.dev.yaml: invalid stack configuration (1 problem):\n" +
                    `  - platform:postgress: expected one of the known keys (${TOP_LEVEL_KEYS}); found an unknown key`,
            );
        });

        it("an unknown nested key lists the keys known at that level", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:postgres": JSON.stringify({ multiAZ: true }) } }), [
                { key: "platform:postgres.multiAZ", expected: `one of the known keys (${POSTGRES_KEYS})`, found: "an unknown key" },
            ]);
        });

        it("a string where a number belongs", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:postgres": JSON.stringify({ storageGb: "100" }) } }), [
                { key: "platform:postgres.storageGb", expected: "a number", found: '"100"' },
            ]);
        });

        it("a fraction where a whole number belongs", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:registry": JSON.stringify({ untaggedImageExpiryDays: 1.5 }) } }), [
                { key: "platform:registry.untaggedImageExpiryDays", expected: "a whole number", found: "1.5" },
            ]);
        });

        it("a number below the minimum", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:postgres": JSON.stringify({ storageGb: 10 }) } }), [
                { key: "platform:postgres.storageGb", expected: "a number at least 20", found: "10" },
            ]);
        });

        it("a value outside an enum", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:network": JSON.stringify({ natGateways: "perZone" }) } }), [
                { key: "platform:network.natGateways", expected: 'one of "single", "perAz"', found: '"perZone"' },
            ]);
        });

        it("an invalid CIDR block", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:network": JSON.stringify({ cidr: "10.0.0.0/33" }) } }), [
                { key: "platform:network.cidr", expected: "an IPv4 CIDR block such as 10.0.0.0/16", found: '"10.0.0.0/33"' },
            ]);
        });

        it("a missing aws:region is reported under aws:region, not platform:region", () => {
            const withoutRegion = Object.fromEntries(Object.entries(BASE).filter(([key]) => key !== "aws:region"));
            assert.deepEqual(problemsOf({ values: withoutRegion }), [{ key: "aws:region", expected: "a string", found: "nothing" }]);
        });

        it("a malformed aws:region", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "aws:region": "europe" } }), [
                { key: "aws:region", expected: "an AWS region such as us-east-1", found: '"europe"' },
            ]);
        });

        it("prod: Postgres without multiAz", () => {
            const error = rejection({ stack: "prod", values: { ...PROD_BASE, "platform:postgres": JSON.stringify({ multiAz: false }) } });
            assert.deepEqual(error.problems, [{ key: "platform:postgres.multiAz", expected: "true in the prod tier", found: "false" }]);
            assert.equal(
                error.message,
                "Pulumi.prod.yaml: invalid stack configuration (1 problem):\n  - platform:postgres.multiAz: expected true in the prod tier; found false",
            );
        });

        it("prod: a public cluster endpoint", () => {
            const cluster = JSON.stringify({ endpointAccess: "public-and-private", publicAccessCidrs: ["203.0.113.0/24"] });
            assert.deepEqual(problemsOf({ stack: "prod", values: { ...PROD_BASE, "platform:cluster": cluster } }), [
                { key: "platform:cluster.endpointAccess", expected: '"private" in the prod tier', found: '"public-and-private"' },
            ]);
        });

        it("prod: three days of Postgres backups", () => {
            assert.deepEqual(problemsOf({ stack: "prod", values: { ...PROD_BASE, "platform:postgres": JSON.stringify({ backupRetentionDays: 3 }) } }), [
                { key: "platform:postgres.backupRetentionDays", expected: "at least 7 in the prod tier", found: "3" },
            ]);
        });

        it("prod: secrets rotated every 120 days", () => {
            assert.deepEqual(problemsOf({ stack: "prod", values: { ...PROD_BASE, "platform:secretStore": JSON.stringify({ rotationDays: 120 }) } }), [
                { key: "platform:secretStore.rotationDays", expected: "at most 90 in the prod tier", found: "120" },
            ]);
        });

        it("prod: no alert address (the prod stack file must name one)", () => {
            assert.deepEqual(problemsOf({ stack: "prod", values: BASE }), [
                { key: "platform:monitoring.alertEmails", expected: "at least one address in the prod tier", found: "a list of 0 entries" },
            ]);
        });

        it("node group min above desired shows the three numbers", () => {
            const error = rejection({ values: { ...BASE, "platform:cluster": JSON.stringify({ nodes: { min: 3, desired: 2, max: 4 } }) } });
            assert.deepEqual(error.problems, [{ key: "platform:cluster.nodes", expected: "min <= desired <= max", found: "{min: 3, desired: 2, max: 4}" }]);
            assert.equal(
                error.message,
                "Pulumi.dev.yaml: invalid stack configuration (1 problem):\n  - platform:cluster.nodes: expected min <= desired <= max; found {min: 3, desired: 2, max: 4}",
            );
        });

        it("cluster admin roles must be IAM role ARNs: not a user, not an assumed-role session", () => {
            const adminRoleArns = ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/admins/alice"];
            const expected = "an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admins";
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:cluster": JSON.stringify({ adminRoleArns }) } }), [
                { key: "platform:cluster.adminRoleArns[1]", expected, found: "text of 36 characters" },
                { key: "platform:cluster.adminRoleArns[2]", expected, found: "text of 51 characters" },
            ]);
        });

        it("cluster admin roles: a role listed twice (with or without its path) is refused", () => {
            const adminRoleArns = ["arn:aws:iam::123456789012:role/ops/platform-admins", "arn:aws:iam::123456789012:role/platform-admins"];
            const problems = problemsOf({ values: { ...BASE, "platform:cluster": JSON.stringify({ adminRoleArns }) } });
            assert.deepEqual(problems.map((problem) => [problem.key, problem.expected]), [["platform:cluster.adminRoleArns", "each role once"]]);
        });

        it("cluster admin roles: role ARNs with a path, in every tier, default none", () => {
            const adminRoleArns = ["arn:aws:iam::123456789012:role/platform-admins", "arn:aws:iam::210987654321:role/ops/break-glass"];
            assert.deepEqual(parse({ stack: "prod", values: { ...PROD_BASE, "platform:cluster": JSON.stringify({ adminRoleArns }) } }).cluster.adminRoleArns, adminRoleArns);
            for (const stack of ["dev", "staging", "prod"]) assert.deepEqual(parse({ stack, values: PROD_BASE }).cluster.adminRoleArns, []);
        });

        it("Redis multiAz with the dev tier's single node", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:redis": JSON.stringify({ multiAz: true }) } }), [
                { key: "platform:redis.nodes", expected: "at least 2 nodes when multiAz is true", found: "1" },
            ]);
        });

        it("a duplicate service name points at the second occurrence", () => {
            const services = JSON.stringify([...SERVICES, service("api")]);
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": services } }), [
                { key: "platform:services[2].name", expected: "a unique service name", found: "text of 3 characters" },
            ]);
        });

        it("an empty services list", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": "[]" } }), [
                { key: "platform:services", expected: "at least 1 entry", found: "a list of 0 entries" },
            ]);
        });

        it("a string where the services list belongs is one problem, not a bogus length problem too", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": "" } }), [
                { key: "platform:services", expected: "a list", found: "an empty string" },
            ]);
        });

        it("an empty cost centre", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:costCentre": "" } }), [
                { key: "platform:costCentre", expected: "at least 1 character", found: "an empty string" },
            ]);
        });

        it("apiKeys in plaintext: the message says how to set it as a secret, and does not echo the value", () => {
            const error = rejection({ values: { ...BASE, "platform:apiKeys": JSON.stringify({ stripe: "sk_live_plaintext_1" }) } });
            assert.deepEqual(error.problems, [
                {
                    key: "platform:apiKeys.stripe",
                    expected: "a secure value (pulumi config set --secret --path 'apiKeys.stripe' --stack dev)",
                    found: "plaintext",
                },
            ]);
            assert.equal(
                error.message,
                "Pulumi.dev.yaml: invalid stack configuration (1 problem):\n" +
                    "  - platform:apiKeys.stripe: expected a secure value (pulumi config set --secret --path 'apiKeys.stripe' --stack dev); found plaintext",
            );
            assert.ok(!error.message.includes("sk_live_plaintext_1"));
        });

        it("a plaintext password nested in a known key is both not secret and not a known key", () => {
            const error = rejection({ stack: "staging", values: { ...BASE, "platform:postgres": JSON.stringify({ password: "hunter2-hunter2" }) } });
            assert.deepEqual(error.problems, [
                {
                    key: "platform:postgres.password",
                    expected: "a secure value (pulumi config set --secret --path 'postgres.password' --stack staging)",
                    found: "plaintext",
                },
                { key: "platform:postgres.password", expected: `one of the known keys (${POSTGRES_KEYS})`, found: "an unknown key" },
            ]);
            assert.ok(!error.message.includes("hunter2"));
        });

        it("a secret that is too short is reported without its value", () => {
            const secretValue = "short-s3cret";
            const error = rejection({ values: { ...BASE, "platform:jwtSecret": secretValue }, secretKeys: ["platform:jwtSecret"] });
            assert.deepEqual(error.problems, [{ key: "platform:jwtSecret", expected: "at least 16 characters", found: "a secret value (not shown)" }]);
            assert.ok(!error.message.includes(secretValue), error.message);
        });

        it("a secret of the wrong type is one problem, reported without its value", () => {
            const secretValue = "a-long-enough-s3cret-value";
            const error = rejection({ values: { ...BASE, "platform:jwtSecret": JSON.stringify([secretValue]) }, secretKeys: ["platform:jwtSecret"] });
            assert.deepEqual(error.problems, [{ key: "platform:jwtSecret", expected: "a string", found: "a secret value (not shown)" }]);
            assert.ok(!error.message.includes(secretValue), error.message);
        });

        it("secret apiKeys: a bad name is shown, an empty value is not", () => {
            const apiKeys = JSON.stringify({ Stripe: "sk_live_secret_2", github: "" });
            const error = rejection({ values: { ...BASE, "platform:apiKeys": apiKeys }, secretKeys: ["platform:apiKeys"] });
            assert.deepEqual(error.problems, [
                { key: "platform:apiKeys.Stripe", expected: "a name that is a lowercase DNS label (a-z, 0-9, '-'), at most 32 characters", found: '"Stripe"' },
                { key: "platform:apiKeys.github", expected: "at least 1 character", found: "a secret value (not shown)" },
            ]);
            assert.ok(!error.message.includes("sk_live_secret_2"), error.message);
        });

        it("a secret whose value is malformed JSON is not echoed", () => {
            const text = '{"stripe": "sk_live_secret_3",}';
            const error = rejection({ values: { ...BASE, "platform:apiKeys": text }, secretKeys: ["platform:apiKeys"] });
            assert.deepEqual(error.problems, [{ key: "platform:apiKeys", expected: "a map of keys", found: "a secret value (not shown)" }]);
            assert.ok(!error.message.includes("sk_live_secret_3"), error.message);
        });

        it("an invalid tier given as a secret is not echoed", () => {
            const error = rejection({ stack: "prod-eu", values: { ...BASE, "platform:tier": "production-s3cret" }, secretKeys: ["platform:tier"] });
            assert.deepEqual(error.problems, [
                {
                    key: "platform:tier",
                    expected: "one of local, dev, staging, prod (set platform:tier when the stack name is not a tier)",
                    found: "a secret value (not shown)",
                },
            ]);
            assert.ok(!error.message.includes("production-s3cret"), error.message);
        });

        it("a stack name that is not a tier, without platform:tier", () => {
            const error = rejection({ stack: "prod-eu", values: BASE });
            assert.equal(error.stackFile, "Pulumi.prod-eu.yaml");
            assert.deepEqual(error.problems, [
                {
                    key: "platform:tier",
                    expected: "one of local, dev, staging, prod (set platform:tier when the stack name is not a tier)",
                    found: 'nothing, and the stack name "prod-eu" is not a tier',
                },
            ]);
            assert.equal(
                error.message,
                "Pulumi.prod-eu.yaml: invalid stack configuration (1 problem):\n" +
                    '  - platform:tier: expected one of local, dev, staging, prod (set platform:tier when the stack name is not a tier); found nothing, and the stack name "prod-eu" is not a tier',
            );
        });

        it("platform:tier that is not a tier", () => {
            assert.deepEqual(problemsOf({ stack: "prod-eu", values: { ...BASE, "platform:tier": "production" } }), [
                { key: "platform:tier", expected: "one of local, dev, staging, prod (set platform:tier when the stack name is not a tier)", found: '"production"' },
            ]);
        });

        it("platform:region set by the user", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:region": "us-east-1" } }), [
                { key: "platform:region", expected: "no such key (the region comes from aws:region, or gcp:region on gcp)", found: "text of 9 characters" },
            ]);
        });

        it("platform:cloud that names no cloud", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:cloud": "azure" } }), [
                { key: "platform:cloud", expected: "one of aws, gcp", found: '"azure"' },
            ]);
        });

        it("a malformed JSON object value stays a string and is reported as not a map", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:postgres": '{"multiAz": true,}' } }), [
                { key: "platform:postgres", expected: "a map of keys", found: "text of 18 characters" },
            ]);
        });

        it("CloudWatch retention, e-mail and error budget rules", () => {
            const monitoring = JSON.stringify({ alertEmails: ["nope"], logRetentionDays: 10, errorBudgetPercent: 0 });
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:monitoring": monitoring } }), [
                { key: "platform:monitoring.alertEmails[0]", expected: "an e-mail address", found: '"nope"' },
                {
                    key: "platform:monitoring.logRetentionDays",
                    expected: "a CloudWatch retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... days)",
                    found: "10",
                },
                { key: "platform:monitoring.errorBudgetPercent", expected: "a number greater than 0", found: "0" },
            ]);
        });

        it("maxStorageGb below an overridden storageGb", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:postgres": JSON.stringify({ storageGb: 100 }) } }), [
                { key: "platform:postgres.maxStorageGb", expected: "at least storageGb (100)", found: "50" },
            ]);
        });
    });

    describe("every problem at once", () => {
        it("reports plaintext secrets, schema problems, tier rules and unknown keys in one ConfigError", () => {
            const error = rejection({
                stack: "prod",
                values: {
                    ...PROD_BASE,
                    "platform:apiKeys": JSON.stringify({ github: "ghp_plaintext_4" }),
                    "platform:postgres": JSON.stringify({ storageGb: 10, instanceClass: "m5.large", multiAz: false }),
                    "platform:redis": JSON.stringify({ nodes: 0 }),
                    "platform:postgress": "{}",
                },
            });
            assert.deepEqual(error.problems, [
                {
                    key: "platform:apiKeys.github",
                    expected: "a secure value (pulumi config set --secret --path 'apiKeys.github' --stack prod)",
                    found: "plaintext",
                },
                { key: "platform:postgres.instanceClass", expected: "an RDS instance class such as db.r6g.large", found: '"m5.large"' },
                { key: "platform:postgres.storageGb", expected: "a number at least 20", found: "10" },
                { key: "platform:redis.nodes", expected: "a number at least 1", found: "0" },
                { key: "platform:postgress", expected: `one of the known keys (${TOP_LEVEL_KEYS})`, found: "an unknown key" },
                // Cross-field and tier rules still run when the values have the right types.
                { key: "platform:redis.nodes", expected: "at least 2 nodes when multiAz is true", found: "0" },
                { key: "platform:postgres.multiAz", expected: "true in the prod tier", found: "false" },
            ]);
            assert.match(error.message, /^Pulumi\.prod\.yaml: invalid stack configuration \(7 problems\):\n/);
            assert.equal(error.message.split("\n").length, 8);
            assert.ok(!error.message.includes("ghp_plaintext_4"));
        });

        it("reports every prod-tier rule a dev-sized config breaks", () => {
            const values = {
                ...BASE,
                "platform:tier": "prod",
                "platform:network": JSON.stringify({ availabilityZones: 2, natGateways: "single" }),
                "platform:cluster": JSON.stringify({ nodes: { min: 1, desired: 1, max: 2 } }),
                "platform:postgres": JSON.stringify({ multiAz: false, deletionProtection: false, backupRetentionDays: 1 }),
                "platform:redis": JSON.stringify({ multiAz: false }),
                "platform:secretStore": JSON.stringify({ rotationDays: 180, recoveryWindowDays: 0 }),
            };
            assert.deepEqual(problemsOf({ stack: "prod-eu", values }), [
                { key: "platform:network.availabilityZones", expected: "at least 3 in the prod tier", found: "2" },
                { key: "platform:network.natGateways", expected: '"perAz" in the prod tier', found: '"single"' },
                { key: "platform:cluster.nodes.min", expected: "at least 2 in the prod tier", found: "1" },
                { key: "platform:postgres.multiAz", expected: "true in the prod tier", found: "false" },
                { key: "platform:postgres.deletionProtection", expected: "true in the prod tier", found: "false" },
                { key: "platform:postgres.backupRetentionDays", expected: "at least 7 in the prod tier", found: "1" },
                { key: "platform:redis.multiAz", expected: "true in the prod tier", found: "false" },
                { key: "platform:secretStore.rotationDays", expected: "at most 90 in the prod tier", found: "180" },
                { key: "platform:secretStore.recoveryWindowDays", expected: "at least 7 in the prod tier", found: "0" },
                { key: "platform:monitoring.alertEmails", expected: "at least one address in the prod tier", found: "a list of 0 entries" },
            ]);
        });
    });

    describe("valid configurations", () => {
        const fromStackFile = (stack: string, overrides: Readonly<Record<string, string>> = {}): PlatformConfig => {
            const file = readStackConfig(PROJECT_DIR, stack);
            return parse({ stack, values: { ...file.values, ...overrides }, secretKeys: file.secretKeys });
        };

        it("dev gets the dev tier's defaults", () => {
            const config = fromStackFile("dev");
            assert.equal(config.tier, "dev");
            assert.equal(config.region, "eu-west-1");
            assert.equal(config.costCentre, "platform-engineering");
            assert.deepEqual(config.network, { cidr: "10.10.0.0/16", availabilityZones: 2, natGateways: "single" });
            assert.deepEqual(config.cluster.nodes, { min: 1, desired: 2, max: 3 });
            assert.equal(config.cluster.endpointAccess, "public-and-private");
            assert.deepEqual(config.postgres, {
                engineVersion: "16",
                instanceClass: "db.t4g.micro",
                storageGb: 20,
                maxStorageGb: 50,
                multiAz: false,
                deletionProtection: false,
                backupRetentionDays: 1,
                performanceInsights: false,
            });
            assert.deepEqual(config.redis, { engineVersion: "7.1", nodeType: "cache.t4g.micro", nodes: 1, multiAz: false, snapshotRetentionDays: 0 });
            assert.deepEqual(config.services.map((entry) => [entry.name, entry.replicas, entry.resources.limits.memory]), [["api", 1, "256Mi"], ["worker", 1, "256Mi"]]);
            assert.deepEqual(config.services[0].build, { context: "services/api" });
            assert.deepEqual(config.apiKeys, {});
            assert.equal(config.jwtSecret, undefined);
        });

        it("staging gets the staging tier's defaults plus its alert address", () => {
            const config = fromStackFile("staging");
            assert.equal(config.tier, "staging");
            assert.deepEqual(config.network, { cidr: "10.20.0.0/16", availabilityZones: 3, natGateways: "perAz" });
            assert.equal(config.postgres.instanceClass, "db.t4g.medium");
            assert.equal(config.postgres.multiAz, true);
            assert.deepEqual(config.redis, { engineVersion: "7.1", nodeType: "cache.t4g.small", nodes: 2, multiAz: true, snapshotRetentionDays: 3 });
            assert.deepEqual(config.secretStore, { recoveryWindowDays: 7, rotationDays: 90, rotationWindowStart: config.secretStore.rotationWindowStart });
            assert.deepEqual(config.monitoring, {
                alertEmails: ["platform-alerts@example.com"],
                logRetentionDays: 30,
                prometheusRetention: "7d",
                prometheusStorageGb: 50,
                errorBudgetPercent: 0.5,
            });
        });

        it("prod gets the prod tier's defaults, and its stack file's node counts win", () => {
            const config = fromStackFile("prod");
            assert.equal(config.tier, "prod");
            assert.equal(config.postgres.instanceClass, "db.r6g.large");
            assert.equal(config.postgres.backupRetentionDays, 30);
            assert.equal(config.redis.nodeType, "cache.r7g.large");
            assert.equal(config.monitoring.logRetentionDays, 365);
            assert.deepEqual(config.cluster.nodes, { min: 3, desired: 4, max: 12 });
            assert.deepEqual(config.cluster.nodeInstanceTypes, ["m6i.xlarge"]);
            assert.deepEqual(config.monitoring.alertEmails, ["platform-oncall@example.com", "platform-alerts@example.com"]);
        });

        it("an override deep-merges: setting cluster.nodes.max keeps min, desired and the rest of cluster", () => {
            const config = parse({ values: { ...BASE, "platform:cluster": JSON.stringify({ nodes: { max: 20 } }) } });
            assert.deepEqual(config.cluster, {
                kubernetesVersion: "1.35",
                nodeInstanceTypes: ["t3.large"],
                nodes: { min: 1, desired: 2, max: 20 },
                endpointAccess: "public-and-private",
                publicAccessCidrs: ["0.0.0.0/0"],
                logTypes: ["api", "audit"],
                adminRoleArns: [],
            });
        });

        it("an override wins over the tier default, and a list replaces the default list", () => {
            const config = parse({
                stack: "staging",
                values: {
                    ...BASE,
                    "platform:postgres": JSON.stringify({ instanceClass: "db.r6g.xlarge" }),
                    "platform:cluster": JSON.stringify({ logTypes: ["api"] }),
                },
            });
            assert.equal(config.postgres.instanceClass, "db.r6g.xlarge");
            assert.equal(config.postgres.storageGb, 50);
            assert.deepEqual(config.cluster.logTypes, ["api"]);
        });

        it("platform:tier prod on a stack named prod-eu gets the prod defaults", () => {
            const config = parse({ stack: "prod-eu", values: { ...PROD_BASE, "platform:tier": "prod" } });
            assert.equal(config.stack, "prod-eu");
            assert.equal(config.project, PROJECT);
            assert.equal(config.tier, "prod");
            assert.deepEqual(config.network, { cidr: "10.30.0.0/16", availabilityZones: 3, natGateways: "perAz" });
            assert.deepEqual(config.cluster.nodes, { min: 3, desired: 3, max: 9 });
            assert.equal(config.postgres.instanceClass, "db.r6g.large");
            assert.equal(config.secretStore.rotationDays, 30);
        });

        it("apiKeys and jwtSecret given as secrets become secret outputs with their values", async () => {
            const config = parse({
                values: {
                    ...BASE,
                    "platform:apiKeys": JSON.stringify({ stripe: "sk_test_5", "github-app": "ghp_6" }),
                    "platform:jwtSecret": "0123456789abcdef-jwt",
                },
                secretKeys: ["platform:apiKeys", "platform:jwtSecret"],
            });
            assert.deepEqual(Object.keys(config.apiKeys), ["stripe", "github-app"]);
            assert.equal(await pulumi.isSecret(config.apiKeys.stripe), true);
            assert.equal(await pulumi.isSecret(config.apiKeys["github-app"]), true);
            assert.equal(await valueOf(config.apiKeys.stripe), "sk_test_5");
            assert.equal(await valueOf(config.apiKeys["github-app"]), "ghp_6");
            assert.ok(config.jwtSecret, "jwtSecret should be set");
            assert.equal(await pulumi.isSecret(config.jwtSecret), true);
            assert.equal(await valueOf(config.jwtSecret), "0123456789abcdef-jwt");
        });

        describe("rotation window start for a fixed clock", () => {
            const windowStart = (stack: string, now: string): string =>
                parse({ stack, values: stack === "dev" ? BASE : PROD_BASE, now: new Date(now) }).secretStore.rotationWindowStart;

            it("dev (180 days): the second window starts on 2026-06-30", () => {
                assert.equal(windowStart("dev", "2026-08-15T10:00:00Z"), "2026-06-30");
                assert.equal(windowStart("dev", "2026-06-29T23:59:59Z"), "2026-01-01");
                assert.equal(windowStart("dev", "2026-06-30T00:00:00Z"), "2026-06-30");
            });

            it("prod (30 days): windows count from 2026-01-01, also backwards", () => {
                assert.equal(windowStart("prod", "2026-03-05T12:00:00Z"), "2026-03-02");
                assert.equal(windowStart("prod", "2026-01-01T00:00:00Z"), "2026-01-01");
                assert.equal(windowStart("prod", "2025-12-31T12:00:00Z"), "2025-12-02");
            });
        });
    });

    describe("through the real program", () => {
        /** The URNs the mock monitor of the last render registered (it survives the render's disconnect). */
        const registeredUrns = (): string[] => {
            const monitor = pulumi.runtime.getMonitor();
            assert.ok(monitor instanceof MockMonitor, "the last render should have left its mock monitor in place");
            return [...monitor.getRegisteredResources().keys()];
        };

        it("a bad override for prod rejects with a ConfigError naming Pulumi.prod.yaml, before any resource but the stack", async () => {
            await assert.rejects(
                renderStack({ projectDir: PROJECT_DIR, stack: "prod", configOverrides: { "platform:postgres": JSON.stringify({ multiAz: "yes" }) } }),
                (error: unknown) => {
                    // The render reloads the program's modules, so the error is a ConfigError of a fresh copy of config/load.
                    assert.ok(error instanceof Error);
                    assert.equal(error.name, "ConfigError");
                    assert.equal(
                        error.message,
                        'Pulumi.prod.yaml: invalid stack configuration (1 problem):\n  - platform:postgres.multiAz: expected true or false; found "yes"',
                    );
                    const { stackFile, problems } = error as Error & Pick<ConfigError, "stackFile" | "problems">;
                    assert.equal(stackFile, "Pulumi.prod.yaml");
                    assert.deepEqual(problems, [{ key: "platform:postgres.multiAz", expected: "true or false", found: '"yes"' }]);
                    return true;
                },
            );
            assert.deepEqual(registeredUrns(), ["urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod"]);
        });

        it("control: a valid override registers the whole platform, and secret apiKeys reach AWS as secrets", async () => {
            const rendered = await renderStack({
                projectDir: PROJECT_DIR,
                stack: "prod",
                configOverrides: {
                    "platform:postgres": JSON.stringify({ multiAz: true }),
                    "platform:apiKeys": JSON.stringify({ stripe: "sk_live_render_7" }),
                },
                extraSecretKeys: ["platform:apiKeys"],
            });
            const urns = registeredUrns();
            assert.equal(urns.length, rendered.resources.length);
            assert.ok(urns.length > 50, `expected the whole platform, found ${urns.length} resources`);
            assert.ok(urns.some((urn) => urn.endsWith("$aws:rds/instance:Instance::platform-prod-postgres-db")), urns.join("\n"));

            const versions = rendered.resources.filter((resource) => resource.type === "aws:secretsmanager/secretVersion:SecretVersion");
            const stripe = versions.find((resource) => resource.name.endsWith("-api-key-stripe"));
            assert.ok(stripe, `no SecretVersion for api-key-stripe among ${versions.map((resource) => resource.name).join(", ")}`);
            const secretString = stripe.inputs.secretString;
            assert.ok(isSecretEnvelope(secretString), "secretString should be a secret");
            assert.equal(secretString.value, "sk_live_render_7");
        });
    });

    describe("services", () => {
        const withServices = (services: Record<string, unknown>[], extra: Record<string, string> = {}): Record<string, string> => ({
            ...PROD_BASE,
            "platform:services": JSON.stringify(services),
            ...extra,
        });

        it("staging and prod refuse an image without a digest; dev accepts a tag", () => {
            const tagged = service("api", { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api:latest" });
            for (const stack of ["staging", "prod"]) {
                assert.deepEqual(problemsOf({ stack, values: withServices([tagged]) }), [{
                    key: "platform:services[0].image",
                    expected: `a reference pinned by digest (...@sha256:<64 hex>) in the ${stack} tier`,
                    found: "text of 64 characters",
                }]);
            }
            assert.equal(parse({ stack: "dev", values: { ...BASE, "platform:services": JSON.stringify([tagged]) } }).services[0].image, tagged.image);
        });

        it("a missing health path is an error", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": JSON.stringify([service("api", { health: { liveness: "/healthz" } })]) } }), [
                { key: "platform:services[0].health.readiness", expected: "a string", found: "nothing" },
            ]);
        });

        it("prod refuses a destructive migration unless a maintenance window is acknowledged", () => {
            const destructive = service("worker", { migration: { command: ["node", "migrate.js"], contract: "destructive" } });
            assert.deepEqual(problemsOf({ stack: "prod", values: withServices([destructive]) }), [{
                key: "platform:services[0].migration.contract",
                expected: "a contract other than destructive in prod, unless platform:release.maintenanceWindow acknowledges a maintenance window",
                found: '"destructive"',
            }]);
            const acknowledged = parse({ stack: "prod", values: withServices([destructive], { "platform:release": JSON.stringify({ maintenanceWindow: "CHG-1234 Sunday 02:00-04:00 UTC" }) }) });
            assert.equal(acknowledged.services[0].migration?.contract, "destructive");
            assert.equal(acknowledged.release.maintenanceWindow, "CHG-1234 Sunday 02:00-04:00 UTC");
            assert.equal(parse({ stack: "staging", values: withServices([destructive]) }).services[0].migration?.contract, "destructive");
        });

        it("a service needs exactly one of image and build", () => {
            const both = service("api", { build: { context: "services/api" } });
            const neither: Record<string, unknown> = { ...service("api") };
            delete neither.image;
            for (const entry of [both, neither]) {
                assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": JSON.stringify([entry]) } }).map((problem) => [problem.key, problem.expected]), [
                    ["platform:services[0]", "exactly one of image (a prebuilt reference) or build (a source context)"],
                ]);
            }
        });

        it("a service may only ask for API keys the stack declares", () => {
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": JSON.stringify([service("api", { secrets: ["databaseUrl", "apiKeys.stripe"] })]) } }), [
                { key: "platform:services[0].secrets", expected: "an API key that platform:apiKeys declares (none declared)", found: "text of 14 characters" },
            ]);
        });

        it("a secret-looking env variable is refused, secure or not: secrets go through apiKeys and secrets", () => {
            const leaky = [service("api", { env: { LOG_LEVEL: "info", DB_PASSWORD: "hunter2-in-config" } })];
            const expected = [{
                key: "platform:services[0].env.DB_PASSWORD",
                expected: "a plain setting: put the secret in platform:apiKeys (pulumi config set --secret --path 'apiKeys.<name>' --stack dev) and list apiKeys.<name> in this service's secrets",
                found: "a secret-looking variable",
            }];
            assert.deepEqual(problemsOf({ values: { ...BASE, "platform:services": JSON.stringify(leaky) } }), expected);
            const error = rejection({ values: { ...BASE, "platform:services": JSON.stringify(leaky) }, secretKeys: ["platform:services"] });
            assert.deepEqual(error.problems, expected);
            assert.ok(!error.message.includes("hunter2"));
        });

        it("tier defaults fill replicas and resources; a service's own values win", () => {
            const config = parse({ stack: "prod", values: withServices([service("api"), service("worker", { replicas: 5, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } } })]) });
            assert.deepEqual(config.services.map((entry) => [entry.replicas, entry.resources.requests.cpu]), [[3, "500m"], [5, "1"]]);
        });
    });
});
