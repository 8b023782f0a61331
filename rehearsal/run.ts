import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { formatLedger, parseLedger } from "../policies/lib/release-ledger";
import { inlineProgram, pulumiCommandOf, standInWorkspaceEnv } from "../test/support/engine-program";
import { analyze, assertSameVerdicts, engineAttribution, exemptionsListingLevel, offlineVerdicts } from "../test/support/engine-verdicts";
import { engineEnv, findPulumiCli, PulumiCli, runPulumi } from "../test/support/pulumi-cli";
import { RunningPrometheus, startPrometheus, writeDeployedRules } from "../test/support/prometheus";
import { StackReport } from "../tools/report";
import { DockerHost, freePort, RunningContainer, startDockerHost } from "./docker-host";

/*
 * The release flow on real parts, on one machine: a real Docker daemon and registry, a real Prometheus per
 * environment, the pinned Pulumi CLI with the policy pack, and the project's own commands (build, push,
 * record, promote, predeploy, smoke, audit), run in a scratch copy of this checkout, as a user runs them.
 * The cloud providers are the engine specs' stand-ins; a container on loopback stands in for each stack's
 * Deployment, running the digest the stack's state says it runs. One line per step; the last line is
 * `rehearsal: N steps passed, M failed`.
 */

const REPO = path.join(__dirname, "..");
const STACKS = ["dev", "staging", "prod"] as const;
type StackName = (typeof STACKS)[number];
const SERVICE = "api";
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const PASSPHRASE = "rehearsal-passphrase";
const INCIDENT = "INC-REHEARSAL-1";
const BUDGET_WINDOW = "1h";

interface StepResult {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
    readonly ms: number;
}

class StepFailed extends Error {}

function fail(message: string): never {
    throw new StepFailed(message);
}

function expect(condition: boolean, message: string): asserts condition {
    if (!condition) fail(message);
}

interface ToolRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** A line of a tool's output, for a step's line: the last non-empty one, bounded. */
function lastLine(text: string): string {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    return (lines[lines.length - 1] ?? "").slice(0, 300);
}

class Rehearsal {
    readonly scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-rehearsal-"));
    readonly project = path.join(this.scratch, "project");
    readonly results: StepResult[] = [];
    host?: DockerHost;
    cli?: PulumiCli;
    pulumiCommand?: PulumiCommand;
    readonly stacks = new Map<StackName, Stack>();
    readonly prometheus = new Map<StackName, RunningPrometheus>();
    readonly ports = new Map<StackName, number>();
    readonly containers = new Map<StackName, RunningContainer>();
    /** Each stack's serviceImages after every up, oldest first: its update history. */
    readonly history = new Map<StackName, string[]>();
    readonly shas: string[] = [];
    /** Steady users of each stack's service, as production traffic would be: what a deploy's budget is read from. */
    readonly users = new Map<StackName, NodeJS.Timeout>();
    readonly digests: string[] = [];

    constructor(private readonly log: (line: string) => void) {}

    async step(name: string, run: () => Promise<string>): Promise<boolean> {
        const started = Date.now();
        if (this.results.some((result) => !result.ok)) {
            this.results.push({ name, ok: false, detail: "not run: an earlier step failed", ms: 0 });
            this.log(`✖ ${name}: not run (an earlier step failed)`);
            return false;
        }
        try {
            const detail = await run();
            const ms = Date.now() - started;
            this.results.push({ name, ok: true, detail, ms });
            this.log(`✔ ${name}: ${detail} (${(ms / 1000).toFixed(1)} s)`);
            return true;
        } catch (error) {
            const ms = Date.now() - started;
            if (process.env.PLATFORM_DEBUG) this.log(String(error instanceof Error ? error.stack : error));
            // The CLI's own "error:" line says more than the Automation API's wrapper around it.
            const lines = error instanceof Error ? error.message.split("\n").map((line) => line.trim()).filter(Boolean) : [String(error)];
            const detail = (lines.find((line) => line.startsWith("error:")) ?? lines[0] ?? "failed").slice(0, 500);
            this.results.push({ name, ok: false, detail, ms });
            this.log(`✖ ${name}: ${detail} (${(ms / 1000).toFixed(1)} s)`);
            return false;
        }
    }

    /** `node tools/bin.js <args>` of the scratch copy, as a user runs it. */
    tool(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolRun> {
        return new Promise((resolve) => {
            execFile(process.execPath, [path.join(this.project, "tools", "bin.js"), ...args], {
                cwd: this.project,
                env: { ...process.env, NO_COLOR: "1", GITHUB_ACTOR: "rehearsal", ...env },
                timeout: 300_000,
                maxBuffer: 64 * 1024 * 1024,
                encoding: "utf8",
            }, (error, stdout, stderr) => {
                const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
                resolve({ status, stdout, stderr });
            });
        });
    }

    async toolOk(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolRun> {
        const run = await this.tool(args, env);
        if (run.status !== 0) fail(`${args[0]} exited ${run.status}: ${lastLine(run.stderr) || lastLine(run.stdout)}`);
        return run;
    }

    git(args: readonly string[]): string {
        return execFileSync("git", ["-c", "user.name=Rehearsal", "-c", "user.email=rehearsal@example.com", ...args], { cwd: this.project, encoding: "utf8" }).trim();
    }

    /** This checkout's files (committed, and new ones not ignored) in a scratch folder with its own git history. */
    copyProject(): void {
        const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
        for (const file of listed) {
            const from = path.join(REPO, file);
            if (!fs.existsSync(from) || !fs.statSync(from).isFile()) continue;
            const to = path.join(this.project, file);
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(from, to);
            fs.chmodSync(to, fs.statSync(from).mode);
        }
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.project, "node_modules"));
        if (fs.existsSync(path.join(REPO, "policies", "node_modules"))) fs.symlinkSync(path.join(REPO, "policies", "node_modules"), path.join(this.project, "policies", "node_modules"));
        // The first release of api through the flow: the ledger keeps what it adopted for worker only.
        const ledgerFile = path.join(this.project, "releases", "ledger.json");
        const ledger = parseLedger(fs.readFileSync(ledgerFile, "utf8"));
        fs.writeFileSync(ledgerFile, formatLedger({ ...ledger, entries: ledger.entries.filter((entry) => entry.service !== SERVICE) }));
        this.git(["init", "-q", "-b", "main"]);
        this.git(["add", "-A"]);
        this.git(["commit", "-q", "-m", "v1"]);
        this.shas.push(this.git(["rev-parse", "HEAD"]));
    }

    /** A second commit that changes the service, as the next release. */
    commitV2(): void {
        fs.appendFileSync(path.join(this.project, "services", SERVICE, "server.js"), "// v2: the next release of the sample service\n");
        this.git(["commit", "-q", "-am", "v2"]);
        this.shas.push(this.git(["rev-parse", "HEAD"]));
    }

    /** `build` at the current commit (BUILD_*), `publish` to every stack's repository (digest from the registry, ledger entry). */
    async buildAndPublish(version: number): Promise<string> {
        const host = this.host as DockerHost;
        const sha = this.shas[version - 1];
        const env = { ...(await host.buildEnv()), GITHUB_SHA: sha };
        const built = JSON.parse((await this.toolOk(["build", "--service", SERVICE, "--actor", "rehearsal", "--base-image", await host.baseImage(), "--format", "json"], env)).stdout) as { image: string };
        const published = JSON.parse((await this.toolOk(["publish", "--service", SERVICE, "--image", built.image, "--sha", sha, "--registry", host.registry, "--format", "json"], env)).stdout) as Record<string, string>;
        const digest = published[SERVICE];
        expect(typeof digest === "string" && (await host.registryDigest(`platform/prod/${SERVICE}:${sha}`)) === digest, `the registry does not hold platform/prod/${SERVICE}:${sha} as ${digest}`);
        this.digests.push(digest);
        return digest;
    }

    async stackOf(name: StackName): Promise<Stack> {
        const existing = this.stacks.get(name);
        if (existing) return existing;
        const envVars = standInWorkspaceEnv(this.cli as PulumiCli, { projectDir: this.project, stack: name, backendDir: path.join(this.scratch, "backend"), passphrase: PASSPHRASE });
        const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, projectName: "platform", program: inlineProgram(this.project) }, { workDir: this.project, pulumiCommand: this.pulumiCommand, envVars });
        this.stacks.set(name, stack);
        return stack;
    }

    /** `pulumi up` with the policy pack; returns what the stack now runs (its serviceImages output). */
    async up(name: StackName, sha: string): Promise<Record<string, string>> {
        process.env.GITHUB_SHA = sha;
        const stack = await this.stackOf(name);
        const result = await stack.up({ policyPacks: [path.join(this.project, "policies")] });
        expect(result.summary.result === "succeeded", `pulumi up ${name}: ${result.summary.result}`);
        const images = result.outputs.serviceImages?.value as Record<string, string> | undefined;
        expect(images !== undefined && typeof images[SERVICE] === "string", `${name} has no serviceImages.${SERVICE} output`);
        const file = path.join(this.scratch, `${name}-images-${(this.history.get(name) ?? []).length + 1}.json`);
        fs.writeFileSync(file, JSON.stringify(images));
        this.history.set(name, [...(this.history.get(name) ?? []), file]);
        return images;
    }

    /** The stand-in for the stack's Deployment: the digest its state runs, pulled from the registry, on the stack's port. */
    async runAsDeployed(name: StackName, image: string): Promise<string> {
        const host = this.host as DockerHost;
        const digest = image.slice(image.indexOf("@") + 1);
        await this.containers.get(name)?.stop();
        const container = await host.run({ name: `${SERVICE}-${name}`, image: `${host.registry}/platform/${name}/${SERVICE}@${digest}`, port: this.ports.get(name) as number });
        this.containers.set(name, container);
        if (!this.users.has(name)) {
            // Five requests a second on loopback while the rehearsal runs; refused ones (a container being replaced) are not answers.
            const url = `http://127.0.0.1:${this.ports.get(name)}/healthz`;
            this.users.set(name, setInterval(() => void fetch(url, { signal: AbortSignal.timeout(1_000) }).then((response) => response.arrayBuffer(), () => undefined), 200));
        }
        return digest;
    }

    async smokeAndRecord(name: StackName, digest: string): Promise<string> {
        const report = path.join(this.scratch, `smoke-${name}-${Date.now()}.json`);
        const smoke = await this.toolOk(["smoke", "--url", `http://127.0.0.1:${this.ports.get(name)}`, "--service", SERVICE, "--digest", digest, "--deadline", "60s", "--output", `json=${report}`]);
        const images = (this.history.get(name) ?? []).slice(-1)[0];
        await this.toolOk(["record", "verified", "--stack", name, "--smoke", report, "--images", images, "--by", "rehearsal"]);
        return lastLine(smoke.stdout);
    }

    predeploy(name: StackName, extra: readonly string[] = []): Promise<ToolRun> {
        return this.tool(["predeploy", "--stack", name, "--service", SERVICE, "--window", BUDGET_WINDOW, "--prometheus-url", (this.prometheus.get(name) as RunningPrometheus).url, ...extra]);
    }

    /** promote (from a stack's state, or a digest) -> predeploy -> up -> the container -> smoke -> record. */
    async deploy(name: StackName, promoteArgs: readonly string[], sha: string, predeployExtra: readonly string[] = []): Promise<string> {
        const promoted = await this.toolOk(["promote", "--to", name, ...promoteArgs]);
        const gate = await this.predeploy(name, predeployExtra);
        if (gate.status !== 0) fail(`predeploy ${name} exited ${gate.status}: ${lastLine(gate.stdout) || lastLine(gate.stderr)}`);
        const images = await this.up(name, sha);
        const digest = await this.runAsDeployed(name, images[SERVICE]);
        const smoke = await this.smokeAndRecord(name, digest);
        return `${lastLine(promoted.stdout)}; ${lastLine(gate.stdout)}; up; ${smoke}`;
    }

    async query(name: StackName, expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
        const url = new URL("/api/v1/query", (this.prometheus.get(name) as RunningPrometheus).url);
        url.searchParams.set("query", expression);
        const answer = (await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return answer.data.result;
    }

    async cleanUp(): Promise<void> {
        for (const timer of this.users.values()) clearInterval(timer);
        for (const container of this.containers.values()) await container.stop().catch(() => undefined);
        for (const prometheus of this.prometheus.values()) await prometheus.stop().catch(() => undefined);
        await this.host?.stop().catch(() => undefined);
        if (!process.env.KEEP_REHEARSAL_SCRATCH) fs.rmSync(this.scratch, { recursive: true, force: true });
    }
}

/** Bounded traffic on loopback: `total` requests, every `errorEvery`-th one a 500. */
async function traffic(url: string, total: number, errorEvery: number): Promise<void> {
    const paths = Array.from({ length: total }, (_, index) => ((index + 1) % errorEvery === 0 ? "/status/500" : "/healthz"));
    const workers = Array.from({ length: 4 }, async (_, worker) => {
        for (let index = worker; index < paths.length; index += 4) await (await fetch(`${url}${paths[index]}`, { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
    });
    await Promise.all(workers);
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await condition()) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
    fail(`${what}: not within ${timeoutMs / 1000} s`);
}

function installed(script: string): string {
    const result = spawnSync("bash", [path.join(REPO, "scripts", script)], { encoding: "utf8", timeout: 45 * 60_000 });
    if (result.status !== 0) fail(`scripts/${script}: ${lastLine(result.stderr) || lastLine(result.stdout)}`);
    return lastLine(result.stdout);
}

export async function rehearse(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
    const rehearsal = new Rehearsal(log);
    const started = Date.now();
    const r = rehearsal;
    try {
        await r.step("0. real parts installed and started", async () => {
            const parts = [installed("docker-tools.sh"), installed("prometheus.sh"), installed("pulumi-cli.sh")];
            const cli = findPulumiCli().cli;
            expect(cli !== undefined, "no Pulumi CLI: npm run engine:build");
            r.cli = cli;
            r.pulumiCommand = await pulumiCommandOf(cli);
            r.copyProject();
            fs.mkdirSync(path.join(r.scratch, "backend"));
            r.host = await startDockerHost({ workDir: r.scratch, log: () => undefined });
            const promBin = "prometheus";
            for (const stack of STACKS) {
                r.ports.set(stack, await freePort());
                const dir = path.join(r.scratch, `prometheus-${stack}`);
                fs.mkdirSync(dir);
                const rules = await writeDeployedRules(dir, stack);
                r.prometheus.set(stack, await startPrometheus({ prometheus: promBin, promtool: "promtool" }, {
                    global: { scrape_interval: "1s", evaluation_interval: "1s" },
                    rule_files: [rules],
                    scrape_configs: [{ job_name: "apps", static_configs: [{ targets: [`127.0.0.1:${r.ports.get(stack)}`], labels: { namespace: "apps", service: SERVICE } }] }],
                }, dir));
            }
            return `${parts.length} installers idempotent; dockerd and registry ${r.host.registry}; Prometheus per stack; ${cli.version}; scratch copy at commit ${r.shas[0].slice(0, 12)}`;
        });

        await r.step("1. build v1 with BUILD_* (build), push to each stack's repository and take D1 from the registry (publish)", async () => {
            const digest = await r.buildAndPublish(1);
            // A re-run of publish (the registry is immutable in spirit): nothing pushed again, the same digest.
            const host = r.host as DockerHost;
            const again = await r.toolOk(["publish", "--service", SERVICE, "--image", `local/${SERVICE}:${r.shas[0]}`, "--sha", r.shas[0], "--registry", host.registry, "--format", "json"], await host.buildEnv());
            expect((JSON.parse(again.stdout) as Record<string, string>)[SERVICE] === digest && (again.stderr.match(/not pushed again/g) ?? []).length === 3, `a re-run of publish: ${lastLine(again.stderr)}`);
            return `D1 ${digest} built from ${r.shas[0].slice(0, 12)} (Debian-built base from the local registry); recorded as published; a re-run of publish pushed nothing and gave the same digest`;
        });

        await r.step("2. promote D1 to dev, predeploy, up, run, smoke (/version = v1)", async () =>
            r.deploy("dev", ["--service", SERVICE, "--digest", r.digests[0], "--tag", r.shas[0], "--repository", `${ECR}/platform/dev/${SERVICE}`], r.shas[0]));

        await r.step("3. promote D1 dev -> staging, predeploy, up, smoke", async () =>
            r.deploy("staging", ["--from", "dev", "--images", (r.history.get("dev") ?? []).slice(-1)[0]], r.shas[0]));

        await r.step("4. promote D1 staging -> prod, predeploy, up, smoke", async () =>
            r.deploy("prod", ["--from", "staging", "--images", (r.history.get("staging") ?? []).slice(-1)[0]], r.shas[0]));

        await r.step("5. build v2 (D2) and promote it straight to prod: refused by promote, predeploy and the pack", async () => {
            r.commitV2();
            const digest = await r.buildAndPublish(2);
            const refused = await r.tool(["promote", "--to", "prod", "--service", SERVICE, "--digest", digest]);
            expect(refused.status === 1 && /which staging never verified/.test(refused.stderr), `promote to prod exited ${refused.status}: ${lastLine(refused.stderr)}`);
            // A hand edit of the stack file, as someone bypassing promote would make it.
            const file = path.join(r.project, "Pulumi.prod.yaml");
            const text = fs.readFileSync(file, "utf8");
            fs.writeFileSync(file, text.replace(r.digests[0], digest));
            try {
                const gate = await r.tool(["predeploy", "--stack", "prod", "--only", "policy,release"]);
                expect(gate.status === 1 && gate.stdout.includes("which staging never verified"), `predeploy of a hand-edited prod exited ${gate.status}: ${lastLine(gate.stdout)}`);
                const preview = await (await r.stackOf("prod")).preview({ policyPacks: [path.join(r.project, "policies")] }).then(() => undefined, (error: Error) => error.message);
                expect(preview !== undefined && preview.includes("release-promotion"), "pulumi preview with the pack let D2 into prod");
            } finally {
                fs.writeFileSync(file, text);
            }
            return `D2 ${digest} from ${r.shas[1].slice(0, 12)}: ${lastLine(refused.stderr)}; predeploy exit 1; pulumi preview --policy-pack: mandatory release-promotion`;
        });

        await r.step("6. D2 through dev and staging, then to prod", async () => {
            const dev = await r.deploy("dev", ["--service", SERVICE, "--digest", r.digests[1], "--tag", r.shas[1]], r.shas[1]);
            await r.deploy("staging", ["--from", "dev", "--images", (r.history.get("dev") ?? []).slice(-1)[0]], r.shas[1]);
            const prod = await r.deploy("prod", ["--from", "staging", "--images", (r.history.get("staging") ?? []).slice(-1)[0]], r.shas[1]);
            return `dev: ${dev.split("; ").pop()}; prod: ${prod.split("; ").pop()}`;
        });

        await r.step("7. prod's 5xx over budget (real traffic, real Prometheus): predeploy freezes; --override-freeze records the incident", async () => {
            await until("prod scraped", async () => (await r.query("prod", 'up{job="apps"} == 1')).length === 1);
            await traffic(`http://127.0.0.1:${r.ports.get("prod")}`, 400, 20);
            await until("the 5xx ratio recorded over the budget", async () => (await r.query("prod", `sum_over_time(service:http_requests_5xx:rate5m{service="${SERVICE}"}[${BUDGET_WINDOW}]) / sum_over_time(service:http_requests:rate5m{service="${SERVICE}"}[${BUDGET_WINDOW}]) > 0.01`)).length === 1);
            const frozen = await r.predeploy("prod", ["--only", "error-budget"]);
            expect(frozen.status === 1 && /^deploy freeze: \d+\.\d\d% 5xx over 1h > 0\.5% budget \(api\)$/.test(lastLine(frozen.stdout)), `predeploy exited ${frozen.status}: ${lastLine(frozen.stdout)}`);
            const overridden = await r.predeploy("prod", ["--only", "error-budget", "--override-freeze", INCIDENT]);
            expect(overridden.status === 0 && overridden.stdout.includes(`overridden for incident ${INCIDENT} by rehearsal`), `override exited ${overridden.status}: ${lastLine(overridden.stdout)}`);
            return `${lastLine(frozen.stdout)}; with --override-freeze: ${lastLine(overridden.stdout)}`;
        });

        await r.step("8. roll prod back to D1 with promote --previous (from prod's state history); up; smoke passes with v1's sha", async () => {
            const history = [...(r.history.get("prod") ?? [])].reverse();
            const result = await r.deploy("prod", ["--service", SERVICE, "--previous", ...history.flatMap((file) => ["--images", file])], r.shas[1], ["--override-freeze", INCIDENT]);
            const version = (await (await fetch(`http://127.0.0.1:${r.ports.get("prod")}/version`)).json()) as { sha?: string };
            expect(version.sha === r.shas[0], `/version says ${version.sha}, not v1's ${r.shas[0]}`);
            return `${result.split("; ")[0]}; deployed from commit ${r.shas[1].slice(0, 12)}, /version ${version.sha?.slice(0, 12)} (v1)`;
        });

        await r.step("9. audit of prod's final state agrees with pulumi policy analyze --file", async () => {
            const cli = r.cli as PulumiCli;
            const exportFile = path.join(r.scratch, "prod-export.json");
            const env = engineEnv(cli, { PULUMI_BACKEND_URL: `file://${path.join(r.scratch, "backend")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });
            const exported = runPulumi(cli, ["stack", "export", "--stack", "prod", "--file", exportFile], { cwd: r.project, env });
            expect(exported.status === 0, `pulumi stack export: ${lastLine(exported.stderr)}`);
            const analyzed = analyze(cli, exportFile, undefined, { projectDir: r.project });
            const audit = await r.tool(["audit", exportFile, "--tier", "prod", "--format", "json"]);
            const report = JSON.parse(audit.stdout) as { stacks: StackReport[] };
            assertSameVerdicts(analyzed.verdicts, offlineVerdicts(report.stacks[0], engineAttribution(exportFile), exemptionsListingLevel(undefined)));
            expect((analyzed.code === 0) === (audit.status === 0), `pulumi policy analyze exited ${analyzed.code}, audit ${audit.status}`);
            return `${analyzed.verdicts.length} verdicts on both sides; pulumi policy analyze exit ${analyzed.code}, audit exit ${audit.status}`;
        });

        if (r.host) {
            const usage = await r.host.usage();
            log(`  resources: vfs data-root ${(usage.dataRootBytes / 2 ** 20).toFixed(0)} MiB, registry ${(usage.registryBytes / 2 ** 20).toFixed(0)} MiB${usage.dockerdPeakRssBytes ? `, dockerd peak ${(usage.dockerdPeakRssBytes / 2 ** 20).toFixed(0)} MiB` : ""}; rehearsal process peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
        }
    } finally {
        await rehearsal.cleanUp();
    }
    const passed = rehearsal.results.filter((result) => result.ok).length;
    const failed = rehearsal.results.length - passed;
    log(`rehearsal: ${passed} steps passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
}

if (require.main === module) {
    if (process.argv.includes("--help") || process.argv.includes("-h")) {
        process.stdout.write("Usage: npm run rehearse\n\nThe release flow end to end on real parts (Docker daemon and registry, Prometheus, the pinned Pulumi CLI\nwith the policy pack, stand-in cloud providers): build, publish, promote, predeploy, up, smoke, freeze,\nrollback, audit. Needs root for Debian packages (scripts/docker-tools.sh, scripts/prometheus.sh) and Go for the\nCLI. Cleans up what it started. Last line: rehearsal: N steps passed, M failed (exit 0 when none failed).\n");
        process.exit(0);
    }
    rehearse().then((code) => process.exit(code), (error: unknown) => {
        process.stderr.write(`rehearsal: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
        process.exit(70);
    });
}
