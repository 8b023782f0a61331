// Bytes of a state file: size-capped read (stdin too), gzip, byte-order marks and UTF-16.
import { constants as bufferConstants } from "buffer";
import * as zlib from "zlib";
import { InputFileError } from "../input-error";
import { readInputFile, SIZE_LIMITS } from "../input-files";
import { EXPECTED } from "./wire";

/** The text of a state file, gunzipped and decoded, within the size limits. */
export function readText(file: string): string {
    let buffer = readInputFile(file, { maxBytes: SIZE_LIMITS.stateFile, allowStdin: true });
    if (buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) {
        try {
            buffer = zlib.gunzipSync(buffer, { maxOutputLength: bufferConstants.MAX_STRING_LENGTH + 16 });
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            throw new InputFileError(file, `is gzip-compressed but cannot be decompressed (${code === "ERR_BUFFER_TOO_LARGE" ? "too large" : "corrupt or truncated"})`);
        }
    }
    return decode(buffer, file);
}

function decode(buffer: Buffer, file: string): string {
    if (buffer.length === 0) throw new InputFileError(file, `is empty; ${EXPECTED}`);
    let encoding: "utf8" | "utf16le" = "utf8";
    let start = 0;
    if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) start = 3;
    else if (buffer[0] === 0xff && buffer[1] === 0xfe) [encoding, start] = ["utf16le", 2];
    else if (buffer[0] === 0xfe && buffer[1] === 0xff) {
        // UTF-16 big-endian: swap to little-endian (an odd trailing byte is dropped, and JSON.parse will say so).
        const even = buffer.length - 2 - ((buffer.length - 2) % 2);
        const body = Buffer.from(buffer.subarray(2, 2 + even));
        buffer = body.swap16();
        [encoding, start] = ["utf16le", 0];
    }
    const characters = encoding === "utf16le" ? (buffer.length - start) / 2 : buffer.length - start;
    const tooLarge = (): InputFileError =>
        new InputFileError(file, `is too large to read (${Math.round(buffer.length / 2 ** 20)} MB; the limit is about ${Math.floor(bufferConstants.MAX_STRING_LENGTH / 2 ** 20)} MB of text)`);
    if (characters > bufferConstants.MAX_STRING_LENGTH) throw tooLarge();
    try {
        return buffer.toString(encoding, start);
    } catch {
        throw tooLarge();
    }
}
