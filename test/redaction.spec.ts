import { strict as assert } from "assert";
import { maskReportInputs, rememberSecret, scrubOutput } from "../engine/redaction";
import { FAKE } from "../policies/test-support/fake-secrets";

/** The output scrubber and the report masking (engine/redaction.ts), on their own. */
describe("redaction", function () {
    it("scrubs every remembered secret wherever it stands: at the edges, side by side, as JSON and XML spell it", function () {
        rememberSecret("redaction-secret-one");
        rememberSecret('quote"and&amp');
        assert.equal(scrubOutput("redaction-secret-one"), "[secret]");
        assert.equal(scrubOutput("a redaction-secret-oneredaction-secret-one b"), "a [secret][secret] b");
        assert.equal(scrubOutput(JSON.stringify({ value: 'quote"and&amp' })), '{"value":"[secret]"}');
        assert.equal(scrubOutput("<x v=\"quote&quot;and&amp;amp\"/>"), '<x v="[secret]"/>');
        assert.equal(scrubOutput("redaction-secret-on"), "redaction-secret-on", "a prefix alone is not the secret");
    });

    it("takes the longest secret first where two start at the same place", function () {
        rememberSecret("overlap-secret");
        rememberSecret("overlap-secret-longer");
        assert.equal(scrubOutput("[overlap-secret-longer]"), "[[secret]]");
    });

    it("finds each of thousands of secrets in one pass, as a naive search would", function () {
        const secrets = Array.from({ length: 3000 }, (_, index) => `bulk-${index.toString(36)}-${(index * 7919).toString(16)}-secret`);
        secrets.forEach(rememberSecret);
        const text = secrets.filter((_, index) => index % 3 === 0).map((secret, index) => `line ${index}: ${secret} end`).join("\n");
        const scrubbed = scrubOutput(text);
        assert.ok(secrets.every((secret) => !scrubbed.includes(secret)));
        assert.equal(scrubbed.split("[secret]").length - 1, 1000);
    });

    it("removes credential formats it was never told about: a URL's password, a PEM key with its body", function () {
        assert.equal(scrubOutput("postgres://app:Zq9-unknown-pw@db/app"), "postgres://app:[secret]@db/app");
        const scrubbed = scrubOutput(`key: ${FAKE.pemRsa} done`);
        assert.ok(!scrubbed.includes("MIIE") && scrubbed.startsWith("key: [secret]") && scrubbed.endsWith(" done"), scrubbed);
    });

    it("masks report inputs with stable fingerprints: same value, same mask; another value, another mask", function () {
        const masked = (value: string): Record<string, unknown> => maskReportInputs({ env: [{ name: "DB_PASSWORD", value }, { name: "LOG_LEVEL", value: "info" }] }, "urn:pulumi:dev::p::t::n");
        const first = JSON.stringify(masked("hunter2-first"));
        assert.equal(first, JSON.stringify(masked("hunter2-first")));
        assert.notEqual(first, JSON.stringify(masked("hunter2-second")));
        assert.match(first, /"value":"\[secret:[0-9a-f]{12}\]"/);
        assert.match(first, /"value":"info"/);
        assert.ok(!first.includes("hunter2"));
        assert.match(JSON.stringify(maskReportInputs({ [FAKE.githubClassic]: "x" }, "urn:pulumi:dev::p::t::n")), /^\{"\[secret:[0-9a-f]{12}\]":"x"\}$/);
    });
});
