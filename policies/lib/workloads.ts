import { ResourceUnderTest } from "./rule";
import { asArray, asRecord } from "./values";

/**
 * Kubernetes workloads as the container rules see them: the pod spec of each workload kind and every
 * container in it. Reads go through ordinary property access, so a value unknown during preview raises
 * the SDK's UnknownValueError (the rule then reports "can't run during preview") instead of being skipped.
 */

/** Where each workload kind keeps its pod spec, below the resource's props. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Resource types of every workload kind that runs containers. */
export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** Workload kinds whose pods run to completion: probes make no sense for them. */
const BATCH_TYPES: readonly string[] = ["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

export type ContainerRole = "container" | "init container" | "ephemeral container";

export interface PodContainer {
    readonly role: ContainerRole;
    /** The container's name, or `#<index>` in its list when it has none. */
    readonly name: string;
    readonly spec: Record<string, unknown>;
}

export interface Workload {
    /** Kubernetes kind, e.g. `Deployment`. */
    readonly kind: string;
    /** Logical name of the resource: always known, even when metadata.name is computed. */
    readonly name: string;
    /** Job or CronJob. */
    readonly batch: boolean;
    /** The pod spec; empty when the workload has none. */
    readonly podSpec: Record<string, unknown>;
}

/** The workload a resource is, or undefined when its type runs no containers. */
export function workloadOf(resource: ResourceUnderTest): Workload | undefined {
    const path = POD_SPEC_PATHS[resource.type];
    if (!path) return undefined;
    let node: Record<string, unknown> | undefined = resource.props;
    for (const key of path) node = asRecord(node?.[key]);
    return {
        kind: resource.type.slice(resource.type.lastIndexOf(":") + 1),
        name: resource.name,
        batch: BATCH_TYPES.includes(resource.type),
        podSpec: node ?? {},
    };
}

const LISTS: readonly (readonly [string, ContainerRole])[] = [
    ["initContainers", "init container"],
    ["containers", "container"],
    ["ephemeralContainers", "ephemeral container"],
];

/** Every container of a pod spec: init containers, then containers, then ephemeral containers. */
export function containersOf(podSpec: Record<string, unknown>, roles: readonly ContainerRole[] = ["init container", "container", "ephemeral container"]): PodContainer[] {
    const found: PodContainer[] = [];
    for (const [key, role] of LISTS) {
        if (!roles.includes(role)) continue;
        asArray(podSpec[key]).forEach((entry, index) => {
            const spec = asRecord(entry) ?? {};
            const name = spec.name;
            found.push({ role, name: typeof name === "string" && name !== "" ? name : `#${index}`, spec });
        });
    }
    return found;
}

/** `Deployment api container web`: how messages name a container. */
export function describeContainer(workload: Workload, container: PodContainer): string {
    return `${workload.kind} ${workload.name} ${container.role} ${container.name}`;
}
