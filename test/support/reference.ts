import * as path from "path";

/** Vendored reference schemas and fixtures (see test/reference/README.md). */
export const REFERENCE_DIR = path.join(__dirname, "..", "reference");

export function referenceFile(...parts: string[]): string {
    return path.join(REFERENCE_DIR, ...parts);
}
