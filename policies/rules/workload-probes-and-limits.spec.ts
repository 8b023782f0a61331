import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { workloadProbesAndLimits } from "./workload-probes-and-limits";

const strip = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const SECURITY = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } };
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };

// The service container and migration Job as components/app/service.ts renders them.
// An override set to undefined removes the key: the analyzer never sees an undefined input.
const api = (overrides: Record<string, unknown> = {}): Record<string, unknown> => strip({
    name: "api",
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/prod/api@sha256:" + "a".repeat(64),
    ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    resources: RESOURCES,
    securityContext: SECURITY,
    startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5, failureThreshold: 30 },
    livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
    ...overrides,
});
const migrate = (overrides: Record<string, unknown> = {}): Record<string, unknown> =>
    strip({ name: "migrate", image: "api@sha256:" + "a".repeat(64), command: ["npm", "run", "migrate"], resources: RESOURCES, securityContext: SECURITY, ...overrides });
const podSpec = (containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    serviceAccountName: "api",
    automountServiceAccountToken: false,
    securityContext: POD_SECURITY,
    containers,
    ...extra,
});
const metadata = { name: "api", namespace: "apps", labels: { "app.kubernetes.io/name": "api" } };

const deployment = (spec: Record<string, unknown>): TestResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "api-deployment",
    props: { apiVersion: "apps/v1", kind: "Deployment", metadata, spec: { replicas: 3, selector: { matchLabels: metadata.labels }, template: { metadata: { labels: metadata.labels }, spec } } },
});
const job = (spec: Record<string, unknown>): TestResource => ({
    type: "kubernetes:batch/v1:Job",
    name: "api-migrate",
    props: { apiVersion: "batch/v1", kind: "Job", metadata, spec: { backoffLimit: 1, template: { spec: { ...spec, restartPolicy: "Never" } } } },
});
const cronJob = (spec: Record<string, unknown>): TestResource => ({
    type: "kubernetes:batch/v1:CronJob",
    name: "report",
    props: { apiVersion: "batch/v1", kind: "CronJob", metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: { ...spec, restartPolicy: "OnFailure" } } } } } },
});
const templated = (type: string, name: string, spec: Record<string, unknown>): TestResource => ({ type, name, props: { metadata, spec: { template: { spec } } } });

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(workloadProbesAndLimits, resource, options));

describe("policy workload-probes-and-limits", function () {
    it("passes the service Deployment and migration Job as components/app/service.ts renders them", function () {
        assert.deepEqual(checkResource(workloadProbesAndLimits, deployment(podSpec([api()]))), []);
        assert.deepEqual(checkResource(workloadProbesAndLimits, job(podSpec([migrate()]))), []);
        assert.deepEqual(checkResource(workloadProbesAndLimits, cronJob(podSpec([migrate({ name: "report" })]))), []);
    });

    it("names the kind, workload, container and everything missing", function () {
        assert.deepEqual(messages(deployment(podSpec([api({ livenessProbe: undefined, readinessProbe: undefined, resources: undefined })]))), [
            "Deployment api-deployment container api is missing livenessProbe, readinessProbe, resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory",
        ]);
        assert.deepEqual(messages(deployment(podSpec([api({ readinessProbe: undefined, resources: { requests: { cpu: "100m" }, limits: { memory: "256Mi" } } })]))), [
            "Deployment api-deployment container api is missing readinessProbe, resources.requests.memory, resources.limits.cpu",
        ]);
    });

    it("reports each container on its own, and names a container without a name by its index", function () {
        const sidecar = { image: "envoy@sha256:" + "b".repeat(64), resources: { limits: RESOURCES.limits } };
        assert.deepEqual(messages(deployment(podSpec([api(), { name: "proxy", ...sidecar }, sidecar]))), [
            "Deployment api-deployment container proxy is missing livenessProbe, readinessProbe, resources.requests.cpu, resources.requests.memory",
            "Deployment api-deployment container #2 is missing livenessProbe, readinessProbe, resources.requests.cpu, resources.requests.memory",
        ]);
    });

    it("checks every long-running kind: StatefulSet, DaemonSet, ReplicaSet and Pod", function () {
        const bare = { name: "app", image: "app@sha256:" + "c".repeat(64) };
        const missing = "is missing livenessProbe, readinessProbe, resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory";
        assert.deepEqual(messages(templated("kubernetes:apps/v1:StatefulSet", "db", podSpec([bare]))), [`StatefulSet db container app ${missing}`]);
        assert.deepEqual(messages(templated("kubernetes:apps/v1:DaemonSet", "agent", podSpec([bare]))), [`DaemonSet agent container app ${missing}`]);
        assert.deepEqual(messages(templated("kubernetes:apps/v1:ReplicaSet", "rs", podSpec([bare]))), [`ReplicaSet rs container app ${missing}`]);
        assert.deepEqual(messages({ type: "kubernetes:core/v1:Pod", name: "debug", props: { metadata, spec: podSpec([bare]) } }), [`Pod debug container app ${missing}`]);
    });

    it("asks Job and CronJob containers for requests and limits, not probes", function () {
        assert.deepEqual(messages(job(podSpec([migrate({ resources: { limits: RESOURCES.limits } })]))), [
            "Job api-migrate container migrate is missing resources.requests.cpu, resources.requests.memory",
        ]);
        assert.deepEqual(messages(cronJob(podSpec([migrate({ name: "report", resources: undefined })]))), [
            "CronJob report container report is missing resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory",
        ]);
    });

    it("asks init containers for limits only, and ignores ephemeral containers", function () {
        const init = { name: "wait-for-db", image: "busybox@sha256:" + "d".repeat(64), resources: { requests: RESOURCES.requests } };
        assert.deepEqual(messages(deployment(podSpec([api()], { initContainers: [init], ephemeralContainers: [{ name: "debugger", image: "busybox" }] }))), [
            "Deployment api-deployment init container wait-for-db is missing resources.limits.cpu, resources.limits.memory",
        ]);
        assert.deepEqual(messages(deployment(podSpec([api()], { initContainers: [{ ...init, resources: { limits: RESOURCES.limits } }] }))), []);
        assert.deepEqual(messages(job(podSpec([migrate()], { initContainers: [init] }))), [
            "Job api-migrate init container wait-for-db is missing resources.limits.cpu, resources.limits.memory",
        ]);
    });

    it("accepts numeric quantities and rejects empty ones", function () {
        assert.deepEqual(messages(deployment(podSpec([api({ resources: { requests: { cpu: 0.1, memory: "128Mi" }, limits: { cpu: 1, memory: "" } } })]))), [
            "Deployment api-deployment container api is missing resources.limits.memory",
        ]);
    });

    it("ignores other resource types, Helm releases included", function () {
        assert.deepEqual(checkResource(workloadProbesAndLimits, { type: "kubernetes:core/v1:Service", props: { spec: { template: { spec: { containers: [{ name: "x" }] } } } } }), []);
        assert.deepEqual(checkResource(workloadProbesAndLimits, { type: "kubernetes:helm.sh/v3:Release", props: { chart: "kube-prometheus-stack" } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const expectUnknown = (resource: TestResource, path: string): void => {
            const outcomes = checkResource(workloadProbesAndLimits, resource);
            assert.equal(outcomes.length, 1);
            assert.equal(outcomes[0].kind, "unknown");
            assert.equal(outcomes[0].message, `can't run policy 'workload-probes-and-limits' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .${path} can't be known during preview`);
        };
        expectUnknown(deployment(podSpec([api({ resources: { requests: RESOURCES.requests, limits: { cpu: UNKNOWN, memory: "256Mi" } } })])), "spec.template.spec.containers.0.resources.limits.cpu");
        expectUnknown(deployment(podSpec(UNKNOWN as unknown as Record<string, unknown>[])), "spec.template.spec.containers");
    });

    it("honours an exemption annotation with reason and expiry", function () {
        const resource = deployment(podSpec([api({ readinessProbe: undefined })]));
        const annotated: TestResource = {
            ...resource,
            props: { ...resource.props, metadata: { ...metadata, annotations: { "policy.platform/exempt-workload-probes-and-limits": "2027-01-15 vendor image has no health endpoint, VEND-31" } } },
        };
        const [outcome] = checkResource(workloadProbesAndLimits, annotated);
        assert.equal(outcome.kind, "exempted");
        assert.equal(outcome.message, "Deployment api-deployment container api is missing readinessProbe");
    });

    it("is medium severity, mandatory in staging and prod, advisory in dev, and exemptable", function () {
        assert.deepEqual(verdictsOn(workloadProbesAndLimits, [deployment(podSpec([api({ livenessProbe: undefined })]))]), { severity: "medium", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
        // Advisory in dev, but the check itself is the same there.
        assert.deepEqual(messages(deployment(podSpec([api({ livenessProbe: undefined })])), { tier: "dev" }), ["Deployment api-deployment container api is missing livenessProbe"]);
    });
});
