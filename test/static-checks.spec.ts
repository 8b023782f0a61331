import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "./support/stacks";

/** Type-check and lint run inside the suite, so that its one summary line counts them too. */
function runTool(script: string, args: string[]): { code: number | null; output: string } {
    const result = spawnSync(process.execPath, [path.join(PROJECT_DIR, "node_modules", ...script.split("/")), ...args], { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("static checks", function () {
    this.timeout(600_000);

    it("the whole project type-checks (strict tsc, no emit)", function () {
        const { code, output } = runTool("typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.json"]);
        assert.equal(code, 0, output);
    });

    it("eslint reports nothing", function () {
        const { code, output } = runTool("eslint/bin/eslint.js", ["."]);
        assert.equal(code, 0, output);
    });
});
