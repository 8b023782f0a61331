import { scrubBeforeEscaping } from "../../engine/redaction";
import { Report } from "../report";

/**
 * Object keys in sorted order, recursively; arrays keep their order, which is meaningful (stacks, findings).
 * Strings are scrubbed before JSON escapes them (see scrubBeforeEscaping).
 */
function sortedKeys(_key: string, value: unknown): unknown {
    if (typeof value === "string") return scrubBeforeEscaping(value);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
        Object.keys(record)
            .sort()
            .map((key) => [scrubBeforeEscaping(key), record[key]]),
    );
}

/**
 * The report as stable JSON: the same report always gives the same bytes (keys sorted, 2-space indent,
 * trailing newline), so that files diff cleanly and can be read back by `plan --against`. The document is
 * described by docs/report.schema.json. Inputs are already masked in the report; nothing is added here.
 */
export function formatJson(report: Report): string {
    return `${JSON.stringify(report, sortedKeys, 2)}\n`;
}
