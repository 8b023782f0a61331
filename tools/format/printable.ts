import { scrubBeforeEscaping } from "../../engine/redaction";

/**
 * Text from the inputs (resource names, URNs, values, file names) reaches terminals and pull-request pages.
 * Control characters there are an injection class of bug: ESC and OSC sequences rewrite the terminal
 * (colours, titles, hyperlinks, clearing the screen), CR overwrites a line, bidirectional overrides make
 * text read differently from what it is. Each such character is shown as a visible escape instead.
 */

/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- likewise, newlines included
const UNPRINTABLE_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * The text with control characters escaped; newlines kept unless `oneLine`. A text that has any is scrubbed
 * first: an escape ends in a letter (`\x1b`), which would hide the start of a credential right after it.
 */
export function printable(text: string, oneLine = false): string {
    return scrubBeforeEscaping(text).replace(oneLine ? UNPRINTABLE_OR_NEWLINE : UNPRINTABLE, escaped);
}

/** A deep copy with every string (keys included) made printable; newlines are kept, the formats lay them out. */
export function printableCopy<T>(value: T, depth = 0): T {
    if (typeof value === "string") return printable(value) as T;
    if (typeof value !== "object" || value === null || depth > 1000) return value;
    if (Array.isArray(value)) return value.map((item: unknown) => printableCopy(item, depth + 1)) as T;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
        Object.defineProperty(copy, printable(key), { value: printableCopy(child, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
}

/** The report as the text formats show it: printable throughout, without resource inputs (which they never show). */
export function printableReport<T extends { readonly stacks: readonly { readonly resources: readonly { readonly inputs: Record<string, unknown> }[] }[] }>(report: T): T {
    const withoutInputs = { ...report, stacks: report.stacks.map((stack) => ({ ...stack, resources: stack.resources.map((resource) => ({ ...resource, inputs: {} })) })) };
    return printableCopy(withoutInputs) as T;
}
