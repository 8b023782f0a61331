import * as fs from "fs";
import { InputFileError } from "../engine/input-error";
import { Report, REPORT_SCHEMA_VERSION, ReportResource, ResourceChange, StackDiff } from "./report";

/** Reads a previous run's JSON report (`--output json=<file>`), e.g. from the base branch. */
export function readReportFile(file: string): Report {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new InputFileError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "cannot be read");
    }
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch (error) {
        throw new InputFileError(file, `is not valid JSON (${(error as Error).message.split("\n")[0]})`);
    }
    const candidate = document as Partial<Report> | null;
    if (typeof candidate !== "object" || candidate === null || !Array.isArray(candidate.stacks)) {
        throw new InputFileError(file, "expected a JSON report written by `plan --output json=<file>`");
    }
    if (candidate.schemaVersion !== REPORT_SCHEMA_VERSION) {
        throw new InputFileError(file, `report schema version ${String(candidate.schemaVersion)}; this tool reads version ${REPORT_SCHEMA_VERSION}`);
    }
    return candidate as Report;
}

/** Leaf paths of a value: `spec.template.spec.containers[0].image` -> its value. */
function flatten(value: unknown, prefix: string, into: Map<string, string>): Map<string, string> {
    if (Array.isArray(value)) {
        if (value.length === 0) into.set(prefix, "[]");
        value.forEach((item, index) => flatten(item, `${prefix}[${index}]`, into));
    } else if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value);
        if (entries.length === 0) into.set(prefix, "{}");
        for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, into);
    } else {
        into.set(prefix, JSON.stringify(value ?? null));
    }
    return into;
}

function changedInputs(before: ReportResource, after: ReportResource): NonNullable<ResourceChange["changedInputs"]> {
    const old = flatten(before.inputs, "", new Map());
    const now = flatten(after.inputs, "", new Map());
    const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
    return paths
        .filter((path) => old.get(path) !== now.get(path))
        .map((path) => ({
            path,
            before: old.has(path) ? (JSON.parse(old.get(path) as string) as unknown) : undefined,
            after: now.has(path) ? (JSON.parse(now.get(path) as string) as unknown) : undefined,
        }));
}

/**
 * Per stack, the resources added, removed and changed between two runs, and for a change the input
 * paths that differ. Inputs are masked in both reports, so a secret shows as "[secret]" on both sides:
 * secret values are never compared or shown.
 */
export function diffReports(previous: Report, current: Pick<Report, "stacks">): StackDiff[] {
    const stacks = [...new Set([...current.stacks.map((stack) => stack.stack), ...previous.stacks.map((stack) => stack.stack)])];
    return stacks.map((stack) => {
        const before = new Map((previous.stacks.find((entry) => entry.stack === stack)?.resources ?? []).map((resource) => [resource.urn, resource]));
        const after = new Map((current.stacks.find((entry) => entry.stack === stack)?.resources ?? []).map((resource) => [resource.urn, resource]));
        const summary = (resource: ReportResource): ResourceChange => ({ urn: resource.urn, type: resource.type });
        return {
            stack,
            added: [...after.values()].filter((resource) => !before.has(resource.urn)).map(summary),
            removed: [...before.values()].filter((resource) => !after.has(resource.urn)).map(summary),
            changed: [...after.values()]
                .filter((resource) => before.has(resource.urn))
                .map((resource) => ({ ...summary(resource), changedInputs: changedInputs(before.get(resource.urn) as ReportResource, resource) }))
                .filter((change) => change.changedInputs.length > 0),
        };
    });
}
