import { detectSecretFormats } from "./secret-detection";
import { isRecord } from "./values";

/**
 * What an error message says it found: the type and shape of a value, never the value itself, which could
 * be a credential put in the wrong place. Where a keyword belongs (a tier, an enum, a CIDR, an instance
 * type) a value with a keyword's shape is shown: `found "prdo"` is what makes a typo obvious. That shape is
 * short, without a long unbroken run of letters and digits, and matches no credential format.
 */

/** `advisroy`, `perZone`, `m5.large`, `10.0.0.0/33`, `us-east-1`. */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$/;
/** A dozen letters or digits without a separator: could be a random token, so not shown. */
const LONG_RUN = /[A-Za-z0-9]{12}/;

function isKeywordShaped(value: string): boolean {
    return KEYWORD.test(value) && !LONG_RUN.test(value) && detectSecretFormats(value).length === 0;
}

export function describeFound(value: unknown, options: { readonly keyword?: boolean } = {}): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    switch (typeof value) {
        case "string":
            if (value.length === 0) return "an empty string";
            if (options.keyword && isKeywordShaped(value)) return JSON.stringify(value);
            return `text of ${value.length} character${value.length === 1 ? "" : "s"}${/^\s|\s$/.test(value) ? " with surrounding spaces" : ""}`;
        case "number":
            return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "NaN" : "an infinite number";
        case "boolean":
            return String(value);
        case "bigint":
            return "a big integer";
        default:
            break;
    }
    if (Array.isArray(value)) return `a list of ${value.length} entr${value.length === 1 ? "y" : "ies"}`;
    if (isRecord(value)) {
        const count = Object.keys(value).length;
        return count === 0 ? "an empty map" : `a map of ${count} key${count === 1 ? "" : "s"}`;
    }
    return `a ${typeof value}`;
}
