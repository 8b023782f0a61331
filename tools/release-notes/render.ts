import { MIGRATION_CONTRACTS } from "../../config/schema";
import { scrubbingJsonReplacer } from "../../engine/redaction";
import { printable } from "../format/printable";
import { CHANGE_TITLES, CommitNote } from "./commits";
import type { ReleaseNotes } from "../release-notes";

/*
 * The notes as Markdown (a pull-request comment, a GitHub release body) and as JSON. Every text has been
 * bounded and scrubbed when it was read (./commits); here it is escaped for Markdown: no character of a
 * commit message can open a link, an image, an HTML tag or a table cell.
 */

const KNOWN_CONTRACTS: readonly string[] = MIGRATION_CONTRACTS;

/** Text from a commit or a file, inline in Markdown: one line, Markdown's punctuation escaped, no HTML. */
export function markdownText(text: string): string {
    return printable(text, true).replace(/[\\`*_[\]<>|~#]/g, (character) => (character === "<" ? "&lt;" : character === ">" ? "&gt;" : `\\${character}`));
}

/** A code span for text that is known to hold no backtick (hashes, refs, file names, digests). */
function code(text: string): string {
    return `\`${printable(text, true).replace(/`/g, "'")}\``;
}

/** `- **scope:** subject (`abc1234`)`; in the breaking section with its type, `- **feat(api):** ...`. */
function commitLine(commit: CommitNote, breakingSection: boolean): string {
    const scope = commit.scope !== undefined ? `(${markdownText(commit.scope)})` : "";
    const lead = breakingSection ? (commit.type === "other" ? "" : `**${commit.type}${scope}:** `) : commit.scope !== undefined ? `**${markdownText(commit.scope)}:** ` : "";
    const mark = commit.breaking && !breakingSection ? "⚠️ " : "";
    return `- ${mark}${lead}${markdownText(commit.subject)} (${code(commit.short)})`;
}

function plural(count: number, one: string, many = `${one}s`): string {
    return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

export function renderMarkdown(notes: ReleaseNotes): string {
    const lines: string[] = [];
    const { from, to } = notes.range;
    lines.push(`## Release notes ${code(from.ref)} → ${code(to.ref)}`, "");
    const merges = notes.commits.merges > 0 ? `, ${plural(notes.commits.merges, "merge commit")} not listed` : "";
    lines.push(`${code(from.sha.slice(0, 12))}..${code(to.sha.slice(0, 12))}: ${plural(notes.commits.total, "commit")}${merges}`, "");
    for (const note of notes.notes) lines.push(`> ${markdownText(note)}`, "");

    const breaking = notes.changes.flatMap((group) => group.commits.filter((commit) => commit.breaking));
    if (breaking.length > 0) {
        lines.push("### ⚠️ Breaking changes", "");
        for (const commit of breaking) {
            lines.push(commitLine(commit, true));
            if (commit.breakingNote !== undefined) lines.push(`  - ${markdownText(commit.breakingNote)}`);
        }
        lines.push("");
    }

    lines.push("### Changes", "");
    if (notes.changes.length === 0) lines.push("No commits in the range.", "");
    for (const group of notes.changes) {
        lines.push(`#### ${CHANGE_TITLES[group.type]}`, "");
        for (const commit of group.commits) lines.push(commitLine(commit, false));
        lines.push("");
    }

    lines.push("### Services touched", "");
    if (notes.services.touched.length === 0) lines.push("No service's source folder changed.");
    for (const service of notes.services.touched) {
        const where = service.configured ? "" : " (no stack's platform:services names it)";
        lines.push(`- **${markdownText(service.name)}**: ${plural(service.files, "file")} changed under ${code(`services/${service.name}/`)}${where}`);
    }
    if (notes.services.untouched.length > 0) lines.push("", `Not touched: ${notes.services.untouched.map((service) => `${markdownText(service.name)}${service.prebuilt ? " (runs a prebuilt image)" : ""}`).join(", ")}.`);
    lines.push("");

    lines.push("### Migrations", "");
    if (notes.migrations.length === 0) lines.push("No migration added.");
    else {
        lines.push("| service | migration | contract | way back | summary |", "| --- | --- | --- | --- | --- |");
        for (const migration of notes.migrations) {
            const wayBack = migration.problem !== undefined ? "" : migration.downgrade ? "downgrade" : migration.noDowngrade !== undefined ? `${code("no_downgrade")}: ${markdownText(migration.noDowngrade)}` : "none declared";
            const contract = migration.problem !== undefined ? `not read: ${markdownText(migration.problem)}` : KNOWN_CONTRACTS.includes(migration.contract) ? code(migration.contract) : markdownText(migration.contract);
            lines.push(`| ${markdownText(migration.service)} | ${code(migration.id)} | ${contract} | ${wayBack} | ${markdownText(migration.summary ?? "")} |`);
        }
    }
    lines.push("");

    lines.push("### Known risks", "");
    if (notes.risks.length === 0) lines.push("None recorded (no breaking change, no `risk:` line, no destructive or changed migration).");
    for (const risk of notes.risks) lines.push(`- ${risk.short !== undefined ? `${code(risk.short)} ` : ""}**${risk.kind}**: ${markdownText(risk.text)}`);
    lines.push("");

    lines.push("### Digests promoted", "");
    lines.push(`From ${markdownText(notes.digests.source)}.`, "");
    if (notes.digests.promoted.length === 0) lines.push("No published build of a commit in the range.");
    else {
        lines.push("| service | digest | commit | verified in |", "| --- | --- | --- | --- |");
        for (const entry of notes.digests.promoted) {
            lines.push(`| ${markdownText(entry.service)} | ${code(entry.digest)} | ${code(entry.sha.slice(0, 12))} | ${entry.verifiedIn.length === 0 ? "not yet" : entry.verifiedIn.map(markdownText).join(", ")} |`);
        }
    }
    lines.push("");
    return lines.join("\n");
}

export function renderJson(notes: ReleaseNotes): string {
    return `${JSON.stringify(notes, scrubbingJsonReplacer, 2)}\n`;
}
