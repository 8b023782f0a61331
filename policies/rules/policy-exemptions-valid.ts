import { EXEMPTION_PREFIX, markerState, resourceExemptionMarkers } from "../lib/exemptions";
import { ALWAYS_MANDATORY, ResourceRule, Rule } from "../lib/rule";

export const POLICY_EXEMPTIONS_VALID = "policy-exemptions-valid";

/**
 * Every exemption marker (`policy.platform/exempt-<rule>` tag, label or annotation, value `YYYY-MM-DD <reason>`)
 * on any resource is one that works: it names an exemptable resource rule of this pack, its date parses, its
 * reason has at least 10 characters, and it has not expired (it holds through its expiry day, UTC). Without
 * this rule a typo in the rule name or the date silently exempts nothing, and expired markers pile up.
 *
 * A factory, so that it can know every rule of the pack without importing the registry that lists it.
 * Exemptions in the pack config are not visible to a resource rule and are not checked here (the pack config
 * schema validates their shape).
 */
export function createPolicyExemptionsValid(rules: () => readonly Rule[]): ResourceRule {
    return {
        kind: "resource",
        name: POLICY_EXEMPTIONS_VALID,
        description: "Exemption markers name an exemptable rule, carry a valid expiry and a reason, and have not expired.",
        severity: "medium",
        rationale:
            "An exemption is a dated, written decision to accept a risk; a marker that names no rule, cannot parse or has expired exempts nothing while looking as if it does, and hides that the decision is due for review.",
        remediation:
            "Fix the marker to `policy.platform/exempt-<rule>: YYYY-MM-DD <reason of at least 10 characters>` naming an exemptable rule, renew it with a new date and reason after review, or remove it.",
        resourceTypes: ["*"],
        enforcement: ALWAYS_MANDATORY,
        exemptable: false,
        check(resource, context) {
            const messages: string[] = [];
            // In marker order by rule name, so that the report does not depend on how the tags were written.
            const markers = [...resourceExemptionMarkers(resource)].sort(([a], [b]) => a.localeCompare(b));
            for (const [ruleName, value] of markers) {
                const marker = `exemption marker ${EXEMPTION_PREFIX}${ruleName}`;
                const rule = rules().find((candidate) => candidate.name === ruleName);
                if (!rule) {
                    messages.push(`${marker} names no rule of this policy pack`);
                    continue;
                }
                if (!rule.exemptable) {
                    messages.push(`${marker} names rule ${ruleName}, which cannot be exempted`);
                    continue;
                }
                const state = markerState(ruleName, resource.urn, value, context.now);
                if (state.kind === "malformed") messages.push(`${marker} is ignored: ${state.problem}`);
                if (state.kind === "expired") messages.push(`${marker} expired on ${state.exemption.expires} (${state.exemption.reason})`);
            }
            return messages;
        },
    };
}
