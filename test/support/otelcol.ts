import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { PROJECT_DIR } from "./stacks";

/** The collector scripts/otelcol.sh builds (its path names the version and the wrapper module). */
export const COLLECTOR = spawnSync("bash", [path.join(PROJECT_DIR, "scripts", "otelcol.sh"), "--print-path"], { encoding: "utf8" }).stdout.trim();

/** Skips the suite without the collector (counted as skipped), or fails it where CI requires it. */
export function collectorOrSkip(context: Mocha.Context): string {
    if (fs.existsSync(COLLECTOR)) return COLLECTOR;
    const reason = `no collector at ${COLLECTOR} (bash scripts/otelcol.sh builds it)`;
    if (process.env.PLATFORM_OTELCOL === "required") throw new Error(`PLATFORM_OTELCOL=required but ${reason}`);
    console.log(`    skipped: ${reason}`);
    return context.skip();
}

export interface OtlpValue {
    readonly stringValue?: string;
    readonly intValue?: string;
    readonly doubleValue?: number;
}
interface OtlpAttribute {
    readonly key: string;
    readonly value: OtlpValue;
}
interface OtlpRecord {
    readonly severityText?: string;
    readonly severityNumber?: number;
    readonly body?: OtlpValue;
    readonly traceId?: string;
    readonly spanId?: string;
    readonly attributes?: readonly OtlpAttribute[];
}
/** A log record as shipped, with its resource's and its own attributes by key. */
export interface ShippedRecord extends OtlpRecord {
    readonly resource: Readonly<Record<string, string | undefined>>;
    readonly attributesByKey: Readonly<Record<string, OtlpValue | undefined>>;
}
interface OtlpLogs {
    readonly resourceLogs: readonly { resource: { attributes?: readonly OtlpAttribute[] }; scopeLogs: readonly { logRecords?: readonly OtlpRecord[] }[] }[];
}

function byKey(attributes: readonly OtlpAttribute[] | undefined): Record<string, OtlpValue> {
    return Object.fromEntries((attributes ?? []).map((attribute) => [attribute.key, attribute.value]));
}

export async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/** An OTLP/HTTP endpoint on 127.0.0.1 standing where Loki's `/otlp` is: it keeps every log record posted as JSON. */
export async function startOtlpSink(): Promise<{ readonly url: string; records(): ShippedRecord[]; close(): Promise<void> }> {
    const received: OtlpLogs[] = [];
    const sink = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        request.on("end", () => {
            if (request.url === "/otlp/v1/logs") received.push(JSON.parse(body) as OtlpLogs);
            response.writeHead(200, { "content-type": "application/json" });
            response.end("{}");
        });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => sink.listen(port, "127.0.0.1", resolve));
    const records = (): ShippedRecord[] =>
        received.flatMap((logs) =>
            logs.resourceLogs.flatMap((resourceLogs) => {
                const resource = Object.fromEntries(Object.entries(byKey(resourceLogs.resource.attributes)).map(([key, value]) => [key, value.stringValue]));
                return resourceLogs.scopeLogs.flatMap((scope) => (scope.logRecords ?? []).map((record) => ({ ...record, resource, attributesByKey: byKey(record.attributes) })));
            }),
        );
    return { url: `http://127.0.0.1:${port}/otlp`, records, close: () => new Promise((resolve) => sink.close(() => resolve())) };
}

/** Polls until `done()` or the deadline, then waits `settleMs` more for anything else on its way. */
export async function waitFor(done: () => boolean, timeoutMs: number, settleMs = 1_500): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, settleMs));
}
