import { EnforcementLevel, Severity } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import * as policyDeserialize from "@pulumi/policy/deserialize";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { evaluate } from "../lib/evaluate";
import { ResourceRule, ResourceUnderTest, Rule, StackRule } from "../lib/rule";
import { Tier, TIERS } from "../lib/tiers";
import { RuleConfig, RuleOutcome, runResourceRule, runStackRule } from "../lib/run";

// The analyzer's own deserializer: internal to the SDK, so absent from its type declarations.
const { deserializeProperties } = policyDeserialize as unknown as { deserializeProperties(struct: Struct, proxySecrets: boolean): unknown };

/** The engine's marker for a value not known until the deployment (a preview's computed output). */
export const UNKNOWN = pulumi.runtime.unknownValue;

/** Wraps a value the way the engine marks a secret on the wire. */
export function secret(value: unknown): Record<string, unknown> {
    return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

/** Props exactly as the analyzer hands them to a rule: through a protobuf Struct and the SDK's deserializer. */
export function analyzerProps(props: Record<string, unknown>): Record<string, unknown> {
    // The wire has no `undefined`: absent properties are simply not sent.
    const struct = Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Parameters<typeof Struct.fromJavaScript>[0]);
    return deserializeProperties(struct, false) as Record<string, unknown>;
}

export interface HarnessOptions {
    readonly tier?: Tier;
    readonly stack?: string;
    readonly now?: Date;
    /** This rule's entry of the pack config. */
    readonly config?: RuleConfig;
    /** Wrap props in the SDK's unknown-checking proxy, as the analyzer always does (default true). */
    readonly preview?: boolean;
}

export interface TestResource {
    readonly type: string;
    readonly props: Record<string, unknown>;
    readonly name?: string;
    readonly urn?: string;
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

function toResource(resource: TestResource, stack: string): ResourceUnderTest {
    const name = resource.name ?? "subject";
    return {
        type: resource.type,
        name,
        urn: resource.urn ?? `urn:pulumi:${stack}::platform::${resource.type}::${name}`,
        props: analyzerProps(resource.props),
        propertyDependencies: resource.propertyDependencies,
    };
}

function contextOf(options: HarnessOptions): { stack: string; tier: Tier; now: Date } {
    const tier = options.tier ?? "prod";
    return { stack: options.stack ?? tier, tier, now: options.now ?? new Date("2026-11-24T12:00:00Z") };
}

/** Runs a resource rule the way the pack does. */
export function checkResource(rule: ResourceRule, resource: TestResource, options: HarnessOptions = {}): RuleOutcome[] {
    const context = contextOf(options);
    return runResourceRule(rule, toResource(resource, context.stack), context, options.config ?? {}, options.preview ?? true);
}

export function checkStack(rule: StackRule, resources: readonly TestResource[], options: HarnessOptions = {}): RuleOutcome[] {
    const context = contextOf(options);
    return runStackRule(rule, resources.map((resource) => toResource(resource, context.stack)), context, options.preview ?? true);
}

/** Messages of the violations only. */
export function violationMessages(outcomes: readonly RuleOutcome[]): string[] {
    return outcomes.filter((outcome) => outcome.kind === "violation").map((outcome) => outcome.message);
}

/** What a user sees of resources that violate a rule, as the pack and the offline plan report it. */
export interface Verdicts {
    readonly severity: Severity | undefined;
    /** The enforcement of the findings in each tier; "none" where the rule reports nothing. */
    readonly enforcement: Readonly<Record<Tier, EnforcementLevel | "none">>;
    /** Whether pack-config exemptions for the resources suppress every finding (in prod). */
    readonly exemptable: boolean;
}

/** Runs a rule through the evaluator in every tier, and once more with every resource exempted in the pack config. */
export function verdictsOn(rule: Rule, violating: readonly TestResource[]): Verdicts {
    const findingsIn = (tier: Tier, packConfig?: unknown): ReturnType<typeof evaluate>["findings"] => {
        const context = contextOf({ tier });
        return evaluate(violating.map((resource) => toResource(resource, context.stack)), { context, rules: [rule], packConfig }).findings;
    };
    const enforcement = Object.fromEntries(
        TIERS.map((tier) => {
            const levels = [...new Set(findingsIn(tier).map((finding) => finding.enforcement))];
            return [tier, levels.length === 0 ? "none" : levels.join(", ")];
        }),
    ) as Record<Tier, EnforcementLevel | "none">;
    const prod = findingsIn("prod");
    const exemptions = violating.map((resource) => ({ resource: resource.name ?? "subject", reason: "accepted until the migration in CHG-1234", expires: "2099-12-31" }));
    const exempted = findingsIn("prod", { [rule.name]: { exemptions } });
    return { severity: prod[0]?.severity, enforcement, exemptable: prod.length > 0 && exempted.length === 0 };
}
