import { scrubOutput } from "../../engine/redaction";
import { printable } from "../format/printable";

/*
 * Conventional commits (https://www.conventionalcommits.org/en/v1.0.0/) read from untrusted text: a commit
 * message is whatever someone wrote, with a token pasted in, control characters, a megabyte on one line. Every
 * text taken from it is cut at a word boundary, scrubbed of credentials while it is whole (a token cut in two
 * would no longer look like one), then shortened for display and made printable on one line. The patterns are
 * anchored, their repetitions bounded or followed by a character they cannot match, so none backtracks.
 */

/** The sections of the notes, in their order; a subject that is no conventional commit (or of an unknown type) is `other`. */
export const CHANGE_TYPES = ["feat", "fix", "perf", "refactor", "revert", "docs", "test", "build", "ci", "style", "chore", "other"] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const CHANGE_TITLES: Readonly<Record<ChangeType, string>> = {
    feat: "Features",
    fix: "Fixes",
    perf: "Performance",
    refactor: "Refactoring",
    revert: "Reverts",
    docs: "Documentation",
    test: "Tests",
    build: "Build",
    ci: "CI",
    style: "Style",
    chore: "Chores",
    other: "Other",
};

export const TEXT_LIMITS = {
    /** A subject or a quoted line as the notes show it. */
    shown: 200,
    /** A scope. */
    scope: 60,
    /** How much of one line is read at all (then cut at a word boundary and scrubbed). */
    scanned: 2_000,
} as const;

/** `feat(api)!: text`: a type of letters, an optional scope without parentheses, an optional `!`, a colon and blanks. */
const CONVENTIONAL = /^([A-Za-z]{1,20})(?:\(([^()\r\n]{0,60})\))?(!)?:[ \t]+(\S[\s\S]*)$/;
const KNOWN_TYPES: ReadonlySet<string> = new Set(CHANGE_TYPES.filter((type) => type !== "other"));

/** A commit as the notes list it. Every text is bounded, scrubbed and printable. */
export interface CommitNote {
    readonly sha: string;
    readonly short: string;
    readonly type: ChangeType;
    readonly scope?: string;
    /** The description after `type(scope):`, or the whole subject of a commit that is no conventional one. */
    readonly subject: string;
    readonly breaking: boolean;
    /** The text of a `BREAKING CHANGE:` footer, when the commit has one. */
    readonly breakingNote?: string;
    /** The text of the body's first `risk:` line. */
    readonly risk?: string;
}

/** The first `max` characters of a line; when it is longer, without the word it cuts through. */
function cutAtWord(text: string, max: number): string {
    if (text.length <= max) return text;
    const head = text.slice(0, max);
    const lastBlank = Math.max(head.lastIndexOf(" "), head.lastIndexOf("\t"));
    return lastBlank > 0 ? head.slice(0, lastBlank) : "";
}

/**
 * An untrusted line as the notes may show it: read up to TEXT_LIMITS.scanned characters (never a partial word
 * past that), scrubbed whole, then at most `max` characters with `…`, on one line, control characters escaped.
 */
export function shownText(raw: string, max: number = TEXT_LIMITS.shown): string {
    const scrubbed = scrubOutput(cutAtWord(raw, TEXT_LIMITS.scanned)).trim();
    const shortened = scrubbed.length > max || raw.length > TEXT_LIMITS.scanned ? `${scrubbed.slice(0, max - 1).trimEnd()}…` : scrubbed;
    return printable(shortened, true);
}

/** `BREAKING CHANGE: text` or `BREAKING-CHANGE: text` (the spec's footer token, upper case), its text. */
function breakingFooter(line: string): string | undefined {
    for (const token of ["BREAKING CHANGE:", "BREAKING-CHANGE:"]) if (line.startsWith(token)) return line.slice(token.length);
    return undefined;
}

/** `risk: text` at the start of a line (any case, leading blanks allowed), its text. */
function riskLine(line: string): string | undefined {
    const trimmed = line.trimStart();
    return trimmed.slice(0, 5).toLowerCase() === "risk:" ? trimmed.slice(5) : undefined;
}

/** A commit's message (`%B`: subject, blank line, body) as a note. `message` is bounded by the caller. */
export function parseCommitMessage(sha: string, short: string, message: string): CommitNote {
    const lines = message.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
    const subjectLine = cutAtWord(lines[0] ?? "", TEXT_LIMITS.scanned);
    const match = CONVENTIONAL.exec(subjectLine);
    const type = match && KNOWN_TYPES.has(match[1].toLowerCase()) ? (match[1].toLowerCase() as ChangeType) : "other";
    let breakingNote: string | undefined;
    let risk: string | undefined;
    for (const line of lines.slice(1)) {
        const footer = breakingNote === undefined ? breakingFooter(line) : undefined;
        if (footer !== undefined) breakingNote = shownText(footer) || "(no text)";
        const risky = risk === undefined ? riskLine(line) : undefined;
        if (risky !== undefined && risky.trim() !== "") risk = shownText(risky);
        if (breakingNote !== undefined && risk !== undefined) break;
    }
    const conventional = match !== null && type !== "other";
    const scope = conventional && match[2] !== undefined && match[2].trim() !== "" ? shownText(match[2], TEXT_LIMITS.scope) : undefined;
    return {
        sha,
        short,
        type,
        ...(scope === undefined ? {} : { scope }),
        subject: shownText(conventional ? match[4] : subjectLine) || "(no subject)",
        // `!` marks a breaking change in any conventional subject, a known type or not.
        breaking: (match !== null && match[3] === "!") || breakingNote !== undefined,
        ...(breakingNote === undefined ? {} : { breakingNote }),
        ...(risk === undefined ? {} : { risk }),
    };
}

/** `<full sha> <short sha>` on the first line of a log record (`--format=%H %h %P%n%B`), then the parents. */
const RECORD_HEAD = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) ([0-9a-f]{4,64})((?: [0-9a-f]{40}(?:[0-9a-f]{24})?){0,64})$/;

export interface LogRecord {
    readonly sha: string;
    readonly short: string;
    readonly parents: number;
    readonly message: string;
}

/** One record of `git log -z --format=%H %h %P%n%B`; undefined when it does not start like one. */
export function parseLogRecord(record: string): LogRecord | undefined {
    const newline = record.indexOf("\n");
    const head = newline < 0 ? record : record.slice(0, newline);
    if (head.length > 64 * 66 + 80) return undefined;
    const match = RECORD_HEAD.exec(head);
    if (!match) return undefined;
    return { sha: match[1], short: match[2], parents: match[3].trim() === "" ? 0 : match[3].trim().split(" ").length, message: newline < 0 ? "" : record.slice(newline + 1) };
}
