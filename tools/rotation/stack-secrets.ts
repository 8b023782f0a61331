import { nextRotationWindowStart, parsePlatformConfig, PlatformConfig, rotationWindowStart } from "../../config/load";
import { apiKeyOf } from "../../config/schema";
import { platformName, platformSecrets, secretStoreName, storedSecretName } from "../../components/secrets/platform-secrets";
import { readStackConfig } from "../../engine/stack-files";

/*
 * A stack's secrets as `rotate` sees them, from its stack file alone: no program run, no state, no cloud
 * credentials, nothing decrypted (secure values stay placeholders). The names and URNs come from the same
 * functions the program builds its SecretStore with (components/secrets/platform-secrets.ts), and
 * test/rotate.spec.ts holds every URN to the one the rendered program registers.
 */

/** The type chain of a generated secret's RandomPassword under the stack: Platform -> SecretStore -> RandomPassword. */
export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
const QUALIFIED_PASSWORD_TYPE = ["platform:index:Platform", "platform:secrets:SecretStore", RANDOM_PASSWORD_TYPE].join("$");

/** Which service secret (platform:services[].secrets) each stored secret feeds. */
const SERVICE_SECRET_OF: Readonly<Record<string, string>> = {
    "postgres-password": "databaseUrl",
    "redis-auth-token": "redisUrl",
    "jwt-secret": "jwtSecret",
};

export interface StackSecret {
    /** The secret's name in the store, e.g. `postgres-password`; what `--secret` takes. */
    readonly name: string;
    readonly description: string;
    /** `generated`: a RandomPassword that rotates; `provided`: a secure config value that a person replaces. */
    readonly source: "generated" | "provided";
    /** The RandomPassword's URN (generated secrets only). */
    readonly urn?: string;
    /** What takes the new value in the same `pulumi up`, in the order it does. */
    readonly consumers: readonly string[];
}

export interface StackSecrets {
    readonly stack: string;
    readonly project: string;
    readonly cloud: PlatformConfig["cloud"];
    readonly tier: PlatformConfig["tier"];
    readonly rotationDays: number;
    /** First day of the current rotation window (the keeper a RandomPassword deployed today has). */
    readonly windowStart: string;
    /** First day of the next window: when every generated secret is due again. */
    readonly nextWindowStart: string;
    readonly secrets: readonly StackSecret[];
    /** The parsed configuration (apiKeyRotation, services), for the checks that read it. */
    readonly config: PlatformConfig;
}

/** The URN the engine gives a generated secret's RandomPassword in this stack. */
export function randomPasswordUrn(project: string, stack: string, secret: string): string {
    const name = storedSecretName(secretStoreName(platformName(project, stack)), secret);
    return `urn:pulumi:${stack}::${project}::${QUALIFIED_PASSWORD_TYPE}::${name}`;
}

function servicesReading(config: PlatformConfig, serviceSecret: string): string[] {
    return config.services.filter((service) => service.secrets.includes(serviceSecret)).map((service) => service.name);
}

function consumersOf(config: PlatformConfig, secret: string): string[] {
    const store = config.cloud === "aws" ? "its Secrets Manager secret (a new version)" : "its Secret Manager secret (a new version; the old one destroyed after the recovery window)";
    const serviceSecret = SERVICE_SECRET_OF[secret] ?? (secret.startsWith("api-key-") ? `apiKeys.${secret.slice("api-key-".length)}` : undefined);
    const services = serviceSecret === undefined ? [] : servicesReading(config, serviceSecret);
    const rolled = services.length === 0 ? [] : [`the Kubernetes Secret of ${services.join(", ")}, whose pods roll to it (${config.tier === "staging" || config.tier === "prod" ? "through the canary, no pod unavailable" : "rolling update"})`];
    switch (secret) {
        case "postgres-password":
            return [store, config.cloud === "aws" ? "the RDS master password (applied at once, online: open connections stay)" : "the Cloud SQL user's password (online: open connections stay)", ...rolled];
        case "redis-auth-token":
            return [store, "the ElastiCache AUTH token with the ROTATE strategy: the previous token stays valid beside the new one", ...rolled];
        case "grafana-admin-password":
            return [store, "the Secret monitoring/grafana-admin; Grafana restarts with it"];
        default:
            return [store, ...rolled];
    }
}

/** Reads the stack file (never decrypting a secure value) and lists the secrets the stack declares. */
export function stackSecrets(projectDir: string, stack: string, now: Date = new Date()): StackSecrets {
    const raw = readStackConfig(projectDir, stack, undefined);
    // Which commit built the images is no concern of a rotation: a stand-in keeps a stack that builds from
    // source (local) valid without asking git.
    const config = parsePlatformConfig({ stack, project: raw.project, values: raw.values, secretKeys: new Set(raw.secretKeys), now, detectedRelease: { sha: "0".repeat(40) } });
    const rotationDays = config.secretStore.rotationDays;
    const secrets = config.tier === "local" ? [] : platformSecrets(config).map((spec): StackSecret => ({
        name: spec.name,
        description: spec.description,
        source: spec.source.kind,
        ...(spec.source.kind === "generated" ? { urn: randomPasswordUrn(raw.project, stack, spec.name) } : {}),
        consumers: consumersOf(config, spec.name),
    }));
    return {
        stack,
        project: raw.project,
        cloud: config.cloud,
        tier: config.tier,
        rotationDays,
        windowStart: rotationWindowStart(now, rotationDays),
        nextWindowStart: nextRotationWindowStart(now, rotationDays),
        secrets,
        config,
    };
}

/** `apiKeys.stripe` (how a service names it) -> `api-key-stripe` (how the store names it); other names unchanged. */
export function storeNameOf(name: string): string {
    const apiKey = apiKeyOf(name);
    if (apiKey !== undefined) return `api-key-${apiKey}`;
    const stored = Object.entries(SERVICE_SECRET_OF).find(([, serviceSecret]) => serviceSecret === name);
    return stored ? stored[0] : name;
}
