import { strict as assert } from "assert";
import { toPolicyResources } from "../../engine/resource-views";
import { renderStack } from "../../engine/render";
import { checkStack, UNKNOWN, violationMessages } from "../test-support/policy-harness";
import { ResourceUnderTest } from "../lib/rule";
import { PROJECT_DIR, renderedStack } from "../../test/support/stacks";
import { compareFingerprints, fingerprint } from "../lib/parity";
import { environmentParity, environmentParityRule, readBaseline } from "./environment-parity";

async function stackResources(stack: string): Promise<ResourceUnderTest[]> {
    return toPolicyResources((await renderedStack(stack)).resources);
}

describe("policy environment-parity", function () {
    it("staging matches the prod baseline", async function () {
        assert.deepEqual(checkStack(environmentParityRule, await stackResources("staging"), { tier: "staging" }), []);
    });

    it("prod matches its own committed baseline", async function () {
        assert.deepEqual(checkStack(environmentParityRule, await stackResources("prod"), { tier: "prod" }), []);
    });

    it("dev is reported, not enforced: it differs where dev is meant to be cheap", async function () {
        const messages = violationMessages(checkStack(environmentParityRule, await stackResources("dev"), { tier: "dev", stack: "dev" }));
        assert.ok(messages.includes("dev differs from prod at security.postgres.multiAz: dev false, prod true"), messages.join("\n"));
        assert.ok(messages.includes("dev differs from prod at security.cluster.publicEndpoint: dev true, prod false"));
        assert.ok(!messages.some((message) => message.includes(" at size.")), "sizes may differ");
        assert.equal(environmentParityRule.enforcement.dev, "advisory");
        assert.equal(environmentParityRule.enforcement.staging, "mandatory");
    });

    it("a local stack (Docker on a laptop) is never compared with prod, and the rule is disabled there", async function () {
        const local = await stackResources("local");
        assert.deepEqual(checkStack(environmentParityRule, local, { tier: "local", stack: "local" }), []);
        // The same resources in a dev stack are compared, and differ everywhere.
        assert.ok(violationMessages(checkStack(environmentParityRule, local, { tier: "dev", stack: "dev" })).length > 5);
        assert.equal(environmentParityRule.enforcement.local, "disabled");
    });

    it("staging on an older Postgres than prod fails with the path and both versions", async function () {
        const rendered = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "staging",
            configOverrides: { "platform:postgres": JSON.stringify({ engineVersion: "15" }) },
        });
        assert.deepEqual(violationMessages(checkStack(environmentParityRule, toPolicyResources(rendered.resources), { tier: "staging" })), [
            "staging differs from prod at engines.postgres: staging 15, prod 16",
        ]);
    });

    it("allowed differences are sizes, replica counts, registries and hostnames; a rollout strategy is not", async function () {
        const prod = fingerprint(await stackResources("prod"));
        const changed = { ...prod, "size.postgres.instanceClass": "db.t4g.medium", "services.api.replicas": 2, "services.api.hostname": "api.staging.example.com", "services.api.zeroDowntimeRollout": false };
        assert.deepEqual(compareFingerprints(changed, prod).map((difference) => [difference.path, difference.allowed]), [
            ["services.api.hostname", true],
            ["services.api.replicas", true],
            ["services.api.zeroDowntimeRollout", false],
            ["size.postgres.instanceClass", true],
        ]);
    });

    it("a release candidate's digest in staging is no parity difference: which build runs is release-promotion's question", async function () {
        const candidate = `sha256:${"4e".repeat(32)}`;
        const resources = (await stackResources("staging")).map((resource) => {
            if (resource.type !== "kubernetes:apps/v1:Deployment") return resource;
            const text = JSON.stringify(resource.props).replace(/sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287/g, candidate);
            return { ...resource, props: JSON.parse(text) as Record<string, unknown> };
        });
        assert.ok(JSON.stringify(resources).includes(candidate));
        assert.deepEqual(checkStack(environmentParityRule, resources, { tier: "staging" }), []);
        assert.ok(!Object.keys(fingerprint(resources)).some((key) => key.endsWith(".digest")));
    });

    it("a stack without a capability prod has is a difference", async function () {
        const rule = environmentParity(() => readBaseline());
        const withoutRedis = (await stackResources("staging")).filter((resource) => resource.type !== "aws:elasticache/replicationGroup:ReplicationGroup");
        const messages = violationMessages(checkStack(rule, withoutRedis, { tier: "staging" }));
        assert.equal(messages[0], "staging differs from prod at capabilities: staging network, registry, cluster, secrets, postgres, alerting, prometheus, object-storage, backups, messaging, telemetry, prod network, registry, cluster, secrets, postgres, redis, alerting, prometheus, object-storage, backups, messaging, telemetry");
    });

    it("a GCP stack is compared with the GCP prod baseline: gcp-staging and gcp-prod match theirs", async function () {
        assert.deepEqual(checkStack(environmentParityRule, await stackResources("gcp-staging"), { tier: "staging", stack: "gcp-staging" }), []);
        assert.deepEqual(checkStack(environmentParityRule, await stackResources("gcp-prod"), { tier: "prod", stack: "gcp-prod" }), []);
    });

    it("gcp-staging on a zonal Cloud SQL instance, with a public cluster endpoint, differs from gcp prod", async function () {
        const rendered = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "gcp-staging",
            configOverrides: {
                "platform:postgres": JSON.stringify({ multiAz: false }),
                "platform:cluster": JSON.stringify({ endpointAccess: "public-and-private", publicAccessCidrs: ["203.0.113.0/24"] }),
            },
        });
        assert.deepEqual(violationMessages(checkStack(environmentParityRule, toPolicyResources(rendered.resources), { tier: "staging", stack: "gcp-staging" })), [
            "gcp-staging differs from prod at security.cluster.publicEndpoint: gcp-staging true, prod false",
            "gcp-staging differs from prod at security.postgres.multiAz: gcp-staging false, prod true",
        ]);
    });

    it("each cloud's stacks are judged against their own cloud's baseline only", async function () {
        const asked: string[] = [];
        const rule = environmentParity((cloud) => {
            asked.push(cloud);
            return readBaseline();
        });
        checkStack(rule, await stackResources("staging"), { tier: "staging" });
        checkStack(rule, await stackResources("gcp-staging"), { tier: "staging", stack: "gcp-staging" });
        assert.deepEqual(asked, ["aws", "gcp"]);
    });

    it("an unknown engine version during preview gives the advisory can't-run result", async function () {
        const resources = (await stackResources("staging")).map((resource) =>
            resource.type === "aws:eks/cluster:Cluster" ? { ...resource, props: { ...resource.props, version: UNKNOWN } } : resource,
        );
        const [outcome] = checkStack(environmentParityRule, resources, { tier: "staging" });
        assert.equal(outcome.kind, "unknown");
        assert.match(outcome.message, /can't run policy 'environment-parity' .* during preview: string value at \.version can't be known during preview/);
    });
});
