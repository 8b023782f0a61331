import { strict as assert } from "assert";
import { packContext, UNNAMED_STACK, withStackOfResources } from "./pack-context";

const now = new Date("2030-01-01T00:00:00Z");
const devUrns = ["urn:pulumi:dev::platform::pulumi:pulumi:Stack::platform-dev", "urn:pulumi:dev::platform::aws:s3/bucket:Bucket::logs"];

describe("the pack's context", function () {
    it("takes stack and tier from what the CLI passes (PULUMI_NODEJS_STACK, PULUMI_CONFIG)", function () {
        assert.deepEqual(packContext({ PULUMI_NODEJS_STACK: "staging" }, now), { stack: "staging", tier: "staging", now });
        assert.deepEqual(packContext({ PULUMI_NODEJS_STACK: "eu-1", PULUMI_CONFIG: '{"platform:tier":"dev"}' }, now), { stack: "eu-1", tier: "dev", now });
    });

    it("without a stack (`pulumi policy analyze --file`): prod enforcement, and stack rules name the stack of the resources' URNs", function () {
        const context = packContext({}, now);
        assert.deepEqual(context, { stack: UNNAMED_STACK, tier: "prod", now });
        assert.deepEqual(withStackOfResources(context, devUrns), { stack: "dev", tier: "prod", now });
    });

    it("keeps a stack the CLI named, and stays unnamed for resources of several stacks or none", function () {
        const named = packContext({ PULUMI_NODEJS_STACK: "prod" }, now);
        assert.equal(withStackOfResources(named, devUrns), named);
        const unnamed = packContext({}, now);
        assert.equal(withStackOfResources(unnamed, [...devUrns, "urn:pulumi:prod::platform::aws:s3/bucket:Bucket::logs"]).stack, UNNAMED_STACK);
        assert.equal(withStackOfResources(unnamed, []).stack, UNNAMED_STACK);
        assert.equal(withStackOfResources(unnamed, ["not-a-urn"]).stack, UNNAMED_STACK);
    });
});
