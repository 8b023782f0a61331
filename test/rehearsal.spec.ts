import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "./support/stacks";

/*
 * `npm run rehearse`, the release flow end to end on real parts (rehearsal/run.ts): a Docker daemon and
 * registry, Prometheus, the pinned Pulumi CLI. It needs root for Debian packages and takes minutes, so a
 * plain `npm test` counts it as skipped; `.ci/run` sets PLATFORM_REHEARSAL=required, where it must pass.
 */

describe("the release rehearsal (npm run rehearse) on real parts", function () {
    this.timeout(20 * 60_000);

    it("build -> publish -> promote -> predeploy -> up -> smoke -> freeze -> rollback -> audit: every step passes", async function () {
        if (process.env.PLATFORM_REHEARSAL !== "required") {
            console.log("    skipped: the rehearsal runs with PLATFORM_REHEARSAL=required (.ci/run), or by itself: npm run rehearse");
            this.skip();
        }
        const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
            const child = spawn(process.execPath, ["-r", "./tools/register.js", path.join("rehearsal", "run.ts")], { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
            let text = "";
            child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
            child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
            child.on("close", (code) => resolve({ code, text }));
        });
        const lines = output.text.trim().split("\n");
        assert.equal(output.code, 0, output.text);
        assert.match(lines[lines.length - 1], /^rehearsal: (\d+) steps passed, 0 failed$/, output.text);
        assert.equal(lines.filter((line) => line.startsWith("✔ ")).length, 10, output.text);
    });
});
