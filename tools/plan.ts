import { ConfigError } from "../config/load";
import { TIERS } from "../config/schema";
import { renderStack, RenderedStack } from "../engine/render";
import { maskSecrets } from "../engine/secrets";
import { InputFileError } from "../engine/stack-files";

export const ALL_STACKS = TIERS;

/** A resource in a plan, with secrets masked: safe to print or write anywhere. */
export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly inputs: Record<string, unknown>;
}

export interface StackPlan {
    readonly stack: string;
    /** Set when the stack could not be rendered (config error, unreadable file). */
    readonly error?: string;
    readonly resources: readonly PlanResource[];
    readonly outputs: Record<string, unknown>;
    readonly durationMs: number;
}

export interface PlanProgress {
    onStackStart?(stack: string): void;
    onStackDone?(plan: StackPlan): void;
}

export function toStackPlan(rendered: RenderedStack): StackPlan {
    return {
        stack: rendered.stack,
        resources: rendered.resources.map((resource) => ({
            urn: resource.urn,
            type: resource.type,
            name: resource.name,
            custom: resource.custom,
            parent: resource.parent,
            inputs: maskSecrets(resource.inputs) as Record<string, unknown>,
        })),
        outputs: maskSecrets(rendered.outputs) as Record<string, unknown>,
        durationMs: rendered.durationMs,
    };
}

/**
 * Bad input, reported as a line rather than a crash. A ConfigError comes from the program's own modules,
 * which each render loads afresh, so it is recognised by name rather than by class.
 */
function isUserInputError(error: unknown): error is Error {
    return error instanceof InputFileError || (error instanceof Error && error.name === ConfigError.name);
}

/** Renders each stack in turn; a stack that cannot render is reported, and the others still run. */
export async function planStacks(projectDir: string, stacks: readonly string[], progress: PlanProgress = {}): Promise<StackPlan[]> {
    const plans: StackPlan[] = [];
    for (const stack of stacks) {
        progress.onStackStart?.(stack);
        const started = Date.now();
        let plan: StackPlan;
        try {
            plan = toStackPlan(await renderStack({ projectDir, stack }));
        } catch (error) {
            if (!isUserInputError(error)) throw error;
            plan = { stack, error: error.message, resources: [], outputs: {}, durationMs: Date.now() - started };
        }
        progress.onStackDone?.(plan);
        plans.push(plan);
    }
    return plans;
}
