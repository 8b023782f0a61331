"use strict";
// Minimal sample service: health endpoints for the probes, /version for what runs, /metrics for Prometheus.
const http = require("http");

const port = Number(process.env.PORT || 8080);
let requests = 0;

const routes = {
    "/healthz": () => [200, "text/plain", "ok\n"],
    "/readyz": () => [200, "text/plain", "ready\n"],
    "/version": () => [200, "application/json", JSON.stringify({ sha: process.env.BUILD_SHA, date: process.env.BUILD_DATE, actor: process.env.BUILD_ACTOR }) + "\n"],
    "/metrics": () => [200, "text/plain; version=0.0.4", `# TYPE http_requests_total counter\nhttp_requests_total{code="200"} ${requests}\n`],
};

http.createServer((request, response) => {
    requests += 1;
    const route = routes[new URL(request.url, "http://localhost").pathname];
    const [status, type, body] = route ? route() : [404, "text/plain", "not found\n"];
    response.writeHead(status, { "content-type": type });
    response.end(body);
}).listen(port, () => console.log(`listening on ${port}`));
