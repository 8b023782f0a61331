import { Evaluation, Finding } from "../policies/lib/evaluate";
import { PACK_NAME, PACK_VERSION } from "../policies/lib/pack-info";
import { Rule, RuleMetadata } from "../policies/lib/rule";
import { Tier } from "../policies/lib/tiers";
import type { ReportResource } from "../engine/resource-views";

/**
 * The one model every output format renders (human, JSON, SARIF, JUnit, Markdown). Secrets are masked
 * before anything reaches it. The JSON format is this object; its schema is docs/report.schema.json.
 */
export const REPORT_SCHEMA_VERSION = 1;

export const EXIT_CODES = { clean: 0, mandatoryViolations: 1, badInput: 2 } as const;

export interface StackReport {
    readonly stack: string;
    readonly tier?: Tier;
    /** Where the resources came from: the stack file rendered offline, or the state / preview file audited. */
    readonly source: string;
    /** Set when the stack could not be read or rendered; nothing else is then meaningful. */
    readonly error?: string;
    readonly resources: readonly ReportResource[];
    readonly findings: readonly Finding[];
    readonly exemptions: Evaluation["exemptions"];
    /** The rules run and their enforcement in this stack. */
    readonly rules: Evaluation["rules"];
    /** What the reader or renderer noticed that the user should know: YAML warnings, resources left out, ... */
    readonly notes?: readonly string[];
    /** Resources of an audited file that were left out (pending deletion, preview steps without state). */
    readonly skippedResources?: number;
    readonly durationMs: number;
}

/** A rule's documentation (its metadata and kind), carried in reports so that SARIF and Markdown can show help text. */
export type RuleDoc = RuleMetadata & {
    /** `resource` rules judge one resource at a time; `stack` rules judge the stack as a whole. */
    readonly kind: Rule["kind"];
};

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    /** Input paths whose values changed; secret values are never shown, only that they changed. */
    readonly changedInputs?: readonly { readonly path: string; readonly before: unknown; readonly after: unknown; readonly secret?: boolean }[];
}

/** A masked value's change, without the value: "secret value changed", "added", "removed". */
export function secretChange(input: { readonly before: unknown; readonly after: unknown }): string {
    if (input.before === undefined) return "secret value added";
    return input.after === undefined ? "secret value removed" : "secret value changed";
}

export interface StackDiff {
    readonly stack: string;
    readonly added: readonly ResourceChange[];
    readonly removed: readonly ResourceChange[];
    readonly changed: readonly ResourceChange[];
}

export interface ParityRow {
    readonly path: string;
    /** Value per stack name. */
    readonly values: Readonly<Record<string, string | number | boolean | null>>;
    /** Whether the stacks differ at this path, and if so whether the allowlist permits it. */
    readonly status: "same" | "allowed" | "not allowed";
}

export interface Summary {
    readonly stacks: number;
    readonly resources: number;
    readonly mandatory: number;
    readonly advisory: number;
    readonly exempted: number;
    readonly failedStacks: readonly string[];
    readonly exitCode: number;
}

export interface Report {
    readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
    readonly tool: { readonly name: string; readonly policyPack: string };
    readonly command: "plan" | "audit";
    readonly stacks: readonly StackReport[];
    readonly rules: readonly RuleDoc[];
    readonly diff?: readonly StackDiff[];
    readonly parity?: readonly ParityRow[];
    readonly summary: Summary;
}

export function ruleDocs(rules: readonly Rule[]): RuleDoc[] {
    return rules.map(({ name, kind, description, severity, rationale, remediation, resourceTypes, enforcement, exemptable }) => ({
        name, kind, description, severity, rationale, remediation, resourceTypes, enforcement, exemptable,
    }));
}

export function isBlocking(finding: Finding): boolean {
    return finding.enforcement === "mandatory" || finding.enforcement === "remediate";
}

export function summarise(stacks: readonly StackReport[]): Summary {
    const findings = stacks.flatMap((stack) => stack.findings);
    const failedStacks = stacks.filter((stack) => stack.error !== undefined).map((stack) => stack.stack);
    const mandatory = findings.filter(isBlocking).length;
    return {
        stacks: stacks.length,
        resources: stacks.reduce((total, stack) => total + stack.resources.length, 0),
        mandatory,
        advisory: findings.length - mandatory,
        exempted: stacks.reduce((total, stack) => total + stack.exemptions.length, 0),
        failedStacks,
        exitCode: failedStacks.length > 0 ? EXIT_CODES.badInput : mandatory > 0 ? EXIT_CODES.mandatoryViolations : EXIT_CODES.clean,
    };
}

export function buildReport(command: Report["command"], stacks: readonly StackReport[], rules: readonly Rule[], extra: Pick<Report, "diff" | "parity"> = {}): Report {
    return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: "platform-stacks", policyPack: `${PACK_NAME}@${PACK_VERSION}` },
        command,
        stacks,
        rules: ruleDocs(rules),
        ...extra,
        summary: summarise(stacks),
    };
}
