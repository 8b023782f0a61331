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

/** Long enough and mixed enough to be a generated credential rather than a word or a name. */
const TOKEN_LIKE = /^(?=[^\s]*[A-Za-z])(?=[^\s]*[0-9])[^\s]{24,}$/;

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
        if (TOKEN_LIKE.test(value) || detectSecret(name, value).length > 0) rememberSecret(value);
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

/** The last line of defence: the text with every remembered secret and every credential format replaced. */
export function scrubOutput(text: string): string {
    return redactSecretFormats(scrubKnownSecrets(text), SECRET_MASK);
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
