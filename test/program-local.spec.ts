import * as assert from "node:assert/strict";
import { LOCAL_IMAGES } from "../components/local/images";
import { RenderedResource, RenderedStack } from "../engine/render";
import { evaluate } from "../policies/lib/evaluate";
import { toPolicyResources } from "../engine/resource-views";
import { ALL_RULES } from "../policies/rules";
import { imagePinning } from "../policies/lib/image-reference";
import { renderStack } from "../engine/render";
import { ofType, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";

type Inputs = Record<string, unknown>;

/** The container of a host name (platform-local-<host>). */
function containerOf(stack: RenderedStack, host: string): RenderedResource {
    const found = ofType(stack, "docker:index/container:Container").filter((resource) => plainInputs(resource).name === `platform-local-${host}`);
    assert.equal(found.length, 1, `one container platform-local-${host}`);
    return found[0];
}
/** A container's env as NAME -> value. */
function envOf(container: RenderedResource): Record<string, string> {
    return Object.fromEntries((plainInputs(container).envs as string[]).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}
const portsOf = (container: RenderedResource): unknown => plainInputs(container).ports;
const uploadsOf = (container: RenderedResource): Record<string, string> =>
    Object.fromEntries((plainInputs(container).uploads as { file: string; content: string }[]).map((upload) => [upload.file, upload.content]));

describe("the local stack (Docker on a laptop)", function () {
    let stack: RenderedStack;
    before(async function () {
        stack = await renderedStack("local");
    });

    it("renders only Docker resources: no cloud provider, no Kubernetes, no cloud credentials", function () {
        const packages = new Set(stack.resources.filter((resource) => resource.custom).map((resource) => resource.type.split(":")[0]));
        assert.deepEqual([...packages].sort(), ["docker", "pulumi"]);
        assert.deepEqual(ofType(stack, "pulumi:providers:docker").length, 1);
        assert.equal(stack.resources.filter((resource) => resource.type.startsWith("pulumi:providers:") && resource.type !== "pulumi:providers:docker").length, 0);
        assert.deepEqual(Object.keys(stack.outputs).sort(), ["localEndpoints", "tier"]);
        assert.equal(stack.outputs.tier, "local");
    });

    it("one private network; a container per dependency and per service, each on it, with ports on 127.0.0.1 only", function () {
        const [network] = ofType(stack, "docker:index/network:Network");
        assert.equal(plainInputs(network).name, "platform-local");
        const hosts = ofType(stack, "docker:index/container:Container").map((container) => String(plainInputs(container).name).replace("platform-local-", "")).sort();
        assert.deepEqual(hosts, ["api", "grafana", "localstack", "loki", "mailpit", "minio", "otel-collector", "postgres", "redis", "tempo", "worker"]);
        for (const container of ofType(stack, "docker:index/container:Container")) {
            assert.deepEqual((plainInputs(container).networksAdvanced as Inputs[]).map((entry) => entry.name), ["platform-local"]);
            for (const port of portsOf(container) as Inputs[]) assert.equal(port.ip, "127.0.0.1", `${container.name} port ${String(port.internal)}`);
        }
        assert.deepEqual(portsOf(containerOf(stack, "postgres")), [{ internal: 5432, external: 5432, ip: "127.0.0.1" }]);
        assert.deepEqual(portsOf(containerOf(stack, "mailpit")), [1025, 8025].map((port) => ({ internal: port, external: port, ip: "127.0.0.1" })));
    });

    it("every dependency runs an image pinned by digest, pulled as a RemoteImage and run by its image id", function () {
        const pulled = ofType(stack, "docker:index/remoteImage:RemoteImage").filter((image) => plainInputs(image).build === undefined);
        assert.deepEqual(pulled.map((image) => plainInputs(image).name).sort(), Object.values(LOCAL_IMAGES).sort());
        for (const image of pulled) assert.equal(imagePinning(String(plainInputs(image).name)).kind, "pinned", String(plainInputs(image).name));
        const postgresImage = pulled.find((image) => plainInputs(image).name === LOCAL_IMAGES.postgres);
        assert.equal(plainInputs(containerOf(stack, "postgres")).image, postgresImage?.outputs.imageId);
    });

    it("the services are built from services/ and get the environment a cloud tier gives them, pointed at the local emulators", function () {
        const builds = ofType(stack, "docker:index/remoteImage:RemoteImage").filter((image) => plainInputs(image).build !== undefined);
        assert.equal(builds.length, 2);
        for (const build of builds) assert.match(String((plainInputs(build).build as Inputs).context), /\/services\/api$/);
        const api = envOf(containerOf(stack, "api"));
        assert.equal(api.UPLOADS_BUCKET, "uploads");
        assert.equal(api.AWS_ENDPOINT_URL_S3, "http://minio:9000");
        assert.equal(api.TOPIC_USER_CREATED_ARN, "arn:aws:sns:us-east-1:000000000000:platform-local-user-created");
        assert.equal(api.QUEUE_TASK_COMPLETED_URL, "http://localstack:4566/000000000000/platform-local-task-completed-api");
        assert.equal(api.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector:4318");
        assert.equal(api.REDIS_URL, "redis://redis:6379");
        assert.match(api.DATABASE_URL, /^postgresql:\/\/app:local-development-only-password@postgres:5432\/app$/);
        const worker = envOf(containerOf(stack, "worker"));
        assert.equal(worker.UPLOADS_BUCKET, undefined, "only services with storage: true get the bucket");
        assert.equal(worker.JWT_SECRET, undefined, "only services that ask for jwtSecret get it");
        assert.equal(worker.QUEUE_USER_CREATED_URL, "http://localstack:4566/000000000000/platform-local-user-created-worker");
    });

    it("a service with a prebuilt image is pulled by its pinned reference instead of built", async function () {
        const image = `ghcr.io/example/worker:2.0.0@sha256:${"d".repeat(64)}`;
        const rendered = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "local",
            configOverrides: {
                "platform:services": JSON.stringify([{ name: "worker", image, port: 8081, health: { liveness: "/healthz", readiness: "/readyz" } }]),
                "platform:messaging": JSON.stringify({ topics: {} }),
            },
        });
        const pulled = ofType(rendered, "docker:index/remoteImage:RemoteImage").find((resource) => plainInputs(resource).name === image);
        assert.ok(pulled && plainInputs(pulled).build === undefined);
        assert.equal(plainInputs(containerOf(rendered, "worker")).image, pulled.outputs.imageId);
    });

    it("health checks on the data stores, the emulators, Grafana and the services", function () {
        for (const host of ["postgres", "redis", "minio", "localstack", "mailpit", "grafana", "api", "worker"]) {
            const check = plainInputs(containerOf(stack, host)).healthcheck as Inputs | undefined;
            assert.ok(check && Array.isArray(check.tests) && check.tests[0] === "CMD", `${host} has a health check`);
        }
        assert.deepEqual((plainInputs(containerOf(stack, "postgres")).healthcheck as Inputs).tests, ["CMD", "pg_isready", "-U", "app", "-d", "app"]);
        assert.match(((plainInputs(containerOf(stack, "api")).healthcheck as Inputs).tests as string[])[3], /127\.0\.0\.1:8080\/readyz/);
    });

    it("seeds development data, creates the topics and queues of platform:messaging, and wires Grafana to Loki and Tempo", function () {
        assert.match(uploadsOf(containerOf(stack, "postgres"))["/docker-entrypoint-initdb.d/10-seed.sql"], /INSERT INTO users/);
        const init = uploadsOf(containerOf(stack, "localstack"))["/etc/localstack/init/ready.d/10-topics.sh"];
        for (const queue of ["platform-local-user-created-worker", "platform-local-task-completed-api", "platform-local-reflection-logged-worker"]) {
            assert.ok(init.includes(`--queue-name ${queue}-dlq`) && init.includes(`--queue-name ${queue} --attributes`), queue);
        }
        const datasources = uploadsOf(containerOf(stack, "grafana"))["/etc/grafana/provisioning/datasources/platform.yaml"];
        assert.match(datasources, /url: http:\/\/loki:3100/);
        assert.match(datasources, /url: http:\/\/tempo:3200/);
        assert.match(uploadsOf(containerOf(stack, "otel-collector"))["/etc/otelcol-contrib/platform.yaml"], /endpoint: tempo:4317/);
        for (const [host, path] of [["postgres", "/var/lib/postgresql/data"], ["loki", "/loki"], ["tempo", "/var/tempo"]]) {
            assert.deepEqual(plainInputs(containerOf(stack, host)).volumes, [{ volumeName: `platform-local-${host}-data`, containerPath: path }]);
        }
    });

    it("passes the pack: its plaintext passwords are declared development defaults, and parity does not compare it with prod", function () {
        const context = { stack: "local", tier: "local" as const, now: new Date("2026-12-01T00:00:00Z") };
        const { findings } = evaluate(toPolicyResources(stack.resources), { context, rules: ALL_RULES });
        assert.deepEqual(findings.map((finding) => `${finding.rule}: ${finding.message}`), []);
        // The same stack judged as a cloud tier: the defaults are plaintext secrets there.
        const asDev = evaluate(toPolicyResources(stack.resources), { context: { ...context, tier: "dev" }, rules: ALL_RULES }).findings;
        const plaintext = [...new Set(asDev.filter((finding) => finding.rule === "no-plaintext-secrets").map((finding) => finding.resourceName))].sort();
        assert.deepEqual(plaintext, ["platform-local-api", "platform-local-minio", "platform-local-postgres", "platform-local-worker"]);
        assert.ok(asDev.some((finding) => finding.rule === "environment-parity"), "parity compares a dev stack with prod");
    });
});
