import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument } from "yaml";
import { detectSecretFormats, PathSegment, plainPath, renderPath, safeKey, SECRET_NAME_NOUNS, SecretKind } from "./secret-detection";
import { isSecretLookingPath, secretNameClass } from "./secret-names";

/**
 * Scans the text of a `Pulumi.<stack>.yaml` for secrets in plaintext, before any deployment: every
 * config value under a secret-looking key path that is not `secure:`, and every plaintext value (or
 * comment, or key) holding a well-known key format. Findings carry the key path, the line and the kind
 * of secret; no value, and no YAML error text (which quotes source lines), ever reaches the output.
 */

export interface StackConfigFinding {
    /** `platform:postgres.password`; undefined for text outside any config value (a comment, invalid YAML). */
    readonly key?: string;
    /** 1-based line of the value. */
    readonly line: number;
    readonly kind: SecretKind | "invalid-yaml";
    readonly description: string;
}

/** `platform:postgres` + [password] -> `platform:postgres.password`; the namespace-qualified key stays whole. */
function configKey(path: readonly PathSegment[]): string {
    const [first, ...rest] = path;
    const head = safeKey(String(first));
    if (rest.length === 0) return head;
    const tail = renderPath(rest);
    return tail.startsWith("[") ? `${head}${tail}` : `${head}.${tail}`;
}

/** The path as config/load.ts sees it: the top-level key without its `namespace:`. */
function programPath(path: readonly PathSegment[]): PropertyKey[] {
    const [first, ...rest] = path;
    const key = String(first);
    return [key.slice(key.indexOf(":") + 1), ...plainPath(rest)];
}

function isSecure(node: Node): boolean {
    return isMap(node) && node.items.length === 1 && isScalar(node.items[0].key) && node.items[0].key.value === "secure";
}

function isEmpty(value: unknown): boolean {
    return value === null || value === undefined || (typeof value === "string" && value.trim() === "");
}

/** Any `secure: <ciphertext>` on a line is removed before a raw scan: ciphertext is not plaintext. */
function withoutCiphertext(line: string): string {
    return line.replace(/(["']?secure["']?\s*:\s*)\S+/g, "$1");
}

export function scanStackConfig(text: string): StackConfigFinding[] {
    const lineCounter = new LineCounter();
    // Silent: the parser would print its warnings, quoting source lines, on stderr.
    const document = parseDocument(text, { lineCounter, uniqueKeys: false, logLevel: "silent" });
    const lineOf = (node: Node): number => lineCounter.linePos(node.range?.[0] ?? 0).line;
    const findings: StackConfigFinding[] = [];
    /** Lines each scalar spans (a block scalar spans several), so the raw scan does not report its formats twice. */
    const spans: { readonly from: number; readonly to: number; readonly kinds: readonly string[] }[] = [];

    const visit = (node: Node | null, path: readonly PathSegment[]): void => {
        if (node === null || isSecure(node)) return;
        if (isMap(node)) {
            for (const pair of node.items) {
                if (!isScalar(pair.key)) continue;
                const keyPath = [...path, String(pair.key.value)];
                // A credential used as a key: reported under the redacted key path.
                const keyFormats = detectSecretFormats(String(pair.key.value));
                const line = lineOf(pair.key);
                spans.push({ from: line, to: line, kinds: keyFormats.map((match) => match.kind) });
                for (const match of keyFormats) findings.push({ key: configKey(keyPath), line, kind: match.kind, description: `${match.description} as a key` });
                if (isNode(pair.value)) visit(pair.value, keyPath);
            }
            return;
        }
        if (isSeq(node)) {
            node.items.forEach((item, index) => {
                if (isNode(item)) visit(item, [...path, index]);
            });
            return;
        }
        if (!isScalar(node) || isEmpty(node.value)) return;
        const line = lineOf(node);
        const key = configKey(path);
        const formats = typeof node.value === "string" ? detectSecretFormats(node.value) : [];
        spans.push({ from: line, to: lineCounter.linePos(node.range?.[1] ?? 0).line, kinds: formats.map((match) => match.kind) });
        for (const match of formats) findings.push({ key, line, kind: match.kind, description: match.description });
        const leaf = programPath(path);
        if (formats.length === 0 && isSecretLookingPath(leaf)) {
            // Strict, like config/load.ts: under a secret-looking key any non-empty plaintext is a finding, placeholder or not.
            const name = leaf[leaf.length - 1];
            const secretClass = (typeof name === "string" ? secretNameClass(name) : undefined) ?? "api-key";
            findings.push({ key, line, kind: `named-${secretClass}`, description: `a plaintext ${SECRET_NAME_NOUNS[secretClass]}` });
        }
    };

    const errorLines = [...new Set(document.errors.map((error) => error.linePos?.[0].line ?? 1))];
    if (errorLines.length === 0 && isMap(document.contents)) {
        for (const pair of document.contents.items) {
            if (isScalar(pair.key) && pair.key.value === "config" && isMap(pair.value)) visit(pair.value, []);
        }
    }
    for (const line of errorLines) findings.push({ line, kind: "invalid-yaml", description: "text that is not valid YAML, so its values could not be checked" });

    // Comments, keys, text outside `config:` and unparsable text: well-known formats only.
    text.split(/\r?\n/).forEach((content, index) => {
        const line = index + 1;
        for (const match of detectSecretFormats(withoutCiphertext(content))) {
            const reported = spans.some((span) => span.from <= line && line <= span.to && span.kinds.includes(match.kind));
            if (!reported) findings.push({ line, kind: match.kind, description: match.description });
        }
    });
    return findings.sort((a, b) => a.line - b.line);
}

function isNode(value: unknown): value is Node {
    return isMap(value) || isSeq(value) || isScalar(value);
}

/** One finding as a line of a report: `Pulumi.prod.yaml:12: platform:postgres.password holds a plaintext value ...`. */
export function describeStackConfigFinding(file: string, finding: StackConfigFinding): string {
    const where = finding.key === undefined ? "" : ` ${finding.key}`;
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(file.split(/[\\/]/).pop() ?? "")?.[1];
    const command = `pulumi config set --secret --path '${finding.key}'${stack === undefined ? "" : ` --stack ${stack}`}`;
    const fix = finding.key === undefined ? "" : ` (remove it, rotate it, and set it with ${command})`;
    return `${file}:${finding.line}:${where} ${finding.key === undefined ? "has" : "holds"} ${finding.description}${fix}`;
}
