import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asRecord } from "../lib/values";
import { containersOf, describeContainer, workloadOf, WORKLOAD_TYPES } from "../lib/workloads";

/**
 * Every container — init, regular and ephemeral — must run as a non-root user without a way back to root:
 * runAsNonRoot true and runAsUser not 0 (container securityContext overriding the pod's), allowPrivilegeEscalation
 * false and privileged not true (container-only fields). These are the user-related controls of the Pod Security
 * "restricted" profile, checked before the API server would reject (or, under "baseline", admit) the pod.
 */
export const containersRunAsNonRoot: ResourceRule = {
    kind: "resource",
    name: "containers-run-as-non-root",
    description: "Containers run as a non-root user, unprivileged, without privilege escalation.",
    severity: "high",
    rationale:
        "A container running as root, privileged or able to gain privileges turns any code-execution bug into control of the node and of every pod on it.",
    remediation:
        "Set securityContext.runAsNonRoot: true (pod or container), a non-zero runAsUser if any, and on every container securityContext.allowPrivilegeEscalation: false and no privileged: true.",
    resourceTypes: WORKLOAD_TYPES,
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource) {
        const workload = workloadOf(resource);
        if (!workload) return [];
        const pod = asRecord(workload.podSpec.securityContext) ?? {};
        const messages: string[] = [];
        for (const container of containersOf(workload.podSpec)) {
            const own = asRecord(container.spec.securityContext) ?? {};
            const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
            const runAsUser = own.runAsUser ?? pod.runAsUser;
            const problems: string[] = [];
            if (runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
            if (runAsUser === 0) problems.push("runAsUser is 0");
            if (own.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
            if (own.privileged === true) problems.push("privileged is true");
            if (problems.length > 0) messages.push(`${describeContainer(workload, container)}: ${problems.join(", ")}`);
        }
        return messages;
    },
};
