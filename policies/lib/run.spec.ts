import { strict as assert } from "assert";
import { ALL_RULES } from "../rules";
import { evaluate } from "./evaluate";
import { ResourceRule, RuleContext } from "./rule";
import { ALL_POLICIES, enforcementOf, ruleConfigOf } from "./run";

const rule: ResourceRule = {
    kind: "resource",
    name: "always-fails",
    description: "Fails every resource.",
    severity: "high",
    rationale: "For the test.",
    remediation: "None.",
    resourceTypes: ["*"],
    enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" },
    exemptable: true,
    check: () => ["fails"],
};
const other: ResourceRule = { ...rule, name: "also-fails" };
const prod: RuleContext = { stack: "prod", tier: "prod", now: new Date("2030-01-01T00:00:00Z") };

/** The enforcement `--policy-pack-config` gives `rule` in prod. */
const enforcement = (packConfig: unknown, target: ResourceRule = rule) => enforcementOf(target, prod, ruleConfigOf(packConfig, target));

describe("pack config (--policy-pack-config)", function () {
    it("gives a rule its tier's enforcement without config, or with an unusable one", function () {
        for (const packConfig of [undefined, {}, [], "advisory", { [ALL_POLICIES]: "warn" }, { [ALL_POLICIES]: { enforcementLevel: 3 } }, { "always-fails": "loud" }]) {
            assert.equal(enforcement(packConfig), "mandatory", JSON.stringify(packConfig));
        }
    });

    it("takes a rule's own entry, as a level or as {enforcementLevel}", function () {
        assert.equal(enforcement({ "always-fails": "advisory" }), "advisory");
        assert.equal(enforcement({ "always-fails": { enforcementLevel: "disabled" } }), "disabled");
        assert.equal(enforcement({ "always-fails": "advisory" }, other), "mandatory");
    });

    it("applies a top-level `all` to every rule, as a level or as {enforcementLevel}", function () {
        for (const all of ["advisory", { enforcementLevel: "advisory" }]) {
            assert.equal(enforcement({ [ALL_POLICIES]: all }), "advisory");
            assert.equal(enforcement({ [ALL_POLICIES]: all }, other), "advisory");
        }
        assert.equal(enforcement({ [ALL_POLICIES]: "disabled" }), "disabled");
    });

    it("lets a rule's own enforcement level take precedence over `all`", function () {
        assert.equal(enforcement({ [ALL_POLICIES]: "advisory", "always-fails": "mandatory" }), "mandatory");
        assert.equal(enforcement({ [ALL_POLICIES]: "disabled", "always-fails": { enforcementLevel: "remediate" } }), "remediate");
        assert.equal(enforcement({ [ALL_POLICIES]: "disabled", "always-fails": "advisory" }, other), "disabled");
    });

    it("keeps a rule's own properties under `all`'s level, and gives no rule `all`'s other properties (as the CLI does)", function () {
        const exemptions = [{ urn: "urn:pulumi:prod::platform::aws:s3/bucket:Bucket::logs", reason: "r", expires: "2031-01-01" }];
        assert.deepEqual(ruleConfigOf({ [ALL_POLICIES]: "advisory", "always-fails": { exemptions } }, rule), { exemptions, enforcementLevel: "advisory" });
        assert.deepEqual(ruleConfigOf({ [ALL_POLICIES]: { enforcementLevel: "advisory", exemptions } }, rule), { enforcementLevel: "advisory" });
    });

    it("is what the offline evaluation reports and skips", function () {
        const resource = { type: "aws:s3/bucket:Bucket", name: "logs", urn: "urn:pulumi:prod::platform::aws:s3/bucket:Bucket::logs", props: {} };
        const run = (packConfig: unknown) => evaluate([resource], { context: prod, rules: [rule, other], packConfig });
        assert.deepEqual(run({ [ALL_POLICIES]: "advisory", "also-fails": "mandatory" }).findings.map((finding) => [finding.rule, finding.enforcement]), [
            ["always-fails", "advisory"],
            ["also-fails", "mandatory"],
        ]);
        assert.deepEqual(run({ [ALL_POLICIES]: "disabled", "also-fails": "advisory" }).findings.map((finding) => [finding.rule, finding.enforcement]), [["also-fails", "advisory"]]);
    });

    it("has no rule named `all`, a name the SDK reserves", function () {
        assert.deepEqual(ALL_RULES.filter((candidate) => candidate.name === ALL_POLICIES), []);
    });
});
