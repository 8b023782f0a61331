import { EnforcementLevel } from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { PACK_NAME, PACK_VERSION } from "./pack-info";
import { configuredExemptions, Exemption, exemptionFor } from "./exemptions";
import { appliesTo, ResourceRule, ResourceUnderTest, Rule, RuleContext, StackRule } from "./rule";
import { isRecord } from "./values";
import { describeFound } from "./found-value";
import { safeKey } from "./secret-detection";

/**
 * One place that decides what running a rule means, shared by the CrossGuard pack, the offline plan,
 * the audit and the tests: exemptions, preview unknowns and rules that throw are handled here alike.
 */
export type RuleOutcome =
    | { readonly kind: "violation"; readonly message: string; readonly urn?: string }
    | { readonly kind: "exempted"; readonly message: string; readonly exemption: Exemption }
    /** The rule met a value that is unknown until the deployment (the SDK's advisory result). */
    | { readonly kind: "unknown"; readonly message: string; readonly urn?: string; readonly error: UnknownValueError };

/** Config of one rule from the pack config: `{enforcementLevel?, exemptions?}`. */
export type RuleConfig = Record<string, unknown>;

export function ruleFailureMessage(rule: Rule, error: unknown): string {
    // A rule that throws is a violation, never a pass: the resource was not proven compliant.
    // Error messages quote what they choked on (JSON.parse quotes the text), which may be a secret: not those parts.
    const detail = error instanceof Error ? `${error.name}: ${error.message.split("\n")[0].replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "…").slice(0, 200)}` : typeof error;
    return `rule ${rule.name} could not evaluate this resource (${detail}); treat it as non-compliant until the rule is fixed`;
}

export function previewUnknownMessage(rule: Rule, error: UnknownValueError): string {
    // Word for word what the SDK reports, so offline and CrossGuard verdicts compare equal.
    return `can't run policy '${rule.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${error.message}`;
}

/** The SDK's unknown-checking proxy hands out its target under this key (internal to @pulumi/policy). */
const PROXY_TARGET = "__getSpecialProxyTarget";
const IS_PROXY = "__isSpecialProxy";

/** Props without the preview proxy: exemption markers are read as plain data, even beside unknown values. */
function unproxied(props: Record<string, unknown>): Record<string, unknown> {
    return props[IS_PROXY] === true ? (props[PROXY_TARGET] as Record<string, unknown>) : props;
}

function applyExemption(rule: ResourceRule, resource: ResourceUnderTest, message: string, ruleConfig: RuleConfig, context: RuleContext): RuleOutcome {
    const state = exemptionFor(rule, { ...resource, props: unproxied(resource.props) }, configuredExemptions(ruleConfig), context.now);
    if (!rule.exemptable && state.kind !== "none") return { kind: "violation", message: `${message} (this rule cannot be exempted)` };
    switch (state.kind) {
        case "active":
            return { kind: "exempted", message, exemption: state.exemption };
        case "expired":
            return { kind: "violation", message: `${message} (exemption expired on ${state.exemption.expires}: ${state.exemption.reason})` };
        case "malformed":
            return { kind: "violation", message: `${message} (exemption ignored: ${state.problem})` };
        case "none":
            return { kind: "violation", message };
    }
}

/**
 * Runs a resource rule on one resource. `props` may already be wrapped in the analyzer's unknown-checking
 * proxy (CrossGuard does that); with `preview` the props are wrapped here.
 */
export function runResourceRule(rule: ResourceRule, resource: ResourceUnderTest, context: RuleContext, ruleConfig: RuleConfig = {}, preview = false): RuleOutcome[] {
    if (!appliesTo(rule, resource.type)) return [];
    const props = preview ? (unknownCheckingProxy(resource.props) as Record<string, unknown>) : resource.props;
    let messages: string[];
    try {
        messages = rule.check({ ...resource, props }, context);
    } catch (error) {
        if (error instanceof UnknownValueError) return [{ kind: "unknown", message: previewUnknownMessage(rule, error), urn: resource.urn, error }];
        messages = [ruleFailureMessage(rule, error)];
    }
    return messages.map((message) => applyExemption(rule, resource, message, ruleConfig, context));
}

export function runStackRule(rule: StackRule, resources: readonly ResourceUnderTest[], context: RuleContext, preview = false): RuleOutcome[] {
    const viewed = preview ? resources.map((resource) => ({ ...resource, props: unknownCheckingProxy(resource.props) as Record<string, unknown> })) : resources;
    try {
        return rule.check(viewed, context).map((violation) => ({ kind: "violation" as const, ...violation }));
    } catch (error) {
        if (error instanceof UnknownValueError) return [{ kind: "unknown", message: previewUnknownMessage(rule, error), error }];
        return [{ kind: "violation", message: ruleFailureMessage(rule, error) }];
    }
}

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

/** Enforcement of a rule in a tier, unless the pack config overrides it. */
export function enforcementOf(rule: Rule, context: RuleContext, ruleConfig: RuleConfig = {}): EnforcementLevel {
    const configured = ruleConfig.enforcementLevel;
    return isEnforcementLevel(configured) ? configured : rule.enforcement[context.tier];
}

/** The key of `--policy-pack-config` that applies to every policy of the pack. */
export const ALL_POLICIES = "all";

/** `"advisory"` or `{enforcementLevel: "advisory", ...}` as a config object. */
function configEntry(entry: unknown): RuleConfig {
    if (typeof entry === "string") return { enforcementLevel: entry };
    return isRecord(entry) ? entry : {};
}

/**
 * A rule's config from the `--policy-pack-config` document, resolved as the Pulumi CLI does before it
 * hands the pack each policy's config (Configure RPC; the SDK itself never reads an `all` key): the
 * top-level `all` entry (an enforcement level, or `{enforcementLevel}`) sets the enforcement level of
 * every policy, its other properties apply to none; the policy's own entry takes precedence. (The SDK
 * reserves the name `all`: no policy may be called that.)
 */
export function ruleConfigOf(packConfig: unknown, rule: Rule): RuleConfig {
    if (!isRecord(packConfig)) return {};
    const own = configEntry(packConfig[rule.name]);
    if (isEnforcementLevel(own.enforcementLevel)) return own;
    const all = configEntry(packConfig[ALL_POLICIES]).enforcementLevel;
    return isEnforcementLevel(all) ? { ...own, enforcementLevel: all } : own;
}

/**
 * What is wrong with a `--policy-pack-config` document, one problem per entry: a key that names no rule of
 * the pack, an enforcement level that is not one, exemptions that are not `{resource, reason, expires}`.
 * A typo here would otherwise silently leave a rule at its default. Values are described, never quoted.
 */
export function packConfigProblems(packConfig: unknown, rules: readonly Rule[]): string[] {
    if (!isRecord(packConfig)) return [`expected a JSON object of per-rule settings; found ${describeFound(packConfig)}`];
    const names = new Set([ALL_POLICIES, ...rules.map((rule) => rule.name)]);
    const problems: string[] = [];
    const level = (key: string, value: unknown): void => {
        if (!isEnforcementLevel(value)) problems.push(`${key}: expected an enforcement level (${ENFORCEMENT_LEVELS.join(", ")}); found ${describeFound(value, { keyword: true })}`);
    };
    for (const [key, entry] of Object.entries(packConfig)) {
        const where = JSON.stringify(safeKey(key));
        if (!names.has(key)) {
            problems.push(`${where}: not a rule of this pack (rules: ${[...names].join(", ")})`);
            continue;
        }
        if (typeof entry === "string") {
            level(where, entry);
            continue;
        }
        if (!isRecord(entry)) {
            problems.push(`${where}: expected an enforcement level or an object with enforcementLevel and exemptions; found ${describeFound(entry)}`);
            continue;
        }
        if (entry.enforcementLevel !== undefined) level(`${where}.enforcementLevel`, entry.enforcementLevel);
        if (entry.exemptions === undefined) continue;
        if (!Array.isArray(entry.exemptions)) {
            problems.push(`${where}.exemptions: expected a list; found ${describeFound(entry.exemptions)}`);
            continue;
        }
        entry.exemptions.forEach((exemption: unknown, index: number) => {
            const fields = ["resource", "reason", "expires"].filter((field) => !isRecord(exemption) || typeof exemption[field] !== "string");
            if (fields.length > 0) problems.push(`${where}.exemptions[${index}]: expected {resource, reason, expires} as strings; ${fields.join(", ")} missing or not text`);
        });
    }
    return problems;
}
