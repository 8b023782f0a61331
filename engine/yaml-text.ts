import { Document, ErrorCode, LineCounter, parseDocument, YAMLError } from "yaml";
import { InputFileError } from "./input-error";

/**
 * YAML parsed without ever quoting the source: the parser's own messages (and its warnings, which it would
 * print on stderr) carry lines of the file, and a stack file holds `secure:` ciphertexts and, by mistake,
 * plaintext secrets. Problems become the tool's own words with a line and column.
 */

const DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = {
    ALIAS_PROPS: "an alias cannot have an anchor or a tag",
    BAD_ALIAS: "an alias refers to no anchor",
    BAD_DIRECTIVE: "a malformed directive",
    BAD_DQ_ESCAPE: "an invalid escape in a double-quoted string",
    BAD_INDENT: "bad indentation",
    BAD_PROP_ORDER: "an anchor or tag in the wrong place",
    BAD_SCALAR_START: "a plain value cannot start with this character (quote it)",
    BLOCK_AS_IMPLICIT_KEY: "a block value used as a key",
    BLOCK_IN_FLOW: "a block value inside a flow collection",
    DUPLICATE_KEY: "a key given twice in one mapping",
    IMPOSSIBLE: "an internal parser error",
    KEY_OVER_1024_CHARS: "a key longer than 1,024 characters",
    MISSING_CHAR: "a missing closing character (a quote or bracket)",
    MULTILINE_IMPLICIT_KEY: "a key spread over several lines",
    MULTIPLE_ANCHORS: "more than one anchor on a value",
    MULTIPLE_DOCS: "more than one YAML document (---); the file is one document",
    MULTIPLE_TAGS: "more than one tag on a value",
    NON_STRING_KEY: "a key that is not a string",
    RESOURCE_EXHAUSTION: "too many alias expansions",
    TAB_AS_INDENT: "a tab used for indentation",
    TAG_RESOLVE_FAILED: "a value that does not match its tag",
    UNEXPECTED_TOKEN: "unexpected text",
    BAD_COLLECTION_TYPE: "a collection of the wrong type for its tag",
};

function describe(problem: YAMLError, lines: LineCounter): string {
    const { line, col } = problem.linePos?.[0] ?? lines.linePos(problem.pos[0]);
    return `line ${line}, column ${col}: ${Object.hasOwn(DESCRIPTIONS, problem.code) ? DESCRIPTIONS[problem.code] : "a YAML problem"}`;
}

export interface ParsedYaml {
    readonly value: unknown;
    /** The parser's warnings, as one-line messages with a position, never the source text. */
    readonly warnings: readonly string[];
}

/** The YAML Document (for tools that edit a file in place), or the same one-line error as parseYamlText. */
export function parseYamlDocument(text: string, file: string): { document: Document.Parsed; lines: LineCounter } {
    const lines = new LineCounter();
    // "error", not "silent": at "silent" the parser leaves out the error of a second document (`---`), and the
    // file would silently be its first document. Neither level prints anything.
    const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, logLevel: "error" });
    if (document.errors.length > 0) throw new InputFileError(file, `is not valid YAML: ${describe(document.errors[0], lines)}`);
    return { document, lines };
}

export function parseYamlText(text: string, file: string): ParsedYaml {
    const { document, lines } = parseYamlDocument(text, file);
    const warnings = document.warnings.map((warning) => `${file}: ${describe(warning, lines)}`);
    try {
        return { value: document.toJS({ maxAliasCount: 100 }) as unknown, warnings };
    } catch (error) {
        throw new InputFileError(file, `is not valid YAML: ${error instanceof YAMLError ? describe(error, lines) : "its aliases expand too far"}`);
    }
}
