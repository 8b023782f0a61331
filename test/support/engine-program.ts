import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { LocalWorkspace, OutputMap, PreviewResult, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { RenderedResource, RenderedStack, renderStack } from "../../engine/render";
import { unwrapSecrets } from "../../engine/secrets";
import { readStateFile } from "../../engine/state-files";
import { ALL_RULES } from "../../policies/rules";
import { auditInput } from "../../tools/audit";
import { analyze, assertSameVerdicts, engineAttribution, exemptionsListingLevel, offlineVerdicts } from "./engine-verdicts";
import { cliOrSkip, engineEnv, PulumiCli, runPulumi } from "./pulumi-cli";
import { PROJECT_DIR, renderedStack } from "./stacks";

/**
 * The program through the real engine: the pinned CLI runs `index.ts` as an Automation API inline program
 * (the SDK serves the language host in-process and passes the CLI `--client`), with stand-in provider
 * plugins that answer the provider protocol from engine/mocks.ts (scripts/engine-bin/providers), a local
 * file backend in a temp dir and a passphrase. Checked per stack: preview with the policy pack,
 * `up`, the resources against the offline render, `audit` of the export against `policy analyze --file`,
 * the stack outputs, and a second preview that finds nothing to change.
 */

const POLICY_PACK = path.join(PROJECT_DIR, "policies");
/** A secret the real CLI encrypts into dev's stack file (`pulumi config set --secret`); it must never appear in plaintext. */
const CLI_SECRET = "CanaryEngineJwtSecret0123456789ab";
const CLI_SECRET_KEY = "platform:jwtSecret";

/** What the offline render gives for the stack as the engine runs it: dev with its CLI-encrypted secret. */
function expectedRender(stack: string): Promise<RenderedStack> {
    if (stack !== "dev") return renderedStack(stack);
    return renderStack({ projectDir: PROJECT_DIR, stack, configOverrides: { [CLI_SECRET_KEY]: CLI_SECRET }, extraSecretKeys: [CLI_SECRET_KEY] });
}

interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
    readonly provider?: string;
    readonly dependencies?: readonly string[];
}

/** A provider reference `<provider urn>::<id>` without the id (ids differ between the engine and the mocks). */
function providerUrn(reference: string | undefined): string | undefined {
    return reference ? reference.slice(0, reference.lastIndexOf("::")) : undefined;
}

/** The engine creates a default provider per package for resources without an explicit one; the offline render has none. */
function isDefaultProvider(urn: string | undefined): boolean {
    return urn !== undefined && /::pulumi:providers:[a-z0-9-]+::default(_[0-9_]+)?$/.test(urn);
}

function shape(resource: StateResource | RenderedResource): string {
    const provider = providerUrn(resource.provider);
    return JSON.stringify({
        urn: resource.urn,
        type: resource.type,
        parent: resource.parent || undefined,
        provider: isDefaultProvider(provider) ? undefined : provider,
        dependencies: [...(resource.dependencies ?? [])].sort(),
    });
}

/** An inline program that runs `<projectDir>/index.ts` afresh for each operation (its modules forgotten first). */
export function inlineProgram(projectDir: string): () => Promise<Record<string, unknown>> {
    return async () => {
        for (const key of Object.keys(require.cache)) {
            if (key.startsWith(projectDir + path.sep) && !key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
        }
        return (await import(path.join(projectDir, "index.ts"))) as Record<string, unknown>;
    };
}

/**
 * What the Automation API gives the CLI for a stack of `projectDir` on the stand-in providers, a local file
 * backend and a passphrase: the engine specs' and the rehearsal's workspace.
 */
export function standInWorkspaceEnv(cli: PulumiCli, options: { projectDir: string; stack: string; backendDir: string; passphrase: string }): Record<string, string> {
    const stackFile = parseYaml(fs.readFileSync(path.join(options.projectDir, `Pulumi.${options.stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const base = engineEnv(cli);
    return {
        PATH: [path.join(options.projectDir, "scripts", "engine-bin", "providers"), base.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: base.PULUMI_HOME ?? "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_BACKEND_URL: `file://${options.backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: options.passphrase,
        // The state is written once, when `up` ends, rather than after every step: what is checked is the
        // final state, and a checkpoint per resource was half of each `up`.
        PULUMI_SKIP_CHECKPOINTS: "true",
        STANDIN_STACK: options.stack,
        STANDIN_REGION: String(stackFile.config["aws:region"] ?? stackFile.config["gcp:region"]),
        STANDIN_GCP_PROJECT: String(stackFile.config["gcp:project"] ?? ""),
    };
}

/** The Automation API's handle on the pinned CLI, which checks the CLI's version once per process rather than per stack. */
const commands = new Map<string, Promise<PulumiCommand>>();
export function pulumiCommandOf(cli: PulumiCli): Promise<PulumiCommand> {
    let command = commands.get(cli.path);
    if (!command) {
        command = PulumiCommand.get({ root: path.dirname(path.dirname(cli.path)) });
        commands.set(cli.path, command);
    }
    return command;
}

/** The checks above for one stack, as a suite of its own file: mocha spreads the stacks over its workers. */
export function describeThroughEngine(STACK: string): void {
    describe(`the program through the real Pulumi engine (stand-in providers): ${STACK}`, function () {
        this.timeout(900_000);
        let cli: PulumiCli;
        let scratch: string;
        let stack: Stack;
        let firstPreview: PreviewResult;
        let outputs: OutputMap;
        let exported: { deployment: { resources: StateResource[] } };
        let exportFile: string;
        let workDir: string;
        let rendered: RenderedStack;
        let cliEnv: NodeJS.ProcessEnv;

        before(async function () {
            cli = cliOrSkip(this);
            scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-engine-program-"));
            workDir = path.join(scratch, "project");
            const backend = path.join(scratch, "backend");
            fs.mkdirSync(workDir);
            fs.mkdirSync(backend);
            // Copies: creating the stack writes its passphrase salt into the stack file.
            for (const file of ["Pulumi.yaml", `Pulumi.${STACK}.yaml`]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(workDir, file));
            const envVars = standInWorkspaceEnv(cli, { projectDir: PROJECT_DIR, stack: STACK, backendDir: backend, passphrase: "engine-spec-passphrase" });
            cliEnv = engineEnv(cli, { PULUMI_BACKEND_URL: envVars.PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE: envVars.PULUMI_CONFIG_PASSPHRASE });
            const pulumiCommand = await pulumiCommandOf(cli);
            stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, projectName: "platform", program: inlineProgram(PROJECT_DIR) }, { workDir, pulumiCommand, envVars });
            if (STACK === "dev") await stack.setConfig(CLI_SECRET_KEY, { value: CLI_SECRET, secret: true });
            rendered = await expectedRender(STACK);
            firstPreview = await stack.preview({ policyPacks: [POLICY_PACK] });
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            outputs = up.outputs;
            exported = (await stack.exportStack()) as { deployment: { resources: StateResource[] } };
            exportFile = path.join(scratch, `${STACK}-export.json`);
            fs.writeFileSync(exportFile, JSON.stringify(exported));
        });

        after(function () {
            if (scratch && !process.env.KEEP_ENGINE_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
        });

        it("preview with the policy pack plans every resource of the offline render", function () {
            assert.deepEqual(firstPreview.changeSummary, { create: rendered.resources.length });
        });

        it("after up, the state holds the render's resources: URN, type, parent, provider, dependencies", function () {
            const resources = exported.deployment.resources.filter((resource) => !isDefaultProvider(resource.urn));
            assert.deepEqual(resources.map(shape).sort(), rendered.resources.map(shape).sort());
        });

        it("the stack outputs equal the program's exports as the offline render computes them", function () {
            const fromEngine = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
            assert.deepEqual(fromEngine, unwrapSecrets(rendered.outputs));
        });

        it("`audit` of the exported state agrees with `pulumi policy analyze --file` of it", function () {
            const engine = analyze(cli, exportFile);
            const report = auditInput(readStateFile(exportFile), { rules: ALL_RULES, tier: "prod", now: new Date() });
            assertSameVerdicts(engine.verdicts, offlineVerdicts(report, engineAttribution(exportFile), exemptionsListingLevel(undefined)));
            // Dev's state has advisory findings to agree on; staging and prod pass the pack even at prod's enforcement.
            // A file names no stack, so a local state is judged as prod: its development defaults are plaintext secrets there.
            if (STACK === "dev" || STACK === "gcp-dev" || STACK === "local") assert.ok(engine.verdicts.length > 0, `${STACK}'s state has verdicts`);
            else assert.equal(engine.code, 0, `${STACK}'s state passes the pack:\n${engine.stderr}`);
        });

        if (STACK === "dev") {
            it("a secret the CLI encrypted reaches neither the stack file, the export, policy analyze nor audit in plaintext", function () {
                const stackFile = fs.readFileSync(path.join(workDir, "Pulumi.dev.yaml"), "utf8");
                assert.match(stackFile, /jwtSecret:\s+secure: v1:/, "the CLI wrote a ciphertext");
                // What `pulumi stack export` writes without --show-secrets (the Automation API's export shows them).
                const plainExport = path.join(scratch, "dev-export-default.json");
                const exported = runPulumi(cli, ["stack", "export", "--stack", "dev", "--file", plainExport], { cwd: workDir, env: cliEnv });
                assert.equal(exported.status, 0, exported.stderr);
                const texts: Record<string, string> = { "stack file": stackFile, export: fs.readFileSync(plainExport, "utf8"), "policy analyze": analyze(cli, plainExport).stdout };
                assert.match(texts.export, /"ciphertext"/, "the export holds the secrets as ciphertext");
                // Audited as written by default, and as the Automation API exports it (plaintext envelopes, --show-secrets).
                for (const [label, file] of [["export", plainExport], ["show-secrets export", exportFile]]) {
                    const reports = path.join(scratch, `reports-${label.replace(/\W+/g, "-")}`);
                    const audited = spawnSync(process.execPath, [path.join(PROJECT_DIR, "tools", "bin.js"), "audit", file, "--format", "json", ...["human", "sarif", "junit", "markdown"].map((format) => `--output=${format}=${path.join(reports, format)}`)], { encoding: "utf8", timeout: 120_000 });
                    assert.ok(audited.status === 0 || audited.status === 1, audited.stderr);
                    Object.assign(texts, { [`audit of ${label}: stdout`]: audited.stdout, [`audit of ${label}: stderr`]: audited.stderr });
                    for (const report of fs.readdirSync(reports)) texts[`audit of ${label}: ${report}`] = fs.readFileSync(path.join(reports, report), "utf8");
                }
                assert.deepEqual(Object.keys(texts).filter((where) => texts[where].includes(CLI_SECRET.slice(6, 24))), []);
            });
        }

        it("a second preview after up finds nothing to change (no perpetual diff)", async function () {
            const preview = await stack.preview();
            assert.deepEqual(preview.changeSummary, { same: rendered.resources.length });
        });
    });
}
