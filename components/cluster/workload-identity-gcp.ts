import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpResourceId } from "../naming";
import { WorkloadIdentityArgs, WorkloadIdentityRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpWorkloadIdentityArgs extends WorkloadIdentityArgs {
    readonly project: string;
    /** The cluster's workload pool, `<project>.svc.id.goog`. */
    readonly workloadPool: string;
    /** The project APIs (IAM). */
    readonly apis: readonly pulumi.Resource[];
}

/** A CEL string literal: the resource names come from the stack file, so quotes and backslashes are escaped. */
function celString(text: string): string {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A resource with an IAM policy of its own, named exactly: a bucket, a Pub/Sub topic or subscription. */
type PolicyHolder =
    | { readonly kind: "bucket"; readonly bucket: string }
    | { readonly kind: "topic" | "subscription"; readonly project: string; readonly id: string };

/** Linear-time: fixed prefixes, one character class per segment. */
const EXACT_BUCKET = /^projects\/_\/buckets\/([a-z0-9][a-z0-9._-]{1,221})$/;
const EXACT_PUBSUB = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/(topics|subscriptions)\/([A-Za-z][A-Za-z0-9._~+%-]{2,254})$/;

/**
 * Resource names given as plain strings that name one bucket, topic or subscription exactly are granted on
 * that resource (its own IAM policy: nothing else matches, and Pub/Sub has no resource conditions at project
 * level); every other name (a prefix, a kind without its own policy, a value known only at deployment) by a
 * project-level grant conditioned on the name's prefix.
 */
function splitByPolicyHolder(resources: readonly pulumi.Input<string>[]): { exact: PolicyHolder[]; conditional: pulumi.Input<string>[] } {
    const exact: PolicyHolder[] = [];
    const conditional: pulumi.Input<string>[] = [];
    for (const resource of resources) {
        const bucket = typeof resource === "string" ? EXACT_BUCKET.exec(resource) : null;
        const pubsub = typeof resource === "string" ? EXACT_PUBSUB.exec(resource) : null;
        if (bucket) exact.push({ kind: "bucket", bucket: bucket[1] });
        else if (pubsub) exact.push({ kind: pubsub[2] === "topics" ? "topic" : "subscription", project: pubsub[1], id: pubsub[3] });
        else conditional.push(resource);
    }
    return { exact, conditional };
}

function grantOn(name: string, target: PolicyHolder, role: string, member: pulumi.Input<string>, parent: pulumi.Resource): void {
    switch (target.kind) {
        case "bucket":
            new gcp.storage.BucketIAMMember(`${name}-${target.bucket}`, { bucket: target.bucket, role, member }, { parent });
            return;
        case "topic":
            new gcp.pubsub.TopicIAMMember(`${name}-${target.id}`, { project: target.project, topic: target.id, role, member }, { parent });
            return;
        case "subscription":
            new gcp.pubsub.SubscriptionIAMMember(`${name}-${target.id}`, { project: target.project, subscription: target.id, role, member }, { parent });
            return;
    }
}

/**
 * A Google service account that only the named Kubernetes service account can act as (Workload Identity:
 * `roles/iam.workloadIdentityUser` for `<pool>[<namespace>/<name>]`), granted exactly the listed roles:
 * on the named bucket, topic or subscription itself, or else at project level with an IAM condition that
 * limits it to the listed resource names.
 */
export class GcpWorkloadIdentity extends pulumi.ComponentResource implements WorkloadIdentityRef {
    readonly email: pulumi.Output<string>;
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: GcpWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:WorkloadIdentity", name, recordedInputs(args), opts);
        const account = new gcp.serviceaccount.Account(`${name}-gsa`, {
            accountId: gcpResourceId(args.environment, 30, args.serviceAccount),
            displayName: `Workload identity of ${args.namespace}/${args.serviceAccount}`,
        }, { parent: this, dependsOn: [...args.apis] });
        new gcp.serviceaccount.IAMMember(`${name}-binding`, {
            serviceAccountId: account.name,
            role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.workloadPool}[${args.namespace}/${args.serviceAccount}]`,
        }, { parent: this });
        const member = pulumi.interpolate`serviceAccount:${account.email}`;
        // A grant on a named resource is named by role and resource, not by its statement's position: the
        // statements come from config maps (topics), whose key order the engine does not keep, and a
        // position in the name would replace grants whenever that order changed.
        const exactGrants = new Set<string>();
        args.statements.forEach((statement, index) => {
            const { exact, conditional } = splitByPolicyHolder(statement.resources);
            for (const role of statement.actions) {
                const roleSlug = role.replace(/^roles\//, "").replace(/[^A-Za-z0-9]+/g, "-");
                for (const target of exact) {
                    const grantName = `${name}-${roleSlug}`;
                    const key = `${grantName}-${target.kind}-${target.kind === "bucket" ? target.bucket : target.id}`;
                    if (exactGrants.has(key)) continue;
                    exactGrants.add(key);
                    grantOn(grantName, target, role, member, this);
                }
                if (conditional.length === 0) continue;
                new gcp.projects.IAMMember(`${name}-${index}-${roleSlug}`, {
                    project: args.project,
                    role,
                    member,
                    condition: {
                        title: `${args.serviceAccount}-${index}`,
                        description: `Only the resources ${args.namespace}/${args.serviceAccount} is configured for`,
                        expression: pulumi.all([...conditional]).apply((names) =>
                            names.map((resource) => `resource.name.startsWith(${celString(resource)})`).join(" || ")),
                    },
                }, { parent: this });
            }
        });
        this.email = account.email;
        this.serviceAccountAnnotations = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
        this.registerOutputs({ email: this.email });
    }
}
