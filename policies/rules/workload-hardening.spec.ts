import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { kubernetesSchemaErrors } from "../../test/support/kubernetes-schemas";
import { plainInputs, renderedStack } from "../../test/support/stacks";
import { workloadHardening } from "./workload-hardening";

// The hardened settings of components/app/service.ts.
const SECURITY = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };
const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

const container = (name: string, securityContext: Record<string, unknown> = SECURITY): Record<string, unknown> => ({
    name,
    image: `registry.example.com/${name}@sha256:${"a".repeat(64)}`,
    resources: RESOURCES,
    securityContext,
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
});
/** A pod spec as the platform renders it; an `extra` key set to undefined removes it. */
const podSpec = (containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> =>
    Object.fromEntries(
        Object.entries({ serviceAccountName: "api", automountServiceAccountToken: false, securityContext: POD_SECURITY, containers, volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }], ...extra }).filter(
            ([, value]) => value !== undefined,
        ),
    );
const labels = { "app.kubernetes.io/name": "api" };
const deploymentProps = (spec: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "apps", labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
});
const deployment = (spec: Record<string, unknown>): TestResource => ({ type: "kubernetes:apps/v1:Deployment", name: "api-deployment", props: deploymentProps(spec) });

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(workloadHardening, resource, options));

describe("policy workload-hardening", function () {
    it("passes the service Deployment, the migration Job and the service account as components/app/service.ts renders them", function () {
        assert.deepEqual(messages(deployment(podSpec([container("api")]))), []);
        const job: TestResource = {
            type: "kubernetes:batch/v1:Job",
            name: "worker-migrate",
            props: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "worker-migrate-1a2b3c4d", namespace: "apps" }, spec: { backoffLimit: 1, template: { spec: podSpec([container("migrate")], { restartPolicy: "Never" }) } } },
        };
        assert.deepEqual(messages(job), []);
        const serviceAccount = { type: "kubernetes:core/v1:ServiceAccount", name: "api-sa", props: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "api", namespace: "apps" }, automountServiceAccountToken: false } };
        assert.deepEqual(messages(serviceAccount), []);
        // The inputs are real Kubernetes objects: the strict v1.32 schemas accept them.
        for (const resource of [deployment(podSpec([container("api")])), job, serviceAccount]) assert.deepEqual(kubernetesSchemaErrors(resource.props), [], resource.type);
    });

    it("flags host namespaces and a token mounted by default on the pod", function () {
        const spec = podSpec([container("api")], { hostNetwork: true, hostPID: true, hostIPC: true, automountServiceAccountToken: undefined });
        assert.deepEqual(kubernetesSchemaErrors(deploymentProps(spec)), []);
        assert.deepEqual(messages(deployment(spec)), [
            "Deployment api-deployment pod: hostNetwork is true, hostPID is true, hostIPC is true, automountServiceAccountToken is not set (the token is mounted by default)",
        ]);
    });

    it("flags hostPath volumes and host ports, as the Pod Security baseline level does", function () {
        const api = { ...container("api"), ports: [{ name: "http", containerPort: 8080, hostPort: 80, protocol: "TCP" }, { name: "metrics", containerPort: 9090, protocol: "TCP" }] };
        const spec = podSpec([api], { volumes: [{ name: "tmp", emptyDir: {} }, { name: "docker-sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }] });
        assert.deepEqual(kubernetesSchemaErrors(deploymentProps(spec)), []);
        assert.deepEqual(messages(deployment(spec)), [
            "Deployment api-deployment pod: hostPath volume docker-sock mounts the node's filesystem",
            "Deployment api-deployment container api: hostPort 80 binds the node's network",
        ]);
    });

    it("accepts host namespaces set false and a token mounted on purpose (automountServiceAccountToken: true)", function () {
        assert.deepEqual(messages(deployment(podSpec([container("api")], { hostNetwork: false, hostPID: false, hostIPC: false, automountServiceAccountToken: true }))), []);
    });

    it("flags added capabilities beyond NET_BIND_SERVICE, a missing drop ALL and a writable root filesystem, in every container list", function () {
        const spec = podSpec([container("api", { ...SECURITY, capabilities: { add: ["NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_raw"], drop: ["ALL"] } })], {
            initContainers: [container("init", { ...SECURITY, readOnlyRootFilesystem: false })],
            ephemeralContainers: [{ name: "debugger", image: "busybox@sha256:" + "b".repeat(64), securityContext: { capabilities: { drop: ["NET_RAW"] } } }],
        });
        assert.deepEqual(kubernetesSchemaErrors(deploymentProps(spec)), []);
        assert.deepEqual(messages(deployment(spec)), [
            "Deployment api-deployment init container init: readOnlyRootFilesystem is not true",
            "Deployment api-deployment container api: capabilities.add has SYS_ADMIN, NET_RAW (allowed: NET_BIND_SERVICE)",
            "Deployment api-deployment ephemeral container debugger: capabilities.drop does not include ALL, readOnlyRootFilesystem is not true",
        ]);
        // NET_BIND_SERVICE alone is allowed, spelled either way.
        assert.deepEqual(messages(deployment(podSpec([container("api", { ...SECURITY, capabilities: { add: ["CAP_NET_BIND_SERVICE"], drop: ["ALL"] } })]))), []);
    });

    it("flags a bare Pod, and not a Pod a controller owns", function () {
        const pod = (metadata: Record<string, unknown>): TestResource => ({ type: "kubernetes:core/v1:Pod", name: "debug", props: { apiVersion: "v1", kind: "Pod", metadata: { name: "debug", namespace: "apps", ...metadata }, spec: podSpec([container("debug")]) } });
        assert.deepEqual(messages(pod({})), ["Pod debug: a bare Pod (no controller owns it, so nothing restarts or reschedules it); run it under a Deployment, StatefulSet, DaemonSet or Job"]);
        const owned = { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "api-5d8f7", uid: "0b9c1e7e-8a2f-4c1e-9f8e-2d7a1b3c4d5e", controller: true }] };
        assert.deepEqual(messages(pod(owned)), []);
    });

    it("finds the pod spec of every workload kind", function () {
        const bad = podSpec([container("app")], { hostPID: true });
        const cases: [string, Record<string, unknown>][] = [
            ["kubernetes:apps/v1:StatefulSet", { spec: { template: { spec: bad } } }],
            ["kubernetes:apps/v1:DaemonSet", { spec: { template: { spec: bad } } }],
            ["kubernetes:apps/v1:ReplicaSet", { spec: { template: { spec: bad } } }],
            ["kubernetes:batch/v1:CronJob", { spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: bad } } } } }],
            ["kubernetes:core/v1:ReplicationController", { spec: { template: { spec: bad } } }],
        ];
        for (const [type, props] of cases) {
            const kind = type.slice(type.lastIndexOf(":") + 1);
            assert.deepEqual(messages({ type, name: "app", props }), [`${kind} app pod: hostPID is true`], type);
        }
    });

    it("judges a *Patch on what it sets, never on what it leaves out", function () {
        const patch = (spec: Record<string, unknown>): TestResource => ({ type: "kubernetes:apps/v1:DeploymentPatch", name: "api-patch", props: { metadata: { name: "api", namespace: "apps" }, spec: { template: { spec } } } });
        // A patch that only changes an image sets no security field: nothing to judge.
        assert.deepEqual(messages(patch({ containers: [{ name: "api", image: "registry.example.com/api@sha256:" + "c".repeat(64) }] })), []);
        assert.deepEqual(messages(patch({ hostNetwork: true, containers: [{ name: "api", securityContext: { readOnlyRootFilesystem: false, capabilities: { add: ["SYS_PTRACE"] } } }] })), [
            "DeploymentPatch api-patch pod: hostNetwork is true",
            "DeploymentPatch api-patch container api: capabilities.add has SYS_PTRACE (allowed: NET_BIND_SERVICE), readOnlyRootFilesystem is not true",
        ]);
    });

    it("flags a ServiceAccount that leaves the token automount on by default", function () {
        const account = (extra: Record<string, unknown>): TestResource => ({ type: "kubernetes:core/v1:ServiceAccount", name: "worker-sa", props: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "worker", namespace: "apps" }, ...extra } });
        assert.deepEqual(messages(account({})), ["ServiceAccount worker-sa: automountServiceAccountToken is not set (every pod using it gets a token mounted by default)"]);
        assert.deepEqual(messages(account({ automountServiceAccountToken: true })), []);
    });

    it("flags Helm values that switch a hardening off, and passes the monitoring release's", function () {
        const release = (values: Record<string, unknown>): TestResource => ({ type: "kubernetes:helm.sh/v3:Release", name: "monitoring", props: { chart: "kube-prometheus-stack", version: "82.6.0", values } });
        assert.deepEqual(messages(release({ grafana: { adminPassword: "x" }, prometheus: { prometheusSpec: { retention: "15d" } }, kubelet: { serviceMonitor: { probes: true } } })), []);
        const values = {
            "prometheus-node-exporter": { hostNetwork: true, hostPID: true },
            grafana: { securityContext: { privileged: true }, containerSecurityContext: { allowPrivilegeEscalation: true, readOnlyRootFilesystem: false, capabilities: { add: ["SYS_ADMIN"] } } },
            extraContainers: [{ name: "sidecar", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }],
        };
        // Keys reach a rule sorted (the analyzer's protobuf Struct orders them).
        assert.deepEqual(messages(release(values)), [
            "Helm release monitoring: values.extraContainers[0].securityContext.capabilities.add has NET_ADMIN",
            "Helm release monitoring: values.grafana.containerSecurityContext.allowPrivilegeEscalation is true",
            "Helm release monitoring: values.grafana.containerSecurityContext.readOnlyRootFilesystem is false",
            "Helm release monitoring: values.grafana.containerSecurityContext.capabilities.add has SYS_ADMIN",
            "Helm release monitoring: values.grafana.securityContext.privileged is true",
            "Helm release monitoring: values.prometheus-node-exporter.hostNetwork is true",
            "Helm release monitoring: values.prometheus-node-exporter.hostPID is true",
        ]);
    });

    it("reports the advisory can't-run result for an unknown field during preview, and can be exempted", function () {
        const [outcome] = checkResource(workloadHardening, deployment(podSpec([container("api")], { hostNetwork: UNKNOWN })));
        assert.equal(outcome.kind, "unknown");
        assert.deepEqual(verdictsOn(workloadHardening, [deployment(podSpec([container("api")], { hostNetwork: true }))]), { severity: "high", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });

    describe("on the platform's rendered stacks", function () {
        for (const stackName of ["dev", "staging", "prod"] as const) {
            it(`finds every workload and service account of ${stackName} hardened`, async function () {
                const stack = await renderedStack(stackName);
                const judged = stack.resources.filter((resource) => resource.custom && workloadHardening.resourceTypes.includes(resource.type));
                // The Deployments, the migration Job, the service accounts and the monitoring release are really judged.
                assert.ok(judged.some((resource) => resource.type === "kubernetes:apps/v1:Deployment"));
                assert.ok(judged.some((resource) => resource.type === "kubernetes:core/v1:ServiceAccount"));
                assert.ok(judged.some((resource) => resource.type === "kubernetes:helm.sh/v3:Release"));
                const outcomes = judged.flatMap((resource) => checkResource(workloadHardening, { type: resource.type, name: resource.name, urn: resource.urn, props: plainInputs(resource) }, { tier: stackName }));
                assert.deepEqual(outcomes, []);
            });
        }
    });
});
