import { RuleContext } from "./rule";
import { tierOf } from "./tiers";

/** The stack name when the CLI names none: `pulumi policy analyze --file` starts the pack without one. */
export const UNNAMED_STACK = "unknown";

/**
 * The stack a CrossGuard run analyses. The Pulumi CLI starts the pack with PULUMI_NODEJS_STACK and the
 * stack's config in PULUMI_CONFIG; a stack whose name is not a tier names it in `<project>:tier`.
 * An unknown tier gets the strictest (prod) enforcement.
 */
export function packContext(env: NodeJS.ProcessEnv = process.env, now = new Date()): RuleContext {
    const stack = env.PULUMI_NODEJS_STACK ?? UNNAMED_STACK;
    const project = env.PULUMI_NODEJS_PROJECT ?? "platform";
    let configuredTier: string | undefined;
    try {
        const config = JSON.parse(env.PULUMI_CONFIG ?? "{}") as Record<string, unknown>;
        const value = config[`${project}:tier`] ?? config[`${project}:config:tier`];
        if (typeof value === "string") configuredTier = value;
    } catch {
        configuredTier = undefined;
    }
    return { stack, tier: tierOf(stack, configuredTier) ?? "prod", now };
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` -> the project. */
export function projectOfUrn(urn: string): string | undefined {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[1] : undefined;
}

/** `urn:pulumi:<stack>::<project>::...`: anchored, no nested quantifier. */
const URN_STACK = /^urn:pulumi:([^:]{1,200})::/;

/**
 * The context stack rules run with: when the CLI named no stack (an exported file), the stack every
 * resource's URN names, as the offline audit takes it from the file. The tier, and so the enforcement
 * the pack declared at start, stays as it is.
 */
export function withStackOfResources(context: RuleContext, urns: readonly string[]): RuleContext {
    if (context.stack !== UNNAMED_STACK) return context;
    const stacks = new Set(urns.map((urn) => URN_STACK.exec(urn)?.[1]));
    const [only] = stacks;
    return stacks.size === 1 && only !== undefined ? { ...context, stack: only } : context;
}
