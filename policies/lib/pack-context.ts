import { RuleContext, tierOf } from "./rule";

/**
 * The stack a CrossGuard run analyses. The Pulumi CLI starts the pack with PULUMI_NODEJS_STACK and the
 * stack's config in PULUMI_CONFIG; a stack whose name is not a tier names it in `<project>:tier`.
 * An unknown tier gets the strictest (prod) enforcement.
 */
export function packContext(env: NodeJS.ProcessEnv = process.env, now = new Date()): RuleContext {
    const stack = env.PULUMI_NODEJS_STACK ?? "unknown";
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
