import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { isRecord } from "../lib/values";
import { asRecord } from "../lib/values";
import { containersOf, describeContainer, PodContainer, Workload, workloadOf, WORKLOAD_TYPES } from "../lib/workloads";

const PROBES = ["livenessProbe", "readinessProbe"] as const;
const REQUESTS = ["resources.requests.cpu", "resources.requests.memory"] as const;
const LIMITS = ["resources.limits.cpu", "resources.limits.memory"] as const;

/**
 * What each container must declare:
 * - containers of long-running workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod): both probes, requests and limits;
 * - containers of Jobs and CronJobs: requests and limits (they run to completion, so no probes);
 * - init containers: limits (they run before the pod is ready, so no probes, and their requests rarely matter for scheduling).
 * Ephemeral (debug) containers cannot declare probes or resources and are not checked.
 */
function requiredOf(workload: Workload, container: PodContainer): readonly string[] {
    if (container.role === "init container") return LIMITS;
    if (container.role === "ephemeral container") return [];
    return workload.batch ? [...REQUESTS, ...LIMITS] : [...PROBES, ...REQUESTS, ...LIMITS];
}

function quantity(resources: Record<string, unknown> | undefined, kind: string, name: string): unknown {
    return asRecord(resources?.[kind])?.[name];
}

function declares(spec: Record<string, unknown>, item: string): boolean {
    if (item === "livenessProbe" || item === "readinessProbe") return isRecord(spec[item]);
    const [, kind, name] = item.split(".");
    const value = quantity(asRecord(spec.resources), kind, name);
    return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/** Every container declares how to tell it is alive and ready, and what it may consume. */
export const workloadProbesAndLimits: ResourceRule = {
    kind: "resource",
    name: "workload-probes-and-limits",
    description: "Workload containers declare liveness and readiness probes, and CPU and memory requests and limits.",
    severity: "medium",
    rationale:
        "Without probes Kubernetes routes traffic to pods that are not ready and never restarts hung ones; without requests the scheduler overcommits nodes, and without limits one container can starve its neighbours.",
    remediation:
        "Give each container livenessProbe and readinessProbe (not for Job/CronJob containers) and resources.requests and resources.limits for cpu and memory; init containers need resources.limits.",
    resourceTypes: WORKLOAD_TYPES,
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource) {
        const workload = workloadOf(resource);
        if (!workload) return [];
        const messages: string[] = [];
        for (const container of containersOf(workload.podSpec, ["init container", "container"])) {
            const missing = requiredOf(workload, container).filter((item) => !declares(container.spec, item));
            if (missing.length > 0) messages.push(`${describeContainer(workload, container)} is missing ${missing.join(", ")}`);
        }
        return messages;
    },
};
