import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, stackFileName } from "../config/load";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { readStateFile } from "../engine/state-files";
import { describeFound } from "../policies/lib/found-value";
import { CommandRefused, emitRendered, formatChoice, parseOptions, runCommand, UsageError } from "./checks";
import { requireReadableStackFiles } from "./stack-input";
import { printable } from "./format/printable";
import { EXIT_CODES } from "./report";
import { DueSecret, dueSecrets, DueStatus } from "./rotation/due";
import { judgePlanText, PlanChange, PlanJudgement } from "./rotation/plan-guard";
import { StackSecret, stackSecrets, StackSecrets, storeNameOf } from "./rotation/stack-secrets";

export const ROTATE_HELP = `Usage: node tools/bin.js rotate --stack <stack> --secret <name>... [--run] [options]
       node tools/bin.js rotate --stack <stack> --due [--state <export.json>] [--run] [options]
       node tools/bin.js rotate --stack <stack> --check-plan <preview.json> (--secret <name>... | --due --state <export.json>)

Rotates a stack's generated secrets (the Postgres password, the Redis AUTH token on AWS, the JWT secret when
the stack does not provide one, Grafana's admin password) through \`pulumi up\`: the secret's RandomPassword
is regenerated, and in the same update the secret store gets a new version, the database and the cache take
the new password (RDS and Cloud SQL online; ElastiCache with the ROTATE strategy, the previous token still
valid), the services' Kubernetes Secrets change, and the pods roll to them (the checksum on their pod
template). See docs/runbooks/secrets.md.

  --secret <name>       rotate this secret now, after a security event (repeatable): its RandomPassword is
                        replaced (pulumi's --target-replace), whatever its rotation window
  --due                 which generated secrets are due: their RandomPassword in --state (a
                        \`pulumi stack export\`) was generated in an earlier rotation window than today's
                        (secretStore.rotationDays per tier: dev 180, staging 90, prod 30 days). Without
                        --state, the current window and the next due date only
  --check-plan <file>   judge a \`pulumi preview --json\` of the rotation: every step must be part of a
                        rotation (the password regenerated, the store's new version, the database's and the
                        cache's password, the Kubernetes Secrets, the pod templates' checksum) and every
                        secret asked for regenerated; anything else (an unreleased change of the default
                        branch riding along with --target-dependents) refuses the rotation (exit 1)
  --run                 do it, with the real \`pulumi\` CLI (found on PATH, else the one
                        scripts/pulumi-cli.sh builds): \`pulumi preview --json\` of the targeted update, the
                        same judgement as --check-plan, then \`pulumi up --yes\` of exactly that, with the policy
                        pack. Needs the stack's backend and cloud credentials; everything else does not

Without --run nothing runs and no credential is needed: the secrets come from the stack file (secure values
are never decrypted, and no value of a secret is ever printed), their URNs from the project, stack and naming
helpers, and the output says what to run: the preview, the check and the up.

Names (--secret): the stack's declared secrets, e.g. postgres-password, redis-auth-token, jwt-secret,
grafana-admin-password, api-key-<name>; a service's name for one (databaseUrl, redisUrl, jwtSecret,
apiKeys.<name>) is accepted too. A provided secret (an API key, a jwtSecret set in the stack file) is not
generated: it is refused with the command that replaces it (pulumi config set --secret ...).

Options:
  --stack <stack>          the stack (its Pulumi.<stack>.yaml)
  --state <file>           \`pulumi stack export --stack <stack>\` output (--due); never decrypted
  --policy-pack <dir>      the policy pack the preview and the up run with (default: policies)
  --project-dir <dir>      folder holding Pulumi.yaml (default: the repository root)
  --format <format>        stdout: human, json or markdown (default human)
  --output <format>=<file> also write the result in that format; repeatable
  -h, --help               this text

Exit codes: 0 the plan (or the rotation) is as asked, or nothing is due; 1 refused: a provided secret, a plan
that changes more than a rotation or leaves a secret as it was, or a pulumi command that failed; 2 bad usage,
an unknown secret name, a file that cannot be read.

Examples:
  node tools/bin.js rotate --stack prod --secret postgres-password              # what to run, offline
  node tools/bin.js rotate --stack prod --secret postgres-password --run        # run it (credentials)
  pulumi stack export --stack prod --file prod.json
  node tools/bin.js rotate --stack prod --due --state prod.json --format json   # what the schedule runs`;

export type RotateFormat = "human" | "json" | "markdown";
const ROTATE_FORMATS: readonly RotateFormat[] = ["human", "json", "markdown"];

/** Refused: exit 1 with `rotate refused: <why>`. */
export class RotateRefused extends CommandRefused {
    readonly command = "rotate";
}

const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** A secret's name as the store or a service names it. */
const SECRET_NAME = /^(?:[a-z][a-z0-9-]{0,62}|apiKeys\.[a-z0-9-]{1,63}|databaseUrl|redisUrl|jwtSecret)$/;
const MAX_SECRETS = 32;

export interface RotateOptions {
    readonly projectDir: string;
    readonly stack: string;
    readonly secrets: readonly string[];
    readonly due: boolean;
    readonly state?: string;
    readonly checkPlan?: string;
    readonly run: boolean;
    readonly policyPack: string;
    readonly now?: Date;
}

export interface RotateSecretLine {
    readonly name: string;
    readonly source: StackSecret["source"];
    readonly urn?: string;
    /** requested (--secret), or the state's verdict (--due), or unknown without a state. */
    readonly status: "requested" | DueStatus | "unknown";
    readonly detail: string;
    readonly consumers: readonly string[];
}

export interface RotateReport {
    readonly command: "rotate";
    readonly mode: "secret" | "due" | "check-plan";
    readonly stack: string;
    readonly cloud: string;
    readonly tier: string;
    readonly rotationDays: number;
    readonly windowStart: string;
    readonly nextWindowStart: string;
    readonly secrets: readonly RotateSecretLine[];
    /** The RandomPassword URNs this rotation regenerates. */
    readonly targets: readonly string[];
    /** The pulumi commands (argv) that do it; absent when nothing is to rotate. */
    readonly commands?: { readonly preview: readonly string[]; readonly up: readonly string[] };
    /** The plan's judgement (--check-plan, --run). */
    readonly plan?: { readonly allowed: readonly PlanChange[]; readonly refused: readonly PlanChange[]; readonly missing: readonly string[] };
    /** What --run ran, and how each command ended. */
    readonly ran?: readonly { readonly command: string; readonly exitCode: number }[];
    readonly notes: readonly string[];
    readonly verdict: string;
    readonly exitCode: number;
}

/** The pulumi argv of a targeted rotation: --target-replace (now) or --target (due: the keepers force the replacement). */
export function rotationCommands(stack: string, targets: readonly string[], how: "replace" | "target", policyPack: string): { preview: string[]; up: string[] } {
    const targeting = targets.flatMap((urn) => [how === "replace" ? "--target-replace" : "--target", urn]);
    const common = ["--stack", stack, "--policy-pack", policyPack, "--non-interactive", ...targeting, "--target-dependents"];
    return { preview: ["pulumi", "preview", "--json", ...common], up: ["pulumi", "up", "--yes", ...common] };
}

function resolveSecrets(secrets: StackSecrets, names: readonly string[]): StackSecret[] {
    const declared = secrets.secrets.map((secret) => secret.name);
    return [...new Set(names.map(storeNameOf))].map((name) => {
        const secret = secrets.secrets.find((candidate) => candidate.name === name);
        if (secret === undefined && name === "redis-auth-token" && secrets.cloud === "gcp") {
            throw new RotateRefused("redis-auth-token: Memorystore generates its own AUTH string, and changes it only when AUTH is switched off and on again (docs/runbooks/secrets.md, Memorystore); it is not one of the platform's generated secrets");
        }
        if (secret === undefined) {
            throw new UsageError(`--secret: ${secrets.stack} declares ${declared.length === 0 ? "no secrets" : declared.join(", ")}; got ${describeFound(name, { keyword: true })}`);
        }
        if (secret.source === "provided") {
            const how = name.startsWith("api-key-")
                ? `set the new key with pulumi config set --secret --path 'apiKeys.${name.slice("api-key-".length)}' --stack ${secrets.stack}, raise platform:apiKeyRotation.${name.slice("api-key-".length)}.version and move its rotateBy, then deploy`
                : `set a new value with pulumi config set --secret jwtSecret --stack ${secrets.stack} (or remove it to have the platform generate one), then deploy`;
            throw new RotateRefused(`${name} is provided by the stack file, not generated: ${how}`);
        }
        return secret;
    });
}

function secretLine(secret: StackSecret, status: RotateSecretLine["status"], detail: string): RotateSecretLine {
    return { name: secret.name, source: secret.source, ...(secret.urn === undefined ? {} : { urn: secret.urn }), status, detail, consumers: secret.consumers };
}

/** The due verdicts (with a state) or the calendar alone (without). */
function dueLines(secrets: StackSecrets, state: string | undefined): { lines: RotateSecretLine[]; due: DueSecret[] } {
    const generated = secrets.secrets.filter((secret) => secret.source === "generated");
    if (state === undefined) {
        return {
            lines: generated.map((secret) => secretLine(secret, "unknown", `due on ${secrets.nextWindowStart}, or now if it was generated before ${secrets.windowStart} (give --state to know)`)),
            due: [],
        };
    }
    const read = readStateFile(state, { stack: secrets.stack });
    if (read.kind === "preview") throw new InputFileError(state, "--state takes the stack's state (`pulumi stack export`), not a preview");
    if (read.resources.length > 0 && (read.stack !== secrets.stack || read.project !== secrets.project)) {
        throw new InputFileError(state, `holds the state of ${describeFound(`${read.project}/${read.stack}`, { keyword: true })}, not of ${secrets.project}/${secrets.stack}`);
    }
    const verdicts = dueSecrets(secrets, read);
    return {
        lines: generated.map((secret) => {
            const verdict = verdicts.find((entry) => entry.urn === secret.urn);
            return secretLine(secret, verdict?.status ?? "unknown", verdict?.detail ?? "");
        }),
        due: verdicts.filter((verdict) => verdict.status === "due"),
    };
}

function judgement(file: string, targets: readonly string[]): PlanJudgement {
    return judgePlanText(readInputText(file, { maxBytes: SIZE_LIMITS.report, allowStdin: true }), file, targets);
}

function planProblems(plan: PlanJudgement, secrets: StackSecrets): string | undefined {
    if (plan.refused.length > 0) {
        const first = plan.refused[0];
        return `the plan changes more than a rotation: ${first.urn.slice(first.urn.lastIndexOf("::") + 2)} (${first.refusal})${plan.refused.length > 1 ? ` and ${plan.refused.length - 1} more` : ""}; release those changes to ${secrets.stack} first, then rotate`;
    }
    if (plan.missing.length > 0) {
        const names = plan.missing.map((urn) => urn.slice(urn.lastIndexOf("::") + 2));
        return `the plan does not regenerate ${names.join(", ")}`;
    }
    return undefined;
}

/** The pulumi CLI: `pulumi` on PATH, else the pinned one scripts/pulumi-cli.sh builds (when it has been built). */
export function findPulumiCli(projectDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, "pulumi");
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    const version = (() => {
        try {
            return fs.readFileSync(path.join(projectDir, "scripts", "pulumi-cli.version"), "utf8").trim().replace(/^v/, "");
        } catch {
            return undefined;
        }
    })();
    if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) return undefined;
    // What `scripts/pulumi-cli.sh --print-path` prints, without running a shell.
    const pinned = path.join(env.PULUMI_TOOLS_DIR ?? path.join(projectDir, ".tools", "pulumi"), `v${version}`, "bin", "pulumi");
    try {
        fs.accessSync(pinned, fs.constants.X_OK);
        return pinned;
    } catch {
        return undefined;
    }
}

/**
 * Runs a pulumi command in the project folder. Its output goes to our stderr (scrubbed like every line this
 * tool prints), or, for the preview, to a file of this run's own; our stdout stays the report.
 */
function runPulumi(cli: string, argv: readonly string[], projectDir: string, stdoutFile?: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const out = stdoutFile === undefined ? "pipe" : fs.openSync(stdoutFile, "wx", 0o600);
        const child = spawn(cli, argv.slice(1), { cwd: projectDir, stdio: ["ignore", out, "pipe"], env: process.env });
        if (typeof out === "number") fs.closeSync(out);
        // Whole lines only, so that the scrubber sees each value whole, never split across two writes.
        const forward = (stream: NodeJS.ReadableStream | null): (() => void) => {
            let pending = "";
            stream?.setEncoding("utf8");
            stream?.on("data", (chunk: string) => {
                pending += chunk;
                const end = pending.lastIndexOf("\n");
                if (end < 0 && pending.length < 1 << 20) return;
                const whole = end < 0 ? pending : pending.slice(0, end + 1);
                pending = pending.slice(whole.length);
                process.stderr.write(whole);
            });
            return () => {
                if (pending !== "") process.stderr.write(`${pending}\n`);
                pending = "";
            };
        };
        const flushOut = forward(child.stdout);
        const flushErr = forward(child.stderr);
        child.on("error", reject);
        child.on("close", (code) => {
            flushOut();
            flushErr();
            resolve(code ?? 1);
        });
    });
}

function baseReport(secrets: StackSecrets, mode: RotateReport["mode"]): Omit<RotateReport, "secrets" | "targets" | "notes" | "verdict" | "exitCode"> {
    return { command: "rotate", mode, stack: secrets.stack, cloud: secrets.cloud, tier: secrets.tier, rotationDays: secrets.rotationDays, windowStart: secrets.windowStart, nextWindowStart: secrets.nextWindowStart };
}

/** Plans (and with --run, performs) the rotation; throws UsageError, InputFileError or RotateRefused. */
export async function rotate(options: RotateOptions): Promise<RotateReport> {
    let secrets: StackSecrets;
    try {
        secrets = stackSecrets(options.projectDir, options.stack, options.now ?? new Date());
    } catch (error) {
        if (error instanceof ConfigError) throw new InputFileError(path.join(options.projectDir, stackFileName(options.stack)), `${error.problems.length} problem${error.problems.length === 1 ? "" : "s"}, first ${error.problems[0]?.key}: expected ${error.problems[0]?.expected}; found ${error.problems[0]?.found}`);
        throw error;
    }
    if (secrets.secrets.length === 0) throw new RotateRefused(`${options.stack} is a ${secrets.tier} stack: it keeps no generated secrets (the local environment's are its containers' own)`);
    const notes: string[] = [];

    let lines: RotateSecretLine[];
    let targets: string[];
    let how: "replace" | "target";
    if (options.secrets.length > 0) {
        const chosen = resolveSecrets(secrets, options.secrets);
        lines = chosen.map((secret) => secretLine(secret, "requested", "rotate now, whatever its window"));
        targets = chosen.map((secret) => secret.urn as string);
        how = "replace";
    } else {
        let state = options.state;
        let exported: string | undefined;
        if (options.run && state === undefined) {
            exported = fs.mkdtempSync(path.join(os.tmpdir(), "rotate-"));
            state = path.join(exported, "state.json");
            const code = await runPulumi(requireCli(options.projectDir), ["pulumi", "stack", "export", "--stack", options.stack, "--file", state], options.projectDir);
            if (code !== 0) throw new RotateRefused(`pulumi stack export --stack ${options.stack} failed (exit ${code})`);
        }
        try {
            const due = dueLines(secrets, state);
            lines = due.lines;
            targets = due.due.map((entry) => entry.urn);
        } finally {
            if (exported !== undefined) fs.rmSync(exported, { recursive: true, force: true });
        }
        how = "target";
        if (state === undefined) notes.push("without --state only the calendar is known: the stack's state says which secrets are older than the current window");
    }
    const commands = targets.length === 0 ? undefined : rotationCommands(options.stack, targets, how, options.policyPack);
    const mode: RotateReport["mode"] = options.checkPlan !== undefined ? "check-plan" : options.secrets.length > 0 ? "secret" : "due";
    const report = (rest: Pick<RotateReport, "verdict" | "exitCode"> & Partial<RotateReport>): RotateReport => ({ ...baseReport(secrets, mode), secrets: lines, targets, ...(commands ? { commands } : {}), notes, ...rest });

    if (options.checkPlan !== undefined) {
        const plan = judgement(options.checkPlan, targets);
        const problem = planProblems(plan, secrets);
        const summary = { allowed: plan.allowed, refused: plan.refused, missing: plan.missing };
        if (problem !== undefined) return report({ plan: summary, verdict: `rotate refused: ${problem}`, exitCode: EXIT_CODES.mandatoryViolations });
        return report({ plan: summary, verdict: `the plan is a rotation of ${secrets.stack}: ${plan.allowed.length} change${plan.allowed.length === 1 ? "" : "s"}, each part of it`, exitCode: EXIT_CODES.clean });
    }
    if (commands === undefined) {
        return report({ verdict: options.state === undefined && !options.run ? `${secrets.stack}: generated secrets rotate every ${secrets.rotationDays} days; the current window began ${secrets.windowStart}, the next begins ${secrets.nextWindowStart}` : `${secrets.stack}: no generated secret is due; the next window begins ${secrets.nextWindowStart}`, exitCode: EXIT_CODES.clean });
    }
    if (!options.run) {
        notes.push("nothing ran: run the preview, check it with --check-plan, then the up (or give --run)");
        return report({ verdict: `${secrets.stack}: rotate ${targets.length} secret${targets.length === 1 ? "" : "s"} (${lines.filter((line) => line.urn !== undefined && targets.includes(line.urn)).map((line) => line.name).join(", ")}) with the commands above`, exitCode: EXIT_CODES.clean });
    }

    const cli = requireCli(options.projectDir);
    const ran: { command: string; exitCode: number }[] = [];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rotate-"));
    try {
        const previewFile = path.join(scratch, "preview.json");
        const previewCode = await runPulumi(cli, commands.preview, options.projectDir, previewFile);
        ran.push({ command: "pulumi preview", exitCode: previewCode });
        if (previewCode !== 0) return report({ ran, verdict: `rotate refused: pulumi preview failed (exit ${previewCode}); nothing changed`, exitCode: EXIT_CODES.mandatoryViolations });
        const plan = judgement(previewFile, targets);
        const summary = { allowed: plan.allowed, refused: plan.refused, missing: plan.missing };
        const problem = planProblems(plan, secrets);
        if (problem !== undefined) return report({ ran, plan: summary, verdict: `rotate refused: ${problem}; nothing changed`, exitCode: EXIT_CODES.mandatoryViolations });
        const upCode = await runPulumi(cli, commands.up, options.projectDir);
        ran.push({ command: "pulumi up", exitCode: upCode });
        if (upCode !== 0) return report({ ran, plan: summary, verdict: `rotate refused: pulumi up failed (exit ${upCode}); see its output above, and the stack's state`, exitCode: EXIT_CODES.mandatoryViolations });
        return report({ ran, plan: summary, verdict: `${secrets.stack}: rotated ${targets.length} secret${targets.length === 1 ? "" : "s"}; the pods roll to the new values (wait for the rollouts, then smoke-check)`, exitCode: EXIT_CODES.clean });
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function requireCli(projectDir: string): string {
    const cli = findPulumiCli(projectDir);
    if (cli === undefined) throw new UsageError("--run needs the pulumi CLI: none on PATH, and the pinned one is not built (bash scripts/pulumi-cli.sh)");
    return cli;
}

function humanReport(report: RotateReport): string {
    const lines = [`rotate ${report.stack} (${report.cloud}, ${report.tier}): every ${report.rotationDays} days; window ${report.windowStart}, next ${report.nextWindowStart}`];
    for (const secret of report.secrets) {
        lines.push(`  ${secret.status.padEnd(12)} ${secret.name}  ${secret.detail}`);
        if (secret.urn !== undefined) lines.push(`               urn: ${secret.urn}`);
        for (const consumer of secret.consumers) lines.push(`               -> ${consumer}`);
    }
    if (report.commands) {
        lines.push("  run:");
        lines.push(`    ${shellWords(report.commands.preview)} > preview.json`);
        lines.push(`    node tools/bin.js rotate --stack ${report.stack} --check-plan preview.json ${report.mode === "secret" ? report.secrets.map((secret) => `--secret ${secret.name}`).join(" ") : "--due --state <export.json>"}`);
        lines.push(`    ${shellWords(report.commands.up)}`);
    }
    if (report.plan) {
        for (const change of report.plan.allowed) lines.push(`  ok       ${change.op} ${change.urn}: ${change.what}`);
        for (const change of report.plan.refused) lines.push(`  REFUSED  ${change.op} ${change.urn}: ${change.refusal}`);
        for (const urn of report.plan.missing) lines.push(`  MISSING  ${urn}: not regenerated by the plan`);
    }
    for (const entry of report.ran ?? []) lines.push(`  ran: ${entry.command} (exit ${entry.exitCode})`);
    for (const note of report.notes) lines.push(`  note: ${note}`);
    lines.push(report.verdict);
    return `${lines.map((line) => printable(line, true)).join("\n")}\n`;
}

function markdownCell(text: string): string {
    return printable(text, true).replace(/\|/g, "\\|").replace(/[<>]/g, (character) => (character === "<" ? "&lt;" : "&gt;"));
}

function markdownReport(report: RotateReport): string {
    const lines = [`### rotate \`${markdownCell(report.stack)}\``, "", `Every ${report.rotationDays} days; current window ${report.windowStart}, next ${report.nextWindowStart}.`, "", "| secret | status | detail |", "| --- | --- | --- |"];
    for (const secret of report.secrets) lines.push(`| ${markdownCell(secret.name)} | ${markdownCell(secret.status)} | ${markdownCell(secret.detail)} |`);
    if (report.plan) {
        lines.push("", "| plan step | verdict |", "| --- | --- |");
        for (const change of report.plan.allowed) lines.push(`| ${markdownCell(`${change.op} ${change.urn}`)} | ✅ ${markdownCell(change.what ?? "")} |`);
        for (const change of report.plan.refused) lines.push(`| ${markdownCell(`${change.op} ${change.urn}`)} | ❌ ${markdownCell(change.refusal ?? "")} |`);
        for (const urn of report.plan.missing) lines.push(`| ${markdownCell(urn)} | ❌ not regenerated |`);
    }
    lines.push("");
    for (const note of report.notes) lines.push(`> ${markdownCell(note)}`, "");
    lines.push(`**${markdownCell(report.verdict)}**`, "");
    return lines.join("\n");
}

/** argv as a shell line: each word single-quoted unless it is plain. */
function shellWords(argv: readonly string[]): string {
    return argv.map((word) => (/^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)).join(" ");
}

const RENDERERS: Readonly<Record<RotateFormat, (report: RotateReport) => string>> = {
    human: humanReport,
    json: (report) => `${JSON.stringify(report, null, 2)}\n`,
    markdown: markdownReport,
};

function parseRotateOptions(argv: string[]) {
    const values = parseOptions(argv, {
        stack: { type: "string" },
        secret: { type: "string", multiple: true, default: [] },
        due: { type: "boolean", default: false },
        state: { type: "string" },
        "check-plan": { type: "string" },
        run: { type: "boolean", default: false },
        "policy-pack": { type: "string", default: "policies" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    if (values.stack === undefined) throw new UsageError("rotate needs --stack <stack>");
    if (!STACK_NAME.test(values.stack) || /^\.+$/.test(values.stack)) throw new UsageError(`--stack takes a stack name; got ${describeFound(values.stack)}`);
    const secrets = values.secret ?? [];
    if (secrets.length > MAX_SECRETS) throw new UsageError(`--secret at most ${MAX_SECRETS} times`);
    for (const secret of secrets) if (!SECRET_NAME.test(secret)) throw new UsageError(`--secret takes a secret's name (such as postgres-password); got ${describeFound(secret, { keyword: true })}`);
    const due = values.due ?? false;
    if (secrets.length > 0 && due) throw new UsageError("give --secret <name> or --due, not both");
    if (secrets.length === 0 && !due) throw new UsageError("rotate needs --secret <name> (rotate it now) or --due (what the rotation windows make due)");
    if (values.state !== undefined && !due) throw new UsageError("--state goes with --due");
    const checkPlan = values["check-plan"];
    if (checkPlan !== undefined && values.run) throw new UsageError("--check-plan judges a preview you ran; --run runs its own: give one");
    if (checkPlan !== undefined && due && values.state === undefined) throw new UsageError("--check-plan with --due needs --state <export.json>: the state says which secrets the plan must regenerate");
    const policyPack = values["policy-pack"] ?? "policies";
    if (!/^[A-Za-z0-9_./-]{1,200}$/.test(policyPack) || policyPack.startsWith("-")) throw new UsageError(`--policy-pack takes a folder; got ${describeFound(policyPack)}`);
    const options: RotateOptions = {
        projectDir: path.resolve(values["project-dir"] ?? "."),
        stack: values.stack,
        secrets,
        due,
        ...(values.state === undefined ? {} : { state: values.state }),
        ...(checkPlan === undefined ? {} : { checkPlan }),
        run: values.run ?? false,
        policyPack,
    };
    requireReadableStackFiles(options.projectDir, options.stack);
    return { options, choice: formatChoice(values.format, values.output ?? [], ROTATE_FORMATS, "human") };
}

export function rotateCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, ROTATE_HELP, async (args) => {
        const { options, choice } = parseRotateOptions(args);
        const report = await rotate(options);
        emitRendered(report, choice, RENDERERS);
        return report.exitCode;
    });
}
