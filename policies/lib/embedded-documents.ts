import { parse } from "yaml";

/**
 * Documents carried inside strings: JSON (an ECS task's container definitions, a Step Functions definition,
 * a Batch job's properties, a Docker config) and YAML (Helm values files, a GCE container declaration, a
 * kubeconfig, cloud-config user data, a buildspec). Rules read them as the structures they are, so that a
 * name inside one counts as it would in the resource's own inputs.
 *
 * Every parse is bounded: a text longer than MAX_DOCUMENT is not parsed (its lines are still scanned as
 * text), YAML aliases are capped (no billion laughs), a JSON nesting too deep for the stack is caught, and
 * the walks that read the result stop at their own depth limit.
 */

export type DocumentFormat = "JSON" | "YAML";

export interface EmbeddedDocument {
    readonly format: DocumentFormat;
    readonly value: unknown;
}

/** Longer texts are not parsed: 1 MiB is a ConfigMap's limit and far above any definition or values file. */
export const MAX_DOCUMENT = 1024 * 1024;
/** YAML is slower to parse than JSON (about 5 µs a byte): above 16 KiB a text is read line by line instead. */
const MAX_YAML = 16 * 1024;
/** Aliases a YAML document may expand (the yaml package's own default is 100). */
const MAX_ALIASES = 100;

/** A first line of YAML that makes a mapping or a list: `key:`, `key: value`, `- item`, `---`, `#cloud-config`. */
const YAML_START = /^(?:---|#cloud-config|[A-Za-z_"'][\w"'. /-]{0,127}:(?:[ \t]|$)|- )/;

function isContainer(value: unknown): boolean {
    return typeof value === "object" && value !== null;
}

function firstContentLine(text: string): string {
    const lines = text.split("\n", 64);
    for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed.length > 0 && !(trimmed.startsWith("#") && trimmed !== "#cloud-config")) return trimmed;
    }
    return "";
}

/**
 * The document a string holds, or undefined: a JSON object or array (a whole text that starts with `{` or
 * `[` and parses), or a YAML mapping or list over two lines or more. Scalars are not documents.
 */
export function embeddedDocument(text: string): EmbeddedDocument | undefined {
    if (text.length < 2 || text.length > MAX_DOCUMENT) return undefined;
    let at = 0;
    while (at < text.length && (text[at] === " " || text[at] === "\n" || text[at] === "\t" || text[at] === "\r")) at++;
    const start = text[at];
    // Most strings are neither: one character decides (a YAML document has a line break).
    if (start !== "{" && start !== "[" && !text.includes("\n")) return undefined;
    if (start === "{" || start === "[") {
        try {
            const value = JSON.parse(text) as unknown;
            return isContainer(value) ? { format: "JSON", value } : undefined;
        } catch {
            // Not JSON (or nested beyond the stack): YAML flow style is rare in inputs; left to the text scan.
            return undefined;
        }
    }
    if (text.length > MAX_YAML || !text.includes("\n") || !YAML_START.test(firstContentLine(text))) return undefined;
    try {
        const value = parse(text, { maxAliasCount: MAX_ALIASES, logLevel: "silent", uniqueKeys: false, prettyErrors: false }) as unknown;
        return isContainer(value) ? { format: "YAML", value } : undefined;
    } catch {
        return undefined;
    }
}
