import * as pulumi from "@pulumi/pulumi";


/** True for the engine's secret envelope `{<sig key>: <secret sig>, value}`. */
export function isSecretEnvelope(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
    );
}

/** A deep copy with secret envelopes unwrapped: what a policy rule sees (the analyzer unwraps them too). */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecretEnvelope(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, unwrapSecrets(child)]));
    }
    return value;
}

/** The values inside every secret envelope of a value (to keep them out of outputs), nothing else. */
export function unwrappedSecretValues(value: unknown, depth = 0): unknown[] {
    if (isSecretEnvelope(value)) return [unwrapSecrets(value.value)];
    if (depth > 1000 || typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap((child) => unwrappedSecretValues(child, depth + 1));
}
