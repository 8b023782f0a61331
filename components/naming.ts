import { createHash } from "crypto";
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

/** GCP label values: lowercase letters, digits, '_' and '-', at most 63 characters. */
function labelText(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9_-]/g, "_").slice(0, 63);
}

/** The standard tags as GCP labels, every value made a valid label value. */
export function gcpLabels(env: EnvironmentContext, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return Object.fromEntries(Object.entries(standardTags(env, extra)).map(([key, value]) => [labelText(key), labelText(value)]));
}

/**
 * A GCP resource id of at most `max` characters ([a-z][a-z0-9-]*): `resourceName` when it fits, else its
 * start and a hash of the whole, so that two long names never collide.
 */
export function gcpResourceId(env: EnvironmentContext, max: number, ...parts: string[]): string {
    const full = resourceName(env, ...parts).toLowerCase().replace(/[^a-z0-9-]/g, "-");
    if (full.length <= max) return full;
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 6);
    return `${full.slice(0, max - 7).replace(/-+$/, "")}-${hash}`;
}

/**
 * A Cloud Storage bucket name, unique across all of Google Cloud: the project id (itself globally unique)
 * before the environment's name, at most 63 characters.
 */
export function gcsBucketName(env: EnvironmentContext, project: string, part: string): string {
    return gcpResourceId({ ...env, project: `${project}-${env.project}` }, 63, part);
}
