/** A plain object (not null, not an array): the shape of props, documents and config values. */
export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a secret value shows as: how `pulumi policy analyze` and state exports redact it, and how every report masks it. */
export const SECRET_MASK = "[secret]";

/**
 * Narrowing helpers for props that may be wrapped in the SDK's unknown-checking proxy: they only use
 * ordinary property access and Array.isArray, both of which see through the proxy (and let an unknown
 * value raise UnknownValueError, which the runner turns into the "can't run during preview" result).
 */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
    return isRecord(value) ? value : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
    return Array.isArray(value) ? value : [];
}
