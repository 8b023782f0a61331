import * as path from "path";
import { ConfigError, stackFileName } from "../config/load";
import { toPolicyResources, toReportResource } from "../engine/resource-views";
import { renderStack, stackFileWarningsOf } from "../engine/render";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { InputFileError } from "../engine/stack-files";
import { evaluate, Finding } from "../policies/lib/evaluate";
import { Rule } from "../policies/lib/rule";
import { Tier, tierOf, TIERS } from "../policies/lib/tiers";
import { enforcementOf, ruleConfigOf } from "../policies/lib/run";
import { describeStackConfigFinding, scanStackConfig } from "../policies/lib/stack-config-scan";
import { StackReport } from "./report";

/** The stacks `plan` renders by default: the AWS tiers, and the same tiers on Google Cloud. */
// The local tier runs on Docker, not in a cloud: there is no gcp-local.
export const ALL_STACKS: readonly string[] = [...TIERS, ...TIERS.filter((tier) => tier !== "local").map((tier) => `gcp-${tier}`)];

export interface PlanOptions {
    readonly projectDir: string;
    readonly stacks: readonly string[];
    readonly rules: readonly Rule[];
    /** The `--policy-pack-config` document, as `pulumi preview --policy-pack-config` takes it. */
    readonly packConfig?: unknown;
    /** Clock for exemption expiry. */
    readonly now?: Date;
    readonly onStackStart?: (stack: string) => void;
    /** A warning about a stack's files (the YAML parser's), one line without source text. */
    readonly onWarning?: (warning: string) => void;
    readonly onStackDone?: (report: StackReport) => void;
}

/** Bad input, reported as a line rather than a crash (the render keeps `config/load` loaded, so classes match). */
export function isUserInputError(error: unknown): error is Error {
    return error instanceof InputFileError || error instanceof ConfigError;
}

/** The SDK wraps an error from inside an output in one "error serializing property" layer per level. */
function innermostMessage(error: Error): string {
    return error.message.replace(/^(?:error serializing property "[^"]*": )+/, "").split("\n")[0].trim() || error.name;
}

/** The rule that also judges the stack file itself: credentials in plaintext, in values, keys or comments. */
const STACK_FILE_RULE = "no-plaintext-secrets";

function stackFileFindings(options: PlanOptions, stack: string, tier: Tier): Finding[] {
    const rule = options.rules.find((candidate) => candidate.name === STACK_FILE_RULE);
    if (!rule) return [];
    const enforcement = enforcementOf(rule, { stack, tier, now: options.now ?? new Date() }, ruleConfigOf(options.packConfig, rule));
    if (enforcement === "disabled") return [];
    const file = stackFileName(stack);
    const text = readInputText(path.join(options.projectDir, file), { maxBytes: SIZE_LIMITS.stackFile });
    return scanStackConfig(text).map((finding) => ({
        rule: rule.name,
        severity: rule.severity,
        enforcement,
        message: describeStackConfigFinding(file, finding),
        resourceName: file,
        resourceType: "Pulumi stack file",
    }));
}

/**
 * Renders each stack from its real stack file and judges it with the pack's rules, with the
 * enforcement of the stack's tier: what `pulumi preview --policy-pack policies` would report.
 * A stack that cannot render is reported, and the others still run.
 */
export async function planStacks(options: PlanOptions): Promise<StackReport[]> {
    const reports: StackReport[] = [];
    for (const stack of options.stacks) {
        options.onStackStart?.(stack);
        const started = Date.now();
        const source = stackFileName(stack);
        let report: StackReport;
        try {
            const rendered = await renderStack({ projectDir: options.projectDir, stack });
            for (const warning of rendered.warnings) options.onWarning?.(warning);
            // The program exports the tier its config resolved; no second read of the stack file.
            const tier = tierOf(String(rendered.outputs.tier)) ?? "prod";
            const evaluation = evaluate(toPolicyResources(rendered.resources), {
                context: { stack, tier, now: options.now ?? new Date() },
                rules: options.rules,
                packConfig: options.packConfig,
            });
            report = {
                stack,
                tier,
                source,
                // Outputs are not reported, but their secrets (generated passwords) must not reach any output either.
                resources: rendered.resources.map(toReportResource),
                notes: rendered.warnings,
                findings: [...stackFileFindings(options, stack, tier), ...evaluation.findings],
                exemptions: evaluation.exemptions,
                rules: evaluation.rules,
                durationMs: Date.now() - started,
            };
        } catch (error) {
            if (!(error instanceof Error) || (!isUserInputError(error) && process.env.PLATFORM_DEBUG)) throw error;
            const detail = isUserInputError(error) ? error.message : `${innermostMessage(error)} (PLATFORM_DEBUG=1 shows the stack trace)`;
            const message = detail.startsWith(source) || detail.startsWith(path.join(options.projectDir, source)) ? detail : `${source}: ${detail}`;
            const warnings = stackFileWarningsOf(error);
            for (const warning of warnings) options.onWarning?.(warning);
            report = { stack, source, error: message, resources: [], findings: [], exemptions: [], rules: [], notes: warnings, durationMs: Date.now() - started };
        }
        options.onStackDone?.(report);
        reports.push(report);
    }
    return reports;
}
