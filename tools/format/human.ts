import { Severity } from "@pulumi/policy";
import { Finding } from "../../policies/lib/evaluate";
import type { ReportResource } from "../../engine/resource-views";
import { isBlocking, Report, secretChange, StackReport } from "../report";
import { printableReport } from "./printable";
import { Style } from "./style";

const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

function countByType(resources: readonly ReportResource[]): string {
    const counts = new Map<string, number>();
    for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    return [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([type, count]) => `${count} ${type}`)
        .join(", ");
}

/**
 * The resource tree of one stack: each component with its direct resources counted by type, nested
 * components indented below it.
 */
export function renderResourceTree(resources: readonly ReportResource[], style: Style): string[] {
    const children = new Map<string, ReportResource[]>();
    for (const resource of resources) {
        if (!resource.parent) continue;
        const siblings = children.get(resource.parent) ?? [];
        siblings.push(resource);
        children.set(resource.parent, siblings);
    }
    const descendants = (urn: string): number => (children.get(urn) ?? []).reduce((total, child) => total + 1 + descendants(child.urn), 0);

    const lines: string[] = [];
    const walk = (component: ReportResource, depth: number): void => {
        const indent = "  ".repeat(depth);
        const own = children.get(component.urn) ?? [];
        const leaves = own.filter((resource) => resource.custom || (children.get(resource.urn) ?? []).length === 0);
        const components = own.filter((resource) => !leaves.includes(resource));
        lines.push(`${indent}${style.bold(component.type)} ${component.name} ${style.dim(`(${descendants(component.urn)} resource${descendants(component.urn) === 1 ? "" : "s"})`)}`);
        if (leaves.length > 0) lines.push(`${indent}  ${style.dim(countByType(leaves))}`);
        for (const child of components) walk(child, depth + 1);
    };
    const urns = new Set(resources.map((resource) => resource.urn));
    for (const root of resources.filter((resource) => !resource.parent || !urns.has(resource.parent))) {
        if (root.custom && !children.has(root.urn)) continue;
        walk(root, 1);
    }
    const orphans = resources.filter((resource) => resource.custom && (!resource.parent || !urns.has(resource.parent)));
    if (orphans.length > 0) lines.push(`  ${style.dim(countByType(orphans))}`);
    return lines;
}

function findingLine(finding: Finding, style: Style): string {
    const blocking = isBlocking(finding);
    const marker = blocking ? style.red("✖ mandatory") : style.yellow("⚠ advisory ");
    const subject = finding.resourceName ? `${finding.resourceName} ${style.dim(`(${finding.resourceType ?? "resource"})`)}: ` : "";
    return `      ${marker} ${style.bold(finding.rule)}  ${subject}${finding.message}`;
}

function stackSection(stack: StackReport, command: Report["command"], style: Style, showTree: boolean): string[] {
    const lines = [style.bold(`Stack ${stack.stack}`) + style.dim(`  (tier ${stack.tier ?? "?"}, ${stack.source}, ${stack.resources.length} resources${stack.skippedResources ? ` audited, ${stack.skippedResources} skipped` : ""}, ${(stack.durationMs / 1000).toFixed(1)} s)`)];
    if (stack.error !== undefined) {
        lines.push(style.red(`  cannot ${command === "plan" ? "render" : "read"}: ${stack.error.replace(/\n/g, "\n  ")}`));
        for (const note of stack.notes ?? []) lines.push(style.dim(`  note: ${note}`));
        lines.push("");
        return lines;
    }
    if (showTree) lines.push(...renderResourceTree(stack.resources, style));
    for (const note of stack.notes ?? []) lines.push(style.dim(`  note: ${note}`));
    lines.push("  Policy verdicts:");
    if (stack.findings.length === 0) lines.push(style.green("    none: every rule passed"));
    for (const severity of SEVERITIES) {
        const findings = stack.findings.filter((finding) => finding.severity === severity);
        if (findings.length === 0) continue;
        lines.push(`    ${severity} (${findings.length})`, ...findings.map((finding) => findingLine(finding, style)));
    }
    if (stack.exemptions.length > 0) {
        lines.push("  Exemptions in use:");
        for (const exemption of stack.exemptions) {
            lines.push(`    ⊘ ${exemption.rule} on ${exemption.urn.split("::").pop() ?? exemption.urn} until ${exemption.expires} (${exemption.source}): ${exemption.reason}`);
        }
    }
    const mandatory = stack.findings.filter(isBlocking).length;
    const verdict = mandatory === 0 ? style.green("pass") : style.red("FAIL");
    lines.push(`  ${stack.stack}: ${verdict} — ${mandatory} mandatory, ${stack.findings.length - mandatory} advisory, ${stack.exemptions.length} exempted`, "");
    return lines;
}

function paritySection(report: Report, style: Style): string[] {
    if (!report.parity || report.parity.length === 0) return [];
    const columns = Object.keys(report.parity[0].values);
    const differing = report.parity.filter((row) => row.status !== "same");
    const show = (value: unknown): string => (value === null ? "—" : String(value));
    const width = Math.max(...report.parity.map((row) => row.path.length));
    const lines = [style.bold(`Parity: ${columns.join(" | ")}`) + style.dim(` (${report.parity.length - differing.length} properties identical)`)];
    for (const row of differing) {
        const status = row.status === "allowed" ? style.dim("allowed") : style.red("NOT ALLOWED");
        lines.push(`  ${row.path.padEnd(width)}  ${columns.map((column) => show(row.values[column])).join(" | ")}  ${status}`);
    }
    return [...lines, ""];
}

function diffSection(report: Report, style: Style): string[] {
    if (!report.diff) return [];
    const lines = [style.bold("Changes against the previous report:")];
    for (const stack of report.diff) {
        lines.push(`  ${stack.stack}: ${style.green(`+${stack.added.length}`)} ${style.red(`-${stack.removed.length}`)} ${style.yellow(`~${stack.changed.length}`)}`);
        for (const added of stack.added) lines.push(`    ${style.green("+")} ${added.urn}`);
        for (const removed of stack.removed) lines.push(`    ${style.red("-")} ${removed.urn}`);
        for (const changed of stack.changed) {
            lines.push(`    ${style.yellow("~")} ${changed.urn}`);
            for (const input of changed.changedInputs ?? []) lines.push(`        ${input.path}: ${input.secret ? secretChange(input) : `${JSON.stringify(input.before)} → ${JSON.stringify(input.after)}`}`);
        }
    }
    return [...lines, ""];
}

/** The report for a terminal: per stack the tree, the verdicts by severity and a summary; then parity, diff, totals. */
export function formatHuman(untrusted: Report, style: Style, options: { tree?: boolean } = {}): string {
    const report = printableReport(untrusted);
    const lines = report.stacks.flatMap((stack) => stackSection(stack, report.command, style, options.tree ?? report.command === "plan"));
    lines.push(...paritySection(report, style), ...diffSection(report, style));
    const { summary } = report;
    const failed = summary.failedStacks.length > 0 ? `; could not ${report.command === "plan" ? "render" : "read"}: ${summary.failedStacks.join(", ")}` : "";
    const line = `${summary.stacks} stack${summary.stacks === 1 ? "" : "s"}, ${summary.resources} resources: ${summary.mandatory} mandatory violations, ${summary.advisory} advisory, ${summary.exempted} exempted${failed} (exit ${summary.exitCode})`;
    lines.push(summary.exitCode === 0 ? style.green(line) : style.red(line));
    return lines.join("\n");
}
