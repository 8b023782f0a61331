import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const created: string[] = [];

/** A temp folder, removed when the test process exits. */
export function scratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    if (created.length === 0) process.once("exit", () => created.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));
    created.push(dir);
    return dir;
}
