import { hasAnyAnchor } from "./credential-formats";
import { embeddedDocument } from "./embedded-documents";
import { knownElements, knownEntries } from "./known-values";
import {
    decodeBase64Text,
    detectFlagSecrets,
    detectNamedSecret,
    detectSecret,
    detectSecretFormats,
    findSecretFormats,
    isPlaceholder,
    isReferenceEntry,
    lineAssignments,
    PathSegment,
    renderPath,
    safeKey,
    scanText,
    SecretMatch,
} from "./secret-detection";
import { secretNameClass } from "./secret-names";
import { isRecord } from "./values";

/**
 * Readers of values for secrets, shared by the secret rules: a string judged under its name (and the
 * document, script or base64 text it may carry), and a walk of a tree of values (Helm values, a document
 * carried in a string, a provider-secret input that is an object) with what its shape says:
 *
 * - `{name, value}` entries (environment variables) judged by their `name`;
 * - references judged by shape, never as values: `secretKeyRef`, `valueFrom`, a `{secret, version}` entry;
 * - Step Functions' JSONPath parameters (`"Password.$": "$.input.password"`) are paths, not values;
 * - Docker `auths` configurations: a registry's `auth` is a login;
 * - a credential split across the entries of a list or a map, or across the lines of a text (JWT parts, a
 *   token cut in two, a PEM body apart from its header);
 * - command-line flags (`--password hunter2`) split across two entries of an argument list.
 *
 * Unknown values (a preview's computed inputs) are skipped: they come from another resource. Every walk
 * stops at MAX_DEPTH.
 */

export interface Finding {
    readonly path: readonly PathSegment[];
    readonly description: string;
    /** Line within a multi-line value. */
    readonly line?: number;
    /** How the value was read, e.g. base64-decoded. */
    readonly note?: string;
}

/** Deeper than any real resource's inputs or document; an adversarial nesting stops here. */
export const MAX_DEPTH = 64;
/** Parts joined to look for a split credential: at most this much text (far above any token or key). */
const MAX_JOINED = 64 * 1024;
/** A part of a split credential is at most this long (a JWT payload with many claims). */
const MAX_PART = 8 * 1024;

export function messageOf(finding: Finding): string {
    const note = finding.note ? ` (${finding.note})` : "";
    const line = finding.line === undefined ? "" : ` line ${finding.line}`;
    return `${renderPath(finding.path)}${note}${line} holds ${finding.description}`;
}

export interface WalkOptions {
    /** Paths whose values are someone else's to judge (a documented Helm value sink). */
    readonly isSink?: (path: readonly PathSegment[]) => boolean;
}

/** Multi-line texts that are scripts by their shape, whatever their key: a shebang, a cloud-config. */
const SCRIPT_SHAPE = /^\s*(?:#!|#cloud-config|#ps1|<powershell>|<script>)/;

/**
 * A string read where its name counts (an environment variable, a tag, a key of a document): its formats
 * or its name; a multi-line text by line (assignments, formats); a document it carries, walked.
 */
export function namedText(path: readonly PathSegment[], name: string | undefined, value: unknown, out: Finding[], depth: number, options: WalkOptions & { named?: boolean; note?: string } = {}): void {
    if (typeof value !== "string") return;
    const note = options.note;
    if (document(path, value, out, depth, options, note)) return;
    const direct = detectSecret(options.named === false ? undefined : name, value);
    if (value.includes("\n")) {
        const lines = scanText(value);
        for (const match of lines) out.push({ path, description: match.description, line: match.line, note });
        // A multi-line value under a secret-looking name (a key file, a password with a newline) is itself the secret.
        if (lines.length === 0) for (const match of direct) out.push({ path, description: match.description, note });
        if (lines.length === 0 && direct.length === 0) splitLines(path, value, out);
        return;
    }
    // One line: its formats or its name, else assignments inside it (`-Ddb.password=...`, `Server=db;Password=...;`).
    const matches: readonly SecretMatch[] = direct.length > 0 ? direct : lineAssignments(value);
    for (const match of matches) out.push({ path, description: match.description, note });
}

/** A script or a command line: read by line for assignments, after base64 (and gzip) decoding. */
export function scriptText(path: readonly PathSegment[], value: unknown, out: Finding[], depth: number): void {
    if (typeof value !== "string") return;
    const decoded = decodeBase64Text(value, { gzip: true });
    namedText(path, undefined, decoded ?? value, out, depth, decoded === undefined ? {} : { note: "base64-decoded" });
}

/**
 * A string where its name says nothing (any input of any resource): credential formats (also base64-encoded,
 * and split across its lines), secret-looking flags given literals, a document it carries (walked with
 * names), and a script by its shape (by line).
 */
export function anyText(path: readonly PathSegment[], value: unknown, out: Finding[], depth: number): void {
    if (typeof value !== "string") return;
    if (document(path, value, out, depth, {})) return;
    // A script by its shape, or a document that does not parse (truncated JSON): read by line, names counting.
    if ((value.includes("\n") && SCRIPT_SHAPE.test(value)) || /^\s*[[{]/.test(value)) {
        namedText(path, undefined, value, out, depth);
        return;
    }
    const multiLine = value.includes("\n");
    const formats = multiLine ? scanText(value, { assignments: false }) : detectSecretFormats(value).map((match) => ({ ...match, line: undefined }));
    for (const match of formats) out.push({ path, description: match.description, line: match.line });
    for (const match of detectFlagSecrets(value)) out.push({ path, description: match.description });
    if (formats.length === 0 && multiLine) splitLines(path, value, out);
}

/** A document carried in a string, walked with names; true when the string held one. */
function document(path: readonly PathSegment[], value: string, out: Finding[], depth: number, options: WalkOptions, note?: string): boolean {
    if (depth > MAX_DEPTH) return false;
    const found = embeddedDocument(value);
    if (found === undefined) return false;
    const inner: Finding[] = [];
    walkNamed(found.value, [...path, { document: found.format }], undefined, inner, depth + 1, options);
    for (const finding of inner) out.push(note === undefined || finding.note !== undefined ? finding : { ...finding, note });
    return true;
}

/** A credential cut across the lines of a text (a token wrapped at 64 columns, JWT parts one per line). */
function splitLines(path: readonly PathSegment[], value: string, out: Finding[]): void {
    if (value.length > MAX_JOINED || !hasAnyAnchor(value)) return;
    const joined = value.replace(/[ \t]*\r?\n[ \t]*/g, "");
    for (const match of detectSecretFormats(joined)) out.push({ path, description: `${match.description} split across lines` });
}

/** Kinds found in each part alone. */
function kindsOf(texts: readonly string[]): Set<string> {
    return new Set(texts.flatMap((text) => findSecretFormats(text).map((finding) => finding.kind)));
}

/**
 * A credential split across the string entries of a list or a map (`{header, payload, signature}` of a
 * JWT, a token in two halves, PEM lines as list items): the parts joined as they are, with `.` (JWT) and
 * with newlines, read for formats no single part has.
 */
export function splitAcross(path: readonly PathSegment[], parts: readonly string[], out: Finding[]): void {
    // A split credential's parts are short (JWT parts, PEM lines, halves of a token): long texts are judged alone.
    if (parts.length < 2 || parts.some((part) => part.length > MAX_PART) || parts.reduce((sum, part) => sum + part.length, 0) > MAX_JOINED || !hasAnyAnchor(parts.join("."))) return;
    const alone = kindsOf(parts);
    const reported = new Set<string>();
    for (const joiner of ["", ".", "\n"]) {
        for (const finding of findSecretFormats(parts.join(joiner))) {
            if (alone.has(finding.kind) || reported.has(finding.kind)) continue;
            reported.add(finding.kind);
            out.push({ path, description: `${finding.description} split across ${parts.length} entries` });
        }
    }
}

/** `["--password", "hunter2"]`: a secret-looking flag and its literal in the next entry of an argument list. */
export function flagPairs(path: readonly PathSegment[], items: readonly [number, unknown][], out: Finding[]): void {
    for (let index = 0; index + 1 < items.length; index++) {
        const [position, flag] = items[index];
        const value = items[index + 1][1];
        if (typeof flag !== "string" || typeof value !== "string" || !/^--?[A-Za-z][\w.-]{0,127}$/.test(flag) || value.startsWith("-")) continue;
        const match = detectNamedSecret(flag.replace(/^-+/, ""), value);
        // The flag is shown as a key is: redacted if it has a credential's shape itself.
        if (match && detectSecretFormats(value).length === 0) out.push({ path: [...path, items[index + 1][0]], description: `${match.description} (the value of ${safeKey(flag)} at [${position}])` });
    }
}

/** A `{name, value}` list entry (Kubernetes, ECS and Cloud Run env vars): the secret-looking name is the entry's. */
export function envEntry(value: unknown): { name: string; value: unknown } | undefined {
    if (!isRecord(value)) return undefined;
    const fields = new Map(knownEntries(value));
    const name = fields.get("name");
    return typeof name === "string" && fields.has("value") ? { name, value: fields.get("value") } : undefined;
}

/** A credential used as a map key is reported too, under the redacted key. */
export function keyFindings(path: readonly PathSegment[], key: string, out: Finding[]): void {
    for (const match of detectSecretFormats(key)) out.push({ path: [...path, key], description: `${match.description} as a key` });
}

/** A Docker config (`~/.docker/config.json`, a `.dockerconfigjson`): each registry's `auth` is base64 `user:password`. */
function dockerAuths(value: Record<string, unknown>, path: readonly PathSegment[], out: Finding[]): void {
    for (const [registry, entry] of knownEntries(value.auths)) {
        const auth = isRecord(entry) ? knownEntries(entry).find(([key]) => key === "auth")?.[1] : undefined;
        if (typeof auth !== "string" || auth.length < 4 || isPlaceholder(auth)) continue;
        out.push({ path: [...path, "auths", registry, "auth"], description: "a Docker registry login (user:password in base64)" });
    }
}

/** Step Functions parameters whose value is a JSONPath (`"Password.$": "$.input.password"`), and JSONata: expressions, not values. */
function isExpressionEntry(key: string, value: unknown): boolean {
    return key.endsWith(".$") || (typeof value === "string" && /^\{%[\s\S]*%\}$/.test(value.trim()));
}

/**
 * Walks a tree of values for secrets, names counting: strings under secret-looking keys, `{name, value}`
 * entries, formats anywhere (keys included), documents inside strings, and the shapes above.
 */
export function walkNamed(value: unknown, path: readonly PathSegment[], name: string | undefined, out: Finding[], depth: number, options: WalkOptions = {}, parentKey?: string): void {
    if (depth > MAX_DEPTH) return;
    if (typeof value === "string") {
        // At a documented sink (a chart's credential value) a name says nothing: only a credential's format counts.
        namedText(path, name, value, out, depth, { ...options, named: !options.isSink?.(path) });
        return;
    }
    if (Array.isArray(value)) {
        const items = knownElements(value);
        for (const [index, element] of items) {
            const env = envEntry(element);
            if (env) {
                namedText([...path, { entry: env.name }], env.name, env.value, out, depth + 1, options);
                for (const [key, child] of knownEntries(element)) if (key !== "name" && key !== "value") walkNamed(child, [...path, index, key], key, out, depth + 1, options, key);
                continue;
            }
            walkNamed(element, [...path, index], undefined, out, depth + 1, options, parentKey);
        }
        flagPairs(path, items, out);
        splitAcross(path, items.map(([, item]) => item).filter((item): item is string => typeof item === "string"), out);
        return;
    }
    if (!isRecord(value)) return;
    const fields = knownEntries(value);
    if (fields.some(([key]) => key === "auths")) dockerAuths(value, path, out);
    for (const [key, child] of fields) {
        keyFindings(path, key, out);
        if (isExpressionEntry(key, child)) continue;
        // A reference (`secretKeyRef: {name, key}`, a `{secret, version}` entry) names a secret; only a credential's format in it counts.
        if (isReferenceEntry(value, key, parentKey) && typeof child === "string") {
            for (const match of detectSecretFormats(child)) out.push({ path: [...path, key], description: match.description });
            continue;
        }
        walkNamed(child, [...path, key], key, out, depth + 1, options, key);
    }
    splitAcross(
        path,
        fields.map(([, child]) => child).filter((child): child is string => typeof child === "string"),
        out,
    );
}

/** Whether a name is secret-looking (for callers deciding how to read a value). */
export function isSecretName(name: string | undefined): boolean {
    return name !== undefined && secretNameClass(name) !== undefined;
}
