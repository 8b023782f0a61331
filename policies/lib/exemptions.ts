import { PolicyConfigSchema } from "@pulumi/policy";
import { ResourceUnderTest, RuleMetadata } from "./rule";
import { isRecord } from "./values";

/** Tag / label / annotation key that exempts a resource from a rule: value `YYYY-MM-DD <reason>`. */
export const EXEMPTION_PREFIX = "policy.platform/exempt-";

/** An exemption entry in the pack config, per rule: `{"<rule>": {"exemptions": [...]}}`. */
export interface ConfiguredExemption {
    /** URN of the resource, or its logical name. */
    readonly resource: string;
    readonly reason: string;
    /** Last day (UTC) the exemption holds, YYYY-MM-DD. */
    readonly expires: string;
}

export interface Exemption {
    readonly rule: string;
    readonly urn: string;
    readonly reason: string;
    readonly expires: string;
    readonly source: "resource" | "pack-config";
}

export type ExemptionState =
    | { readonly kind: "none" }
    | { readonly kind: "active"; readonly exemption: Exemption }
    | { readonly kind: "expired"; readonly exemption: Exemption }
    | { readonly kind: "malformed"; readonly rule: string; readonly urn: string; readonly problem: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** JSON schema of a rule's exemption list, for the pack's configSchema. */
export const EXEMPTIONS_CONFIG_SCHEMA: PolicyConfigSchema["properties"][string] = {
    type: "array",
    description: "Resources exempted from this rule, each with a written reason and an expiry date (YYYY-MM-DD).",
    items: {
        type: "object",
        properties: {
            resource: { type: "string", description: "URN or logical name of the resource" },
            reason: { type: "string", minLength: 10 },
            expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
        required: ["resource", "reason", "expires"],
        additionalProperties: false,
    },
};

function markersOf(props: Record<string, unknown>): Record<string, unknown> {
    const metadata = isRecord(props.metadata) ? props.metadata : {};
    return {
        ...(isRecord(props.tags) ? props.tags : {}),
        ...(isRecord(props.labels) ? props.labels : {}),
        ...(isRecord(metadata.annotations) ? metadata.annotations : {}),
    };
}

function isValidDate(text: string): boolean {
    const match = DATE.exec(text);
    if (!match) return false;
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** An exemption holds through the whole of its expiry day (UTC). */
function hasExpired(expires: string, now: Date): boolean {
    return now.getTime() >= new Date(`${expires}T00:00:00Z`).getTime() + 86_400_000;
}

/** Every exemption marker on a resource, by rule name. */
export function resourceExemptionMarkers(resource: ResourceUnderTest): Map<string, string> {
    const markers = new Map<string, string>();
    for (const [key, value] of Object.entries(markersOf(resource.props))) {
        if (key.startsWith(EXEMPTION_PREFIX)) markers.set(key.slice(EXEMPTION_PREFIX.length), String(value));
    }
    return markers;
}

function stateOf(rule: string, urn: string, reason: string, expires: string, source: Exemption["source"], now: Date): ExemptionState {
    if (!isValidDate(expires)) return { kind: "malformed", rule, urn, problem: `expiry "${expires}" is not a date (YYYY-MM-DD)` };
    if (reason.trim().length < 10) return { kind: "malformed", rule, urn, problem: "a written reason of at least 10 characters is required" };
    const exemption: Exemption = { rule, urn, reason: reason.trim(), expires, source };
    return hasExpired(expires, now) ? { kind: "expired", exemption } : { kind: "active", exemption };
}

/** What a resource marker's value (`YYYY-MM-DD <reason>`) amounts to for a rule at a given time. */
export function markerState(rule: string, urn: string, marker: string, now: Date): ExemptionState {
    const [expires, ...reason] = marker.trim().split(/\s+/);
    return stateOf(rule, urn, reason.join(" "), expires ?? "", "resource", now);
}

/** The exemption (if any) that a resource has from a rule, from its own markers or the pack config. */
export function exemptionFor(
    rule: RuleMetadata,
    resource: ResourceUnderTest,
    configured: readonly ConfiguredExemption[],
    now: Date,
): ExemptionState {
    const marker = resourceExemptionMarkers(resource).get(rule.name);
    if (marker !== undefined) return markerState(rule.name, resource.urn, marker, now);
    const entry = configured.find((candidate) => candidate.resource === resource.urn || candidate.resource === resource.name);
    if (entry) return stateOf(rule.name, resource.urn, entry.reason, entry.expires, "pack-config", now);
    return { kind: "none" };
}

/** Reads a rule's exemption list out of its pack config, ignoring anything malformed. */
export function configuredExemptions(ruleConfig: unknown): ConfiguredExemption[] {
    if (!isRecord(ruleConfig) || !Array.isArray(ruleConfig.exemptions)) return [];
    return ruleConfig.exemptions.filter(
        (entry): entry is ConfiguredExemption =>
            isRecord(entry) && typeof entry.resource === "string" && typeof entry.reason === "string" && typeof entry.expires === "string",
    );
}
