import * as fs from "fs";
import * as path from "path";
import type * as Ajv2020Module from "ajv/dist/2020";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { isMaskedValue, maskReportInputs } from "../engine/redaction";
import { SECRET_MASK } from "../policies/lib/values";
import { parseJson } from "../engine/state-files";
import type { ReportResource } from "../engine/resource-views";
import { Report, REPORT_SCHEMA_VERSION, ResourceChange, StackDiff } from "./report";

const SCHEMA_FILE = path.join(__dirname, "..", "docs", "report.schema.json");
/** Deeper inputs than any report of this tool holds (its readers refuse state nested deeper than 1,000). */
const MAX_INPUT_DEPTH = 1000;

function schemaProblem(document: unknown): string | undefined {
    // Loaded only when a report is read back (`--against`): a plan without it never needs a validator.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: Ajv2020 } = require("ajv/dist/2020") as typeof Ajv2020Module;
    const ajv = new Ajv2020({ allErrors: false, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object);
    if (validate(document)) return undefined;
    const [first] = validate.errors ?? [];
    // The path names report fields and array positions only: inputs are validated as a whole object.
    return first ? `${first.instancePath || "the document"} ${first.message ?? "is invalid"}` : "does not match the report schema";
}

/**
 * Reads a previous run's JSON report (`--output json=<file>`), e.g. from the base branch: validated against
 * docs/report.schema.json, and its inputs masked again as this version masks them (an older or hand-made
 * report may hold values that must not reach the diff).
 */
export function readReportFile(file: string): Report {
    const document = parseJson(readInputText(file, { maxBytes: SIZE_LIMITS.report, allowStdin: true }), file);
    const candidate = document as Partial<Report> | null;
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate) || !Array.isArray(candidate.stacks)) {
        throw new InputFileError(file, "expected a JSON report written by `plan --output json=<file>`");
    }
    if (candidate.schemaVersion !== REPORT_SCHEMA_VERSION) {
        const found = typeof candidate.schemaVersion === "number" ? `report schema version ${candidate.schemaVersion}` : "no report schema version";
        throw new InputFileError(file, `${found}; this tool reads version ${REPORT_SCHEMA_VERSION}`);
    }
    const problem = schemaProblem(document);
    if (problem !== undefined) throw new InputFileError(file, `is not a report of this tool: ${problem.slice(0, 200)}`);
    const report = document as Report;
    return {
        ...report,
        stacks: report.stacks.map((stack) => ({
            ...stack,
            resources: stack.resources.map((resource) => ({ ...resource, inputs: maskReportInputs(resource.inputs, resource.urn) })),
        })),
    };
}

/** Leaf paths of a value: `spec.template.spec.containers[0].image` -> its value. */
function flatten(value: unknown, prefix: string, into: Map<string, unknown>, depth = 0): Map<string, unknown> {
    if (depth > MAX_INPUT_DEPTH) {
        into.set(prefix, SECRET_MASK);
    } else if (Array.isArray(value)) {
        if (value.length === 0) into.set(prefix, []);
        value.forEach((item, index) => flatten(item, `${prefix}[${index}]`, into, depth + 1));
    } else if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value);
        if (entries.length === 0) into.set(prefix, {});
        for (const [key, child] of entries) flatten(child, prefix ? `${prefix}.${key}` : key, into, depth + 1);
    } else {
        into.set(prefix, value ?? null);
    }
    return into;
}

function sameLeaf(before: unknown, after: unknown): boolean {
    if (typeof before !== "object" || typeof after !== "object" || before === null || after === null) return before === after;
    // Only empty containers are leaves.
    return Array.isArray(before) === Array.isArray(after);
}

function changedInputs(before: ReportResource, after: ReportResource): NonNullable<ResourceChange["changedInputs"]> {
    const old = flatten(before.inputs, "", new Map());
    const now = flatten(after.inputs, "", new Map());
    const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
    return paths
        .filter((path) => !(old.has(path) && now.has(path) && sameLeaf(old.get(path), now.get(path))))
        .map((path) => {
            const secret = isMaskedValue(old.get(path)) || isMaskedValue(now.get(path));
            const shown = (side: Map<string, unknown>): unknown => (side.has(path) ? (secret ? SECRET_MASK : side.get(path)) : undefined);
            return { path, before: shown(old), after: shown(now), ...(secret ? { secret: true } : {}) };
        });
}

/**
 * Per stack, the resources added, removed and changed between two runs, and for a change the input
 * paths that differ. Inputs are masked in both reports; a masked value is compared by its fingerprint and
 * shown only as "[secret]": a change of a secret is visible, the secret is not.
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
