import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { scratchDir } from "./scratch";
import { PROJECT_DIR } from "./stacks";

export interface StepRun {
    readonly status: number | null;
    readonly output: string;
    /** Each stub's argv, in the order they were called (the stub's own name first). */
    readonly calls: string[][];
    /** What the script wrote to $GITHUB_OUTPUT. */
    readonly outputs: Record<string, string>;
    readonly workspace: string;
    readonly temp: string;
}

export interface StepOptions {
    readonly env?: Record<string, string>;
    /** Commands first on PATH: each records its argv, then runs its body. */
    readonly stubs?: Record<string, string>;
    /** Files of the workspace; a path starting with `$RUNNER_TEMP/` goes to $RUNNER_TEMP. */
    readonly files?: Record<string, string>;
    readonly cwd?: string;
    /** $RUNNER_TEMP (default: a folder of the run's own). */
    readonly tempDir?: string;
    /** `node tools/bin.js ...` in the workspace runs the project's tools (against the project's stack files). */
    readonly projectTools?: boolean;
    readonly timeoutMs?: number;
}

/**
 * Runs a workflow step's script as GitHub does with `shell: bash` (`bash --noprofile --norc -eo pipefail`),
 * in a workspace of its own, with stubs first on PATH; jq and git are the real ones.
 */
export function runWorkflowStep(script: string, options: StepOptions = {}): StepRun {
    const dir = scratchDir("workflow-step-");
    const workspace = options.cwd ?? path.join(dir, "work");
    const temp = options.tempDir ?? path.join(dir, "temp");
    const bin = path.join(dir, "bin");
    const log = path.join(dir, "calls");
    const outputFile = path.join(dir, "output");
    for (const folder of [workspace, temp, bin]) fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(log, "");
    fs.writeFileSync(outputFile, "");
    if (options.projectTools) {
        fs.mkdirSync(path.join(workspace, "tools"), { recursive: true });
        fs.writeFileSync(path.join(bin, "node"), `#!/usr/bin/env bash\nif [ "$1" = tools/bin.js ]; then shift; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(PROJECT_DIR, "tools", "bin.js"))} "$@"; fi\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
    }
    for (const [file, content] of Object.entries(options.files ?? {})) {
        const target = file.startsWith("$RUNNER_TEMP/") ? path.join(temp, file.slice("$RUNNER_TEMP/".length)) : path.join(workspace, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
    for (const [name, body] of Object.entries(options.stubs ?? {})) {
        fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nprintf '%s\\x1f' "\${0##*/}" "$@" >> "$STUB_LOG"; printf '\\x1e' >> "$STUB_LOG"\n${body}\n`, { mode: 0o755 });
    }
    const scriptFile = path.join(dir, "step.sh");
    fs.writeFileSync(scriptFile, script);
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", scriptFile], {
        cwd: workspace,
        encoding: "utf8",
        timeout: options.timeoutMs ?? 30_000,
        env: {
            PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
            HOME: dir,
            RUNNER_TEMP: temp,
            GITHUB_OUTPUT: outputFile,
            GITHUB_STEP_SUMMARY: path.join(dir, "summary"),
            GITHUB_REPOSITORY: "octo/platform",
            STUB_LOG: log,
            ...options.env,
        },
    });
    const calls = fs.readFileSync(log, "utf8").split("\x1e").filter((call) => call !== "").map((call) => call.split("\x1f").slice(0, -1));
    const outputs = Object.fromEntries(fs.readFileSync(outputFile, "utf8").split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    return { status: result.status, output: `${result.stdout}${result.stderr}`, calls, outputs, workspace, temp };
}
