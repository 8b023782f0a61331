import { strict as assert } from "assert";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { checkStack, secret, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { FAKE, leakedFragments } from "../test-support/fake-secrets";
import { plainInputs, PROJECT_DIR, renderedStack } from "../../test/support/stacks";
import { renderStack } from "../../engine/render";
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

    describe("credentials of every provider", function () {
        const vm = (osProfile: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
            type: "azure-native:compute:VirtualMachine",
            name: "jumpbox",
            props: { resourceGroupName: "platform-prod", location: "westeurope", hardwareProfile: { vmSize: "Standard_B2s" }, osProfile: { computerName: "jumpbox", adminUsername: "azureuser", ...osProfile }, tags: { environment: "prod" } },
            propertyDependencies,
        });

        it("flags an Azure VM admin password, a storage access key and a Cloud SQL password written as literals", function () {
            assert.deepEqual(violations([vm({ adminPassword: P })]), [
                "azure-native:compute:VirtualMachine jumpbox: osProfile.adminPassword is a plaintext password written in code or plain config (no dependency on a RandomPassword or a secret store)",
            ]);
            const linux = { type: "azure:compute/linuxVirtualMachine:LinuxVirtualMachine", name: "vm", props: { adminUsername: "azureuser", adminPassword: P, disablePasswordAuthentication: false, size: "Standard_B2s" } };
            const functions = { type: "azure:appservice/functionApp:FunctionApp", name: "jobs", props: { storageAccountName: "platformprod", storageAccountAccessKey: P, appServicePlanId: "/subscriptions/0000/plan" } };
            const sqlUser = { type: "gcp:sql/user:User", name: "app", props: { instance: "platform-prod", name: "app", password: P } };
            assert.deepEqual(violations([linux, functions, sqlUser]), [
                "azure:compute/linuxVirtualMachine:LinuxVirtualMachine vm: adminPassword is a plaintext password written in code or plain config (no dependency on a RandomPassword or a secret store)",
                "azure:appservice/functionApp:FunctionApp jobs: storageAccountAccessKey is a plaintext secret written in code or plain config (no dependency on a RandomPassword or a secret store)",
                // The provider marks a Cloud SQL user's password secret: it must come from a secret store.
                "gcp:sql/user:User app: password does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
            ]);
        });

        it("passes the same credentials from a RandomPassword or Key Vault, placeholders, hashes, and values unknown during preview", function () {
            const keyVaultSecret = urn("azure-native:keyvault:Secret", "vm-admin");
            assert.deepEqual(violations([vm({ adminPassword: secret(P) }, { osProfile: [RANDOM_PASSWORD] }), vm({ adminPassword: P }, { osProfile: [keyVaultSecret] })]), []);
            assert.deepEqual(violations([vm({ adminPassword: "${ADMIN_PASSWORD}" }), vm({ adminPassword: "$2y$05$HJEvL8yMtW5wQ0rjTn5K1uS0O8o5Jz1wB0hQm4b2o1tX7Zy1yQF7e" }), vm({ adminPassword: UNKNOWN })]), []);
            // Tags, env vars and secret stores' own values are no-plaintext-secrets' or legitimately hold config secrets.
            const others: TestResource[] = [
                { type: "gcp:storage/bucket:Bucket", props: { labels: { "deploy-token": P } } },
                { type: "gcp:secretmanager/secretVersion:SecretVersion", props: { secret: "projects/p/secrets/s", secretData: P } },
                { type: "gcp:secretmanager/regionalSecretVersion:RegionalSecretVersion", props: { secret: "projects/p/locations/europe-west1/secrets/s", secretData: P } },
                // The version names its secret; a secret named like a credential is still a name.
                { type: "gcp:secretmanager/secretVersion:SecretVersion", props: { secret: "platform-prod-postgres-password", secretData: P } },
                { type: "aws:secretsmanager/secretVersion:SecretVersion", props: { secretId: "platform/prod/api-token", secretString: P } },
                { type: "aws:ssm/parameter:Parameter", props: { name: "/platform/prod/db-password", type: "SecureString", value: P } },
                { type: "docker:index/image:Image", props: { imageName: "registry.example.com/api:1", registry: { server: "registry.example.com", username: "AWS", password: P } } },
                { type: "pulumi:providers:azure-native", props: { clientSecret: P } },
            ];
            assert.deepEqual(violations(others), []);
        });
    });

    describe("Kubernetes Secrets", function () {
        const k8sSecret = (props: Record<string, unknown>, propertyDependencies: Record<string, readonly string[]> = {}): TestResource => ({
            type: "kubernetes:core/v1:Secret",
            name: "db-credentials",
            props: { apiVersion: "v1", kind: "Secret", metadata: { name: "db-credentials", namespace: "apps" }, type: "Opaque", ...props },
            propertyDependencies,
        });
        const base64 = (text: string): string => Buffer.from(text).toString("base64");

        it("flags a Secret written in code: secret-looking keys, base64 data, formats and a docker config with a password", function () {
            const dockerConfig = JSON.stringify({ auths: { "registry.example.com": { username: "ci", password: P } } });
            assert.deepEqual(violations([k8sSecret({ stringData: { username: "app", host: "db.internal", password: P }, data: { "api-token": base64(P), ".dockerconfigjson": base64(dockerConfig) } })]), [
                'Kubernetes Secret db-credentials: data[".dockerconfigjson"] holds a plaintext password written in code or plain config (its data depends on no RandomPassword or secret store)',
                "Kubernetes Secret db-credentials: data.api-token holds a plaintext token written in code or plain config (its data depends on no RandomPassword or secret store)",
                "Kubernetes Secret db-credentials: stringData.password holds a plaintext password written in code or plain config (its stringData depends on no RandomPassword or secret store)",
            ]);
            const tls = k8sSecret({ type: "kubernetes.io/tls", stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "tls.key": FAKE.pemRsa } });
            assert.deepEqual(violations([tls]), ['Kubernetes Secret db-credentials: stringData["tls.key"] line 1 holds a private key written in code or plain config (its stringData depends on no RandomPassword or secret store)']);
        });

        it("passes the platform's Secrets (built from RandomPasswords and the store) and Secrets without a literal secret", function () {
            const url = `postgresql://app_admin:${P}@db.internal:5432/app`;
            assert.deepEqual(violations([k8sSecret({ stringData: { DATABASE_URL: url, JWT_SECRET: P } }, { stringData: [RANDOM_PASSWORD, SECRET_VERSION] })]), []);
            // An ECR login read at deployment time: no password field, nothing secret-looking by name.
            const ecr = JSON.stringify({ auths: { "123456789012.dkr.ecr.eu-west-1.amazonaws.com": { auth: base64("AWS:eyJwYXlsb2FkIjoi") } } });
            assert.deepEqual(violations([k8sSecret({ type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": base64(ecr) } })]), []);
            assert.deepEqual(violations([k8sSecret({ stringData: { username: "app", password: "", token: "${TOKEN}" } }), k8sSecret({ stringData: UNKNOWN })]), []);
        });
    });

    it("does not need the value of a credential that comes from a secret source, even during preview", function () {
        assert.deepEqual(checkStack(credentialsFromSecretStore, [rds({ password: UNKNOWN }, { password: [RANDOM_PASSWORD] })]), []);
    });

    it("reports the advisory can't-run result when a credential without a secret source is unknown during preview", function () {
        const [outcome, ...rest] = checkStack(credentialsFromSecretStore, [rds({ password: UNKNOWN }, { password: [SSM_PARAMETER] })]);
        assert.equal(rest.length, 0);
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, `can't run policy 'credentials-from-secret-store' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .password can't be known during preview`);
    });

    it("reads a resource type out of an engine URN", function () {
        assert.equal(urnResourceType(RANDOM_PASSWORD), "random:index/randomPassword:RandomPassword");
        assert.equal(urnResourceType("urn:pulumi:prod::platform::aws:rds/instance:Instance::db"), "aws:rds/instance:Instance");
        assert.equal(urnResourceType("not-a-urn"), undefined);
        assert.deepEqual(
            ["random:index/randomPassword:RandomPassword", "aws:secretsmanager/secretVersion:SecretVersion", "aws:secretsmanager/secret:Secret", "random:index/randomString:RandomString", "aws:ssm/parameter:Parameter", undefined].map(isSecretSourceType),
            [true, true, true, false, false, false],
        );
        assert.deepEqual(
            ["gcp:secretmanager/secretVersion:SecretVersion", "azure-native:keyvault:Secret", "azure:keyvault/secret:Secret", "tls:index/privateKey:PrivateKey", "gcp:kms/cryptoKey:CryptoKey"].map(isSecretSourceType),
            [true, true, true, true, false],
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
                const fromRandomPassword = (resource: (typeof resources)[number]): boolean =>
                    (resource.propertyDependencies[RENDERED_CREDENTIALS[resource.type]] ?? []).map(urnResourceType).includes("random:index/randomPassword:RandomPassword");
                const sources = resources
                    .filter((resource) => resource.type in RENDERED_CREDENTIALS && resource.type !== "kubernetes:helm.sh/v3:Release")
                    .map((resource) => [resource.type, fromRandomPassword(resource)])
                    .sort();
                assert.deepEqual(sources, [
                    ["aws:elasticache/replicationGroup:ReplicationGroup", true],
                    ["aws:rds/instance:Instance", true],
                ]);
                // A chart whose values carry Grafana's admin password (the documented sink) has them from a RandomPassword.
                const grafanaInValues = resources.filter((resource) => resource.type === "kubernetes:helm.sh/v3:Release" && typeof (resource.props.values as { grafana?: { adminPassword?: unknown } } | undefined)?.grafana?.adminPassword === "string");
                assert.deepEqual(grafanaInValues.filter((resource) => !fromRandomPassword(resource)).map((resource) => resource.name), []);
            });
        }
    });

    it("passes a service whose Secret holds only a provided API key (secure config, kept in Secrets Manager)", async function () {
        const services = JSON.stringify([
            { name: "billing", image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/billing@sha256:${"c".repeat(64)}`, port: 8080, secrets: ["apiKeys.stripe"], health: { liveness: "/healthz", readiness: "/readyz" } },
        ]);
        const stack = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "prod",
            configOverrides: {
                "platform:services": services,
                // The stack's release records name its own services; this one has only billing.
                "platform:migrationHeads": JSON.stringify({}),
                "platform:messaging": JSON.stringify({ topics: {} }),
                "platform:apiKeys": JSON.stringify({ stripe: "provided-by-secure-config-0000" }),
            },
            extraSecretKeys: ["platform:apiKeys"],
        });
        const resources = stack.resources
            .filter((resource) => resource.custom)
            .map((resource) => ({ type: resource.type, name: resource.name, urn: resource.urn, props: plainInputs(resource), propertyDependencies: resource.propertyDependencies }));
        const secretObject = resources.find((resource) => resource.type === "kubernetes:core/v1:Secret");
        assert.deepEqual(Object.keys((secretObject?.props.stringData ?? {}) as Record<string, unknown>), ["STRIPE_API_KEY"]);
        assert.deepEqual((secretObject?.propertyDependencies.stringData ?? []).map(urnResourceType), ["aws:secretsmanager/secretVersion:SecretVersion"]);
        assert.deepEqual(checkStack(credentialsFromSecretStore, resources), []);
    });

    it("is a critical stack rule, mandatory in every tier, that cannot be exempted", function () {
        assert.equal(credentialsFromSecretStore.kind, "stack");
        assert.equal(credentialsFromSecretStore.name, "credentials-from-secret-store");
        assert.deepEqual(verdictsOn(credentialsFromSecretStore, [rds({ password: P })]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: false });
        assert.deepEqual(credentialsFromSecretStore.resourceTypes, ["*"]);
    });
});
