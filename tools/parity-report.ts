import { reportedAsPolicyResource } from "../engine/resource-views";
import { Fingerprint, fingerprint, isParityAllowed } from "../policies/lib/parity";
import { readBaseline } from "../policies/rules/environment-parity";
import { ParityRow, StackReport } from "./report";

/**
 * The side-by-side table of what the parity rule compares: one row per fingerprint path, one column per
 * stack, plus prod's committed baseline when prod itself is not in the run. A row whose values differ is
 * "allowed" when the allowlist covers the path, else "not allowed".
 */
export function parityRows(stacks: readonly StackReport[]): ParityRow[] {
    const columns = new Map<string, Fingerprint>();
    // A local stack (Docker on a laptop) mirrors nothing; parity never compares it.
    for (const stack of stacks.filter((entry) => entry.error === undefined && entry.tier !== "local")) {
        columns.set(stack.stack, fingerprint(stack.resources.map(reportedAsPolicyResource)));
    }
    if (!columns.has("prod")) columns.set("prod (baseline)", readBaseline().fingerprint);
    const paths = [...new Set([...columns.values()].flatMap((column) => Object.keys(column)))];
    return paths.map((path) => {
        const values = Object.fromEntries([...columns.entries()].map(([stack, column]) => [stack, column[path] ?? null]));
        const distinct = new Set(Object.values(values).map((value) => JSON.stringify(value)));
        return { path, values, status: distinct.size <= 1 ? "same" : isParityAllowed(path) ? "allowed" : "not allowed" };
    });
}
