import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "./support/stacks";

const CACHE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache");

/** Type-check and lint run inside the suite, so that its one summary line counts them too. */
function runTool(script: string, args: string[]): { code: number | null; output: string } {
    const result = spawnSync(process.execPath, [path.join(PROJECT_DIR, "node_modules", ...script.split("/")), ...args], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("static checks", function () {
    this.timeout(600_000);

    it("the whole project type-checks (strict tsc, no emit)", function () {
        // Incremental: a run with unchanged files re-checks nothing (the state is kept under node_modules/.cache).
        const { code, output } = runTool("typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.json", "--incremental", "--tsBuildInfoFile", path.join(CACHE_DIR, "tsc", "tsconfig.tsbuildinfo")]);
        assert.equal(code, 0, output);
    });

    it("eslint reports nothing", function () {
        // Cached by content: an unchanged file is not linted again.
        const { code, output } = runTool("eslint/bin/eslint.js", [".", "--cache", "--cache-strategy", "content", "--cache-location", path.join(CACHE_DIR, "eslint") + path.sep]);
        assert.equal(code, 0, output);
    });
});
