import { ChildProcess, spawn } from "child_process";

/** A server the specs run as a child process on 127.0.0.1 (Prometheus, Alertmanager), once it answers. */
export interface RunningDaemon {
    readonly url: string;
    /** What it has logged on stderr (the last `logLimit` characters), for failure messages. */
    log(): string;
    stop(): Promise<void>;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
export function stopper(child: ChildProcess, graceMs = 5_000): () => Promise<void> {
    return async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
    };
}

/**
 * Starts `command` and waits until `<url>/-/ready` answers 200 (what Prometheus and Alertmanager serve), at
 * most 20 s; a process that exits or never gets ready fails with its name and the end of its log.
 */
export async function startUntilReady(name: string, command: string, args: readonly string[], url: string, options: { env?: NodeJS.ProcessEnv; logLimit?: number } = {}): Promise<RunningDaemon> {
    const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...(options.env ? { env: options.env } : {}) });
    const logLimit = options.logLimit ?? 4_000;
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-logLimit)));
    const stop = stopper(child);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log}`);
        try {
            const response = await fetch(`${url}/-/ready`);
            if (response.ok) return { url, log: () => log, stop };
        } catch {
            // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stop();
    throw new Error(`${name} did not become ready in 20 s: ${log}`);
}
