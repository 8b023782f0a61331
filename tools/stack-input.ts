import * as fs from "fs";
import * as path from "path";
import { stackFileName } from "../config/load";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { UsageError } from "./checks";

/**
 * A release command about one stack needs its stack file (bad usage without it), and its project and stack
 * files readable: a directory, a FIFO or a file over the limit is bad input (exit 2), not a failed check.
 */
export function requireReadableStackFiles(projectDir: string, stack: string): void {
    if (!fs.existsSync(path.join(projectDir, stackFileName(stack)))) throw new UsageError(`no ${stackFileName(stack)} in ${projectDir}`);
    for (const file of ["Pulumi.yaml", stackFileName(stack)]) readInputText(path.join(projectDir, file), { maxBytes: SIZE_LIMITS.stackFile });
}
