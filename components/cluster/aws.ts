import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesLabels, resourceName, standardTags } from "../naming";
import { execKubeconfig } from "./kubeconfig";
import { ClusterArgs, ClusterRef } from "./types";
import { AwsWorkloadIdentity } from "./workload-identity-aws";

/** Encrypted gp3 volumes through the EBS CSI driver. */
const ENCRYPTED_STORAGE_CLASS = "gp3-encrypted";

function assumeRolePolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    });
}

/** The EKS access policy that makes a principal cluster-admin. */
export const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/**
 * `arn:aws:iam::123456789012:role/ops/platform-admins` -> `123456789012-platform-admins`: the resource name of
 * a role's access entry. Stable when the list is reordered (an index would not be), and unique because role
 * names are unique within an account whatever their path.
 */
export function adminRoleKey(roleArn: string): string {
    const match = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    if (!match) throw new Error(`expected an IAM role ARN, found ${roleArn}`);
    return `${match[1]}-${match[2]}`;
}

/**
 * EKS with a managed node group in the private subnets, Secrets envelope-encrypted with KMS, control-plane
 * logs in CloudWatch, the VPC CNI as a managed add-on that enforces NetworkPolicies, cluster-admin access
 * entries for the configured IAM roles, an IAM OIDC provider for IRSA, and a Kubernetes provider for
 * in-cluster resources.
 */
export class AwsCluster extends pulumi.ComponentResource implements ClusterRef {
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly kubernetesProvider: k8s.Provider;
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly storageClassName: pulumi.Output<string>;
    readonly storageReady: pulumi.Resource[];

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
            kmsKeyId: args.kmsKeyId,
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
            encryptionConfig: { provider: { keyArn: args.kmsKeyId }, resources: ["secrets"] },
            enabledClusterLogTypes: [...args.logTypes],
            // Standard support only: extended support costs six times as much and hides overdue upgrades.
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: args.deletionProtection,
            tags,
        }, { parent: this, dependsOn: [clusterPolicy, controlPlaneLogs] });

        // The VPC CNI (which EKS installs self-managed) enforces NetworkPolicies only with its network policy
        // agent switched on; without it every NetworkPolicy of the apps namespace is accepted and ignored.
        // Adopting it as a managed add-on with OVERWRITE takes over the self-managed install. addonVersion is
        // left unset: EKS picks the default version for the cluster's Kubernetes version on create, and the
        // provider then keeps whatever is installed; set it explicitly when upgrading the add-on.
        const vpcCni = new aws.eks.Addon(`${name}-vpc-cni`, {
            clusterName: cluster.name,
            addonName: "vpc-cni",
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags,
        }, { parent: this, dependsOn: [cluster] });

        // With authenticationMode API only access entries authenticate: the creator gets one from EKS
        // (bootstrapClusterCreatorAdminPermissions); the operators' roles get theirs here.
        for (const roleArn of args.adminRoleArns) {
            const key = adminRoleKey(roleArn);
            const entry = new aws.eks.AccessEntry(`${name}-admin-${key}`, {
                clusterName: cluster.name,
                principalArn: roleArn,
                type: "STANDARD",
                tags,
            }, { parent: this, dependsOn: [cluster] });
            new aws.eks.AccessPolicyAssociation(`${name}-admin-${key}`, {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn: CLUSTER_ADMIN_POLICY_ARN,
                accessScope: { type: "cluster" },
            }, { parent: this, dependsOn: [entry] });
        }

        const nodeRole = new aws.iam.Role(`${name}-nodes`, { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), tags }, parent);
        const nodePolicies = [
            aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy,
            aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy,
            aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly,
        ].map((policyArn, index) => new aws.iam.RolePolicyAttachment(`${name}-nodes-${index}`, { role: nodeRole.name, policyArn }, parent));

        const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
            clusterName: cluster.name,
            nodeRoleArn: nodeRole.arn,
            subnetIds: args.network.privateSubnetIds,
            instanceTypes: [...args.nodeInstanceTypes],
            amiType: "AL2023_x86_64_STANDARD",
            scalingConfig: { minSize: args.nodes.min, desiredSize: args.nodes.desired, maxSize: args.nodes.max },
            updateConfig: { maxUnavailable: 1 },
            tags,
        }, { parent: this, dependsOn: [...nodePolicies, vpcCni], ignoreChanges: ["scalingConfig.desiredSize"] });

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
                execKubeconfig(clusterId, endpoint, authority, { command: "aws", args: ["eks", "get-token", "--cluster-name", clusterId, "--region", args.region] }),
            ),
        );
        this.kubernetesProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, parent);

        // Persistent volumes (Prometheus keeps its samples on one) need the EBS CSI driver. Its controller
        // acts through IRSA with AWS's managed policy plus use of the environment's key for encryption.
        const ebsCsiIdentity = new AwsWorkloadIdentity(`${name}-ebs-csi`, {
            environment: env,
            oidcProviderArn: oidcProvider.arn,
            oidcIssuerUrl: this.oidcIssuerUrl,
            namespace: "kube-system",
            serviceAccount: "ebs-csi-controller-sa",
            managedPolicyArns: [aws.iam.ManagedPolicy.AmazonEBSCSIDriverPolicy],
            statements: [{ actions: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"], resources: [args.kmsKeyId] }],
        }, parent);
        const ebsCsi = new aws.eks.Addon(`${name}-ebs-csi`, {
            clusterName: cluster.name,
            addonName: "aws-ebs-csi-driver",
            serviceAccountRoleArn: ebsCsiIdentity.roleArn,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags,
        }, { parent: this, dependsOn: [nodeGroup] });
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
            metadata: { name: ENCRYPTED_STORAGE_CLASS, labels: kubernetesLabels(env) },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.kmsKeyId },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            // Where the cluster is protected, so is its data: a deleted claim leaves its volume behind.
            reclaimPolicy: args.deletionProtection ? "Retain" : "Delete",
        }, { parent: this, provider: this.kubernetesProvider, dependsOn: [ebsCsi] });
        this.storageClassName = storageClass.metadata.name;
        this.storageReady = [storageClass];

        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, oidcProviderArn: this.oidcProviderArn });
    }
}
