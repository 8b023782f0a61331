import { execFile } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "./stacks";

export interface ToolRun {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

/**
 * `node tools/bin.js <args>` as a user runs it, asynchronously: servers the spec runs in its own process
 * (stubs) keep answering meanwhile.
 */
export function runTool(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ToolRun> {
    const started = Date.now();
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(PROJECT_DIR, "tools", "bin.js"), ...args], {
            cwd: options.cwd ?? PROJECT_DIR,
            env: { ...process.env, NO_COLOR: "1", ...options.env },
            timeout: options.timeoutMs ?? 120_000,
            maxBuffer: 64 * 1024 * 1024,
            encoding: "utf8",
        }, (error, stdout, stderr) => {
            const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ status, stdout, stderr, ms: Date.now() - started });
        });
    });
}
