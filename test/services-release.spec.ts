import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { contextHash } from "../components/registry/image-tag";
import { renderStack, RenderedStack } from "../engine/render";
import { isSecretEnvelope } from "../engine/secrets";
import { ofType, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";

type Inputs = Record<string, unknown>;

function named(stack: RenderedStack, type: string, name: string): Inputs {
    const found = ofType(stack, type).map(plainInputs).filter((inputs) => (inputs.metadata as Inputs | undefined)?.name === name);
    assert.equal(found.length, 1, `one ${type} named ${name}`);
    return found[0];
}

/** The staging services from the real stack file, with changes. */
function stagingServices(change: (services: Inputs[]) => void): string {
    const document = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, Inputs[]> };
    const services = document.config["platform:services"];
    change(services);
    return JSON.stringify(services);
}

describe("releases: migrations, build metadata and network access", function () {
    it("the migration Job carries no per-release metadata, so redeploying the same image leaves it alone", async function () {
        const staging = await renderedStack("staging");
        const [job] = ofType(staging, "kubernetes:batch/v1:Job").map(plainInputs);
        const pod = ((job.spec as Inputs).template as Inputs).spec as { containers: { env: { name: string }[] }[] };
        const names = pod.containers[0].env.map((entry) => entry.name);
        assert.ok(!names.some((name) => name.startsWith("BUILD_")), names.join(", "));
        const labels = (job.metadata as Inputs).labels as Inputs;
        assert.equal(labels["app.kubernetes.io/instance"], "worker-staging-migration", "the Service, PDB and HPA never select migration pods");
        assert.equal(labels["app.kubernetes.io/version"], undefined);

        const other = await renderStack({ projectDir: PROJECT_DIR, stack: "staging", configOverrides: { "platform:release": JSON.stringify({ sha: "0123456789abcdef0123456789abcdef01234567", actor: "someone-else" }) } });
        const otherJob = plainInputs(ofType(other, "kubernetes:batch/v1:Job")[0]);
        assert.equal((otherJob.metadata as Inputs).name, (job.metadata as Inputs).name, "another commit, same image: same Job");
        const deployment = named(other, "kubernetes:apps/v1:Deployment", "worker");
        const env = (((deployment.spec as Inputs).template as Inputs).spec as { containers: { env: { name: string; value?: string }[] }[] }).containers[0].env;
        assert.equal(env.find((entry) => entry.name.startsWith("BUILD_")), undefined, "the deploying commit never overrides what the image reports");
    });

    it("a new migration command is a new Job", async function () {
        const changed = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "staging",
            configOverrides: { "platform:services": stagingServices((services) => ((services[1].migration as Inputs).command = ["node", "dist/migrate.js", "--to", "42"])) },
        });
        const original = plainInputs(ofType(await renderedStack("staging"), "kubernetes:batch/v1:Job")[0]);
        const next = plainInputs(ofType(changed, "kubernetes:batch/v1:Job")[0]);
        assert.notEqual((next.metadata as Inputs).name, (original.metadata as Inputs).name);
    });

    it("a service holding a third-party API key gets it by secret reference and may reach HTTPS", async function () {
        const rendered = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "staging",
            configOverrides: {
                "platform:apiKeys": JSON.stringify({ stripe: "placeholder-stripe-key-for-tests" }),
                "platform:services": stagingServices((services) => {
                    services[0].secrets = ["databaseUrl", "apiKeys.stripe"];
                    delete services[0].storage;
                }),
                // No topics: neither service calls a cloud API here.
                "platform:messaging": JSON.stringify({ topics: {} }),
            },
            extraSecretKeys: ["platform:apiKeys"],
        });
        const deployment = named(rendered, "kubernetes:apps/v1:Deployment", "api");
        const env = (((deployment.spec as Inputs).template as Inputs).spec as { containers: { env: Inputs[] }[] }).containers[0].env;
        assert.deepEqual(env.find((entry) => entry.name === "STRIPE_API_KEY"), { name: "STRIPE_API_KEY", valueFrom: { secretKeyRef: { name: "api-secrets", key: "STRIPE_API_KEY" } } });
        const secret = ofType(rendered, "kubernetes:core/v1:Secret").find((resource) => resource.name.endsWith("api-secrets"));
        assert.ok(secret && isSecretEnvelope(secret.inputs.stringData));
        const policy = named(rendered, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "api");
        const egress = (policy.spec as { egress: { ports: Inputs[]; to?: unknown }[] }).egress;
        assert.ok(egress.some((rule) => rule.to === undefined && rule.ports.length === 1 && rule.ports[0].port === 443 && rule.ports[0].protocol === "TCP"), JSON.stringify(egress));
        const worker = named(rendered, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "worker");
        assert.ok(!JSON.stringify(worker.spec).includes("443"), "a service without keys or cloud access has no internet egress");
    });

    it("cert-manager's HTTP-01 solver pods are reachable from the ingress controller", async function () {
        const policy = named(await renderedStack("prod"), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-acme-http01-solver");
        assert.deepEqual(policy.spec, {
            podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8089 }] }],
        });
    });

    it("the build tag changes with the build context, so an immutable repository never sees a tag twice", function () {
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "context-"));
        fs.writeFileSync(path.join(context, "Dockerfile"), "FROM scratch\n");
        const before = contextHash(context);
        fs.mkdirSync(path.join(context, "node_modules"));
        fs.writeFileSync(path.join(context, "node_modules", "ignored.js"), "x");
        assert.equal(contextHash(context), before, "node_modules is not part of the context hash");
        fs.writeFileSync(path.join(context, "server.js"), "changed");
        assert.notEqual(contextHash(context), before);
    });
});

describe("network policy of a service and labels of every Kubernetes object", function () {
    it("the api admits the ingress controller, Prometheus and the platform's own pods, and reaches only Postgres and Redis", async function () {
        const prod = await renderedStack("prod");
        const policy = named(prod, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "api");
        const spec = policy.spec as { ingress: { from: Inputs[]; ports: Inputs[] }[]; egress: { to?: { ipBlock: { cidr: string } }[]; ports: Inputs[] }[] };
        assert.deepEqual(spec.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
            { podSelector: { matchLabels: { "app.kubernetes.io/part-of": "platform" } } },
        ]);
        assert.deepEqual(spec.ingress[0].ports, [{ protocol: "TCP", port: 8080 }]);
        assert.equal(spec.egress.length, 3, "the data stores, the telemetry collector, and HTTPS for the cloud APIs it calls (uploads bucket, topics, queues)");
        assert.deepEqual(spec.egress[0].to?.map((peer) => peer.ipBlock.cidr), ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"]);
        assert.deepEqual(spec.egress[0].ports, [{ protocol: "TCP", port: 5432 }, { protocol: "TCP", port: 6379 }]);
        assert.deepEqual(spec.egress[1].ports, [{ protocol: "TCP", port: 4317 }, { protocol: "TCP", port: 4318 }]);
        assert.deepEqual(spec.egress[2], { ports: [{ protocol: "TCP", port: 443 }] });
    });

    it("every Kubernetes object carries the platform's tags as labels", async function () {
        for (const stackName of ["dev", "staging", "prod"]) {
            const stack = await renderedStack(stackName);
            const objects = stack.resources.filter((resource) => resource.custom && resource.type.startsWith("kubernetes:") && !resource.type.startsWith("kubernetes:helm.sh"));
            assert.ok(objects.length >= 15, `${objects.length} objects`);
            for (const object of objects) {
                const labels = ((plainInputs(object).metadata as Inputs).labels ?? {}) as Inputs;
                for (const [key, value] of Object.entries({ environment: stackName, project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering" })) {
                    assert.equal(labels[key], value, `${object.urn} label ${key}`);
                }
            }
            const values = plainInputs(ofType(stack, "kubernetes:helm.sh/v3:Release").find((release) => plainInputs(release).chart === "kube-prometheus-stack")!).values as { commonLabels: Inputs };
            assert.equal(values.commonLabels.environment, stackName, "the chart's objects are labelled too");
        }
    });
});
