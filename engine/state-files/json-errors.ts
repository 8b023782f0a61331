// Locating JSON syntax errors without quoting the text, which may hold secrets.
import { isRecord } from "../../policies/lib/values";
import { InputFileError } from "../input-error";

const JSON_POSITION = / (?:in JSON )?at position (\d+)$/;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** JSON.parse whose errors are one line with a position, never quoting the text (which may hold secrets). */
export function parseJson(text: string, sourceName: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch (error) {
        if (!(error instanceof SyntaxError)) throw new InputFileError(sourceName, `could not be parsed (${error instanceof Error ? error.name : "error"})`);
        throw new InputFileError(sourceName, jsonSyntaxProblem(error.message, text));
    }
}

/**
 * V8's message without what it quotes of the text (the text may hold secrets), with a position, line and
 * column. Messages that give no position are located with a small scanner of our own.
 */
function jsonSyntaxProblem(message: string, text: string): string {
    const positioned = JSON_POSITION.exec(message);
    let what: string;
    let position: number;
    if (positioned && !/["'\n]/.test(message)) {
        what = message.slice(0, positioned.index);
        position = Number(positioned[1]);
    } else if (message.startsWith("Unexpected end of JSON input")) {
        what = "Unexpected end of JSON input";
        position = text.length;
    } else {
        what = message.startsWith("Unexpected token") ? "Unexpected token" : "Unexpected text";
        position = syntaxErrorOffset(text);
    }
    if (what.startsWith("Unexpected non-whitespace character after JSON") && looksLikeEventStream(text, position)) {
        return "holds a stream of engine events, one JSON object per line (`--json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW, or `pulumi up --json`); expected the single document that `pulumi preview --json` prints";
    }
    const { line, column } = lineAndColumn(text, position);
    const truncated = position >= text.length ? "; the file looks truncated" : "";
    return `not valid JSON: ${what} at position ${position} (line ${line}, column ${column})${truncated}`;
}

function looksLikeEventStream(text: string, position: number): boolean {
    try {
        const first = JSON.parse(text.slice(0, position)) as unknown;
        return isRecord(first) && "sequence" in first && "timestamp" in first;
    } catch {
        return false;
    }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    const end = Math.min(position, text.length);
    for (let index = text.indexOf("\n"); index !== -1 && index < end; index = text.indexOf("\n", index + 1)) {
        line++;
        lineStart = index + 1;
    }
    return { line, column: end - lineStart + 1 };
}

/** Offset of the first character where `text` stops being JSON (iterative: any nesting depth). */
function syntaxErrorOffset(text: string): number {
    const length = text.length;
    const containers: number[] = []; // 0 array, 1 object
    let index = 0;
    let expect: "value" | "key" | "after" = "value";
    const skipSpace = (): void => {
        while (index < length) {
            const code = text.charCodeAt(index);
            if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) break;
            index++;
        }
    };
    const scanString = (): boolean => {
        index++;
        while (index < length) {
            const code = text.charCodeAt(index);
            if (code === 0x22) {
                index++;
                return true;
            }
            if (code < 0x20) return false;
            if (code === 0x5c) {
                const escaped = text[index + 1];
                if (escaped === "u") {
                    if (!HEX4.test(text.slice(index + 2, index + 6))) return false;
                    index += 6;
                } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) index += 2;
                else return false;
            } else index++;
        }
        return false;
    };
    for (;;) {
        skipSpace();
        if (index >= length) return length;
        const char = text[index];
        if (expect === "after") {
            const top = containers[containers.length - 1];
            if (top === undefined) return index;
            if (char === ",") {
                index++;
                expect = top === 1 ? "key" : "value";
            } else if ((top === 0 && char === "]") || (top === 1 && char === "}")) {
                containers.pop();
                index++;
            } else return index;
        } else if (expect === "key") {
            if (char !== '"' || !scanString()) return index;
            skipSpace();
            if (text[index] !== ":") return index;
            index++;
            expect = "value";
        } else if (char === "{" || char === "[") {
            containers.push(char === "{" ? 1 : 0);
            index++;
            skipSpace();
            if (text[index] === (char === "{" ? "}" : "]")) {
                containers.pop();
                index++;
                expect = "after";
            } else expect = char === "{" ? "key" : "value";
        } else if (char === '"') {
            if (!scanString()) return index;
            expect = "after";
        } else if (char === "-" || (char >= "0" && char <= "9")) {
            JSON_NUMBER.lastIndex = index;
            if (!JSON_NUMBER.exec(text)) return index;
            index = JSON_NUMBER.lastIndex;
            expect = "after";
        } else {
            const literal = ["true", "false", "null"].find((word) => text.startsWith(word, index));
            if (!literal) return index;
            index += literal.length;
            expect = "after";
        }
    }
}
