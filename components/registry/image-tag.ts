import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

const IGNORED = new Set([".git", "node_modules"]);

/** A digest of every file under the build context (names and contents), in a stable order. */
export function contextHash(context: string): string {
    const hash = createHash("sha256");
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (IGNORED.has(entry.name)) continue;
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (entry.isFile()) hash.update(`${path.relative(context, file)}\0`).update(fs.readFileSync(file)).update("\0");
        }
    };
    walk(context);
    return hash.digest("hex");
}

/**
 * Repositories are immutable, so a tag must never be pushed twice with different contents: the commit
 * alone would collide when an uncommitted change is rebuilt at the same commit.
 */
export function imageTag(commit: string, context: string): string {
    return `${commit.slice(0, 12)}-${contextHash(context).slice(0, 12)}`;
}
