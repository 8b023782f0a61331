import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { stringify } from "yaml";
import { RunningDaemon, startUntilReady } from "./daemon";
import { engineSpecsRequired, onPath } from "./pulumi-cli";
import { RenderedResource, RenderedStack } from "../../engine/render";
import { PLATFORM_RULES_NAME } from "../../components/monitoring/prometheus";
import { ofType, plainInputs, renderedStack } from "./stacks";

/** Prometheus and promtool from the Debian package (scripts/prometheus.sh installs it; .ci/run calls it). */
export interface PrometheusTools {
    readonly prometheus: string;
    readonly promtool: string;
}

/**
 * The tools for a spec's `before` hook: skips the suite when they are missing (counted as skipped), or fails
 * it when CI requires the real parts (PLATFORM_ENGINE_SPECS=required, as for the Pulumi CLI).
 */
export function prometheusOrSkip(context: Mocha.Context): PrometheusTools {
    const prometheus = onPath("prometheus");
    const promtool = onPath("promtool");
    if (prometheus && promtool) return { prometheus, promtool };
    const reason = "prometheus and promtool are not on PATH: run scripts/prometheus.sh (Debian package prometheus)";
    if (engineSpecsRequired()) throw new Error(`PLATFORM_ENGINE_SPECS=required but ${reason}`);
    console.log(`    skipped: ${reason}`);
    return context.skip();
}

/** The PrometheusRule of the platform's alerts (components/monitoring/rules.ts), among any others the stack deploys. */
export function platformRules(stack: RenderedStack): RenderedResource {
    const found = ofType(stack, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((rule) => (plainInputs(rule).metadata as { name?: string }).name === PLATFORM_RULES_NAME);
    if (found.length !== 1) throw new Error(`expected one PrometheusRule ${PLATFORM_RULES_NAME} in ${stack.stack}, found ${found.length}`);
    return found[0];
}

/**
 * The rules the program deploys, as a Prometheus rule file: the `spec.groups` of the PrometheusRule in the
 * stack rendered from its real stack file (so the stack's own error budget is in the thresholds).
 */
export async function writeDeployedRules(dir: string, stack = "prod"): Promise<string> {
    const rule = platformRules(await renderedStack(stack));
    const groups = (plainInputs(rule).spec as { groups: unknown[] }).groups;
    const file = path.join(dir, `platform-rules-${stack}.yml`);
    fs.writeFileSync(file, stringify({ groups }, { lineWidth: 0 }));
    return file;
}

export function runPromtool(tools: PrometheusTools, args: readonly string[], cwd: string): { status: number | null; output: string } {
    const result = spawnSync(tools.promtool, args, { cwd, encoding: "utf8", timeout: 120_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export type RunningPrometheus = RunningDaemon;

/** A real Prometheus server on 127.0.0.1 (free port, temp data dir) with a config; stopped by `stop()`. */
export async function startPrometheus(tools: PrometheusTools, config: unknown, dir: string): Promise<RunningPrometheus> {
    const port = await freePort();
    const configFile = path.join(dir, "prometheus.yml");
    fs.writeFileSync(configFile, stringify(config));
    const url = `http://127.0.0.1:${port}`;
    return startUntilReady("prometheus", tools.prometheus, [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
    ], url);
}
