import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "./stacks";

/** The CLI version `npm run engine:build` builds (scripts/pulumi-cli.sh). */
export const PINNED_CLI_VERSION = fs.readFileSync(path.join(PROJECT_DIR, "scripts", "pulumi-cli.version"), "utf8").trim();

/** `pulumi policy analyze --file` exists from 3.249 on. */
const MINIMUM_VERSION: readonly [number, number, number] = [3, 249, 0];

/** Where the pinned build lands (git-ignored). */
export const BUILT_CLI_PATH = path.join(PROJECT_DIR, ".tools", "pulumi", `v${PINNED_CLI_VERSION}`, "bin", "pulumi");

/** The Node back-compat analyzer shim the CLI runs when no `pulumi-language-nodejs` is installed (see its header). */
const SHIM_DIR = path.join(PROJECT_DIR, "scripts", "engine-bin");

export interface PulumiCli {
    readonly path: string;
    /** As `pulumi version` prints it, e.g. "v3.260.0". */
    readonly version: string;
    /** "PATH": an engineer's own CLI; "built": the pinned build under .tools. */
    readonly source: "PATH" | "built";
}

function versionOf(binary: string): string | undefined {
    const result = spawnSync(binary, ["version"], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    if (result.status !== 0) return undefined;
    const version = result.stdout.trim();
    return /^v\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

function atLeastMinimum(version: string): boolean {
    const match = /^v(\d+)\.(\d+)\.(\d+)/.exec(version);
    if (!match) return false;
    const parts = [Number(match[1]), Number(match[2]), Number(match[3])];
    for (let index = 0; index < 3; index++) {
        if (parts[index] !== MINIMUM_VERSION[index]) return parts[index] > MINIMUM_VERSION[index];
    }
    return true;
}

/** The executable file `name` in a folder of PATH, as a shell would find it. */
export function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            continue;
        }
    }
    return undefined;
}

let found: { cli: PulumiCli | undefined; reason: string } | undefined;

/**
 * The Pulumi CLI the engine specs use: `pulumi` on PATH first (an engineer's own, if it has
 * `policy analyze --file`), else the pinned build from `npm run engine:build`. Undefined when neither exists.
 */
export function findPulumiCli(): { cli: PulumiCli | undefined; reason: string } {
    if (found) return found;
    const reasons: string[] = [];
    const fromPath = onPath("pulumi");
    if (fromPath) {
        const version = versionOf(fromPath);
        if (version && atLeastMinimum(version)) return (found = { cli: { path: fromPath, version, source: "PATH" }, reason: "" });
        reasons.push(`${fromPath} is ${version ?? "unusable"}, older than v${MINIMUM_VERSION.join(".")}`);
    }
    if (fs.existsSync(BUILT_CLI_PATH)) {
        const version = versionOf(BUILT_CLI_PATH);
        if (version) return (found = { cli: { path: BUILT_CLI_PATH, version, source: "built" }, reason: "" });
        reasons.push(`${BUILT_CLI_PATH} does not run`);
    }
    reasons.push(`no pulumi >= v${MINIMUM_VERSION.join(".")} on PATH and none built: run npm run engine:build`);
    return (found = { cli: undefined, reason: reasons.join("; ") });
}

let scratchHome: string | undefined;

/** One throw-away PULUMI_HOME (plugins, credentials, workspaces) per test process, so that runs never touch the user's. */
function pulumiHome(): string {
    if (!scratchHome) {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-pulumi-home-"));
        process.once("exit", () => fs.rmSync(home, { recursive: true, force: true }));
        scratchHome = home;
    }
    return scratchHome;
}

/**
 * Whether a missing CLI fails the engine specs instead of skipping them: `.ci/run` sets
 * PLATFORM_ENGINE_SPECS=required, so that CI never passes without exercising the engine.
 */
export function engineSpecsRequired(): boolean {
    return process.env.PLATFORM_ENGINE_SPECS === "required";
}

/**
 * The environment every CLI run gets: no update check, no plugin downloads, a scratch PULUMI_HOME, the
 * analyzer shim on PATH, no passphrase (so no secret is ever decrypted) and no colour.
 */
export function engineEnv(cli: PulumiCli, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_DEBUG_LANGUAGES"]) delete env[key];
    return {
        ...env,
        PATH: [SHIM_DIR, path.dirname(cli.path), process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_HOME: pulumiHome(),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        NO_COLOR: "1",
        ...extra,
    };
}

/** Runs the CLI synchronously in `cwd`; never throws on a non-zero exit (callers assert on it). */
export function runPulumi(cli: PulumiCli, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): SpawnSyncReturns<string> {
    return spawnSync(cli.path, [...args, "--non-interactive"], {
        cwd: options.cwd,
        env: options.env ?? engineEnv(cli),
        encoding: "utf8",
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 256 * 1024 * 1024,
    });
}

/**
 * The CLI for an engine spec's `before` hook: skips the suite when there is none (counted as skipped, never
 * passed), or fails it when CI requires the engine (PLATFORM_ENGINE_SPECS=required).
 */
export function cliOrSkip(context: Mocha.Context): PulumiCli {
    const { cli, reason } = findPulumiCli();
    if (cli) return cli;
    if (engineSpecsRequired()) throw new Error(`PLATFORM_ENGINE_SPECS=required but ${reason}`);
    console.log(`    skipped: ${reason}`);
    return context.skip();
}
