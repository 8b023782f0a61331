import * as fs from "fs";
import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import { AuditInput, SECRET_SIG, SIG_KEY } from "../../engine/state-files";
import { referenceFile } from "./reference";

/** The real checkpoints from pulumi/pulumi testdata (test/reference/fixtures/pulumi). */
export const FIXTURES = ["checkpoint-v3", "checkpoint-v4", "checkpoint-secrets"] as const;

export function fixturePath(name: (typeof FIXTURES)[number]): string {
    return referenceFile("fixtures", "pulumi", `${name}.json`);
}

export function fixtureText(name: (typeof FIXTURES)[number]): string {
    return fs.readFileSync(fixturePath(name), "utf8");
}

/** A fresh parsed copy of a fixture. */
export function fixtureDocument(name: (typeof FIXTURES)[number]): Record<string, unknown> {
    return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** Every string held inside a secret envelope of `value` (ciphertexts, plaintexts, values), found iteratively. */
export function secretContents(value: unknown): string[] {
    const found: string[] = [];
    const pending: unknown[] = [value];
    while (pending.length > 0) {
        const next = pending.pop();
        if (typeof next !== "object" || next === null) continue;
        if (!Array.isArray(next) && (next as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
            collectStrings(next, found);
            continue;
        }
        for (const child of Object.values(next)) pending.push(child);
    }
    return found.filter((text) => text !== SECRET_SIG && text.length >= 8);
}

function collectStrings(value: unknown, into: string[]): void {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
        const next = pending.pop();
        if (typeof next === "string") into.push(next);
        else if (typeof next === "object" && next !== null) for (const child of Object.values(next)) pending.push(child);
    }
}

/** Windows of `size` characters of each secret (a message holding any of them leaks part of it). */
export function secretFragments(secrets: readonly string[], size = 12): string[] {
    const fragments = new Set<string>();
    for (const secret of secrets) {
        if (secret.length <= size) fragments.add(secret);
        else for (let start = 0; start + size <= secret.length; start += 3) fragments.add(secret.slice(start, start + size));
    }
    return [...fragments];
}

/** Three windows (start, middle, end) of each secret: a cheaper check for large inputs. */
export function secretMarkers(secrets: readonly string[], size = 16): string[] {
    const markers = new Set<string>();
    for (const secret of secrets) {
        if (secret.length <= size) markers.add(secret);
        else for (const start of [0, Math.floor((secret.length - size) / 2), secret.length - size]) markers.add(secret.slice(start, start + size));
    }
    return [...markers];
}

/** The fragments found in `text` (none expected). */
export function leaks(text: string, fragments: readonly string[]): string[] {
    return fragments.filter((fragment) => text.includes(fragment));
}

/** Everything a reader result holds, as text (Maps included), to look for leaks in. */
export function serialized(input: AuditInput): string {
    return JSON.stringify({ ...input, secretPaths: [...input.secretPaths], outputSecretPaths: [...input.outputSecretPaths] });
}

/** Fields real exports carry that the vendored schema (lagging the CLI) rejects: see test/reference/schemas/README.md. */
export const FIELDS_NEWER_THAN_SCHEMA = ["created", "modified", "sourcePosition", "refreshBeforeUpdate"] as const;

/**
 * A copy of a deployment as the vendored schema can judge it: fields newer than the schema dropped and Go's
 * null dependency lists (`"key": null`, a nil slice) written as the empty lists the schema expects.
 */
export function forSchema(deployment: Record<string, unknown>): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(deployment)) as Record<string, unknown>;
    for (const resource of (copy.resources ?? []) as Record<string, unknown>[]) {
        for (const field of FIELDS_NEWER_THAN_SCHEMA) delete resource[field];
        const dependencies = resource.propertyDependencies as Record<string, unknown> | undefined;
        for (const key of Object.keys(dependencies ?? {})) dependencies![key] ??= [];
    }
    return copy;
}

/** `#anchor` refs to a schema's root anchor become `#` (ajv resolves anchors only below the root). */
function rootAnchorsRewritten(schema: Record<string, unknown>): Record<string, unknown> {
    const anchor = schema.$anchor;
    if (typeof anchor !== "string") return schema;
    const { $anchor: _dropped, ...rest } = JSON.parse(JSON.stringify(schema).split(`"#${anchor}"`).join('"#"')) as Record<string, unknown>;
    return rest;
}

let validator: ValidateFunction | undefined;

/** Validation errors of `{version, deployment}` against pulumi's deployments/resources/property-values schemas. */
export function deploymentSchemaErrors(document: unknown): string[] {
    if (!validator) {
        const load = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(referenceFile("schemas", "pulumi", file), "utf8")) as Record<string, unknown>;
        const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
        ajv.addSchema(rootAnchorsRewritten(load("property-values.json")));
        ajv.addSchema(rootAnchorsRewritten(load("resources.json")));
        validator = ajv.compile(rootAnchorsRewritten(load("deployments.json")));
    }
    return validator(document) ? [] : (validator.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
}
