import { strict as assert } from "assert";
import { checkResource, secret, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { FAKE } from "../test-support/fake-secrets";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { MAX_SCANNED_VALUE_CHARS, ssmSecureString } from "./ssm-secure-string";

const TAGS = { environment: "prod", project: "platform" };
const GITHUB_TOKEN = FAKE.githubClassic;
const PASSWORD = ["correct", "horse", "battery", "staple"].join("-");

const parameter = (props: Record<string, unknown>, name = "db-password"): TestResource => ({ type: "aws:ssm/parameter:Parameter", name, props: { tier: "Standard", dataType: "text", tags: TAGS, ...props } });

const messages = (resource: TestResource): string[] => violationMessages(checkResource(ssmSecureString, resource));

describe("policy ssm-secure-string", function () {
    it("passes secrets stored as SecureString and plain settings stored as String", function () {
        assert.deepEqual(checkResource(ssmSecureString, parameter({ name: "/platform/prod/db-password", type: "SecureString", value: secret(PASSWORD) })), []);
        assert.deepEqual(messages(parameter({ name: "/platform/prod/log-level", type: "String", value: "info" }, "log-level")), []);
        assert.deepEqual(messages(parameter({ name: "/platform/prod/allowed-origins", type: "StringList", value: "https://app.example.com,https://admin.example.com" }, "origins")), []);
        // Settings about a secret, and references to one held elsewhere.
        assert.deepEqual(messages(parameter({ name: "/platform/prod/password-min-length", type: "String", value: "16" })), []);
        assert.deepEqual(messages(parameter({ name: "/platform/prod/db-password", type: "String", value: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform/prod/db-AbCdEf" })), []);
    });

    it("flags a String under a secret-looking name, whether the value was a Pulumi secret or not, and says so without the value", function () {
        const expected = ["SSM parameter db-password of type String holds a plaintext password in value (its name); use type SecureString"];
        assert.deepEqual(messages(parameter({ name: "/platform/prod/db-password", type: "String", value: secret(PASSWORD) })), expected);
        assert.deepEqual(messages(parameter({ name: "/platform/prod/db-password", type: "String", value: PASSWORD })), expected);
        // Without `name`, the parameter is named after the resource.
        assert.deepEqual(messages(parameter({ type: "String", insecureValue: PASSWORD })), ["SSM parameter db-password of type String holds a plaintext password in insecureValue (its name); use type SecureString"]);
        for (const message of messages(parameter({ type: "String", value: PASSWORD }))) assert.ok(!message.includes(PASSWORD));
    });

    it("flags a credential format in a String or StringList whatever the name", function () {
        assert.deepEqual(messages(parameter({ name: "/ci/settings", type: "StringList", value: `owner,${GITHUB_TOKEN}` }, "ci-settings")), [
            "SSM parameter ci-settings of type StringList holds a GitHub token in value (its format); use type SecureString",
        ]);
        assert.deepEqual(messages(parameter({ name: "/app/cache-url", type: "String", valueWo: "redis://:s3cr3t-Token-9@cache.internal:6379" }, "cache-url")), [
            "SSM parameter cache-url of type String holds a URL with an embedded password in valueWo (its format); use type SecureString",
        ]);
    });

    it("flags a String whose value the state or a preview --json redacted as a Pulumi secret, whatever its name", function () {
        assert.deepEqual(messages(parameter({ name: "/app/settings", type: "String", value: "[secret]" }, "settings")), [
            "SSM parameter settings of type String holds a value Pulumi marks as secret in value; use type SecureString",
        ]);
        assert.deepEqual(messages(parameter({ name: "/app/settings", type: "SecureString", value: "[secret]" }, "settings")), []);
    });

    it("reads a bounded prefix of an oversized value and never hangs on it", function () {
        const huge = `${"A".repeat(MAX_SCANNED_VALUE_CHARS)}${GITHUB_TOKEN}`;
        const started = process.hrtime.bigint();
        assert.deepEqual(messages(parameter({ name: "/app/blob", type: "String", value: huge }, "blob")), []);
        assert.deepEqual(messages(parameter({ name: "/app/blob", type: "String", value: `${GITHUB_TOKEN}${"=".repeat(5_000_000)}` }, "blob")).length, 1);
        assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
    });

    it("reports the advisory can't-run result for a value unknown during preview, and does not read values it does not need", function () {
        const [outcome] = checkResource(ssmSecureString, parameter({ name: "/platform/prod/db-password", type: "String", value: UNKNOWN }));
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, `can't run policy 'ssm-secure-string' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .value can't be known during preview`);
        assert.deepEqual(checkResource(ssmSecureString, parameter({ name: "/platform/prod/db-password", type: "SecureString", value: UNKNOWN })), []);
    });

    it("honours an exemption with reason and expiry", function () {
        const [outcome] = checkResource(ssmSecureString, parameter({ name: "/platform/prod/db-password", type: "String", value: PASSWORD, tags: { ...TAGS, "policy.platform/exempt-ssm-secure-string": "2026-12-31 throwaway sandbox password, no data behind it, SEC-300" } }));
        assert.equal(outcome.kind, "exempted");
    });

    it("is high severity, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(ssmSecureString, [parameter({ name: "/platform/prod/db-password", type: "String", value: PASSWORD })]), { severity: "high", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
