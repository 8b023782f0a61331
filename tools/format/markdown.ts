import { Severity } from "@pulumi/policy";
import { Finding } from "../../policies/lib/evaluate";
import { isBlocking, ParityRow, Report, ResourceChange, secretChange, StackDiff, StackReport } from "../report";
import { printableReport } from "./printable";

/** GitHub refuses a comment body longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room left for what a CI step may wrap around the comment (a sticky-comment header, a footer). */
const HEADROOM = 1_024;

/** First line of every comment, so that CI can find and update its previous comment instead of adding one. */
export const COMMENT_MARKER = "<!-- platform-policy-report -->";

const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

export interface MarkdownOptions {
    /** Longest body to produce; defaults to GitHub's comment limit less some headroom. */
    readonly maxLength?: number;
}

/** How much detail fits: rows per table and characters per cell; relaxed until the comment fits. */
interface Limits {
    readonly rows: number;
    readonly cell: number;
}

/** Tracks whether anything was left out, to say so at the end. */
interface Render {
    readonly limits: Limits;
    truncated: boolean;
}

/** Text for a table cell or a list item: Markdown punctuation, `|`, backticks and HTML escaped, one line. */
export function escapeInline(text: string, max = Number.POSITIVE_INFINITY): string {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    const line = text.replace(/\r?\n/g, " ").replace(/[\u0000-\u001f\u007f]/g, "").trim();
    const cut = line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line;
    return cut.replace(/[\\`*_[\]<>|~&]/g, "\\$&");
}

/** Text inside raw HTML (a <summary>), where Markdown escapes are not processed. */
function escapeHtml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * A code span for a table cell: `|` must be escaped even there (GitHub unescapes it inside tables only).
 * Text with a backtick or a line break is escaped plain text instead.
 */
function code(text: string): string {
    return /[`\r\n]/.test(text) ? escapeInline(text) : `\`${text.replace(/\|/g, "\\|")}\``;
}

/** A code span outside tables, where `\|` would show its backslash. */
function codeText(text: string): string {
    return /[`\r\n]/.test(text) ? escapeInline(text) : `\`${text}\``;
}

function cut(render: Render, text: string): string {
    if (text.length > render.limits.cell) render.truncated = true;
    return escapeInline(text, render.limits.cell);
}

function table(render: Render, header: readonly string[], rows: readonly (readonly string[])[]): string[] {
    const shown = rows.slice(0, render.limits.rows);
    const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...shown.map((row) => `| ${row.join(" | ")} |`)];
    if (shown.length < rows.length) {
        render.truncated = true;
        lines.push(`| _…and ${rows.length - shown.length} more not shown_ |${header.slice(1).map(() => " |").join("")}`);
    }
    return lines;
}

function plural(count: number, word: string): string {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function failedVerb(report: Report): string {
    return report.command === "plan" ? "render" : "read";
}

function headline(report: Report): string {
    const { summary } = report;
    const title = report.command === "plan" ? "Policy plan" : "Policy audit";
    const parts: string[] = [];
    if (summary.failedStacks.length > 0) parts.push(`could not ${failedVerb(report)} ${summary.failedStacks.map((stack) => escapeInline(stack)).join(", ")}`);
    parts.push(summary.mandatory > 0 ? plural(summary.mandatory, "mandatory violation") : "no mandatory violations");
    parts.push(`${summary.advisory} advisory`, `${summary.exempted} exempted`);
    return `## ${summary.exitCode === 0 ? "✅" : "❌"} ${title}: ${parts.join(", ")}`;
}

function stackCounts(stack: StackReport): { mandatory: number; advisory: number } {
    const mandatory = stack.findings.filter(isBlocking).length;
    return { mandatory, advisory: stack.findings.length - mandatory };
}

function summaryTable(render: Render, report: Report): string[] {
    const rows = report.stacks.map((stack) => {
        if (stack.error !== undefined) return [code(stack.stack), stack.tier ?? "—", "—", "—", "—", "—", `❌ cannot ${failedVerb(report)}`];
        const { mandatory, advisory } = stackCounts(stack);
        return [code(stack.stack), stack.tier ?? "—", String(stack.resources.length), String(mandatory), String(advisory), String(stack.exemptions.length), mandatory > 0 ? "❌ fail" : "✅ pass"];
    });
    return table({ ...render, limits: { ...render.limits, rows: Number.POSITIVE_INFINITY } }, ["Stack", "Tier", "Resources", "Mandatory", "Advisory", "Exempted", "Verdict"], rows);
}

function resourceLabel(finding: Pick<Finding, "urn" | "resourceName" | "resourceType">): string {
    if (finding.urn === undefined) return "_whole stack_";
    const name = finding.resourceName ?? finding.urn.split("::").slice(3).join("::");
    return finding.resourceType ? `${code(name)} (${code(finding.resourceType)})` : code(name);
}

/** A fenced block that no backtick run in the text can close. */
function fenced(raw: string): string[] {
    // eslint-disable-next-line no-control-regex -- control characters (but tab and newline) are removed
    const text = raw.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    return [fence, text, fence];
}

function stackDetails(render: Render, report: Report, stack: StackReport): string[] {
    if (stack.error !== undefined) {
        const room = render.limits.cell * 4;
        if (stack.error.length > room) render.truncated = true;
        return [`**${escapeInline(stack.stack)}**: ❌ cannot ${failedVerb(report)} ${codeText(stack.source)}:`, "", ...fenced(stack.error.length > room ? `${stack.error.slice(0, room)}…` : stack.error), ""];
    }
    const { mandatory, advisory } = stackCounts(stack);
    const byUrn = new Map(stack.resources.map((resource) => [resource.urn, resource]));
    const notes = (stack.notes ?? []).map((note) => `> ℹ️ ${cut(render, escapeInline(note))}`);
    const noted = notes.length > 0 ? [...notes, ""] : [];
    if (stack.findings.length === 0 && stack.exemptions.length === 0) return [`**${escapeInline(stack.stack)}**: ✅ every rule passed (${plural(stack.resources.length, "resource")}${stack.skippedResources ? `, ${stack.skippedResources} skipped` : ""}, ${codeText(stack.source)})`, "", ...noted];
    const lines = [
        "<details>",
        `<summary><b>${escapeHtml(stack.stack)}</b>: ${mandatory > 0 ? "❌" : "✅"} ${mandatory} mandatory, ${advisory} advisory, ${stack.exemptions.length} exempted</summary>`,
        "",
        ...noted,
    ];
    for (const severity of SEVERITIES) {
        const findings = stack.findings.filter((finding) => finding.severity === severity);
        if (findings.length === 0) continue;
        lines.push(`#### ${severity} (${findings.length})`, "");
        lines.push(
            ...table(
                render,
                ["", "Rule", "Resource", "Message"],
                [...findings]
                    .sort((a, b) => Number(isBlocking(b)) - Number(isBlocking(a)))
                    .map((finding) => [isBlocking(finding) ? "❌ mandatory" : "⚠️ advisory", code(finding.rule), resourceLabel(finding), cut(render, finding.message)]),
            ),
            "",
        );
    }
    if (stack.exemptions.length > 0) {
        lines.push("#### Exemptions in use", "");
        lines.push(
            ...table(
                render,
                ["Rule", "Resource", "Until", "Declared in", "Reason"],
                stack.exemptions.map((exemption) => [
                    code(exemption.rule),
                    resourceLabel({ urn: exemption.urn, resourceName: byUrn.get(exemption.urn)?.name, resourceType: byUrn.get(exemption.urn)?.type }),
                    exemption.expires,
                    exemption.source === "resource" ? "resource marker" : "pack config",
                    cut(render, exemption.reason),
                ]),
            ),
            "",
        );
    }
    lines.push("</details>", "");
    return lines;
}

function changeLabel(change: ResourceChange): string {
    return `${codeText(change.urn.split("::").slice(3).join("::") || change.urn)} (${codeText(change.type)})`;
}

function value(render: Render, input: unknown): string {
    if (input === undefined) return "_(absent)_";
    return cut(render, JSON.stringify(input) ?? String(input));
}

function diffDetails(render: Render, diff: StackDiff): string[] {
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    const lines = ["<details>", `<summary><b>${escapeHtml(diff.stack)}</b>: +${diff.added.length} added, −${diff.removed.length} removed, ~${diff.changed.length} changed</summary>`, ""];
    if (total === 0) lines.push("No changes.", "");
    const list = (title: string, items: readonly string[][]): void => {
        if (items.length === 0) return;
        const shown = items.slice(0, render.limits.rows);
        lines.push(`**${title}**`, "", ...shown.flat());
        if (shown.length < items.length) {
            render.truncated = true;
            lines.push(`- _…and ${items.length - shown.length} more not shown_`);
        }
        lines.push("");
    };
    list("Added", diff.added.map((change) => [`- ${changeLabel(change)}`]));
    list("Removed", diff.removed.map((change) => [`- ${changeLabel(change)}`]));
    list(
        "Changed",
        diff.changed.map((change) => {
            const inputs = change.changedInputs ?? [];
            const shown = inputs.slice(0, render.limits.rows);
            if (shown.length < inputs.length) render.truncated = true;
            return [
                `- ${changeLabel(change)}`,
                ...shown.map((input) => `  - ${codeText(input.path)}: ${input.secret ? `_${secretChange(input)}_` : `${value(render, input.before)} → ${value(render, input.after)}`}`),
                ...(shown.length < inputs.length ? [`  - _…and ${inputs.length - shown.length} more inputs_`] : []),
            ];
        }),
    );
    lines.push("</details>", "");
    return lines;
}

function parityValue(render: Render, input: ParityRow["values"][string] | undefined): string {
    if (input === undefined || input === null) return "—";
    return cut(render, String(input));
}

function paritySection(render: Render, rows: readonly ParityRow[]): string[] {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row.values)))];
    const header = ["Path", ...columns.map((column) => escapeInline(column)), "Status"];
    const cells = (row: ParityRow): string[] => {
        const notAllowed = row.status === "not allowed";
        return [
            notAllowed ? `**${code(row.path)}**` : code(row.path),
            ...columns.map((column) => parityValue(render, row.values[column])),
            notAllowed ? "❌ **not allowed**" : row.status === "allowed" ? "allowed" : "same",
        ];
    };
    const differing = rows.filter((row) => row.status !== "same");
    const same = rows.filter((row) => row.status === "same");
    const notAllowed = differing.filter((row) => row.status === "not allowed").length;
    const lines = ["### Environment parity", ""];
    lines.push(notAllowed > 0 ? `❌ ${plural(notAllowed, "difference")} the parity allowlist does not permit.` : "✅ every difference is on the parity allowlist.", "");
    if (differing.length > 0) lines.push(...table(render, header, differing.map(cells)), "");
    if (same.length > 0) {
        lines.push("<details>", `<summary>${plural(same.length, "path")} identical in every stack</summary>`, "", ...table(render, header, same.map(cells)), "", "</details>", "");
    }
    return lines;
}

function render(report: Report, limits: Limits): { text: string; truncated: boolean } {
    const state: Render = { limits, truncated: false };
    const lines = [COMMENT_MARKER, headline(report), "", ...summaryTable(state, report), ""];
    for (const stack of report.stacks) lines.push(...stackDetails(state, report, stack));
    if (report.diff !== undefined) {
        lines.push("### Changes since the previous report", "");
        for (const diff of report.diff) lines.push(...diffDetails(state, diff));
    }
    if (report.parity !== undefined && report.parity.length > 0) lines.push(...paritySection(state, report.parity));
    lines.push(`<sub>${escapeInline(report.tool.name)} ${report.command} · ${escapeInline(report.tool.policyPack)} · exit code ${report.summary.exitCode}</sub>`);
    return { text: lines.join("\n"), truncated: state.truncated };
}

const TRUNCATED_NOTE = "\n\n> ⚠️ Truncated to fit GitHub's comment limit: some rows or values are not shown. The JSON and SARIF reports have everything.";

/** The last resort: whole lines up to the limit, a <details> left open closed, then the note. */
function hardCut(text: string, maxLength: number): string {
    const closer = "\n\n</details>";
    const lines = text.slice(0, Math.max(0, maxLength - TRUNCATED_NOTE.length - closer.length - 1)).split("\n");
    lines.pop();
    const open = lines.filter((line) => line === "<details>").length > lines.filter((line) => line === "</details>").length;
    return `${lines.join("\n")}${open ? closer : ""}${TRUNCATED_NOTE}\n`;
}

/** More rows than any table or list of the report has: the upper bound of the search below. */
function mostRows(report: Report): number {
    const diffRows = (report.diff ?? []).flatMap((diff) => [diff.added.length, diff.removed.length, diff.changed.length, ...diff.changed.map((change) => change.changedInputs?.length ?? 0)]);
    return Math.max(1, report.parity?.length ?? 0, ...report.stacks.flatMap((stack) => [stack.findings.length, stack.exemptions.length]), ...diffRows);
}

/**
 * A pull-request comment: the verdict, a table of stacks, then per stack the findings by severity and the
 * exemptions in use (collapsed), the diff against a previous report (collapsed per stack) and the parity
 * table. Longer than GitHub accepts, it shows as many rows per table as fit, with shorter cells, and says so;
 * if even the tables' headers do not fit, it cuts whole lines.
 */
export function formatMarkdown(untrusted: Report, options: MarkdownOptions = {}): string {
    const report = printableReport(untrusted);
    const maxLength = options.maxLength ?? GITHUB_COMMENT_LIMIT - HEADROOM;
    const attempt = (limits: Limits): string => {
        const { text, truncated } = render(report, limits);
        return truncated ? `${text}${TRUNCATED_NOTE}\n` : `${text}\n`;
    };
    const full = attempt({ rows: Number.POSITIVE_INFINITY, cell: 2_000 });
    if (full.length <= maxLength) return full;
    // The most rows per table that fit (the length grows with the rows), cells cut shorter.
    let best: string | undefined;
    let low = 0;
    let high = mostRows(report);
    while (low <= high) {
        const rows = Math.floor((low + high) / 2);
        const body = attempt({ rows, cell: 300 });
        if (body.length <= maxLength) {
            best = body;
            low = rows + 1;
        } else {
            high = rows - 1;
        }
    }
    return best ?? hardCut(render(report, { rows: 0, cell: 80 }).text, maxLength);
}
