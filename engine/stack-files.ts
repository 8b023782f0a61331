import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { stackFileName } from "../config/load";
import { isRecord } from "../policies/lib/rule";
import { InputFileError } from "./input-error";

/** A stack's configuration as the engine would hand it to the program. */
export interface StackConfigValues {
    readonly project: string;
    readonly stack: string;
    /** `namespace:key` -> string; objects and lists JSON-encoded, exactly like PULUMI_CONFIG. */
    readonly values: Record<string, string>;
    /** Keys holding (or containing) a `secure:` value. */
    readonly secretKeys: string[];
}

export { InputFileError };

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new InputFileError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `cannot be read (${(error as Error).message})`);
    }
    try {
        return parseYaml(text) as unknown;
    } catch (error) {
        throw new InputFileError(file, `is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
    }
}

function isSecure(value: unknown): value is { secure: string } {
    return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/**
 * Without the stack's secrets provider a `secure:` value cannot be decrypted; it becomes a placeholder
 * that names where it came from, and its key is marked secret so that it is handled as one.
 */
export function securePlaceholder(key: string): string {
    return `<secure value of ${key}>`;
}

/** Replaces nested `secure:` values with placeholders; reports whether any were found. */
function resolveSecure(value: unknown, key: string): { value: unknown; secret: boolean } {
    if (isSecure(value)) return { value: securePlaceholder(key), secret: true };
    if (Array.isArray(value)) {
        const items = value.map((item, index) => resolveSecure(item, `${key}[${index}]`));
        return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
    }
    if (isRecord(value)) {
        const entries = Object.entries(value).map(([childKey, child]) => [childKey, resolveSecure(child, `${key}.${childKey}`)] as const);
        return { value: Object.fromEntries(entries.map(([childKey, child]) => [childKey, child.value])), secret: entries.some(([, child]) => child.secret) };
    }
    return { value, secret: false };
}

function encode(value: unknown): string {
    return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Reads `Pulumi.yaml` (project name, config defaults) from a project folder. */
export function readProject(projectDir: string): { name: string; defaults: Record<string, string> } {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = readYaml(file);
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

/** Reads `Pulumi.<stack>.yaml` and merges it over the project's config defaults. */
export function readStackConfig(projectDir: string, stack: string): StackConfigValues {
    const project = readProject(projectDir);
    const file = path.join(projectDir, stackFileName(stack));
    const document = readYaml(file);
    if (document !== null && !isRecord(document)) throw new InputFileError(file, "expected a mapping with a `config:` key");
    const config = document?.config ?? {};
    if (!isRecord(config)) throw new InputFileError(file, "expected `config:` to be a mapping of keys to values");

    const values: Record<string, string> = { ...project.defaults };
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(config)) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        const resolved = resolveSecure(raw, fullKey);
        values[fullKey] = encode(resolved.value);
        if (resolved.secret) secretKeys.push(fullKey);
    }
    return { project: project.name, stack, values, secretKeys };
}
