// What messages about a state file say of its values: kinds, plain keys and paths, never the values themselves.

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** What a value is, never what it holds. */
export function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    switch (typeof value) {
        case "string":
            return "a string";
        case "number":
            return "a number";
        case "boolean":
            return "a boolean";
        case "object":
            return "an object";
        default:
            return typeof value;
    }
}

/** Keys shown in a message: only plain identifiers, a few, short. */
export function describeKeys(record: Record<string, unknown>): string {
    const keys = Object.keys(record);
    if (keys.length === 0) return "an empty object";
    const shown = keys.filter((key) => key.length <= 40 && IDENTIFIER.test(key)).slice(0, 6);
    const rest = keys.length - shown.length;
    const list = shown.map((key) => `\`${key}\``).join(", ");
    return `an object with keys ${list}${rest > 0 ? `${shown.length ? " and " : ""}${rest} other${rest === 1 ? "" : "s"}` : ""}`;
}

/** One line, at most `max` characters. */
export function shorten(text: string, max = 160): string {
    const oneLine = text.replace(/[\r\n\t]+/g, " ");
    return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** A property path as a message shows it: `a.b[0]["odd key"]`. */
export function formatPath(segments: readonly (string | number)[]): string {
    let path = "";
    for (const segment of segments) {
        if (typeof segment === "number") path += `[${segment}]`;
        else if (IDENTIFIER.test(segment) && segment !== "__proto__") path += path ? `.${segment}` : segment;
        else path += `[${JSON.stringify(segment)}]`;
    }
    return path;
}
