import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LOG_AGENT_NAMESPACE, logAgentConfig, LOKI_INDEX_LABELS, lokiOtlpConfig } from "../components/telemetry/log-agent";
import { COLLECTOR, collectorOrSkip, ShippedRecord, startOtlpSink, waitFor } from "./support/otelcol";
import { scratchDir } from "./support/scratch";
import { namedBySuffix, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";

/*
 * The log agent's pipeline, run by the real OpenTelemetry Collector (scripts/otelcol.sh builds it from its Go
 * modules) on real log lines: the sample service's own JSON lines and a real Node stack trace, written as
 * the kubelet writes them (CRI format, /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log), and shipped
 * by the agent's exporter to an OTLP/HTTP endpoint on 127.0.0.1 that stands where Loki's /otlp is.
 */

const POD_UID = "0c1f1e5e-1111-2222-3333-444455556666";
const TRACE_OF_ERROR = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACE_OF_VERSION = "7a825e849d168696dd13fb06a9df3b82";

/** What the sample service writes on stdout for a few requests, each with the trace context it was given. */
async function sampleServiceLines(): Promise<string[]> {
    const child = spawn(process.execPath, [path.join(PROJECT_DIR, "services", "api", "server.js")], {
        env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", OTEL_SERVICE_NAME: "api" },
        stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setInterval(() => {
            const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
            if (match) {
                clearInterval(timer);
                resolve(Number(match[1]));
            }
        }, 20);
        child.once("exit", (code) => reject(new Error(`the sample service exited with ${code}`)));
    });
    const get = (pathname: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${pathname}`, { headers }).then((response) => response.text());
    await get("/status/500", { traceparent: `00-${TRACE_OF_ERROR}-00f067aa0ba902b7-01`, "x-tenant-id": "acme" });
    await get("/healthz");
    await get("/version", { traceparent: `00-${TRACE_OF_VERSION}-1111111111111111-01` });
    await get("/metrics");
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    return out.split("\n").filter((line) => line.length > 0);
}

/** A real stack trace, as Node prints a logged error on stderr (console.error(error)): one line per frame. */
function nodeStackTrace(): string[] {
    const result = spawnSync(process.execPath, ["-e", "function handleUpload() { throw new Error('upload failed: disk full'); }\ntry { handleUpload(); } catch (error) { console.error(error); }"], { encoding: "utf8" });
    return result.stderr.split("\n").filter((line) => line.length > 0);
}

/** Lines as containerd writes them: `<time> <stream> <F|P> <text>`; P marks a part of a line over 16 KiB. */
function criLines(stream: "stdout" | "stderr", lines: readonly string[]): string[] {
    return lines.flatMap((line) => {
        const parts = line.match(/[^]{1,16384}/g) ?? [""];
        return parts.map((part, index) => `${new Date().toISOString()} ${stream} ${index === parts.length - 1 ? "F" : "P"} ${part}`);
    });
}

describe("log agent: every container line reaches Loki, parsed (the real OpenTelemetry Collector)", function () {
    this.timeout(120_000);
    const records: ShippedRecord[] = [];
    let longLine = "";
    let config: Record<string, unknown> = {};
    let collectorOutput = "";

    before(async function () {
        collectorOrSkip(this);
        const root = scratchDir("platform-log-agent-");
        const podDir = (namespace: string, pod: string, container: string) => {
            const dir = path.join(root, "pods", `${namespace}_${pod}_${POD_UID}`, container);
            fs.mkdirSync(dir, { recursive: true });
            return path.join(dir, "0.log");
        };
        longLine = JSON.stringify({ time: new Date().toISOString(), level: "warn", service: "api", msg: `large payload ${"x".repeat(40_000)}` });
        fs.writeFileSync(podDir("apps", "api-7d4b9c-x2x9z", "api"), [...criLines("stdout", await sampleServiceLines()), ...criLines("stderr", nodeStackTrace()), ...criLines("stdout", [longLine])].join("\n") + "\n");
        fs.writeFileSync(podDir(LOG_AGENT_NAMESPACE, "otel-agent-abcde", "opentelemetry-collector"), criLines("stderr", ["the agent's own line must not feed itself"]).join("\n") + "\n");

        const sink = await startOtlpSink();
        config = logAgentConfig({ environment: "prod", lokiOtlpEndpoint: sink.url, podLogRoot: path.join(root, "pods"), startAt: "beginning" });
        // The spec reads what is shipped: JSON instead of protobuf, uncompressed. Nothing else differs from a node's.
        const exporters = config.exporters as Record<string, Record<string, unknown>>;
        exporters["otlphttp/loki"] = { ...exporters["otlphttp/loki"], encoding: "json", compression: "none" };
        const configFile = path.join(root, "agent.yaml");
        fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

        const collector: ChildProcess = spawn(COLLECTOR, [`--config=${configFile}`], { stdio: ["ignore", "pipe", "pipe"] });
        collector.stdout?.on("data", (chunk: Buffer) => (collectorOutput += chunk.toString("utf8")));
        collector.stderr?.on("data", (chunk: Buffer) => (collectorOutput += chunk.toString("utf8")));
        // The service's lines (start-up, /status/500, /version), the stack trace and the long line: 5 entries.
        await waitFor(() => sink.records().length >= 5 || collector.exitCode !== null, 30_000);
        const exited = new Promise((resolve) => collector.once("exit", resolve));
        collector.kill("SIGTERM");
        await exited;
        records.push(...sink.records());
        await sink.close();
    });

    const find = (predicate: (record: ShippedRecord) => boolean, what: string): ShippedRecord => {
        const record = records.find(predicate);
        assert.ok(record, `no shipped record is ${what}; shipped: ${JSON.stringify(records.map((entry) => entry.body?.stringValue?.slice(0, 80)))}\n${collectorOutput.slice(-2000)}`);
        return record;
    };

    it("the collector accepts the agent's configuration as rendered for a node", function () {
        const nodeConfig = path.join(scratchDir("platform-log-agent-config-"), "agent.yaml");
        fs.writeFileSync(nodeConfig, JSON.stringify(logAgentConfig({ environment: "prod", lokiOtlpEndpoint: "http://loki.telemetry.svc.cluster.local:3100/otlp" })));
        const validated = spawnSync(COLLECTOR, ["validate", `--config=${nodeConfig}`], { encoding: "utf8" });
        assert.equal(validated.status, 0, validated.stderr);
    });

    it("a JSON line keeps the trace context of the request it served: trace and span ids, severity, tenant, message", function () {
        const error = find((record) => record.body?.stringValue === "GET /status/500 500", "the /status/500 line");
        assert.equal(error.traceId, TRACE_OF_ERROR);
        assert.match(error.spanId ?? "", /^[0-9a-f]{16}$/);
        assert.equal(error.severityText, "error");
        assert.equal(error.severityNumber, 17, "OTLP's ERROR");
        assert.equal(error.attributesByKey.tenant?.stringValue, "acme");
        assert.equal(error.attributesByKey.status?.doubleValue, 500);
        for (const parsed of ["trace_id", "span_id", "level", "time", "msg", "service", "log.file.path", "logtag"]) assert.equal(error.attributesByKey[parsed], undefined, `${parsed} is in the record itself, not kept twice`);
        const version = find((record) => record.body?.stringValue === "GET /version 200", "the /version line");
        assert.equal(version.traceId, TRACE_OF_VERSION);
        assert.equal(version.severityText, "info");
    });

    it("the resource says where the line came from: service, namespace, pod, container, environment", function () {
        const error = find((record) => record.body?.stringValue === "GET /status/500 500", "the /status/500 line");
        assert.deepEqual(
            { service: error.resource["service.name"], namespace: error.resource["k8s.namespace.name"], pod: error.resource["k8s.pod.name"], container: error.resource["k8s.container.name"], environment: error.resource["deployment.environment"] },
            { service: "api", namespace: "apps", pod: "api-7d4b9c-x2x9z", container: "api", environment: "prod" },
        );
        for (const label of LOKI_INDEX_LABELS) assert.ok(error.resource[label] !== undefined, `Loki's index label ${label} is on the resource`);
    });

    it("a multi-line stack trace on stderr is one entry", function () {
        const trace = find((record) => record.body?.stringValue?.startsWith("Error: upload failed: disk full") === true, "the stack trace");
        const lines = trace.body?.stringValue?.split("\n") ?? [];
        assert.ok(lines.some((line) => /^\s+at handleUpload /.test(line)), trace.body?.stringValue);
        assert.ok(lines.length >= 4, `the frames are in the same entry: ${lines.length} lines`);
        assert.equal(records.filter((record) => /^\s+at /.test(record.body?.stringValue ?? "")).length, 0, "no frame arrives as an entry of its own");
        assert.equal(trace.attributesByKey["log.iostream"]?.stringValue, "stderr");
    });

    it("a line the runtime split into 16 KiB parts arrives whole", function () {
        const long = find((record) => record.body?.stringValue?.startsWith("large payload ") === true, "the long line");
        assert.equal(long.body?.stringValue, (JSON.parse(longLine) as { msg: string }).msg);
        assert.equal(long.severityText, "warn");
    });

    it("probes and scrapes that succeed are not logged, and the agent's own lines never feed it", function () {
        assert.equal(records.filter((record) => /\/(healthz|metrics)/.test(record.body?.stringValue ?? "")).length, 0);
        assert.equal(records.filter((record) => record.resource["k8s.namespace.name"] === LOG_AGENT_NAMESPACE).length, 0);
        assert.equal(records.length, 5, JSON.stringify(records.map((record) => record.body?.stringValue?.slice(0, 60))));
    });

    it("Loki indexes a bounded set of labels: the rest is structured metadata", function () {
        assert.deepEqual(lokiOtlpConfig(), { resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...LOKI_INDEX_LABELS] }] } });
        assert.ok(!LOKI_INDEX_LABELS.some((label) => /pod|trace|span|tenant/.test(label)), "no per-pod, per-request or per-tenant label");
    });
});

describe("log agent: what the prod stack deploys", function () {
    this.timeout(120_000);

    it("a DaemonSet of the collector on every node, reading /var/log/pods read-only, in a namespace of its own, shipping to Loki", async function () {
        const stack = await renderedStack("prod");
        const agent = plainInputs(namedBySuffix(stack, "kubernetes:helm.sh/v3:Release", "-log-agent"));
        const values = agent.values as Record<string, unknown>;
        assert.equal(values.mode, "daemonset");
        assert.deepEqual(values.config, logAgentConfig({ environment: "prod", lokiOtlpEndpoint: "http://loki.telemetry.svc.cluster.local:3100/otlp" }));
        assert.deepEqual(values.extraVolumeMounts, [{ name: "varlogpods", mountPath: "/var/log/pods", readOnly: true }]);
        assert.match(String((values.image as Record<string, unknown>).digest), /^sha256:[0-9a-f]{64}$/);
        const namespace = plainInputs(namedBySuffix(stack, "kubernetes:core/v1:Namespace", "-agent-ns"));
        assert.equal((namespace.metadata as { name: string }).name, LOG_AGENT_NAMESPACE);
        const loki = plainInputs(namedBySuffix(stack, "kubernetes:helm.sh/v3:Release", "-telemetry-loki"));
        const limits = ((loki.values as Record<string, Record<string, unknown>>).loki.limits_config as Record<string, unknown>);
        assert.deepEqual(limits.otlp_config, lokiOtlpConfig());
        assert.equal(limits.retention_period, "720h", "prod keeps logs 30 days (platform:telemetry.logRetentionDays)");
    });
});
