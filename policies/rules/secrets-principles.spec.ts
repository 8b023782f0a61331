import { strict as assert } from "assert";
import { gzipSync } from "zlib";
import { checkResource, checkStack, secret, TestResource, UNKNOWN, violationMessages } from "../test-support/policy-harness";
import { fake, FAKE, leakedFragments } from "../test-support/fake-secrets";
import { randomSdkType, SDK_SEED, SdkType } from "../test-support/sdk-types";
import { EXPOSED_INPUT_KEYS, RESOURCE_SECRET_SINKS, SECRET_INPUTS_READ_AS_TEXT, SECRET_STORE_VALUES } from "../lib/secret-sinks";
import { isSecretSourceType, credentialsFromSecretStore } from "./credentials-from-secret-store";
import { isScriptKey, noPlaintextSecrets } from "./no-plaintext-secrets";

/**
 * The secret rules judge by principle, not by a list of types: each principle is shown on a resource type
 * picked at random from an installed provider SDK (or a custom resource), which no rule names. The pick is
 * in every assertion's message; PLATFORM_SDK_SEED=<seed> replays it.
 */

const P = FAKE.password;
const base64 = (text: string): string => Buffer.from(text).toString("base64");
const GITLAB = fake("glpat-", 20);
const VAULT = fake("hvs.", 95);
const KMS_KEY = "projects/acme-prod/locations/europe-west1/keyRings/platform/cryptoKeys/run";
const RANDOM_PASSWORD = "urn:pulumi:prod::platform::random:index/randomPassword:RandomPassword::generated";

function plaintext(resource: TestResource, secrets: readonly string[] = [P]): string[] {
    const messages = violationMessages(checkResource(noPlaintextSecrets, resource));
    assert.deepEqual(leakedFragments(messages, secrets), [], "a message leaks part of a secret");
    return messages;
}

function provenance(resources: readonly TestResource[], secrets: readonly string[] = [P]): string[] {
    const messages = violationMessages(checkStack(credentialsFromSecretStore, resources));
    assert.deepEqual(leakedFragments(messages, secrets), [], "a message leaks part of a secret");
    return messages;
}

/** A real input of the type that no reader takes by its name (not a tag map, not a script), for the generic walk. */
function plainInput(sdkType: SdkType): string {
    return sdkType.inputs.find((input) => !EXPOSED_INPUT_KEYS.has(input) && !isScriptKey(input) && !/tags|labels/i.test(input)) ?? "description";
}

const pickedTypes: string[] = [];
function pickType(provider: string, accept?: (type: SdkType) => boolean): SdkType {
    const sdkType = randomSdkType(provider, accept);
    pickedTypes.push(sdkType.type);
    return sdkType;
}

describe("secrets, judged by principle on types no rule lists", function () {
    after(function () {
        console.log(`      resource types picked at random (PLATFORM_SDK_SEED=${SDK_SEED}): ${pickedTypes.join(", ")}`);
    });

    describe("every string of every resource against the catalogue of credential formats", function () {
        it("finds catalogue formats the pack never listed by hand in a type picked at random, nested, and in a custom resource", function () {
            const sdkType = pickType("aws");
            const input = plainInput(sdkType);
            const label = `${sdkType.type}.${input} (seed ${SDK_SEED})`;
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: `token ${GITLAB}` } }, [GITLAB]), [`${input} holds a GitLab personal access token`], label);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: { nested: [{ value: VAULT }] } } }, [VAULT]), [`${input}.nested[0].value holds a HashiCorp Vault service token`], label);
            const rollout = { type: "kubernetes:argoproj.io/v1alpha1:Rollout", props: { spec: { strategy: { canary: { analysis: { args: [{ name: "token", value: fake("dckr_pat_", 27) }] } } } } } };
            assert.deepEqual(plaintext(rollout, [fake("dckr_pat_", 27)]), ["spec.strategy.canary.analysis.args[token] holds a Docker personal access token"]);
        });

        it("finds a credential encoded in base64 (a kubeconfig's client-key-data, an encoded file) in a type picked at random", function () {
            const sdkType = pickType("gcp");
            const input = plainInput(sdkType);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: base64(FAKE.pemRsa) } }, [FAKE.pemRsa, base64(FAKE.pemRsa)]), [`${input} holds a private key (base64-encoded)`], `${sdkType.type}.${input}`);
        });

        it("finds a private key body without its PEM header", function () {
            const body = FAKE.pemPkcs8.split("\n").slice(1, -1).join("");
            const derBody = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${body.slice(4)}`;
            assert.deepEqual(plaintext({ type: "gcp:compute/instanceTemplate:InstanceTemplate", props: { description: derBody } }, [derBody]), ["description holds the body of a private key (DER in base64, without its PEM header)"]);
        });
    });

    describe("URL userinfo", function () {
        it("finds a password in a URL of any scheme in a type picked at random", function () {
            const sdkType = pickType("gcp");
            const input = plainInput(sdkType);
            for (const url of [`amqps://app:${P}@mq.internal:5671/`, `git+https://ci:${P}@git.example.com/repo.git`, `jdbc:mysql://app:${P}@db.internal/app`]) {
                assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: url } }), [`${input} holds a URL with an embedded password`], `${sdkType.type}.${input}: ${url.slice(0, 8)}`);
            }
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: "redis://:${REDIS_PASSWORD}@cache:6379" } }), []);
        });
    });

    describe("secret-looking flags in arguments and scripts", function () {
        it("finds --password=... and --token ... in any string of a type picked at random, and a flag and its value as two arguments", function () {
            const sdkType = pickType("aws");
            const input = plainInput(sdkType);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: `/usr/bin/app --db-password=${P} --verbose` } }), [`${input} holds a plaintext password`], sdkType.type);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: ["--api-token", P, "--port", "8080"] } }), [`${input}[1] holds a plaintext token (the value of --api-token at [0])`], sdkType.type);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: ["--password-file", "/run/secrets/db", "--token=$(cat /run/secrets/token)"] } }), [], sdkType.type);
        });
    });

    describe("NAME=value assignments in scripts, command:local and command:remote included", function () {
        it("reads create, update, delete and stdin of a Command line by line, and its environment by name", function () {
            for (const type of ["command:local:Command", "command:remote:Command"]) {
                const command = {
                    type,
                    props: {
                        create: `set -e\nexport DB_PASSWORD=${P}\n./migrate.sh`,
                        update: `curl -u admin:${P}@ https://api.example.com --token ${P}`,
                        delete: "echo gone",
                        stdin: `API_KEY=${P}`,
                        environment: { STAGE: "prod", SERVICE_TOKEN: P },
                        triggers: ["v1"],
                    },
                };
                assert.deepEqual(plaintext(command).sort(), ["create line 2 holds a plaintext password", "environment.SERVICE_TOKEN holds a plaintext token", "stdin holds a plaintext API key", "update holds a plaintext token"], type);
            }
            assert.deepEqual(plaintext({ type: "command:local:Command", props: { create: "aws secretsmanager get-secret-value --secret-id platform/prod/db --query SecretString", environment: { DB_PASSWORD: "${DB_PASSWORD}" } } }), []);
        });

        it("reads a script by its shape in any input of a type picked at random", function () {
            const sdkType = pickType("gcp");
            const input = plainInput(sdkType);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: `#!/bin/sh\nexport GITHUB_TOKEN=${P}\n` } }), [`${input} line 2 holds a plaintext token`], sdkType.type);
        });
    });

    describe("documents carried in strings", function () {
        it("reads YAML and JSON in any string of a type picked at random with names counting, a Docker auths config and a kubeconfig included", function () {
            const sdkType = pickType("aws");
            const input = plainInput(sdkType);
            const kubeconfig = ["apiVersion: v1", "kind: Config", "users:", "  - name: admin", "    user:", `      client-key-data: ${base64(FAKE.pemRsa)}`, `      token: ${P}`, ""].join("\n");
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: kubeconfig } }, [P, base64(FAKE.pemRsa)]).sort(), [`${input}.users[0].user.client-key-data holds a private key (base64-encoded)`, `${input}.users[0].user.token holds a plaintext token`], sdkType.type);
            const dockerConfig = JSON.stringify({ auths: { "registry.example.com": { auth: base64(`ci:${P}`) } } });
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: dockerConfig } }, [P, base64(`ci:${P}`)]), [`${input}.auths["registry.example.com"].auth holds a Docker registry login (user:password in base64)`], sdkType.type);
        });

        it("reads a Step Functions definition, a Batch job's properties and a GCE container declaration; a JSONPath is no value", function () {
            const definition = JSON.stringify({ StartAt: "Call", States: { Call: { Type: "Task", Resource: "arn:aws:states:::http:invoke", Parameters: { "Password.$": "$.input.password", Authentication: { ApiKey: P } }, End: true } } });
            assert.deepEqual(plaintext({ type: "aws:sfn/stateMachine:StateMachine", props: { definition, roleArn: "arn:aws:iam::123456789012:role/sfn" } }), ["definition.States.Call.Parameters.Authentication.ApiKey holds a plaintext API key"]);
            const batch = JSON.stringify({ image: "x", environment: [{ name: "DB_PASSWORD", value: P }], secrets: [{ name: "API_KEY", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api" }] });
            assert.deepEqual(plaintext({ type: "aws:batch/jobDefinition:JobDefinition", props: { type: "container", containerProperties: batch } }), ["containerProperties.environment[DB_PASSWORD] holds a plaintext password"]);
            const declaration = ["spec:", "  containers:", "    - name: api", "      image: gcr.io/acme/api@sha256:" + "0".repeat(64), "      env:", "        - name: DB_PASSWORD", `          value: ${P}`, "        - name: PORT", "          value: '8080'", ""].join("\n");
            const instance = { type: "gcp:compute/instance:Instance", props: { machineType: "e2-small", metadata: { "gce-container-declaration": declaration } } };
            assert.deepEqual(plaintext(instance), ["metadata.gce-container-declaration.spec.containers[0].env[DB_PASSWORD] holds a plaintext password"]);
        });

        it("reads a Helm release's values files when their text is readable (a state file's assets), the documented sink aside", function () {
            const asset = (text: string): Record<string, unknown> => ({ "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17", hash: "0", text });
            const release = { type: "kubernetes:helm.sh/v3:Release", props: { chart: "kube-prometheus-stack", valueYamlFiles: [asset(`grafana:\n  adminPassword: ${P}\n  smtp:\n    password: ${P}\n`)] } };
            // Through the analyzer, an asset's text is a promise: the specs read the state file's form, as `audit` does.
            const messages = violationMessages(checkResource(noPlaintextSecrets, release, { preview: false }));
            assert.ok(messages.every((message) => message.startsWith("valueYamlFiles[0]")), JSON.stringify(messages));
        });
    });

    describe("a credential split across keys or lines", function () {
        it("joins the entries of a map or a list, and the lines of a text, in a type picked at random", function () {
            const sdkType = pickType("gcp");
            const input = plainInput(sdkType);
            const [header, payload, signature] = FAKE.jwt.split(".");
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: { header, payload, signature } } }, [FAKE.jwt]), [`${input} holds a JSON Web Token split across 3 entries`], sdkType.type);
            const token = fake("glpat-", 20);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: [token.slice(0, 12), token.slice(12)] } }, [token]), [`${input} holds a GitLab personal access token split across 2 entries`], sdkType.type);
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: `${FAKE.jwt.slice(0, 40)}\n${FAKE.jwt.slice(40)}` } }, [FAKE.jwt]), [`${input} holds a JSON Web Token split across lines`], sdkType.type);
            const pemLines = FAKE.pemRsa.split("\n");
            assert.deepEqual(plaintext({ type: sdkType.type, props: { [input]: pemLines.slice(1, -1) } }, [FAKE.pemRsa]), [], "a body of base64 lines that is no key's DER is not reported");
        });
    });

    describe("a property the provider treats as secret comes from a secret source", function () {
        const eligible = (type: string): boolean => {
            const [pkg] = type.split(":");
            return pkg !== "pulumi" && pkg !== "random" && pkg !== "kubernetes" && !isSecretSourceType(type) && SECRET_STORE_VALUES[type] === undefined;
        };
        const credentialInputs = (type: string): string[] => (RESOURCE_SECRET_SINKS[type] ?? []).filter((input) => !(SECRET_INPUTS_READ_AS_TEXT[type]?.inputs.includes(input) ?? false));

        it("judges the secret inputs of every type of every installed provider: a literal fails, a RandomPassword passes", function () {
            const types = Object.keys(RESOURCE_SECRET_SINKS).filter((type) => eligible(type) && credentialInputs(type).length > 0);
            assert.ok(types.length > 70, String(types.length));
            const literal = types.flatMap((type) => credentialInputs(type).map((input) => ({ type, name: `${type}.${input}`, props: { [input]: P } })));
            const messages = provenance(literal);
            assert.deepEqual(literal.filter((resource) => !messages.some((message) => message.includes(` ${resource.name}: ${Object.keys(resource.props)[0]} does not come from a secret store`))).map((resource) => resource.name), []);
            const generated = literal.map((resource) => ({ ...resource, props: { [Object.keys(resource.props)[0]]: secret(P) }, propertyDependencies: { [Object.keys(resource.props)[0]]: [RANDOM_PASSWORD] } }));
            assert.deepEqual(provenance(generated), []);
        });

        it("judges a type picked at random from the SDK's own list; a reference and public material pass by shape", function () {
            const sdkType = pickType(Math.floor(Date.now() / 1000) % 2 === 0 ? "aws" : "gcp", (candidate) => eligible(candidate.type) && credentialInputs(candidate.type).length > 0);
            const [input] = credentialInputs(sdkType.type);
            assert.deepEqual(provenance([{ type: sdkType.type, name: "picked", props: { [input]: fake("", 24) } }], [fake("", 24)]), [`${sdkType.type} picked: ${input} does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)`]);
            for (const reference of [KMS_KEY, "arn:aws:kms:eu-west-1:123456789012:key/d0f15d65-8a59-f246-c54b-043c0dd92b91", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "projects/acme/secrets/db/versions/latest", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"]) {
                assert.deepEqual(provenance([{ type: sdkType.type, name: "picked", props: { [input]: reference } }]), [], `${sdkType.type}.${input}`);
            }
        });

        it("reads an object-valued secret input by its names, a list of credentials by its entries, and a hidden text for formats", function () {
            assert.deepEqual(provenance([{ type: "gcp:sql/databaseInstance:DatabaseInstance", name: "db", props: { replicaConfiguration: { username: "replica", password: P, clientKey: FAKE.pemRsa } } }], [P, FAKE.pemRsa]).sort(), [
                "gcp:sql/databaseInstance:DatabaseInstance db: replicaConfiguration.clientKey line 1 holds a private key written in code or plain config (no dependency on a RandomPassword or a secret store)",
                "gcp:sql/databaseInstance:DatabaseInstance db: replicaConfiguration.password holds a plaintext password written in code or plain config (no dependency on a RandomPassword or a secret store)",
            ]);
            assert.deepEqual(provenance([{ type: "aws:elasticache/user:User", name: "app", props: { userName: "app", passwords: [P] } }]), [
                "aws:elasticache/user:User app: passwords[0] does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)",
            ]);
            assert.deepEqual(provenance([{ type: "gcp:storage/bucketObject:BucketObject", name: "index", props: { bucket: "site", content: "<html>hello</html>" } }]), []);
            assert.deepEqual(provenance([{ type: "gcp:storage/bucketObject:BucketObject", name: "env", props: { bucket: "site", content: `STRIPE=${FAKE.stripeSecret}` } }], [FAKE.stripeSecret]), [
                "gcp:storage/bucketObject:BucketObject env: content holds a Stripe live key written in code or plain config (no dependency on a RandomPassword or a secret store)",
            ]);
            // Unknown during preview and from no secret source: the advisory result, never a pass.
            assert.equal(checkStack(credentialsFromSecretStore, [{ type: "gcp:compute/vPNTunnel:VPNTunnel", props: { sharedSecret: UNKNOWN } }])[0]?.kind, "unknown");
        });
    });

    describe("a reference is not a value", function () {
        const references: TestResource[] = [
            // A KMS key under a secret-looking name, in a type picked at random.
            { type: randomSdkType("gcp").type, name: "picked", props: { encryptionKey: KMS_KEY, signingKey: "arn:aws:kms:eu-west-1:123456789012:alias/signing" } },
            { type: "kubernetes:apps/v1:Deployment", name: "api", props: { spec: { template: { spec: { containers: [{ name: "api", env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] }] } } } } },
            { type: "gcp:cloudrunv2/job:Job", name: "batch", props: { template: { template: { containers: [{ envs: [{ name: "API_KEY", valueSource: { secretKeyRef: { secret: "api-key", version: "latest" } } }] }] } } } },
            { type: "gcp:compute/instance:Instance", name: "vm", props: { bootDisk: { diskEncryptionKey: { kmsKeySelfLink: KMS_KEY } }, metadata: { "vault-secret": "vault:secret/data/app#token" } } },
        ];
        for (const resource of references) {
            it(`judges ${resource.type === references[0].type ? "a KMS key and alias on a type picked at random" : resource.type} by shape: no finding`, function () {
                assert.deepEqual(plaintext(resource), [], resource.type);
                assert.deepEqual(provenance([resource]), [], resource.type);
            });
        }
    });

    describe("false alarms of the held-out corpora", function () {
        const cases: readonly (readonly [string, TestResource])[] = [
            ["EFS creationToken (an idempotency token)", { type: "aws:efs/fileSystem:FileSystem", name: "uploads", props: { creationToken: "platform-prod-uploads", encrypted: true } }],
            ["Cloud Run v2 template.encryptionKey", { type: "gcp:cloudrunv2/service:Service", name: "api", props: { location: "europe-west1", template: { encryptionKey: KMS_KEY, containers: [{ image: "gcr.io/acme/api" }] } } }],
            [
                "the Cloud Run v1 encryption-key annotation",
                { type: "gcp:cloudrun/service:Service", name: "api", props: { location: "europe-west1", template: { metadata: { annotations: { "run.googleapis.com/encryption-key": KMS_KEY } }, spec: { containers: [{ image: "gcr.io/acme/api" }] } } } },
            ],
            ["CodeBuild encryptionKey", { type: "aws:codebuild/project:Project", name: "build", props: { encryptionKey: "arn:aws:kms:eu-west-1:123456789012:alias/codebuild", artifacts: { type: "NO_ARTIFACTS" } } }],
            ["Cloud Functions secretEnvironmentVariables[].secret", { type: "gcp:cloudfunctions/function:Function", name: "fn", props: { runtime: "nodejs20", secretEnvironmentVariables: [{ key: "DB_PASSWORD", projectId: "123456", secret: "db-password", version: "latest" }] } }],
            ["Cloud Functions v2 secretEnvironmentVariables[].secret", { type: "gcp:cloudfunctionsv2/function:Function", name: "fn", props: { serviceConfig: { secretEnvironmentVariables: [{ key: "API_KEY", projectId: "acme", secret: "api-key", version: "1" }] } } }],
        ];
        for (const [label, resource] of cases) {
            it(`does not report ${label}`, function () {
                assert.deepEqual(plaintext(resource), []);
                assert.deepEqual(provenance([resource]), []);
            });
        }

        it("still reports a literal where a reference belongs", function () {
            assert.deepEqual(provenance([{ type: "gcp:cloudrunv2/service:Service", name: "api", props: { template: { encryptionKey: "hunter2-not-a-key" } } }]), [
                "gcp:cloudrunv2/service:Service api: template.encryptionKey is a plaintext secret written in code or plain config (no dependency on a RandomPassword or a secret store)",
            ]);
            assert.deepEqual(provenance([{ type: "gcp:cloudfunctions/function:Function", name: "fn", props: { secretEnvironmentVariables: [{ key: "DB_PASSWORD", secret: P }] } }]), [
                "gcp:cloudfunctions/function:Function fn: secretEnvironmentVariables[0].secret is a plaintext secret written in code or plain config (no dependency on a RandomPassword or a secret store)",
            ]);
        });
    });

    it("reads gzip user data of a launch configuration without inflating more than the cap", function () {
        const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x61)).toString("base64");
        assert.deepEqual(plaintext({ type: "aws:ec2/launchConfiguration:LaunchConfiguration", props: { userData: bomb } }), []);
    });
});
