import { createHash } from "crypto";
import * as path from "path";
import { pathToFileURL } from "url";
import { EnforcementLevel, Severity } from "@pulumi/policy";
import type { ArtifactLocation, Location, Log, Notification, ReportingDescriptor, Result, Suppression } from "sarif";
import { EXEMPTION_PREFIX } from "../../policies/lib/exemptions";
import { TIERS } from "../../policies/lib/tiers";
import { POLICY_EXEMPTIONS_VALID } from "../../policies/rules/policy-exemptions-valid";
import type { ReportResource } from "../../engine/resource-views";
import { scrubbingJsonReplacer } from "../../engine/redaction";
import { Report, RuleDoc, StackReport } from "../report";
import { componentSourceOf } from "./locations";

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** GitHub's scale: critical is 9.0 and over, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: "9.0", high: "7.5", medium: "5.0", low: "2.0" };

const DEFAULT_LEVEL: Readonly<Record<Severity, NonNullable<Result["level"]>>> = { critical: "error", high: "error", medium: "warning", low: "note" };

const SRCROOT = "%SRCROOT%";

export interface SarifOptions {
    /** Documentation of the tool; defaults to Pulumi's CrossGuard documentation. Set it to the repository's URL. */
    readonly informationUri?: string;
}

export const DEFAULT_INFORMATION_URI = "https://www.pulumi.com/docs/iac/crossguard/";

/** A blocking finding is an error, an advisory one a warning. */
export function levelOf(enforcement: EnforcementLevel): NonNullable<Result["level"]> {
    switch (enforcement) {
        case "mandatory":
        case "remediate":
            return "error";
        case "advisory":
            return "warning";
        case "disabled":
            return "none";
    }
}

/** Repository-relative paths stay relative (to %SRCROOT%, which GitHub takes as the repository root); absolute ones become file: URIs. */
function artifactLocation(file: string): ArtifactLocation {
    const slashed = file.replace(/\\/g, "/");
    if (path.isAbsolute(file) || /^[A-Za-z]:\//.test(slashed)) return { uri: pathToFileURL(file).href };
    return { uri: encodeURI(slashed.replace(/^\.\//, "")), uriBaseId: SRCROOT };
}

function pascalCase(name: string): string {
    return name
        .split(/[^A-Za-z0-9]+/)
        .filter((part) => part.length > 0)
        .map((part) => part[0].toUpperCase() + part.slice(1))
        .join("");
}

function enforcementText(rule: RuleDoc): string {
    return TIERS.map((tier) => `${tier} ${rule.enforcement[tier]}`).join(", ");
}

/** Help text written once and rendered twice: plain for `help.text`, Markdown for `help.markdown`. */
type Inline = string | { readonly code: string } | { readonly strong: string };
type Block = { readonly paragraph: readonly Inline[] } | { readonly list: readonly (readonly Inline[])[] } | { readonly json: string };

function plainInline(inlines: readonly Inline[]): string {
    return inlines.map((inline) => (typeof inline === "string" ? inline : "code" in inline ? inline.code : inline.strong)).join("");
}

function markdownInline(inlines: readonly Inline[]): string {
    return inlines.map((inline) => (typeof inline === "string" ? inline : "code" in inline ? `\`${inline.code}\`` : `**${inline.strong}**`)).join("");
}

function plainHelp(blocks: readonly Block[]): string {
    return blocks
        .map((block) => ("paragraph" in block ? plainInline(block.paragraph) : "list" in block ? block.list.map((item) => `- ${plainInline(item)}`).join("\n") : `  ${block.json}`))
        .join("\n\n");
}

function markdownHelp(blocks: readonly Block[]): string {
    return blocks
        .map((block) => ("paragraph" in block ? markdownInline(block.paragraph) : "list" in block ? block.list.map((item) => `- ${markdownInline(item)}`).join("\n") : ["```json", block.json, "```"].join("\n")))
        .join("\n\n");
}

function exemptionHelp(rule: RuleDoc): Block[] {
    const marker = { code: `${EXEMPTION_PREFIX}${rule.name}` };
    const validRule = { code: POLICY_EXEMPTIONS_VALID };
    if (!rule.exemptable || rule.kind !== "resource") {
        return [
            {
                paragraph: [
                    { strong: "This rule cannot be exempted." },
                    " A ", marker, ' marker or a pack-config exemption for it is ignored (the violation is reported with "this rule cannot be exempted", and ', validRule, " flags the marker). Fix the resource instead.",
                ],
            },
        ];
    }
    return [
        { paragraph: [{ strong: "Exempting a resource" }, ", when the risk is accepted: every exemption needs a written reason (at least 10 characters) and an expiry date, the last day (UTC) it holds."] },
        {
            list: [
                ["a tag, label or annotation on the resource: ", marker, " = ", { code: "YYYY-MM-DD <reason>" }],
                ["or an entry in the policy pack config (", { code: "--policy-pack-config" }, "):"],
            ],
        },
        { json: `{"${rule.name}": {"exemptions": [{"resource": "<URN or logical name>", "reason": "<why, at least 10 characters>", "expires": "YYYY-MM-DD"}]}}` },
        { paragraph: ["An expired or malformed exemption no longer applies: the violation is reported again, and ", validRule, " reports the marker."] },
    ];
}

function ruleHelp(rule: RuleDoc): Block[] {
    const types: Inline[] = rule.resourceTypes.includes("*") ? ["every resource type"] : rule.resourceTypes.flatMap((type, index) => [...(index > 0 ? [", "] : []), { code: type }]);
    return [
        { paragraph: [rule.description] },
        { paragraph: [{ strong: "Why." }, ` ${rule.rationale}`] },
        { paragraph: [{ strong: "How to fix." }, ` ${rule.remediation}`] },
        {
            paragraph: [
                { strong: "Severity:" }, ` ${rule.severity}. `, { strong: "Enforcement:" }, ` ${enforcementText(rule)}. `, { strong: "Applies to:" }, " ",
                ...(rule.kind === "stack" ? ["the stack as a whole, "] : []), ...types, ".",
            ],
        },
        ...exemptionHelp(rule),
    ];
}

function reportingDescriptor(rule: RuleDoc): ReportingDescriptor {
    const help = ruleHelp(rule);
    return {
        id: rule.name,
        name: pascalCase(rule.name),
        shortDescription: { text: rule.description },
        fullDescription: { text: `${rule.description} ${rule.rationale}` },
        help: { text: plainHelp(help), markdown: markdownHelp(help) },
        defaultConfiguration: { level: DEFAULT_LEVEL[rule.severity] },
        properties: {
            tags: ["security", "iac", "pulumi", "crossguard", `${rule.kind}-rule`],
            precision: "very-high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    };
}

/** Stable across runs while the rule, the resource (or stack) and the message stay the same. */
export function findingFingerprint(rule: string, subject: string, message: string): string {
    return createHash("sha256").update(JSON.stringify([rule, subject, message])).digest("hex");
}

function locate(stack: StackReport, urn: string | undefined, resource: ReportResource | undefined): Pick<Result, "locations" | "relatedLocations"> {
    const location: Location = { physicalLocation: { artifactLocation: artifactLocation(stack.source), region: { startLine: 1 } } };
    if (urn !== undefined) {
        location.logicalLocations = [{ fullyQualifiedName: urn, name: resource?.name ?? urn.split("::").slice(3).join("::"), kind: "resource" }];
    }
    const component = urn === undefined ? undefined : componentSourceOf(urn);
    if (component === undefined) return { locations: [location] };
    return {
        locations: [location],
        relatedLocations: [{ id: 1, physicalLocation: { artifactLocation: artifactLocation(component.file) }, message: { text: `declared by component ${component.component}` } }],
    };
}

function stackResults(stack: StackReport, ruleIndex: ReadonlyMap<string, number>): Result[] {
    const byUrn = new Map(stack.resources.map((resource) => [resource.urn, resource]));
    const base = (rule: string, urn: string | undefined, message: string): Result => {
        const index = ruleIndex.get(rule);
        const hash = findingFingerprint(rule, urn ?? `stack:${stack.stack}`, message);
        return {
            ruleId: rule,
            ...(index === undefined ? {} : { ruleIndex: index }),
            message: { text: message },
            ...locate(stack, urn, urn === undefined ? undefined : byUrn.get(urn)),
            // GitHub builds an alert's identity from primaryLocationLineHash; every finding here sits on line 1 of
            // the stack file, so without it distinct findings of a rule would fold into one alert.
            partialFingerprints: { primaryLocationLineHash: hash, "platformPolicyFinding/v1": hash },
        };
    };
    const findings = stack.findings.map((finding): Result => {
        const result = base(finding.rule, finding.urn, finding.message);
        return {
            ...result,
            level: levelOf(finding.enforcement),
            properties: { stack: stack.stack, ...(stack.tier ? { tier: stack.tier } : {}), severity: finding.severity, enforcement: finding.enforcement },
        };
    });
    const exempted = stack.exemptions.map((exemption): Result => {
        const enforcement = stack.rules.find((rule) => rule.name === exemption.rule)?.enforcement ?? "advisory";
        const suppression: Suppression = {
            // A marker on the resource lives with the program's code or config; a pack-config entry outside it.
            kind: exemption.source === "resource" ? "inSource" : "external",
            status: "accepted",
            justification: `${exemption.reason} (exempted until ${exemption.expires}, by ${exemption.source === "resource" ? `the ${EXEMPTION_PREFIX}${exemption.rule} marker` : "the policy pack config"})`,
        };
        return {
            ...base(exemption.rule, exemption.urn, exemption.message),
            level: levelOf(enforcement),
            suppressions: [suppression],
            properties: { stack: stack.stack, ...(stack.tier ? { tier: stack.tier } : {}), enforcement, exemptionExpires: exemption.expires },
        };
    });
    return [...findings, ...exempted];
}

function failureNotification(report: Report, stack: StackReport): Notification {
    return {
        level: "error",
        message: { text: `stack ${stack.stack}: cannot ${report.command === "plan" ? "render" : "read"} ${stack.source}: ${stack.error ?? "unknown error"}` },
        locations: [{ physicalLocation: { artifactLocation: artifactLocation(stack.source) } }],
        descriptor: { id: "stack-failed" },
    };
}

function noteNotifications(stack: StackReport): Notification[] {
    return (stack.notes ?? []).map((note) => ({
        level: "note",
        message: { text: `stack ${stack.stack}: ${note}` },
        locations: [{ physicalLocation: { artifactLocation: artifactLocation(stack.source) } }],
        descriptor: { id: "stack-note" },
    }));
}

/**
 * The report as SARIF 2.1.0 for GitHub code scanning: one run, every rule with its help (how to fix, how to
 * exempt), one result per finding at the stack file (or audited file) with the resource's URN as logical
 * location and its component's source file as related location; exemptions are results with an accepted
 * suppression; a stack that failed is a tool execution notification and makes the invocation unsuccessful.
 */
export function formatSarif(report: Report, options: SarifOptions = {}): string {
    const ruleIndex = new Map(report.rules.map((rule, index) => [rule.name, index]));
    const failed = report.stacks.filter((stack) => stack.error !== undefined);
    const version = /@([^@]+)$/.exec(report.tool.policyPack)?.[1];
    const log: Log = {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [
            {
                tool: {
                    driver: {
                        name: report.tool.name,
                        fullName: `${report.tool.name} (${report.tool.policyPack})`,
                        version: report.tool.policyPack,
                        ...(version !== undefined && /^\d+\.\d+\.\d+/.test(version) ? { semanticVersion: version } : {}),
                        informationUri: options.informationUri ?? DEFAULT_INFORMATION_URI,
                        rules: report.rules.map(reportingDescriptor),
                    },
                },
                invocations: [
                    {
                        executionSuccessful: failed.length === 0,
                        exitCode: report.summary.exitCode,
                        toolExecutionNotifications: [...failed.map((stack) => failureNotification(report, stack)), ...report.stacks.flatMap(noteNotifications)],
                    },
                ],
                originalUriBaseIds: { [SRCROOT]: { description: { text: "The root of the repository holding Pulumi.yaml." } } },
                results: report.stacks.filter((stack) => stack.error === undefined).flatMap((stack) => stackResults(stack, ruleIndex)),
                properties: {
                    command: report.command,
                    policyPack: report.tool.policyPack,
                    summary: { ...report.summary },
                    stacks: report.stacks.map((stack) => ({
                        stack: stack.stack,
                        ...(stack.tier ? { tier: stack.tier } : {}),
                        source: stack.source,
                        resources: stack.resources.length,
                        findings: stack.findings.length,
                        exemptions: stack.exemptions.length,
                        ...(stack.error !== undefined ? { error: stack.error } : {}),
                    })),
                },
            },
        ],
    };
    return `${JSON.stringify(log, scrubbingJsonReplacer, 2)}\n`;
}
