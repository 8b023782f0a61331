import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as debuggableModule from "@pulumi/pulumi/runtime/debuggable";
import type { RegisterResourceOutputsRequest, RegisterResourceRequest, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { platformMocks } from "./mocks";
import { readStackConfig } from "./stack-files";

/** The YAML warnings of the stack file whose render failed with this error. */
export function stackFileWarningsOf(error: unknown): readonly string[] {
    const warnings = (error as { stackFileWarnings?: unknown } | undefined)?.stackFileWarnings;
    return Array.isArray(warnings) ? warnings.filter((warning): warning is string => typeof warning === "string") : [];
}

/** One resource as the engine would have registered it. */
export interface RenderedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** False for ComponentResources and the stack itself. */
    readonly custom: boolean;
    readonly parent?: string;
    /** Provider reference (`<provider urn>::<id>`) when one was given explicitly or inherited. */
    readonly provider?: string;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly protect: boolean;
    /** Inputs with secrets still wrapped in the engine's secret envelope. */
    readonly inputs: Record<string, unknown>;
    /** Outputs the provider would report (inputs plus computed values), secrets wrapped. */
    readonly outputs: Record<string, unknown>;
}

export interface RenderedStack {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly RenderedResource[];
    /** Stack outputs, secrets wrapped. */
    readonly outputs: Record<string, unknown>;
    /** What the YAML parser warned about in the project and stack files (one line each, no source text). */
    readonly warnings: readonly string[];
    readonly durationMs: number;
}

export interface RenderOptions {
    /** Folder holding Pulumi.yaml and the stack files. */
    readonly projectDir: string;
    readonly stack: string;
    /** Render as `pulumi preview` (true) or `pulumi up` (false) would run the program. */
    readonly preview?: boolean;
    /** Replace the stack file's values (for tests of variants); keys are full `namespace:key`s. */
    readonly configOverrides?: Readonly<Record<string, string>>;
    /** Extra keys to treat as secret, with configOverrides. */
    readonly extraSecretKeys?: readonly string[];
}

/** The callback shape of the monitor's RPCs. */
type Callback<T> = (error: Error | null, response?: T) => void;
interface CapturingMonitor {
    registerResource(request: RegisterResourceRequest, callback: Callback<RegisterResourceResponse>): Promise<void>;
    registerResourceOutputs(request: RegisterResourceOutputsRequest, callback: Callback<unknown>): void;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the real program for one stack in-process under the runtime's mocks, from its real
 * `Pulumi.<stack>.yaml`, and returns every resource it registers. The Pulumi runtime is global,
 * so renders are serialised.
 */
export function renderStack(options: RenderOptions): Promise<RenderedStack> {
    const run = queue.then(() => renderNow(options));
    queue = run.catch(() => undefined);
    return run;
}

async function renderNow(options: RenderOptions): Promise<RenderedStack> {
    const started = process.hrtime.bigint();
    const projectDir = path.resolve(options.projectDir);
    const stackConfig = readStackConfig(projectDir, options.stack);
    const values = { ...stackConfig.values, ...options.configOverrides };
    const region = values["aws:region"] ?? values["gcp:region"] ?? "us-east-1";

    await pulumi.runtime.setMocks(platformMocks(options.stack, region, values["gcp:project"]), stackConfig.project, options.stack, options.preview ?? true);
    pulumi.runtime.setAllConfig(values, [...stackConfig.secretKeys, ...(options.extraSecretKeys ?? [])]);

    const resources: RenderedResource[] = [];
    let stackOutputs: Record<string, unknown> = {};
    const monitor = pulumi.runtime.getMonitor() as unknown as CapturingMonitor;
    const registerResource = monitor.registerResource.bind(monitor);
    const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResource = (request, callback) =>
        registerResource(request, (error, response) => {
            if (!error && response) resources.push(capture(request, response));
            callback(error, response);
        });
    monitor.registerResourceOutputs = (request, callback) => {
        if (request.getUrn().endsWith(`::${STACK_TYPE}::${stackConfig.project}-${options.stack}`)) {
            const outputs = request.getOutputs();
            stackOutputs = outputs ? (pulumi.runtime.deserializeProperties(outputs) as Record<string, unknown>) : {};
        }
        registerResourceOutputs(request, callback);
    };

    // Node caches modules under their real paths: the program's folder is where index.ts really lives.
    const programEntry = require.resolve(path.join(projectDir, "index"));
    forgetProgramModules(path.dirname(fs.realpathSync(programEntry)));
    const restoreTraces = withoutStackTraces();
    try {
        await pulumi.runtime.runInPulumiStack(async () => (await import(programEntry)) as Record<string, unknown>);
    } catch (error) {
        // The stack file's YAML warnings matter most when the render fails: they travel with the error.
        if (error instanceof Error) Object.assign(error, { stackFileWarnings: stackConfig.warnings });
        throw error;
    } finally {
        // Children waiting on other resources' outputs register after the stack outputs are known.
        await pulumi.runtime.disconnect();
        restoreTraces();
    }

    for (const resource of resources) {
        if (resource.type === STACK_TYPE) Object.assign(resource.outputs, stackOutputs);
    }
    return {
        project: stackConfig.project,
        stack: options.stack,
        resources: withEngineUrns(resources),
        outputs: stackOutputs,
        warnings: stackConfig.warnings,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
    };
}

function capture(request: RegisterResourceRequest, response: RegisterResourceResponse): RenderedResource {
    const propertyDependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((dependencies, property) => {
        propertyDependencies[property] = dependencies.getUrnsList();
    });
    const object = request.getObject();
    const inputs = object ? (pulumi.runtime.deserializeProperties(object) as Record<string, unknown>) : {};
    const state = response.getObject();
    return {
        urn: response.getUrn(),
        type: request.getType(),
        name: request.getName(),
        custom: request.getCustom(),
        parent: request.getParent() || undefined,
        provider: request.getProvider() || undefined,
        dependencies: request.getDependenciesList(),
        propertyDependencies,
        protect: request.getProtect() ?? false,
        inputs,
        outputs: state ? (pulumi.runtime.deserializeProperties(state) as Record<string, unknown>) : {},
    };
}

/**
 * The mock monitor qualifies a URN's type with the immediate parent's type only; the engine uses the
 * whole chain of ancestors below the stack (`platform:index:Platform$platform:data:Postgres$aws:...`).
 * Rewrite every URN and reference so that renders line up with real state exports.
 */
function withEngineUrns(resources: readonly RenderedResource[]): RenderedResource[] {
    const engineUrn = new Map<string, string>();
    const qualifiedType = new Map<string, string>();
    for (const resource of resources) {
        const [prefix, , , name] = resource.urn.split("::");
        const stackUrn = resource.type === STACK_TYPE;
        const parentType = resource.parent ? qualifiedType.get(engineUrn.get(resource.parent) ?? "") : undefined;
        const type = stackUrn || parentType === undefined || parentType === STACK_TYPE ? resource.type : `${parentType}$${resource.type}`;
        const urn = `${prefix}::${resource.urn.split("::")[1]}::${type}::${name}`;
        engineUrn.set(resource.urn, urn);
        qualifiedType.set(urn, type);
    }
    const rename = (urn: string): string => engineUrn.get(urn) ?? urn;
    const renameProvider = (reference: string): string => {
        const separator = reference.lastIndexOf("::");
        return `${rename(reference.slice(0, separator))}${reference.slice(separator)}`;
    };
    return resources.map((resource) => ({
        ...resource,
        urn: rename(resource.urn),
        parent: resource.parent && rename(resource.parent),
        provider: resource.provider && renameProvider(resource.provider),
        dependencies: resource.dependencies.map(rename),
        propertyDependencies: Object.fromEntries(Object.entries(resource.propertyDependencies).map(([key, urns]) => [key, urns.map(rename)])),
    }));
}

/**
 * The program's own modules: its entry and the folders it is made of. Everything else (the engine, the
 * tools, the pack, the tests) stays loaded, so classes keep their identity across renders. `config/load`
 * is shared too: the tools import its ConfigError and file names, and it holds no state of a stack (the
 * config is read through the runtime when the program calls it).
 */
const PROGRAM_FILES = ["index.ts"];
const PROGRAM_FOLDERS = ["components", "config"];
const SHARED_WITH_TOOLS = [path.join("config", "load.ts")];

/** Node caches modules: drop the program's own so the next render runs it afresh. */
function forgetProgramModules(programDir: string): void {
    const reloaded = (relative: string): boolean =>
        !SHARED_WITH_TOOLS.includes(relative) && (PROGRAM_FILES.includes(relative) || PROGRAM_FOLDERS.some((folder) => relative.startsWith(folder + path.sep)));
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(programDir + path.sep) && reloaded(id.slice(programDir.length + 1))) delete require.cache[id];
    }
}

/** The SDK's modules call `debuggablePromise` through its exports object (typed `@internal`, so not in the .d.ts). */
const debuggable = debuggableModule as unknown as { debuggablePromise: <T>(promise: Promise<T>, context: string) => Promise<T> };

/**
 * The SDK records a stack trace for every promise it makes and chains two more promises to it
 * (`debuggablePromise`, for its report of promises left pending at exit), and a stack trace for every resource
 * (`Resource.callsites`, for the source position the engine shows). It has no switch for either, and offline
 * nothing reads them: for the render, V8 keeps no frames (`Error.stackTraceLimit`), promises are left as
 * they are (a tenth of a render's time and memory) and registrations carry no source position. The program's
 * resources are the same either way (with fewer promises in between, a sibling may register first).
 * `PLATFORM_DEBUG` keeps all three, so that a failing render's trace still says where. Under `pulumi up`
 * none of this runs.
 */
function withoutStackTraces(): () => void {
    if (process.env.PLATFORM_DEBUG) return () => undefined;
    const stackTraceLimit = Error.stackTraceLimit;
    const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = Object.getOwnPropertyDescriptor(resourceClass, "callsites");
    Error.stackTraceLimit = 0;
    resourceClass.callsites = () => [];
    const debuggablePromise = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (promise) => promise;
    return () => {
        debuggable.debuggablePromise = debuggablePromise;
        Error.stackTraceLimit = stackTraceLimit;
        if (callsites) Object.defineProperty(resourceClass, "callsites", callsites);
    };
}
