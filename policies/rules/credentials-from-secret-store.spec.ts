import { strict as assert } from "assert";
import { checkStack, secret, TestResource, UNKNOWN, violationMessages } from "../../test/support/policy-harness";
import { FAKE, leakedFragments } from "../../test/support/fake-secrets";
import { plainInputs, renderedStack } from "../../test/support/stacks";
import { credentialsFromSecretStore, isSecretSourceType, urnResourceType } from "./credentials-from-secret-store";

const P = FAKE.password;
const PROJECT = "platform";
const urn = (qualifiedType: string, name: string): string => `urn:pulumi:prod::${PROJECT}::${qualifiedType}::${name}`;

/** URNs as the engine writes them: the type qualified by its ancestors' types. */
const RANDOM_PASSWORD = urn("platform:index:Platform$platform:secrets:SecretStore$random:index/randomPassword:RandomPassword", "platform-prod-secrets-postgres-password");
const SECRET_VERSION = urn("platform:index:Platform$platform:secrets:SecretStore$aws:secretsmanager/secretVersion:SecretVersion", "platform-prod-secrets-redis-auth-token");
const SSM_PARAMETER = urn("platform:index:Platform$aws:ssm/parameter:Parameter", "db-password");
const KMS_KEY = urn("platform:index:Platform$aws:kms/key:Key", "platform-prod-key");

const rds = (props: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
    type: "aws:rds/instance:Instance",
    name: "postgres-db",
    props: { engine: "postgres", instanceClass: "db.r6g.large", username: "app_admin", ...props },
    propertyDependencies: { kmsKeyId: [KMS_KEY], ...propertyDependencies },
});
const cluster = (props: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
    type: "aws:rds/cluster:Cluster",
    name: "aurora",
    props: { engine: "aurora-postgresql", masterUsername: "app_admin", ...props },
    propertyDependencies,
});
const redis = (props: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis",
    props: { engine: "redis", transitEncryptionEnabled: true, ...props },
    propertyDependencies,
});
const monitoring = (values: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "kube-prometheus-stack",
    props: { chart: "kube-prometheus-stack", version: "82.6.0", values },
    propertyDependencies,
});

/** Violation messages of a stack, after checking that none carries any part of the credential. */
function violations(resources: readonly TestResource[]): string[] {
    const messages = violationMessages(checkStack(credentialsFromSecretStore, resources));
    assert.deepEqual(leakedFragments(messages, [P]), [], "a message leaks part of a credential");
    return messages;
}

describe("policy credentials-from-secret-store", function () {
    it("passes credentials that come from a RandomPassword or Secrets Manager, and absent ones", function () {
        const resources = [
            rds({ password: secret(P) }, { password: [RANDOM_PASSWORD] }),
            cluster({ masterPassword: secret(P) }, { masterPassword: [SECRET_VERSION] }),
            redis({ authToken: secret(P) }, { authToken: [KMS_KEY, RANDOM_PASSWORD] }),
            rds({ manageMasterUserPassword: true }),
            cluster({}),
            redis({ authToken: "" }),
            monitoring({ grafana: { adminPassword: secret(P) } }, { values: [RANDOM_PASSWORD] }),
            monitoring({ prometheus: { prometheusSpec: { retention: "15d" } } }),
            { type: "aws:s3/bucket:Bucket", props: { password: P } },
        ];
        assert.deepEqual(checkStack(credentialsFromSecretStore, resources), []);
    });

    it("flags a credential with no secret-source dependency, naming the resource and the input", function () {
        assert.deepEqual(violations([rds({ password: P })]), ["RDS instance postgres-db: password does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)"]);
        assert.deepEqual(violations([rds({ passwordWo: P, passwordWoVersion: 1 })]), [
            "RDS instance postgres-db: passwordWo does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
        ]);
        assert.deepEqual(violations([cluster({ masterPassword: P })]), ["RDS cluster aurora: masterPassword does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)"]);
        assert.deepEqual(violations([cluster({ masterPasswordWo: P })]), ["RDS cluster aurora: masterPasswordWo does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)"]);
        assert.deepEqual(violations([redis({ authToken: P })]), [
            "ElastiCache replication group redis: authToken does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
        ]);
        assert.deepEqual(violations([redis({ authTokenWo: P })]), [
            "ElastiCache replication group redis: authTokenWo does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
        ]);
    });

    it("flags a credential that depends only on resources that are not secret sources", function () {
        assert.deepEqual(violations([rds({ password: P }, { password: [SSM_PARAMETER, KMS_KEY] })]), [
            "RDS instance postgres-db: password does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
        ]);
    });

    it("flags the documented Helm credential value (Grafana's admin password) when it is a literal", function () {
        assert.deepEqual(violations([monitoring({ grafana: { adminPassword: P } }, { values: [KMS_KEY] })]), [
            "Helm release kube-prometheus-stack: values.grafana.adminPassword does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
        ]);
    });

    it("reports every offending resource with its URN", function () {
        const outcomes = checkStack(credentialsFromSecretStore, [rds({ password: P }), redis({ authToken: P }, { authToken: [RANDOM_PASSWORD] })]);
        assert.deepEqual(
            outcomes.map((outcome) => (outcome.kind === "violation" ? [outcome.kind, outcome.urn] : [outcome.kind])),
            [["violation", "urn:pulumi:prod::platform::aws:rds/instance:Instance::postgres-db"]],
        );
    });

    it("does not need the value of a credential that comes from a secret source, even during preview", function () {
        assert.deepEqual(checkStack(credentialsFromSecretStore, [rds({ password: UNKNOWN }, { password: [RANDOM_PASSWORD] })]), []);
    });

    it("reports the advisory can't-run result when a credential without a secret source is unknown during preview", function () {
        const [outcome, ...rest] = checkStack(credentialsFromSecretStore, [rds({ password: UNKNOWN }, { password: [SSM_PARAMETER] })]);
        assert.equal(rest.length, 0);
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, "can't run policy 'credentials-from-secret-store' from policy pack 'platform-policies@v0.1.0' during preview: string value at .password can't be known during preview");
    });

    it("reads a resource type out of an engine URN", function () {
        assert.equal(urnResourceType(RANDOM_PASSWORD), "random:index/randomPassword:RandomPassword");
        assert.equal(urnResourceType("urn:pulumi:prod::platform::aws:rds/instance:Instance::db"), "aws:rds/instance:Instance");
        assert.equal(urnResourceType("not-a-urn"), undefined);
        assert.deepEqual(
            ["random:index/randomPassword:RandomPassword", "aws:secretsmanager/secretVersion:SecretVersion", "aws:secretsmanager/secret:Secret", "random:index/randomString:RandomString", "aws:ssm/parameter:Parameter", undefined].map(isSecretSourceType),
            [true, true, true, false, false, false],
        );
    });

    describe("on the platform's rendered stacks", function () {
        /** The input of each credential-carrying resource of the platform. */
        const RENDERED_CREDENTIALS: Readonly<Record<string, string>> = {
            "aws:rds/instance:Instance": "password",
            "aws:elasticache/replicationGroup:ReplicationGroup": "authToken",
            "kubernetes:helm.sh/v3:Release": "values",
        };

        for (const stackName of ["dev", "staging", "prod"] as const) {
            it(`finds every credential of ${stackName} generated by a RandomPassword`, async function () {
                const stack = await renderedStack(stackName);
                const resources = stack.resources
                    .filter((resource) => resource.custom)
                    .map((resource) => ({ type: resource.type, name: resource.name, urn: resource.urn, props: plainInputs(resource), propertyDependencies: resource.propertyDependencies }));
                assert.deepEqual(checkStack(credentialsFromSecretStore, resources, { tier: stackName }), []);
                // The credentials are really there, and come from RandomPasswords.
                const sources = resources
                    .filter((resource) => resource.type in RENDERED_CREDENTIALS)
                    .map((resource) => [resource.type, (resource.propertyDependencies[RENDERED_CREDENTIALS[resource.type]] ?? []).map(urnResourceType).sort()])
                    .sort();
                assert.deepEqual(sources, [
                    ["aws:elasticache/replicationGroup:ReplicationGroup", ["random:index/randomPassword:RandomPassword"]],
                    ["aws:rds/instance:Instance", ["random:index/randomPassword:RandomPassword"]],
                    // The chart's values also name the storage class for Prometheus' volume.
                    ["kubernetes:helm.sh/v3:Release", ["kubernetes:storage.k8s.io/v1:StorageClass", "random:index/randomPassword:RandomPassword"]],
                ]);
            });
        }
    });

    it("is a critical stack rule, mandatory in every tier, that cannot be exempted", function () {
        assert.equal(credentialsFromSecretStore.kind, "stack");
        assert.equal(credentialsFromSecretStore.name, "credentials-from-secret-store");
        assert.equal(credentialsFromSecretStore.severity, "critical");
        assert.deepEqual(credentialsFromSecretStore.enforcement, { dev: "mandatory", staging: "mandatory", prod: "mandatory" });
        assert.equal(credentialsFromSecretStore.exemptable, false);
        assert.deepEqual(credentialsFromSecretStore.resourceTypes, [
            "aws:rds/instance:Instance",
            "aws:rds/cluster:Cluster",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:helm.sh/v4:Chart",
        ]);
    });
});
