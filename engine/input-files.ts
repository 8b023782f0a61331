import * as fs from "fs";
import { InputFileError } from "./input-error";

/**
 * Every file the tools read goes through here: regular files only (a FIFO, a device such as /dev/zero or a
 * directory is refused before a byte is read, so nothing blocks or grows without bound), up to a stated
 * size, or standard input when the caller allows `-`. Each file read is remembered, so that `--output`
 * can refuse to overwrite an input of the same run.
 */

export const STDIN = "-";

export interface ReadLimits {
    /** Largest accepted size in bytes; the error states it. */
    readonly maxBytes: number;
    /** Whether `-` means standard input here. */
    readonly allowStdin?: boolean;
}

const MIB = 2 ** 20;

/** Sizes that no legitimate input of each kind comes near, so that a wrong file fails fast. */
export const SIZE_LIMITS = {
    stackFile: 4 * MIB,
    packConfig: 4 * MIB,
    report: 256 * MIB,
    stateFile: 512 * MIB,
} as const;

interface FileIdentity {
    readonly dev: number;
    readonly ino: number;
    /** Creation time, where the filesystem records it: an inode number is reused once its file is deleted. */
    readonly birthtimeMs: number;
}

const filesRead: FileIdentity[] = [];

function describeSize(bytes: number): string {
    return bytes >= MIB ? `${(bytes / MIB).toFixed(bytes >= 10 * MIB ? 0 : 1)} MiB` : `${bytes} bytes`;
}

function kindOf(stats: fs.Stats): string {
    if (stats.isDirectory()) return "a directory";
    if (stats.isFIFO()) return "a named pipe (FIFO)";
    if (stats.isCharacterDevice()) return "a character device";
    if (stats.isBlockDevice()) return "a block device";
    if (stats.isSocket()) return "a socket";
    return "not a regular file";
}

function openProblem(error: unknown): string {
    const code = (error as NodeJS.ErrnoException).code;
    switch (code) {
        case "ENOENT":
            return "no such file";
        case "EISDIR":
            return "is a directory, not a file";
        case "EACCES":
        case "EPERM":
            return "cannot be read (permission denied)";
        case "ENOTDIR":
            return "no such file (a part of the path is not a folder)";
        case "ELOOP":
            return "cannot be read (too many symbolic links)";
        case "ENAMETOOLONG":
            return "cannot be read (the path is too long)";
        default:
            return `cannot be read (${code ?? "unknown error"})`;
    }
}

/** Reads a whole regular file (or stdin with `-` where allowed), refusing anything that is not one or is too large. */
export function readInputFile(file: string, limits: ReadLimits): Buffer {
    if (file === STDIN) {
        if (!limits.allowStdin) throw new InputFileError(file, "standard input is not accepted here; give a file");
        return readStdin(limits.maxBytes);
    }
    let descriptor: number;
    try {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        descriptor = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
        throw new InputFileError(file, openProblem(error));
    }
    try {
        const stats = fs.fstatSync(descriptor);
        if (!stats.isFile()) throw new InputFileError(file, `is ${kindOf(stats)}; expected a regular file`);
        if (stats.size > limits.maxBytes) throw new InputFileError(file, `is ${describeSize(stats.size)}; the limit is ${describeSize(limits.maxBytes)}`);
        filesRead.push({ dev: stats.dev, ino: stats.ino, birthtimeMs: stats.birthtimeMs });
        return readBounded(descriptor, file, limits.maxBytes);
    } finally {
        fs.closeSync(descriptor);
    }
}

/** The same as UTF-8 text (stack files and JSON documents); a UTF-16 file or NUL bytes get a precise error. */
export function readInputText(file: string, limits: ReadLimits): string {
    const buffer = readInputFile(file, limits);
    if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
        throw new InputFileError(file, "is UTF-16 encoded; save it as UTF-8");
    }
    if (buffer.includes(0)) throw new InputFileError(file, "contains NUL bytes; expected UTF-8 text");
    const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    return buffer.toString("utf8", start);
}

/** A file grown since fstat (a log being written) is still cut at the limit. */
function readBounded(descriptor: number, file: string, maxBytes: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(MIB, maxBytes + 1 - total));
        let read: number;
        try {
            read = fs.readSync(descriptor, chunk, 0, chunk.length, null);
        } catch (error) {
            // A regular file by fstat that cannot be read (/proc/self/mem: EIO; a file on a failing disk).
            throw new InputFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})`);
        }
        if (read === 0) break;
        chunks.push(chunk.subarray(0, read));
        total += read;
        if (total > maxBytes) throw new InputFileError(file, `is larger than the limit of ${describeSize(maxBytes)}`);
    }
    return Buffer.concat(chunks, total);
}

function readStdin(maxBytes: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(MIB);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
        let read: number;
        try {
            read = fs.readSync(0, chunk, 0, chunk.length, null);
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "EAGAIN") {
                // Non-blocking stdin with nothing yet: wait a little rather than spin.
                Atomics.wait(pause, 0, 0, 10);
                continue;
            }
            if (code === "EOF") break;
            throw new InputFileError(STDIN, `standard input cannot be read (${code ?? "unknown error"})`);
        }
        if (read === 0) break;
        chunks.push(Buffer.from(chunk.subarray(0, read)));
        total += read;
        if (total > maxBytes) throw new InputFileError(STDIN, `standard input is larger than the limit of ${describeSize(maxBytes)}`);
    }
    return Buffer.concat(chunks, total);
}

/** Whether an existing path is a file this run has read (same device and inode, whatever the path's spelling). */
export function wasReadThisRun(stats: fs.Stats): boolean {
    return filesRead.some((identity) => identity.dev === stats.dev && identity.ino === stats.ino && (identity.birthtimeMs === 0 || stats.birthtimeMs === 0 || identity.birthtimeMs === stats.birthtimeMs));
}
