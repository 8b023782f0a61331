import { createHash } from "crypto";
import { detectSecret, detectSecretFormats, redactSecretFormats } from "../policies/lib/secret-detection";
import { isSecretEnvelope } from "./secrets";
import { SECRET_MASK } from "../policies/lib/values";

/**
 * No secret reaches an output, whatever route it takes. Two layers:
 *
 * 1. At the source, report inputs are masked: engine secrets become `[secret]`; a value with a credential's
 *    shape, or a literal under a secret-looking name, becomes `[secret:<fingerprint>]`, so that `--against`
 *    still sees that it changed without anyone seeing what it is; a map key with a credential's shape is
 *    masked the same way.
 * 2. At the sink, every text the tools print or write passes through `scrubOutput`: each secret value this
 *    run has met (stack-file secrets, state-file secrets, masked inputs) and every credential format is
 *    replaced by `[secret]`. Errors, warnings and messages of libraries are covered by the same pass.
 *
 * The fingerprint is 48 bits of SHA-256 over a fixed label, the resource, the path and the value. It lets
 * someone who already holds a candidate value confirm it; it reveals nothing to anyone else. Weak literals
 * are findings of no-plaintext-secrets in any case.
 */

/** Values shorter than this are not scrubbed by value (they would mask ordinary words); formats still are. */
export const MIN_SCRUBBED_LENGTH = 6;
/** A masked value that has a fingerprint: `[secret:0123456789ab]`. */
const FINGERPRINTED = /^\[secret:[0-9a-f]{12}\]$/;
/** Deepest nesting the masking walks; deeper values (never seen in real state) are masked whole. */
const MAX_DEPTH = 1000;

const knownSecrets = new Set<string>();
/** Known secrets by their first MIN_SCRUBBED_LENGTH characters, longest first; rebuilt when one is added. */
let secretsByPrefix: Map<string, string[]> | undefined;
/** A 2^20-bit filter of the prefixes' rolling hashes: most windows of a text are ruled out by one bit. */
let prefixFilter: Uint8Array | undefined;

const HASH_BASE = 31;
const FILTER_BITS = 20;

function filterSlot(hash: number): number {
    return hash >>> (32 - FILTER_BITS);
}

/** The polynomial hash of `text[start, start + MIN_SCRUBBED_LENGTH)`, in 32 bits. */
function windowHash(text: string, start: number): number {
    let hash = 0;
    for (let index = start; index < start + MIN_SCRUBBED_LENGTH; index++) hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(index)) | 0;
    return hash;
}

/** HASH_BASE to the power MIN_SCRUBBED_LENGTH - 1, the weight of the character leaving the window. */
const LEADING_WEIGHT = Array.from({ length: MIN_SCRUBBED_LENGTH - 1 }).reduce<number>((power) => Math.imul(power, HASH_BASE), 1);

function prefixIndex(): { byPrefix: Map<string, string[]>; filter: Uint8Array } {
    if (secretsByPrefix === undefined || prefixFilter === undefined) {
        secretsByPrefix = new Map();
        prefixFilter = new Uint8Array(1 << (FILTER_BITS - 3));
        for (const secret of knownSecrets) {
            const prefix = secret.slice(0, MIN_SCRUBBED_LENGTH);
            const group = secretsByPrefix.get(prefix) ?? [];
            group.push(secret);
            secretsByPrefix.set(prefix, group);
            const slot = filterSlot(windowHash(prefix, 0));
            prefixFilter[slot >>> 3] |= 1 << (slot & 7);
        }
        for (const group of secretsByPrefix.values()) group.sort((a, b) => b.length - a.length);
    }
    return { byPrefix: secretsByPrefix, filter: prefixFilter };
}

/**
 * Every known secret in a text replaced by the mask, in one pass whatever their number (a large audit
 * remembers thousands): a rolling hash of each window of MIN_SCRUBBED_LENGTH characters is checked against
 * a bit filter of the secrets' prefixes, and only a hit compares strings. Longest secret first at a position.
 */
function scrubKnownSecrets(text: string): string {
    if (knownSecrets.size === 0 || text.length < MIN_SCRUBBED_LENGTH) return text;
    const { byPrefix, filter } = prefixIndex();
    const chunks: string[] = [];
    let copiedUpTo = 0;
    let position = 0;
    let hash = windowHash(text, 0);
    const last = text.length - MIN_SCRUBBED_LENGTH;
    while (position <= last) {
        const slot = filterSlot(hash);
        if ((filter[slot >>> 3] & (1 << (slot & 7))) !== 0) {
            const found = byPrefix.get(text.slice(position, position + MIN_SCRUBBED_LENGTH))?.find((secret) => text.startsWith(secret, position));
            if (found !== undefined) {
                chunks.push(text.slice(copiedUpTo, position), SECRET_MASK);
                position += found.length;
                copiedUpTo = position;
                if (position <= last) hash = windowHash(text, position);
                continue;
            }
        }
        if (position === last) break;
        hash = (Math.imul(hash - Math.imul(text.charCodeAt(position), LEADING_WEIGHT), HASH_BASE) + text.charCodeAt(position + MIN_SCRUBBED_LENGTH)) | 0;
        position++;
    }
    if (copiedUpTo === 0) return text;
    chunks.push(text.slice(copiedUpTo));
    return chunks.join("");
}

function xmlEscaped(value: string): string {
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/**
 * Remembers a secret value met by this run, so that no output contains it: as is, and as JSON and XML
 * write it (a quote or an ampersand inside would otherwise change its spelling in the report).
 */
export function rememberSecret(value: unknown): void {
    if (typeof value !== "string" || value.length < MIN_SCRUBBED_LENGTH || value === SECRET_MASK || FINGERPRINTED.test(value)) return;
    for (const spelling of [value, JSON.stringify(value).slice(1, -1), xmlEscaped(value)]) {
        if (!knownSecrets.has(spelling)) {
            knownSecrets.add(spelling);
            secretsByPrefix = undefined;
            prefixFilter = undefined;
        }
    }
    // Each line of a multi-line secret (a key body) is a secret too: formats split lines in some outputs.
    if (value.includes("\n")) for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16) rememberSecret(line.trim());
}

/** Values that are secrets as a whole, at any length: what a `secure:` config value decrypts to. */
const wholeSecrets = new Set<string>();

/**
 * A value the user declared secret (a decrypted `secure:` value): a report input equal to it is masked
 * whatever its length, without a fingerprint (a short secret's fingerprint could be searched for); one long
 * enough to be told from ordinary words is also scrubbed from every text.
 */
export function rememberWholeSecret(value: string): void {
    if (value.length === 0) return;
    wholeSecrets.add(value);
    rememberSecret(value);
    let parsed: unknown;
    try {
        parsed = JSON.parse(value) as unknown;
    } catch {
        return;
    }
    if (typeof parsed === "object" && parsed !== null) for (const leaf of stringLeaves(parsed, 0)) rememberWholeSecret(leaf);
}

function stringLeaves(value: unknown, depth: number): string[] {
    if (typeof value === "string") return [value];
    if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return [];
    return Object.values(value).flatMap((child) => stringLeaves(child, depth + 1));
}

/** Long enough and mixed enough to be a generated credential rather than a word or a name. */
const TOKEN_LIKE = /^(?=[^\s]*[A-Za-z])(?=[^\s]*[0-9])[^\s]{24,}$/;
/** A host name or a URL without userinfo (a registry's `server`, an endpoint): an address, however long and mixed. */
const ADDRESS = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+[a-z]{2,63}(?::[0-9]{1,5})?(?:\/[^\s@]*)?$/i;

/**
 * A secret value: a string is remembered whole; inside a secret object or list (a Helm release's values, a
 * kubeconfig) only what is a credential by itself is, by its key name, its format or its token-like shape:
 * the object's ordinary strings (an environment name, a label) must stay readable in every output.
 */
export function rememberSecretsIn(value: unknown): void {
    if (typeof value === "string") rememberSecret(value);
    else rememberNestedSecrets(value, undefined, 0);
}

function rememberNestedSecrets(value: unknown, name: string | undefined, depth: number): void {
    if (typeof value === "string") {
        if ((TOKEN_LIKE.test(value) && !ADDRESS.test(value)) || detectSecret(name, value).length > 0) rememberSecret(value);
    } else if (depth < MAX_DEPTH && typeof value === "object" && value !== null) {
        for (const [key, child] of Object.entries(value)) rememberNestedSecrets(child, Array.isArray(value) ? name : key, depth + 1);
    }
}

/** A state file's secret envelope: its ciphertext, or its plaintext (JSON text) and what that decodes to. */
export function rememberSecretEnvelope(envelope: Record<string, unknown>): void {
    for (const field of ["ciphertext", "plaintext"]) {
        const text = envelope[field];
        if (typeof text !== "string") continue;
        rememberSecret(text);
        try {
            rememberSecretsIn(JSON.parse(text) as unknown);
        } catch {
            // Not JSON: remembered as it is.
        }
    }
    if (envelope.value !== undefined) rememberSecretsIn(envelope.value);
}

/**
 * Where a credential may start although the character before it is a letter or digit, because that letter
 * belongs to an escape: a terminal control sequence, raw or escaped for display (`\x1b[2J`, `\u001b]0;…\x07`),
 * which a terminal consumes so that what follows reads on its own; or an escape sequence that ends in a
 * letter or digit (`\x1b`, `\u001b`, `\n`, `%1B`), which an output format wrote for a control character
 * that stood right before the credential. The formats' patterns need a non-alphanumeric character before a
 * credential, so each stretch after one of these is redacted again on its own.
 */
const ESCAPE_BEFORE_WORD = new RegExp(
    [
        // CSI (7-bit and 8-bit introducers), raw or as the display and JSON escapes write them.
        String.raw`(?:\x1b|\\x1[bB]|\\u001[bB]|\\e|\\033)\[[0-?]{0,64}[ -/]{0,16}[@-~]`,
        String.raw`(?:\x9b|\\x9[bB]|\\u009[bB])[0-?]{0,64}[ -/]{0,16}[@-~]`,
        // OSC (titles, hyperlinks), ended by BEL or ST.
        String.raw`(?:\x1b|\\x1[bB]|\\u001[bB])\][^\x07\x1b\\]{0,4096}(?:\x07|\\x07|\\u0007|\x1b\\|\\x1[bB]\\\\|\\u001[bB]\\\\)`,
        String.raw`(?:\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}|[0-7]{1,3}|[A-Za-z])|%[0-9A-Fa-f]{2})(?=[A-Za-z0-9_])`,
    ].join("|"),
    "g",
);

/** The formats redacted in the text as a whole, and again in each stretch that follows an escape sequence. */
function redactFormatsAcrossEscapes(text: string): string {
    const whole = redactSecretFormats(text, SECRET_MASK);
    if (!whole.includes("\\") && !whole.includes("%") && !whole.includes("\x1b") && !whole.includes("\x9b")) return whole;
    const pieces: string[] = [];
    let start = 0;
    for (const escape of whole.matchAll(ESCAPE_BEFORE_WORD)) {
        const at = escape.index ?? 0;
        const before = whole.slice(start, at);
        pieces.push(start === 0 ? before : redactSecretFormats(before, SECRET_MASK), escape[0]);
        start = at + escape[0].length;
    }
    if (start === 0) return whole;
    pieces.push(redactSecretFormats(whole.slice(start), SECRET_MASK));
    return pieces.join("");
}

/** The last line of defence: the text with every remembered secret and every credential format replaced. */
export function scrubOutput(text: string): string {
    return redactFormatsAcrossEscapes(scrubKnownSecrets(text));
}

/** What a display or serialisation format escapes: C0 and C1 controls, DEL, line and paragraph separators, bidi marks. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const ESCAPED_WHEN_SHOWN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Scrub before escaping: a text that holds a character an output format escapes (JSON's `\n`, the terminal
 * escapes `\x1b`) is scrubbed first, while the credential still sits after a non-alphanumeric character.
 * Every other text is returned as it is (the sink scrubs it); the test is one scan of the text.
 */
export function scrubBeforeEscaping(text: string): string {
    return ESCAPED_WHEN_SHOWN.test(text) ? scrubOutput(text) : text;
}

/** A JSON.stringify replacer that scrubs each string value before JSON escapes it. */
export function scrubbingJsonReplacer(_key: string, value: unknown): unknown {
    return typeof value === "string" ? scrubBeforeEscaping(value) : value;
}

/** A deep copy with every string (keys included) scrubbed: for a small report about to be rendered in any format. */
export function scrubbedCopy<T>(value: T, depth = 0): T {
    if (typeof value === "string") return scrubOutput(value) as T;
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) return value.map((item: unknown) => scrubbedCopy(item, depth + 1)) as T;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
        Object.defineProperty(copy, scrubOutput(key), { value: scrubbedCopy(child, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
}

/** JSON of a value too deep to walk, or a constant when even JSON.stringify gives up. */
function textOf(value: unknown): string {
    try {
        return JSON.stringify(value) ?? "";
    } catch {
        return "(nested too deep)";
    }
}

function fingerprint(scope: string, path: string, value: string): string {
    const digest = createHash("sha256").update("platform-stacks/report-secret/v1\0").update(scope).update("\0").update(path).update("\0").update(value).digest("hex");
    return `[secret:${digest.slice(0, 12)}]`;
}

/** Whether a report value is masked: `[secret]` or a fingerprint. */
export function isMaskedValue(value: unknown): boolean {
    return value === SECRET_MASK || (typeof value === "string" && FINGERPRINTED.test(value));
}

function maskedKey(scope: string, path: string, key: string): string {
    if (detectSecretFormats(key).length === 0) return key;
    rememberSecret(key);
    return fingerprint(scope, `${path}#key`, key);
}

/**
 * A report's copy of a resource's inputs, masked (see above). `scope` (the URN) salts the fingerprints;
 * `{name, value}` entries (container env) are judged by their name.
 */
export function maskReportInputs(inputs: Record<string, unknown>, scope: string): Record<string, unknown> {
    return maskValue(inputs, scope, "", undefined, 0) as Record<string, unknown>;
}

function maskValue(value: unknown, scope: string, path: string, name: string | undefined, depth: number): unknown {
    if (isSecretEnvelope(value)) {
        rememberSecretsIn(value.value);
        return SECRET_MASK;
    }
    if (typeof value === "string") {
        if (isMaskedValue(value)) return value;
        if (wholeSecrets.has(value)) return SECRET_MASK;
        if (detectSecret(name, value).length === 0) return value;
        rememberSecret(value);
        return fingerprint(scope, path, value);
    }
    if (typeof value === "function" || typeof value === "symbol") return undefined;
    if (typeof value !== "object" || value === null) return value;
    const prototype = Object.getPrototypeOf(value) as object | null;
    // A live SDK object among a component's arguments (a provider, an Output): named, not walked into.
    if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return `[${(value as object).constructor?.name ?? "object"}]`;
    if (depth >= MAX_DEPTH) {
        rememberSecretsIn(value);
        return fingerprint(scope, path, textOf(value));
    }
    if (Array.isArray(value)) return value.map((item, index) => maskValue(item, scope, `${path}[${index}]`, name, depth + 1));
    const record = value as Record<string, unknown>;
    // `{name: "DB_PASSWORD", value: "..."}`: the entry's name says what its value is.
    const entryName = typeof record.name === "string" ? record.name : undefined;
    const masked: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) {
        const childPath = path ? `${path}.${key}` : key;
        const childName = key === "value" && entryName !== undefined ? entryName : key;
        const maskedChild = maskValue(child, scope, childPath, childName, depth + 1);
        if (maskedChild === undefined && child !== undefined) continue;
        Object.defineProperty(masked, maskedKey(scope, childPath, key), { value: maskedChild, enumerable: true, writable: true, configurable: true });
    }
    return masked;
}

let guarded = false;

/**
 * Routes everything this process writes to stdout and stderr through `scrubOutput`: the tools' own reports
 * and messages, and whatever a library prints (a warning, a stack trace of a bug).
 */
export function guardProcessOutput(): void {
    if (guarded) return;
    guarded = true;
    for (const stream of [process.stdout, process.stderr]) {
        const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
        const scrubbed = (chunk: unknown, ...rest: unknown[]): boolean =>
            write(typeof chunk === "string" ? scrubOutput(chunk) : chunk instanceof Uint8Array ? scrubOutput(Buffer.from(chunk).toString("utf8")) : chunk, ...rest);
        stream.write = scrubbed as typeof stream.write;
    }
}
