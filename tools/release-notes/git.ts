import { spawn } from "child_process";
import * as fs from "fs";
import { InputFileError } from "../../engine/input-error";
import { describeFound } from "../../policies/lib/found-value";
import { UsageError } from "../checks";

/*
 * git for release-notes: always a process of its own through spawn (an argument list, never a shell), in the
 * project folder, with what it may print bounded as it arrives (a record of a stream is cut at a size, the
 * rest of it read and dropped), a deadline after which it is killed, and its stderr never shown (it quotes
 * what it was given). A ref from the command line is first checked for shape, then resolved with
 * `git rev-parse --verify --end-of-options <ref>^{commit}`; every later call names the commit by its full
 * hash, which git can never read as an option or a range.
 */

/** How long one git call may take. */
export const GIT_TIMEOUT_MS = 60_000;
/** The longest ref accepted on the command line (git's own limit is 4,096 for a path component; a ref is shorter). */
export const MAX_REF_LENGTH = 256;
/** What a ref may be written with: branch and tag names, hashes, `HEAD~20`, `main^`, `HEAD@{1}`. */
const REF_CHARACTERS = /^[A-Za-z0-9_./~^@{}+-]{1,256}$/;
const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Variables that would make git read another repository than the project folder's. */
const REPOSITORY_VARIABLES = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_COMMON_DIR"];

function gitEnvironment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", GIT_PAGER: "cat", PAGER: "cat", LC_ALL: "C" };
    for (const name of REPOSITORY_VARIABLES) delete env[name];
    return env;
}

export interface GitRun {
    /** git's exit code; null when it was killed (deadline, or the reader stopped it). */
    readonly code: number | null;
    readonly timedOut: boolean;
    /** The reader asked for no more records. */
    readonly stopped: boolean;
}

export interface StreamOptions {
    /** The byte between records (0 for `-z` output); undefined: the whole output is one record. */
    readonly separator?: number;
    /** A record is kept up to this many bytes; the rest of it is read and dropped (`cut`). */
    readonly maxRecordBytes: number;
    readonly timeoutMs?: number;
}

/** Thrown for git problems that are no one's input: git missing, killed at the deadline, failing. */
function gitProblem(projectDir: string, what: string): InputFileError {
    return new InputFileError(projectDir, what);
}

/**
 * Runs `git <args>` in `projectDir` and hands each record of its stdout to `onRecord` (false: stop, git is
 * killed). Memory is one record at most; stderr is read and dropped.
 */
export function gitStream(projectDir: string, args: readonly string[], options: StreamOptions, onRecord: (record: Buffer, cut: boolean) => boolean | void): Promise<GitRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("git", [...args], { cwd: projectDir, env: gitEnvironment(), stdio: ["ignore", "pipe", "pipe"], shell: false });
        let chunks: Buffer[] = [];
        let size = 0;
        let cut = false;
        let stopped = false;
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, options.timeoutMs ?? GIT_TIMEOUT_MS);
        const keep = (piece: Buffer): void => {
            if (stopped || piece.length === 0) return;
            const room = options.maxRecordBytes - size;
            if (room > 0) {
                const kept = piece.subarray(0, room);
                chunks.push(kept);
                size += kept.length;
            }
            if (piece.length > room) {
                cut = true;
                // One record only: what is beyond the limit is never read.
                if (options.separator === undefined) child.kill("SIGKILL");
            }
        };
        const emit = (): void => {
            if (stopped) return;
            const record = Buffer.concat(chunks, size);
            const wasCut = cut;
            chunks = [];
            size = 0;
            cut = false;
            if (onRecord(record, wasCut) === false) {
                stopped = true;
                child.kill("SIGKILL");
            }
        };
        child.stdout.on("data", (data: Buffer) => {
            if (options.separator === undefined) {
                keep(data);
                return;
            }
            let start = 0;
            for (let at = data.indexOf(options.separator, start); at >= 0 && !stopped; at = data.indexOf(options.separator, start)) {
                keep(data.subarray(start, at));
                emit();
                start = at + 1;
            }
            keep(data.subarray(start));
        });
        child.stderr.resume();
        child.on("error", (error: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            reject(gitProblem(projectDir, `git cannot be run (${error.code ?? "error"}); release-notes needs git on PATH`));
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            if (!stopped && !timedOut && (size > 0 || cut || options.separator === undefined)) emit();
            resolve({ code, timedOut, stopped });
        });
    });
}

/** The whole stdout of a short git call, up to `maxBytes` (`cut` beyond). */
export async function gitOutput(projectDir: string, args: readonly string[], maxBytes = 64 * 1024): Promise<{ readonly code: number | null; readonly stdout: Buffer; readonly cut: boolean; readonly timedOut: boolean }> {
    let stdout: Buffer = Buffer.alloc(0);
    let cut = false;
    const run = await gitStream(projectDir, args, { maxRecordBytes: maxBytes }, (record, wasCut) => {
        stdout = record;
        cut = wasCut;
    });
    return { code: run.code, stdout, cut, timedOut: run.timedOut };
}

/** A git call that must succeed; its failure is one line naming the call, never git's stderr. */
export function requireSuccess(projectDir: string, what: string, run: { readonly code: number | null; readonly timedOut: boolean }): void {
    if (run.timedOut) throw gitProblem(projectDir, `${what} did not finish within ${GIT_TIMEOUT_MS / 1000} s`);
    if (run.code !== 0) throw gitProblem(projectDir, `${what} failed (git exit ${run.code ?? "signal"})`);
}

export interface Repository {
    readonly projectDir: string;
    /** The project folder's path inside the repository, `""` at its top or `tools/x/`. */
    readonly prefix: string;
    readonly shallow: boolean;
}

/** The repository the project folder is in; a folder that is none (or one git refuses to read) is exit 2. */
export async function openRepository(projectDir: string): Promise<Repository> {
    let stats: fs.Stats;
    try {
        stats = fs.statSync(projectDir);
    } catch {
        throw new InputFileError(projectDir, "no such folder (--project-dir)");
    }
    if (!stats.isDirectory()) throw new InputFileError(projectDir, "is not a folder (--project-dir)");
    const inside = await gitOutput(projectDir, ["rev-parse", "--is-inside-work-tree", "--show-prefix", "--is-shallow-repository"]);
    if (inside.timedOut) requireSuccess(projectDir, "git rev-parse", inside);
    const lines = inside.stdout.toString("utf8").split("\n");
    if (inside.code !== 0 || lines[0] !== "true") throw new InputFileError(projectDir, "is not in a git repository (one with a work tree that git agrees to read)");
    return { projectDir, prefix: lines[1] ?? "", shallow: lines[2] === "true" };
}

/** Why a ref is refused before git sees it; undefined when it has a ref's shape. */
export function refShapeProblem(ref: string): string | undefined {
    if (ref.length === 0) return "is empty";
    if (ref.length > MAX_REF_LENGTH) return `is ${ref.length} characters long (at most ${MAX_REF_LENGTH})`;
    if (ref.startsWith("-")) return "starts with \"-\" (git would read it as an option)";
    if (ref.includes("..")) return "holds \"..\" (a range: give its two ends as --from and --to)";
    if (!REF_CHARACTERS.test(ref)) return "holds characters no ref is written with (letters, digits and . _ / ~ ^ @ { } + - only)";
    return undefined;
}

export interface ResolvedRef {
    /** As given: a ref of the repository, checked for shape. */
    readonly ref: string;
    readonly sha: string;
}

/** `--from`/`--to` to a commit: shape first, then `git rev-parse --verify --end-of-options <ref>^{commit}`. */
export async function resolveRef(repository: Repository, option: string, ref: string): Promise<ResolvedRef> {
    const problem = refShapeProblem(ref);
    if (problem !== undefined) throw new UsageError(`${option} takes a git ref (a branch, tag or commit); the one given ${problem}`);
    const answer = await gitOutput(repository.projectDir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    if (answer.timedOut) requireSuccess(repository.projectDir, "git rev-parse", answer);
    const sha = answer.stdout.toString("utf8").trim();
    if (answer.code !== 0 || !FULL_SHA.test(sha)) {
        const shallow = repository.shallow ? " (this clone is shallow: fetch more history, e.g. git fetch --unshallow)" : "";
        throw new UsageError(`${option} ${describeFound(ref, { keyword: true })} names no commit of the repository${shallow}`);
    }
    return { ref, sha };
}

/** A path of the project folder as git names it inside a commit: `<sha>:<prefix><path>`. */
export function blobAt(repository: Repository, sha: string, relativePath: string): string {
    return `${sha}:${repository.prefix}${relativePath}`;
}

/**
 * A file of the project folder at a commit, up to `maxBytes`: undefined when the commit has no such file,
 * `tooLarge` when it is larger.
 */
export async function fileAt(repository: Repository, sha: string, relativePath: string, maxBytes: number): Promise<{ readonly bytes: Buffer; readonly tooLarge: boolean } | undefined> {
    const spec = blobAt(repository, sha, relativePath);
    const kind = await gitOutput(repository.projectDir, ["cat-file", "-t", spec]);
    if (kind.timedOut) requireSuccess(repository.projectDir, "git cat-file", kind);
    if (kind.code !== 0 || kind.stdout.toString("utf8").trim() !== "blob") return undefined;
    const blob = await gitOutput(repository.projectDir, ["cat-file", "blob", spec], maxBytes);
    if (blob.cut) return { bytes: Buffer.alloc(0), tooLarge: true };
    requireSuccess(repository.projectDir, "git cat-file", blob);
    return { bytes: blob.stdout, tooLarge: false };
}
