"use strict";
// Sample service: health endpoints for the probes, /version for what runs (BUILD_* from the image or the
// Deployment), and /metrics for Prometheus: requests counted per status code, the series the platform's
// error-budget rules record (components/monitoring/rules.ts) and `predeploy` reads.
// Every request is logged as one JSON line on stdout, with the W3C trace context of the request it serves
// (the log agent, components/telemetry/log-agent.ts, turns these fields into Loki's labels and metadata).
const crypto = require("crypto");
const http = require("http");

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "0.0.0.0";

// Known codes start at 0, so that a rate over them exists before the first error.
const requestsByCode = new Map([["200", 0], ["500", 0], ["503", 0]]);
// Request durations in a Prometheus histogram: the canary analysis compares the p99 of two versions.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const durationCounts = DURATION_BUCKETS.map(() => 0);
let durationCount = 0;
let durationSum = 0;

function observeDuration(seconds) {
    DURATION_BUCKETS.forEach((bound, index) => {
        if (seconds <= bound) durationCounts[index] += 1;
    });
    durationCount += 1;
    durationSum += seconds;
}

function text(status, body) {
    return [status, "text/plain", body];
}

const serviceName = process.env.OTEL_SERVICE_NAME || "api";
/** Probes and scrapes answer often and say nothing new: logged only when they fail. */
const QUIET_PATHS = new Set(["/healthz", "/livez", "/readyz", "/metrics"]);
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const TENANT = /^[A-Za-z0-9_-]{1,64}$/;

/** One JSON line: the fields the log agent parses (time, level, service, tenant, trace_id, span_id, msg). */
function log(level, msg, fields = {}) {
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, service: serviceName, msg, ...fields }) + "\n");
}

/** The request's trace context: its caller's (traceparent), else a new trace; this request is a new span in it. */
function traceOf(request) {
    const parent = TRACEPARENT.exec(String(request.headers.traceparent || ""));
    const traceId = parent && !/^0+$/.test(parent[1]) ? parent[1] : crypto.randomBytes(16).toString("hex");
    return { trace_id: traceId, span_id: crypto.randomBytes(8).toString("hex") };
}

const routes = {
    "/healthz": () => text(200, "ok\n"),
    "/livez": () => text(200, "live\n"),
    "/readyz": () => text(200, "ready\n"),
    "/version": () => [200, "application/json", JSON.stringify({ sha: process.env.BUILD_SHA, date: process.env.BUILD_DATE, actor: process.env.BUILD_ACTOR }) + "\n"],
};

function metrics() {
    const lines = ["# HELP http_requests_total Requests served, by status code (/metrics itself not counted).", "# TYPE http_requests_total counter"];
    for (const [code, count] of [...requestsByCode].sort()) lines.push(`http_requests_total{code="${code}"} ${count}`);
    lines.push("# HELP http_request_duration_seconds Time to answer a request (/metrics itself not counted).", "# TYPE http_request_duration_seconds histogram");
    DURATION_BUCKETS.forEach((bound, index) => lines.push(`http_request_duration_seconds_bucket{le="${bound}"} ${durationCounts[index]}`));
    lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${durationCount}`, `http_request_duration_seconds_sum ${durationSum}`, `http_request_duration_seconds_count ${durationCount}`);
    return [200, "text/plain; version=0.0.4", lines.join("\n") + "\n"];
}

/** `/status/<code>` answers with that code, like httpbin's: traffic with errors for load and alert tests. */
function statusRoute(pathname) {
    const match = /^\/status\/([1-5][0-9]{2})$/.exec(pathname);
    return match ? text(Number(match[1]), `status ${match[1]}\n`) : undefined;
}

const server = http.createServer((request, response) => {
    const started = process.hrtime.bigint();
    const pathname = new URL(request.url, "http://localhost").pathname;
    const trace = traceOf(request);
    const tenant = TENANT.test(String(request.headers["x-tenant-id"] || "")) ? request.headers["x-tenant-id"] : undefined;
    response.once("finish", () => {
        const status = response.statusCode;
        const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (pathname !== "/metrics") observeDuration(durationMs / 1000);
        if (QUIET_PATHS.has(pathname) && status < 400) return;
        const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
        log(level, `${request.method} ${pathname} ${status}`, { ...trace, ...(tenant ? { tenant } : {}), method: request.method, path: pathname, status, duration_ms: Math.round(durationMs * 1000) / 1000 });
    });
    if (pathname === "/metrics") {
        const [status, type, body] = metrics();
        response.writeHead(status, { "content-type": type });
        response.end(body);
        return;
    }
    const route = routes[pathname];
    const [status, type, body] = route ? route() : statusRoute(pathname) || text(404, "not found\n");
    requestsByCode.set(String(status), (requestsByCode.get(String(status)) || 0) + 1);
    response.writeHead(status, { "content-type": type });
    response.end(body);
});

server.listen(port, host, () => log("info", `listening on ${host}:${server.address().port}`));
// Kubernetes sends SIGTERM before it kills the pod: finish what is in flight.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
