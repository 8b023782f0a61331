import { Tier } from "../policies/lib/tiers";

/** Who an environment's resources belong to: the one input to every name and tag. */
export interface EnvironmentContext {
    /** Pulumi project name. */
    readonly project: string;
    /** Stack (environment) name, e.g. `staging`. */
    readonly stack: string;
    /** Tier whose defaults the stack inherits. */
    readonly tier: Tier;
    /** Cost centre recorded on every resource. */
    readonly costCentre: string;
}

/** `<project>-<stack>-<part>...`: unique across stacks in one account, readable in the console. */
export function resourceName(env: EnvironmentContext, ...parts: string[]): string {
    return [env.project, env.stack, ...parts].join("-");
}

/** The tags every cloud resource carries (AWS tags; GCP labels accept the same lowercase keys). */
export function standardTags(env: EnvironmentContext, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return {
        environment: env.stack,
        project: env.project,
        "managed-by": "pulumi",
        "cost-centre": env.costCentre,
        ...extra,
    };
}

/** `standardTags` plus a Name tag, which the AWS console shows as the resource's name. */
export function namedTags(env: EnvironmentContext, part: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return standardTags(env, { Name: resourceName(env, part), ...extra });
}

/** The labels every Kubernetes object carries: the same keys as the cloud tags. */
export function kubernetesLabels(env: EnvironmentContext, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    // The cloud tags as labels, plus the keys Kubernetes tooling reads.
    return {
        ...standardTags(env),
        "app.kubernetes.io/part-of": env.project,
        "app.kubernetes.io/managed-by": "pulumi",
        ...extra,
    };
}
