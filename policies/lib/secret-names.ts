/**
 * Names that mark a value as secret wherever it appears: config keys, environment variables, tags,
 * Helm values. Settings *about* secrets (secretStore.recoveryWindowDays, passwordFile, tokenUrl,
 * secretName, existingSecret) are not secrets, so only the last word of a name counts, and an
 * `apiKeys` parent.
 *
 * A name is split into words (camelCase, snake_case, kebab-case, dotted): `AWS_SECRET_ACCESS_KEY`,
 * `adminPassword` and `grafana.admin-password` are all judged by their last words.
 */

/** What a secret-looking name says its value is. */
export type SecretNameClass = "password" | "secret" | "token" | "api-key" | "private-key" | "credential" | "connection-string";

/** Last words that are secrets by themselves (also as the end of a compound word: `PGPASSWORD`, `mytoken`). */
const SUFFIXES: readonly (readonly [string, SecretNameClass])[] = [
    ["password", "password"],
    ["passwd", "password"],
    ["passphrase", "password"],
    ["secret", "secret"],
    ["token", "token"],
    ["apikey", "api-key"],
    ["privatekey", "private-key"],
    ["credential", "credential"],
    ["authkey", "secret"],
    ["dsn", "connection-string"],
    ["databaseurl", "connection-string"],
    ["connectionstring", "connection-string"],
];

/** Two- and three-word endings: `api key`, `secret access key`, `database url`. */
const ENDINGS: readonly (readonly [readonly string[], SecretNameClass])[] = [
    [["api", "key"], "api-key"],
    [["private", "key"], "private-key"],
    [["secret", "key"], "secret"],
    [["secret", "access", "key"], "secret"],
    [["auth", "key"], "secret"],
    [["signing", "key"], "secret"],
    [["encryption", "key"], "secret"],
    [["master", "key"], "secret"],
    // Azure storage and service keys: storageAccountKey, primaryAccessKey, sharedKey.
    [["account", "key"], "secret"],
    [["access", "key"], "secret"],
    [["shared", "key"], "secret"],
    // A kubeconfig user's key (`client-key-data`, base64 PEM) and a client TLS key (Cloud SQL's `clientKey`).
    [["client", "key", "data"], "private-key"],
    [["client", "key"], "private-key"],
    [["database", "url"], "connection-string"],
    [["database", "uri"], "connection-string"],
    [["connection", "string"], "connection-string"],
];

/** Words that make a name a reference to, or a setting of, a secret rather than the secret (Helm's `existingSecret`). */
const REFERENCE_WORDS = new Set(["existing"]);

/**
 * Tokens that are no credential: an idempotency key a caller chooses so that a retried request creates
 * nothing twice (EFS `creationToken`, `idempotencyToken`, `clientRequestToken`). Knowing one grants nothing.
 */
const IDEMPOTENCY_ENDINGS: readonly (readonly string[])[] = [
    ["creation", "token"],
    ["idempotency", "token"],
    ["request", "token"],
];

/** `AWS_SECRET_ACCESS_KEY` -> aws secret access key; `apiKey` -> api key; `x-api-key` -> x api key. */
/** Only the end of a name says what it is; a longer "name" is data, and is judged by its last characters. */
const NAME_TAIL = 128;

function nameWords(name: string): string[] {
    // Both patterns are linear: one character and a look-ahead, no quantified group to backtrack into.
    return name
        .slice(-NAME_TAIL)
        .replace(/([a-z0-9])(?=[A-Z])/g, "$1 ")
        .replace(/([A-Z])(?=[A-Z][a-z])/g, "$1 ")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((word) => word.length > 0);
}

/** Names repeat across resources (tags, env names, input names): each is classified once. Bounded. */
const classified = new Map<string, SecretNameClass | null>();
const MAX_CLASSIFIED = 50_000;

export function secretNameClass(name: string): SecretNameClass | undefined {
    const known = classified.get(name);
    if (known !== undefined) return known ?? undefined;
    const result = classifyName(name);
    if (classified.size >= MAX_CLASSIFIED) classified.clear();
    classified.set(name, result ?? null);
    return result;
}

function endsWith(words: readonly string[], ending: readonly string[]): boolean {
    return words.length >= ending.length && ending.every((word, index) => words[words.length - ending.length + index] === word);
}

function classifyName(name: string): SecretNameClass | undefined {
    const words = nameWords(name);
    if (words.length === 0 || words.some((word) => REFERENCE_WORDS.has(word))) return undefined;
    if (IDEMPOTENCY_ENDINGS.some((ending) => endsWith(words, ending))) return undefined;
    for (const [ending, secretClass] of ENDINGS) {
        if (endsWith(words, ending)) return secretClass;
    }
    const last = words[words.length - 1];
    // `pass` and `pwd` only as whole words (DB_PASS, DB_PWD), never `bypass` or the shell's PWD.
    if (last === "pass" || (last === "pwd" && words.length > 1)) return "password";
    return SUFFIXES.find(([suffix]) => last.endsWith(suffix))?.[1];
}

export function isSecretLookingName(name: string): boolean {
    return secretNameClass(name) !== undefined;
}

export function isSecretLookingPath(path: readonly PropertyKey[]): boolean {
    const leaf = path[path.length - 1];
    return (typeof leaf === "string" && isSecretLookingName(leaf)) || path.some((segment) => segment === "apiKeys");
}
