import { gunzipSync } from "zlib";
import { CredentialFormat, DOCUMENTATION_SECRETS, formatsWithAnchors, hasAnyAnchor, SHORTEST_CREDENTIAL } from "./credential-formats";
import { SecretNameClass, secretNameClass } from "./secret-names";

/**
 * The one secret detector of the pack, shared by the rules, the stack-config scan and the tools.
 *
 * A value is a secret when it contains a credential format (whatever its name: the maintained catalogue
 * and the pack's supplements of credential-formats.ts), directly or base64-encoded, or when it sits under
 * a secret-looking name (see secret-names.ts) and is a literal rather than a placeholder or a reference.
 * A reference is judged by its shape, whatever its name: a KMS key (`arn:aws:kms:...`,
 * `projects/.../cryptoKeys/...`), a secret in a store (`projects/.../secrets/...`, a Secrets Manager ARN). Every answer says WHAT matched (a kind and a description) and never the value: callers
 * build messages from the key path and the description only, so no part of a secret reaches a log.
 */

/**
 * A credential format (lib/credential-formats.ts): a catalogue id such as `github/GITHUB_TOKEN` (secretlint's
 * preset, generated into catalogues/credential-formats.json) or one of the pack's supplements (`jwt`,
 * `url-with-password`, `private-key`, ...).
 */
export type SecretFormatKind = string;

/** A literal under a secret-looking name, by what the name says it is. */
export type SecretNameKind = `named-${SecretNameClass}`;

export type SecretKind = SecretFormatKind | SecretNameKind;

export interface SecretMatch {
    /** `format`: the value has a credential's shape; `name`: a literal under a secret-looking name. */
    readonly source: "format" | "name";
    readonly kind: SecretKind;
    /** For messages, e.g. "a GitHub Token", "a plaintext password". Never contains the value. */
    readonly description: string;
}

/** A match in a text (a script, a config file, a connection string), with its 1-based line. */
export interface TextMatch extends SecretMatch {
    readonly line: number;
}

/** What each class of secret-looking name holds, for messages. */
export const SECRET_NAME_NOUNS: Readonly<Record<SecretNameClass, string>> = {
    password: "password",
    secret: "secret",
    token: "token",
    "api-key": "API key",
    "private-key": "private key",
    credential: "credential",
    "connection-string": "connection string",
};

const NAME_DESCRIPTIONS: Readonly<Record<SecretNameClass, string>> = {
    password: "a plaintext password",
    secret: "a plaintext secret",
    token: "a plaintext token",
    "api-key": "a plaintext API key",
    "private-key": "a plaintext private key",
    credential: "a plaintext credential",
    "connection-string": "a connection string with an embedded password",
};

const WORDS_THAT_ARE_NOT_SECRETS = new Set(["true", "false", "yes", "no", "on", "off", "null", "none", "nil", "enabled", "disabled", "required", "optional"]);

/**
 * Template or runtime expansions, wherever they sit in the value: `${VAR}`, `$(command)`, `{{ .Values.x }}`.
 * A value that merely starts with `$` (`$ecretPass`) is a literal.
 */
// Each body stops at the next opener too, so that a run of unclosed `${` is scanned once, not once per opener.
const EXPANSION = /\$\{[^}$]*\}|\$\([^)$]*\)|\{\{[^{}]*\}\}/;
/**
 * A value that is one expansion as a whole: `%VAR%` (Windows), `$VAR` with an UPPER_CASE shell name, or an
 * expansion cut off by a text scan at its first space (`$(aws secretsmanager ...)` is read as `$(aws`).
 */
const WHOLE_EXPANSION = /^(?:%[A-Za-z_][A-Za-z0-9_]*%|\$[A-Z_][A-Z0-9_]*|\$[({].*)$/;

/**
 * References to a secret or a key held elsewhere, by shape: Secrets Manager, SSM and KMS ARNs (keys and
 * aliases), a KMS alias name, GCP Secret Manager secrets and Cloud KMS keys (`projects/p/locations/l/keyRings/r/cryptoKeys/k`),
 * Azure Key Vault objects, vals/Vault references, Pulumi secrets-provider URLs, file URLs.
 */
const SECRET_REFERENCE =
    /^(?:arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):|alias\/[\w/-]{1,256}$|ref\+[a-z0-9]+:\/\/|vault:|(?:awskms|gcpkms|azurekeyvault|hashivault):\/\/|projects\/[^/\s]+\/(?:secrets\/|locations\/[^/\s]+\/(?:keyRings\/[^/\s]+\/cryptoKeys\/|secrets\/))|https:\/\/[a-z0-9-]{1,64}\.vault\.azure\.net\/(?:keys|secrets)\/|file:\/\/)/;

/** Whether a value is, by its shape, a reference to a key or a secret held elsewhere (never the secret itself). */
export function isSecretReference(value: string): boolean {
    return SECRET_REFERENCE.test(value.trim());
}

/** An absolute file path of at least two segments (`/run/secrets/db`, `/etc/app/token`); `/hunter2` is a literal. */
const FILE_PATH = /^(?:\/[\w.@-]+){2,}\/?$/;

/**
 * The name of a secret held in a store: a path of at least two lower-case segments separated by `/`
 * (`platform/prod/postgres-password`, a Secrets Manager name). A bare identifier (`postgres-password`,
 * `supersecret`) is judged as a literal: under a secret-looking name it cannot be told from a password.
 * Segments are lower-case words so that a base64 key with a `/` in it (`wJalrXUtnFEMI/K7MDENG/...`) is not
 * taken for a name.
 */
const SECRET_STORE_NAME = /^[a-z0-9]+(?:[-_.][a-z0-9]+)*(?:\/[a-z0-9]+(?:[-_.][a-z0-9]+)*)+$/;

/**
 * True for values that are obviously not a secret: empty; a template or runtime expansion (`${VAR}`,
 * `$(VAR)`, `$VAR`, `{{ ... }}`, `%VAR%`); an angle-bracket placeholder (`<secure value of db password>`);
 * a mask (`***`, `[secret]`); a reference to a secret store, a file path of two segments or more, or the
 * path of a secret in a store (`platform/prod/postgres-password`); a boolean word; and AWS's documentation
 * secret access key.
 */
export function isPlaceholder(value: string): boolean {
    const text = value.trim();
    if (text.length === 0) return true;
    if (EXPANSION.test(text) || WHOLE_EXPANSION.test(text)) return true;
    if (/^<[^<>]*>$/.test(text)) return true;
    if (/^(.)\1{2,}$/.test(text) || /^\[(?:secret|redacted|masked|hidden)\]$/i.test(text)) return true;
    if (SECRET_REFERENCE.test(text) || FILE_PATH.test(text) || SECRET_STORE_NAME.test(text)) return true;
    return WORDS_THAT_ARE_NOT_SECRETS.has(text.toLowerCase()) || DOCUMENTATION_SECRETS.has(text);
}

/**
 * Keys of an object that references a secret held in a store, and the sibling keys that show it is one:
 * a Cloud Functions `secretEnvironmentVariables[]` entry (`{key, projectId, secret, version}`), a Cloud Run
 * `secretKeyRef` (`{secret, version}`), a volume's `{secret, items, mountPath}`. Its `secret` is the
 * secret's name in the store, never its value.
 */
const REFERENCE_KEYS: ReadonlySet<string> = new Set(["secret", "secretName", "secretId", "secretRef", "secretKey", "name", "key"]);
const REFERENCE_SIBLINGS: readonly string[] = ["version", "versions", "projectId", "mountPath", "items", "secretVersion"];
/** Keys whose value is a reference object (`valueFrom.secretKeyRef`, `envFrom[].secretRef`, `valueSource`). */
const REFERENCE_CONTAINER = /(?:Ref|KeyRef|valueFrom|valueSource|secretSource|SecretRef)$/;

/** Whether the value under `key` is a reference object (`secretKeyRef`, `valueFrom`): every entry of it names, never holds. */
export function isReferenceContainer(key: string | undefined): boolean {
    return key !== undefined && REFERENCE_CONTAINER.test(key);
}

/** Whether `key` of `object` (found under `parentKey`) names a secret held elsewhere rather than holding one, by the object's shape. */
export function isReferenceEntry(object: Readonly<Record<string, unknown>>, key: string, parentKey?: string): boolean {
    if (REFERENCE_KEYS.has(key) && REFERENCE_SIBLINGS.some((sibling) => Object.prototype.hasOwnProperty.call(object, sibling))) return true;
    return isReferenceContainer(parentKey);
}

/**
 * Password hashes in the formats of crypt(3), passlib and Django: what a chart or a server expects where it
 * stores a password hash (`$2y$10$...` in an htpasswd, argo-cd's `argocdServerAdminPassword`), never the
 * password itself. Each pattern is anchored, has no nested quantifier, and the input is capped first.
 */
const PASSWORD_HASHES: readonly RegExp[] = [
    // bcrypt: $2a$ / $2b$ / $2x$ / $2y$, cost, 22 characters of salt and 31 of hash.
    /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/,
    // argon2: $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash> (the version is absent in the oldest encoders).
    /^\$argon2(?:id|i|d)\$(?:v=\d{1,3}\$)?m=\d{1,10},t=\d{1,10},p=\d{1,3}\$[A-Za-z0-9+/.=-]{8,128}\$[A-Za-z0-9+/.=-]{16,256}$/,
    // scrypt: passlib $scrypt$ln=16,r=8,p=1$<salt>$<hash>; crypt $7$<params+salt>$<hash>; Django scrypt$N$salt$r$p$hash.
    /^\$scrypt\$ln=\d{1,3},r=\d{1,3},p=\d{1,3}\$[A-Za-z0-9+/.=-]{8,128}\$[A-Za-z0-9+/.=-]{16,256}$/,
    /^\$7\$[./A-Za-z0-9]{14,128}\$[./A-Za-z0-9]{43}$/,
    /^scrypt\$\d{1,10}\$[A-Za-z0-9+/.=-]{8,128}\$\d{1,3}\$\d{1,3}\$[A-Za-z0-9+/=]{16,256}$/,
    // PBKDF2: Django pbkdf2_sha256$<iterations>$<salt>$<hash>; passlib $pbkdf2-sha256$<rounds>$<salt>$<hash>.
    /^pbkdf2_sha(?:1|256|512)\$\d{1,10}\$[A-Za-z0-9+/.=-]{4,128}\$[A-Za-z0-9+/=]{16,256}$/,
    /^\$pbkdf2(?:-sha(?:1|256|512))?\$\d{1,10}\$[A-Za-z0-9+/.=-]{4,128}\$[A-Za-z0-9+/.=-]{16,256}$/,
];
/** Longer than any hash above. */
const LONGEST_HASH = 800;

/** Whether a value is a password hash (bcrypt, argon2, scrypt, PBKDF2): not a plaintext secret. */
export function isPasswordHash(value: string): boolean {
    const text = value.trim();
    if (text.length > LONGEST_HASH || !/^(?:\$|pbkdf2_|scrypt\$)/.test(text)) return false;
    return PASSWORD_HASHES.some((pattern) => pattern.test(text));
}

function push(matches: SecretMatch[], match: SecretMatch): void {
    if (!matches.some((existing) => existing.kind === match.kind)) matches.push(match);
}

/** A credential format found in a text, with where it is (for lines and for redaction). */
export interface FormatFinding extends SecretMatch {
    readonly start: number;
    readonly end: number;
    /** Start and end of the part that is the secret (a URL's password), for redaction. */
    readonly secretStart: number;
    readonly secretEnd: number;
}

function decodeUriComponentSafe(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

function formatsOf(format: CredentialFormat, text: string, found: FormatFinding[]): void {
    for (const match of text.matchAll(format.pattern)) {
        if (format.accept && !format.accept(match)) continue;
        const start = match.index ?? 0;
        let secretStart = start;
        let secretEnd = start + match[0].length;
        const group = format.secretGroup === undefined ? undefined : match.groups?.[format.secretGroup];
        if (group !== undefined) {
            // A URL's password that is a variable or a placeholder is not a credential.
            if (isPlaceholder(decodeUriComponentSafe(group))) continue;
            secretStart = start + match[0].lastIndexOf(group);
            secretEnd = secretStart + group.length;
        }
        found.push({ source: "format", kind: format.kind, description: format.description, start, end: start + match[0].length, secretStart, secretEnd });
    }
}

/**
 * Every credential format in a text, with positions; where two overlap, the one listed first in
 * CREDENTIAL_FORMATS (the catalogue's before the pack's own) is kept. One prefilter test of every
 * anchor first, then only the patterns with an anchor in the text.
 */
export function findSecretFormats(text: string): readonly FormatFinding[] {
    return text.length < SHORTEST_CREDENTIAL ? NONE : formatsIn(text);
}

const NONE: readonly FormatFinding[] = Object.freeze([]);

function formatsIn(text: string): readonly FormatFinding[] {
    if (!hasAnyAnchor(text)) return NONE;
    const found: FormatFinding[] = [];
    for (const format of formatsWithAnchors(text)) formatsOf(format, text, found);
    if (found.length < 2) return Object.freeze(found);
    const kept: FormatFinding[] = [];
    for (const finding of found) {
        if (!kept.some((other) => other.kind !== finding.kind && finding.start < other.end && other.start < finding.end)) kept.push(finding);
    }
    return Object.freeze(kept.sort((a, b) => a.start - b.start));
}

/** Base64 longer than this is not decoded (4 MiB of text; a user-data script is at most 16 KiB, a ConfigMap 1 MiB). */
const MAX_BASE64 = 4 * 1024 * 1024;
/** Gzip is inflated to at most this much. */
const MAX_INFLATED = 8 * 1024 * 1024;
/** Shorter base64 is not worth decoding: it cannot hold a credential with its context. */
const SHORTEST_BASE64 = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** 1 for a character of the base64 alphabet, 2 for a hexadecimal digit too. */
const BASE64_ALPHABET = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64_ALPHABET[char.charCodeAt(0)] = /[0-9a-fA-F]/.test(char) ? 2 : 1;

/**
 * Whether the first characters are base64 that is not merely hexadecimal (a digest or an ID is no encoded
 * text): a loop over twelve characters, far cheaper than a regular expression on the millions of strings of a state.
 */
function startsLikeBase64Text(value: string): boolean {
    let start = 0;
    while (start < value.length && (value[start] === " " || value[start] === "\n" || value[start] === "\t" || value[start] === "\r")) start++;
    let hexOnly = true;
    for (let index = start; index < start + 12; index++) {
        const code = value.charCodeAt(index);
        const kind = code < 128 ? BASE64_ALPHABET[code] : 0;
        if (kind === 0) return false;
        if (kind === 1) hexOnly = false;
    }
    return !hexOnly;
}

/**
 * The text a base64 value encodes (optionally gzip-compressed, as user data often is), when it decodes to
 * printable UTF-8; undefined otherwise. Bounded: at most MAX_BASE64 characters are decoded and MAX_INFLATED
 * bytes inflated.
 */
export function decodeBase64Text(value: string, options: { readonly gzip?: boolean } = {}): string | undefined {
    // The first characters decide cheaply for most strings (a name, an ARN, a URL is no base64), then the decoded head.
    // Base64 comes in whole quads, unless wrapped over lines.
    if (value.length < SHORTEST_BASE64 || value.length > MAX_BASE64 || (value.length % 4 !== 0 && !value.includes("\n")) || !startsLikeBase64Text(value)) return undefined;
    const head = value.slice(0, 64).replace(/\s+/g, "");
    // Gzip (`H4sI`, its magic number in base64) is inflated before it can be judged.
    const gzipped = options.gzip === true && head.startsWith("H4sI");
    if (!BASE64.test(head) || (!gzipped && !head.endsWith("=") && head.length % 4 === 0 && !isPrintable(Buffer.from(head, "base64").toString("utf8").replace(/\uFFFD+$/, "")))) return undefined;
    const compact = /\s/.test(value) ? value.replace(/\s+/g, "") : value;
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
    let bytes = Buffer.from(compact, "base64");
    if (options.gzip && bytes[0] === 0x1f && bytes[1] === 0x8b) {
        try {
            bytes = gunzipSync(bytes, { maxOutputLength: MAX_INFLATED });
        } catch {
            return undefined;
        }
    }
    const text = bytes.toString("utf8");
    return isPrintable(text) ? text : undefined;
}

function isPrintable(text: string): boolean {
    return !text.includes("\uFFFD") && !/[^\t\n\r\x20-\x7e\u00a0-\uffff]/.test(text);
}

/**
 * Every credential format in a string, once per kind: in the text itself, else in the text it encodes in
 * base64 (a kubeconfig's `client-key-data`, a Secret's `data`, an encoded script).
 */
export function detectSecretFormats(text: string): SecretMatch[] {
    const matches: SecretMatch[] = [];
    for (const { source, kind, description } of findSecretFormats(text)) push(matches, { source, kind, description });
    return matches.length > 0 ? matches : encodedFormats(text);
}

/** The formats of the text a base64 value encodes, once per kind. */
function encodedFormats(text: string): SecretMatch[] {
    const matches: SecretMatch[] = [];
    const decoded = decodeBase64Text(text);
    if (decoded === undefined) return matches;
    for (const { source, kind, description } of findSecretFormats(decoded)) push(matches, { source, kind, description: `${description} (base64-encoded)` });
    return matches;
}

/**
 * The secret a literal under `name` is, judged by the name alone (formats are detectSecretFormats'),
 * or undefined: not a secret-looking name, a placeholder, or a connection string without a password.
 */
export function detectNamedSecret(name: string, value: string): SecretMatch | undefined {
    const secretClass = secretNameClass(name);
    if (secretClass === undefined || isPlaceholder(value) || isPasswordHash(value)) return undefined;
    const description = NAME_DESCRIPTIONS[secretClass];
    if (secretClass === "connection-string") {
        // DATABASE_URL=postgres://db:5432/app is configuration; only an embedded password makes it secret.
        const embedsPassword = detectSecretFormats(value).some((match) => match.kind === "url-with-password") || textAssignments(value).length > 0;
        return embedsPassword ? { source: "name", kind: "named-connection-string", description } : undefined;
    }
    return { source: "name", kind: `named-${secretClass}`, description };
}

/**
 * Everything secret about a value found under `name` (a key, a variable name, a tag key): its
 * credential formats and, when it has none, what its name makes of it. Numbers and booleans are never
 * secrets (`maxTokens: 4096`); objects and lists are for the caller to walk.
 */
export function detectSecret(name: string | undefined, value: unknown): SecretMatch[] {
    if (typeof value !== "string") return [];
    const formats = detectSecretFormats(value);
    if (formats.length > 0) return formats;
    const named = name === undefined ? undefined : detectNamedSecret(name, value);
    return named ? [named] : [];
}

/** `NAME=value`, `NAME: value`, `"name": "value"`, `export NAME='value'`, `--name=value`, `Password=value;`. */
const KEY_VALUE = /(?<![A-Za-z0-9_.-])-*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[=:]\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s,;#}'"&]*))/g;
/** `--password hunter2`: a command-line flag and its value. */
const FLAG_VALUE = /(?<![A-Za-z0-9_.-])--?([A-Za-z][A-Za-z0-9_.-]*)[ \t]+(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'-][^\s"';&|]*))/g;

/** `{"name": "DB_PASSWORD", "value": "..."}`: an environment entry of a container definition written as JSON. */
const NAME_VALUE_PAIR = /"name"\s*:\s*"([^"]+)"\s*,\s*"value"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s,;#}'"&]*))/g;

/** Secret-looking names assigned literals in one line of text; with `flagsOnly`, command-line flags only (`--password=...`, `--token ...`). */
function textAssignments(line: string, flagsOnly = false): SecretMatch[] {
    const matches: SecretMatch[] = [];
    for (const pattern of flagsOnly ? [KEY_VALUE, FLAG_VALUE] : [KEY_VALUE, FLAG_VALUE, NAME_VALUE_PAIR]) {
        for (const found of line.matchAll(pattern)) {
            if (flagsOnly && !found[0].startsWith("-")) continue;
            const value = found[2] ?? found[3] ?? found[4] ?? "";
            // YAML block scalars (`password: |`) carry their value on the next lines; nothing to judge here.
            if (/^[|>][-+]?$/.test(value)) continue;
            // The name first (classified once per name): most assignments are configuration.
            const named = detectNamedSecret(found[1], value);
            if (!named || named.kind === "named-connection-string") continue;
            // A value with a credential's shape is reported as that format, not again by its name.
            if (detectSecretFormats(value).length > 0 || detectSecretFormats(found[0]).length > 0) continue;
            push(matches, named);
        }
    }
    return matches;
}

/** Secret-looking names assigned literals in one line (`NAME=value`, `"name": "value"`, `--name value`): no formats. */
export function lineAssignments(line: string): SecretMatch[] {
    return textAssignments(line);
}

/** A word a secret-looking flag name contains, for a cheap test before the flag patterns run. */
const SECRET_WORD = /pass|secret|token|key|credential|pwd|dsn|auth/i;

/**
 * Secret-looking command-line flags given a literal, anywhere in a string (an argument, a command line, a
 * script): `--password=hunter2`, `--db-password hunter2`, `-Dapp.token=...`. A flag whose value is a
 * variable, a file or a reference (`--password-file=/run/secrets/db`, `--token=$(cat ...)`) is not one.
 */
export function detectFlagSecrets(text: string): SecretMatch[] {
    if (!text.includes("-") || !SECRET_WORD.test(text)) return [];
    return text.includes("\n") ? text.split(/\r?\n/).flatMap((line) => textAssignments(line, true)) : textAssignments(text, true);
}

/** 1-based line of each offset: the start offsets of the lines, searched by bisection. */
function lineStarts(text: string): number[] {
    const starts = [0];
    for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) starts.push(index + 1);
    return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle] <= offset) low = middle;
        else high = middle - 1;
    }
    return low + 1;
}

/**
 * Every secret in a text (a user-data script, a config file in a ConfigMap, a connection string), by
 * line: credential formats anywhere (a PEM key over several lines is found on its first), secret-looking
 * names assigned literals (`NAME=value`, `name: value`, `--name=value`, `--name value`), and, for a text
 * that is base64, the formats of what it encodes.
 */
export function scanText(text: string, options: { readonly assignments?: boolean } = {}): TextMatch[] {
    const byLine = new Map<number, SecretMatch[]>();
    const add = (line: number, match: SecretMatch): void => {
        const found = byLine.get(line) ?? [];
        push(found, match);
        byLine.set(line, found);
    };
    const formats = findSecretFormats(text);
    if (formats.length > 0) {
        const starts = lineStarts(text);
        for (const { source, kind, description, start } of formats) add(lineOf(starts, start), { source, kind, description });
    } else if (!text.includes("\n")) {
        for (const match of encodedFormats(text)) add(1, match);
    }
    if (options.assignments !== false) {
        text.split(/\r?\n/).forEach((line, index) => {
            for (const match of textAssignments(line)) add(index + 1, match);
        });
    }
    const matches: TextMatch[] = [];
    for (const line of [...byLine.keys()].sort((a, b) => a - b)) for (const match of byLine.get(line) ?? []) matches.push({ ...match, line });
    return matches;
}

/**
 * A key for a message: shown as is, unless the key itself has a credential's shape (a token used as a
 * map key), which is then replaced so that no part of it is printed.
 */
export function safeKey(key: string): string {
    return detectSecretFormats(key).length > 0 ? "<redacted key>" : key;
}

/**
 * A step of a key path: a map key, a list index, a `{name, value}` list entry by its name (`env[DB_PASSWORD]`),
 * or the document a string carries (JSON, YAML), which a rendered path does not show.
 */
export type PathSegment = string | number | { readonly entry: string } | { readonly document: string };

/** A path as plain keys: an entry by its name, a document step left out. */
export function plainPath(path: readonly PathSegment[]): (string | number)[] {
    const plain: (string | number)[] = [];
    for (const segment of path) {
        if (typeof segment !== "object") plain.push(segment);
        else if ("entry" in segment) plain.push(segment.entry);
    }
    return plain;
}

/** `a.b[0]["example.com/api-token"].env[DB_PASSWORD]`: a readable key path, never containing a secret. */
export function renderPath(path: readonly PathSegment[]): string {
    const shown = path.filter((segment) => typeof segment !== "object" || "entry" in segment);
    return shown
        .map((segment, index) => {
            if (typeof segment === "number") return `[${segment}]`;
            if (typeof segment === "object") return "entry" in segment ? `[${safeKey(segment.entry)}]` : "";
            const key = safeKey(segment);
            if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return index === 0 ? key : `.${key}`;
            return `[${JSON.stringify(key)}]`;
        })
        .join("");
}

/**
 * A PEM private key from its header through its body and footer (or as far as a key's characters go when
 * the footer is missing): redaction must remove the body, which the header pattern alone does not reach.
 * One character class, bounded: linear. `\\n` and `\\r` cover a key inside JSON-escaped text.
 */
const PEM_BLOCK = /-----BEGIN (?:[A-Z0-9]+ ){0,8}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:,\s-]|\\[nr]){0,16384}?(?:-----END [A-Z0-9 ]{0,64}-----|(?![A-Za-z0-9+/=:,\s\\-]))/g;

/**
 * The text with every credential format replaced by `mask`: the whole token, the password part of a URL
 * (`postgres://app:[secret]@db`), a PEM key with its body. For outputs, where nothing that looks like a
 * credential may be printed, whatever route it took to get there.
 */
export function redactSecretFormats(text: string, mask: string): string {
    if (text.length < SHORTEST_CREDENTIAL || !hasAnyAnchor(text)) return text;
    const withoutKeys = text.replace(PEM_BLOCK, mask);
    const found = findSecretFormats(withoutKeys).filter((finding) => withoutKeys.slice(finding.secretStart, finding.secretEnd) !== mask);
    if (found.length === 0) return withoutKeys;
    let result = "";
    let at = 0;
    for (const finding of found) {
        if (finding.secretStart < at) continue;
        result += withoutKeys.slice(at, finding.secretStart) + mask;
        at = finding.secretEnd;
    }
    return result + withoutKeys.slice(at);
}
