import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { EXEMPTIONS_IN_USE } from "../../policies/lib/crossguard";
import { StackReport } from "../../tools/report";
import { engineEnv, PulumiCli, runPulumi } from "./pulumi-cli";
import { PROJECT_DIR } from "./stacks";

/**
 * Verdicts of `pulumi policy analyze --file --json` and of the offline audit, in one comparable form:
 * rule | URN | enforcement level | message.
 */

/** One verdict, as both sides are compared. */
export interface Verdict {
    readonly rule: string;
    readonly urn: string;
    readonly enforcement: string;
    readonly message: string;
}

/** The engine event `policy analyze --json` prints per violation, one JSON object a line (apitype.EngineEvent). */
interface PolicyEvent {
    readonly resourceUrn?: string;
    readonly message: string;
    readonly policyName: string;
    readonly policyPackName: string;
    readonly enforcementLevel: string;
}

export interface EngineRun {
    readonly code: number | null;
    readonly verdicts: Verdict[];
    readonly stderr: string;
    /** The engine events as printed, one JSON object per line. */
    readonly stdout: string;
    readonly summary: Record<string, unknown> | undefined;
}

const POLICY_PACK = path.join(PROJECT_DIR, "policies");
export const AUDIT_BIN = path.join(PROJECT_DIR, "tools", "bin.js");

/** The engine prefixes each violation message with the policy's description line. */
function violationText(message: string): string {
    const newline = message.indexOf("\n");
    return newline < 0 ? message : message.slice(newline + 1);
}

function key(verdict: Verdict): string {
    return `${verdict.rule} | ${verdict.urn} | ${verdict.enforcement} | ${verdict.message}`;
}

function sortedKeys(verdicts: readonly Verdict[]): string[] {
    return verdicts.map(key).sort();
}

/**
 * `pulumi policy analyze --file` with the pack (that of `projectDir`, default this checkout). `packAsPulumiRuns`: the pack's TypeScript is loaded by ts-node as
 * run-policy-pack registers it, not by the launcher's cached transpiler (scripts/engine-bin/pulumi-analyzer-policy-nodejs).
 */
export function analyze(cli: PulumiCli, file: string, packConfig?: string, options: { packAsPulumiRuns?: boolean; projectDir?: string } = {}): EngineRun {
    const projectDir = options.projectDir ?? PROJECT_DIR;
    const args = ["policy", "analyze", "--file", file, "--policy-pack", options.projectDir ? path.join(projectDir, "policies") : POLICY_PACK, "--json"];
    if (packConfig) args.push("--policy-pack-config", packConfig);
    const result = runPulumi(cli, args, { cwd: projectDir, env: engineEnv(cli, options.packAsPulumiRuns ? { PLATFORM_PACK_TS_NODE: "1" } : {}) });
    if (result.error) throw result.error;
    const verdicts: Verdict[] = [];
    let summary: Record<string, unknown> | undefined;
    for (const line of result.stdout.split("\n")) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { policyEvent?: PolicyEvent; summaryEvent?: Record<string, unknown> };
        if (event.summaryEvent) summary = event.summaryEvent;
        const policy = event.policyEvent;
        if (!policy) continue;
        verdicts.push({ rule: policy.policyName, urn: policy.resourceUrn ?? "", enforcement: policy.enforcementLevel, message: violationText(policy.message) });
    }
    return { code: result.status, verdicts, stderr: result.stderr, stdout: result.stdout, summary };
}

/**
 * The offline audit's verdicts as the engine reports them: a stack-level finding (no URN) is attributed to
 * the root stack resource (deploy.AnalyzeSnapshot does that), and every exemption in use is the advisory
 * `policy-exemptions-in-use` violation the pack reports for it.
 */
export function offlineVerdicts(report: StackReport, attribute: (urn: string | undefined) => string, exemptionsLevel: string): Verdict[] {
    const findings = report.findings.map((finding) => ({ rule: finding.rule, urn: attribute(finding.urn), enforcement: finding.enforcement, message: finding.message }));
    if (exemptionsLevel === "disabled") return findings;
    const exemptions = report.exemptions.map((exemption) => ({
        rule: EXEMPTIONS_IN_USE,
        urn: exemption.urn,
        enforcement: exemptionsLevel,
        message: `exempt from ${exemption.rule} until ${exemption.expires} (${exemption.source}): ${exemption.reason} — suppressed: ${exemption.message}`,
    }));
    return [...findings, ...exemptions];
}

/**
 * Where deploy.AnalyzeSnapshot puts a violation: its own URN when that resource is in the file (and not
 * pending deletion), else the root stack — the parentless pulumi:pulumi:Stack, or the URN it would have.
 */
export function engineAttribution(file: string): (urn: string | undefined) => string {
    const { deployment } = JSON.parse(fs.readFileSync(file, "utf8")) as { deployment: { resources: { urn: string; type: string; parent?: string; delete?: boolean }[] } };
    const live = deployment.resources.filter((resource) => !resource.delete);
    const root = live.find((resource) => resource.type === "pulumi:pulumi:Stack" && !resource.parent)?.urn ?? defaultRootStackUrn(live[0].urn);
    const urns = new Set(live.map((resource) => resource.urn));
    return (urn) => (urn !== undefined && urns.has(urn) ? urn : root);
}

/** resource.DefaultRootStackURN: `urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<project>-<stack>`. */
function defaultRootStackUrn(anyUrn: string): string {
    const [, stack, project] = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(anyUrn) ?? [];
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

/** Both sides' verdicts must be equal; on failure, says only what differs. */
export function assertSameVerdicts(engine: readonly Verdict[], offline: readonly Verdict[]): void {
    const engineKeys = sortedKeys(engine);
    const offlineKeys = sortedKeys(offline);
    const onlyEngine = engineKeys.filter((entry) => !offlineKeys.includes(entry));
    const onlyOffline = offlineKeys.filter((entry) => !engineKeys.includes(entry));
    assert.ok(
        onlyEngine.length === 0 && onlyOffline.length === 0 && engineKeys.length === offlineKeys.length,
        `verdicts differ\nonly from pulumi policy analyze:\n  ${onlyEngine.join("\n  ")}\nonly from audit:\n  ${onlyOffline.join("\n  ")}`,
    );
}

/** The level of the advisory `policy-exemptions-in-use` listing after the engine applied the config: own entry, else `all`. */
export function exemptionsListingLevel(packConfig: Record<string, unknown> | undefined): string {
    const levelOf = (entry: unknown): string | undefined => (typeof entry === "string" ? entry : (entry as { enforcementLevel?: string } | undefined)?.enforcementLevel);
    return levelOf(packConfig?.[EXEMPTIONS_IN_USE]) ?? levelOf(packConfig?.all) ?? "advisory";
}
