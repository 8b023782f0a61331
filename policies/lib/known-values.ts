import { UnknownValueError } from "@pulumi/policy";
import { isRecord } from "./values";

/**
 * Readers for walks over every input of a resource. During preview a computed input is unknown and the
 * analyzer's proxy throws on reading it; such a value comes from another resource, so it is no literal
 * written in code, and a walk that judges literals skips it instead of giving up on the whole resource.
 */

function known(read: () => unknown): { value: unknown } | undefined {
    try {
        return { value: read() };
    } catch (error) {
        if (error instanceof UnknownValueError) return undefined;
        throw error;
    }
}

/** The known entries of a map (an unknown entry is left out); none for anything else. */
export function knownEntries(value: unknown): [string, unknown][] {
    if (!isRecord(value)) return [];
    const found: [string, unknown][] = [];
    for (const key of Object.keys(value)) {
        const entry = known(() => value[key]);
        if (entry) found.push([key, entry.value]);
    }
    return found;
}

/** The known elements of a list, with their indexes; none for anything else. */
export function knownElements(value: unknown): [number, unknown][] {
    if (!Array.isArray(value)) return [];
    const found: [number, unknown][] = [];
    for (let index = 0; index < value.length; index++) {
        const element = known(() => (value as unknown[])[index]);
        if (element) found.push([index, element.value]);
    }
    return found;
}
