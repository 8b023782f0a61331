import { createHash } from "crypto";

/**
 * Pod-template annotation carrying a digest of a workload's secrets: when a value changes (a rotation, a new
 * API key), the template changes and the workload rolls (a service's Deployment through the canary in staging
 * and prod; Grafana restarts), so every pod reads the new value at start: a changed Kubernetes Secret alone
 * reaches no running container that took it as an environment variable.
 */
export const SECRETS_CHECKSUM_ANNOTATION = "platform.io/secrets-checksum";

/**
 * The annotation's value: 16 hex characters (64 bits) of SHA-256 over the secret's keys and values. It says
 * *that* a value changed, never what it is: the values are generated or third-party keys, far beyond guessing.
 */
export function secretsDigest(keys: readonly string[], values: readonly string[]): string {
    const hash = createHash("sha256").update(`${SECRETS_CHECKSUM_ANNOTATION}\n`);
    keys.forEach((key, index) => hash.update(`${key.length}:${key}=${values[index].length}:${values[index]}\n`));
    return hash.digest("hex").slice(0, 16);
}
