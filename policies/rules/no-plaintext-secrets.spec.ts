import { strict as assert } from "assert";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { gzipSync } from "zlib";
import { checkResource, secret, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { FAKE, leakedFragments } from "../test-support/fake-secrets";
import { plainInputs, renderedStack } from "../../test/support/stacks";
import { RESOURCE_SECRET_SINKS } from "../lib/secret-sinks";
import { noPlaintextSecrets } from "./no-plaintext-secrets";

const P = FAKE.password;
const base64 = (text: string): string => Buffer.from(text).toString("base64");

/** Violation messages of a resource, after checking that none of them carries any part of `secrets`. */
function violations(resource: TestResource, secrets: readonly string[]): string[] {
    const messages = violationMessages(checkResource(noPlaintextSecrets, resource));
    assert.deepEqual(leakedFragments(messages, secrets), [], "a message leaks part of a secret");
    return messages;
}

const container = (env: readonly Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ name: "api", image: "registry.example.com/api@sha256:" + "0".repeat(64), env, ...extra });
const podSpec = (env: readonly Record<string, unknown>[]) => ({ containers: [container(env)] });
const deployment = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): TestResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "api",
    props: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", ...metadata }, spec: { replicas: 2, template: { metadata: { labels: { app: "api" } }, spec } } },
});

// Keys reach a rule sorted (the analyzer's protobuf Struct orders them), so messages come in key order.
describe("policy no-plaintext-secrets", function () {
    describe("compliant resources", function () {
        it("passes workloads that take secrets from Secrets, and plain configuration", function () {
            const resource = deployment(
                podSpec([
                    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "api-db", key: "password" } } },
                    { name: "LOG_LEVEL", value: "info" },
                    { name: "DATABASE_URL", value: "postgres://db.internal:5432/app" },
                    { name: "PASSWORD_FILE", value: "/run/secrets/db-password" },
                    { name: "API_TOKEN", value: "$(TOKEN_FROM_FILE)" },
                    { name: "JWT_SECRET", value: "" },
                ]),
                { annotations: { "nginx.ingress.kubernetes.io/auth-secret": "basic-auth", "vault.hashicorp.com/agent-inject-token": "true" }, labels: { app: "api" } },
            );
            assert.deepEqual(checkResource(noPlaintextSecrets, resource), []);
        });

        it("passes our platform's own tags (a `secret-name` tag naming the Secrets Manager entry by its path)", function () {
            const tags = { environment: "prod", "secret-name": "platform/prod/postgres-password", source: "generated", "rotation-days": "30" };
            assert.deepEqual(checkResource(noPlaintextSecrets, { type: "aws:secretsmanager/secret:Secret", props: { name: "platform/prod/postgres-password", tags } }), []);
        });

        it("takes a secret's path for its name under a secret-looking tag key, but a bare word for a literal", function () {
            const secretTag = (value: string): TestResource => ({ type: "aws:secretsmanager/secret:Secret", props: { name: "platform/prod/postgres-password", tags: { secret: value } } });
            assert.deepEqual(checkResource(noPlaintextSecrets, secretTag("platform/prod/postgres-password")), []);
            assert.deepEqual(violations(secretTag("postgres-password"), ["postgres-password"]), ["tags.secret holds a plaintext secret"]);
        });

        it("passes our platform's kube-prometheus-stack release: the Grafana admin password is a documented sink", function () {
            const release = {
                type: "kubernetes:helm.sh/v3:Release",
                name: "monitoring",
                props: {
                    chart: "kube-prometheus-stack",
                    values: { grafana: { adminPassword: secret("KcxKXSXLqDGLbSFFkQWombpkpwHFvZ53") }, prometheus: { prometheusSpec: { retention: "15d" } } },
                },
            };
            assert.deepEqual(checkResource(noPlaintextSecrets, release), []);
        });

        it("never inspects legitimate secret sinks", function () {
            const sinks: TestResource[] = [
                { type: "aws:rds/instance:Instance", props: { password: P, passwordWo: P, tags: { team: "data" } } },
                { type: "aws:rds/cluster:Cluster", props: { masterPassword: P, masterPasswordWo: P } },
                { type: "aws:elasticache/replicationGroup:ReplicationGroup", props: { authToken: P, authTokenWo: P } },
                { type: "aws:secretsmanager/secretVersion:SecretVersion", props: { secretString: FAKE.githubClassic, secretBinary: base64(FAKE.pemRsa) } },
                { type: "random:index/randomPassword:RandomPassword", props: { length: 32, result: P, bcryptHash: P } },
                { type: "gcp:secretmanager/secretVersion:SecretVersion", props: { secret: "projects/platform-prod/secrets/stripe-key", secretData: FAKE.stripeSecret } },
                { type: "gcp:secretmanager/regionalSecretVersion:RegionalSecretVersion", props: { secret: "projects/platform-prod/locations/europe-west1/secrets/stripe-key", secretData: FAKE.stripeSecret } },
                { type: "azure:keyvault/secret:Secret", props: { name: "storage-key", value: FAKE.githubClassic, keyVaultId: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv" } },
                { type: "kubernetes:core/v1:Secret", props: { metadata: { name: "api" }, data: { password: base64(P) }, stringData: { token: FAKE.slackBot, "id_rsa": FAKE.pemRsa } } },
                { type: "kubernetes:core/v1:SecretPatch", props: { metadata: { name: "api" }, stringData: { "tls.key": FAKE.pemRsa } } },
                { type: "pulumi:providers:kubernetes", props: { kubeconfig: `users:\n- name: admin\n  user:\n    token: ${FAKE.jwt}\n    client-key-data: ${base64(FAKE.pemRsa)}` } },
            ];
            assert.deepEqual(
                sinks.map((sink) => [sink.type, checkResource(noPlaintextSecrets, sink)]),
                sinks.map((sink) => [sink.type, []]),
            );
            // Each is a sink because its provider says so (or a documented supplement), not because this spec lists it.
            assert.deepEqual(sinks.filter((sink) => !sink.type.startsWith("random:") && RESOURCE_SECRET_SINKS[sink.type] === undefined).map((sink) => sink.type), []);
        });

        it("never inspects the nested sinks: a Key Vault secret's properties.value, a docker build's registry password, an SSM SecureString", function () {
            const sinks: TestResource[] = [
                { type: "azure-native:keyvault:Secret", props: { resourceGroupName: "rg", vaultName: "kv", secretName: "db", properties: { value: FAKE.githubClassic } } },
                { type: "docker:index/image:Image", props: { imageName: "registry.example.com/api:1.0", registry: { server: "registry.example.com", username: "AWS", password: FAKE.jwt } } },
                { type: "aws:ssm/parameter:Parameter", props: { name: "/platform/prod/slack-token", type: "SecureString", value: FAKE.slackBot } },
                { type: "random:index/randomString:RandomString", props: { length: 16, result: FAKE.githubClassic } },
            ];
            assert.deepEqual(sinks.map((sink) => [sink.type, checkResource(noPlaintextSecrets, sink)]), sinks.map((sink) => [sink.type, []]));
        });
    });

    describe("Kubernetes workloads", function () {
        it("flags a secret-looking env name with a literal value, and a well-known format under any name", function () {
            const resource = deployment(podSpec([{ name: "DB_PASSWORD", value: P }, { name: "GREETING", value: FAKE.githubClassic }, { name: "api_key", value: secret(P) }]));
            assert.deepEqual(violations(resource, [P, FAKE.githubClassic]), [
                "spec.template.spec.containers[0].env[DB_PASSWORD] holds a plaintext password",
                "spec.template.spec.containers[0].env[GREETING] holds a GitHub token",
                "spec.template.spec.containers[0].env[api_key] holds a plaintext API key",
            ]);
        });

        it("flags weak literals that look like names, expansions or paths (supersecret, $ecretPass, /hunter2)", function () {
            const values = ["supersecret", "topsecret", "mysecret", "changeme-password", "s3cr3t-token", "$ecretPass", "/hunter2"];
            // A token's name, so that the message's own words ("plaintext token") share no fragment with the values.
            const resource = deployment(podSpec(values.map((value, index) => ({ name: `APP${index}_TOKEN`, value }))));
            assert.deepEqual(
                violations(resource, values),
                values.map((_, index) => `spec.template.spec.containers[0].env[APP${index}_TOKEN] holds a plaintext token`),
            );
        });

        it("inspects init and ephemeral containers, command and args", function () {
            const resource = deployment({
                initContainers: [container([{ name: "MIGRATION_TOKEN", value: P }])],
                containers: [container([], { command: ["/app/server", `--db-password=${P}`], args: ["--token", P, `--url=postgres://app:${P}@db.internal/app`] })],
                ephemeralContainers: [container([{ name: "NPM_TOKEN", value: FAKE.npm }])],
            });
            assert.deepEqual(violations(resource, [P, FAKE.npm]), [
                "spec.template.spec.initContainers[0].env[MIGRATION_TOKEN] holds a plaintext token",
                "spec.template.spec.containers[0].command[1] holds a plaintext password",
                "spec.template.spec.containers[0].args[2] holds a URL with an embedded password",
                // `["--token", P]`: the flag and its value are two arguments.
                "spec.template.spec.containers[0].args[1] holds a plaintext token (the value of --token at [0])",
                "spec.template.spec.ephemeralContainers[0].env[NPM_TOKEN] holds an npm access token",
            ]);
        });

        it("finds the pod spec of every workload kind, Patch forms included", function () {
            const pod = podSpec([{ name: "SECRET_KEY", value: P }]);
            const cases: [string, Record<string, unknown>, string][] = [
                ["kubernetes:core/v1:Pod", { spec: pod }, "spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:apps/v1:Deployment", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:apps/v1:StatefulSet", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:apps/v1:DaemonSet", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:apps/v1:ReplicaSet", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:batch/v1:Job", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec: pod } } } } }, "spec.jobTemplate.spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:core/v1:ReplicationController", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:core/v1:PodTemplate", { template: { spec: pod } }, "template.spec.containers[0].env[SECRET_KEY]"],
                ["kubernetes:apps/v1:DeploymentPatch", { spec: { template: { spec: pod } } }, "spec.template.spec.containers[0].env[SECRET_KEY]"],
            ];
            for (const [type, props, path] of cases) {
                assert.deepEqual(violations({ type, props }, [P]), [`${path} holds a plaintext secret`], type);
            }
        });

        it("flags the pod template's annotations and labels", function () {
            const resource = deployment(podSpec([]));
            const template = (resource.props.spec as { template: { metadata: Record<string, unknown> } }).template;
            template.metadata = { annotations: { "example.com/webhook-secret": P }, labels: { "access-key": FAKE.awsAccessKeyId } };
            assert.deepEqual(violations(resource, [P, FAKE.awsAccessKeyId]), [
                'spec.template.metadata.annotations["example.com/webhook-secret"] holds a plaintext secret',
                "spec.template.metadata.labels.access-key holds an AWS access key ID",
            ]);
        });
    });

    describe("Kubernetes metadata of any object", function () {
        it("flags annotations and labels, a JSON annotation by its keys, and a credential used as a key", function () {
            const resource = {
                type: "kubernetes:core/v1:Service",
                props: {
                    metadata: {
                        name: "api",
                        annotations: {
                            "example.com/api-token": P,
                            "example.com/config": `{\n  "endpoint": "https://api.example.com",\n  "password": "${P}"\n}`,
                            [FAKE.githubClassic]: "true",
                        },
                        labels: { team: "payments", "deploy-key": FAKE.awsAccessKeyId },
                    },
                },
            };
            assert.deepEqual(violations(resource, [P, FAKE.githubClassic, FAKE.awsAccessKeyId]), [
                'metadata.annotations["example.com/api-token"] holds a plaintext token',
                'metadata.annotations["example.com/config"].password holds a plaintext password',
                'metadata.annotations["<redacted key>"] holds a GitHub token as a key',
                "metadata.labels.deploy-key holds an AWS access key ID",
            ]);
        });

        it("inspects a Kubernetes Secret's metadata, though never its data", function () {
            const resource = { type: "kubernetes:core/v1:Secret", props: { metadata: { name: "db", annotations: { "example.com/password": P } }, stringData: { password: P } } };
            assert.deepEqual(violations(resource, [P]), ['metadata.annotations["example.com/password"] holds a plaintext password']);
        });
    });

    describe("ConfigMaps", function () {
        it("flags keys holding secrets, secrets inside files by line, and binaryData after decoding", function () {
            const resource = {
                type: "kubernetes:core/v1:ConfigMap",
                props: {
                    metadata: { name: "api" },
                    data: {
                        LOG_LEVEL: "info",
                        DB_PASSWORD: P,
                        "application.properties": `server.port=8080\nspring.datasource.password=${P}\nslack.webhook=${FAKE.slackWebhook}\n`,
                    },
                    binaryData: { "credentials.env": base64(`REGION=eu-west-1\nSTRIPE_KEY=${FAKE.stripeSecret}\n`), "logo.png": base64("\u0089PNG\r\n\u001a\n\u0000\u0000") },
                },
            };
            assert.deepEqual(violations(resource, [P, FAKE.slackWebhook, FAKE.stripeSecret]), [
                "data.DB_PASSWORD holds a plaintext password",
                'data["application.properties"] line 2 holds a plaintext password',
                'data["application.properties"] line 3 holds a Slack incoming webhook',
                'binaryData["credentials.env"] (base64-decoded) line 2 holds a Stripe live key',
            ]);
        });
    });

    describe("Helm values", function () {
        const release = (chart: string, values: Record<string, unknown>): TestResource => ({ type: "kubernetes:helm.sh/v3:Release", name: "app", props: { chart, values } });

        it("flags secret-looking keys with literals, and {name, value} env lists", function () {
            const resource = release("oci://registry.example.com/charts/app", {
                auth: { username: "app", password: P, existingSecret: "app-db" },
                oauth: { clientSecret: P },
                extraEnv: [{ name: "SESSION_SECRET", value: P }, { name: "LOG_LEVEL", value: "debug" }],
                replicas: 2,
            });
            assert.deepEqual(violations(resource, [P]), [
                "values.auth.password holds a plaintext password",
                "values.extraEnv[SESSION_SECRET] holds a plaintext secret",
                "values.oauth.clientSecret holds a plaintext secret",
            ]);
        });

        it("lets through only the documented sink, and only its chart's, and never a well-known format even there", function () {
            assert.deepEqual(violations(release("prometheus-community/kube-prometheus-stack", { grafana: { adminPassword: P } }), [P]), []);
            assert.deepEqual(violations(release("grafana", { adminPassword: P }), [P]), []);
            assert.deepEqual(violations(release("some-other-chart", { grafana: { adminPassword: P } }), [P]), ["values.grafana.adminPassword holds a plaintext password"]);
            assert.deepEqual(violations(release("kube-prometheus-stack", { grafana: { adminPassword: FAKE.githubClassic, smtp: { password: P } } }), [P, FAKE.githubClassic]), [
                "values.grafana.adminPassword holds a GitHub token",
                "values.grafana.smtp.password holds a plaintext password",
            ]);
        });

        it("walks the values of a Helm v4 Chart too", function () {
            const chart = { type: "kubernetes:helm.sh/v4:Chart", props: { chart: "app", values: { apiKey: P } } };
            assert.deepEqual(violations(chart, [P]), ["values.apiKey holds a plaintext API key"]);
        });
    });

    describe("AWS", function () {
        it("flags tags of any resource, as a map or as a list, and the provider's default tags", function () {
            assert.deepEqual(violations({ type: "aws:s3/bucket:Bucket", props: { tags: { team: "data", "ci-token": P, owner: FAKE.googleApiKey } } }, [P, FAKE.googleApiKey]), [
                "tags.ci-token holds a plaintext token",
                "tags.owner holds a Google API key",
            ]);
            assert.deepEqual(violations({ type: "aws:autoscaling/group:Group", props: { tags: [{ key: "Name", value: "nodes", propagateAtLaunch: true }, { key: "join-token", value: P, propagateAtLaunch: true }] } }, [P]), [
                "tags[join-token] holds a plaintext token",
            ]);
            // The engine hands a provider's object-valued configuration over JSON-encoded; both forms are read.
            for (const defaultTags of [{ tags: { "deploy-password": P } }, JSON.stringify({ tags: { "deploy-password": P } })]) {
                assert.deepEqual(violations({ type: "pulumi:providers:aws", props: { region: "eu-west-1", defaultTags } }, [P]), ["defaultTags.tags.deploy-password holds a plaintext password"]);
            }
        });

        it("flags EC2 user data, plain, base64 and gzip+base64, by line", function () {
            const script = `#!/bin/bash\nexport DB_PASSWORD=${P}\naws s3 cp s3://bucket/app /opt/app\n`;
            assert.deepEqual(violations({ type: "aws:ec2/instance:Instance", props: { userData: script } }, [P]), ["userData line 2 holds a plaintext password"]);
            assert.deepEqual(violations({ type: "aws:ec2/instance:Instance", props: { userDataBase64: base64(script) } }, [P]), ["userDataBase64 (base64-decoded) line 2 holds a plaintext password"]);
            assert.deepEqual(violations({ type: "aws:ec2/launchTemplate:LaunchTemplate", props: { userData: gzipSync(`#cloud-config\nruncmd:\n  - echo ${FAKE.awsAccessKeyId}\n`).toString("base64") } }, [FAKE.awsAccessKeyId]), [
                // A cloud-config is a YAML document: read as one.
                "userData.runcmd[0] (base64-decoded) holds an AWS access key ID",
            ]);
        });

        it("flags launch template tag specifications", function () {
            const resource = { type: "aws:ec2/launchTemplate:LaunchTemplate", props: { tagSpecifications: [{ resourceType: "instance", tags: { "api-key": P } }] } };
            assert.deepEqual(violations(resource, [P]), ["tagSpecifications[0].tags.api-key holds a plaintext API key"]);
        });

        it("flags Lambda environment variables", function () {
            const resource = { type: "aws:lambda/function:Function", props: { environment: { variables: { STAGE: "prod", STRIPE_SECRET_KEY: P, SLACK: FAKE.slackBot } } } };
            assert.deepEqual(violations(resource, [P, FAKE.slackBot]), ["environment.variables.SLACK holds a Slack token", "environment.variables.STRIPE_SECRET_KEY holds a plaintext secret"]);
        });

        it("flags ECS container definitions (a JSON string): environment pairs, and formats anywhere", function () {
            const definitions = JSON.stringify([
                {
                    name: "api",
                    image: "registry.example.com/api@sha256:" + "0".repeat(64),
                    environment: [{ name: "DB_PASSWORD", value: P }, { name: "PORT", value: "8080" }],
                    secrets: [{ name: "JWT_SECRET", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/prod/jwt-secret-AbCdEf" }],
                    command: ["sh", "-c", `curl -H 'Authorization: Bearer ${FAKE.jwt}' https://api.example.com`],
                },
            ]);
            assert.deepEqual(violations({ type: "aws:ecs/taskDefinition:TaskDefinition", props: { family: "api", containerDefinitions: definitions } }, [P, FAKE.jwt]), [
                "containerDefinitions[0].environment[DB_PASSWORD] holds a plaintext password",
                "containerDefinitions[0].command[2] holds a JSON Web Token",
            ]);
            assert.deepEqual(violations({ type: "aws:ecs/taskDefinition:TaskDefinition", props: { containerDefinitions: `[{"environment": [{"name": "API_TOKEN", "value": "${P}"}` } }, [P]), [
                "containerDefinitions holds a plaintext token",
            ]);
        });
    });

    describe("every other package", function () {
        it("reads GCP labels and Cloud Run env (v1 and v2 services, v2 jobs) by name and args by line; a secret reference passes", function () {
            assert.deepEqual(violations({ type: "gcp:storage/bucket:Bucket", props: { name: "platform-prod-assets", location: "EU", labels: { team: "web", "deploy-token": P } } }, [P]), ["labels.deploy-token holds a plaintext token"]);
            const v2 = {
                type: "gcp:cloudrunv2/service:Service",
                props: {
                    location: "europe-west1",
                    template: {
                        containers: [{
                            image: "europe-docker.pkg.dev/platform/api/api@sha256:" + "0".repeat(64),
                            envs: [
                                { name: "LOG_LEVEL", value: "info" },
                                { name: "DB_PASSWORD", value: P },
                                { name: "STRIPE_KEY", valueSource: { secretKeyRef: { secret: "stripe-key", version: "latest" } } },
                            ],
                        }],
                    },
                },
            };
            assert.deepEqual(violations(v2, [P]), ["template.containers[0].envs[DB_PASSWORD] holds a plaintext password"]);
            const v1 = { type: "gcp:cloudrun/service:Service", props: { location: "europe-west1", template: { spec: { containers: [{ image: "gcr.io/platform/api:1", envs: [{ name: "GREETING", value: FAKE.googleApiKey }] }] } } } };
            assert.deepEqual(violations(v1, [FAKE.googleApiKey]), ["template.spec.containers[0].envs[GREETING] holds a Google API key"]);
            const job = {
                type: "gcp:cloudrunv2/job:Job",
                props: { location: "europe-west1", template: { template: { containers: [{ image: "gcr.io/platform/migrate:1", envs: [{ name: "MODE", value: "apply" }, { name: "API_TOKEN", value: P }], args: [`--token=${P}`] }] } } },
            };
            assert.deepEqual(violations(job, [P]), ["template.template.containers[0].args[0] holds a plaintext token", "template.template.containers[0].envs[API_TOKEN] holds a plaintext token"]);
            const cleanJob = { type: "gcp:cloudrunv2/job:Job", props: { location: "europe-west1", template: { template: { containers: [{ image: "gcr.io/platform/migrate:1", envs: [{ name: "API_TOKEN", valueSource: { secretKeyRef: { secret: "api-token", version: "3" } } }] }] } } } };
            assert.deepEqual(violations(cleanJob, []), []);
        });

        it("reads docker container envs (`NAME=value` strings) and command lines", function () {
            const container = {
                type: "docker:index/container:Container",
                props: {
                    image: "registry.example.com/api@sha256:" + "0".repeat(64),
                    name: "api",
                    envs: ["LOG_LEVEL=info", `DB_PASSWORD=${P}`, "PASSWORD_FILE=/run/secrets/db-password", `SLACK=${FAKE.slackWebhook}`],
                    command: ["/app/server", `--api-key=${P}`],
                },
            };
            assert.deepEqual(violations(container, [P, FAKE.slackWebhook]), [
                "command[1] holds a plaintext API key",
                "envs[1] holds a plaintext password",
                "envs[3] holds a Slack incoming webhook",
            ]);
        });

        it("reads Azure tags, app settings and any input for formats (a storage key in a connection string)", function () {
            const connection = `DefaultEndpointsProtocol=https;AccountName=platformprod;AccountKey=${FAKE.azureStorageKey};EndpointSuffix=core.windows.net`;
            const app = {
                type: "azure-native:web:WebApp",
                props: {
                    resourceGroupName: "platform-prod",
                    tags: { environment: "prod", "ops-password": P },
                    siteConfig: { appSettings: [{ name: "AzureWebJobsStorage", value: connection }, { name: "WEBSITE_RUN_FROM_PACKAGE", value: "1" }] },
                },
            };
            assert.deepEqual(violations(app, [P, FAKE.azureStorageKey]), [
                "siteConfig.appSettings[AzureWebJobsStorage] holds an Azure account or shared access key",
                "tags.ops-password holds a plaintext password",
            ]);
            const legacy = { type: "azure:appservice/linuxWebApp:LinuxWebApp", props: { appSettings: { STORAGE_ACCOUNT_KEY: P, WEBSITES_PORT: "8080" } } };
            assert.deepEqual(violations(legacy, [P]), ["appSettings.STORAGE_ACCOUNT_KEY holds a plaintext secret"]);
        });

        it("reads an SSM String parameter, GCE metadata scripts and a custom resource's spec for formats", function () {
            assert.deepEqual(violations({ type: "aws:ssm/parameter:Parameter", props: { name: "/platform/prod/github", type: "String", value: FAKE.githubClassic } }, [FAKE.githubClassic]), ["value holds a GitHub token"]);
            const instance = { type: "gcp:compute/instance:Instance", props: { machineType: "e2-small", metadataStartupScript: `#!/bin/sh\nexport API_TOKEN=${P}\n` } };
            assert.deepEqual(violations(instance, [P]), ["metadataStartupScript line 2 holds a plaintext token"]);
            const custom = { type: "kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", props: { spec: { provider: { webhook: { url: `https://svc:${P}@hooks.example.com/x` } } } } };
            assert.deepEqual(violations(custom, [P]), ["spec.provider.webhook.url holds a URL with an embedded password"]);
        });

        it("skips inputs unknown during preview instead of giving up on the resource (they come from other resources)", function () {
            const bucket = { type: "gcp:storage/bucket:Bucket", props: { name: UNKNOWN, location: "EU", labels: { team: "web", "deploy-token": P }, encryption: { defaultKmsKeyName: UNKNOWN } } };
            assert.deepEqual(checkResource(noPlaintextSecrets, bucket), [{ kind: "violation", message: "labels.deploy-token holds a plaintext token" }]);
            assert.deepEqual(checkResource(noPlaintextSecrets, { type: "aws:ssm/parameter:Parameter", props: { name: "/platform/prod/token", type: UNKNOWN, value: FAKE.githubClassic } }), []);
            const subnet = { type: "aws:ec2/subnet:Subnet", props: { vpcId: UNKNOWN, cidrBlock: "10.0.1.0/24", tags: { Name: "private-a" } } };
            assert.deepEqual(checkResource(noPlaintextSecrets, subnet), []);
        });

        it("stops at a bounded depth on adversarially nested inputs", function () {
            let nested: Record<string, unknown> = { token: FAKE.githubClassic };
            for (let level = 0; level < 90; level++) nested = { inner: nested };
            // The token below the depth limit is not reached: the walk stopped there instead of recursing on.
            assert.deepEqual(checkResource(noPlaintextSecrets, { type: "gcp:compute/instance:Instance", props: { nested } }), []);
        });

        it("leaves clean look-alikes alone: a password hash where a chart expects one, settings about secrets, non-exposed names", function () {
            const argo = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "argo-cd", values: { configs: { secret: { argocdServerAdminPassword: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy" } } } } };
            assert.deepEqual(checkResource(noPlaintextSecrets, argo), []);
            const htpasswd = { type: "docker:index/container:Container", props: { image: "registry:2", envs: ["REGISTRY_AUTH=htpasswd", "ADMIN_PASSWORD=$2y$05$HJEvL8yMtW5wQ0rjTn5K1uS0O8o5Jz1wB0hQm4b2o1tX7Zy1yQF7e"] } };
            assert.deepEqual(checkResource(noPlaintextSecrets, htpasswd), []);
            // An Azure VM's admin password is a credential input: its provenance is credentials-from-secret-store's to judge.
            const vm = { type: "azure:compute/linuxVirtualMachine:LinuxVirtualMachine", props: { adminUsername: "azureuser", adminPassword: P, disablePasswordAuthentication: false, tags: { "secret-name": "platform/prod/vm-admin" } } };
            assert.deepEqual(checkResource(noPlaintextSecrets, vm), []);
        });
    });

    describe("preview and exemptions", function () {
        it("reports the advisory can't-run result for an unknown value during preview", function () {
            const [outcome, ...rest] = checkResource(noPlaintextSecrets, deployment(podSpec([{ name: "DB_PASSWORD", value: UNKNOWN }])));
            assert.equal(rest.length, 0);
            assert.equal(outcome.kind, "unknown");
            assert.equal(
                outcome.message,
                `can't run policy 'no-plaintext-secrets' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .spec.template.spec.containers.0.env.0.value can't be known during preview`,
            );
        });

        it("cannot be exempted", function () {
            const resource = { type: "aws:s3/bucket:Bucket", props: { tags: { "ci-token": P, "policy.platform/exempt-no-plaintext-secrets": "2027-03-31 legacy bucket, token rotated next sprint" } } };
            assert.deepEqual(violations(resource, [P]), ["tags.ci-token holds a plaintext token (this rule cannot be exempted)"]);
        });
    });

    describe("on the platform's rendered stacks", function () {
        for (const stackName of ["dev", "staging", "prod"] as const) {
            it(`finds no plaintext secret in ${stackName} (the Grafana admin password included)`, async function () {
                const stack = await renderedStack(stackName);
                const resources = stack.resources.filter((resource) => resource.custom);
                const outcomes = resources.flatMap((resource) => checkResource(noPlaintextSecrets, { type: resource.type, name: resource.name, urn: resource.urn, props: plainInputs(resource) }, { tier: stackName }));
                assert.deepEqual(outcomes, []);
                // The monitoring release passes Grafana's generated admin password: in its values (the documented sink) or by an existing Secret.
                const release = resources.find((resource) => resource.type === "kubernetes:helm.sh/v3:Release" && plainInputs(resource).chart === "kube-prometheus-stack");
                const grafana = release && (plainInputs(release).values as { grafana?: { adminPassword?: unknown; admin?: { existingSecret?: unknown } } }).grafana;
                assert.equal(typeof (grafana?.adminPassword ?? grafana?.admin?.existingSecret), "string");
            });
        }
    });

    it("is critical, mandatory in every tier, covers every resource type and cannot be exempted", function () {
        assert.equal(noPlaintextSecrets.kind, "resource");
        assert.equal(noPlaintextSecrets.name, "no-plaintext-secrets");
        assert.deepEqual(verdictsOn(noPlaintextSecrets, [deployment(podSpec([{ name: "DB_PASSWORD", value: P }]))]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: false });
        assert.deepEqual(noPlaintextSecrets.resourceTypes, ["*"]);
    });

    describe("declared development defaults of a local stack", function () {
        const LABEL = "platform.io/development-defaults";
        const container = (envs: string[], declared?: string, type = "docker:index/container:Container"): TestResource => ({
            type,
            name: "platform-local-postgres",
            props: { image: "sha256:" + "a".repeat(64), envs, labels: declared === undefined ? [] : [{ label: LABEL, value: declared }] },
        });
        const local = (resource: TestResource): string[] => violationMessages(checkResource(noPlaintextSecrets, resource, { tier: "local", stack: "local" }));

        it("passes a Docker container's declared variables whose values carry the marker, in the local tier", function () {
            assert.deepEqual(local(container(["POSTGRES_USER=app", "POSTGRES_PASSWORD=local-development-only-password"], "POSTGRES_PASSWORD")), []);
            assert.deepEqual(local(container(["DATABASE_URL=postgresql://app:local-development-only-password@postgres:5432/app", "JWT_SECRET=local-development-only-jwt"], "DATABASE_URL, JWT_SECRET")), []);
        });

        it("flags the same variables in any other tier, undeclared, without the marker, or outside a Docker container", function () {
            const declared = container(["POSTGRES_PASSWORD=local-development-only-password"], "POSTGRES_PASSWORD");
            assert.equal(violationMessages(checkResource(noPlaintextSecrets, declared, { tier: "dev" })).length, 1, "dev");
            assert.equal(violationMessages(checkResource(noPlaintextSecrets, declared, { tier: "prod" })).length, 1, "prod");
            assert.equal(local(container(["POSTGRES_PASSWORD=local-development-only-password"])).length, 1, "no label");
            assert.equal(local(container(["POSTGRES_PASSWORD=local-development-only-password"], "MINIO_ROOT_PASSWORD")).length, 1, "another variable declared");
            assert.equal(local(container(["POSTGRES_PASSWORD=hunter2-but-longer"], "POSTGRES_PASSWORD")).length, 1, "no marker in the value");
            // A real credential format is flagged even beside a declared default.
            assert.equal(local(container(["POSTGRES_PASSWORD=local-development-only-password", `GITHUB_TOKEN=${FAKE.githubClassic}`], "POSTGRES_PASSWORD")).length, 1, "undeclared token");
        });
    });
});
