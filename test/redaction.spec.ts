import { strict as assert } from "assert";
import { maskReportInputs, rememberSecret, rememberSecretsIn, rememberWholeSecret, scrubOutput } from "../engine/redaction";
import { formatJson } from "../tools/format/json";
import { printable } from "../tools/format/printable";
import { Report } from "../tools/report";
import { FAKE, fake } from "../policies/test-support/fake-secrets";

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

    describe("no escape hides a credential: a letter an escape ends with is not the credential's neighbour", function () {
        // Never remembered by this run: only the formats can find it.
        const token = fake("ghp_", 36, "EscapeBoundary0");
        const before: [name: string, text: string][] = [
            ["a clear-screen sequence", `\u001b[2J${token}`],
            ["a colour sequence", `\u001b[1;31m${token}`],
            ["a title (OSC) sequence", `\u001b]0;title\u0007${token}`],
            ["an 8-bit CSI", `\u009b2J${token}`],
            ["a bare ESC", `\u001b${token}`],
            ["a newline", `ops\n${token}`],
            ["a carriage return", `ops\r${token}`],
            ["a bidirectional override", `\u202e${token}`],
        ];
        for (const [name, text] of before) {
            it(`after ${name}: in the raw text, as the terminal shows it, and as JSON writes it`, function () {
                for (const shown of [text, printable(text), printable(text, true), JSON.stringify(text), JSON.stringify(printable(text, true))]) {
                    assert.ok(!scrubOutput(shown).includes(token.slice(4, 20)), `${JSON.stringify(shown)} scrubbed to ${JSON.stringify(scrubOutput(shown))}`);
                }
            });
        }

        it("a percent-escape or a hex escape written by hand before a token", function () {
            for (const text of [`%1B${token}`, `\\x1B${token}`, `\\u001B[2J${token}`, `a\\n${FAKE.awsAccessKeyId}`]) assert.ok(!scrubOutput(text).includes(token.slice(4, 20)) && !scrubOutput(text).includes(FAKE.awsAccessKeyId), text);
        });

        it("the JSON report scrubs a value before escaping it, and leaves a value without control characters as it was", function () {
            const report = { command: "plan", note: `actor\n${token}`, plain: "ops-team" } as unknown as Report;
            const json = formatJson(report);
            assert.ok(!json.includes(token.slice(4, 20)), json);
            assert.match(json, /"note": "actor\\n\[secret\]"/);
            assert.match(json, /"plain": "ops-team"/);
        });

        it("a word that merely ends like an escape keeps its neighbour: `xghp_…` is one run of letters, not a token", function () {
            const neverRemembered = fake("ghp_", 36, "NeverRemembered0");
            assert.equal(scrubOutput(`x${neverRemembered}`), `x${neverRemembered}`);
            assert.equal(scrubOutput(`\\x1b${neverRemembered}`), "\\x1b[secret]");
        });
    });

    it("a decrypted secure: value is masked whole at any length, without a fingerprint; an equal value inside a longer text is not", function () {
        rememberWholeSecret("Zq7#w");
        const masked = maskReportInputs({ env: [{ name: "LOG_LEVEL", value: "Zq7#w" }, { name: "MODE", value: "Zq7#wide" }] }, "urn:pulumi:dev::p::t::n");
        assert.deepEqual(masked, { env: [{ name: "LOG_LEVEL", value: "[secret]" }, { name: "MODE", value: "Zq7#wide" }] });
        assert.equal(scrubOutput("mode Zq7#w"), "mode Zq7#w", "five characters are too short to scrub from free text: they are masked where they are produced");
    });

    it("inside a secret object, a host name or URL is an address, not a generated credential", function () {
        rememberSecretsIn({ server: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", endpoint: "https://abc123def456ghi789.eks.amazonaws.com", password: "offline-ecr-token-eu-west-1-9f8e7d" });
        assert.equal(scrubOutput("123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api"), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api");
        assert.equal(scrubOutput("https://abc123def456ghi789.eks.amazonaws.com"), "https://abc123def456ghi789.eks.amazonaws.com");
        assert.equal(scrubOutput("token offline-ecr-token-eu-west-1-9f8e7d"), "token [secret]");
    });
});

