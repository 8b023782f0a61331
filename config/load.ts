import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { tierDefaults } from "./defaults";
import { DetectedRelease, detectRelease } from "./release";
import { Cloud, CLOUDS, isCloud, PLATFORM_CONFIG_SCHEMAS, PlatformConfigSchema, ValidatedConfig } from "./schema";
import { isTier, tierOf, TIERS } from "../policies/lib/tiers";
import { isRecord } from "../policies/lib/values";
import { describeFound } from "../policies/lib/found-value";
import { safeKey } from "../policies/lib/secret-detection";
import { isSecretLookingName, isSecretLookingPath } from "../policies/lib/secret-names";

/** Raw stack configuration exactly as the engine hands it to the program. */
export interface RawStackConfig {
    /** Stack name, e.g. `prod`. */
    readonly stack: string;
    /** Project name from Pulumi.yaml; the config namespace of the program's own keys. */
    readonly project: string;
    /** Every config value, `namespace:key` -> string (objects and lists arrive JSON-encoded). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys whose value is (or contains) a `secure:` value. */
    readonly secretKeys: ReadonlySet<string>;
    /** Clock used for the rotation window of generated secrets. */
    readonly now?: Date;
    /** Build metadata from CI or git, used where platform:release does not set it. */
    readonly detectedRelease?: DetectedRelease;
}

/** A service with its tier defaults applied. */
export type ResolvedService = ValidatedConfig["services"][number] & {
    readonly replicas: number;
    readonly resources: ValidatedConfig["serviceDefaults"]["resources"];
    readonly secrets: readonly string[];
    readonly env: Readonly<Record<string, string>>;
};

/** The typed configuration every component is built from. Secrets are Pulumi secret outputs. */
export interface PlatformConfig extends Omit<ValidatedConfig, "apiKeys" | "jwtSecret" | "secretStore" | "services" | "release"> {
    readonly services: readonly ResolvedService[];
    /** Build metadata every workload carries (BUILD_SHA, BUILD_DATE, BUILD_ACTOR). */
    readonly release: { readonly sha: string; readonly date: string; readonly actor: string; readonly maintenanceWindow?: string };
    readonly stack: string;
    readonly project: string;
    readonly secretStore: ValidatedConfig["secretStore"] & {
        /** Start date (YYYY-MM-DD) of the current rotation window; generated secrets change when it does. */
        readonly rotationWindowStart: string;
    };
    /** Third-party API keys by name, as secret outputs. */
    readonly apiKeys: Readonly<Record<string, pulumi.Output<string>>>;
    /** JWT signing secret from config, as a secret output; generated when absent. */
    readonly jwtSecret?: pulumi.Output<string>;
}

/** One problem in a stack file: where, what was expected, what was found. */
export interface ConfigProblem {
    readonly key: string;
    readonly expected: string;
    readonly found: string;
}

/** A stack configuration that cannot be deployed. Thrown before any resource is registered. */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly stackFile: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(
            `${stackFile}: invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((problem) => `  - ${problem.key}: expected ${problem.expected}; found ${problem.found}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Keys the program sets itself; a stack file may not set them under the project namespace. */
const DERIVED_KEYS: Readonly<Record<string, string>> = {
    region: "no such key (the region comes from aws:region, or gcp:region on gcp)",
    gcpProject: "no such key (the project comes from gcp:project)",
};
/** Keys whose values must be `secure:`. */
const SECRET_KEYS = new Set(["apiKeys", "jwtSecret"]);
/** Keys whose values are written in plaintext where anyone can read them (Alertmanager's configuration): never `secure:`. */
const PLAIN_KEYS: Readonly<Record<string, string>> = {
    monitoring: "plain settings (they are written into Alertmanager's configuration as they are): the PagerDuty integration key goes in platform:apiKeys.pagerduty and the SMTP password in platform:apiKeys.smtp, both secure",
    apiKeyRotation: "plain settings (each key's version and rotateBy date, which predeploy reads without decrypting anything): the key itself goes in platform:apiKeys, secure",
};
/** Generated secrets rotate in windows counted from this date, so every stack agrees on the boundaries. */
const ROTATION_EPOCH = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

export function stackFileName(stack: string): string {
    return `Pulumi.${stack}.yaml`;
}

/**
 * Turns raw stack config into a typed PlatformConfig: tier defaults, then the stack file's overrides,
 * then validation. Throws a ConfigError listing every problem at once.
 */
export function parsePlatformConfig(raw: RawStackConfig): PlatformConfig {
    const stackFile = stackFileName(raw.stack);
    const problems: ConfigProblem[] = [];
    const prefix = `${raw.project}:`;
    const isSecretKey = (key: string): boolean => raw.secretKeys.has(`${prefix}${key}`);

    const overrides: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw.values)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (Object.hasOwn(DERIVED_KEYS, key)) {
            problems.push({ key: fullKey, expected: DERIVED_KEYS[key], found: describeValue(text, isSecretKey(key)) });
            continue;
        }
        // `__proto__` and `constructor` are keys like any other here: unknown ones, reported as such.
        Object.defineProperty(overrides, key, { value: decodeConfigValue(text), enumerable: true, writable: true, configurable: true });
    }

    for (const [key, expected] of Object.entries(PLAIN_KEYS)) {
        if (isSecretKey(key)) problems.push({ key: `${prefix}${key}`, expected, found: "a secret value (not shown)" });
    }

    for (const path of secretLookingPaths(overrides)) {
        if (path[0] === "services" && path[2] === "env") {
            // Service env values become plain container variables; even a `secure:` one would land in the
            // Deployment in plaintext. Secrets reach pods only through the service's Kubernetes Secret.
            problems.push({
                key: renderKeyPath(raw.project, path),
                expected: `a plain setting: put the secret in platform:apiKeys (pulumi config set --secret --path 'apiKeys.<name>' --stack ${raw.stack}) and list apiKeys.<name> in this service's secrets`,
                found: "a secret-looking variable",
            });
            continue;
        }
        if (!isSecretKey(String(path[0]))) {
            problems.push({
                key: renderKeyPath(raw.project, path),
                expected: `a secure value (pulumi config set --secret --path '${renderPath(path)}' --stack ${raw.stack})`,
                found: "plaintext",
            });
        }
    }

    // A configured tier that names none is an error here, not a fallback to the stack's name.
    const tier = overrides.tier === undefined ? tierOf(raw.stack) : isTier(overrides.tier) ? overrides.tier : undefined;
    if (!tier) {
        problems.push({
            key: `${prefix}tier`,
            expected: `one of ${TIERS.join(", ")} (set platform:tier when the stack name is not a tier)`,
            found: overrides.tier === undefined ? `nothing, and the stack name "${raw.stack}" is not a tier` : describeValue(overrides.tier, isSecretKey("tier"), true),
        });
        throw new ConfigError(stackFile, problems);
    }

    // The cloud picks the defaults and the schema, so it is settled first, like the tier.
    const cloud = overrides.cloud === undefined ? "aws" : isCloud(overrides.cloud) ? overrides.cloud : undefined;
    if (!cloud) {
        problems.push({ key: `${prefix}cloud`, expected: `one of ${CLOUDS.join(", ")}`, found: describeValue(overrides.cloud, isSecretKey("cloud"), true) });
        throw new ConfigError(stackFile, problems);
    }

    const merged = deepMerge(tierDefaults(tier, cloud), overrides) as Record<string, unknown>;
    merged.tier = tier;
    // Detected build metadata sits under the stack file's platform:release, which wins.
    merged.release = deepMerge(definedOnly(raw.detectedRelease ?? {}), merged.release);
    merged.region = raw.values[`${cloud}:region`];
    if (cloud === "gcp") merged.gcpProject = raw.values["gcp:project"];

    // zod's records silently drop a `__proto__` key (a topic or API key so named would vanish): refuse it by name.
    for (const path of protoKeyPaths(overrides)) {
        problems.push({ key: renderKeyPath(raw.project, path, cloud), expected: "a key other than __proto__, which a configuration map cannot hold", found: "__proto__" });
    }

    const result = PLATFORM_CONFIG_SCHEMAS[cloud].safeParse(merged, { reportInput: true });
    if (!result.success) {
        // zod still runs length checks on a value of the wrong type (a list where a string belongs gets
        // "at least 16 entries" as well); the wrong type is the one problem to report at that key.
        const wrongType = new Set(result.error.issues.filter((issue) => issue.code === "invalid_type").map((issue) => renderPath(issue.path)));
        for (const issue of result.error.issues) {
            if (issue.code !== "invalid_type" && wrongType.has(renderPath(issue.path))) continue;
            problems.push(...describeIssue(issue, raw.project, cloud, (path) => isSecretKey(String(path[0])) || isSecretLookingPath(path)));
        }
    }
    if (problems.length > 0 || !result.success) throw new ConfigError(stackFile, problems);

    const { apiKeys, jwtSecret, secretStore, services, release, ...rest } = result.data;
    if (services.some((service) => service.build) && release.sha === undefined) {
        throw new ConfigError(stackFile, [{ key: `${prefix}release.sha`, expected: "a git commit SHA to tag built images with (set it, or deploy from a git checkout or CI)", found: "nothing" }]);
    }
    return {
        ...rest,
        services: services.map((service) => ({
            ...service,
            replicas: service.replicas ?? rest.serviceDefaults.replicas,
            resources: service.resources ?? rest.serviceDefaults.resources,
            secrets: service.secrets ?? [],
            env: service.env ?? {},
        })),
        release: {
            sha: release.sha ?? "unknown",
            date: release.date ?? "unknown",
            actor: release.actor ?? "unknown",
            ...(release.maintenanceWindow === undefined ? {} : { maintenanceWindow: release.maintenanceWindow }),
        },
        stack: raw.stack,
        project: raw.project,
        secretStore: { ...secretStore, rotationWindowStart: rotationWindowStart(raw.now ?? new Date(), secretStore.rotationDays) },
        apiKeys: Object.fromEntries(Object.entries(apiKeys).map(([name, value]) => [name, pulumi.secret(value)])),
        ...(jwtSecret === undefined ? {} : { jwtSecret: pulumi.secret(jwtSecret) }),
    };
}

/** Reads the running stack's configuration from the Pulumi runtime and parses it. */
export function loadPlatformConfig(): PlatformConfig {
    const values = pulumi.runtime.allConfig();
    // isConfigSecret is exported by the runtime but marked internal in its type declarations.
    const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };
    const secretKeys = new Set(Object.keys(values).filter((key) => runtime.isConfigSecret?.(key) ?? false));
    return parsePlatformConfig({ stack: pulumi.getStack(), project: pulumi.getProject(), values, secretKeys, detectedRelease: detectRelease(process.env, path.join(__dirname, "..")) });
}

/** The engine passes objects and lists JSON-encoded; scalars stay strings. */
function decodeConfigValue(text: string): unknown {
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(text) as unknown;
        } catch {
            return text;
        }
    }
    return text;
}

function definedOnly(value: object): Record<string, unknown> {
    return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}

/** Objects merge key by key; anything else (lists included) in the override replaces the default. */
export function deepMerge(base: unknown, override: unknown): unknown {
    if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const merging = deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, value);
        Object.defineProperty(merged, key, { value: merging, enumerable: true, writable: true, configurable: true });
    }
    return merged;
}

function* secretLookingPaths(value: unknown, path: PropertyKey[] = []): Generator<PropertyKey[]> {
    if (isRecord(value) || Array.isArray(value)) {
        for (const [key, child] of Object.entries(value)) {
            yield* secretLookingPaths(child, [...path, Array.isArray(value) ? Number(key) : key]);
        }
        return;
    }
    if (path.length > 0 && (SECRET_KEYS.has(String(path[0])) || isSecretLookingPath(path))) yield path;
}

/**
 * The first day (YYYY-MM-DD, UTC) of the rotation window `now` falls in: windows of `rotationDays` counted from
 * 2026-01-01, so that every stack of a tier agrees on the boundaries. A generated secret's RandomPassword keeps
 * this date, so the first `pulumi up` on or after the next boundary regenerates it.
 */
export function rotationWindowStart(now: Date, rotationDays: number): string {
    const windowMs = rotationDays * DAY_MS;
    const start = ROTATION_EPOCH + Math.floor((now.getTime() - ROTATION_EPOCH) / windowMs) * windowMs;
    return new Date(start).toISOString().slice(0, 10);
}

/** The first day of the window after the one `now` falls in: when the generated secrets are next due. */
export function nextRotationWindowStart(now: Date, rotationDays: number): string {
    const start = Date.parse(`${rotationWindowStart(now, rotationDays)}T00:00:00Z`);
    return new Date(start + rotationDays * DAY_MS).toISOString().slice(0, 10);
}

function* protoKeyPaths(value: unknown, path: PropertyKey[] = [], depth = 0): Generator<PropertyKey[]> {
    if (depth > 32 || (!isRecord(value) && !Array.isArray(value))) return;
    for (const [key, child] of Object.entries(value)) {
        const childPath = [...path, Array.isArray(value) ? Number(key) : key];
        if (key === "__proto__") yield childPath;
        else yield* protoKeyPaths(child, childPath, depth + 1);
    }
}

function renderPath(path: readonly PropertyKey[]): string {
    // A key with a credential's shape (a token used as a map key) is named, not printed.
    return path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${safeKey(String(segment))}`)).join("");
}

function renderKeyPath(project: string, path: readonly PropertyKey[], cloud: Cloud = "aws"): string {
    if (path[0] === "region") return `${cloud}:region`;
    if (path[0] === "gcpProject") return "gcp:project";
    return `${project}:${renderPath(path)}`;
}

/** What a problem found, as its type and shape: a stack file value may be a credential put in the wrong place. */
function describeValue(value: unknown, secret: boolean, keyword = false): string {
    if (value === undefined) return "nothing";
    if (secret) return "a secret value (not shown)";
    if (isRecord(value)) {
        // Numbers and switches under ordinary names are never credentials: `{min: 3, desired: 2, max: 4}`.
        const entries = Object.entries(value);
        const showable = entries.length > 0 && entries.every(([key, child]) => (typeof child === "number" || typeof child === "boolean") && !isSecretLookingName(key));
        if (showable) return `{${entries.map(([key, child]) => `${safeKey(key)}: ${String(child)}`).join(", ")}}`;
    }
    return describeFound(value, { keyword });
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
    int: "a whole number",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    array: "a list",
    object: "a map of keys",
    record: "a map of keys",
};

function describeIssue(issue: z.core.$ZodIssue, project: string, cloud: Cloud, isSecretPath: (path: PropertyKey[]) => boolean): ConfigProblem[] {
    const path = issue.path;
    // Where the schema wants a keyword or a format (an enum, a CIDR, a region), a keyword-shaped value is shown.
    const found = describeValue(issue.input, isSecretPath(path), wantsKeyword(issue));
    const problem = (expected: string, at: PropertyKey[] = path, foundText = found): ConfigProblem => ({
        key: renderKeyPath(project, at, cloud),
        expected,
        found: foundText,
    });
    switch (issue.code) {
        case "unrecognized_keys": {
            const known = knownKeysAt(path);
            return issue.keys.map((key) => problem(`one of the known keys (${known.join(", ")})`, [...path, key], "an unknown key"));
        }
        case "invalid_type":
            return [problem(Object.hasOwn(TYPE_NAMES, issue.expected) ? TYPE_NAMES[issue.expected] : issue.expected)];
        case "too_small":
            return [problem(boundText(issue.origin, "at least", issue.minimum, issue.inclusive ?? true))];
        case "too_big":
            return [problem(boundText(issue.origin, "at most", issue.maximum, issue.inclusive ?? true))];
        case "invalid_key": {
            // A map key (an apiKeys name) that breaks the key schema; names are not secret, values are.
            const reasons = issue.issues.map((inner) => inner.message.replace(/^expected /, ""));
            return [problem(`a name that is ${reasons.join(" and ")}`, path, describeFound(String(path[path.length - 1]), { keyword: true }))];
        }
        case "invalid_value":
            return [problem(`one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`)];
        default:
            return [problem(issue.message.replace(/^expected /, ""))];
    }
}

function boundText(origin: string, direction: "at least" | "at most", bound: number | bigint, inclusive: boolean): string {
    const limit = Number(bound);
    if (origin === "array") return `${direction} ${limit} entr${limit === 1 ? "y" : "ies"}`;
    if (origin === "string") return `${direction} ${limit} character${limit === 1 ? "" : "s"}`;
    if (inclusive) return `a number ${direction} ${limit}`;
    return `a number ${direction === "at least" ? "greater than" : "less than"} ${limit}`;
}

/** The schema of the value at a path, when the path leads through objects, lists and maps only. */
function schemaAt(path: readonly PropertyKey[]): z.core.$ZodType | undefined {
    let schema: z.core.$ZodType = PlatformConfigSchema;
    for (const segment of path) {
        const unwrapped = unwrapOptional(schema);
        if (unwrapped instanceof z.ZodObject) schema = (Object.hasOwn(unwrapped.shape, String(segment)) ? unwrapped.shape[String(segment)] : undefined) as z.core.$ZodType;
        else if (unwrapped instanceof z.ZodArray) schema = unwrapped.element as z.core.$ZodType;
        else if (unwrapped instanceof z.ZodRecord) schema = unwrapped.valueType as z.core.$ZodType;
        else return undefined;
        if (!schema) return undefined;
    }
    return unwrapOptional(schema);
}

/** The keys the schema accepts at a path, for "unknown key" messages. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
    const target = schemaAt(path);
    return target instanceof z.ZodObject ? Object.keys(target.shape).filter((key) => !Object.hasOwn(DERIVED_KEYS, key)) : [];
}

/** Whether the value at a path is a keyword (an enum, a format such as a CIDR, a switch, a number), so a keyword-shaped value may be shown. */
function wantsKeyword(issue: z.core.$ZodIssue): boolean {
    if (issue.code === "invalid_value" || issue.code === "invalid_format") return true;
    // A custom check that names something by a keyword (a service name) says so.
    if (issue.code === "custom" && issue.params?.keyword === true) return true;
    const target = schemaAt(issue.path);
    return target instanceof z.ZodEnum || target instanceof z.ZodLiteral || target instanceof z.ZodBoolean || target instanceof z.ZodNumber;
}

function unwrapOptional(schema: z.core.$ZodType): z.core.$ZodType {
    return schema instanceof z.ZodOptional ? (schema.unwrap() as z.core.$ZodType) : schema;
}
