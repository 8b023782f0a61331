/**
 * Names that mark a value as secret wherever it appears: config keys, environment variables, tags.
 * Settings *about* secrets (secretStore.recoveryWindowDays) are not secrets, so only the leaf name
 * and an `apiKeys` parent count.
 */
const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credential|auth[-_]?key|dsn|database[-_]?url|connection[-_]?string)$/i;

export function isSecretLookingName(name: string): boolean {
    return SECRET_NAME.test(name);
}

export function isSecretLookingPath(path: readonly PropertyKey[]): boolean {
    const leaf = path[path.length - 1];
    return (typeof leaf === "string" && isSecretLookingName(leaf)) || path.some((segment) => segment === "apiKeys");
}
