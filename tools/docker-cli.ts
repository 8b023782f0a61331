import { spawn } from "child_process";
import { InputFileError } from "../engine/input-error";

/**
 * The docker client, for `build` and `publish`: `$PLATFORM_DOCKER` (a client of one's choosing, e.g. one with
 * BuildKit) or `docker` on PATH, talking to `$DOCKER_HOST`. Output is kept to a bounded tail; every call has a
 * deadline, so a stuck daemon fails the step instead of hanging the job.
 */
export interface DockerRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

const MAX_KEPT_BYTES = 1024 * 1024;

/** A failure of the docker client or daemon: one line, exit 2 through runCommand. */
export class DockerError extends InputFileError {
    constructor(what: string, run: DockerRun | undefined, reason?: string) {
        const tail = (run?.stderr || run?.stdout || "").trim().split("\n").filter(Boolean).slice(-1)[0] ?? "";
        super("docker", `${what} failed${run ? ` (exit ${run.status ?? "signal"})` : ""}${reason ? `: ${reason}` : tail ? `: ${tail.slice(0, 300)}` : ""}`);
    }
}

export function dockerClient(env: NodeJS.ProcessEnv = process.env): string {
    return env.PLATFORM_DOCKER || "docker";
}

/** Runs the client; `progress` receives its output as it comes (build logs to stderr). Never throws on a non-zero exit. */
export function runDocker(args: readonly string[], options: { timeoutMs: number; progress?: (chunk: string) => void; cwd?: string }): Promise<DockerRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(dockerClient(), args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const keep = (kept: string, chunk: string): string => (kept + chunk).slice(-MAX_KEPT_BYTES);
        child.stdout.on("data", (chunk: Buffer) => {
            stdout = keep(stdout, chunk.toString("utf8"));
            options.progress?.(chunk.toString("utf8"));
        });
        child.stderr.on("data", (chunk: Buffer) => {
            stderr = keep(stderr, chunk.toString("utf8"));
            options.progress?.(chunk.toString("utf8"));
        });
        const timer = setTimeout(() => {
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
        }, options.timeoutMs);
        child.on("error", (error: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            reject(new DockerError(`starting ${dockerClient()}`, undefined, error.code === "ENOENT" ? "no docker client on PATH (or $PLATFORM_DOCKER)" : error.code ?? "error"));
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

export async function dockerOk(what: string, args: readonly string[], timeoutMs: number): Promise<DockerRun> {
    const run = await runDocker(args, { timeoutMs });
    if (run.status !== 0) throw new DockerError(what, run);
    return run;
}
