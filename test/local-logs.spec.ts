import { strict as assert } from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { encode } from "@msgpack/msgpack";
import { LOCAL_PORTS, OTEL_COLLECTOR_CONFIG } from "../components/local/config-files";
import { stopper } from "./support/daemon";
import { COLLECTOR, collectorOrSkip, freePort, ShippedRecord, startOtlpSink, waitFor } from "./support/otelcol";
import { scratchDir } from "./support/scratch";
import { renderedStack } from "./support/stacks";

/*
 * The local environment's log path: the local collector's own configuration (components/local/config-files.ts)
 * run by the real OpenTelemetry Collector, fed what Docker's fluentd log driver sends for a container's line
 * (Fluent Forward, msgpack: [tag, time, {container_id, container_name, source, log}]), and the services'
 * containers rendered with that driver. What reaches the OTLP endpoint standing for the local Loki is read.
 */

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

/** One Fluent Forward message in Message mode, as the fluentd log driver writes a container's line. */
function dockerLine(tag: string, source: "stdout" | "stderr", log: string): Uint8Array {
    return encode([tag, Math.floor(Date.now() / 1000), { container_id: "4f1d2c3b5a69", container_name: `/platform-local-${tag}`, source, log }]);
}

const stopChild = (child: ChildProcess): Promise<void> => stopper(child)();

/** Writes the messages on one connection, retrying the connection for up to 10 s while the receiver starts. */
async function send(port: number, messages: readonly Uint8Array[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
        try {
            await new Promise<void>((resolve, reject) => {
                const socket = net.connect(port, "127.0.0.1", () => {
                    for (const message of messages) socket.write(message);
                    socket.end(resolve);
                });
                socket.once("error", reject);
            });
            return;
        } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
}

describe("local environment: the services' stdout and stderr reach the local Loki (the real collector)", function () {
    this.timeout(120_000);
    let records: ShippedRecord[] = [];

    before(async function () {
        collectorOrSkip(this);
        const dir = scratchDir("platform-local-logs-");
        const sink = await startOtlpSink();
        const ports = { grpc: await freePort(), http: await freePort(), forward: await freePort(), health: await freePort() };
        // The local configuration with its listeners on free loopback ports and Loki's endpoint at the sink (JSON,
        // uncompressed, for reading); Tempo is not running, so traces have nowhere to go: none are sent.
        const config = OTEL_COLLECTOR_CONFIG.replace(`0.0.0.0:${LOCAL_PORTS.otlpGrpc}`, `127.0.0.1:${ports.grpc}`)
            .replace(`0.0.0.0:${LOCAL_PORTS.otlpHttp}`, `127.0.0.1:${ports.http}`)
            .replace(`0.0.0.0:${LOCAL_PORTS.fluentForward}`, `127.0.0.1:${ports.forward}`)
            .replace("0.0.0.0:13133", `127.0.0.1:${ports.health}`)
            .replace(`endpoint: http://loki:${LOCAL_PORTS.loki}/otlp`, `endpoint: ${sink.url}\n    encoding: json\n    compression: none`);
        assert.ok(config.includes(sink.url) && config.includes(`127.0.0.1:${ports.forward}`), "the spec rewrote the endpoints it meant to");
        const file = path.join(dir, "collector.yaml");
        fs.writeFileSync(file, config);
        const validated = spawnSync(COLLECTOR, ["validate", `--config=${file}`], { encoding: "utf8" });
        assert.equal(validated.status, 0, validated.stderr);
        const collector: ChildProcess = spawn(COLLECTOR, [`--config=${file}`], { stdio: ["ignore", "ignore", "pipe"] });
        let log = "";
        collector.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-4_000)));
        try {
            const line = JSON.stringify({ time: new Date().toISOString(), level: "error", service: "api", msg: "GET /status/500 500", trace_id: TRACE_ID, span_id: "00f067aa0ba902b7" });
            await send(ports.forward, [dockerLine("api", "stdout", line), dockerLine("worker", "stderr", "Error: queue unreachable\n    at connect (/app/worker.js:3:9)")]);
            await waitFor(() => sink.records().length >= 2 || collector.exitCode !== null, 20_000, 500);
            records = sink.records();
            assert.ok(records.length >= 2, `the collector shipped ${records.length} records: ${log}`);
        } finally {
            await stopChild(collector);
            await sink.close();
        }
    });

    it("each line arrives under its service's name, in the local environment, with the line whole", function () {
        const api = records.find((record) => record.resource["service.name"] === "api");
        assert.ok(api, JSON.stringify(records));
        assert.equal(api.resource["deployment.environment"], "local");
        assert.equal(api.resource["fluent.tag"], undefined, "the tag became service.name");
        const body = JSON.parse(api.body?.stringValue ?? "{}") as { trace_id?: string };
        assert.equal(body.trace_id, TRACE_ID, "the JSON line is kept whole: Grafana's derived field links it to its trace");
        const worker = records.find((record) => record.resource["service.name"] === "worker");
        assert.match(worker?.body?.stringValue ?? "", /^Error: queue unreachable\n {4}at connect/);
        assert.equal(worker?.attributesByKey.source?.stringValue, "stderr");
    });

    it("every service container of the local stack logs through the fluentd driver to the collector's published port", async function () {
        const stack = await renderedStack("local");
        const containers = stack.resources.filter((resource) => resource.type === "docker:index/container:Container").map((resource) => resource.inputs as { name: string; logDriver?: string; logOpts?: Record<string, string>; ports?: { internal: number; ip: string }[] });
        const collector = containers.find((container) => container.name.endsWith("-otel-collector"));
        assert.ok(collector?.ports?.some((port) => port.internal === LOCAL_PORTS.fluentForward && port.ip === "127.0.0.1"), "the collector publishes the Fluent Forward port on the loopback");
        for (const service of ["api", "worker"]) {
            const container = containers.find((candidate) => candidate.name.endsWith(`-${service}`));
            assert.equal(container?.logDriver, "fluentd", service);
            assert.deepEqual(container?.logOpts, { "fluentd-address": `127.0.0.1:${LOCAL_PORTS.fluentForward}`, "fluentd-async": "true", tag: service });
        }
        assert.equal(containers.filter((container) => container.logDriver === "fluentd").length, 2, "only the services' containers: the platform's own keep docker logs");
    });
});
