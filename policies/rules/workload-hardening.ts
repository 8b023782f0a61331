import { ResourceRule, ResourceUnderTest, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { HELM_RELEASE_TYPES } from "../lib/secret-sinks";
import { asArray, asRecord } from "../lib/values";
import { containersOf, describeContainer, Workload, workloadOf, WORKLOAD_TYPES } from "../lib/workloads";

/**
 * The Kubernetes hardening a security reviewer expects of every workload, beyond running as non-root
 * (`containers-run-as-non-root` judges runAsNonRoot, runAsUser, privileged and allowPrivilegeEscalation):
 *
 * - the pod shares none of the node's namespaces: `hostNetwork`, `hostPID`, `hostIPC` not true, and (as the
 *   Pod Security baseline level has it) no `hostPath` volume and no container `hostPort`;
 * - every container (init and ephemeral too) adds no capability beyond NET_BIND_SERVICE, drops ALL, and
 *   has `readOnlyRootFilesystem: true`;
 * - the service account token is not mounted by default: the pod spec sets `automountServiceAccountToken`
 *   (false, or true as a visible statement that the workload calls the Kubernetes API), and so does every
 *   ServiceAccount;
 * - no bare Pod: a Pod without a controller owner is not restarted, rescheduled or rolled out.
 *
 * *Patch kinds are judged on what they set (an absent field leaves the object's value alone), and so are
 * Helm release values (a chart's own defaults are not visible to the pack: node-exporter's hostNetwork in
 * kube-prometheus-stack is the chart's, under the monitoring namespace's privileged Pod Security level).
 */

/** Capabilities a container may add: binding a port below 1024 as non-root. */
export const ALLOWED_CAPABILITIES: readonly string[] = ["NET_BIND_SERVICE"];
const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;
const SERVICE_ACCOUNT_TYPES: readonly string[] = ["kubernetes:core/v1:ServiceAccount", "kubernetes:core/v1:ServiceAccountPatch"];
const PATCH_WORKLOAD_TYPES: readonly string[] = [...WORKLOAD_TYPES, "kubernetes:core/v1:ReplicationController"].map((type) => `${type}Patch`);
/** Deeper than any chart's values; an adversarial nesting stops here. */
const MAX_DEPTH = 64;

const REPLICATION_CONTROLLER = "kubernetes:core/v1:ReplicationController";

function replicationController(resource: ResourceUnderTest): Workload | undefined {
    const workload = workloadOf({ ...resource, type: "kubernetes:apps/v1:ReplicaSet" });
    return workload && { ...workload, kind: "ReplicationController" };
}

/** `cap_sys_admin` and `SYS_ADMIN` are the same capability. */
function capabilityName(value: unknown): string {
    return String(value).toUpperCase().replace(/^CAP_/, "");
}

function addedCapabilities(capabilities: Record<string, unknown> | undefined): string[] {
    return asArray(capabilities?.add).map(capabilityName).filter((name) => !ALLOWED_CAPABILITIES.includes(name));
}

function podProblems(podSpec: Record<string, unknown>, patch: boolean): string[] {
    const problems: string[] = HOST_NAMESPACES.filter((field) => podSpec[field] === true).map((field) => `${field} is true`);
    const hostPaths = asArray(podSpec.volumes).filter((volume) => asRecord(volume)?.hostPath !== undefined).map((volume) => String(asRecord(volume)?.name));
    if (hostPaths.length > 0) problems.push(`hostPath volume ${hostPaths.join(", ")} mounts the node's filesystem`);
    if (!patch && podSpec.automountServiceAccountToken === undefined) problems.push("automountServiceAccountToken is not set (the token is mounted by default)");
    return problems;
}

function containerProblems(spec: Record<string, unknown>, patch: boolean): string[] {
    const security = asRecord(spec.securityContext);
    const capabilities = asRecord(security?.capabilities);
    const problems: string[] = [];
    const hostPorts = asArray(spec.ports).map((port) => asRecord(port)?.hostPort).filter((port) => typeof port === "number" && port > 0);
    if (hostPorts.length > 0) problems.push(`hostPort ${hostPorts.join(", ")} binds the node's network`);
    const added = addedCapabilities(capabilities);
    if (added.length > 0) problems.push(`capabilities.add has ${added.join(", ")} (allowed: ${ALLOWED_CAPABILITIES.join(", ")})`);
    const drop = asArray(capabilities?.drop).map(capabilityName);
    if (patch ? capabilities?.drop !== undefined && !drop.includes("ALL") : !drop.includes("ALL")) problems.push("capabilities.drop does not include ALL");
    const readOnly = security?.readOnlyRootFilesystem;
    if (patch ? readOnly === false : readOnly !== true) problems.push("readOnlyRootFilesystem is not true");
    return problems;
}

/** A Pod with no owner reference marked `controller: true`. */
function isBarePod(resource: ResourceUnderTest): boolean {
    const owners = asArray(asRecord(resource.props.metadata)?.ownerReferences);
    return !owners.some((owner) => asRecord(owner)?.controller === true);
}

function workloadMessages(resource: ResourceUnderTest, workload: Workload, patch: boolean): string[] {
    const kind = patch ? `${workload.kind}Patch` : workload.kind;
    const named: Workload = { ...workload, kind };
    const messages: string[] = [];
    if (resource.type === "kubernetes:core/v1:Pod" && isBarePod(resource)) {
        messages.push(`Pod ${workload.name}: a bare Pod (no controller owns it, so nothing restarts or reschedules it); run it under a Deployment, StatefulSet, DaemonSet or Job`);
    }
    const pod = podProblems(workload.podSpec, patch);
    if (pod.length > 0) messages.push(`${kind} ${workload.name} pod: ${pod.join(", ")}`);
    for (const container of containersOf(workload.podSpec)) {
        const problems = containerProblems(container.spec, patch);
        if (problems.length > 0) messages.push(`${describeContainer(named, container)}: ${problems.join(", ")}`);
    }
    return messages;
}

/** Settings in Helm values that turn a hardening off, wherever the chart takes them. */
function helmValueMessages(value: unknown, path: readonly string[], out: string[], depth = 0): void {
    const record = asRecord(value);
    if (depth > MAX_DEPTH || !record) {
        asArray(value).forEach((element, index) => depth <= MAX_DEPTH && helmValueMessages(element, [...path, `[${index}]`], out, depth + 1));
        return;
    }
    const at = (key: string): string => [...path, key].join(".").replace(/\.\[/g, "[");
    for (const field of HOST_NAMESPACES) if (record[field] === true) out.push(`${at(field)} is true`);
    if (record.privileged === true) out.push(`${at("privileged")} is true`);
    if (record.allowPrivilegeEscalation === true) out.push(`${at("allowPrivilegeEscalation")} is true`);
    if (record.readOnlyRootFilesystem === false) out.push(`${at("readOnlyRootFilesystem")} is false`);
    const added = addedCapabilities(asRecord(record.capabilities));
    if (added.length > 0) out.push(`${at("capabilities")}.add has ${added.join(", ")}`);
    for (const key of Object.keys(record)) {
        const child = record[key];
        if (typeof child === "object" && child !== null) helmValueMessages(child, [...path, key], out, depth + 1);
    }
}

export function workloadHardeningFindings(resource: ResourceUnderTest): string[] {
    if (SERVICE_ACCOUNT_TYPES.includes(resource.type)) {
        const patch = resource.type.endsWith("Patch");
        const automount = resource.props.automountServiceAccountToken;
        return (patch ? false : automount === undefined) ? [`ServiceAccount ${resource.name}: automountServiceAccountToken is not set (every pod using it gets a token mounted by default)`] : [];
    }
    if (HELM_RELEASE_TYPES.includes(resource.type)) {
        const found: string[] = [];
        helmValueMessages(resource.props.values, ["values"], found);
        return found.map((setting) => `Helm release ${resource.name}: ${setting}`);
    }
    const patch = PATCH_WORKLOAD_TYPES.includes(resource.type);
    const type = patch ? resource.type.slice(0, -"Patch".length) : resource.type;
    // A ReplicationController keeps its pod template where a ReplicaSet does.
    const workload = type === REPLICATION_CONTROLLER ? replicationController(resource) : workloadOf({ ...resource, type });
    return workload ? workloadMessages(resource, workload, patch) : [];
}

export const workloadHardening: ResourceRule = {
    kind: "resource",
    name: "workload-hardening",
    description: "Workloads share no host namespace, path or port, add no capability beyond NET_BIND_SERVICE and drop ALL, keep a read-only root filesystem, do not mount the service account token by default, and no Pod runs without a controller.",
    severity: "high",
    rationale:
        "Host namespaces, added capabilities and a writable root filesystem turn a compromised container into a foothold on the node and a place to persist; an automatically mounted token hands the Kubernetes API to any code running in a pod that never needed it; a bare Pod is neither restarted nor rescheduled.",
    remediation:
        "In the pod spec leave hostNetwork, hostPID and hostIPC unset, use no hostPath volume or hostPort (a PersistentVolumeClaim, emptyDir or Service instead) and set automountServiceAccountToken: false (true only for a workload that calls the Kubernetes API; likewise on its ServiceAccount); on every container set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where it writes) and capabilities: { drop: [ALL] } adding at most NET_BIND_SERVICE; run Pods under a Deployment, StatefulSet, DaemonSet or Job.",
    resourceTypes: [...WORKLOAD_TYPES, "kubernetes:core/v1:ReplicationController", ...PATCH_WORKLOAD_TYPES, ...SERVICE_ACCOUNT_TYPES, ...HELM_RELEASE_TYPES],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check: workloadHardeningFindings,
};
