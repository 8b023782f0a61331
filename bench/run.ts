/**
 * Benchmarks, printed as numbers (no timed tests): run with `npm run bench [-- --with-tests]`.
 * - render of each stack, in one process (first = cold modules) and each from a fresh process;
 * - the floor: a fresh Node that loads ts-node, the Pulumi SDK and the providers and does nothing;
 * - optionally the wall time of the whole test command.
 */
import { execFileSync, spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { renderStack } from "../engine/render";

const ROOT = path.join(__dirname, "..");
const STACKS = ["dev", "staging", "prod"];

function timeCommand(command: string, args: string[]): { ms: number; peakMb: number; ok: boolean } {
    // GNU time reports the peak resident set size of the child; fall back to wall time only.
    const started = process.hrtime.bigint();
    const result = spawnSync("/usr/bin/time", ["-f", "%M", command, ...args], { cwd: ROOT, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.error) {
        const fallbackStart = process.hrtime.bigint();
        const fallback = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
        return { ms: Number(process.hrtime.bigint() - fallbackStart) / 1e6, peakMb: NaN, ok: fallback.status === 0 };
    }
    const lines = result.stderr.trim().split("\n");
    return { ms, peakMb: Number(lines[lines.length - 1]) / 1024, ok: result.status === 0 };
}

const FLOOR_SCRIPT = `require("ts-node").register({ transpileOnly: true, project: "${path.join(ROOT, "tsconfig.json")}" });
require("@pulumi/pulumi"); require("@pulumi/aws"); require("@pulumi/kubernetes"); require("@pulumi/random");`;

const RENDER_ONE = (stack: string): string => `require("ts-node").register({ transpileOnly: true, project: "${path.join(ROOT, "tsconfig.json")}" });
require("./engine/render").renderStack({ projectDir: ".", stack: "${stack}" }).then((r) => console.log(r.resources.length));`;

function format(ms: number): string {
    return `${Math.round(ms)} ms`;
}

async function main(): Promise<void> {
    const withTests = process.argv.includes("--with-tests");
    console.log(`node ${process.version}, ${os.cpus().length} cores`);

    console.log("\nIn one process (first render loads the program and providers):");
    for (const stack of STACKS) {
        const rendered = await renderStack({ projectDir: ROOT, stack });
        console.log(`  ${stack.padEnd(8)} ${String(rendered.resources.length).padStart(4)} resources  ${format(rendered.durationMs)}`);
    }

    console.log("\nEach from a fresh process (wall time, peak RSS), next to the floor:");
    const floor = timeCommand(process.execPath, ["-e", FLOOR_SCRIPT]);
    console.log(`  floor    node + ts-node + @pulumi/{pulumi,aws,kubernetes,random}: ${format(floor.ms)}, ${floor.peakMb.toFixed(0)} MB`);
    for (const stack of STACKS) {
        const run = timeCommand(process.execPath, ["-e", RENDER_ONE(stack)]);
        console.log(`  ${stack.padEnd(8)} ${format(run.ms)}, ${run.peakMb.toFixed(0)} MB  (${(run.ms / floor.ms).toFixed(2)}x the floor)${run.ok ? "" : "  FAILED"}`);
    }
    const all = timeCommand(process.execPath, [path.join(ROOT, "tools", "bin.js"), "plan", "--stack", "all"]);
    console.log(`  plan --stack all: ${format(all.ms)}, ${all.peakMb.toFixed(0)} MB${all.ok ? "" : "  FAILED"}`);

    if (withTests) {
        const npm = process.platform === "win32" ? "npm.cmd" : "npm";
        const tests = timeCommand(npm, ["test", "--silent"]);
        const summary = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
        console.log(`\nnpm test (type-check, lint, mocha) at ${summary}: ${format(tests.ms)}, ${tests.ok ? "passed" : "FAILED"}`);
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
