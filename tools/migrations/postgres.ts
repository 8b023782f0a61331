import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/*
 * A throwaway PostgreSQL server for one run: `initdb` into a temp folder, `postgres` on a Unix socket in
 * that folder (no TCP port: listen_addresses is empty, so nothing else on the machine can reach it or
 * collide with it), trust authentication for its own superuser, durability off (it is thrown away).
 * `stop()` ends it and removes the folder; so does `stopNow()`, synchronously, for a signal handler or
 * process exit. PostgreSQL refuses to run as root: as root, every program runs as the `postgres` user
 * (Debian's package creates it) through setpriv.
 */

/** The server programs and the client: one installation's bin folder. */
export interface PostgresPrograms {
    readonly binDir: string;
    readonly initdb: string;
    readonly postgres: string;
    readonly psql: string;
    readonly pgDump: string;
}

const PROGRAMS = ["initdb", "postgres", "psql", "pg_dump"] as const;
/** Debian and Ubuntu install each major version's programs here, off PATH (psql is on PATH through pg_wrapper). */
const DEBIAN_LIB = "/usr/lib/postgresql";
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const SOCKET_PORT = 5432;
const SUPERUSER = "postgres";
const LOG_TAIL = 4000;

function executable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir !== "" && executable(path.join(dir, name))) return path.join(dir, name);
    }
    return undefined;
}

function programsIn(binDir: string): PostgresPrograms | undefined {
    if (!PROGRAMS.every((name) => executable(path.join(binDir, name)))) return undefined;
    return { binDir, initdb: path.join(binDir, "initdb"), postgres: path.join(binDir, "postgres"), psql: path.join(binDir, "psql"), pgDump: path.join(binDir, "pg_dump") };
}

/**
 * The PostgreSQL programs: the installation `initdb` on PATH belongs to (its real folder, where postgres,
 * psql and pg_dump are too), else the newest of Debian's /usr/lib/postgresql/<major>/bin. Undefined, with
 * the reason, when there is none.
 */
export function findPostgres(): { readonly programs?: PostgresPrograms; readonly reason: string } {
    const initdb = onPath("initdb");
    if (initdb) {
        const found = programsIn(path.dirname(fs.realpathSync(initdb)));
        if (found) return { programs: found, reason: "" };
    }
    let majors: string[] = [];
    try {
        majors = fs.readdirSync(DEBIAN_LIB).filter((name) => /^\d{1,3}(\.\d{1,3})?$/.test(name)).sort((a, b) => Number(b) - Number(a));
    } catch {
        majors = [];
    }
    for (const major of majors) {
        const found = programsIn(path.join(DEBIAN_LIB, major, "bin"));
        if (found) return { programs: found, reason: "" };
    }
    return { reason: `no PostgreSQL server programs (${PROGRAMS.join(", ")}) on PATH or in ${DEBIAN_LIB}/<version>/bin: run scripts/postgres.sh (Debian package postgresql)` };
}

/** The PostgreSQL server could not be started or answered wrongly: one line, exit 2. */
export class PostgresError extends Error {}

/** What a psql run gave: its rows (unaligned, tuples only), or the first error PostgreSQL reported. */
export interface PsqlResult {
    readonly ok: boolean;
    readonly rows: readonly string[];
    /** `line <n>: ERROR: ...`, the line counted in the SQL that was sent. */
    readonly error?: string;
}

interface RunAs {
    readonly uid: number;
    readonly gid: number;
}

/** The postgres user from /etc/passwd, for a run as root. */
function postgresUser(): RunAs | undefined {
    let text: string;
    try {
        text = fs.readFileSync("/etc/passwd", "utf8").slice(0, 1024 * 1024);
    } catch {
        return undefined;
    }
    for (const line of text.split("\n")) {
        const fields = line.split(":");
        if (fields[0] === SUPERUSER && /^\d{1,10}$/.test(fields[2] ?? "") && /^\d{1,10}$/.test(fields[3] ?? "")) return { uid: Number(fields[2]), gid: Number(fields[3]) };
    }
    return undefined;
}

/** The first ERROR (or FATAL) line psql printed, its line number kept: `line 3: ERROR: column "x" does not exist`. */
export function firstError(stderr: string): string | undefined {
    for (const raw of stderr.split("\n").slice(0, 200)) {
        const line = raw.slice(0, 1000);
        const located = /^psql:[^:]{0,200}:(\d{1,9}): (ERROR|FATAL|PANIC): {1,2}(.*)$/.exec(line);
        if (located) return `line ${located[1]}: ${located[2]}: ${located[3].trim()}`;
        const plain = /^(?:psql: )?(?:error: )?.{0,200}?(ERROR|FATAL|PANIC): {1,2}(.*)$/.exec(line);
        if (plain) return `${plain[1]}: ${plain[2].trim()}`;
    }
    const first = stderr.split("\n").find((line) => line.trim() !== "");
    return first === undefined ? undefined : first.slice(0, 300);
}

export class ThrowawayPostgres {
    private stopped = false;

    private constructor(
        private readonly programs: PostgresPrograms,
        /** The temp folder: data, socket and log. */
        readonly dir: string,
        private readonly server: ChildProcess,
        private readonly runAs: RunAs | undefined,
        private readonly log: { text: string },
        /** `SHOW server_version`, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
        readonly version: string,
        /** initdb and start until the first query answered. */
        readonly startMs: number,
    ) {}

    /** Starts a server; anything that goes wrong on the way stops it again and throws a PostgresError. */
    static async start(programs: PostgresPrograms): Promise<ThrowawayPostgres> {
        const started = Date.now();
        const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
        if (process.getuid?.() === 0 && runAs === undefined) throw new PostgresError("PostgreSQL does not run as root, and there is no postgres user to run it as (Debian's package creates one)");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-pg-"));
        const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
        try {
            if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
            const data = path.join(dir, "data");
            const init = spawnSync(...command(programs.initdb, ["-D", data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"], runAs), {
                encoding: "utf8",
                timeout: START_TIMEOUT_MS,
                env: serverEnv(),
                maxBuffer: 4 * 1024 * 1024,
            });
            if (init.status !== 0) throw new PostgresError(`initdb failed (${init.error ? init.error.message : `exit ${init.status}`}): ${lastLine(`${init.stdout ?? ""}${init.stderr ?? ""}`)}`);
            const settings = [
                ["listen_addresses", ""],
                ["unix_socket_directories", dir],
                ["port", String(SOCKET_PORT)],
                ["fsync", "off"],
                ["synchronous_commit", "off"],
                ["full_page_writes", "off"],
                ["max_connections", "20"],
                ["logging_collector", "off"],
            ].flatMap(([key, value]) => ["-c", `${key}=${value}`]);
            const server = spawn(...command(programs.postgres, ["-D", data, ...settings], runAs), { stdio: ["ignore", "ignore", "pipe"], env: serverEnv() });
            const log = { text: "" };
            server.stderr?.on("data", (chunk: Buffer) => (log.text = (log.text + chunk.toString("utf8")).slice(-LOG_TAIL)));
            const instance = new ThrowawayPostgres(programs, dir, server, runAs, log, "", 0);
            try {
                await instance.ready(started);
                const answer = await instance.psql("SHOW server_version", { database: "postgres" });
                if (!answer.ok || answer.rows.length !== 1) throw new PostgresError(`the server does not say its version: ${answer.error ?? "no answer"}`);
                return new ThrowawayPostgres(programs, dir, server, runAs, log, answer.rows[0], Date.now() - started);
            } catch (error) {
                await instance.stop();
                throw error;
            }
        } catch (error) {
            remove();
            throw error;
        }
    }

    private async ready(started: number): Promise<void> {
        const socket = path.join(this.dir, `.s.PGSQL.${SOCKET_PORT}`);
        while (Date.now() - started < START_TIMEOUT_MS) {
            if (this.server.exitCode !== null || this.server.signalCode !== null) throw new PostgresError(`postgres exited (${this.server.exitCode ?? this.server.signalCode}): ${lastLine(this.log.text)}`);
            if (fs.existsSync(socket) && this.log.text.includes("ready to accept connections")) return;
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new PostgresError(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${lastLine(this.log.text)}`);
    }

    /** The environment of a client: this server only, none of the caller's PG* settings. */
    private clientEnv(database: string): NodeJS.ProcessEnv {
        return {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            LANG: "C.UTF-8",
            PGHOST: this.dir,
            PGPORT: String(SOCKET_PORT),
            PGUSER: SUPERUSER,
            PGDATABASE: database,
            PGCONNECT_TIMEOUT: "10",
            PGAPPNAME: "migrations-check",
            PGOPTIONS: "-c statement_timeout=120s -c lock_timeout=30s -c client_min_messages=warning",
        };
    }

    /**
     * Runs SQL through psql (standard input; ON_ERROR_STOP; no psqlrc), in one transaction unless told
     * otherwise. Resolves with the rows, or the first error; never rejects for an SQL error.
     */
    psql(sql: string, options: { database: string; singleTransaction?: boolean; timeoutMs?: number }): Promise<PsqlResult> {
        const args = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", ...(options.singleTransaction ? ["-1"] : []), "-f", "-"];
        return new Promise((resolve) => {
            const child = spawn(this.programs.psql, args, { stdio: ["pipe", "pipe", "pipe"], env: this.clientEnv(options.database) });
            let stdout = "";
            let stderr = "";
            const cap = 4 * 1024 * 1024;
            child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString("utf8")).slice(0, cap)));
            child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(0, cap)));
            const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
            child.on("error", (error) => {
                clearTimeout(timer);
                resolve({ ok: false, rows: [], error: `psql did not run: ${error.message}` });
            });
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                const rows = stdout.split("\n").filter((line) => line !== "");
                if (code === 0) resolve({ ok: true, rows });
                else resolve({ ok: false, rows, error: firstError(stderr) ?? (signal ? `psql was stopped (${signal})` : `psql exited ${code}`) });
            });
            child.stdin.on("error", () => undefined); // psql stopped reading: its exit says why
            child.stdin.end(sql);
        });
    }

    /** The schema of a database as pg_dump writes it (no data, owners or grants): what two states are compared by. */
    dumpSchema(database: string): Promise<string> {
        return new Promise((resolve, reject) => {
            const child = spawn(this.programs.pgDump, ["--schema-only", "--no-owner", "--no-privileges", "--no-comments", database], { stdio: ["ignore", "pipe", "pipe"], env: this.clientEnv(database) });
            const out: Buffer[] = [];
            let size = 0;
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => {
                size += chunk.length;
                if (size <= 64 * 1024 * 1024) out.push(chunk);
            });
            child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(0, 64 * 1024)));
            child.on("error", (error) => reject(new PostgresError(`pg_dump did not run: ${error.message}`)));
            child.on("close", (code) => {
                if (code !== 0) reject(new PostgresError(`pg_dump exited ${code}: ${lastLine(stderr)}`));
                // pg_dump 15.14 and later fence the script with \restrict <random key> ... \unrestrict <key>: not schema.
                else resolve(Buffer.concat(out).toString("utf8").split("\n").filter((line) => !/^\\(?:un)?restrict /.test(line)).join("\n"));
            });
        });
    }

    /** Stops the server (fast shutdown, then immediate, then SIGKILL) and removes the folder. Idempotent. */
    async stop(): Promise<void> {
        if (this.stopped) return;
        if (this.server.exitCode === null && this.server.signalCode === null) {
            const exited = new Promise<void>((resolve) => this.server.once("exit", () => resolve()));
            this.server.kill("SIGINT");
            const quit = setTimeout(() => this.server.kill("SIGQUIT"), STOP_TIMEOUT_MS / 2);
            const kill = setTimeout(() => this.server.kill("SIGKILL"), STOP_TIMEOUT_MS);
            await exited;
            clearTimeout(quit);
            clearTimeout(kill);
        }
        this.stopped = true;
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /** The same, synchronously (a signal handler, process exit): immediate shutdown, waited for, then the folder removed. */
    stopNow(): void {
        if (this.stopped) return;
        this.stopped = true;
        const pid = this.server.pid;
        if (pid !== undefined && this.server.exitCode === null && this.server.signalCode === null) {
            signal(pid, "SIGQUIT");
            const pause = new Int32Array(new SharedArrayBuffer(4));
            const deadline = Date.now() + STOP_TIMEOUT_MS;
            while (alive(pid) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
            if (alive(pid)) signal(pid, "SIGKILL");
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /** The user the server runs as, for a message. */
    get runsAs(): string {
        return this.runAs ? SUPERUSER : os.userInfo().username;
    }
}

function signal(pid: number, name: NodeJS.Signals): void {
    try {
        process.kill(pid, name);
    } catch {
        // gone already
    }
}

/** Whether the process still runs (a zombie of ours counts as gone: the server has shut down). */
function alive(pid: number): boolean {
    try {
        const status = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return !/^\d+ \(.*\) Z/.test(status);
    } catch {
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    }
}

/** The server's environment: no PG* settings of the caller, the C locale. */
function serverEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", LC_ALL: "C", TZ: "UTC" };
}

/** A program, run as the postgres user when we are root (setpriv execs it: its pid is the program's). */
function command(program: string, args: readonly string[], runAs: RunAs | undefined): [string, string[]] {
    if (!runAs) return [program, [...args]];
    return ["setpriv", [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--", program, ...args]];
}

function lastLine(text: string): string {
    const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
    return (lines[lines.length - 1] ?? "no output").slice(0, 300);
}
