"use strict";
// Sample service: health endpoints for the probes, /version for what runs (BUILD_* from the image or the
// Deployment), and /metrics for Prometheus: requests counted per status code, the series the platform's
// error-budget rules record (components/monitoring/rules.ts) and `predeploy` reads.
const http = require("http");

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "0.0.0.0";

// Known codes start at 0, so that a rate over them exists before the first error.
const requestsByCode = new Map([["200", 0], ["500", 0], ["503", 0]]);

function text(status, body) {
    return [status, "text/plain", body];
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
    return [200, "text/plain; version=0.0.4", lines.join("\n") + "\n"];
}

/** `/status/<code>` answers with that code, like httpbin's: traffic with errors for load and alert tests. */
function statusRoute(pathname) {
    const match = /^\/status\/([1-5][0-9]{2})$/.exec(pathname);
    return match ? text(Number(match[1]), `status ${match[1]}\n`) : undefined;
}

const server = http.createServer((request, response) => {
    const pathname = new URL(request.url, "http://localhost").pathname;
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

server.listen(port, host, () => console.log(`listening on ${host}:${server.address().port}`));
// Kubernetes sends SIGTERM before it kills the pod: finish what is in flight.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
