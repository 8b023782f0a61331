import { PlatformConfig } from "../../config/load";
import { Cloud } from "../../config/schema";
import { SecretSpec } from "./types";

/*
 * Which secrets an environment keeps, and the names they get: the platform builds its SecretStore from these,
 * and `node tools/bin.js rotate` (tools/rotation/) reads the same functions to name a stack's secrets and the
 * URNs of their RandomPasswords without running the program. Nothing here creates a resource.
 */

/** Characters RDS accepts in a master password (no '/', '@', '"' or space). */
export const POSTGRES_PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?";
/** Characters ElastiCache accepts in an AUTH token. */
export const REDIS_TOKEN_SPECIALS = "!&#$^<>-";

/** Who sets the Redis AUTH token, per cloud: the SecretStore generates it (ElastiCache), or the managed service does (Memorystore). */
export const REDIS_AUTH_TOKEN_OWNER: Readonly<Record<Cloud, "secret-store" | "managed-service">> = {
    aws: "secret-store",
    gcp: "managed-service",
};

/** The Platform component's name, which every resource of a cloud stack is named under (index.ts). */
export function platformName(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/** The SecretStore component's name under the Platform. */
export function secretStoreName(platform: string): string {
    return `${platform}-secrets`;
}

/** The logical name of a secret's resources in the store (RandomPassword, Secret, SecretVersion). */
export function storedSecretName(store: string, secret: string): string {
    return `${store}-${secret}`;
}

/**
 * The secrets every environment has, plus the third-party API keys its stack file declares. The Redis AUTH
 * token is generated here only where the cloud lets its owner choose it (Memorystore generates its own).
 */
export function platformSecrets(config: PlatformConfig, redisAuthToken: "secret-store" | "managed-service" = REDIS_AUTH_TOKEN_OWNER[config.cloud]): SecretSpec[] {
    return [
        { name: "postgres-password", description: "Postgres master password", source: { kind: "generated", length: 32, allowedSpecialCharacters: POSTGRES_PASSWORD_SPECIALS } },
        ...(redisAuthToken === "secret-store"
            ? [{ name: "redis-auth-token", description: "Redis AUTH token", source: { kind: "generated", length: 64, allowedSpecialCharacters: REDIS_TOKEN_SPECIALS } } satisfies SecretSpec]
            : []),
        {
            name: "jwt-secret",
            description: "JWT signing secret",
            source: config.jwtSecret ? { kind: "provided", value: config.jwtSecret } : { kind: "generated", length: 64 },
        },
        { name: "grafana-admin-password", description: "Grafana admin password", source: { kind: "generated", length: 32 } },
        ...Object.entries(config.apiKeys).map(([name, value]): SecretSpec => ({
            name: `api-key-${name}`,
            description: `Third-party API key: ${name}`,
            source: { kind: "provided", value, ...(Object.hasOwn(config.apiKeyRotation, name) ? { rotation: config.apiKeyRotation[name] } : {}) },
        })),
    ];
}
