import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/*
 * Writes of the commands (`docs`, `parity-baseline`, every `--output`): all the files or none. Each text goes
 * first to a new file of this run's own beside its target (created exclusively: an existing file or link
 * there is never written through), and only when every one is written are they renamed over their targets;
 * a failure removes them and leaves every target as it was.
 */

/** A file that cannot be written: the target and the system's code (EACCES, ENOSPC, ...), never a trace. */
export class FileWriteError extends Error {
    constructor(readonly file: string, readonly code: string) {
        super(`${file}: cannot be written (${code})`);
        this.name = "FileWriteError";
    }
}

function codeOf(error: unknown): string {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === "string" ? code : "error";
}

/** Where a target's bytes go: an existing link's target (the link stays), else the path itself. */
function realTarget(file: string): { readonly target: string; readonly mode?: number } {
    const absolute = path.resolve(file);
    let real: string;
    try {
        real = fs.realpathSync(absolute);
    } catch {
        return { target: absolute };
    }
    const stats = fs.statSync(real);
    if (!stats.isFile()) throw new FileWriteError(file, "not a regular file");
    // Root may write anything; a file without write permission for this user is not replaced behind its back.
    fs.accessSync(real, fs.constants.W_OK);
    return { target: real, mode: stats.mode & 0o7777 };
}

/** Longest file name most filesystems take (ext4, xfs, btrfs, tmpfs), in bytes. */
const NAME_MAX = 255;

/**
 * A name of this run's own beside `name`: `.<name>.<random>.partial`, or where that would be too long, a name
 * of exactly `name`'s length, so that a name too long for the filesystem fails here, before any target changed.
 */
function partialName(name: string): string {
    const random = `${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    const readable = `.${name}.${random}.partial`;
    if (Buffer.byteLength(readable) <= NAME_MAX) return readable;
    const short = `.${random}.partial`;
    return short.padEnd(Math.max(short.length, Buffer.byteLength(name)), "~");
}

/** Writes each text to its file, all or none (see above); throws FileWriteError naming the file that failed. */
export function replaceFiles(files: readonly { readonly file: string; readonly text: string }[]): void {
    const staged: { readonly file: string; readonly partial: string; readonly target: string }[] = [];
    const discard = (): void => {
        for (const { partial } of staged) fs.rmSync(partial, { force: true });
    };
    for (const { file, text } of files) {
        try {
            const { target, mode } = realTarget(file);
            const partial = path.join(path.dirname(target), partialName(path.basename(target)));
            const descriptor = fs.openSync(partial, "wx", mode ?? 0o666);
            staged.push({ file, partial, target });
            try {
                fs.writeFileSync(descriptor, text, "utf8");
                if (mode !== undefined) fs.fchmodSync(descriptor, mode);
            } finally {
                fs.closeSync(descriptor);
            }
        } catch (error) {
            discard();
            if (error instanceof FileWriteError) throw error;
            throw new FileWriteError(file, codeOf(error));
        }
    }
    for (const [index, { file, partial, target }] of staged.entries()) {
        try {
            fs.renameSync(partial, target);
        } catch (error) {
            discard();
            throw new FileWriteError(file, `${codeOf(error)}${index > 0 ? `; ${index} of ${staged.length} files were already replaced` : ""}`);
        }
    }
}

/**
 * A system call's failure that reached a command unforeseen (an fs or spawn error with a code): one line naming
 * the path and the code, as any other unreadable or unwritable file is. Undefined for anything else (a bug).
 */
export function systemErrorProblem(error: unknown): string | undefined {
    if (!(error instanceof Error)) return undefined;
    const { code, syscall, path: file } = error as NodeJS.ErrnoException;
    if (typeof code !== "string" || typeof syscall !== "string") return undefined;
    return `${typeof file === "string" ? file : "a file"}: ${syscall} failed (${code})`;
}
