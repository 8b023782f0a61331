import { EnforcementLevel, Severity } from "@pulumi/policy";
import { Exemption } from "./exemptions";
import { ResourceUnderTest, Rule, RuleContext } from "./rule";
import { enforcementOf, ruleConfigOf, RuleOutcome, runResourceRule, runStackRule } from "./run";

/** One verdict of one rule, as every report format shows it. */
export interface Finding {
    readonly rule: string;
    readonly severity: Severity;
    /** `advisory` for preview unknowns, whatever the rule's enforcement. */
    readonly enforcement: EnforcementLevel;
    readonly message: string;
    readonly urn?: string;
    readonly resourceType?: string;
    readonly resourceName?: string;
}

export interface Evaluation {
    readonly stack: string;
    readonly findings: readonly Finding[];
    /** Every exemption that suppressed a violation, for the audit trail. */
    readonly exemptions: readonly (Exemption & { readonly message: string })[];
    /** Rules run, with their enforcement in this stack. */
    readonly rules: readonly { readonly name: string; readonly enforcement: EnforcementLevel }[];
}

export interface EvaluateOptions {
    readonly context: RuleContext;
    readonly rules: readonly Rule[];
    /** The `--policy-pack-config` document: `{"<rule>": "advisory" | {enforcementLevel, exemptions}}`. */
    readonly packConfig?: unknown;
    /** Values may be unknown (a preview): rules that meet one report the advisory "can't run" result. */
    readonly preview?: boolean;
    /**
     * What stack rules see, when it differs from what resource rules see: CrossGuard hands resource
     * rules the inputs (Analyze) and stack rules the resulting state (AnalyzeStack).
     */
    readonly stackResources?: readonly ResourceUnderTest[];
}

/** Runs every rule on every resource with the same semantics as the CrossGuard pack. */
export function evaluate(resources: readonly ResourceUnderTest[], options: EvaluateOptions): Evaluation {
    const findings: Finding[] = [];
    const exemptions: (Exemption & { message: string })[] = [];
    const ruleSummaries: { name: string; enforcement: EnforcementLevel }[] = [];
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));

    const record = (rule: Rule, enforcement: EnforcementLevel, outcome: RuleOutcome, resource?: ResourceUnderTest): void => {
        if (outcome.kind === "exempted") {
            exemptions.push({ ...outcome.exemption, message: outcome.message });
            return;
        }
        const urn = outcome.urn ?? resource?.urn;
        const subject = resource ?? (urn ? byUrn.get(urn) : undefined);
        findings.push({
            rule: rule.name,
            severity: rule.severity,
            enforcement: outcome.kind === "unknown" ? "advisory" : enforcement,
            message: outcome.message,
            urn,
            resourceType: subject?.type,
            resourceName: subject?.name,
        });
    };

    for (const rule of options.rules) {
        const ruleConfig = ruleConfigOf(options.packConfig, rule);
        const enforcement = enforcementOf(rule, options.context, ruleConfig);
        ruleSummaries.push({ name: rule.name, enforcement });
        if (enforcement === "disabled") continue;
        if (rule.kind === "resource") {
            for (const resource of resources) {
                for (const outcome of runResourceRule(rule, resource, options.context, ruleConfig, options.preview)) record(rule, enforcement, outcome, resource);
            }
        } else {
            for (const outcome of runStackRule(rule, options.stackResources ?? resources, options.context, options.preview)) record(rule, enforcement, outcome);
        }
    }
    return { stack: options.context.stack, findings, exemptions, rules: ruleSummaries };
}
