import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { containersRunAsNonRoot } from "./containers-run-as-non-root";

// The hardened settings of components/app/service.ts.
const SECURITY = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } };
const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/** A container; `null` for one without a securityContext. */
const container = (name: string, securityContext: Record<string, unknown> | null = SECURITY): Record<string, unknown> => ({
    name,
    image: `${name}@sha256:${"a".repeat(64)}`,
    resources: RESOURCES,
    ...(securityContext === null ? {} : { securityContext }),
});
/** A pod spec; an `extra` key set to undefined removes it (the analyzer never sees an undefined input). */
const podSpec = (containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> =>
    Object.fromEntries(
        Object.entries({ serviceAccountName: "api", automountServiceAccountToken: false, securityContext: POD_SECURITY, containers, ...extra }).filter(([, value]) => value !== undefined),
    );
const metadata = { name: "api", namespace: "apps" };
const deployment = (spec: Record<string, unknown>, name = "api-deployment"): TestResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { apiVersion: "apps/v1", kind: "Deployment", metadata, spec: { replicas: 2, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec } } },
});

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(containersRunAsNonRoot, resource, options));

describe("policy containers-run-as-non-root", function () {
    it("passes the service Deployment and migration Job as components/app/service.ts renders them", function () {
        assert.deepEqual(checkResource(containersRunAsNonRoot, deployment(podSpec([container("api")]))), []);
        const job: TestResource = { type: "kubernetes:batch/v1:Job", name: "api-migrate", props: { metadata, spec: { template: { spec: podSpec([container("migrate")], { restartPolicy: "Never" }) } } } };
        assert.deepEqual(checkResource(containersRunAsNonRoot, job), []);
    });

    it("flags a container with no security context under a pod that sets none", function () {
        assert.deepEqual(messages(deployment(podSpec([container("api", null)], { securityContext: undefined }))), [
            "Deployment api-deployment container api: runAsNonRoot is not true, allowPrivilegeEscalation is not false",
        ]);
    });

    it("takes runAsNonRoot and runAsUser from the pod unless the container overrides them", function () {
        const escalationOff = { allowPrivilegeEscalation: false };
        // Pod says non-root: the container inherits it.
        assert.deepEqual(messages(deployment(podSpec([container("api", escalationOff)]))), []);
        // Container overrides the pod's runAsNonRoot and runAsUser.
        assert.deepEqual(messages(deployment(podSpec([container("api", { ...escalationOff, runAsNonRoot: false, runAsUser: 0 })]))), [
            "Deployment api-deployment container api: runAsNonRoot is not true, runAsUser is 0",
        ]);
        // Pod runs as root; a container that sets its own user and non-root passes.
        const rootPod = { securityContext: { runAsUser: 0 } };
        assert.deepEqual(messages(deployment(podSpec([container("api", { ...escalationOff, runAsNonRoot: true, runAsUser: 10001 })], rootPod))), []);
        assert.deepEqual(messages(deployment(podSpec([container("api", { ...escalationOff, runAsNonRoot: true })], rootPod))), [
            "Deployment api-deployment container api: runAsUser is 0",
        ]);
    });

    it("flags privilege escalation and privileged containers", function () {
        assert.deepEqual(messages(deployment(podSpec([container("api", { ...SECURITY, allowPrivilegeEscalation: true, privileged: true })]))), [
            "Deployment api-deployment container api: allowPrivilegeEscalation is not false, privileged is true",
        ]);
    });

    it("checks init and ephemeral containers too, each on its own", function () {
        const spec = podSpec([container("api")], {
            initContainers: [container("chown", { runAsUser: 0, privileged: true })],
            ephemeralContainers: [container("debugger", null)],
        });
        assert.deepEqual(messages(deployment(spec)), [
            "Deployment api-deployment init container chown: runAsUser is 0, allowPrivilegeEscalation is not false, privileged is true",
            "Deployment api-deployment ephemeral container debugger: allowPrivilegeEscalation is not false",
        ]);
    });

    it("checks every workload kind, Job and CronJob included", function () {
        const rootSpec = podSpec([container("app", { allowPrivilegeEscalation: false })], { securityContext: { runAsUser: 0 } });
        const expected = (kind: string, name: string): string[] => [`${kind} ${name} container app: runAsNonRoot is not true, runAsUser is 0`];
        const templated = (type: string, name: string): TestResource => ({ type, name, props: { metadata, spec: { template: { spec: rootSpec } } } });
        assert.deepEqual(messages(templated("kubernetes:apps/v1:StatefulSet", "db")), expected("StatefulSet", "db"));
        assert.deepEqual(messages(templated("kubernetes:apps/v1:DaemonSet", "agent")), expected("DaemonSet", "agent"));
        assert.deepEqual(messages(templated("kubernetes:apps/v1:ReplicaSet", "rs")), expected("ReplicaSet", "rs"));
        assert.deepEqual(messages(templated("kubernetes:batch/v1:Job", "once")), expected("Job", "once"));
        assert.deepEqual(messages({ type: "kubernetes:batch/v1:CronJob", name: "nightly", props: { metadata, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: rootSpec } } } } } }), expected("CronJob", "nightly"));
        assert.deepEqual(messages({ type: "kubernetes:core/v1:Pod", name: "debug", props: { metadata, spec: rootSpec } }), expected("Pod", "debug"));
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(containersRunAsNonRoot, { type: "kubernetes:core/v1:ConfigMap", props: { spec: { containers: [{ name: "x" }] } } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const outcomes = checkResource(containersRunAsNonRoot, deployment(podSpec([container("api", { ...SECURITY, allowPrivilegeEscalation: UNKNOWN })])));
        assert.equal(outcomes.length, 1);
        assert.equal(outcomes[0].kind, "unknown");
        assert.equal(
            outcomes[0].message,
            `can't run policy 'containers-run-as-non-root' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation can't be known during preview`,
        );
    });

    it("honours an exemption annotation with reason and expiry", function () {
        const resource = deployment(podSpec([container("node-exporter", { privileged: true })]), "node-exporter");
        const annotated: TestResource = {
            ...resource,
            props: { ...resource.props, metadata: { ...metadata, annotations: { "policy.platform/exempt-containers-run-as-non-root": "2027-02-28 reads host metrics, no unprivileged build yet, SEC-102" } } },
        };
        const [outcome] = checkResource(containersRunAsNonRoot, annotated);
        assert.equal(outcome.kind, "exempted");
        assert.equal(outcome.message, "Deployment node-exporter container node-exporter: allowPrivilegeEscalation is not false, privileged is true");
    });

    it("is high severity, mandatory in staging and prod, advisory in dev, and exemptable", function () {
        assert.deepEqual(verdictsOn(containersRunAsNonRoot, [deployment(podSpec([container("api", null)], { securityContext: undefined }))]), { severity: "high", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
