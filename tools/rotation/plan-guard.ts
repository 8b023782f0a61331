import { InputFileError } from "../../engine/input-error";
import { parseJson } from "../../engine/state-files/json-errors";
import { describeFound } from "../../policies/lib/found-value";
import { safeKey } from "../../policies/lib/secret-detection";
import { isRecord } from "../../policies/lib/values";
import { SECRETS_CHECKSUM_ANNOTATION } from "../../components/app/secrets-checksum";
import { RANDOM_PASSWORD_TYPE } from "./stack-secrets";

/*
 * What a rotation may change, judged on the plan itself: the `pulumi preview --json` of the targeted update
 * (`--target <RandomPassword urn>... --target-dependents`) before `pulumi up` runs it. A rotation runs from the
 * default branch, which may hold changes not yet released to the stack (a new image, a changed Deployment):
 * `--target-dependents` would carry them along with the new secret. So every step of the plan must be part of
 * a rotation (the RandomPassword regenerated, the secret stores' new versions, the database's and the cache's
 * new password, the Kubernetes Secrets, the pod templates' checksum), or the rotation is refused and the
 * release has to go first.
 *
 * Only operations, URNs and property paths are read: never a value (the CLI writes `[secret]` for secrets
 * anyway), and nothing of a value reaches a message.
 */

const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced"];
const UPDATE_OPS = ["update"];
/** Steps that change nothing in the cloud. */
const HARMLESS_OPS = new Set(["same", "read", "refresh"]);

interface AllowedChange {
    readonly ops: readonly string[];
    /** Property paths a rotation changes: a diff at or under one of them (or the map holding the last segment) is allowed. */
    readonly paths: readonly (readonly string[])[];
    /** Whether the top-level diff reasons prove it (paths one segment deep); otherwise a detailed diff must. */
    readonly topLevel: boolean;
    /** What it is, for the report. */
    readonly what: string;
}

/** Per resource type, what a rotation may do to it. */
export const ROTATION_CHANGES: Readonly<Record<string, AllowedChange>> = {
    [RANDOM_PASSWORD_TYPE]: { ops: REPLACE_OPS, paths: [["keepers"]], topLevel: true, what: "a generated secret regenerated" },
    "aws:secretsmanager/secretVersion:SecretVersion": { ops: [...UPDATE_OPS, ...REPLACE_OPS], paths: [["secretString"]], topLevel: true, what: "a new Secrets Manager version" },
    "gcp:secretmanager/secretVersion:SecretVersion": { ops: [...UPDATE_OPS, ...REPLACE_OPS], paths: [["secretData"]], topLevel: true, what: "a new Secret Manager version" },
    "aws:rds/instance:Instance": { ops: UPDATE_OPS, paths: [["password"]], topLevel: true, what: "the RDS master password" },
    "gcp:sql/user:User": { ops: UPDATE_OPS, paths: [["password"]], topLevel: true, what: "the Cloud SQL user's password" },
    "aws:elasticache/replicationGroup:ReplicationGroup": { ops: UPDATE_OPS, paths: [["authToken"]], topLevel: true, what: "the ElastiCache AUTH token (ROTATE)" },
    "kubernetes:core/v1:Secret": { ops: UPDATE_OPS, paths: [["stringData"], ["data"]], topLevel: true, what: "a Kubernetes Secret's values" },
    "kubernetes:apps/v1:Deployment": { ops: UPDATE_OPS, paths: [["spec", "template", "metadata", "annotations", SECRETS_CHECKSUM_ANNOTATION]], topLevel: false, what: "a pod template's secrets checksum (the pods roll)" },
    "kubernetes:helm.sh/v3:Release": { ops: UPDATE_OPS, paths: [["values", "grafana", "podAnnotations", SECRETS_CHECKSUM_ANNOTATION]], topLevel: false, what: "Grafana's secrets checksum (Grafana restarts)" },
};

export interface PlanChange {
    readonly op: string;
    readonly urn: string;
    readonly type: string;
    /** The changed property paths, as the plan names them (keys with a credential's shape redacted). */
    readonly paths: readonly string[];
    /** Why a refused change is not a rotation; absent for an allowed one. */
    readonly refusal?: string;
    /** What an allowed change is. */
    readonly what?: string;
}

export interface PlanJudgement {
    readonly allowed: readonly PlanChange[];
    readonly refused: readonly PlanChange[];
    /** Targets (RandomPassword URNs) the plan does not regenerate. */
    readonly missing: readonly string[];
    readonly steps: number;
}

const MAX_STEPS = 100_000;
const MAX_PATHS = 10_000;

/** `a.b["c.d"][0]` -> [a, b, c.d, 0]; a path the CLI writes (resource.PropertyPath). Bounded; undefined when unreadable. */
export function propertyPathSegments(text: string): string[] | undefined {
    if (text.length === 0 || text.length > 4096) return undefined;
    const segments: string[] = [];
    let index = 0;
    let current = "";
    while (index < text.length) {
        const character = text[index];
        if (character === ".") {
            if (current !== "") segments.push(current);
            current = "";
            index += 1;
        } else if (character === "[") {
            if (current !== "") segments.push(current);
            current = "";
            const close = text.indexOf("]", index);
            if (close < 0) return undefined;
            let inner = text.slice(index + 1, close);
            if (inner.startsWith('"')) {
                // A quoted key may hold "]": find the closing quote first.
                const end = text.indexOf('"]', index + 2);
                if (end < 0) return undefined;
                inner = text.slice(index + 2, end).replace(/\\"/g, '"');
                index = end + 2;
            } else {
                index = close + 1;
            }
            segments.push(inner);
        } else {
            current += character;
            index += 1;
        }
    }
    if (current !== "") segments.push(current);
    return segments.length > 0 ? segments : undefined;
}

/** Whether a changed path is one a rotation makes: at or under an allowed path, or the map that holds its last key. */
function pathAllowed(segments: readonly string[], allowed: readonly (readonly string[])[]): boolean {
    return allowed.some((path) => {
        const prefixOf = (length: number): boolean => path.slice(0, length).every((segment, index) => segments[index] === segment);
        if (segments.length >= path.length) return prefixOf(path.length);
        // The map itself (annotations added where there were none): exactly one segment short.
        if (segments.length === path.length - 1) return prefixOf(segments.length);
        // A key with dots, written unquoted by a provider (`annotations.platform.io/x`): the rest joined.
        return false;
    }) || allowed.some((path) => {
        const head = path.length - 1;
        return segments.length > path.length && path.slice(0, head).every((segment, index) => segments[index] === segment) && segments.slice(head).join(".") === path[head];
    });
}

function typeOfUrn(urn: string): string | undefined {
    const parts = urn.split("::");
    if (parts.length < 4 || !urn.startsWith("urn:pulumi:")) return undefined;
    const qualified = parts[2];
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string").slice(0, MAX_PATHS) : [];
}

function shownPath(path: string): string {
    const segments = propertyPathSegments(path);
    return segments === undefined ? describeFound(path) : segments.map((segment) => safeKey(segment)).join(".");
}

/** Judges a `pulumi preview --json` document against what a rotation may change, and checks each target is regenerated. */
export function judgePlan(document: unknown, source: string, targets: readonly string[]): PlanJudgement {
    if (!isRecord(document)) throw new InputFileError(source, "expected `pulumi preview --json` output: a JSON object with `steps`");
    const steps = document.steps === undefined ? [] : document.steps;
    if (!Array.isArray(steps)) throw new InputFileError(source, `expected \`steps\` to be a list; found ${describeFound(steps)}`);
    if (steps.length > MAX_STEPS) throw new InputFileError(source, `more than ${MAX_STEPS} steps`);
    const allowed: PlanChange[] = [];
    const refused: PlanChange[] = [];
    const regenerated = new Set<string>();
    steps.forEach((step: unknown, index: number) => {
        if (!isRecord(step) || typeof step.op !== "string" || typeof step.urn !== "string") throw new InputFileError(source, `step ${index + 1}: expected {"op": ..., "urn": ...}`);
        const { op, urn } = step;
        if (HARMLESS_OPS.has(op)) return;
        const type = typeOfUrn(urn);
        if (type === undefined) throw new InputFileError(source, `step ${index + 1}: the URN is not a Pulumi URN`);
        const detailed = isRecord(step.detailedDiff) ? Object.keys(step.detailedDiff).slice(0, MAX_PATHS) : [];
        const reasons = [...new Set([...stringList(step.diffReasons), ...stringList(step.replaceReasons)])];
        const paths = detailed.length > 0 ? detailed : reasons;
        const change = { op, urn, type, paths: paths.map(shownPath) };
        const state = isRecord(step.newState) ? step.newState : isRecord(step.oldState) ? step.oldState : {};
        if (type === "pulumi:pulumi:Stack" || (state.custom === false && !type.startsWith("pulumi:providers:"))) {
            // The stack's outputs and a component's recorded inputs: nothing in the cloud changes.
            if (op === "update") allowed.push({ ...change, what: type === "pulumi:pulumi:Stack" ? "the stack's outputs" : "a component's recorded inputs" });
            else refused.push({ ...change, refusal: `a component is ${op === "delete" ? "deleted" : op === "create" ? "created" : `${op}d`}: not a rotation` });
            return;
        }
        const rule = Object.hasOwn(ROTATION_CHANGES, type) ? ROTATION_CHANGES[type] : undefined;
        if (rule === undefined) {
            refused.push({ ...change, refusal: `${op} of a ${type}: not part of a rotation` });
            return;
        }
        if (!rule.ops.includes(op)) {
            refused.push({ ...change, refusal: `${op} of a ${type}: a rotation does not ${op.replace(/-/g, " ")} it` });
            return;
        }
        if (type === RANDOM_PASSWORD_TYPE && op !== "delete-replaced") regenerated.add(urn);
        if (detailed.length === 0 && !rule.topLevel && reasons.length > 0) {
            refused.push({ ...change, refusal: "the plan gives no detailed diff to prove that only the secrets checksum changed" });
            return;
        }
        const outside = paths.filter((path) => {
            const segments = propertyPathSegments(path);
            return segments === undefined || !pathAllowed(segments, rule.paths);
        });
        if (outside.length > 0) {
            refused.push({ ...change, refusal: `changes ${outside.slice(0, 3).map(shownPath).join(", ")}${outside.length > 3 ? ` (and ${outside.length - 3} more)` : ""}: not part of a rotation` });
            return;
        }
        allowed.push({ ...change, what: rule.what });
    });
    return { allowed, refused, missing: targets.filter((urn) => !regenerated.has(urn)), steps: steps.length };
}

/** Reads a preview's JSON text and judges it (an unreadable file is an InputFileError: exit 2). */
export function judgePlanText(text: string, source: string, targets: readonly string[]): PlanJudgement {
    return judgePlan(parseJson(text, source), source, targets);
}
