import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { isSha256Digest, parseImageReference, quoteReference } from "../policies/lib/image-reference";

/**
 * A real Docker Engine and a real registry for the release rehearsal, started and owned by one process:
 * its own dockerd (vfs storage, no iptables, no bridge, its own socket, data-root and exec-root) and its
 * own `docker-registry` on 127.0.0.1 at a free port, both under the work folder. Base images are built
 * from Debian packages with debootstrap (Docker Hub is not needed) and cached under `.tools/base-image/`.
 * Everything it started, it stops; everything big it wrote (vfs layers, registry blobs), it deletes; the
 * logs stay in `logDir`. Errors are `DockerHostError`s with a one-line message. Needs root and the Debian
 * packages docker.io, docker-registry and debootstrap (scripts/docker-tools.sh).
 */

export class DockerHostError extends Error {
    constructor(message: string) {
        super(oneLine(message));
        this.name = "DockerHostError";
    }
}

export interface DockerHostOptions {
    /** The host makes its own folder in here (`docker-host-XXXXXX`): data-root, registry storage, logs. */
    readonly workDir: string;
    /** Progress, one line at a time. */
    readonly log: (line: string) => void;
    /** Where `baseImage()` keeps the debootstrapped root file system; default `<repo>/.tools/base-image`. */
    readonly baseImageCacheDir?: string;
    /** Debian mirror for debootstrap; default http://deb.debian.org/debian. */
    readonly debianMirror?: string;
    /**
     * `auto` (default): BuildKit when the docker client has buildx, or when a docker client before 23 (BuildKit
     * built in: the docker.io package's /usr/bin/docker) is installed; the legacy builder otherwise. On vfs the
     * legacy builder copies the whole base image for every instruction (about a minute for services/api,
     * against a few seconds with BuildKit). `buildkit` fails when neither is there; `legacy` never uses BuildKit.
     */
    readonly builder?: "auto" | "buildkit" | "legacy";
}

export interface DockerCallOptions {
    /** Default 120 s; the client is killed (SIGTERM, then SIGKILL) when it runs longer. */
    readonly timeoutMs?: number;
    /** Kept from the end of each of stdout and stderr; default 4 MiB. */
    readonly maxOutputBytes?: number;
}

export interface DockerResult {
    readonly stdout: string;
    readonly stderr: string;
    /** The client's exit status (null when a signal ended it). */
    readonly status: number | null;
}

export interface BuildImageOptions {
    /** The build context; its `Dockerfile` is built. */
    readonly context: string;
    /** `repo:tag` in this host's registry (`platform/dev/api:<sha>`), or the same prefixed with `registry`. */
    readonly tag: string;
    /** `BUILD_SHA`, `BUILD_DATE`, `BUILD_ACTOR`, …: passed as `--build-arg NAME=value` (not for secrets: build args are kept in the image's history). */
    readonly buildArgs?: Readonly<Record<string, string>>;
    /** `BASE_IMAGE`, pinned by digest; default `baseImage()`. */
    readonly baseImage?: string;
}

export interface RunOptions {
    /** Container name. */
    readonly name: string;
    /** An image in this host's registry: `repo:tag`, `repo@sha256:…` (optionally prefixed with `registry`); a tag is resolved to the digest the registry reports. */
    readonly image: string;
    /** Extra environment for the container (names only ever appear in errors, never values). */
    readonly env?: Readonly<Record<string, string>>;
    /** The container listens on 127.0.0.1:<port> on the host network (`PORT`, `HOST` are set). */
    readonly port: number;
    /** How long to wait for the port to accept connections; default 30 s. */
    readonly readyTimeoutMs?: number;
}

export interface RunningContainer {
    readonly name: string;
    readonly id: string;
    /** What runs: `<registry>/<repo>@sha256:…`. */
    readonly image: string;
    readonly port: number;
    /** `http://127.0.0.1:<port>`. */
    readonly url: string;
    /** The last lines of the container's output. */
    logs(lines?: number): Promise<string>;
    /** `docker rm -f`; safe to call twice. */
    stop(): Promise<void>;
}

export interface DockerHostUsage {
    /** Disk used by dockerd's data-root (vfs layers, containers). */
    readonly dataRootBytes: number;
    /** Disk used by the registry's storage. */
    readonly registryBytes: number;
    /** Peak resident memory (VmHWM) of dockerd and of its containerd, when readable. */
    readonly dockerdPeakRssBytes?: number;
    readonly containerdPeakRssBytes?: number;
}

export interface DockerHost {
    /** `127.0.0.1:<port>`. */
    readonly registry: string;
    /** For child processes that should talk to this dockerd: DOCKER_HOST=unix://…, DOCKER_CONFIG (an empty client config: no credential helper), DOCKER_BUILDKIT=0 (a docker 23+ client without buildx cannot build otherwise), DOCKER_CLI_HINTS=false. */
    readonly env: Readonly<Record<string, string>>;
    /** This host's folder under workDir; logs (dockerd.log, registry.log) stay here after stop(). */
    readonly logDir: string;
    /** Runs the docker client against this dockerd; a non-zero status is returned, not thrown. */
    docker(args: readonly string[], options?: DockerCallOptions): Promise<DockerResult>;
    /** Debian bookworm (minbase, nodejs, ca-certificates) in this registry, pinned by the digest it reports: `<registry>/base/debian-node:bookworm@sha256:…`. Built once per host; the root file system is cached across runs. */
    baseImage(): Promise<string>;
    /** `env` plus how this host builds: PLATFORM_DOCKER (the client `node tools/bin.js build` runs) and DOCKER_BUILDKIT. */
    buildEnv(): Promise<Readonly<Record<string, string>>>;
    /** `docker build --network host --build-arg BASE_IMAGE=… --build-arg BUILD_*=… -t <registry>/<tag> <context>`, with BuildKit where it is available (DockerHostOptions.builder); the output goes to `build-*.log` in logDir. */
    buildImage(options: BuildImageOptions): Promise<void>;
    /** `docker tag`: both references in this host's registry. */
    tag(source: string, target: string): Promise<void>;
    /** `docker push`; returns the manifest digest the registry reports for the tag, cross-checked with the image's RepoDigests. */
    push(tag: string): Promise<string>;
    /** The digest the registry reports for `repo:tag` (HEAD /v2/<repo>/manifests/<tag>). */
    registryDigest(reference: string): Promise<string>;
    /** `.Config.Labels` of a local image. */
    imageLabels(reference: string): Promise<Record<string, string>>;
    /** Pulls the image by digest from this registry and runs it with `--network host`; resolves once the port accepts connections. */
    run(options: RunOptions): Promise<RunningContainer>;
    /** Disk and memory used so far. */
    usage(): Promise<DockerHostUsage>;
    /** Removes every container, stops the registry and dockerd, deletes the vfs layers and registry blobs. Safe to call twice. */
    stop(): Promise<void>;
}

const DEFAULT_CALL_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const DOCKERD_READY_TIMEOUT_MS = 60_000;
const REGISTRY_READY_TIMEOUT_MS = 15_000;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const TRANSFER_TIMEOUT_MS = 10 * 60_000;
const DEBOOTSTRAP_TIMEOUT_MS = 15 * 60_000;
const DOCKERD_STOP_GRACE_MS = 20_000;
const REGISTRY_STOP_GRACE_MS = 5_000;
const KILL_GRACE_MS = 5_000;
const HTTP_TIMEOUT_MS = 10_000;
/** Unix socket paths are limited to 108 bytes; containerd's longest is `<exec-root>/containerd/containerd.sock.ttrpc`. */
const MAX_SOCKET_PATH = 100;

const BASE_SUITE = "bookworm";
const BASE_VARIANT = "minbase";
const BASE_PACKAGES = ["ca-certificates", "nodejs"] as const;
const BASE_REPOSITORY = "base/debian-node";
const BASE_TAG = BASE_SUITE;
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Bumped when the recipe below changes what the cached root file system holds. */
const BASE_RECIPE = 1;
const DEFAULT_MIRROR = "http://deb.debian.org/debian";

const MANIFEST_ACCEPT = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
].join(", ");

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function oneLine(text: string, max = 1000): string {
    // Control characters (a terminal's escapes in a log) are dropped; line breaks become " | ".
    const flat = [...text.slice(0, max * 4).replace(/\s*[\r\n]+\s*/g, " | ")]
        .filter((character) => character === "\t" || (character >= " " && character !== "\u007f"))
        .join("")
        .trim();
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function errorText(error: unknown): string {
    if (error instanceof DockerHostError) return error.message;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    return oneLine(code !== undefined && !message.includes(code) ? `${code}: ${message}` : message, 300);
}

/** The last `lines` non-empty lines of a text, as one line. */
function tail(text: string, lines = 8): string {
    return oneLine(
        text
            .split("\n")
            .map((line) => line.trimEnd())
            .filter((line) => line !== "")
            .slice(-lines)
            .join("\n"),
        1200,
    );
}

function readTail(file: string, bytes = 16 * 1024): string {
    try {
        const fd = fs.openSync(file, "r");
        try {
            const size = fs.fstatSync(fd).size;
            const length = Math.min(size, bytes);
            const buffer = Buffer.alloc(length);
            fs.readSync(fd, buffer, 0, length, size - length);
            return buffer.toString("utf8");
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return "";
    }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const mebibytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Keeps the last `max` bytes written. */
class TailBuffer {
    private chunks: Buffer[] = [];
    private size = 0;
    truncated = false;
    constructor(private readonly max: number) {}
    push(chunk: Buffer): void {
        this.chunks.push(chunk);
        this.size += chunk.length;
        while (this.size > this.max && this.chunks.length > 0) {
            const excess = this.size - this.max;
            const first = this.chunks[0];
            this.truncated = true;
            if (first.length <= excess) {
                this.chunks.shift();
                this.size -= first.length;
            } else {
                this.chunks[0] = first.subarray(excess);
                this.size -= excess;
            }
        }
    }
    text(): string {
        return Buffer.concat(this.chunks).toString("utf8");
    }
}

interface CommandOptions {
    readonly env: NodeJS.ProcessEnv;
    readonly timeoutMs: number;
    readonly maxOutputBytes?: number;
    readonly cwd?: string;
}

/** Runs a command to its end, bounded in time and output; throws only when it cannot start or times out. */
function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<DockerResult> {
    return new Promise((resolve, reject) => {
        const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
        const stdout = new TailBuffer(max);
        const stderr = new TailBuffer(max);
        let child: ChildProcess;
        try {
            child = spawn(command, [...args], { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
        } catch (error) {
            reject(new DockerHostError(`${command} could not start: ${errorText(error)}`));
            return;
        }
        let timedOut = false;
        let killer: NodeJS.Timeout | undefined;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        }, options.timeoutMs);
        child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
        child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
        child.on("error", (error) => {
            clearTimeout(timer);
            if (killer !== undefined) clearTimeout(killer);
            const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
            reject(new DockerHostError(missing ? `${command} is not installed (run scripts/docker-tools.sh)` : `${command} failed to run: ${errorText(error)}`));
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            if (killer !== undefined) clearTimeout(killer);
            if (timedOut) {
                reject(new DockerHostError(`${command} ${args[0] ?? ""} timed out after ${Math.round(options.timeoutMs / 1000)}s: ${tail(stderr.text(), 4) || tail(stdout.text(), 4)}`));
                return;
            }
            resolve({ stdout: stdout.text(), stderr: stderr.text(), status });
        });
    });
}

/** A free TCP port on 127.0.0.1 (free when asked: a race with another process is possible). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address !== null ? address.port : 0;
            server.close(() => (port > 0 ? resolve(port) : reject(new DockerHostError("no free port on 127.0.0.1"))));
        });
    });
}

function portIsFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

function portAccepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port });
        const done = (ok: boolean): void => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(1000, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

interface HttpAnswer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

function httpRequest(options: http.RequestOptions): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const request = http.request({ ...options, timeout: HTTP_TIMEOUT_MS }, (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on("data", (chunk: Buffer) => {
                size += chunk.length;
                if (size <= 64 * 1024) chunks.push(chunk);
            });
            response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
            response.on("error", reject);
        });
        request.on("timeout", () => request.destroy(new Error("timed out")));
        request.on("error", reject);
        request.end();
    });
}

/** A long-running child (dockerd, the registry) with its output in a log file. */
interface Daemon {
    readonly name: string;
    readonly process: ChildProcess;
    readonly logFile: string;
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    done: boolean;
}

function startDaemon(name: string, command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Daemon> {
    return new Promise((resolve, reject) => {
        const fd = fs.openSync(logFile, "a", 0o600);
        let child: ChildProcess;
        try {
            // Same process group as the caller: an interrupt at the terminal reaches the daemon too.
            child = spawn(command, [...args], { env, cwd, stdio: ["ignore", fd, fd] });
        } catch (error) {
            fs.closeSync(fd);
            reject(new DockerHostError(`${name} could not start: ${errorText(error)}`));
            return;
        }
        fs.closeSync(fd);
        const daemon: Daemon = {
            name,
            process: child,
            logFile,
            done: false,
            exited: new Promise((settle) => {
                child.once("exit", (code, signal) => {
                    daemon.done = true;
                    settle({ code, signal });
                });
            }),
        };
        child.once("error", (error) => {
            daemon.done = true;
            const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
            reject(new DockerHostError(missing ? `${command} is not installed (run scripts/docker-tools.sh)` : `${name} could not start: ${errorText(error)}`));
        });
        child.once("spawn", () => resolve(daemon));
    });
}

async function stopDaemon(daemon: Daemon | undefined, graceMs: number): Promise<void> {
    if (daemon === undefined || daemon.done) return;
    daemon.process.kill("SIGTERM");
    const graceful = await Promise.race([daemon.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (graceful) return;
    daemon.process.kill("SIGKILL");
    await Promise.race([daemon.exited, sleep(KILL_GRACE_MS)]);
}

function peakRss(pid: number | undefined): number | undefined {
    if (pid === undefined) return undefined;
    try {
        const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Number(match[1]) * 1024 : undefined;
    } catch {
        return undefined;
    }
}

/** Processes whose command line names `marker` (a folder only this host uses): containerd and its shims when dockerd could not stop them. */
function processesReferencing(marker: string): number[] {
    const found: number[] = [];
    let entries: string[];
    try {
        entries = fs.readdirSync("/proc");
    } catch {
        return found;
    }
    for (const entry of entries) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
        try {
            const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            if (commandLine.split("\0").some((arg) => arg === marker || arg.startsWith(`${marker}/`) || arg.includes(`=${marker}/`) || arg.includes(`unix://${marker}/`))) found.push(Number(entry));
        } catch {
            // Gone, or not ours to read.
        }
    }
    return found;
}

function unescapeMountPath(text: string): string {
    return text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or under `folder`, deepest first. */
function mountsUnder(folder: string): string[] {
    let text: string;
    try {
        text = fs.readFileSync("/proc/self/mountinfo", "utf8");
    } catch {
        return [];
    }
    const found: string[] = [];
    for (const line of text.split("\n")) {
        const fields = line.split(" ");
        if (fields.length < 5) continue;
        const mountPoint = unescapeMountPath(fields[4]);
        if (mountPoint === folder || mountPoint.startsWith(`${folder}/`)) found.push(mountPoint);
    }
    return found.sort((a, b) => b.length - a.length);
}

/** Deletes a folder, after unmounting whatever is mounted under it; refuses when something stays mounted (never deletes through a mount). */
async function removeTree(folder: string, log: (line: string) => void): Promise<void> {
    if (!fs.existsSync(folder)) return;
    for (const mountPoint of mountsUnder(folder)) {
        await runCommand("umount", ["-l", mountPoint], { env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" }, timeoutMs: 30_000 }).catch(() => undefined);
    }
    const left = mountsUnder(folder);
    if (left.length > 0) {
        log(`docker-host: not deleting ${folder}: ${left.length} mount(s) still under it (${left[0]})`);
        return;
    }
    await fs.promises.rm(folder, { recursive: true, force: true, maxRetries: 3 });
}

/** Disk used by a folder (allocated blocks, hard links counted once), without following symbolic links or crossing into /proc. */
async function diskUsage(folder: string): Promise<number> {
    let total = 0;
    const seen = new Set<string>();
    const pending = [folder];
    while (pending.length > 0) {
        const current = pending.pop() as string;
        let stat: fs.Stats;
        try {
            stat = await fs.promises.lstat(current);
        } catch {
            continue;
        }
        const key = `${stat.dev}:${stat.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total += stat.blocks * 512;
        if (stat.isDirectory()) {
            let names: string[];
            try {
                names = await fs.promises.readdir(current);
            } catch {
                continue;
            }
            for (const name of names) pending.push(path.join(current, name));
        }
    }
    return total;
}

function baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
    if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
    if (process.env.LANG !== undefined) env.LANG = process.env.LANG;
    return env;
}

/** Proxy settings pass to dockerd (for RUN steps and pulls); this host's own registry is never proxied. */
function proxyEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    let any = false;
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) {
        const value = process.env[name];
        if (value !== undefined && value !== "") {
            env[name] = value;
            any = true;
        }
    }
    if (any) {
        const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy ?? "", "127.0.0.1", "localhost"].filter((part) => part !== "").join(",");
        env.NO_PROXY = noProxy;
        env.no_proxy = noProxy;
    }
    return env;
}

function repoRoot(): string {
    return path.resolve(__dirname, "..");
}

interface ParsedReference {
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
}

interface Builder {
    /** The docker client that runs `docker build`. */
    readonly client: string;
    readonly buildkit: boolean;
    readonly description: string;
}

interface BaseImageCache {
    readonly tarball: string;
    readonly nodejs: string;
}

class LocalDockerHost implements DockerHost {
    registry = "";
    env: Readonly<Record<string, string>> = {};
    readonly logDir: string;
    private readonly runDir: string;
    private readonly dataRoot: string;
    private readonly registryRoot: string;
    private readonly clientConfig: string;
    private readonly socket: string;
    private dockerd: Daemon | undefined;
    private registryDaemon: Daemon | undefined;
    private containerdPid: number | undefined;
    private readonly containers = new Set<string>();
    private base: Promise<string> | undefined;
    private builder: Promise<Builder> | undefined;
    private stopping: Promise<void> | undefined;
    private readonly onExit = (): void => {
        // The caller exited without stop(): no daemon outlives it (SIGTERM, so that dockerd takes its containerd
        // and containers down itself; the data stays for a later look).
        for (const daemon of [this.registryDaemon, this.dockerd]) if (daemon !== undefined && !daemon.done) daemon.process.kill("SIGTERM");
    };

    constructor(private readonly options: DockerHostOptions) {
        const workDir = path.resolve(options.workDir);
        fs.mkdirSync(workDir, { recursive: true });
        this.logDir = fs.mkdtempSync(path.join(workDir, "docker-host-"));
        this.dataRoot = path.join(this.logDir, "docker");
        this.registryRoot = path.join(this.logDir, "registry");
        // Run files (sockets, exec-root, pidfile) under the work folder when its path is short enough for a unix socket.
        const local = path.join(this.logDir, "run");
        if (`${local}/x/containerd/containerd.sock.ttrpc`.length <= MAX_SOCKET_PATH) {
            fs.mkdirSync(local, { mode: 0o700 });
            this.runDir = local;
        } else {
            this.runDir = fs.mkdtempSync("/tmp/dh-");
        }
        this.socket = path.join(this.runDir, "docker.sock");
        this.clientConfig = path.join(this.runDir, "client");
        fs.mkdirSync(this.clientConfig, { mode: 0o700 });
        fs.writeFileSync(path.join(this.clientConfig, "config.json"), "{}\n", { mode: 0o600 });
        process.on("exit", this.onExit);
    }

    private log(line: string): void {
        this.options.log(`docker-host: ${line}`);
    }

    private clientEnv(): NodeJS.ProcessEnv {
        return { ...baseEnv(), ...this.env };
    }

    async start(): Promise<void> {
        await this.startDockerd();
        await this.startRegistry();
    }

    private async startDockerd(): Promise<void> {
        const started = Date.now();
        const execRoot = path.join(this.runDir, "x");
        const config = path.join(this.runDir, "daemon.json");
        // Its own config file: nothing from /etc/docker/daemon.json; the trust key stays in the run folder too.
        fs.writeFileSync(config, `${JSON.stringify({ "deprecated-key-path": path.join(this.runDir, "key.json") })}\n`, { mode: 0o600 });
        const args = [
            "--config-file",
            config,
            "--data-root",
            this.dataRoot,
            "--exec-root",
            execRoot,
            "--pidfile",
            path.join(this.runDir, "dockerd.pid"),
            "-H",
            `unix://${this.socket}`,
            "--storage-driver=vfs",
            "--iptables=false",
            "--ip-masq=false",
            "--ip-forward=false",
            "--bridge=none",
        ];
        const logFile = path.join(this.logDir, "dockerd.log");
        this.dockerd = await startDaemon("dockerd", "dockerd", args, logFile, { ...baseEnv(), ...proxyEnv() }, this.logDir);
        this.env = { DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: this.clientConfig, DOCKER_BUILDKIT: "0", DOCKER_CLI_HINTS: "false" };
        const dockerd = this.dockerd;
        const deadline = Date.now() + DOCKERD_READY_TIMEOUT_MS;
        for (;;) {
            if (dockerd.done) {
                const { code, signal } = await dockerd.exited;
                throw new DockerHostError(`dockerd exited (${signal ?? `code ${code}`}) before it answered; its log (${logFile}) ends: ${tail(readTail(logFile))}`);
            }
            const answer = await httpRequest({ socketPath: this.socket, path: "/_ping", method: "GET" }).catch(() => undefined);
            if (answer?.status === 200) break;
            if (Date.now() > deadline) throw new DockerHostError(`dockerd did not answer on ${this.socket} within ${DOCKERD_READY_TIMEOUT_MS / 1000}s; its log (${logFile}) ends: ${tail(readTail(logFile))}`);
            await sleep(200);
        }
        const version = await this.docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 30_000 });
        if (version.status !== 0) throw new DockerHostError(`docker version failed against the new dockerd: ${tail(version.stderr, 3)}; dockerd's log (${logFile}) ends: ${tail(readTail(logFile), 4)}`);
        try {
            this.containerdPid = Number(fs.readFileSync(path.join(execRoot, "containerd", "containerd.pid"), "utf8").trim()) || undefined;
        } catch {
            this.containerdPid = undefined;
        }
        this.log(`dockerd ${version.stdout.trim()} ready on unix://${this.socket} (vfs, data-root ${this.dataRoot}) in ${seconds(started)}`);
    }

    private async startRegistry(): Promise<void> {
        const started = Date.now();
        const logFile = path.join(this.logDir, "registry.log");
        fs.mkdirSync(this.registryRoot, { recursive: true });
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            const config = path.join(this.runDir, "registry.yml");
            // JSON strings are YAML scalars: paths need no further quoting.
            const yaml = [
                "version: 0.1",
                "log:",
                "  level: info",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                `    rootdirectory: ${JSON.stringify(this.registryRoot)}`,
                "  maintenance:",
                "    uploadpurging:",
                "      enabled: false",
                "http:",
                `  addr: ${JSON.stringify(`127.0.0.1:${port}`)}`,
                `  secret: ${JSON.stringify(crypto.randomBytes(24).toString("hex"))}`,
                "",
            ].join("\n");
            fs.writeFileSync(config, yaml, { mode: 0o600 });
            const daemon = await startDaemon("docker-registry", "docker-registry", ["serve", config], logFile, baseEnv(), this.logDir);
            this.registryDaemon = daemon;
            const deadline = Date.now() + REGISTRY_READY_TIMEOUT_MS;
            let ready = false;
            while (!ready) {
                if (daemon.done) break;
                const answer = await httpRequest({ host: "127.0.0.1", port, path: "/v2/", method: "GET" }).catch(() => undefined);
                if (answer?.status === 200) ready = true;
                else if (Date.now() > deadline) throw new DockerHostError(`docker-registry did not answer GET /v2/ on 127.0.0.1:${port} within ${REGISTRY_READY_TIMEOUT_MS / 1000}s; its log (${logFile}) ends: ${tail(readTail(logFile))}`);
                else await sleep(100);
            }
            if (ready) {
                this.registry = `127.0.0.1:${port}`;
                this.log(`registry ready on ${this.registry} (storage ${this.registryRoot}) in ${seconds(started)}`);
                return;
            }
            const log = readTail(logFile);
            // Another process took the free port between the look and the bind: try another one.
            if (attempt < 3 && /address already in use/i.test(log)) continue;
            throw new DockerHostError(`docker-registry exited before it answered; its log (${logFile}) ends: ${tail(log)}`);
        }
    }

    private assertRunning(): void {
        if (this.stopping !== undefined) throw new DockerHostError("the docker host is stopped");
    }

    async docker(args: readonly string[], options: DockerCallOptions = {}): Promise<DockerResult> {
        if (this.dockerd === undefined) throw new DockerHostError("dockerd is not running");
        return runCommand("docker", args, { env: this.clientEnv(), timeoutMs: options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, maxOutputBytes: options.maxOutputBytes, cwd: this.logDir });
    }

    /** Runs docker and throws a one-line error naming `what` when it fails. */
    private async dockerOk(what: string, args: readonly string[], timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<DockerResult> {
        this.assertRunning();
        const result = await this.docker(args, { timeoutMs });
        if (result.status !== 0) throw new DockerHostError(`${what} failed (docker ${args[0]} exit ${result.status ?? "signal"}): ${tail(result.stderr, 6) || tail(result.stdout, 6)}`);
        return result;
    }

    /**
     * `repo[:tag][@digest]`, with or without this registry's prefix; any other registry is refused. Read by
     * the pack's own reference parser (distribution/reference's grammar, linear, length-capped).
     */
    private parse(reference: string): ParsedReference {
        const text = reference.trim();
        const prefix = `${this.registry}/`;
        const first = text.split("/")[0];
        if (!text.startsWith(prefix) && text.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) throw new DockerHostError(`${quoteReference(reference)} is not in this host's registry (${this.registry})`);
        const parsed = parseImageReference(text.startsWith(prefix) ? text : `${prefix}${text}`);
        if (!parsed.ok) throw new DockerHostError(`${quoteReference(reference)} is not a valid reference: ${parsed.problem}`);
        if ("imageId" in parsed || parsed.reference.domain !== this.registry) throw new DockerHostError(`${quoteReference(reference)} is not a repository in this host's registry (${this.registry})`);
        const { repository, tag, digest } = parsed.reference;
        if (digest !== undefined && !isSha256Digest(digest)) throw new DockerHostError(`${quoteReference(reference)} has a digest that is not sha256:<64 lowercase hex>`);
        return { repository, tag, digest };
    }

    private qualifiedTag(reference: string): { full: string; parsed: ParsedReference } {
        const parsed = this.parse(reference);
        if (parsed.tag === undefined || parsed.digest !== undefined) throw new DockerHostError(`${JSON.stringify(reference)} must be repo:tag (no digest)`);
        return { full: `${this.registry}/${parsed.repository}:${parsed.tag}`, parsed };
    }

    async registryDigest(reference: string): Promise<string> {
        this.assertRunning();
        const parsed = this.parse(reference);
        const target = parsed.digest ?? parsed.tag ?? "latest";
        const [host, port] = this.registry.split(":");
        const answer = await httpRequest({ host, port: Number(port), method: "HEAD", path: `/v2/${parsed.repository}/manifests/${target}`, headers: { Accept: MANIFEST_ACCEPT } }).catch((error: unknown) => {
            throw new DockerHostError(`the registry ${this.registry} did not answer for ${parsed.repository}:${target}: ${errorText(error)}`);
        });
        if (answer.status === 404) throw new DockerHostError(`the registry ${this.registry} has no manifest ${parsed.repository}:${target}`);
        if (answer.status !== 200) throw new DockerHostError(`the registry ${this.registry} answered ${answer.status} for the manifest ${parsed.repository}:${target}`);
        const digest = answer.headers["docker-content-digest"];
        if (typeof digest !== "string" || !isSha256Digest(digest)) throw new DockerHostError(`the registry ${this.registry} reported no sha256 Docker-Content-Digest for ${parsed.repository}:${target}`);
        return digest;
    }

    async tag(source: string, target: string): Promise<void> {
        const from = this.localReference(source);
        const { full } = this.qualifiedTag(target);
        await this.dockerOk(`tagging ${full}`, ["tag", from, full]);
    }

    async push(tag: string): Promise<string> {
        const started = Date.now();
        const { full, parsed } = this.qualifiedTag(tag);
        await this.dockerOk(`pushing ${full}`, ["push", full], TRANSFER_TIMEOUT_MS);
        const digest = await this.registryDigest(full);
        const inspected = await this.dockerOk(`inspecting ${full}`, ["image", "inspect", "--format", "{{json .RepoDigests}}", full]);
        let repoDigests: unknown;
        try {
            repoDigests = JSON.parse(inspected.stdout);
        } catch {
            repoDigests = undefined;
        }
        const expected = `${this.registry}/${parsed.repository}@${digest}`;
        if (!Array.isArray(repoDigests) || !repoDigests.includes(expected)) {
            throw new DockerHostError(`pushed ${full}, but the registry's digest ${digest} is not among the image's RepoDigests (${oneLine(inspected.stdout, 400)})`);
        }
        this.log(`pushed ${full} as ${digest} in ${seconds(started)}`);
        return digest;
    }

    /** A reference to a local image: an image ID as it is, anything else in this registry. */
    private localReference(reference: string): string {
        if (isSha256Digest(reference)) return reference;
        const parsed = this.parse(reference);
        return `${this.registry}/${parsed.repository}${parsed.tag === undefined ? "" : `:${parsed.tag}`}${parsed.digest === undefined ? "" : `@${parsed.digest}`}`;
    }

    async imageLabels(reference: string): Promise<Record<string, string>> {
        const local = this.localReference(reference);
        const result = await this.dockerOk(`inspecting ${local}`, ["image", "inspect", "--format", "{{json .Config.Labels}}", local]);
        let labels: unknown;
        try {
            labels = JSON.parse(result.stdout);
        } catch {
            throw new DockerHostError(`docker image inspect ${local} did not print JSON labels`);
        }
        const found: Record<string, string> = {};
        if (labels !== null && typeof labels === "object" && !Array.isArray(labels)) {
            for (const [key, value] of Object.entries(labels)) if (typeof value === "string") found[key] = value;
        }
        return found;
    }

    baseImage(): Promise<string> {
        this.assertRunning();
        this.base ??= this.buildBaseImage().catch((error: unknown) => {
            this.base = undefined;
            throw error;
        });
        return this.base;
    }

    private async buildBaseImage(): Promise<string> {
        const started = Date.now();
        const cache = await this.baseRootFs();
        const ref = `${this.registry}/${BASE_REPOSITORY}:${BASE_TAG}`;
        const importStarted = Date.now();
        await this.dockerOk(`importing the base image ${cache.tarball}`, ["import", "--change", `ENV PATH=${BASE_PATH}`, "--message", `debootstrap --variant=${BASE_VARIANT} ${BASE_SUITE} (${BASE_PACKAGES.join(",")})`, cache.tarball, ref], TRANSFER_TIMEOUT_MS);
        this.log(`imported ${ref} in ${seconds(importStarted)}`);
        const digest = await this.push(ref);
        const pinned = `${ref}@${digest}`;
        this.log(`base image ${pinned} (Debian ${BASE_SUITE}, nodejs ${cache.nodejs}) ready in ${seconds(started)}`);
        return pinned;
    }

    /** The cached root file system tarball, made with debootstrap when it is missing. */
    private async baseRootFs(): Promise<BaseImageCache> {
        const cacheDir = path.resolve(this.options.baseImageCacheDir ?? path.join(repoRoot(), ".tools", "base-image"));
        const key = crypto
            .createHash("sha256")
            .update(JSON.stringify({ suite: BASE_SUITE, variant: BASE_VARIANT, packages: [...BASE_PACKAGES].sort(), arch: process.arch, recipe: BASE_RECIPE }))
            .digest("hex")
            .slice(0, 12);
        const name = `debian-${BASE_SUITE}-${BASE_VARIANT}-${BASE_PACKAGES.join("+")}-${key}`;
        const tarball = path.join(cacheDir, `${name}.tar`);
        const metadata = path.join(cacheDir, `${name}.json`);
        if (fs.existsSync(tarball) && fs.existsSync(metadata)) {
            let nodejs = "?";
            try {
                const recorded: unknown = JSON.parse(fs.readFileSync(metadata, "utf8"));
                if (recorded !== null && typeof recorded === "object" && "nodejs" in recorded && typeof recorded.nodejs === "string") nodejs = recorded.nodejs;
            } catch {
                // The tarball is what matters.
            }
            this.log(`base root file system from the cache (${tarball})`);
            return { tarball, nodejs };
        }
        const started = Date.now();
        fs.mkdirSync(cacheDir, { recursive: true });
        const rootfs = path.join(this.logDir, "base-rootfs");
        const mirror = this.options.debianMirror ?? DEFAULT_MIRROR;
        this.log(`debootstrap --variant=${BASE_VARIANT} --include=${BASE_PACKAGES.join(",")} ${BASE_SUITE} from ${mirror} (no cached root file system; about a minute)`);
        try {
            const result = await runCommand("debootstrap", [`--variant=${BASE_VARIANT}`, `--include=${BASE_PACKAGES.join(",")}`, BASE_SUITE, rootfs, mirror], {
                env: { ...baseEnv(), ...proxyEnv() },
                timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
                cwd: this.logDir,
            });
            fs.writeFileSync(path.join(this.logDir, "debootstrap.log"), `${result.stdout}${result.stderr}`);
            if (result.status !== 0) {
                const detail = readTail(path.join(rootfs, "debootstrap", "debootstrap.log"), 4096) || result.stderr || result.stdout;
                throw new DockerHostError(`debootstrap ${BASE_SUITE} failed (exit ${result.status ?? "signal"}): ${tail(detail, 5)}`);
            }
            const nodejs = installedVersion(path.join(rootfs, "var", "lib", "dpkg", "status"), "nodejs") ?? "?";
            if (!fs.existsSync(path.join(rootfs, "usr", "bin", "node"))) throw new DockerHostError("debootstrap finished, but the root file system has no /usr/bin/node");
            // What the image does not need: downloaded packages and package lists (about 100 MB).
            for (const folder of [path.join(rootfs, "var", "cache", "apt", "archives"), path.join(rootfs, "var", "lib", "apt", "lists")]) {
                for (const entry of fs.readdirSync(folder, { withFileTypes: true })) if (entry.isFile() && entry.name !== "lock") fs.rmSync(path.join(folder, entry.name), { force: true });
            }
            for (const file of ["pkgcache.bin", "srcpkgcache.bin"]) fs.rmSync(path.join(rootfs, "var", "cache", "apt", file), { force: true });
            // Written aside and renamed: another run reads a whole tarball or none.
            const partial = `${tarball}.${process.pid}.partial`;
            const packed = await runCommand("tar", ["--numeric-owner", "-C", rootfs, "-cf", partial, "."], { env: baseEnv(), timeoutMs: 10 * 60_000 });
            if (packed.status !== 0) {
                fs.rmSync(partial, { force: true });
                throw new DockerHostError(`tar of the base root file system failed: ${tail(packed.stderr, 3)}`);
            }
            fs.renameSync(partial, tarball);
            fs.writeFileSync(metadata, `${JSON.stringify({ suite: BASE_SUITE, variant: BASE_VARIANT, packages: BASE_PACKAGES, nodejs, mirror, created: new Date().toISOString() }, null, 2)}\n`);
            this.log(`base root file system cached as ${tarball} (${mebibytes(fs.statSync(tarball).size)}, nodejs ${nodejs}) in ${seconds(started)}`);
            return { tarball, nodejs };
        } finally {
            await removeTree(rootfs, (line) => this.options.log(line));
        }
    }

    /** How `docker build` runs here: see DockerHostOptions.builder. */
    private async chooseBuilder(): Promise<Builder> {
        const legacy: Builder = { client: "docker", buildkit: false, description: "the legacy builder" };
        const wanted = this.options.builder ?? "auto";
        if (wanted === "legacy") return legacy;
        const buildx = await runCommand("docker", ["buildx", "version"], { env: this.clientEnv(), timeoutMs: 30_000 }).catch(() => undefined);
        if (buildx?.status === 0) return { client: "docker", buildkit: true, description: `BuildKit (${oneLine(buildx.stdout, 80)})` };
        for (const client of ["docker", "/usr/bin/docker"]) {
            const version = await runCommand(client, ["version", "--format", "{{.Client.Version}}"], { env: this.clientEnv(), timeoutMs: 30_000 }).catch(() => undefined);
            const major = Number(/^(\d+)\./.exec(version?.stdout.trim() ?? "")?.[1] ?? NaN);
            if (version?.status === 0 && major >= 18 && major < 23) return { client, buildkit: true, description: `BuildKit in dockerd (docker ${version.stdout.trim()} client ${client})` };
        }
        if (wanted === "buildkit") throw new DockerHostError("BuildKit needs docker buildx, or a docker client before 23 (the docker.io package's /usr/bin/docker); neither is installed");
        this.log("no docker buildx and no docker client before 23: the legacy builder copies the base image for every instruction on vfs (slow)");
        return legacy;
    }

    private chosenBuilder(): Promise<Builder> {
        this.builder ??= this.chooseBuilder().catch((error: unknown) => {
            this.builder = undefined;
            throw error;
        });
        return this.builder;
    }

    async buildEnv(): Promise<Readonly<Record<string, string>>> {
        this.assertRunning();
        const builder = await this.chosenBuilder();
        return { ...this.env, PLATFORM_DOCKER: builder.client, DOCKER_BUILDKIT: builder.buildkit ? "1" : "0" };
    }

    async buildImage(options: BuildImageOptions): Promise<void> {
        this.assertRunning();
        const started = Date.now();
        const { full } = this.qualifiedTag(options.tag);
        const context = path.resolve(options.context);
        if (!fs.existsSync(path.join(context, "Dockerfile"))) throw new DockerHostError(`no Dockerfile in ${context}`);
        const buildArgs = options.buildArgs ?? {};
        for (const [name, value] of Object.entries(buildArgs)) {
            if (!ENV_NAME.test(name)) throw new DockerHostError(`build argument name ${JSON.stringify(name)} is not valid`);
            if (name === "BASE_IMAGE") throw new DockerHostError("give the base image as baseImage, not as the build argument BASE_IMAGE");
            if (/[\r\n\0]/.test(value)) throw new DockerHostError(`build argument ${name} has a line break or NUL`);
        }
        const base = options.baseImage ?? (await this.baseImage());
        if (!/@sha256:[0-9a-f]{64}$/.test(base)) throw new DockerHostError(`base image ${JSON.stringify(base)} is not pinned by a sha256 digest`);
        const builder = await this.chosenBuilder();
        const args = ["build", "--network", "host", ...(builder.buildkit ? ["--progress", "plain"] : ["--rm", "--force-rm"]), "-t", full, "--build-arg", `BASE_IMAGE=${base}`];
        for (const [name, value] of Object.entries(buildArgs)) args.push("--build-arg", `${name}=${value}`);
        args.push(context);
        const result = await runCommand(builder.client, args, { env: { ...this.clientEnv(), DOCKER_BUILDKIT: builder.buildkit ? "1" : "0" }, timeoutMs: BUILD_TIMEOUT_MS, cwd: this.logDir });
        fs.writeFileSync(path.join(this.logDir, `build-${full.replace(/[^A-Za-z0-9_.-]+/g, "_")}.log`), `${result.stdout}${result.stderr}`);
        if (result.status !== 0) throw new DockerHostError(`docker build of ${full} failed (exit ${result.status ?? "signal"}): ${tail(`${result.stdout}\n${result.stderr}`, 6)}`);
        const id = await this.dockerOk(`inspecting ${full}`, ["image", "inspect", "--format", "{{.Id}}", full]);
        this.log(`built ${full} (${id.stdout.trim().slice(0, 19)}) from ${path.relative(process.cwd(), context) || "."} on ${base} with ${builder.description} in ${seconds(started)}`);
    }

    async run(options: RunOptions): Promise<RunningContainer> {
        this.assertRunning();
        const started = Date.now();
        if (!CONTAINER_NAME.test(options.name)) throw new DockerHostError(`container name ${JSON.stringify(options.name)} is not valid`);
        if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new DockerHostError(`port ${options.port} is not a TCP port`);
        const env = new Map<string, string>();
        for (const [name, value] of Object.entries(options.env ?? {})) {
            if (!ENV_NAME.test(name)) throw new DockerHostError(`environment variable name ${JSON.stringify(name)} is not valid`);
            if (/[\r\n\0]/.test(value)) throw new DockerHostError(`environment variable ${name} has a line break or NUL`);
            env.set(name, value);
        }
        env.set("PORT", String(options.port));
        env.set("HOST", "127.0.0.1");
        if (!(await portIsFree(options.port))) throw new DockerHostError(`port ${options.port} on 127.0.0.1 is already in use`);
        const parsed = this.parse(options.image);
        const digest = parsed.digest ?? (await this.registryDigest(options.image));
        const image = `${this.registry}/${parsed.repository}@${digest}`;
        await this.dockerOk(`pulling ${image}`, ["pull", "--quiet", image], TRANSFER_TIMEOUT_MS);
        // Values go through a private file, never the command line (no `ps` shows them, no error quotes them).
        const envFile = path.join(this.runDir, `env-${options.name}-${crypto.randomBytes(4).toString("hex")}`);
        fs.writeFileSync(envFile, [...env].map(([name, value]) => `${name}=${value}\n`).join(""), { mode: 0o600 });
        let id: string;
        try {
            this.containers.add(options.name);
            const result = await this.dockerOk(`running ${options.name}`, ["run", "-d", "--network", "host", "--name", options.name, "--env-file", envFile, image]);
            id = result.stdout.trim().split("\n").pop() ?? "";
        } finally {
            fs.rmSync(envFile, { force: true });
        }
        const container = this.runningContainer(options.name, id, image, options.port);
        const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
        for (let poll = 0; ; poll++) {
            if (await portAccepts(options.port)) break;
            if (poll % 5 === 4) {
                const state = await this.docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", options.name]);
                if (state.status === 0 && !state.stdout.startsWith("running")) {
                    throw new DockerHostError(`container ${options.name} stopped (${state.stdout.trim()}) before port ${options.port} answered; its output ends: ${tail(await container.logs(20))}`);
                }
            }
            if (Date.now() > deadline) throw new DockerHostError(`container ${options.name} did not accept connections on 127.0.0.1:${options.port} in time; its output ends: ${tail(await container.logs(20))}`);
            await sleep(100);
        }
        this.log(`running ${options.name} from ${image} on ${container.url} in ${seconds(started)}`);
        return container;
    }

    private runningContainer(name: string, id: string, image: string, port: number): RunningContainer {
        let stopped = false;
        return {
            name,
            id,
            image,
            port,
            url: `http://127.0.0.1:${port}`,
            logs: async (lines = 50) => {
                const result = await this.docker(["logs", "--tail", String(lines), name]).catch(() => undefined);
                return result === undefined ? "" : `${result.stdout}${result.stderr}`;
            },
            stop: async () => {
                if (stopped || this.dockerd === undefined || this.dockerd.done) return;
                stopped = true;
                const result = await this.docker(["rm", "-f", name]);
                this.containers.delete(name);
                if (result.status !== 0 && !/No such container/i.test(result.stderr)) throw new DockerHostError(`docker rm -f ${name} failed: ${tail(result.stderr, 3)}`);
            },
        };
    }

    async usage(): Promise<DockerHostUsage> {
        return {
            dataRootBytes: await diskUsage(this.dataRoot),
            registryBytes: await diskUsage(this.registryRoot),
            dockerdPeakRssBytes: this.dockerd !== undefined && !this.dockerd.done ? peakRss(this.dockerd.process.pid) : undefined,
            containerdPeakRssBytes: peakRss(this.containerdPid),
        };
    }

    stop(): Promise<void> {
        this.stopping ??= this.shutDown();
        return this.stopping;
    }

    private async shutDown(): Promise<void> {
        const started = Date.now();
        const problems: string[] = [];
        const dockerdPeak = this.dockerd !== undefined && !this.dockerd.done ? peakRss(this.dockerd.process.pid) : undefined;
        if (this.dockerd !== undefined && !this.dockerd.done) {
            // Every container on this dockerd is one this host ran (or someone ran through its env): all go.
            try {
                const listed = await this.docker(["ps", "-aq"], { timeoutMs: 30_000 });
                const ids = listed.status === 0 ? listed.stdout.split("\n").filter((line) => line.trim() !== "") : [];
                const names = [...this.containers];
                if (ids.length > 0 || names.length > 0) {
                    const removed = await this.docker(["rm", "-f", ...new Set([...ids, ...names])], { timeoutMs: 60_000 });
                    if (removed.status !== 0 && !/No such container/i.test(removed.stderr)) problems.push(`docker rm -f: ${tail(removed.stderr, 2)}`);
                }
                this.containers.clear();
            } catch (error) {
                problems.push(errorText(error));
            }
        }
        await stopDaemon(this.registryDaemon, REGISTRY_STOP_GRACE_MS);
        await stopDaemon(this.dockerd, DOCKERD_STOP_GRACE_MS);
        // containerd and its shims, if dockerd could not take them down: by pid, only those naming this host's run folder.
        const leftovers = processesReferencing(this.runDir);
        for (const pid of leftovers) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // Already gone.
            }
        }
        if (leftovers.length > 0) {
            problems.push(`${leftovers.length} process(es) of this host outlived dockerd and were killed`);
            await sleep(500);
        }
        process.removeListener("exit", this.onExit);
        for (const folder of [this.dataRoot, this.registryRoot, path.join(this.logDir, "base-rootfs"), this.runDir]) {
            try {
                await removeTree(folder, (line) => this.options.log(line));
            } catch (error) {
                problems.push(`deleting ${folder}: ${errorText(error)}`);
            }
        }
        const peak = dockerdPeak === undefined ? "" : `; dockerd peak RSS ${mebibytes(dockerdPeak)}`;
        this.log(`stopped and cleaned up in ${seconds(started)}${peak}; logs stay in ${this.logDir}${problems.length > 0 ? `; ${problems.join("; ")}` : ""}`);
    }
}

/** The version of an installed package, read from a dpkg status file. */
function installedVersion(statusFile: string, name: string): string | undefined {
    let text: string;
    try {
        text = fs.readFileSync(statusFile, "utf8");
    } catch {
        return undefined;
    }
    for (const stanza of text.split("\n\n")) {
        if (!new RegExp(`^Package: ${name}$`, "m").test(stanza)) continue;
        return /^Version: (.+)$/m.exec(stanza)?.[1];
    }
    return undefined;
}

/**
 * Starts this process's own dockerd and registry under `options.workDir`. On failure, what was started is
 * stopped and deleted again, and a `DockerHostError` with one line says why.
 */
export async function startDockerHost(options: DockerHostOptions): Promise<DockerHost> {
    let host: LocalDockerHost;
    try {
        host = new LocalDockerHost(options);
    } catch (error) {
        throw new DockerHostError(`cannot prepare the docker host's folders under ${options.workDir}: ${errorText(error)}`);
    }
    try {
        await host.start();
        return host;
    } catch (error) {
        await host.stop().catch(() => undefined);
        throw error instanceof DockerHostError ? error : new DockerHostError(`the docker host did not start: ${errorText(error)}`);
    }
}
