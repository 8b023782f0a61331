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

/** The last line of docker's output worth quoting: not a line of base64 (a key's body), at most 300 characters. */
function quotableTail(run: DockerRun | undefined): string {
    const lines = (run?.stderr || run?.stdout || "").split("\n").map((line) => line.trim()).filter(Boolean);
    const last = lines[lines.length - 1] ?? "";
    return /^[A-Za-z0-9+/=_-]{16,}$/.test(last) ? "" : last.slice(0, 300);
}

/** A failure of the docker client or daemon: one line, exit 2 through runCommand. */
export class DockerError extends InputFileError {
    constructor(what: string, run: DockerRun | undefined, reason?: string) {
        const tail = quotableTail(run);
        super("docker", `${what} failed${run ? ` (exit ${run.status ?? "signal"})` : ""}${reason ? `: ${reason}` : tail ? `: ${tail}` : ""}`);
    }
}

export function dockerClient(env: NodeJS.ProcessEnv = process.env): string {
    return env.PLATFORM_DOCKER || "docker";
}

/**
 * Runs the client; `progress` receives its output a whole line at a time (so the output scrubber sees a
 * credential whole, and control characters can be escaped), the rest when it ends. The client runs in its own
 * process group: at the deadline the whole group is killed, whatever it started, and the call returns even
 * if a grandchild still holds the pipes. Never throws on a non-zero exit.
 */
export function runDocker(args: readonly string[], options: { timeoutMs: number; progress?: (line: string) => void; cwd?: string }): Promise<DockerRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(dockerClient(), args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        let partial = "";
        let settled = false;
        const keep = (kept: string, chunk: string): string => (kept + chunk).slice(-MAX_KEPT_BYTES);
        const lines = (chunk: string): void => {
            if (!options.progress) return;
            const text = partial + chunk;
            const end = text.lastIndexOf("\n");
            if (end === -1) {
                partial = text.slice(-MAX_KEPT_BYTES);
                return;
            }
            for (const line of text.slice(0, end).split("\n")) options.progress(line);
            partial = text.slice(end + 1);
        };
        child.stdout.on("data", (chunk: Buffer) => {
            stdout = keep(stdout, chunk.toString("utf8"));
            lines(chunk.toString("utf8"));
        });
        child.stderr.on("data", (chunk: Buffer) => {
            stderr = keep(stderr, chunk.toString("utf8"));
            lines(chunk.toString("utf8"));
        });
        const killGroup = (signal: NodeJS.Signals): void => {
            try {
                if (child.pid !== undefined) process.kill(-child.pid, signal);
            } catch {
                // Already gone.
            }
        };
        const finish = (status: number | null): void => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            if (partial !== "" && options.progress) options.progress(partial);
            resolve({ status, stdout, stderr });
        };
        const deadline = setTimeout(() => {
            killGroup("SIGTERM");
            setTimeout(() => killGroup("SIGKILL"), 5_000).unref();
            // A grandchild that ignores SIGTERM may keep the pipes open: do not wait for them past the grace.
            setTimeout(() => finish(null), 6_000).unref();
        }, options.timeoutMs);
        child.on("error", (error: NodeJS.ErrnoException) => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            reject(new DockerError(`starting ${dockerClient()}`, undefined, error.code === "ENOENT" ? "no docker client on PATH (or $PLATFORM_DOCKER)" : error.code ?? "error"));
        });
        child.on("exit", (status) => {
            // The pipes close when every process holding them is gone; a grandchild left behind gets the group's kill.
            const grace = setTimeout(() => {
                killGroup("SIGKILL");
                finish(status);
            }, 2_000);
            grace.unref();
            child.once("close", () => {
                clearTimeout(grace);
                finish(status);
            });
        });
    });
}

export async function dockerOk(what: string, args: readonly string[], timeoutMs: number): Promise<DockerRun> {
    const run = await runDocker(args, { timeoutMs });
    if (run.status !== 0) throw new DockerError(what, run);
    return run;
}
