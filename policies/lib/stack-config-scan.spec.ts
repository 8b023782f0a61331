import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { FAKE, leakedFragments } from "../test-support/fake-secrets";
import { describeStackConfigFinding, scanStackConfig } from "./stack-config-scan";

const PROJECT_DIR = path.join(__dirname, "..", "..");
const P = FAKE.password;

describe("stack config scan", function () {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`finds nothing in the real Pulumi.${stack}.yaml`, function () {
            assert.deepEqual(scanStackConfig(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")), []);
        });
    }

    const seeded = [
        /* 1 */ `# copied from the runbook: ${FAKE.githubClassic}`,
        /* 2 */ "encryptionsalt: v1:c2FsdHNhbHRzYWx0==",
        /* 3 */ "config:",
        /* 4 */ "  aws:region: eu-west-1",
        /* 5 */ `  platform:dbPassword: ${P}`,
        /* 6 */ "  platform:jwtSecret:",
        /* 7 */ "    secure: v1:AAABAEXAMPLEfakeCIPHERTEXT==",
        /* 8 */ "  platform:apiKeys:",
        /* 9 */ `    maps: ${P}`,
        /* 10 */ "    stripe:",
        /* 11 */ "      secure: v1:AAABAEXAMPLEfakeCIPHERTEXT==",
        /* 12 */ "  platform:postgres:",
        /* 13 */ '    password: ""',
        /* 14 */ "    instanceClass: db.t4g.micro",
        /* 15 */ "  platform:services:",
        /* 16 */ "    - name: api",
        /* 17 */ "      env:",
        /* 18 */ `        API_TOKEN: ${P}`,
        /* 19 */ `        CALLBACK_URL: https://hooks:${P}@callbacks.example.com/in`,
        /* 20 */ `        GREETING: hello # ${FAKE.npm}`,
        /* 21 */ "  platform:notes: |",
        /* 22 */ "    rotate quarterly",
        /* 23 */ `    ${FAKE.awsAccessKeyId}`,
        /* 24 */ "  platform:redis: {authToken: {secure: v1:AAABAEXAMPLEfakeCIPHERTEXT==}}",
        /* 25 */ `  platform:databaseUrl: postgres://db.internal:5432/app`,
        /* 26 */ `  platform:signing: {privateKey: ${JSON.stringify(FAKE.pemRsa)}}`,
        /* 27 */ "",
    ].join("\n");

    it("reports secret-looking keys not set as secure, and well-known formats anywhere, with lines", function () {
        assert.deepEqual(scanStackConfig(seeded), [
            { line: 1, kind: "github/GITHUB_TOKEN", description: "a GitHub token" },
            { key: "platform:dbPassword", line: 5, kind: "named-password", description: "a plaintext password" },
            { key: "platform:apiKeys.maps", line: 9, kind: "named-api-key", description: "a plaintext API key" },
            { key: "platform:services[0].env.API_TOKEN", line: 18, kind: "named-token", description: "a plaintext token" },
            { key: "platform:services[0].env.CALLBACK_URL", line: 19, kind: "url-with-password", description: "a URL with an embedded password" },
            { line: 20, kind: "npm/NPM_ACCESS_TOKEN", description: "an npm access token" },
            { key: "platform:notes", line: 21, kind: "aws/AWSAccessKeyID", description: "an AWS access key ID" },
            { key: "platform:databaseUrl", line: 25, kind: "named-connection-string", description: "a plaintext connection string" },
            { key: "platform:signing.privateKey", line: 26, kind: "privatekey/PrivateKey", description: "a private key" },
        ]);
    });

    it("describes findings as report lines with the fix, and never with a value", function () {
        const lines = scanStackConfig(seeded).map((finding) => describeStackConfigFinding("Pulumi.prod.yaml", finding));
        assert.deepEqual(lines, [
            "Pulumi.prod.yaml:1: has a GitHub token",
            "Pulumi.prod.yaml:5: platform:dbPassword holds a plaintext password (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:dbPassword' --stack prod)",
            "Pulumi.prod.yaml:9: platform:apiKeys.maps holds a plaintext API key (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:apiKeys.maps' --stack prod)",
            "Pulumi.prod.yaml:18: platform:services[0].env.API_TOKEN holds a plaintext token (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:services[0].env.API_TOKEN' --stack prod)",
            "Pulumi.prod.yaml:19: platform:services[0].env.CALLBACK_URL holds a URL with an embedded password (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:services[0].env.CALLBACK_URL' --stack prod)",
            "Pulumi.prod.yaml:20: has an npm access token",
            "Pulumi.prod.yaml:21: platform:notes holds an AWS access key ID (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:notes' --stack prod)",
            "Pulumi.prod.yaml:25: platform:databaseUrl holds a plaintext connection string (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:databaseUrl' --stack prod)",
            "Pulumi.prod.yaml:26: platform:signing.privateKey holds a private key (remove it, rotate it, and set it with pulumi config set --secret --path 'platform:signing.privateKey' --stack prod)",
        ]);
        assert.deepEqual(leakedFragments(lines, [P, FAKE.githubClassic, FAKE.npm, FAKE.awsAccessKeyId, FAKE.pemRsa]), []);
    });

    it("reports invalid YAML by line only (a parser's message quotes the source), and still finds formats in it", function () {
        const broken = ["config:", `  platform:apiToken: [${P}`, `  platform:slack: ${FAKE.slackBot}`, ""].join("\n");
        const findings = scanStackConfig(broken);
        assert.deepEqual(
            findings.map(({ line, kind }) => [line, kind]),
            [
                [3, "invalid-yaml"],
                [3, "slack/SLACK_TOKEN"],
            ],
        );
        assert.deepEqual(leakedFragments(findings.map((finding) => describeStackConfigFinding("Pulumi.dev.yaml", finding)), [P, FAKE.slackBot]), []);
    });

    it("redacts a key that is itself a credential", function () {
        const findings = scanStackConfig(["config:", `  platform:webhooks: {"${FAKE.slackWebhook}": enabled}`, ""].join("\n"));
        assert.deepEqual(findings, [{ key: 'platform:webhooks["<redacted key>"]', line: 2, kind: "slack/IncomingWebhook", description: "a Slack incoming webhook as a key" }]);
    });
});
