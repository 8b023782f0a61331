import * as path from "path";
import { stackFileName } from "../config/load";
import { isRecord } from "../policies/lib/values";
import { describeFound } from "../policies/lib/found-value";
import { detectSecret, safeKey } from "../policies/lib/secret-detection";
import { InputFileError } from "./input-error";
import { readInputText, SIZE_LIMITS } from "./input-files";
import { passphraseDecrypter, passphraseFromEnvironment } from "./passphrase";
import { rememberSecret, rememberWholeSecret } from "./redaction";
import { parseYamlText } from "./yaml-text";

/** A stack's configuration as the engine would hand it to the program. */
export interface StackConfigValues {
    readonly project: string;
    readonly stack: string;
    /** `namespace:key` -> string; objects and lists JSON-encoded, exactly like PULUMI_CONFIG. */
    readonly values: Record<string, string>;
    /** Keys holding (or containing) a `secure:` value. */
    readonly secretKeys: string[];
    /** The YAML parser's warnings about the project and stack files, one line each, without source text. */
    readonly warnings: readonly string[];
}

export { InputFileError };

function readYaml(file: string, warnings: string[]): unknown {
    const parsed = parseYamlText(readInputText(file, { maxBytes: SIZE_LIMITS.stackFile }), file);
    warnings.push(...parsed.warnings);
    return parsed.value;
}

function isSecure(value: unknown): value is { secure: unknown } {
    return isRecord(value) && Object.keys(value).length === 1 && Object.hasOwn(value, "secure");
}

/** Base64 (standard or URL-safe) and the `v1:<nonce>:<ciphertext>` form of the passphrase provider. */
const CIPHERTEXT = /^[A-Za-z0-9+/=_:-]+$/;

/**
 * Without the stack's secrets provider a `secure:` value cannot be decrypted; it becomes a placeholder
 * that names where it came from, and its key is marked secret so that it is handled as one.
 */
export function securePlaceholder(key: string): string {
    return `<secure value of ${key}>`;
}

/** A YAML value as an error names it: its kind and shape, never the value (it may be a misplaced credential). */
function describeYamlValue(value: unknown): string {
    if (value === null) return "null (an empty YAML value)";
    if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN (.nan)" : `${value > 0 ? "" : "minus "}infinity (.inf, or a number too large)`;
    return describeFound(value);
}

/**
 * Replaces nested `secure:` values with placeholders and reports whether any were found. Values the engine
 * would mangle (null at the top, NaN, infinities) and `secure:` values that cannot be ciphertexts are refused,
 * naming the key and the kind of value, never the value.
 */
/** Decrypts one `secure:` ciphertext found at a config key; absent when the stack's secrets cannot be decrypted offline. */
type Decrypt = (ciphertext: string, key: string) => string;

function resolveSecure(value: unknown, key: string, file: string, decrypt: Decrypt | undefined, name = key): { value: unknown; secret: boolean } {
    const refuse = (expected: string, found: string): never => {
        throw new InputFileError(file, `${key}: expected ${expected}; found ${found}`);
    };
    if (isSecure(value)) {
        const ciphertext = value.secure;
        if (typeof ciphertext !== "string" || !CIPHERTEXT.test(ciphertext)) {
            return refuse("the ciphertext `pulumi config set --secret` writes (base64)", typeof ciphertext === "string" && ciphertext.length > 0 ? "text that is not a ciphertext" : describeYamlValue(ciphertext));
        }
        rememberSecret(ciphertext);
        if (decrypt === undefined) return { value: securePlaceholder(key), secret: true };
        const plaintext = decrypt(ciphertext, key);
        rememberWholeSecret(plaintext);
        return { value: plaintext, secret: true };
    }
    if (typeof value === "number" && !Number.isFinite(value)) refuse("a finite number", describeYamlValue(value));
    // A plaintext credential is a finding of the plan; remembering it keeps it out of every output.
    if (typeof value === "string" && detectSecret(name, value).length > 0) rememberSecret(value);
    if (Array.isArray(value)) {
        const items = value.map((item, index) => resolveSecure(item, `${key}[${index}]`, file, decrypt, name));
        return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
    }
    if (isRecord(value)) {
        const entries = Object.entries(value).map(([childKey, child]) => [childKey, resolveSecure(child, `${key}.${safeKey(childKey)}`, file, decrypt, childKey)] as const);
        const resolved: Record<string, unknown> = {};
        for (const [childKey, child] of entries) Object.defineProperty(resolved, childKey, { value: child.value, enumerable: true, writable: true, configurable: true });
        return { value: resolved, secret: entries.some(([, child]) => child.secret) };
    }
    return { value, secret: false };
}

function encode(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Reads `Pulumi.yaml` (project name, config defaults) from a project folder. */
export function readProject(projectDir: string, warnings: string[] = []): { name: string; defaults: Record<string, string> } {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = readYaml(file, warnings);
    if (!isRecord(project) || typeof project.name !== "string") throw new InputFileError(file, "expected a Pulumi project with a name");
    const defaults: Record<string, string> = {};
    if (isRecord(project.config)) {
        for (const [key, declaration] of Object.entries(project.config)) {
            const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
            const value = isRecord(declaration) ? declaration.default ?? declaration.value : declaration;
            if (value !== undefined) defaults[fullKey] = encode(value);
        }
    }
    return { name: project.name, defaults };
}

/**
 * Reads `Pulumi.<stack>.yaml` and merges it over the project's config defaults. `secure:` values are decrypted
 * when the stack uses the passphrase provider and the passphrase is given (PULUMI_CONFIG_PASSPHRASE or
 * PULUMI_CONFIG_PASSPHRASE_FILE, as the CLI reads them); otherwise they become placeholders. Either way their
 * keys are secret, and every decrypted value is kept out of every output.
 */
export function readStackConfig(projectDir: string, stack: string, passphrase: string | undefined = passphraseFromEnvironment()): StackConfigValues {
    const warnings: string[] = [];
    const project = readProject(projectDir, warnings);
    const file = path.join(projectDir, stackFileName(stack));
    const document = readYaml(file, warnings);
    if (document !== null && !isRecord(document)) throw new InputFileError(file, "expected a mapping with a `config:` key");
    const config = document?.config ?? {};
    const salt = document?.encryptionsalt;
    const decrypt = passphrase !== undefined && typeof salt === "string" ? passphraseDecrypter(file, salt, passphrase) : undefined;
    if (!isRecord(config)) throw new InputFileError(file, "expected `config:` to be a mapping of keys to values");

    const values: Record<string, string> = { ...project.defaults };
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(config)) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        if (raw === null) throw new InputFileError(file, `${safeKey(fullKey)}: expected a value; found ${describeYamlValue(raw)}`);
        const resolved = resolveSecure(raw, safeKey(fullKey), file, decrypt);
        values[fullKey] = encode(resolved.value);
        if (resolved.secret) secretKeys.push(fullKey);
    }
    return { project: project.name, stack, values, secretKeys, warnings };
}
