import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpResourceId } from "../naming";
import { WorkloadIdentityArgs, WorkloadIdentityRef } from "./types";

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

/**
 * A Google service account that only the named Kubernetes service account can act as (Workload Identity:
 * `roles/iam.workloadIdentityUser` for `<pool>[<namespace>/<name>]`), granted exactly the listed roles,
 * each bound with an IAM condition that limits it to the listed resource names.
 */
export class GcpWorkloadIdentity extends pulumi.ComponentResource implements WorkloadIdentityRef {
    readonly email: pulumi.Output<string>;
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: GcpWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:WorkloadIdentity", name, args, opts);
        const account = new gcp.serviceaccount.Account(`${name}-gsa`, {
            accountId: gcpResourceId(args.environment, 30, args.serviceAccount),
            displayName: `Workload identity of ${args.namespace}/${args.serviceAccount}`,
        }, { parent: this, dependsOn: [...args.apis] });
        new gcp.serviceaccount.IAMMember(`${name}-binding`, {
            serviceAccountId: account.name,
            role: "roles/iam.workloadIdentityUser",
            member: `serviceAccount:${args.workloadPool}[${args.namespace}/${args.serviceAccount}]`,
        }, { parent: this });
        args.statements.forEach((statement, index) => {
            for (const role of statement.actions) {
                new gcp.projects.IAMMember(`${name}-${index}-${role.replace(/^roles\//, "").replace(/[^A-Za-z0-9]+/g, "-")}`, {
                    project: args.project,
                    role,
                    member: pulumi.interpolate`serviceAccount:${account.email}`,
                    condition: {
                        title: `${args.serviceAccount}-${index}`,
                        description: `Only the resources ${args.namespace}/${args.serviceAccount} is configured for`,
                        expression: pulumi.all([...statement.resources]).apply((names) =>
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
