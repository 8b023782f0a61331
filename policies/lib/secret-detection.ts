import { SecretNameClass, secretNameClass } from "./secret-names";

/**
 * The one secret detector of the pack, shared by the rules, the stack-config scan and the tools.
 *
 * A value is a secret when it contains a well-known credential format (whatever its name), or when it
 * sits under a secret-looking name (see secret-names.ts) and is a literal rather than a placeholder or a
 * reference. Every answer says WHAT matched (a kind and a description) and never the value: callers
 * build messages from the key path and the description only, so no part of a secret reaches a log.
 */

/** Well-known credential formats, recognised by their shape alone. */
export type SecretFormatKind =
    | "aws-access-key-id"
    | "github-token"
    | "slack-token"
    | "slack-webhook-url"
    | "stripe-live-key"
    | "google-api-key"
    | "private-key"
    | "jwt"
    | "npm-token"
    | "azure-shared-key"
    | "url-with-password";

/** A literal under a secret-looking name, by what the name says it is. */
export type SecretNameKind = `named-${SecretNameClass}`;

export type SecretKind = SecretFormatKind | SecretNameKind;

export interface SecretMatch {
    /** `format`: the value has a credential's shape; `name`: a literal under a secret-looking name. */
    readonly source: "format" | "name";
    readonly kind: SecretKind;
    /** For messages, e.g. "a GitHub token", "a plaintext password". Never contains the value. */
    readonly description: string;
}

/** A match in a text (a script, a config file, a connection string), with its 1-based line. */
export interface TextMatch extends SecretMatch {
    readonly line: number;
}

interface FormatPattern {
    readonly kind: SecretFormatKind;
    readonly description: string;
    readonly pattern: RegExp;
}

/**
 * Boundaries are look-arounds rather than \b so that `KEY=AKIA...` and `"ghp_..."` match while a
 * longer run of the same alphabet (a hash, a base64 blob) does not.
 */
const FORMATS: readonly FormatPattern[] = [
    // Long-term (AKIA) and temporary (ASIA) access key IDs. AIDA/AROA/... are user and role IDs, not credentials.
    { kind: "aws-access-key-id", description: "an AWS access key ID", pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
    { kind: "github-token", description: "a GitHub token", pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9_]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])/g },
    { kind: "slack-token", description: "a Slack token", pattern: /(?<![A-Za-z0-9])(?:xox[abposr]|xapp)-(?:\d+-)?(?:[A-Za-z0-9]{1,40}-){1,8}[A-Za-z0-9]{1,40}(?![A-Za-z0-9])/g },
    { kind: "slack-webhook-url", description: "a Slack incoming webhook URL", pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]{1,40}\/B[A-Za-z0-9]{1,40}\/[A-Za-z0-9]{1,40}/gi },
    { kind: "stripe-live-key", description: "a Stripe live key", pattern: /(?<![A-Za-z0-9])(?:sk|rk)_live_[A-Za-z0-9]{16,}(?![A-Za-z0-9])/g },
    { kind: "google-api-key", description: "a Google API key", pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
    // The header is enough: RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... PRIVATE KEY (BLOCK).
    { kind: "private-key", description: "a PEM private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
    { kind: "jwt", description: "a JSON Web Token", pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])/g },
    { kind: "npm-token", description: "an npm access token", pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9_]{36}(?![A-Za-z0-9_])/g },
    // Azure Storage / Service Bus / Event Hubs connection strings: `AccountKey=<88 base64>`, `SharedAccessKey=<44 base64>`.
    { kind: "azure-shared-key", description: "an Azure account or shared access key", pattern: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,100}={0,2}(?![A-Za-z0-9+/=])/gi },
];

/** `scheme://user:password@host`, the user possibly empty (`redis://:token@host`). */
const URL_WITH_PASSWORD = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:@/?#"'`]*:([^\s@/?#"'`]+)@[^\s/?#@"'`]+/g;

/** AWS's own documentation keys (docs.aws.amazon.com): placeholders everyone recognises, as secretlint treats them. */
const DOCUMENTATION_KEYS = new Set(["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"]);
const DOCUMENTATION_SECRETS = new Set(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);

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

/** References to a secret held elsewhere: Secrets Manager / SSM ARNs, vals/Vault/GCP Secret Manager references. */
const SECRET_REFERENCE = /^(?:arn:aws[a-z-]*:(?:secretsmanager|ssm):|ref\+[a-z0-9]+:\/\/|vault:|projects\/[^/\s]+\/secrets\/|file:\/\/)/;

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

/**
 * A literal every format above starts with (case-insensitive for the Slack webhook host). Most strings
 * contain none, and one pass of this test is far cheaper than the look-around patterns: an audit of 10k
 * resources spends its time here otherwise.
 */
const ANY_FORMAT_ANCHOR = /AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|xapp-|hooks\.slack\.com|_live_|AIza|-----BEGIN |eyJ|npm_|AccountKey=|SharedAccessKey=|:\/\//i;
/** Shorter than any format (the shortest, `a://:b@c`, has eight characters). */
const SHORTEST_FORMAT = 8;

/** Every well-known credential format in a string, once per kind. */
export function detectSecretFormats(text: string): SecretMatch[] {
    const matches: SecretMatch[] = [];
    if (text.length < SHORTEST_FORMAT || !ANY_FORMAT_ANCHOR.test(text)) return matches;
    for (const { kind, description, pattern } of FORMATS) {
        for (const found of text.matchAll(pattern)) {
            if (DOCUMENTATION_KEYS.has(found[0])) continue;
            push(matches, { source: "format", kind, description });
            break;
        }
    }
    for (const found of text.matchAll(URL_WITH_PASSWORD)) {
        if (isPlaceholder(decodeUriComponentSafe(found[1]))) continue;
        push(matches, { source: "format", kind: "url-with-password", description: "a URL with an embedded password" });
        break;
    }
    return matches;
}

function decodeUriComponentSafe(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
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

/** Secret-looking names assigned literals in one line of text. */
function textAssignments(line: string): SecretMatch[] {
    const matches: SecretMatch[] = [];
    for (const pattern of [KEY_VALUE, FLAG_VALUE, NAME_VALUE_PAIR]) {
        for (const found of line.matchAll(pattern)) {
            const value = found[2] ?? found[3] ?? found[4] ?? "";
            // YAML block scalars (`password: |`) carry their value on the next lines; nothing to judge here.
            if (/^[|>][-+]?$/.test(value)) continue;
            // A value with a credential's shape is reported as that format, not again by its name.
            if (detectSecretFormats(value).length > 0 || detectSecretFormats(found[0]).length > 0) continue;
            const named = detectNamedSecret(found[1], value);
            if (named && named.kind !== "named-connection-string") push(matches, named);
        }
    }
    return matches;
}

/**
 * Every secret in a text (a user-data script, a config file in a ConfigMap, a connection string), by
 * line: credential formats anywhere, and secret-looking names assigned literals.
 */
export function scanText(text: string): TextMatch[] {
    const matches: TextMatch[] = [];
    text.split(/\r?\n/).forEach((line, index) => {
        const found: SecretMatch[] = [];
        for (const match of detectSecretFormats(line)) push(found, match);
        for (const match of textAssignments(line)) push(found, match);
        for (const match of found) matches.push({ ...match, line: index + 1 });
    });
    return matches;
}

/**
 * A key for a message: shown as is, unless the key itself has a credential's shape (a token used as a
 * map key), which is then replaced so that no part of it is printed.
 */
export function safeKey(key: string): string {
    return detectSecretFormats(key).length > 0 ? "<redacted key>" : key;
}

/** A step of a key path: a map key, a list index, or a `{name, value}` list entry by its name (`env[DB_PASSWORD]`). */
export type PathSegment = string | number | { readonly entry: string };

/** `a.b[0]["example.com/api-token"].env[DB_PASSWORD]`: a readable key path, never containing a secret. */
export function renderPath(path: readonly PathSegment[]): string {
    return path
        .map((segment, index) => {
            if (typeof segment === "number") return `[${segment}]`;
            if (typeof segment === "object") return `[${safeKey(segment.entry)}]`;
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
 * The text with every well-known credential format replaced by `mask`: the whole token, the password
 * part of a URL (`postgres://app:[secret]@db`), a PEM key with its body. For outputs, where nothing that
 * looks like a credential may be printed, whatever route it took to get there.
 */
export function redactSecretFormats(text: string, mask: string): string {
    if (text.length < SHORTEST_FORMAT || !ANY_FORMAT_ANCHOR.test(text)) return text;
    let result = text.replace(PEM_BLOCK, mask);
    for (const { pattern } of FORMATS) {
        result = result.replace(pattern, (found) => (DOCUMENTATION_KEYS.has(found) ? found : mask));
    }
    return result.replace(URL_WITH_PASSWORD, (found, password: string) => {
        if (isPlaceholder(decodeUriComponentSafe(password)) || password === mask) return found;
        const at = found.lastIndexOf(`:${password}@`);
        return `${found.slice(0, at + 1)}${mask}${found.slice(at + 1 + password.length)}`;
    });
}
