import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { Rule } from "../lib/rule";
import { encryptionAtRest } from "./encryption-at-rest";
import { ALL_RULES } from "./index";
import { noPublicDataStores } from "./no-public-data-stores";
import { createPolicyExemptionsValid } from "./policy-exemptions-valid";

const rules: Rule[] = [];
const policyExemptionsValid = createPolicyExemptionsValid(() => rules);
rules.push(encryptionAtRest, noPublicDataStores, policyExemptionsValid);

const TAGS = { environment: "prod", project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering" };
const REASON = "restored from an unencrypted snapshot, migration PLAT-812";
// An RDS instance as components/postgres/aws.ts renders it, with extra tags.
const tagged = (tags: Record<string, unknown>): TestResource => ({
    type: "aws:rds/instance:Instance",
    name: "db",
    props: { identifier: "platform-prod-postgres", engine: "postgres", storageEncrypted: true, publiclyAccessible: false, tags: { ...TAGS, ...tags } },
});

// The harness's clock: 2026-11-24T12:00:00Z.
const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(policyExemptionsValid, resource, options));

describe("policy policy-exemptions-valid", function () {
    it("passes resources without markers, and markers that name an exemptable rule with a date and a reason", function () {
        assert.deepEqual(checkResource(policyExemptionsValid, tagged({})), []);
        assert.deepEqual(checkResource(policyExemptionsValid, tagged({ "policy.platform/exempt-encryption-at-rest": `2027-01-31 ${REASON}` })), []);
    });

    it("flags a marker that names no rule of the pack", function () {
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-encryption-at-rst": `2027-01-31 ${REASON}` })), [
            "exemption marker policy.platform/exempt-encryption-at-rst names no rule of this policy pack",
        ]);
    });

    it("flags a marker that names a rule which cannot be exempted, this one included", function () {
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-policy-exemptions-valid": `2027-01-31 ${REASON}` })), [
            // The runner adds the suffix: the marker would exempt this very violation, and this rule cannot be exempted.
            "exemption marker policy.platform/exempt-policy-exemptions-valid names rule policy-exemptions-valid, which cannot be exempted (this rule cannot be exempted)",
        ]);
    });

    it("flags a marker whose date does not parse or whose reason is too short", function () {
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-encryption-at-rest": `31/01/2027 ${REASON}` })), [
            'exemption marker policy.platform/exempt-encryption-at-rest is ignored: expiry "31/01/2027" is not a date (YYYY-MM-DD)',
        ]);
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-encryption-at-rest": `2027-02-30 ${REASON}` })), [
            'exemption marker policy.platform/exempt-encryption-at-rest is ignored: expiry "2027-02-30" is not a date (YYYY-MM-DD)',
        ]);
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-encryption-at-rest": "2027-01-31 migration" })), [
            "exemption marker policy.platform/exempt-encryption-at-rest is ignored: a written reason of at least 10 characters is required",
        ]);
    });

    it("flags an expired marker; a marker holds through its expiry day (UTC)", function () {
        const marker = tagged({ "policy.platform/exempt-no-public-data-stores": "2026-11-24 vendor benchmark, anonymised data only" });
        assert.deepEqual(messages(marker, { now: new Date("2026-11-24T23:59:59.999Z") }), []);
        assert.deepEqual(messages(marker, { now: new Date("2026-11-25T00:00:00Z") }), [
            "exemption marker policy.platform/exempt-no-public-data-stores expired on 2026-11-24 (vendor benchmark, anonymised data only)",
        ]);
        // With the harness clock (2026-11-24 noon), yesterday's marker has expired.
        assert.deepEqual(messages(tagged({ "policy.platform/exempt-encryption-at-rest": `2026-11-23 ${REASON}` })), [
            `exemption marker policy.platform/exempt-encryption-at-rest expired on 2026-11-23 (${REASON})`,
        ]);
    });

    it("reports every bad marker of a resource, by rule name, whether tag, label or annotation", function () {
        assert.deepEqual(
            messages(tagged({ "policy.platform/exempt-nope": `2027-01-31 ${REASON}`, "policy.platform/exempt-encryption-at-rest": "soon", "policy.platform/exempt-no-public-data-stores": `2027-01-31 ${REASON}` })),
            [
                'exemption marker policy.platform/exempt-encryption-at-rest is ignored: expiry "soon" is not a date (YYYY-MM-DD)',
                "exemption marker policy.platform/exempt-nope names no rule of this policy pack",
            ],
        );
        const deployment: TestResource = {
            type: "kubernetes:apps/v1:Deployment",
            name: "api",
            props: { metadata: { name: "api", annotations: { "policy.platform/exempt-encryption-at-rest": "2026-01-01 long since migrated to KMS" } }, spec: {} },
        };
        assert.deepEqual(messages(deployment), ["exemption marker policy.platform/exempt-encryption-at-rest expired on 2026-01-01 (long since migrated to KMS)"]);
        const gcpLabelled: TestResource = { type: "gcp:storage/bucket:Bucket", name: "logs", props: { labels: { "policy.platform/exempt-typo": `2027-01-31 ${REASON}` } } };
        assert.deepEqual(messages(gcpLabelled), ["exemption marker policy.platform/exempt-typo names no rule of this policy pack"]);
    });

    it("knows every rule of the registry, itself included", function () {
        assert.ok(ALL_RULES.some((rule) => rule.name === "policy-exemptions-valid"));
        const registered = ALL_RULES.find((rule) => rule.name === "policy-exemptions-valid");
        assert.ok(registered && registered.kind === "resource");
        for (const rule of ALL_RULES) {
            const outcomes = violationMessages(checkResource(registered, tagged({ [`policy.platform/exempt-${rule.name}`]: `2027-01-31 ${REASON}` })));
            if (rule.exemptable) assert.deepEqual(outcomes, [], rule.name);
            else assert.match(outcomes[0] ?? "", new RegExp(`names rule ${rule.name}, which cannot be exempted`), rule.name);
        }
    });

    it("rejects a marker for a stack rule: stack rules apply no exemptions", function () {
        const registered = ALL_RULES.find((rule) => rule.name === "policy-exemptions-valid");
        assert.ok(registered && registered.kind === "resource");
        const stackRules = ALL_RULES.filter((rule) => rule.kind === "stack");
        assert.ok(stackRules.length > 0);
        for (const rule of stackRules) {
            assert.deepEqual(violationMessages(checkResource(registered, tagged({ [`policy.platform/exempt-${rule.name}`]: `2027-01-31 ${REASON}` }))), [`exemption marker policy.platform/exempt-${rule.name} names rule ${rule.name}, which cannot be exempted`]);
        }
    });

    it("reports the advisory can't-run result when the tags are unknown during preview", function () {
        const outcomes = checkResource(policyExemptionsValid, { type: "aws:rds/instance:Instance", name: "db", props: { identifier: "platform-prod-postgres", tags: UNKNOWN } });
        assert.equal(outcomes.length, 1);
        assert.equal(outcomes[0].kind, "unknown");
        assert.equal(outcomes[0].message, `can't run policy 'policy-exemptions-valid' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .tags can't be known during preview`);
    });

    it("is medium severity, mandatory in every tier, not exemptable, and applies to every resource type", function () {
        assert.deepEqual(verdictsOn(policyExemptionsValid, [tagged({ "policy.platform/exempt-typo": `2027-01-31 ${REASON}` })]), { severity: "medium", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: false });
        assert.deepEqual(policyExemptionsValid.resourceTypes, ["*"]);
    });
});
