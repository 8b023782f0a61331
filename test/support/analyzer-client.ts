import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
    AnalyzeDiagnostic,
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzerInfo,
    AnalyzerPropertyDependencies,
    AnalyzerResource,
    AnalyzerResourceOptions,
    AnalyzeStackRequest,
    ConfigureAnalyzerRequest,
    EnforcementLevel,
    PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { PROJECT_DIR } from "./stacks";

export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policies");

/** A resource as the engine sends it to an analyzer: props on the wire (secret envelopes kept). */
export interface WireResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
    readonly parent?: string;
    /** Per property, the URNs its value came from (AnalyzeStack only). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** A diagnostic as the CLI would print it. */
export interface Diagnostic {
    readonly policy: string;
    readonly message: string;
    readonly enforcement: "advisory" | "mandatory" | "disabled" | "remediate";
    readonly urn: string;
}

const LEVELS: Record<EnforcementLevel, Diagnostic["enforcement"]> = {
    [EnforcementLevel.ADVISORY]: "advisory",
    [EnforcementLevel.MANDATORY]: "mandatory",
    [EnforcementLevel.DISABLED]: "disabled",
    [EnforcementLevel.REMEDIATE]: "remediate",
};

function toDiagnostic(diagnostic: AnalyzeDiagnostic): Diagnostic {
    return { policy: diagnostic.getPolicyname(), message: diagnostic.getMessage(), enforcement: LEVELS[diagnostic.getEnforcementlevel()], urn: diagnostic.getUrn() };
}

/** Props on the wire: no `undefined` (absent properties are not sent), secret envelopes kept. */
function toStruct(props: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** The CLI always sends resource options; the SDK refuses requests without them. */
function resourceOptions(resource: WireResource): AnalyzerResourceOptions {
    const options = new AnalyzerResourceOptions();
    options.setProtect(false);
    if (resource.parent) options.setParent(resource.parent);
    return options;
}

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void): (error: grpc.ServiceError | null, result: T) => void {
    return (error, result) => (error ? reject(error) : resolve(result));
}

function diagnosticsOf(response: AnalyzeResponse): Diagnostic[] {
    return response.getDiagnosticsList().map(toDiagnostic);
}

function unary<Req, Res>(call: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => call(request, (error, response) => (error ? reject(error) : resolve(response))));
}

/** What the Pulumi CLI starts for a Node.js pack: the launcher on the engine specs' PATH, which runs `node <run-policy-pack>`. */
const PACK_LAUNCHER = path.join(PROJECT_DIR, "scripts", "engine-bin", "pulumi-analyzer-policy-nodejs");

/**
 * Starts the policy pack exactly as the Pulumi CLI does — its launcher with `<engine> .` in the pack
 * folder, stack identity and config in the environment, the port read from the first stdout line —
 * and speaks the analyzer protocol to it.
 */
export class PolicyPackProcess {
    private constructor(private readonly child: ChildProcess, private readonly client: AnalyzerClient) {}

    static async start(options: { stack: string; project?: string; config?: Record<string, string>; preview?: boolean }): Promise<PolicyPackProcess> {
        const child = spawn(PACK_LAUNCHER, ["127.0.0.1:0", "."], {
            cwd: POLICY_PACK_DIR,
            env: {
                ...process.env,
                PULUMI_CONFIG: JSON.stringify(options.config ?? {}),
                PULUMI_NODEJS_PROJECT: options.project ?? "platform",
                PULUMI_NODEJS_STACK: options.stack,
                PULUMI_NODEJS_ORGANIZATION: "organization",
                PULUMI_NODEJS_DRY_RUN: String(options.preview ?? true),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            child.stdout?.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = stdout.split("\n")[0];
                if (stdout.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line.trim()));
            });
            child.once("exit", (code) => reject(new Error(`policy pack exited with ${code} before listening: ${stderr}`)));
        });
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PolicyPackProcess(child, client);
    }

    async info(): Promise<AnalyzerInfo> {
        return unary(this.client.getAnalyzerInfo.bind(this.client), new Empty());
    }

    /** Sends `--policy-pack-config`: per policy, an enforcement level and/or properties. */
    async configure(config: Record<string, { enforcementLevel?: Diagnostic["enforcement"]; properties?: Record<string, unknown> }>): Promise<void> {
        const request = new ConfigureAnalyzerRequest();
        const levels = Object.fromEntries(Object.entries(LEVELS).map(([level, name]) => [name, Number(level) as EnforcementLevel]));
        for (const [policy, entry] of Object.entries(config)) {
            const policyConfig = new PolicyConfig();
            policyConfig.setEnforcementlevel(levels[entry.enforcementLevel ?? "advisory"]);
            if (entry.properties) policyConfig.setProperties(Struct.fromJavaScript(entry.properties as Parameters<typeof Struct.fromJavaScript>[0]));
            request.getPolicyconfigMap().set(policy, policyConfig);
        }
        await unary(this.client.configure.bind(this.client), request);
    }

    async analyze(resource: WireResource): Promise<Diagnostic[]> {
        const request = new AnalyzeRequest();
        request.setType(resource.type);
        request.setName(resource.name);
        request.setUrn(resource.urn);
        request.setProperties(toStruct(resource.props));
        request.setOptions(resourceOptions(resource));
        return diagnosticsOf(await new Promise<AnalyzeResponse>((resolve, reject) => this.client.analyze(request, settle(resolve, reject))));
    }

    async analyzeStack(resources: readonly WireResource[]): Promise<Diagnostic[]> {
        const request = new AnalyzeStackRequest();
        request.setResourcesList(resources.map((resource) => {
            const wire = new AnalyzerResource();
            wire.setType(resource.type);
            wire.setName(resource.name);
            wire.setUrn(resource.urn);
            wire.setProperties(toStruct(resource.props));
            wire.setOptions(resourceOptions(resource));
            if (resource.parent) wire.setParent(resource.parent);
            for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
                const dependencies = new AnalyzerPropertyDependencies();
                dependencies.setUrnsList([...urns]);
                wire.getPropertydependenciesMap().set(property, dependencies);
            }
            return wire;
        }));
        return diagnosticsOf(await new Promise<AnalyzeResponse>((resolve, reject) => this.client.analyzeStack(request, settle(resolve, reject))));
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }
}
