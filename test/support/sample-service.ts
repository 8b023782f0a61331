import { spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { stopper } from "./daemon";
import { PROJECT_DIR } from "./stacks";

export interface RunningService {
    readonly url: string;
    readonly port: number;
    stop(): Promise<void>;
}

/** services/api/server.js as a process on 127.0.0.1 with a free port and the given environment. */
export async function startSampleService(env: Readonly<Record<string, string>>): Promise<RunningService> {
    const child = spawn(process.execPath, [path.join(PROJECT_DIR, "services", "api", "server.js")], {
        env: { PATH: process.env.PATH ?? "", ...env, PORT: "0", HOST: "127.0.0.1" },
        stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`the sample service did not start: ${out}`)), 10_000);
        child.once("exit", (code) => reject(new Error(`the sample service exited with ${code}: ${out}`)));
        child.stdout?.on("data", (chunk: Buffer) => {
            out += chunk.toString("utf8");
            const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
            if (match) {
                clearTimeout(timer);
                resolve(Number(match[1]));
            }
        });
    });
    return { url: `http://127.0.0.1:${port}`, port, stop: stopper(child, 3_000) };
}

/** An in-process stand-in on 127.0.0.1 (a service answering 500, or one that never answers). */
export async function startStub(handler: http.RequestListener): Promise<RunningService> {
    const server = http.createServer(handler);
    const sockets = new Set<net.Socket>();
    server.on("connection", (socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        port,
        stop: () => new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        }),
    };
}
