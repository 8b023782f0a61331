import { reportedAsPolicyResource } from "../engine/resource-views";
import { cloudOf, Fingerprint, fingerprint, isParityAllowed, ParityCloud } from "../policies/lib/parity";
import { PARITY_BASELINE_FILES, readBaseline } from "../policies/rules/environment-parity";
import { ParityRow, StackReport } from "./report";

/** The column of a cloud's committed prod baseline, when that cloud's prod is not in the run. */
const BASELINE_COLUMNS: Readonly<Record<ParityCloud, string>> = { aws: "prod (baseline)", gcp: "gcp prod (baseline)" };

/**
 * The side-by-side table of what the parity rule compares: one row per fingerprint path, one column per
 * stack, plus each cloud's committed prod baseline when its prod is not in the run. Stacks are compared
 * with their own cloud's only: a row whose values differ within a cloud is "allowed" when the allowlist
 * covers the path, else "not allowed".
 */
export function parityRows(stacks: readonly StackReport[]): ParityRow[] {
    const byCloud = new Map<ParityCloud, Map<string, Fingerprint>>();
    // A local stack (Docker on a laptop) mirrors nothing; parity never compares it.
    for (const stack of stacks.filter((entry) => entry.error === undefined && entry.tier !== "local")) {
        const resources = stack.resources.map(reportedAsPolicyResource);
        const cloud = cloudOf(resources);
        const columns = byCloud.get(cloud) ?? new Map<string, Fingerprint>();
        columns.set(stack.stack, fingerprint(resources));
        byCloud.set(cloud, columns);
    }
    if (byCloud.size === 0) byCloud.set("aws", new Map());
    for (const [cloud, columns] of byCloud) {
        const prodInRun = stacks.some((stack) => stack.error === undefined && stack.tier === "prod" && columns.has(stack.stack));
        if (!prodInRun) columns.set(BASELINE_COLUMNS[cloud], readBaseline(PARITY_BASELINE_FILES[cloud]).fingerprint);
    }
    const groups = [...byCloud.values()];
    const allColumns = groups.flatMap((columns) => [...columns.entries()]);
    const paths = [...new Set(allColumns.flatMap(([, column]) => Object.keys(column)))];
    return paths.map((path) => {
        const values = Object.fromEntries(allColumns.map(([stack, column]) => [stack, column[path] ?? null]));
        // A path only one cloud's fingerprint has does not make the other cloud's stacks differ.
        const differs = groups.some((columns) => {
            const group = [...columns.values()];
            return group.some((column) => path in column) && new Set(group.map((column) => JSON.stringify(column[path] ?? null))).size > 1;
        });
        return { path, values, status: !differs ? "same" : isParityAllowed(path) ? "allowed" : "not allowed" };
    });
}
