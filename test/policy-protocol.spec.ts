import { strict as assert } from "assert";
import { toPolicyResources } from "../engine/resource-views";
import { RenderedResource } from "../engine/render";
import { evaluate, Finding } from "../policies/lib/evaluate";
import { EXEMPTIONS_IN_USE } from "../policies/lib/crossguard";
import { ALL_RULES } from "../policies/rules";
import { EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { Diagnostic, PolicyPackProcess, WireResource } from "./support/analyzer-client";
import { renderedStack } from "./support/stacks";

type Inputs = Record<string, unknown>;
const NOW = new Date();

/** A verdict in a form both sides produce: rule, resource, enforcement and message. */
function verdictKey(rule: string, urn: string, enforcement: string, message: string): string {
    return `${rule} | ${urn.split("::").pop() ?? urn} | ${enforcement} | ${message}`;
}

function fromFindings(findings: readonly Finding[]): string[] {
    return findings.map((finding) => verdictKey(finding.rule, finding.urn ?? "", finding.enforcement, finding.message)).sort();
}

/** The SDK prefixes every message with the policy's description line. */
function fromDiagnostics(diagnostics: readonly (Diagnostic & { subject?: string })[]): string[] {
    return diagnostics
        .filter((diagnostic) => diagnostic.policy !== EXEMPTIONS_IN_USE)
        .map((diagnostic) => verdictKey(diagnostic.policy, diagnostic.urn || diagnostic.subject || "", diagnostic.enforcement, diagnostic.message.split("\n").slice(1).join("\n")))
        .sort();
}

function toWire(resource: RenderedResource): WireResource {
    return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.inputs, parent: resource.parent, propertyDependencies: resource.propertyDependencies };
}

/** Staging with the four classic mistakes: a :latest image, a plaintext password, an older Postgres, a public database. */
function seedMistakes(resources: readonly RenderedResource[]): RenderedResource[] {
    return resources.map((resource) => {
        const inputs = JSON.parse(JSON.stringify(resource.inputs)) as Inputs;
        const metadataName = (inputs.metadata as Inputs | undefined)?.name;
        if (resource.type === "aws:rds/instance:Instance") {
            return { ...resource, inputs: { ...inputs, engineVersion: "15", publiclyAccessible: true } };
        }
        if (resource.type === "kubernetes:apps/v1:Deployment") {
            const container = ((((inputs.spec as Inputs).template as Inputs).spec as Inputs).containers as Inputs[])[0];
            if (metadataName === "api") container.image = "nginx:latest";
            if (metadataName === "worker") (container.env as Inputs[]).push({ name: "DB_PASSWORD", value: "hunter2-in-plaintext" });
        }
        return { ...resource, inputs };
    });
}

type Level = Diagnostic["enforcement"];
const LEVEL_NAMES: Record<EnforcementLevel, Level> = {
    [EnforcementLevel.ADVISORY]: "advisory",
    [EnforcementLevel.MANDATORY]: "mandatory",
    [EnforcementLevel.DISABLED]: "disabled",
    [EnforcementLevel.REMEDIATE]: "remediate",
};

/**
 * What the Pulumi CLI sends in Configure for a `--policy-pack-config` document (ReconcilePolicyPackConfig /
 * applyConfig in pkg/resource/policy): each policy's default level from GetAnalyzerInfo, then the `all`
 * entry's level over every policy, then each policy's own entry. The SDK never reads `all` itself.
 */
function cliPolicyConfig(
    defaults: Readonly<Record<string, Level>>,
    document: Readonly<Record<string, Level | { enforcementLevel?: Level }>>,
): Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }> {
    const levelOf = (entry: Level | { enforcementLevel?: Level } | undefined): Level | undefined => (typeof entry === "string" ? entry : entry?.enforcementLevel);
    const all = levelOf(document.all);
    // The CLI always sends a properties Struct, empty when there are none.
    const result = Object.fromEntries(Object.entries(defaults).map(([policy, level]) => [policy, { enforcementLevel: all ?? level, properties: {} }]));
    for (const [policy, entry] of Object.entries(document)) result[policy] = { enforcementLevel: levelOf(entry) ?? result[policy]?.enforcementLevel ?? "advisory", properties: {} };
    return result;
}

async function analyzeOverProtocol(stack: string, resources: readonly RenderedResource[], packConfig: Readonly<Record<string, Level | { enforcementLevel?: Level }>> = {}): Promise<Diagnostic[]> {
    const pack = await PolicyPackProcess.start({ stack, config: { "platform:tier": stack } });
    try {
        const defaults = Object.fromEntries((await pack.info()).getPoliciesList().map((policy) => [policy.getName(), LEVEL_NAMES[policy.getEnforcementlevel()]]));
        await pack.configure(Object.keys(packConfig).length === 0 ? {} : cliPolicyConfig(defaults, packConfig));
        const diagnostics: (Diagnostic & { subject?: string })[] = [];
        for (const resource of resources) {
            for (const diagnostic of await pack.analyze(toWire(resource))) diagnostics.push({ ...diagnostic, subject: resource.urn });
        }
        diagnostics.push(...(await pack.analyzeStack(resources.map(toWire))));
        return diagnostics;
    } finally {
        pack.stop();
    }
}

describe("the policy pack over the real analyzer protocol", function () {
    this.timeout(120_000);

    it("GetAnalyzerInfo lists every rule with the stack tier's enforcement", async function () {
        const pack = await PolicyPackProcess.start({ stack: "dev", config: {} });
        try {
            const info = await pack.info();
            assert.equal(info.getName(), "platform-policies");
            const policies = Object.fromEntries(info.getPoliciesList().map((policy) => [policy.getName(), policy.getEnforcementlevel()]));
            assert.deepEqual(Object.keys(policies).sort(), [...ALL_RULES.map((rule) => rule.name), EXEMPTIONS_IN_USE].sort());
            // dev: image pinning is advisory (0), wildcard IAM mandatory (1).
            assert.equal(policies["image-pinned-by-digest"], 0);
            assert.equal(policies["no-wildcard-iam-actions"], 1);
        } finally {
            pack.stop();
        }
    });

    it("prod as rendered: no verdicts over the protocol, as in process", async function () {
        const prod = await renderedStack("prod");
        const overProtocol = fromDiagnostics(await analyzeOverProtocol("prod", prod.resources));
        const inProcess = fromFindings(evaluate(toPolicyResources(prod.resources), { context: { stack: "prod", tier: "prod", now: NOW }, rules: ALL_RULES }).findings);
        assert.deepEqual(overProtocol, inProcess);
        assert.deepEqual(overProtocol, []);
    });

    it("staging with seeded mistakes: the same verdicts over the protocol as in process, each with the right rule", async function () {
        const seeded = seedMistakes((await renderedStack("staging")).resources);
        const overProtocol = fromDiagnostics(await analyzeOverProtocol("staging", seeded));
        const inProcess = fromFindings(evaluate(toPolicyResources(seeded), { context: { stack: "staging", tier: "staging", now: NOW }, rules: ALL_RULES }).findings);
        assert.deepEqual(overProtocol, inProcess);

        const expected: [string, RegExp][] = [
            ["image-pinned-by-digest", /container "api" runs "nginx:latest" without a sha256 digest/],
            ["no-plaintext-secrets", /DB_PASSWORD/],
            ["environment-parity", /at engines\.postgres: staging 15, prod 16/],
            ["no-public-data-stores", /publicly accessible|publiclyAccessible/i],
        ];
        for (const [rule, message] of expected) {
            assert.ok(inProcess.some((verdict) => verdict.startsWith(`${rule} |`) && verdict.includes("| mandatory |") && message.test(verdict)), `${rule} reports ${message}:\n${inProcess.join("\n")}`);
        }
        assert.ok(!inProcess.join("\n").includes("hunter2-in-plaintext"), "the seeded password is never printed");
    });

    it("an `all` enforcement level in the pack config, a policy's own level over it: the same verdicts over the protocol as in process", async function () {
        const seeded = seedMistakes((await renderedStack("staging")).resources);
        // The stack rules that read the Deployments' images stay out, as parity did: the seeded inputs differ from the rendered state they judge.
        const packConfig = { all: "advisory", "no-plaintext-secrets": { enforcementLevel: "mandatory" }, "environment-parity": "disabled", "release-promotion": "disabled" } as const;
        const overProtocol = fromDiagnostics(await analyzeOverProtocol("staging", seeded, packConfig));
        const inProcess = fromFindings(evaluate(toPolicyResources(seeded), { context: { stack: "staging", tier: "staging", now: NOW }, rules: ALL_RULES, packConfig }).findings);
        assert.deepEqual(overProtocol, inProcess);
        const levels = [...new Set(inProcess.map((verdict) => verdict.split(" | ").filter((_, index) => index !== 1 && index !== 3).join(" | ")))].sort();
        assert.deepEqual(levels, ["image-pinned-by-digest | advisory", "no-plaintext-secrets | mandatory", "no-public-data-stores | advisory"]);
    });
});

describe("the exemptions listing over the real analyzer protocol", function () {
    this.timeout(120_000);

    it("lists what Analyze suppressed (judging inputs), even when AnalyzeStack's view of the resource differs", async function () {
        const staging = (await renderedStack("staging")).resources;
        const exemptAnnotation = { "policy.platform/exempt-image-pinned-by-digest": "2099-01-01 vendor image, pinned upstream next quarter" };
        const withExemptTag = staging.map((resource) => {
            if (resource.type !== "kubernetes:apps/v1:Deployment") return resource;
            const inputs = JSON.parse(JSON.stringify(resource.inputs)) as Inputs;
            if ((inputs.metadata as Inputs).name !== "api") return resource;
            (inputs.metadata as Inputs).annotations = { ...((inputs.metadata as Inputs).annotations as Inputs | undefined), ...exemptAnnotation };
            ((((inputs.spec as Inputs).template as Inputs).spec as Inputs).containers as Inputs[])[0].image = "nginx:latest";
            return { ...resource, inputs };
        });
        const api = withExemptTag.find((resource) => resource.type === "kubernetes:apps/v1:Deployment" && (resource.inputs.metadata as Inputs).name === "api");
        assert.ok(api);
        const pack = await PolicyPackProcess.start({ stack: "staging", config: { "platform:tier": "staging" } });
        try {
            await pack.configure({});
            const resourceVerdicts = (await Promise.all(withExemptTag.map((resource) => pack.analyze(toWire(resource))))).flat();
            assert.ok(!resourceVerdicts.some((diagnostic) => diagnostic.policy === "image-pinned-by-digest"), "the exemption suppressed the violation");
            // The stack's view (state outputs) no longer carries the annotation: the listing must still report what was suppressed.
            const stackView = withExemptTag.map((resource) => (resource === api ? { ...toWire(resource), props: { ...resource.inputs, metadata: { name: "api", namespace: "api" } } } : toWire(resource)));
            const listing = (await pack.analyzeStack(stackView)).filter((diagnostic) => diagnostic.policy === EXEMPTIONS_IN_USE);
            assert.equal(listing.length, 1);
            assert.equal(listing[0].urn, api.urn);
            assert.match(listing[0].message, /exempt from image-pinned-by-digest until 2099-01-01 \(resource\): vendor image, pinned upstream next quarter — suppressed: /);
        } finally {
            pack.stop();
        }
    });
});
