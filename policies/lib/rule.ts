import { EnforcementLevel, Severity } from "@pulumi/policy";
import { Tier } from "./tiers";

/** A resource as a rule sees it: the analyzer's view (props with secrets unwrapped). */
export interface ResourceUnderTest {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
    /** Per input property, the URNs of the resources its value came from (stack rules only). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** URN of the parent resource, when known. */
    readonly parent?: string;
}

/** What a rule knows about the run it is part of. */
export interface RuleContext {
    readonly stack: string;
    readonly tier: Tier;
    /** Clock for exemption expiry; injectable for tests. */
    readonly now: Date;
}

/** Everything a reviewer needs to know about a rule, kept beside its code. */
export interface RuleMetadata {
    /** Kebab-case policy name, unique in the pack. */
    readonly name: string;
    readonly description: string;
    readonly severity: Severity;
    /** Why the rule exists, in one or two sentences. */
    readonly rationale: string;
    /** How to fix a violation. */
    readonly remediation: string;
    /**
     * Resource types the rule inspects: exact type tokens; `*` for all; or `<prefix>*<suffix>` for a family of
     * types (`gcp:*IamMember`: every one of the provider's hundreds of IAM member types).
     */
    readonly resourceTypes: readonly string[];
    /** Enforcement per tier when the pack config does not override it. */
    readonly enforcement: Readonly<Record<Tier, EnforcementLevel>>;
    /** Whether a resource may be exempted (with a reason and an expiry); only resource rules apply exemptions. */
    readonly exemptable: boolean;
}

export interface StackViolation {
    readonly message: string;
    readonly urn?: string;
}

export interface ResourceRule extends RuleMetadata {
    readonly kind: "resource";
    /** Returns one message per violation; none when the resource complies. */
    check(resource: ResourceUnderTest, context: RuleContext): string[];
}

export interface StackRule extends RuleMetadata {
    readonly kind: "stack";
    /** A stack rule judges the stack as a whole: no resource can be exempted from it, so no marker is accepted for it. */
    readonly exemptable: false;
    check(resources: readonly ResourceUnderTest[], context: RuleContext): StackViolation[];
}

export type Rule = ResourceRule | StackRule;

/** Mandatory in staging and prod, advisory in dev and local: the default for most guardrails. */
export const STRICT_OUTSIDE_DEV: Readonly<Record<Tier, EnforcementLevel>> = { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" };
/** Mandatory everywhere. */
export const ALWAYS_MANDATORY: Readonly<Record<Tier, EnforcementLevel>> = { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" };

/** Whether a type token matches a resourceTypes entry: the token itself, `*`, or `<prefix>*<suffix>` (one star, compared by ends: linear). */
export function matchesTypePattern(pattern: string, type: string): boolean {
    const star = pattern.indexOf("*");
    if (star < 0) return pattern === type;
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    return type.length >= prefix.length + suffix.length && type.startsWith(prefix) && type.endsWith(suffix);
}

export function appliesTo(rule: RuleMetadata, type: string): boolean {
    return rule.resourceTypes.some((pattern) => matchesTypePattern(pattern, type));
}
