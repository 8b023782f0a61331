import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resourceName, standardTags } from "../naming";
import { ClusterArgs, ClusterRef } from "./types";

function assumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    });
}

/**
 * EKS with a managed node group in the private subnets, Secrets envelope-encrypted with KMS, control-plane
 * logs in CloudWatch, an IAM OIDC provider for IRSA, and a Kubernetes provider for in-cluster resources.
 */
export class AwsCluster extends pulumi.ComponentResource implements ClusterRef {
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly kubernetesProvider: k8s.Provider;
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);
        const clusterName = resourceName(env, "eks");

        const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), tags }, parent);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
            role: clusterRole.name,
            policyArn: aws.iam.ManagedPolicy.AmazonEKSClusterPolicy,
        }, parent);

        // EKS would create this group itself with no retention and no encryption; creating it first sets both.
        const controlPlaneLogs = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
            name: `/aws/eks/${clusterName}/cluster`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.kmsKeyArn,
            tags,
        }, parent);

        const cluster = new aws.eks.Cluster(`${name}-eks`, {
            name: clusterName,
            version: args.kubernetesVersion,
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: args.network.privateSubnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpointAccess === "public-and-private",
                publicAccessCidrs: args.endpointAccess === "public-and-private" ? [...args.publicAccessCidrs] : undefined,
            },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            encryptionConfig: { provider: { keyArn: args.kmsKeyArn }, resources: ["secrets"] },
            enabledClusterLogTypes: [...args.logTypes],
            // Standard support only: extended support costs six times as much and hides overdue upgrades.
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: args.deletionProtection,
            tags,
        }, { parent: this, dependsOn: [clusterPolicy, controlPlaneLogs] });

        const nodeRole = new aws.iam.Role(`${name}-nodes`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags }, parent);
        const nodePolicies = [
            aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
            aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
            aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
        ].map((policyArn, index) => new aws.iam.RolePolicyAttachment(`${name}-nodes-${index}`, { role: nodeRole.name, policyArn }, parent));

        new aws.eks.NodeGroup(`${name}-nodes`, {
            clusterName: cluster.name,
            nodeRoleArn: nodeRole.arn,
            subnetIds: args.network.privateSubnetIds,
            instanceTypes: [...args.nodeInstanceTypes],
            amiType: "AL2023_x86_64_STANDARD",
            scalingConfig: { minSize: args.nodes.min, desiredSize: args.nodes.desired, maxSize: args.nodes.max },
            updateConfig: { maxUnavailable: 1 },
            tags,
        }, { parent: this, dependsOn: nodePolicies, ignoreChanges: ["scalingConfig.desiredSize"] });

        this.oidcIssuerUrl = cluster.identities.apply((identities) => identities[0].oidcs[0].issuer);
        const oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: this.oidcIssuerUrl,
            clientIdLists: ["sts.amazonaws.com"],
            tags,
        }, parent);

        this.clusterName = cluster.name;
        this.nodeSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
        this.oidcProviderArn = oidcProvider.arn;
        this.kubeconfig = pulumi.secret(
            pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority.data]).apply(([clusterId, endpoint, authority]) =>
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    clusters: [{ name: clusterId, cluster: { server: endpoint, "certificate-authority-data": authority } }],
                    contexts: [{ name: clusterId, context: { cluster: clusterId, user: clusterId } }],
                    "current-context": clusterId,
                    users: [{
                        name: clusterId,
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: "aws",
                                args: ["eks", "get-token", "--cluster-name", clusterId, "--region", args.region],
                            },
                        },
                    }],
                }),
            ),
        );
        this.kubernetesProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, parent);

        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, oidcProviderArn: this.oidcProviderArn });
    }
}
