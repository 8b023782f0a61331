/**
 * Readers for existing Pulumi state, for `audit`: the pack's rules over a state file, offline and without
 * cloud credentials. Three inputs, recognised by their shape:
 *
 * - `pulumi stack export` output, `{version: 3 | 4, deployment}` (pulumi/pulumi `apitype.UntypedDeployment`,
 *   `DeploymentV3`; version 4 is version 3 plus a `features` list);
 * - a checkpoint of a self-managed backend, `{version, checkpoint: {stack, latest: <deployment>}}`;
 * - `pulumi preview --json` output, the `PreviewDigest` of pulumi/pulumi `pkg/display`: `{config, steps: [{op,
 *   urn, provider, oldState?, newState?, diffReasons, ...}], diagnostics, changeSummary, duration}` where each
 *   state is an `apitype.ResourceV3` written by `stack.SerializeResource` after `MassageSecrets` (see
 *   `pkg/backend/display/json.go`).
 *
 * What a rule sees follows `pulumi policy analyze` (pulumi/pulumi `pkg/cmd/pulumi/policy/policy_analyze.go`
 * and `pkg/resource/deploy/analyze_snapshot.go`):
 *
 * - every resource of the snapshot except those marked `delete` (pending deletion) is analysed, the root
 *   `pulumi:pulumi:Stack` and the provider resources included;
 * - `Analyze` (resource rules) gets the resource's INPUTS, its name from the URN, its type and parent;
 * - `AnalyzeStack` (stack rules) gets each resource's OUTPUTS, with parent and property dependencies;
 * - secrets that cannot be decrypted offline are redacted to the string `[secret]` whatever their type. This
 *   reader never decrypts: every secret envelope (`ciphertext`, `plaintext` or `value`) becomes `[secret]` and
 *   its path is recorded, so nothing of its value or ciphertext reaches a rule, a report or an error message;
 * - the engine marshals properties for the analyzer with `SkipInternalKeys` (top-level `__defaults`, `__meta`
 *   and other `__` keys are not sent), `KeepUnknowns` (an unknown reaches the policy as the unknown sentinel,
 *   `04da6b54-80e4-46f7-96ec-b56ff0331ba9` for every type, which is also what state files and `preview --json`
 *   hold for computed values) and without `KeepResources` (a resource reference arrives as its ID, or its URN
 *   when it has none). Assets and archives are left as their state objects (signature, hash, text/path/uri);
 *   no rule inspects them.
 *
 * In `preview --json` the engine has already replaced every secret by the string `[secret]` (`MassageSecrets`),
 * so that string marks a secret path there. The digest lists only changing resources unless the preview ran
 * with `--show-sames`; the result says so in `notes`.
 */
import { type ResourceUnderTest } from "../../policies/lib/rule";
import { isRecord } from "../../policies/lib/values";
import { InputFileError } from "../input-error";
import { readText } from "./bytes";
import { parseJson } from "./json-errors";
import { describe, describeKeys, shorten } from "./describe";
import { PropertyRewriter } from "./properties";
import { EXPECTED, SIG_KEY } from "./wire";

export type StateFileKind = "stack-export-v3" | "stack-export-v4" | "checkpoint" | "preview";

/** A resource of the file, as the rules see it. */
export interface AuditResource extends ResourceUnderTest {
    /** False for component resources and the stack itself. */
    readonly custom: boolean;
    readonly id?: string;
    /** Provider reference `<provider urn>::<provider id>`. */
    readonly provider?: string;
    /** Outputs, treated like `props`: what stack rules see (`AnalyzeStack` gets outputs). */
    readonly outputs: Record<string, unknown>;
    /** For a preview, the step's operation (`create`, `update`, `same`, ...). */
    readonly op?: string;
}

export interface AuditInput {
    readonly kind: StateFileKind;
    /** Where the input came from, as given to the reader. */
    readonly source: string;
    readonly stack: string;
    readonly project: string;
    /** In file order; `props` are the inputs (what resource rules see), `outputs` what stack rules see. */
    readonly resources: AuditResource[];
    /** URN -> paths in `props` (the inputs) that held a secret, now `[secret]`. Resources without secrets are absent. */
    readonly secretPaths: Map<string, string[]>;
    /** URN -> paths in `outputs` that held a secret. */
    readonly outputSecretPaths: Map<string, string[]>;
    /** Unknown values in props or outputs: evaluate with `preview: true` so that rules meeting one report "can't run". */
    readonly unknownValues: number;
    /** Resources the file holds that are not audited (pending deletion, preview steps without state); the notes say why. */
    readonly skippedResources: number;
    /** Things worth telling the user (resources left out, a preview without unchanged resources, ...). */
    readonly notes: string[];
}

export interface ReadStateOptions {
    /** Stack name to report when the file has no resources to take it from. */
    readonly stack?: string;
}

/** The resources as stack rules see them: outputs as props (what `AnalyzeStack` receives). */
export function stackRuleView(resources: readonly AuditResource[]): ResourceUnderTest[] {
    return resources.map((resource) => ({ ...resource, props: resource.outputs }));
}

/** Whether rules must run with the unknown-checking proxy (`evaluate(..., {preview: true})`). */
export function needsPreviewSemantics(input: AuditInput): boolean {
    return input.kind === "preview" || input.unknownValues > 0;
}

const SUPPORTED_VERSIONS = "this tool reads 3 and 4";
const URN_PREFIX = "urn:pulumi:";
const STACK_TYPE = "pulumi:pulumi:Stack";
const DELETE_OPS: ReadonlySet<string> = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

/** Reads a state file, a checkpoint or a preview; any problem is an InputFileError of one line. */
export function readStateFile(file: string, options: ReadStateOptions = {}): AuditInput {
    return parseStateDocument(readText(file), file, options);
}

/** The same from text already read (tests, stdin). */
export function parseStateDocument(text: string, sourceName: string, options: ReadStateOptions = {}): AuditInput {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    return fromStateDocument(parseJson(body, sourceName), sourceName, options);
}

/** The same from a parsed JSON document. */
export function fromStateDocument(document: unknown, sourceName: string, options: ReadStateOptions = {}): AuditInput {
    try {
        return new DocumentReader(sourceName, options).read(document);
    } catch (error) {
        if (error instanceof InputFileError) throw error;
        // A bug here must still not print values: name the failure, keep the original as the cause.
        const wrapped = new InputFileError(sourceName, `could not be read: unexpected ${error instanceof Error ? error.name : "error"} in the state reader (please report this)`);
        (wrapped as Error & { cause?: unknown }).cause = error;
        throw wrapped;
    }
}

interface ParsedUrn {
    readonly stack: string;
    readonly project: string;
    readonly qualifiedType: string;
    readonly name: string;
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain `::`. */
function parseUrn(urn: string): ParsedUrn | undefined {
    if (!urn.startsWith(URN_PREFIX)) return undefined;
    const first = urn.indexOf("::", URN_PREFIX.length);
    const second = first === -1 ? -1 : urn.indexOf("::", first + 2);
    const third = second === -1 ? -1 : urn.indexOf("::", second + 2);
    if (third === -1) return undefined;
    return { stack: urn.slice(URN_PREFIX.length, first), project: urn.slice(first + 2, second), qualifiedType: urn.slice(second + 2, third), name: urn.slice(third + 2) };
}

class DocumentReader {
    private readonly resources: AuditResource[] = [];
    private readonly secretPaths = new Map<string, string[]>();
    private readonly outputSecretPaths = new Map<string, string[]>();
    private readonly notes: string[] = [];
    /** Resources of the file left out of the audit (pending deletion, steps without state). */
    private skipped = 0;
    private stackAndProject: { stack: string; project: string; urn: string } | undefined;
    /** Rewrites property values as the analyzer receives them, and counts the unknowns among them. */
    private readonly values = new PropertyRewriter((problem) => this.fail(problem));

    constructor(private readonly source: string, private readonly options: ReadStateOptions) {}

    private fail(problem: string): never {
        throw new InputFileError(this.source, problem);
    }

    read(document: unknown): AuditInput {
        if (Array.isArray(document)) this.fail(`${EXPECTED}; found a JSON array`);
        if (!isRecord(document)) this.fail(`${EXPECTED}; found ${document === null ? "null" : `a JSON ${typeof document}`}`);
        if ("deployment" in document) {
            const version = this.version(document.version, "deployment");
            this.deployment(document.deployment, "deployment");
            return this.result(version === 3 ? "stack-export-v3" : "stack-export-v4");
        }
        if ("checkpoint" in document) {
            this.version(document.version, "checkpoint");
            const checkpoint = document.checkpoint;
            if (!isRecord(checkpoint)) this.fail(`\`checkpoint\` is ${describe(checkpoint)}; expected an object with the stack's \`latest\` deployment`);
            if (checkpoint.latest === undefined || checkpoint.latest === null) this.notes.push("the checkpoint holds no deployment (the stack has never been updated)");
            else this.deployment(checkpoint.latest, "checkpoint.latest");
            const named = typeof checkpoint.stack === "string" && checkpoint.stack ? checkpoint.stack.slice(checkpoint.stack.lastIndexOf("/") + 1) : undefined;
            return this.result("checkpoint", named);
        }
        if ("steps" in document || "changeSummary" in document) {
            this.preview(document);
            return this.result("preview");
        }
        if ("resources" in document && "manifest" in document) {
            this.fail("holds a deployment without its envelope; expected the whole `pulumi stack export` output, `{\"version\": 3, \"deployment\": {...}}`");
        }
        this.fail(`${EXPECTED}; found ${describeKeys(document)}`);
    }

    private version(value: unknown, noun: "deployment" | "checkpoint"): 3 | 4 {
        if (value === undefined) this.fail(`has no \`version\`; expected a ${noun} version, 3 or 4`);
        if (typeof value !== "number" || !Number.isInteger(value)) {
            this.fail(`\`version\` is ${describe(value)}${typeof value === "number" ? ` (${value})` : ""}; expected a ${noun} version, 3 or 4`);
        }
        if (value === 3 || value === 4) return value;
        if (value === 1 || value === 2) this.fail(`${noun} version ${value} is older than this tool reads (3 and 4); export the stack again with a current Pulumi CLI`);
        this.fail(`unsupported ${noun} version ${value} (${SUPPORTED_VERSIONS})`);
    }

    private deployment(deployment: unknown, where: string): void {
        if (!isRecord(deployment)) this.fail(`\`${where}\` is ${describe(deployment)}; expected an object with \`manifest\` and \`resources\``);
        const resources = deployment.resources;
        if (resources !== undefined && resources !== null && !Array.isArray(resources)) this.fail(`\`${where}.resources\` is ${describe(resources)}; expected an array of resources`);
        let pendingDeletion = 0;
        const list = (resources ?? []) as unknown[];
        for (let index = 0; index < list.length; index++) {
            const state = list[index];
            const at = `${where}.resources[${index}]`;
            if (!isRecord(state)) this.fail(`\`${at}\` is ${describe(state)}; expected a resource object`);
            if (state.delete === true) {
                pendingDeletion++;
                continue;
            }
            this.resource(state, at);
        }
        this.skipped += pendingDeletion;
        if (pendingDeletion > 0) this.notes.push(`${pendingDeletion} resource${pendingDeletion === 1 ? " is" : "s are"} pending deletion and not audited, as \`pulumi policy analyze\` skips them`);
        const pending = deployment.pending_operations;
        if (Array.isArray(pending) && pending.length > 0) {
            this.notes.push(`${pending.length} operation${pending.length === 1 ? " was" : "s were"} still pending when the state was written (an interrupted update); those resources may be missing or stale`);
        }
    }

    private preview(document: Record<string, unknown>): void {
        this.values.redactedSecretsAreStrings = true;
        const steps = document.steps;
        if (steps !== undefined && steps !== null && !Array.isArray(steps)) this.fail(`\`steps\` is ${describe(steps)}; expected the array of steps of \`pulumi preview --json\``);
        const list = (steps ?? []) as unknown[];
        // A replacement is several steps for one URN (create-replacement, replace, delete-replaced): one
        // resource each, at its first step, with the last new state seen.
        const chosen = new Map<string, { state: Record<string, unknown>; op: string; at: string }>();
        let withoutState = 0;
        for (let index = 0; index < list.length; index++) {
            const step = list[index];
            const at = `steps[${index}]`;
            if (!isRecord(step)) this.fail(`\`${at}\` is ${describe(step)}; expected a step object`);
            if (typeof step.op !== "string") this.fail(`\`${at}\` has ${step.op === undefined ? "no `op`" : `an \`op\` that is ${describe(step.op)}`}; expected a step of \`pulumi preview --json\``);
            if (DELETE_OPS.has(step.op)) continue;
            const state = step.newState;
            if (state === undefined || state === null) {
                withoutState++;
                continue;
            }
            if (!isRecord(state)) this.fail(`\`${at}.newState\` is ${describe(state)}; expected a resource state`);
            const urn = state.urn ?? step.urn;
            if (typeof urn !== "string") this.fail(`\`${at}\` has ${urn === undefined ? "no `urn`" : `a \`urn\` that is ${describe(urn)}`}; every resource needs one`);
            chosen.set(urn, { state, op: step.op, at: `${at}.newState` });
        }
        let sames = 0;
        for (const [urn, { state, op, at }] of chosen) {
            const type = state.type ?? parseUrn(urn)?.qualifiedType.split("$").pop();
            const resource = this.resource({ ...state, urn, type }, at, op);
            if (op === "same" && resource.type !== STACK_TYPE) sames++;
        }
        if (sames === 0 && this.resources.some((resource) => resource.type !== STACK_TYPE)) {
            this.notes.push("the preview lists only resources that change; unchanged resources are not audited (run `pulumi preview --json --show-sames` to include them)");
        }
        this.skipped += withoutState;
        if (withoutState > 0) this.notes.push(`${withoutState} step${withoutState === 1 ? " has" : "s have"} no new state and ${withoutState === 1 ? "is" : "are"} not audited`);
        const diagnostics = document.diagnostics;
        if (Array.isArray(diagnostics) && diagnostics.some((diagnostic) => isRecord(diagnostic) && diagnostic.severity === "error")) {
            this.notes.push("the preview reported errors; resources it could not register are missing");
        }
    }

    private resource(state: Record<string, unknown>, at: string, op?: string): AuditResource {
        const urn = state.urn;
        if (typeof urn !== "string") this.fail(`\`${at}\` has ${urn === undefined ? "no `urn`" : `a \`urn\` that is ${describe(urn)}`}; every resource needs one`);
        const parsed = parseUrn(urn);
        if (!parsed) this.fail(`\`${at}.urn\` is not a Pulumi URN (expected urn:pulumi:<stack>::<project>::<type>::<name>)`);
        const type = state.type;
        if (typeof type !== "string" || type === "") this.fail(`\`${at}\` (${shorten(urn)}) has ${type === undefined ? "no `type`" : `a \`type\` that is ${type === "" ? "empty" : describe(type)}`}`);
        this.checkStack(parsed, urn);

        const parent = this.optionalString(state, "parent", at);
        const provider = this.optionalString(state, "provider", at);
        const id = this.optionalString(state, "id", at);
        const propertyDependencies = this.propertyDependencies(state.propertyDependencies, at);
        const inputs = this.properties(state.inputs, at, "inputs", urn, this.secretPaths);
        const outputs = this.properties(state.outputs, at, "outputs", urn, this.outputSecretPaths);
        // One shape for every resource (absent fields are undefined): cheaper to build and to read.
        const resource: AuditResource = { type, name: parsed.name, urn, props: inputs, outputs, custom: state.custom === true, parent, propertyDependencies, provider, id, op };
        this.resources.push(resource);
        return resource;
    }

    private checkStack(parsed: ParsedUrn, urn: string): void {
        if (!this.stackAndProject) {
            this.stackAndProject = { stack: parsed.stack, project: parsed.project, urn };
            return;
        }
        const { stack, project } = this.stackAndProject;
        if (parsed.stack !== stack || parsed.project !== project) {
            this.fail(`holds resources of more than one stack (${shorten(`${project}/${stack}`, 80)} and ${shorten(`${parsed.project}/${parsed.stack}`, 80)}); audit one stack at a time`);
        }
    }

    private optionalString(state: Record<string, unknown>, field: string, at: string): string | undefined {
        const value = state[field];
        if (value === undefined || value === null || value === "") return undefined;
        if (typeof value !== "string") this.fail(`\`${at}.${field}\` is ${describe(value)}; expected a string`);
        return value;
    }

    private propertyDependencies(value: unknown, at: string): Record<string, readonly string[]> | undefined {
        if (value === undefined || value === null) return undefined;
        if (!isRecord(value)) this.fail(`\`${at}.propertyDependencies\` is ${describe(value)}; expected an object of URN lists`);
        let normalized: Record<string, readonly string[]> | undefined;
        for (const key in value) {
            const urns = value[key];
            if (urns === null) {
                // Go writes an empty dependency list as null.
                normalized ??= { ...(value as Record<string, readonly string[]>) };
                normalized[key] = [];
                continue;
            }
            let valid = Array.isArray(urns);
            for (let index = 0; valid && index < (urns as unknown[]).length; index++) valid = typeof (urns as unknown[])[index] === "string";
            if (!valid) this.fail(`\`${at}.propertyDependencies\` has an entry that is not a list of URNs`);
        }
        return normalized ?? (value as Record<string, readonly string[]>);
    }

    /**
     * Props as the analyzer hands them to a policy: top-level `__` keys dropped, secrets replaced by
     * SECRET_MASK (paths recorded), resource references by their ID or URN, special floats and byte
     * strings decoded, unknowns kept. A fast pass finds the props that need none of this (most of them) and
     * returns them as they are, shared with the parsed document; the others get a copy-on-write pass that
     * copies only the containers on the way to a change. Both passes are iterative: depth costs no stack.
     */
    private properties(value: unknown, at: string, field: "inputs" | "outputs", urn: string, secretsByUrn: Map<string, string[]>): Record<string, unknown> {
        if (value === undefined || value === null) return {};
        if (!isRecord(value)) this.fail(`\`${at}.${field}\` is ${describe(value)}; expected an object of properties`);
        if (value[SIG_KEY] !== undefined) this.fail(`\`${at}.${field}\` is a special value (a signature at the top level); expected an object of properties`);
        let root = value;
        const keys = Object.keys(value);
        for (let index = 0; index < keys.length; index++) {
            if (keys[index].startsWith("__")) {
                root = {};
                for (const kept of keys) if (!kept.startsWith("__")) root[kept] = value[kept];
                break;
            }
        }
        if (!this.values.needsRewrite(root)) return root;
        return this.values.rewrite(root, root !== value, `${at}.${field}`, urn, secretsByUrn);
    }

    private result(kind: StateFileKind, stackFromFile?: string): AuditInput {
        return {
            kind,
            source: this.source,
            stack: this.stackAndProject?.stack ?? stackFromFile ?? this.options.stack ?? "unknown",
            project: this.stackAndProject?.project ?? "unknown",
            resources: this.resources,
            secretPaths: this.secretPaths,
            outputSecretPaths: this.outputSecretPaths,
            unknownValues: this.values.unknownValues,
            skippedResources: this.skipped,
            notes: this.notes,
        };
    }
}
