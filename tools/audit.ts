import { AuditInput, needsPreviewSemantics, readStateFile, stackRuleView } from "../engine/state-files";
import { InputFileError } from "../engine/input-error";
import { toReportResource } from "../engine/resource-views";
import { evaluate } from "../policies/lib/evaluate";
import { Rule } from "../policies/lib/rule";
import { Tier, tierOf } from "../policies/lib/tiers";
import { baselineFor, environmentParityRule, parityNotJudged } from "../policies/rules/environment-parity";
import { StackReport } from "./report";

export interface AuditOptions {
    readonly files: readonly string[];
    readonly rules: readonly Rule[];
    readonly packConfig?: unknown;
    /** The tier whose enforcement applies; default: the stack name's tier, else prod (the strictest). */
    readonly tier?: Tier;
    readonly now?: Date;
    readonly onFileStart?: (file: string) => void;
    readonly onFileDone?: (report: StackReport) => void;
}

/**
 * Judges what a state file says is deployed (or a preview says will be) with the pack's rules: resource
 * rules see each resource's inputs, stack rules the resulting state, as in `pulumi policy analyze`.
 * Secrets arrive as "[secret]", never decrypted; a file that cannot be read is reported in one line.
 */
export function auditFiles(options: AuditOptions): StackReport[] {
    return options.files.map((file) => {
        options.onFileStart?.(file);
        const started = Date.now();
        let report: StackReport;
        try {
            report = auditInput(readStateFile(file), options, started);
        } catch (error) {
            if (!(error instanceof InputFileError)) throw error;
            report = { stack: file, source: file, error: error.message, resources: [], findings: [], exemptions: [], rules: [], durationMs: Date.now() - started };
        }
        options.onFileDone?.(report);
        return report;
    });
}

/** Parity is judged only against the baseline of the state's own project: say once when it was not, and why. */
function parityNotes(input: AuditInput, options: Pick<AuditOptions, "rules">): string[] {
    if (!options.rules.some((rule) => rule.name === environmentParityRule.name)) return [];
    const view = stackRuleView(input.resources);
    const reason = parityNotJudged(view, baselineFor(view));
    return reason === undefined ? [] : [`${environmentParityRule.name} was not judged: ${reason}`];
}

export function auditInput(input: AuditInput, options: Pick<AuditOptions, "rules" | "packConfig" | "tier" | "now">, started = Date.now()): StackReport {
    const tier = options.tier ?? tierOf(input.stack) ?? "prod";
    const evaluation = evaluate(input.resources, {
        context: { stack: input.stack, tier, now: options.now ?? new Date() },
        rules: options.rules,
        packConfig: options.packConfig,
        preview: needsPreviewSemantics(input),
        stackResources: stackRuleView(input.resources),
    });
    return {
        stack: input.stack,
        tier,
        source: input.source,
        // A state file's secrets are `[secret]` already; the reader remembered their values.
        resources: input.resources.map((resource) => toReportResource({ urn: resource.urn, type: resource.type, name: resource.name, custom: resource.custom, parent: resource.parent, inputs: resource.props })),
        notes: [...input.notes, ...parityNotes(input, options)],
        ...(input.skippedResources > 0 ? { skippedResources: input.skippedResources } : {}),
        findings: evaluation.findings,
        exemptions: evaluation.exemptions,
        rules: evaluation.rules,
        durationMs: Date.now() - started,
    };
}
