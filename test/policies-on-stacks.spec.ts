import { strict as assert } from "assert";
import { toPolicyResources } from "../engine/resource-views";
import { renderStack, RenderedStack } from "../engine/render";
import { evaluate, Evaluation } from "../policies/lib/evaluate";
import { Tier } from "../policies/lib/tiers";
import { ALL_RULES } from "../policies/rules";
import { isBlocking } from "../tools/report";
import { PROJECT_DIR, renderedStack } from "./support/stacks";

function judge(stack: RenderedStack, tier: Tier): Evaluation {
    return evaluate(toPolicyResources(stack.resources), { context: { stack: stack.stack, tier, now: new Date() }, rules: ALL_RULES });
}

describe("the policy pack on the rendered stacks", function () {
    for (const [stack, tier] of [["dev", "dev"], ["staging", "staging"], ["prod", "prod"], ["gcp-dev", "dev"], ["gcp-staging", "staging"], ["gcp-prod", "prod"]] as const) {
        it(`${stack}: no mandatory violation`, async function () {
            const evaluation = judge(await renderedStack(stack), tier);
            assert.deepEqual(evaluation.findings.filter(isBlocking).map((finding) => `${finding.rule}: ${finding.message}`), []);
            assert.deepEqual(evaluation.exemptions, []);
        });
    }

    it("staging and prod, on AWS and on GCP, have no finding at all; dev's are parity differences only, and advisory", async function () {
        for (const [stack, tier] of [["staging", "staging"], ["prod", "prod"], ["gcp-staging", "staging"], ["gcp-prod", "prod"]] as const) assert.deepEqual(judge(await renderedStack(stack), tier).findings, [], stack);
        const dev = judge(await renderedStack("dev"), "dev");
        assert.ok(dev.findings.length > 0);
        assert.deepEqual([...new Set(dev.findings.map((finding) => `${finding.rule}/${finding.enforcement}`))], ["environment-parity/advisory"]);
    });

    it("a :latest image in dev is reported (advisory in dev) by image-pinned-by-digest", async function () {
        const services = JSON.stringify([
            { name: "api", image: "nginx:latest", port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } },
        ]);
        const dev = await renderStack({ projectDir: PROJECT_DIR, stack: "dev", configOverrides: { "platform:services": services, "platform:messaging": JSON.stringify({ topics: {} }) } });
        const findings = judge(dev, "dev").findings.filter((finding) => finding.rule === "image-pinned-by-digest");
        assert.deepEqual(findings.map((finding) => [finding.enforcement, finding.message]), [
            ["advisory", 'Deployment platform-dev-api-deployment: container "api" runs "nginx:latest" without a sha256 digest'],
        ]);
    });

    it("a public database in staging fails no-public-data-stores, and parity with prod too", async function () {
        const staging = await renderedStack("staging");
        const resources = toPolicyResources(staging.resources).map((resource) =>
            resource.type === "aws:rds/instance:Instance" ? { ...resource, props: { ...resource.props, publiclyAccessible: true } } : resource,
        );
        const findings = evaluate(resources, { context: { stack: "staging", tier: "staging", now: new Date() }, rules: ALL_RULES }).findings.filter(isBlocking);
        assert.deepEqual(findings.map((finding) => finding.rule), ["no-public-data-stores", "environment-parity"]);
        assert.equal(findings[1].message, "staging differs from prod at security.postgres.public: staging true, prod false");
    });
});
