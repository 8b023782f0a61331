import { PlatformConfig } from "../../config/load";

/*
 * Provided API keys (platform:apiKeys, secure) rotate by a person: a new value from the third party, set with
 * `pulumi config set --secret`. What the platform knows of each is plain config beside it,
 * platform:apiKeyRotation.<name>: {version, rotateBy}. This judges those dates, without reading a key: a key due
 * within API_KEY_WARNING_DAYS is a warning, a key past its day (or, in staging and prod, one with no entry) fails.
 * `predeploy` runs it as its `api-key-rotation` check.
 */

/** Days before a key's rotateBy date from which it is warned about. */
export const API_KEY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

export type ApiKeyStatus = "ok" | "due-soon" | "overdue" | "untracked";

export interface ApiKeyRotationState {
    readonly name: string;
    readonly status: ApiKeyStatus;
    readonly version?: number;
    readonly rotateBy?: string;
    /** Whole days from today (UTC) to rotateBy; negative once it has passed. */
    readonly daysLeft?: number;
}

export interface ApiKeyRotationResult {
    readonly status: "passed" | "failed";
    /** One line: the verdict, or the first failure. */
    readonly detail: string;
    /** Lines worth a note even when the check passes (keys due soon, keys without an entry in dev). */
    readonly warnings: readonly string[];
    readonly keys: readonly ApiKeyRotationState[];
}

function utcDay(date: Date): number {
    return Math.floor(date.getTime() / DAY_MS);
}

function days(count: number): string {
    return `${count} day${count === 1 ? "" : "s"}`;
}

function setCommand(config: PlatformConfig, name: string): string {
    return `pulumi config set --secret --path 'apiKeys.${name}' --stack ${config.stack}`;
}

/** Each declared API key's rotation state, and the verdict: warn before rotateBy, fail after it. */
export function apiKeyRotation(config: PlatformConfig, now: Date, warningDays = API_KEY_WARNING_DAYS): ApiKeyRotationResult {
    const today = utcDay(now);
    const strict = config.tier === "staging" || config.tier === "prod";
    const keys = Object.keys(config.apiKeys).sort().map((name): ApiKeyRotationState => {
        const entry = Object.hasOwn(config.apiKeyRotation, name) ? config.apiKeyRotation[name] : undefined;
        if (entry === undefined) return { name, status: "untracked" };
        const daysLeft = utcDay(new Date(`${entry.rotateBy}T00:00:00Z`)) - today;
        const status: ApiKeyStatus = daysLeft < 0 ? "overdue" : daysLeft <= warningDays ? "due-soon" : "ok";
        return { name, status, version: entry.version, rotateBy: entry.rotateBy, daysLeft };
    });
    if (keys.length === 0) return { status: "passed", detail: "no API keys in platform:apiKeys", warnings: [], keys };

    const failures: string[] = [];
    const warnings: string[] = [];
    for (const key of keys) {
        const named = key.version === undefined ? `apiKeys.${key.name}` : `apiKeys.${key.name} (version ${key.version})`;
        if (key.status === "overdue") {
            failures.push(`${named} was due for rotation by ${key.rotateBy}, ${days(-(key.daysLeft ?? 0))} ago: set the new key (${setCommand(config, key.name)}), then raise platform:apiKeyRotation.${key.name}.version and move its rotateBy`);
        } else if (key.status === "untracked") {
            const line = `apiKeys.${key.name} has no version and rotation date: set platform:apiKeyRotation.${key.name}: {version: <n>, rotateBy: YYYY-MM-DD}`;
            (strict ? failures : warnings).push(line);
        } else if (key.status === "due-soon") {
            warnings.push(`${named} is due for rotation by ${key.rotateBy}, ${key.daysLeft === 0 ? "today" : `in ${days(key.daysLeft ?? 0)}`}: ${setCommand(config, key.name)}, then raise its version and move its rotateBy`);
        }
    }
    if (failures.length > 0) {
        return { status: "failed", detail: `${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ""}`, warnings, keys };
    }
    const tracked = keys.filter((key) => key.rotateBy !== undefined);
    const next = [...tracked].sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0))[0];
    const summary = next === undefined
        ? `${keys.length} API key${keys.length === 1 ? "" : "s"}, none with a rotation date (${config.tier}: a warning)`
        : `${keys.length} API key${keys.length === 1 ? "" : "s"} within their rotation dates; next: apiKeys.${next.name} by ${next.rotateBy}`;
    return { status: "passed", detail: warnings.length > 0 ? `${summary}; ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : summary, warnings, keys };
}
