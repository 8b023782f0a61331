import { strict as assert } from "assert";
import { lintSource } from "@secretlint/core";
import { creator as recommendedPreset } from "@secretlint/secretlint-rule-preset-recommend";
import { fake, FAKE, leakedFragments } from "../test-support/fake-secrets";
import { CREDENTIAL_FORMATS } from "./credential-formats";
import { detectNamedSecret, detectSecret, detectSecretFormats, isPasswordHash, isPlaceholder, renderPath, safeKey, scanText, SecretKind } from "./secret-detection";
import { isSecretLookingName, isSecretLookingPath, secretNameClass } from "./secret-names";

const kinds = (text: string): SecretKind[] => [...new Set(scanText(text).map((match) => match.kind))];

describe("secret detection", function () {
    describe("names", function () {
        it("classifies a name by its last words, whatever the casing or separators", function () {
            const cases: [string, string | undefined][] = [
                ["PASSWORD", "password"],
                ["DB_PASSWORD", "password"],
                ["adminPassword", "password"],
                ["grafana.admin-password", "password"],
                ["PGPASSWORD", "password"],
                ["DB_PASS", "password"],
                ["DB_PWD", "password"],
                ["passphrase", "password"],
                ["JWT_SECRET", "secret"],
                ["clientSecret", "secret"],
                ["AWS_SECRET_ACCESS_KEY", "secret"],
                ["SECRET_KEY", "secret"],
                ["signingKey", "secret"],
                ["GITHUB_TOKEN", "token"],
                ["authToken", "token"],
                ["API_KEY", "api-key"],
                ["x-api-key", "api-key"],
                ["APIKey", "api-key"],
                ["PRIVATE_KEY", "private-key"],
                ["sshPrivateKey", "private-key"],
                ["credential", "credential"],
                ["DATABASE_URL", "connection-string"],
                ["SENTRY_DSN", "connection-string"],
                ["connectionString", "connection-string"],
            ];
            assert.deepEqual(
                cases.map(([name]) => [name, secretNameClass(name)]),
                cases,
            );
        });

        it("does not take settings about secrets, references to them, or look-alike words for secrets", function () {
            const names = ["PASSWORD_FILE", "tokenUrl", "secretName", "secretKeyRef", "existingSecret", "existingSecretPasswordKey", "maxTokens", "apiKeys", "bypass", "PWD", "compass", "recoveryWindowDays", "authTokenUpdateStrategy", "kmsKeyId", "publicKey", "GOOGLE_APPLICATION_CREDENTIALS"];
            assert.deepEqual(names.filter((name) => secretNameClass(name) !== undefined), []);
        });

        it("keeps the two exports config/load.ts relies on", function () {
            assert.equal(isSecretLookingName("jwtSecret"), true);
            assert.equal(isSecretLookingName("recoveryWindowDays"), false);
            assert.equal(isSecretLookingPath(["postgres", "password"]), true);
            assert.equal(isSecretLookingPath(["apiKeys", "stripe"]), true);
            assert.equal(isSecretLookingPath(["services", 0, "secrets", 0]), false);
        });
    });

    describe("well-known formats", function () {
        const expected: [keyof typeof FAKE, SecretKind][] = [
            ["awsAccessKeyId", "aws/AWSAccessKeyID"],
            ["awsTemporaryAccessKeyId", "aws/AWSAccessKeyID"],
            ["githubClassic", "github/GITHUB_TOKEN"],
            ["githubOauth", "github/GITHUB_TOKEN"],
            ["githubServer", "github/GITHUB_TOKEN"],
            ["githubFineGrained", "github/GITHUB_TOKEN-2"],
            ["slackBot", "slack/SLACK_TOKEN"],
            ["slackUser", "slack/SLACK_TOKEN"],
            ["slackLegacyWorkspace", "slack-legacy-token"],
            ["slackWebhook", "slack/IncomingWebhook"],
            ["stripeSecret", "stripe-live-key"],
            ["stripeRestricted", "stripe-live-key"],
            ["googleApiKey", "google-api-key"],
            ["pemRsa", "privatekey/PrivateKey"],
            ["pemPkcs8", "privatekey/PrivateKey"],
            ["pemOpenSsh", "privatekey/PrivateKey"],
            ["pemPlaceholder", "private-key"],
            ["jwt", "jwt"],
            ["npm", "npm/NPM_ACCESS_TOKEN"],
        ];

        it("recognises each format alone, quoted, and inside a longer text", function () {
            for (const [fixture, kind] of expected) {
                const value = FAKE[fixture];
                for (const text of [value, `"${value}"`, `curl -H 'Authorization: ${value}' https://api.example.com`]) {
                    assert.deepEqual(
                        detectSecretFormats(text).map((match) => match.kind),
                        [kind],
                        fixture,
                    );
                }
            }
        });

        it("describes what matched without the value", function () {
            assert.deepEqual(detectSecretFormats(FAKE.githubClassic), [{ source: "format", kind: "github/GITHUB_TOKEN", description: "a GitHub token" }]);
            const all = Object.values(FAKE);
            const answers = all.flatMap((value) => [...detectSecretFormats(value), ...scanText(`TOKEN=${value}`), ...detectSecret("PASSWORD", value)]);
            assert.deepEqual(leakedFragments([JSON.stringify(answers)], all), []);
        });

        it("finds a password embedded in a URL of any scheme, the user possibly empty", function () {
            for (const url of [
                `postgres://app:${FAKE.password}@db.internal:5432/app`,
                `mongodb+srv://app:${FAKE.password}@cluster0.example.net/app`,
                `redis://:${FAKE.password}@cache.internal:6379/0`,
                `https://deploy:${FAKE.password}@git.example.com/platform.git`,
                // The word itself is a literal (and the commonest default password), not a placeholder.
                "https://user:password@example.com/",
            ]) {
                assert.deepEqual(detectSecretFormats(url).map((match) => match.description), ["a URL with an embedded password"], url);
            }
        });

        it("ignores near misses: too short, too long, wrong alphabet, documentation keys, URLs without or with a variable password", function () {
            const benign = [
                FAKE.awsDocumentationKeyId,
                FAKE.awsRoleId,
                fake("AKIA", 15, "FAKE0EXAMPLE0KEY"),
                fake("AKIA", 17, "FAKE0EXAMPLE0KEY"),
                fake("ghp_", 35),
                fake("npm_", 37),
                "sk_test_" + fake("", 24),
                "eyJhbGciOiJIUzI1NiJ9",
                "-----BEGIN CERTIFICATE-----",
                "-----BEGIN PUBLIC KEY-----",
                "postgres://app@db.internal:5432/app",
                "postgres://app:${DB_PASSWORD}@db.internal/app",
                "postgres://app:$(DB_PASSWORD)@db.internal/app",
                "git@github.com:example/platform.git",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/prod/jwt-secret-AbCdEf",
                "sha256:" + "0".repeat(64),
            ];
            assert.deepEqual(benign.filter((text) => detectSecretFormats(text).length > 0), []);
        });
    });

    describe("placeholders", function () {
        it("allows empty values, expansions, angle-bracket placeholders, masks, secret-store references, file paths, booleans and paths of secrets", function () {
            const placeholders = [
                "",
                "   ",
                "${DB_PASSWORD}",
                "$(DB_PASSWORD)",
                "$DB_PASSWORD",
                "{{ .Values.db.password }}",
                "%DB_PASSWORD%",
                "<secure value of the database password>",
                "<redacted>",
                "********",
                "[secret]",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/prod/db-AbCdEf",
                "ref+vault://secret/data/db#password",
                "/run/secrets/db-password",
                "/run/secrets/db",
                "/etc/app/token",
                "true",
                "disabled",
                "platform/prod/postgres-password",
                "platform/prod/jwt-secret",
                "prod/api-key-stripe",
                "$(aws",
                "${DB_PASSWORD:-}",
                "prefix-${DB_PASSWORD}",
            ];
            assert.deepEqual(placeholders.filter((value) => !isPlaceholder(value)), []);
        });

        it("does not take literals for placeholders", function () {
            const literals = [FAKE.password, "hunter2", "changeme", "s3cr3t!", "1234", "basic-auth", "password", "P%ss%word", FAKE.awsSecretAccessKey];
            assert.deepEqual(literals.filter((value) => isPlaceholder(value)), []);
        });

        it("does not take a word ending in a secret word, a leading $ or a leading / for a name, an expansion or a path", function () {
            // Reviewer's false negatives: each passed as "the name of a secret", "$VAR" or "a file path".
            const literals = ["supersecret", "topsecret", "mysecret", "changeme-password", "s3cr3t-token", "$ecretPass", "/hunter2", "postgres-password", "$db_password", "/hunter2/"];
            assert.deepEqual(literals.filter((value) => isPlaceholder(value)), []);
            assert.deepEqual(
                literals.filter((value) => detectSecret("DB_PASSWORD", value).length !== 1),
                [],
            );
            assert.deepEqual(
                literals.map((value) => kinds(`DB_PASSWORD=${value}`)),
                literals.map(() => ["named-password"]),
            );
        });
    });

    describe("password hashes", function () {
        // Real encodings of the password "password" (bcrypt from htpasswd -B, argon2 from argon2-cli, passlib, Django).
        const HASHES: Readonly<Record<string, string>> = {
            bcrypt2a: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            bcrypt2b: "$2b$12$KIXQJQ1bS0cV4S7R6dQ4Eu1m1kS0vN3jR5oV8qz6JmZr9o3R9b7Wm",
            bcrypt2y: "$2y$05$HJEvL8yMtW5wQ0rjTn5K1uS0O8o5Jz1wB0hQm4b2o1tX7Zy1yQF7e",
            argon2id: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            argon2i: "$argon2i$m=4096,t=3,p=1$c29tZXNhbHRzYWx0$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A",
            scryptPasslib: "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            scryptDjango: "scrypt$16384$GvD2ALdMvSSvX4ERjc9oFQ$8$1$pYkRXo8kKEaFcVkmxTbh2TgXgzImS7zr0crHnMm6dOPZKgf/gmpZMsb87iDHhaAm6rMTtQ5X6MFSO+AH3lsbSQ==",
            pbkdf2Django: "pbkdf2_sha256$600000$2m7Nb3KCOwW1Q4Vd5S8JxE$Tk3oLxXqR0Z8c7hL4bB1m2nV9sQwE5rY6tU8iO0pA1s=",
            pbkdf2Passlib: "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$wgmKh8wzqpXuiDJSNtpv0ljgHafzu6oItOI1WxMOC/Q",
        };

        it("recognises bcrypt, argon2, scrypt and PBKDF2 encodings, and a name does not make them plaintext", function () {
            assert.deepEqual(Object.entries(HASHES).filter(([, hash]) => !isPasswordHash(hash)).map(([label]) => label), []);
            for (const hash of Object.values(HASHES)) assert.deepEqual(detectSecret("argocdServerAdminPassword", hash), [], hash);
        });

        it("does not take a password that merely starts like a hash for one", function () {
            const lookAlikes = ["$2y$10$short", "$2a$10$" + "a".repeat(52) + "!", "$argon2id$v=19$m=65536,t=3,p=4$salt", "pbkdf2_sha256$hunter2", "$pbkdf2$1$a$b", "$ecretPass"];
            assert.deepEqual(lookAlikes.filter(isPasswordHash), []);
            assert.deepEqual(detectSecret("ADMIN_PASSWORD", "$2y$10$short"), [{ source: "name", kind: "named-password", description: "a plaintext password" }]);
        });

        it("answers in linear time on long adversarial hash look-alikes (8x the input costs about 8x, not 64x)", function () {
            const lookAlikes = (n: number): string[] => ["$2a$10$" + "a".repeat(n), "$argon2id$v=19$m=1,t=1,p=1$" + "a$".repeat(n / 2), "pbkdf2_sha256$1$" + "a$".repeat(n / 2), "$scrypt$ln=1,r=1,p=1$" + "=".repeat(n)];
            // The fastest of three runs: a relative measure, robust to a busy machine, never a wall-clock limit.
            const cost = (n: number): number => {
                const texts = lookAlikes(n);
                const runs = [0, 1, 2].map(() => {
                    const started = process.hrtime.bigint();
                    for (const text of texts) {
                        isPasswordHash(text);
                        detectSecret("password", text);
                    }
                    return Number(process.hrtime.bigint() - started) / 1e6;
                });
                return Math.min(...runs);
            };
            const small = cost(12_500);
            const large = cost(100_000);
            assert.ok(large < 24 * small + 20, `12.5k characters: ${small.toFixed(1)} ms; 100k: ${large.toFixed(1)} ms`);
        });
    });

    describe("Azure keys", function () {
        it("finds an account key or shared access key in a connection string, and names storage keys secret", function () {
            const storage = `DefaultEndpointsProtocol=https;AccountName=platformprod;AccountKey=${FAKE.azureStorageKey};EndpointSuffix=core.windows.net`;
            assert.deepEqual(kinds(storage), ["azure-shared-key"]);
            assert.deepEqual(kinds(`Endpoint=sb://platform.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${FAKE.azureStorageKey.slice(0, 43)}=`), ["azure-shared-key"]);
            assert.deepEqual(kinds("DefaultEndpointsProtocol=https;AccountName=platformprod;AccountKey=<key>;EndpointSuffix=core.windows.net"), []);
            for (const name of ["storageAccountKey", "primaryAccessKey", "sharedKey", "STORAGE_ACCOUNT_KEY"]) assert.equal(secretNameClass(name), "secret", name);
            for (const name of ["storageAccountKeyName", "accessKeyId", "keyVaultKeyId"]) assert.equal(secretNameClass(name), undefined, name);
        });
    });

    describe("a value under a name", function () {
        it("is a secret by its format whatever its name, else by its name when it is a literal", function () {
            assert.deepEqual(detectSecret("GREETING", FAKE.githubClassic), [{ source: "format", kind: "github/GITHUB_TOKEN", description: "a GitHub token" }]);
            assert.deepEqual(detectSecret("DB_PASSWORD", FAKE.password), [{ source: "name", kind: "named-password", description: "a plaintext password" }]);
            assert.deepEqual(detectSecret("DB_PASSWORD", "${DB_PASSWORD}"), []);
            assert.deepEqual(detectSecret("GREETING", FAKE.password), []);
            assert.deepEqual(detectSecret(undefined, FAKE.password), []);
        });

        it("never takes numbers, booleans or objects for secrets", function () {
            assert.deepEqual([detectSecret("maxToken", 4096), detectSecret("password", true), detectSecret("password", { valueFrom: {} })], [[], [], []]);
        });

        it("takes a connection string for a secret only when it embeds a password", function () {
            assert.deepEqual(detectNamedSecret("DATABASE_URL", "postgres://db.internal:5432/app"), undefined);
            assert.deepEqual(detectNamedSecret("DATABASE_URL", `postgres://app:${FAKE.password}@db.internal:5432/app`), {
                source: "name",
                kind: "named-connection-string",
                description: "a connection string with an embedded password",
            });
            assert.equal(detectNamedSecret("DB_CONNECTION_STRING", `Server=db;User Id=app;Password=${FAKE.password};`)?.kind, "named-connection-string");
        });
    });

    describe("texts", function () {
        it("reports each secret of a script by line and kind", function () {
            const script = [
                "#!/bin/bash",
                `export DB_PASSWORD='${FAKE.password}'`,
                "export API_TOKEN=$(aws secretsmanager get-secret-value --secret-id platform/prod/api --query SecretString --output text)",
                `java -Ddb.password=${FAKE.password} -jar app.jar`,
                `mytool --token ${FAKE.password}`,
                `git clone https://ci:${FAKE.password}@git.example.com/platform.git`,
                `aws configure set aws_access_key_id ${FAKE.awsAccessKeyId}`,
                "password: |",
                "echo done",
            ].join("\n");
            assert.deepEqual(
                scanText(script).map(({ line, kind }) => [line, kind]),
                [
                    [2, "named-password"],
                    [4, "named-password"],
                    [5, "named-token"],
                    [6, "url-with-password"],
                    [7, "aws/AWSAccessKeyID"],
                ],
            );
        });
    });

    it("takes linear time on pathological input (user data and ConfigMaps can be large)", function () {
        const started = Date.now();
        for (const text of ["-".repeat(100_000), `xoxb-${"a-".repeat(50_000)}`, `eyJ${"a".repeat(100_000)}`, "a:/".repeat(100_000), "--a ".repeat(50_000), "-----BEGIN ".repeat(20_000)]) scanText(text);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });

    describe("key paths", function () {
        it("renders keys readably and redacts a key that is itself a credential", function () {
            assert.equal(renderPath(["spec", "containers", 0, "env", { entry: "DB_PASSWORD" }]), "spec.containers[0].env[DB_PASSWORD]");
            assert.equal(renderPath(["metadata", "annotations", "example.com/api-token"]), 'metadata.annotations["example.com/api-token"]');
            assert.equal(renderPath(["tags", FAKE.githubClassic]), 'tags["<redacted key>"]');
            assert.equal(safeKey("team"), "team");
        });
    });

    /**
     * Cross-check against secretlint's recommended preset (with its AWS rule's ID scan switched on) on
     * the same texts. Where secretlint has a rule for a format, both must agree. The entries marked
     * `differs` are the legitimate differences, each with the reason; the test checks that they still
     * differ in the documented direction, so that a change on either side is noticed.
     */
    describe("agreement with secretlint", function () {
        interface CorpusEntry {
            readonly label: string;
            readonly text: string;
            /** Kinds our detector reports (scanText). */
            readonly ours: readonly SecretKind[];
            /** secretlint rules that report it (without the `@secretlint/secretlint-rule-` prefix). */
            readonly secretlint: readonly string[];
            /** Why the two legitimately disagree, when they do. */
            readonly differs?: string;
        }

        const P = FAKE.password;
        const corpus: readonly CorpusEntry[] = [
            { label: "AWS access key ID", text: `aws_access_key_id = ${FAKE.awsAccessKeyId}`, ours: ["aws/AWSAccessKeyID"], secretlint: ["aws"] },
            { label: "AWS temporary access key ID", text: `key: ${FAKE.awsTemporaryAccessKeyId}`, ours: ["aws/AWSAccessKeyID"], secretlint: ["aws"] },
            { label: "AWS documentation key ID", text: `key: ${FAKE.awsDocumentationKeyId}`, ours: [], secretlint: [] },
            { label: "AWS secret access key by its name", text: `aws_secret_access_key = ${FAKE.awsSecretAccessKey}`, ours: ["aws/AWSSecretAccessKey"], secretlint: ["aws"] },
            { label: "a bare 40-character string", text: `value: ${FAKE.awsSecretAccessKey}`, ours: [], secretlint: [] },
            { label: "GitHub classic token", text: `token ${FAKE.githubClassic}`, ours: ["github/GITHUB_TOKEN"], secretlint: ["github"] },
            { label: "GitHub OAuth token", text: FAKE.githubOauth, ours: ["github/GITHUB_TOKEN"], secretlint: ["github"] },
            { label: "GitHub server token", text: FAKE.githubServer, ours: ["github/GITHUB_TOKEN"], secretlint: ["github"] },
            { label: "GitHub fine-grained token", text: FAKE.githubFineGrained, ours: ["github/GITHUB_TOKEN-2"], secretlint: ["github"] },
            { label: "Slack bot token", text: FAKE.slackBot, ours: ["slack/SLACK_TOKEN"], secretlint: ["slack"] },
            { label: "Slack user token", text: FAKE.slackUser, ours: ["slack/SLACK_TOKEN"], secretlint: ["slack"] },
            { label: "Slack incoming webhook", text: FAKE.slackWebhook, ours: ["slack/IncomingWebhook"], secretlint: ["slack"] },
            { label: "PEM RSA private key", text: FAKE.pemRsa, ours: ["privatekey/PrivateKey"], secretlint: ["privatekey"] },
            { label: "PEM PKCS#8 private key", text: FAKE.pemPkcs8, ours: ["privatekey/PrivateKey"], secretlint: ["privatekey"] },
            { label: "OpenSSH private key", text: FAKE.pemOpenSsh, ours: ["privatekey/PrivateKey"], secretlint: ["privatekey"] },
            { label: "npm token", text: `//registry.npmjs.org/:_authToken=${FAKE.npm}`, ours: ["npm/NPM_ACCESS_TOKEN"], secretlint: ["npm"] },
            { label: "HTTPS URL with a password", text: `https://deploy:${P}@git.example.com/platform.git`, ours: ["url-with-password"], secretlint: ["basicauth"] },
            { label: "PostgreSQL URL with a password", text: `postgres://app:${P}@db.internal:5432/app`, ours: ["url-with-password"], secretlint: ["database-connection-string"] },
            { label: "MySQL URL with a password", text: `mysql://app:${P}@db.internal:3306/app`, ours: ["url-with-password"], secretlint: ["database-connection-string"] },
            { label: "MongoDB URL with a password", text: `mongodb+srv://app:${P}@cluster0.example.net/app`, ours: ["url-with-password"], secretlint: ["database-connection-string"] },
            { label: "URL with a variable password", text: "postgres://app:${DB_PASSWORD}@db.internal/app", ours: [], secretlint: [] },
            { label: "URL without a password", text: "postgres://app@db.internal:5432/app", ours: [], secretlint: [] },
            { label: "variable under a secret name", text: "DB_PASSWORD=${DB_PASSWORD}", ours: [], secretlint: [] },
            { label: "a sentence", text: "deploy the api to staging after review", ours: [], secretlint: [] },
            { label: "an image digest", text: `registry.example.com/api@sha256:${"0".repeat(64)}`, ours: [], secretlint: [] },
            { label: "a KMS key ARN", text: "arn:aws:kms:eu-west-1:123456789012:key/d0f15d65-8a59-f246-c54b-043c0dd92b91", ours: [], secretlint: [] },
            { label: "a Secrets Manager ARN", text: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/prod/jwt-secret-AbCdEf", ours: [], secretlint: [] },
            { label: "base64 configuration", text: Buffer.from("log level debug, retention 15 days, replicas 3").toString("base64"), ours: [], secretlint: [] },
            { label: "a git SSH remote", text: "git@github.com:example/platform.git", ours: [], secretlint: [] },
            { label: "a certificate", text: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", ours: [], secretlint: [] },
            // Legitimate differences.
            { label: "Stripe live secret key", text: FAKE.stripeSecret, ours: ["stripe-live-key"], secretlint: [], differs: "the recommended preset has no Stripe rule" },
            { label: "Stripe live restricted key", text: FAKE.stripeRestricted, ours: ["stripe-live-key"], secretlint: [], differs: "the recommended preset has no Stripe rule" },
            { label: "Google API key", text: FAKE.googleApiKey, ours: ["google-api-key"], secretlint: [], differs: "secretlint's GCP rule only reads service-account .json/.p12 files, not AIza API keys" },
            { label: "JWT", text: `Authorization: Bearer ${FAKE.jwt}`, ours: ["jwt"], secretlint: [], differs: "the recommended preset has no JWT rule" },
            {
                label: "Slack legacy workspace token",
                text: FAKE.slackLegacyWorkspace,
                ours: ["slack-legacy-token"],
                secretlint: [],
                differs: "secretlint's Slack rule knows xoxb/xoxp/xapp/xoxa/xoxo/xoxr but not the legacy xoxs- prefix",
            },
            {
                label: "PEM header around a placeholder body",
                text: FAKE.pemPlaceholder,
                ours: ["private-key"],
                secretlint: [],
                differs: "secretlint validates the base64 body; in a resource input even a truncated private key block is a mistake worth stopping, so the header suffices here",
            },
            { label: "Redis URL with a password", text: `redis://:${P}@cache.internal:6379/0`, ours: ["url-with-password"], secretlint: [], differs: "secretlint checks http(s)/ftp(s), PostgreSQL, MySQL and MongoDB URLs only" },
            { label: "AMQP URL with a password", text: `amqp://app:${P}@mq.internal:5672/`, ours: ["url-with-password"], secretlint: [], differs: "secretlint checks http(s)/ftp(s), PostgreSQL, MySQL and MongoDB URLs only" },
            {
                label: "a literal under a secret-looking name",
                text: `DB_PASSWORD=${P}`,
                ours: ["named-password"],
                secretlint: [],
                differs: "secretlint matches formats only (bar AWS secret keys); the name-based check is ours",
            },
            {
                label: "URL whose password is the word password",
                text: "https://user:password@example.com/",
                ours: ["url-with-password"],
                secretlint: [],
                differs: "secretlint skips placeholder passwords (password, secret, admin, ...); in a resource input `password` is a literal credential, and the commonest default one",
            },
            { label: "AWS role ID", text: `role: ${FAKE.awsRoleId}`, ours: [], secretlint: ["aws"], differs: "AROA/AIDA/... are IAM role and user IDs, which appear in policies and are not credentials" },
            { label: "AWS account ID", text: "aws_account_id = 123456789012", ours: [], secretlint: ["aws"], differs: "an account ID is an identifier, not a credential" },
            // Formats the pack never listed by hand: they come with the catalogue.
            { label: "SendGrid API key", text: `SG.${fake("", 22)}.${fake("", 43)}`, ours: ["sendgrid/SENDGRID_KEY"], secretlint: ["sendgrid"] },
            { label: "GitLab personal access token", text: `token: ${fake("glpat-", 20)}`, ours: ["gitlab/GITLAB_PERSONAL_ACCESS_TOKEN"], secretlint: ["gitlab"] },
            { label: "HashiCorp Vault service token", text: `VAULT_TOKEN=${fake("hvs.", 95)}`, ours: ["hashicorp-vault/HASHICORP_VAULT_SERVICE_TOKEN"], secretlint: ["hashicorp-vault"] },
            { label: "Docker personal access token", text: fake("dckr_pat_", 27), ours: ["docker/DOCKER_PERSONAL_ACCESS_TOKEN"], secretlint: ["docker"] },
            { label: "Databricks token", text: `host=x token=${fake("dapi", 32, "0123456789abcdef")}`, ours: ["databricks/DATABRICKS_PERSONAL_ACCESS_TOKEN"], secretlint: ["databricks"] },
            { label: "Grafana service account token", text: `${fake("glsa_", 32)}_${fake("", 8, "0123abcd")}`, ours: ["grafana/GRAFANA_SERVICE_ACCOUNT_TOKEN"], secretlint: ["grafana"] },
        ];

        async function secretlintRules(text: string): Promise<string[]> {
            const result = await lintSource({
                source: { filePath: "/corpus/entry.txt", content: text, contentType: "text" },
                options: {
                    maskSecrets: true,
                    config: {
                        rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommendedPreset, rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }] }],
                    },
                },
            });
            return [...new Set(result.messages.map((message) => message.ruleId.replace("@secretlint/secretlint-rule-", "")))];
        }

        it("agrees on every entry where secretlint has a rule, and differs only where documented", async function () {
            const results: string[] = [];
            for (const entry of corpus) {
                const ours = kinds(entry.text);
                const theirs = await secretlintRules(entry.text);
                const agree = ours.length > 0 === theirs.length > 0;
                if (JSON.stringify(ours) !== JSON.stringify(entry.ours)) results.push(`${entry.label}: ours ${JSON.stringify(ours)}, expected ${JSON.stringify(entry.ours)}`);
                if (JSON.stringify(theirs) !== JSON.stringify(entry.secretlint)) results.push(`${entry.label}: secretlint ${JSON.stringify(theirs)}, expected ${JSON.stringify(entry.secretlint)}`);
                if (agree === (entry.differs !== undefined)) results.push(`${entry.label}: ${agree ? "now agree; drop the documented difference" : "disagree without a documented reason"}`);
            }
            assert.deepEqual(results, []);
        });

        it("covers every format the pack keeps of its own", function () {
            const covered = new Set(corpus.flatMap((entry) => entry.ours));
            const own = CREDENTIAL_FORMATS.filter((format) => format.origin === "pack").map((format) => format.kind);
            // The header-less key body is covered in its own spec below, with a real key's DER prefixes.
            assert.deepEqual(own.filter((kind) => !covered.has(kind) && kind !== "private-key-body" && kind !== "azure-shared-key"), []);
        });
    });
});
