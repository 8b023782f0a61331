import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { InputFileError } from "../engine/input-error";
import { readInputFile, SIZE_LIMITS } from "../engine/input-files";
import { OutputError } from "./format";

/*
 * How `promote` reads and replaces a committed stack file, so that a promotion changes exactly the bytes it
 * means to, in exactly the file it means to, or nothing:
 *
 * - A stack file that is a symbolic link is followed only to a file inside the project folder (the link stays,
 *   the file it names is replaced); a link that leads out of the project is refused.
 * - The text is strict UTF-8; a byte order mark is kept as it was. A file that is not valid UTF-8 is refused
 *   rather than rewritten with replacement characters.
 * - The new text goes to a temporary file beside the old one, with the old one's mode (and owner, where the
 *   process may set it), flushed to disk, then renamed over it: a full disk, a read-only filesystem or an
 *   immutable file leave the old file whole. A file without write permission for this user is refused, as an
 *   editor writing in place would be, and so is a file that changed since it was read.
 */

/** A stack file as read: where it is, its text, and what is needed to write it back byte for byte. */
export interface StackFileBytes {
    /** The path by which the file is named (`<project>/Pulumi.<stack>.yaml`), for messages. */
    readonly file: string;
    /** The file read and replaced: the path itself, or the file inside the project a symbolic link names. */
    readonly real: string;
    /** The text, without its byte order mark. */
    readonly text: string;
    readonly bom: boolean;
    readonly bytes: Buffer;
    readonly stats: fs.Stats;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function errorCode(error: unknown): string {
    return (error as NodeJS.ErrnoException | undefined)?.code ?? "error";
}

function isInside(file: string, folder: string): boolean {
    return file.startsWith(`${folder}${path.sep}`);
}

/** The path to read and replace for `file`: itself, or the file a symbolic link names when that is inside `projectDir`. */
function resolveInProject(projectDir: string, file: string): string {
    let link: fs.Stats;
    try {
        link = fs.lstatSync(file);
    } catch {
        return file; // reading it says what is wrong
    }
    if (!link.isSymbolicLink()) return file;
    let real: string;
    let root: string;
    try {
        real = fs.realpathSync(file);
    } catch (error) {
        throw new InputFileError(file, `is a symbolic link that leads to no file (${errorCode(error)})`);
    }
    try {
        root = fs.realpathSync(projectDir);
    } catch (error) {
        throw new InputFileError(projectDir, `the project folder cannot be read (${errorCode(error)})`);
    }
    if (!isInside(real, root)) throw new InputFileError(file, "is a symbolic link to a file outside the project folder; promote does not follow it (replace the link by the file)");
    return real;
}

/** Reads a stack file for an edit in place (see above); one-line InputFileErrors. */
export function readStackBytes(projectDir: string, file: string): StackFileBytes {
    const real = resolveInProject(projectDir, file);
    const bytes = readInputFile(real, { maxBytes: SIZE_LIMITS.stackFile });
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new InputFileError(file, "is UTF-16 encoded; save it as UTF-8");
    if (bytes.includes(0)) throw new InputFileError(file, "contains NUL bytes; expected UTF-8 text");
    const bom = bytes.subarray(0, 3).equals(UTF8_BOM);
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom ? 3 : 0));
    } catch {
        throw new InputFileError(file, "is not valid UTF-8; promote would change bytes it does not mean to (save it as UTF-8)");
    }
    let stats: fs.Stats;
    try {
        stats = fs.statSync(real);
    } catch (error) {
        throw new InputFileError(file, `cannot be read (${errorCode(error)})`);
    }
    return { file, real, text, bom, bytes, stats };
}

/** The bytes of a stack file's new text, with the byte order mark it had. */
export function encodeStackText(stack: StackFileBytes, text: string): Buffer {
    const body = Buffer.from(text, "utf8");
    return stack.bom ? Buffer.concat([UTF8_BOM, body]) : body;
}

const WHY: Readonly<Record<string, string>> = {
    EACCES: "permission denied",
    EPERM: "not permitted: the file or its folder is immutable or append-only",
    EROFS: "a read-only filesystem",
    ENOSPC: "no space left on the device",
    EDQUOT: "the disk quota is exhausted",
    EIO: "an input/output error",
    EISDIR: "a folder is in the way",
    ENOENT: "it is gone",
    ENOTDIR: "a part of its path is not a folder",
    ETXTBSY: "it is busy",
    ENXIO: "it is not a regular file",
};

function cannotWrite(file: string, error: unknown, where = ""): OutputError {
    const code = errorCode(error);
    return new OutputError(`cannot write ${file}${where} (${code}${Object.hasOwn(WHY, code) ? `: ${WHY[code]}` : ""}); it is as it was`);
}

function writeAll(descriptor: number, bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(descriptor, bytes, offset, bytes.length - offset);
}

/** Whether the file still holds `expected` (same file, same bytes): a file edited meanwhile is not overwritten. */
function holds(stack: StackFileBytes, expected: Buffer): boolean {
    try {
        const now = fs.statSync(stack.real);
        if (!now.isFile() || now.dev !== stack.stats.dev || now.size !== expected.length) return false;
        return fs.readFileSync(stack.real).equals(expected);
    } catch {
        return false;
    }
}

/**
 * Replaces the stack file's content by `bytes` (see above), provided it still holds `current` (by default what
 * was read). Throws OutputError, and then the file is as it was and no temporary file is left.
 */
export function replaceStackFile(stack: StackFileBytes, bytes: Buffer, current: Buffer = stack.bytes): void {
    const { file, real } = stack;
    try {
        // Opening for writing, without truncating, changes nothing: it tells whether the file may be written
        // (permissions, an immutable or append-only file, a read-only filesystem) before anything is created.
        fs.closeSync(fs.openSync(real, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch (error) {
        throw cannotWrite(file, error);
    }
    const folder = path.dirname(real);
    const temporary = path.join(folder, `.${path.basename(real)}.promote-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
    let descriptor: number | undefined;
    let created = false;
    try {
        try {
            descriptor = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        } catch (error) {
            throw cannotWrite(file, error, `: no file can be created beside it in ${folder}`);
        }
        created = true;
        try {
            writeAll(descriptor, bytes);
            try {
                fs.fchownSync(descriptor, stack.stats.uid, stack.stats.gid);
            } catch {
                // Only root may give a file away: the new file is this user's, as an editor's would be.
            }
            fs.fchmodSync(descriptor, stack.stats.mode & 0o7777);
            fs.fsyncSync(descriptor);
            fs.closeSync(descriptor);
            descriptor = undefined;
        } catch (error) {
            throw cannotWrite(file, error);
        }
        if (!holds(stack, current)) throw new OutputError(`${file} changed while promote ran; nothing was written (run it again)`);
        try {
            fs.renameSync(temporary, real);
        } catch (error) {
            throw cannotWrite(file, error);
        }
        created = false;
    } finally {
        if (descriptor !== undefined) {
            try {
                fs.closeSync(descriptor);
            } catch {
                // Closed or unusable: nothing more to do with it.
            }
        }
        if (created) {
            try {
                fs.unlinkSync(temporary);
            } catch {
                // Left behind only if the folder refuses it too; the stack file itself is untouched.
            }
        }
    }
    try {
        const folderDescriptor = fs.openSync(folder, fs.constants.O_RDONLY);
        try {
            fs.fsyncSync(folderDescriptor);
        } finally {
            fs.closeSync(folderDescriptor);
        }
    } catch {
        // The rename is done; flushing the folder entry is best effort (not every filesystem allows it).
    }
}
