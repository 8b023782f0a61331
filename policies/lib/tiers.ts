/**
 * The environments a stack can be, from least to most strict; one list for the program, the tools and the pack.
 * `local` is a developer's Docker (components/local): no cloud, never compared with prod.
 */
export const TIERS = ["local", "dev", "staging", "prod"] as const;
export type Tier = (typeof TIERS)[number];

/** Tiers whose environments are disposable: no deletion protection, no backup promise, tags may float. */
export const DISPOSABLE_TIERS: readonly Tier[] = ["local", "dev"];

export function isDisposable(tier: Tier): boolean {
    return DISPOSABLE_TIERS.includes(tier);
}

export function isTier(value: unknown): value is Tier {
    return TIERS.some((tier) => tier === value);
}

/**
 * The tier of a stack, resolved in one place for the program's config, the pack and the tools: the
 * configured tier (`<project>:tier`) when it names one, else the stack's name when that is a tier.
 */
export function tierOf(stack: string, configuredTier?: unknown): Tier | undefined {
    if (isTier(configuredTier)) return configuredTier;
    return isTier(stack) ? stack : undefined;
}
