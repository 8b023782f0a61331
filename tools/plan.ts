import * as path from "path";
import { ConfigError, stackFileName } from "../config/load";
import { TIERS } from "../config/schema";
import { toPolicyResources } from "../engine/policy-view";
import { renderStack, RenderedStack } from "../engine/render";
import { maskSecrets } from "../engine/secrets";
import { InputFileError, readStackConfig } from "../engine/stack-files";
import { evaluate } from "../policies/lib/evaluate";
import { Rule, tierOf } from "../policies/lib/rule";
import { ReportResource, StackReport } from "./report";

export const ALL_STACKS = TIERS;

export interface PlanOptions {
    readonly projectDir: string;
    readonly stacks: readonly string[];
    readonly rules: readonly Rule[];
    /** The `--policy-pack-config` document, as `pulumi preview --policy-pack-config` takes it. */
    readonly packConfig?: unknown;
    /** Clock for exemption expiry. */
    readonly now?: Date;
    readonly onStackStart?: (stack: string) => void;
    readonly onStackDone?: (report: StackReport) => void;
}

export function toReportResources(rendered: RenderedStack): ReportResource[] {
    return rendered.resources.map((resource) => ({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        custom: resource.custom,
        parent: resource.parent,
        inputs: maskSecrets(resource.inputs) as Record<string, unknown>,
    }));
}

/**
 * Bad input, reported as a line rather than a crash. A ConfigError comes from the program's own modules,
 * which each render loads afresh, so it is recognised by name rather than by class.
 */
export function isUserInputError(error: unknown): error is Error {
    return error instanceof InputFileError || (error instanceof Error && error.name === ConfigError.name);
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
            const configuredTier = readStackConfig(options.projectDir, stack).values["platform:tier"];
            const rendered = await renderStack({ projectDir: options.projectDir, stack });
            const tier = tierOf(stack, configuredTier) ?? "prod";
            const evaluation = evaluate(toPolicyResources(rendered.resources), {
                context: { stack, tier, now: options.now ?? new Date() },
                rules: options.rules,
                packConfig: options.packConfig,
            });
            report = {
                stack,
                tier,
                source,
                resources: toReportResources(rendered),
                findings: evaluation.findings,
                exemptions: evaluation.exemptions,
                rules: evaluation.rules,
                durationMs: Date.now() - started,
            };
        } catch (error) {
            if (!isUserInputError(error)) throw error;
            const message = error.message.startsWith(source) || error.message.startsWith(path.join(options.projectDir, source)) ? error.message : `${source}: ${error.message}`;
            report = { stack, source, error: message, resources: [], findings: [], exemptions: [], rules: [], durationMs: Date.now() - started };
        }
        options.onStackDone?.(report);
        reports.push(report);
    }
    return reports;
}
