import { ResourceUnderTest } from "./rule";
import { Tier } from "./tiers";
import { asArray, asRecord } from "./values";

/**
 * Declared development defaults: the fixed credentials a local environment's containers share (the Postgres
 * password, MinIO's root key, the JWT secret of a laptop). They are in plaintext on purpose, the same on every
 * laptop and worthless anywhere else. The pack accepts one only when all of these hold, so that a real secret
 * never passes as one:
 * - the stack's tier is `local`;
 * - the resource is a Docker container (nothing a cloud or a cluster runs);
 * - the container declares the variable in its label DEVELOPMENT_DEFAULTS_LABEL (comma-separated names);
 * - the value contains DEVELOPMENT_DEFAULT_MARKER, which no generated or provided secret does.
 */
export const DEVELOPMENT_DEFAULTS_LABEL = "platform.io/development-defaults";
export const DEVELOPMENT_DEFAULT_MARKER = "local-development-only";

const DOCKER_CONTAINER = "docker:index/container:Container";

/** The variables a container declares as development defaults. */
function declaredNames(props: Record<string, unknown>): Set<string> {
    const label = asArray(props.labels).map(asRecord).find((entry) => entry?.label === DEVELOPMENT_DEFAULTS_LABEL);
    return new Set(typeof label?.value === "string" ? label.value.split(",").map((name) => name.trim()) : []);
}

/**
 * The resource without its declared development defaults (in a local stack), for the secret rules to judge the
 * rest; any other resource, or any other tier, unchanged. Reads only `labels` and `envs` of a Docker container.
 */
export function withoutDevelopmentDefaults(resource: ResourceUnderTest, tier: Tier): ResourceUnderTest {
    if (tier !== "local" || resource.type !== DOCKER_CONTAINER) return resource;
    const declared = declaredNames(resource.props);
    if (declared.size === 0) return resource;
    const isDevelopmentDefault = (entry: unknown): boolean => {
        if (typeof entry !== "string") return false;
        const equals = entry.indexOf("=");
        return equals > 0 && declared.has(entry.slice(0, equals)) && entry.slice(equals + 1).includes(DEVELOPMENT_DEFAULT_MARKER);
    };
    const envs = asArray(resource.props.envs);
    if (!envs.some(isDevelopmentDefault)) return resource;
    return { ...resource, props: { ...resource.props, envs: envs.filter((entry) => !isDevelopmentDefault(entry)) } };
}
