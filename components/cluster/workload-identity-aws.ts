import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { standardTags } from "../naming";
import { WorkloadIdentityArgs, WorkloadIdentityRef } from "./types";

/** Cloud permissions for one Kubernetes service account, through IRSA. */
export interface AwsWorkloadIdentityArgs extends WorkloadIdentityArgs {
    /** The cluster's IAM OIDC provider and issuer URL. */
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly oidcIssuerUrl: pulumi.Input<string>;
    /** AWS managed policies to attach as well (for AWS's own add-ons, which document theirs). */
    readonly managedPolicyArns?: readonly string[];
}

/**
 * An IAM role that only the named service account in the named namespace can assume (web identity
 * with `sub` and `aud` conditions), with an inline policy of exactly the statements given.
 */
export class AwsWorkloadIdentity extends pulumi.ComponentResource implements WorkloadIdentityRef {
    readonly roleArn: pulumi.Output<string>;
    /** Annotations that bind the service account to the role. */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: AwsWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:WorkloadIdentity", name, args, opts);
        const issuerHost = pulumi.output(args.oidcIssuerUrl).apply((url) => url.replace(/^https:\/\//, ""));
        const role = new aws.iam.Role(`${name}-role`, {
            description: `IRSA role of ${args.namespace}/${args.serviceAccount}`,
            assumeRolePolicy: pulumi.all([args.oidcProviderArn, issuerHost]).apply(([providerArn, host]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{
                        Effect: "Allow",
                        Principal: { Federated: providerArn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${host}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                                [`${host}:aud`]: "sts.amazonaws.com",
                            },
                        },
                    }],
                }),
            ),
            tags: standardTags(args.environment, { "service-account": `${args.namespace}/${args.serviceAccount}` }),
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-policy`, {
            role: role.name,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: args.statements.map((statement) => ({ Effect: "Allow", Action: [...statement.actions], Resource: [...statement.resources] })),
            }),
        }, { parent: this });
        (args.managedPolicyArns ?? []).forEach((policyArn, index) => {
            new aws.iam.RolePolicyAttachment(`${name}-managed-${index}`, { role: role.name, policyArn }, { parent: this });
        });
        this.roleArn = role.arn;
        this.serviceAccountAnnotations = role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
