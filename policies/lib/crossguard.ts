import { Policies, Policy, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { EXEMPTIONS_CONFIG_SCHEMA } from "./exemptions";
import { withStackOfResources } from "./pack-context";
import { appliesTo, ResourceRule, ResourceUnderTest, Rule, RuleContext, StackRule } from "./rule";
import { RuleConfig, RuleOutcome, runResourceRule, runStackRule } from "./run";

/** Name of the advisory policy that lists every exemption in use. */
export const EXEMPTIONS_IN_USE = "policy-exemptions-in-use";

function toResource(resource: ResourceValidationArgs): ResourceUnderTest {
    return { type: resource.type, name: resource.name, urn: resource.urn, props: resource.props, parent: resource.opts.parent };
}

function toStackResource(resource: PolicyResource): ResourceUnderTest {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: resource.props,
        parent: resource.parent?.urn,
        propertyDependencies: Object.fromEntries(Object.entries(resource.propertyDependencies).map(([key, sources]) => [key, sources.map((source) => source.urn)])),
    };
}

function report(outcomes: readonly RuleOutcome[], reportViolation: (message: string, urn?: string) => void): void {
    for (const outcome of outcomes) {
        // Rethrown so that the SDK itself turns it into its advisory "can't run policy during preview".
        if (outcome.kind === "unknown") throw outcome.error;
        if (outcome.kind === "violation") reportViolation(outcome.message, outcome.urn);
    }
}

/**
 * Rule configs seen by each policy in this analyzer process. CrossGuard gives a policy only its own
 * config; the exemptions listing needs every rule's, and Analyze runs before AnalyzeStack.
 */
const observedConfig = new Map<string, RuleConfig>();

/** A violation an exemption suppressed during Analyze, as reported in the exemptions listing. */
interface Suppressed {
    readonly rule: string;
    readonly urn: string;
    readonly listing: string;
}

/** What Analyze really suppressed in this analyzer process, by rule and URN, so the listing reports exactly that. */
const suppressedInAnalyze = new Map<string, Suppressed>();
let analyzedResources = 0;

function listing(rule: Rule, outcome: Extract<RuleOutcome, { kind: "exempted" }>): string {
    const { exemption } = outcome;
    return `exempt from ${rule.name} until ${exemption.expires} (${exemption.source}): ${exemption.reason} — suppressed: ${outcome.message}`;
}

function recordSuppressed(rule: Rule, urn: string, outcomes: readonly RuleOutcome[]): void {
    for (const outcome of outcomes) {
        if (outcome.kind === "exempted") suppressedInAnalyze.set(`${rule.name}\0${urn}\0${outcome.message}`, { rule: rule.name, urn, listing: listing(rule, outcome) });
    }
}

/** What CrossGuard shows of a rule, with the enforcement of this stack's tier. */
function policyMetadata(rule: Rule, context: RuleContext): Pick<Policy, "name" | "description" | "severity" | "remediationSteps" | "enforcementLevel"> {
    return {
        name: rule.name,
        description: rule.description,
        severity: rule.severity,
        remediationSteps: rule.remediation,
        enforcementLevel: rule.enforcement[context.tier],
    };
}

function resourcePolicy(rule: ResourceRule, context: RuleContext): ResourceValidationPolicy {
    return {
        ...policyMetadata(rule, context),
        configSchema: { properties: { exemptions: EXEMPTIONS_CONFIG_SCHEMA } },
        validateResource: (args, reportViolation) => {
            if (!appliesTo(rule, args.type)) return;
            const ruleConfig = args.getConfig<RuleConfig>();
            observedConfig.set(rule.name, ruleConfig);
            analyzedResources++;
            const outcomes = runResourceRule(rule, toResource(args), context, ruleConfig);
            recordSuppressed(rule, args.urn, outcomes);
            report(outcomes, reportViolation);
        },
    };
}

function stackPolicy(rule: StackRule, context: RuleContext): StackValidationPolicy {
    return {
        ...policyMetadata(rule, context),
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(toStackResource);
            report(runStackRule(rule, resources, withStackOfResources(context, resources.map((resource) => resource.urn))), reportViolation);
        },
    };
}

function exemptionsInUsePolicy(rules: readonly Rule[], context: RuleContext): StackValidationPolicy {
    return {
        name: EXEMPTIONS_IN_USE,
        description: "Lists every policy exemption in use, with its reason and expiry, for the audit trail.",
        severity: "low",
        enforcementLevel: "advisory",
        validateStack: (args, reportViolation) => {
            if (analyzedResources > 0) {
                // Exactly what Analyze suppressed (it judged inputs), for the resources of this stack.
                const urns = new Set(args.resources.map((resource) => resource.urn));
                for (const entry of suppressedInAnalyze.values()) if (urns.has(entry.urn)) reportViolation(entry.listing, entry.urn);
                return;
            }
            // No Analyze call in this process (an engine that only analyses the stack): judge the stack's view.
            for (const rule of rules) {
                if (rule.kind !== "resource") continue;
                for (const resource of args.resources) {
                    for (const outcome of runResourceRule(rule, toStackResource(resource), context, observedConfig.get(rule.name) ?? {})) {
                        if (outcome.kind === "exempted") reportViolation(listing(rule, outcome), resource.urn);
                    }
                }
            }
        },
    };
}

/** The rules as CrossGuard policies, with each rule's enforcement for this stack's tier. */
export function toCrossGuardPolicies(rules: readonly Rule[], context: RuleContext): Policies {
    return [
        ...rules.map((rule) => (rule.kind === "resource" ? resourcePolicy(rule, context) : stackPolicy(rule, context))),
        exemptionsInUsePolicy(rules, context),
    ];
}
