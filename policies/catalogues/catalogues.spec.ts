import { strict as assert } from "assert";
import * as fs from "fs";
import { CATALOGUE_NOT_USED, CATALOGUE_SOURCE, CREDENTIAL_FORMATS, REFINEMENT_REASONS, SUPPLEMENT_REASONS } from "../lib/credential-formats";
import { RESOURCE_SECRET_SINKS, SECRET_INPUTS_READ_AS_TEXT, SECRET_STORE_VALUES, SUPPLEMENTARY_SECRET_INPUTS } from "../lib/secret-sinks";
import { CREDENTIAL_FORMATS_FILE, credentialFormatCatalogue, installedProviders, PROVIDER_SECRET_INPUTS_FILE, providerSecretInputs, serialise } from "./generate";
import { backtrackingRisks, patternAnchors } from "./regex-analysis";
import catalogue from "./credential-formats.json";
import providerData from "./provider-secret-inputs.json";

/** Fastest of three runs, in ms: a relative measure, robust to a busy machine, never a wall-clock limit. */
function cost(run: () => void): number {
    const times = [0, 1, 2].map(() => {
        const started = process.hrtime.bigint();
        run();
        return Number(process.hrtime.bigint() - started) / 1e6;
    });
    return Math.min(...times);
}

describe("catalogues generated from maintained sources", function () {
    this.timeout(300_000);

    describe("credential formats (secretlint's recommended preset, as data)", function () {
        it("is what generate.ts makes of the installed preset (run it after upgrading the preset)", function () {
            assert.equal(fs.readFileSync(CREDENTIAL_FORMATS_FILE, "utf8"), serialise(credentialFormatCatalogue()), "policies/catalogues/credential-formats.json is stale: node -r ./tools/register.js policies/catalogues/generate.ts");
        });

        it("holds every scanner rule of the preset, each pattern with anchors and without backtracking risk", function () {
            assert.match(CATALOGUE_SOURCE, /^@secretlint\/secretlint-rule-preset-recommend@\d+\.\d+\.\d+$/);
            const rules = new Set(catalogue.formats.map((format) => format.rule.replace("@secretlint/secretlint-rule-", "")));
            for (const rule of ["aws", "privatekey", "npm", "basicauth", "slack", "sendgrid", "shopify", "github", "gitlab", "grafana", "openai", "anthropic", "groq", "huggingface", "linear", "notion", "1password", "database-connection-string", "hashicorp-vault", "vercel", "databricks", "docker", "figma"]) {
                assert.ok(rules.has(rule), rule);
            }
            assert.ok(!rules.has("filter-comments"), "a filter of findings is not a format");
            for (const format of catalogue.formats) {
                assert.deepEqual(backtrackingRisks(format.pattern, format.flags), [], format.id);
                assert.deepEqual(format.anchors, patternAnchors(format.pattern, format.flags), format.id);
                assert.ok(format.anchors.length > 0 && format.anchors.every((anchor) => anchor.length >= 2), format.id);
            }
        });

        it("gives a reason for every catalogue pattern the pack does not use or filters, and for every format of its own", function () {
            const ids = new Set(catalogue.formats.map((format) => format.id));
            assert.deepEqual(Object.keys(CATALOGUE_NOT_USED).filter((id) => !ids.has(id)), [], "an exclusion of a pattern the catalogue no longer has");
            assert.deepEqual(Object.keys(REFINEMENT_REASONS).filter((id) => !ids.has(id)), [], "a refinement of a pattern the catalogue no longer has");
            for (const reason of [...Object.values(CATALOGUE_NOT_USED), ...Object.values(REFINEMENT_REASONS), ...Object.values(SUPPLEMENT_REASONS)]) assert.ok(reason.length > 20, reason);
            const own = CREDENTIAL_FORMATS.filter((format) => format.origin === "pack");
            assert.deepEqual(own.map((format) => format.kind).filter((kind) => SUPPLEMENT_REASONS[kind] === undefined), []);
            // The catalogue's formats come first: where two overlap, the catalogue's is reported.
            const firstOwn = CREDENTIAL_FORMATS.findIndex((format) => format.origin === "pack");
            assert.ok(CREDENTIAL_FORMATS.slice(firstOwn).every((format) => format.origin === "pack"));
            assert.equal(CREDENTIAL_FORMATS.length - own.length, catalogue.formats.length - Object.keys(CATALOGUE_NOT_USED).length);
        });

        it("keeps the pack's own formats free of backtracking risk and anchored", function () {
            for (const format of CREDENTIAL_FORMATS.filter((candidate) => candidate.origin === "pack")) {
                assert.deepEqual(backtrackingRisks(format.pattern.source, format.pattern.flags), [], format.kind);
                assert.ok(format.anchors.length > 0 && format.anchors.every((anchor) => anchor.length >= 3), `${format.kind}: ${JSON.stringify(format.anchors)}`);
            }
        });

        it("runs every pattern in linear time on adversarial input built from its own anchors (8x the input costs about 8x, not 64x)", function () {
            const fillers = ["a", "A0", "-", " ", "=/", "_", "\\n", ":@"];
            const inputs = (anchors: readonly string[], size: number): string[] =>
                anchors.slice(0, 3).flatMap((anchor) => [
                    ...fillers.map((filler) => anchor + filler.repeat(Math.ceil(size / filler.length))),
                    anchor.repeat(Math.ceil(size / anchor.length)),
                    `${anchor}${"a".repeat(40)}`.repeat(Math.ceil(size / (anchor.length + 40))),
                ]);
            const slow: string[] = [];
            for (const format of CREDENTIAL_FORMATS) {
                const run = (texts: readonly string[]) => () => {
                    for (const text of texts) for (const match of text.matchAll(format.pattern)) void match;
                };
                const small = cost(run(inputs(format.anchors, 8_000)));
                const large = cost(run(inputs(format.anchors, 64_000)));
                if (large > 24 * small + 20) slow.push(`${format.kind}: 8k ${small.toFixed(1)} ms, 64k ${large.toFixed(1)} ms`);
            }
            assert.deepEqual(slow, []);
        });
    });

    describe("inputs the providers treat as secret (additionalSecretOutputs of every installed SDK)", function () {
        it("is what generate.ts reads from node_modules/@pulumi (run it after upgrading a provider)", function () {
            assert.equal(fs.readFileSync(PROVIDER_SECRET_INPUTS_FILE, "utf8"), serialise(providerSecretInputs()), "policies/catalogues/provider-secret-inputs.json is stale: node -r ./tools/register.js policies/catalogues/generate.ts");
        });

        it("covers every installed provider and the types whose secret inputs the pack long knew by hand", function () {
            assert.deepEqual(
                providerData.sources.map((source) => source.replace(/^@pulumi\/|@.*$/g, "")),
                installedProviders(),
            );
            const known: Readonly<Record<string, readonly string[]>> = {
                "aws:rds/instance:Instance": ["password", "passwordWo"],
                "aws:rds/cluster:Cluster": ["masterPassword", "masterPasswordWo"],
                "aws:elasticache/replicationGroup:ReplicationGroup": ["authToken", "authTokenWo"],
                "gcp:sql/user:User": ["password", "passwordWo"],
                "kubernetes:core/v1:Secret": ["data", "stringData"],
                "pulumi:providers:aws": ["accessKey", "secretKey", "token"],
            };
            for (const [type, inputs] of Object.entries(known)) assert.deepEqual(RESOURCE_SECRET_SINKS[type], inputs, type);
            assert.ok(Object.keys(providerData.types).length > 80);
        });

        it("names only types and inputs the SDKs declare in its exceptions, each with a reason", function () {
            const types = providerData.types as Readonly<Record<string, readonly string[]>>;
            for (const [type, exception] of Object.entries(SECRET_INPUTS_READ_AS_TEXT)) {
                assert.ok(exception.reason.length > 5, type);
                assert.deepEqual(exception.inputs.filter((input) => !(types[type] ?? []).includes(input)), [], `${type}: not secret inputs of the SDK`);
            }
            for (const [type, reason] of Object.entries(SECRET_STORE_VALUES)) assert.ok(types[type] !== undefined && reason.length > 10, type);
            // Supplements are for what no installed SDK says: a provider that is not installed, or an input its SDK does not mark.
            for (const [type, supplement] of Object.entries(SUPPLEMENTARY_SECRET_INPUTS)) {
                assert.deepEqual(supplement.inputs.filter((input) => (types[type] ?? []).includes(input)), [], `${type}: already in the SDK's list`);
                assert.ok(supplement.reason.length > 10, type);
            }
        });
    });

    describe("regular expression analysis", function () {
        it("finds the literals every match contains", function () {
            assert.deepEqual(patternAnchors("(?<!\\p{L})npm_[A-Za-z0-9_]{36}(?![A-Za-z0-9_])", "u"), ["npm_"]);
            assert.deepEqual(patternAnchors("\\b(?:xoxb|xoxp)-(?:\\d-)?[a-z]+", ""), ["xoxb-", "xoxp-"]);
            assert.deepEqual(patternAnchors("(?:https?|ftp):\\/\\/[a-z]+:[a-z]+@", ""), ["ftp://", "http://", "https://"]);
            assert.deepEqual(patternAnchors("HOOKS\\.slack", "i"), ["hooks.slack"]);
            assert.deepEqual(patternAnchors("[a-z]+@[a-z]+", ""), ["@"]);
            assert.deepEqual(patternAnchors("[a-z]+", ""), []);
        });

        it("flags nested and adjacent overlapping quantifiers, and passes separated or bounded ones", function () {
            assert.notDeepEqual(backtrackingRisks("(a+)+b", ""), []);
            assert.notDeepEqual(backtrackingRisks("(?:\\w{1,40}\\w?)+x", ""), []);
            assert.notDeepEqual(backtrackingRisks("\\w+\\w*x", ""), []);
            assert.notDeepEqual(backtrackingRisks("(?:a|ab)*c", ""), []);
            assert.deepEqual(backtrackingRisks("(?:[a-zA-Z0-9]{1,40}-)+[a-zA-Z0-9]{1,40}", ""), []);
            assert.deepEqual(backtrackingRisks("\\w+-\\w+", ""), []);
            assert.deepEqual(backtrackingRisks("[A-Z]{16}\\w{1,20}", ""), []);
        });
    });
});
