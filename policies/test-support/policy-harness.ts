import * as pulumi from "@pulumi/pulumi";
import * as policyDeserialize from "@pulumi/policy/deserialize";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ResourceRule, ResourceUnderTest, StackRule } from "../lib/rule";
import { Tier } from "../lib/tiers";
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
