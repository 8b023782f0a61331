import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { stringify } from "yaml";
import { RenderedStack } from "../../engine/render";
import { AlertmanagerConfig } from "../../components/monitoring/alertmanager";
import { freePort } from "./prometheus";
import { RunningDaemon, startUntilReady } from "./daemon";
import { engineSpecsRequired, onPath } from "./pulumi-cli";
import { ofType, plainInputs } from "./stacks";

/** amtool and Alertmanager from Debian's `prometheus-alertmanager` (scripts/alertmanager.sh installs it; .ci/run calls it). */
export interface AlertmanagerTools {
    readonly amtool: string;
    readonly alertmanager: string;
}

/** Whether a missing Alertmanager fails the specs instead of skipping them (CI: PLATFORM_ENGINE_SPECS=required). */
export function alertmanagerRequired(): boolean {
    return engineSpecsRequired() || process.env.PLATFORM_ALERTMANAGER === "required";
}

/** The tools for a spec's `before` hook: skips the suite when they are missing (counted as skipped), or fails it when required. */
export function alertmanagerOrSkip(context: Mocha.Context): AlertmanagerTools {
    const amtool = onPath("amtool");
    const alertmanager = onPath("prometheus-alertmanager") ?? onPath("alertmanager");
    if (amtool && alertmanager) return { amtool, alertmanager };
    const reason = "amtool and prometheus-alertmanager are not on PATH: run scripts/alertmanager.sh (Debian package prometheus-alertmanager)";
    if (alertmanagerRequired()) throw new Error(`${process.env.PLATFORM_ALERTMANAGER === "required" ? "PLATFORM_ALERTMANAGER" : "PLATFORM_ENGINE_SPECS"}=required but ${reason}`);
    console.log(`    skipped: ${reason}`);
    return context.skip();
}

export interface ToolRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly output: string;
}

export function runAmtool(tools: AlertmanagerTools, args: readonly string[], cwd: string): ToolRun {
    const result = spawnSync(tools.amtool, args, { cwd, encoding: "utf8", timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** The kube-prometheus-stack release of a rendered stack, and its values as the chart receives them. */
export function monitoringValues(stack: RenderedStack): Record<string, unknown> {
    const [release] = ofType(stack, "kubernetes:helm.sh/v3:Release").filter((resource) => plainInputs(resource).chart === "kube-prometheus-stack");
    if (!release) throw new Error(`no kube-prometheus-stack release in ${stack.stack}`);
    return plainInputs(release).values as Record<string, unknown>;
}

/** Alertmanager's configuration as the stack renders it into the chart's values (`alertmanager.config`). */
export function renderedAlertmanagerConfig(stack: RenderedStack): AlertmanagerConfig {
    return (monitoringValues(stack).alertmanager as { config: AlertmanagerConfig }).config;
}

/** The configuration as Alertmanager's YAML file, in `dir`. */
export function writeConfig(dir: string, name: string, config: unknown): string {
    const file = path.join(dir, `${name}.yml`);
    fs.writeFileSync(file, stringify(config, { lineWidth: 0 }));
    return file;
}

export type RunningAlertmanager = RunningDaemon;

/** A real Alertmanager on 127.0.0.1 (free port, temp data dir, no cluster), with the environment given. */
export async function startAlertmanager(tools: AlertmanagerTools, configFile: string, dir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningAlertmanager> {
    const port = await freePort();
    return startUntilReady("alertmanager", tools.alertmanager, [
        `--config.file=${configFile}`,
        `--storage.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=debug",
    ], `http://127.0.0.1:${port}`, { env: { PATH: process.env.PATH ?? "", ...env }, logLimit: 16_000 });
}

/** One message an SMTP client handed over: who logged in with what, sender, recipients, the raw message. */
export interface ReceivedMail {
    readonly username: string;
    readonly password: string;
    readonly from: string;
    readonly to: readonly string[];
    readonly data: string;
}

export interface SmtpStub {
    readonly port: number;
    readonly mails: readonly ReceivedMail[];
    stop(): Promise<void>;
}

/**
 * A minimal SMTP server on 127.0.0.1 (RFC 5321 commands, AUTH PLAIN and LOGIN, no TLS) that keeps what it
 * receives: enough for Alertmanager's email notifier, to see the password it read from its file.
 */
export async function startSmtpStub(): Promise<SmtpStub> {
    const mails: ReceivedMail[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
        let buffer = "";
        let state: "command" | "data" | "auth-plain" | "auth-user" | "auth-password" = "command";
        let login = { username: "", password: "" };
        let envelope = { from: "", to: [] as string[], data: "" };
        const reply = (line: string): void => void socket.write(`${line}\r\n`);
        const decode = (text: string): string => Buffer.from(text, "base64").toString("utf8");
        const plain = (text: string): void => {
            const [, username = "", password = ""] = decode(text).split("\u0000");
            login = { username, password };
            reply("235 2.7.0 Authentication successful");
        };
        reply("220 127.0.0.1 ESMTP stub");
        socket.on("data", (chunk: Buffer) => {
            buffer += chunk.toString("utf8");
            let end: number;
            while ((end = buffer.indexOf("\r\n")) >= 0) {
                const line = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                if (state === "data") {
                    if (line === ".") {
                        mails.push({ ...login, ...envelope });
                        envelope = { from: "", to: [], data: "" };
                        state = "command";
                        reply("250 2.0.0 queued");
                    } else {
                        envelope.data += `${line.startsWith("..") ? line.slice(1) : line}\n`;
                    }
                    continue;
                }
                if (state === "auth-plain") { state = "command"; plain(line); continue; }
                if (state === "auth-user") { login.username = decode(line); state = "auth-password"; reply("334 UGFzc3dvcmQ6"); continue; }
                if (state === "auth-password") { login.password = decode(line); state = "command"; reply("235 2.7.0 Authentication successful"); continue; }
                const [verb = "", ...rest] = line.split(" ");
                switch (verb.toUpperCase()) {
                    case "EHLO":
                        socket.write("250-127.0.0.1\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
                        break;
                    case "HELO":
                        reply("250 127.0.0.1");
                        break;
                    case "AUTH":
                        if (rest[0]?.toUpperCase() === "PLAIN") {
                            if (rest[1]) plain(rest[1]);
                            else { state = "auth-plain"; reply("334 "); }
                        } else { state = "auth-user"; reply("334 VXNlcm5hbWU6"); }
                        break;
                    case "MAIL":
                        envelope.from = /<([^>]*)>/.exec(line)?.[1] ?? "";
                        reply("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
                        reply("250 2.1.5 OK");
                        break;
                    case "DATA":
                        state = "data";
                        reply("354 End data with <CR><LF>.<CR><LF>");
                        break;
                    case "QUIT":
                        reply("221 2.0.0 Bye");
                        socket.end();
                        break;
                    default:
                        reply("250 OK");
                }
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        port,
        mails,
        stop: () => new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolve());
        }),
    };
}
