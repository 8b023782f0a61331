import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";
import { NetworkRef } from "../network/types";

/** A managed Kubernetes cluster for one environment. */
export interface ClusterArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Region, for the kubeconfig's credential command. */
    readonly region: string;
    /** Network whose private subnets hold the nodes. */
    readonly network: NetworkRef;
    /** Kubernetes minor version, e.g. "1.35". */
    readonly kubernetesVersion: string;
    /** Machine types of the node pool. */
    readonly nodeInstanceTypes: readonly string[];
    /** Node pool size. */
    readonly nodes: { readonly min: number; readonly desired: number; readonly max: number };
    /** Whether the API server is reachable only from the private network. */
    readonly endpointAccess: "private" | "public-and-private";
    /** Source ranges for a public API endpoint. */
    readonly publicAccessCidrs: readonly string[];
    /** Control-plane log types to ship. */
    readonly logTypes: readonly string[];
    /** Days control-plane logs are kept. */
    readonly logRetentionDays: number;
    /** Key that envelope-encrypts Kubernetes Secrets and the control-plane logs (a KMS key ARN on AWS, a Cloud KMS key id on GCP). */
    readonly kmsKeyId: pulumi.Input<string>;
    /**
     * IAM roles that get cluster-admin (an access entry with AmazonEKSClusterAdminPolicy, cluster scope).
     * Not the role that deploys the stack: EKS already gives the cluster's creator its own access entry.
     */
    readonly adminRoleArns: readonly string[];
    /** Refuse to delete the cluster. */
    readonly deletionProtection: boolean;
}

export interface ClusterRef {
    readonly clusterName: pulumi.Output<string>;
    /** Kubeconfig that authenticates with the cloud CLI; a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Provider through which everything in the cluster is deployed. */
    readonly kubernetesProvider: k8s.Provider;
    /** Storage class for persistent volumes: encrypted with the environment's key. */
    readonly storageClassName: pulumi.Output<string>;
    /** Resources that must exist before a persistent volume can be claimed. */
    readonly storageReady: pulumi.Resource[];
}

/** Cloud permissions for one Kubernetes service account (IRSA on AWS, Workload Identity on GCP). */
export interface WorkloadIdentityArgs {
    readonly environment: EnvironmentContext;
    readonly namespace: string;
    readonly serviceAccount: string;
    /**
     * Exactly what the workload may do: on AWS IAM actions on resource ARNs; on GCP IAM roles
     * (`roles/...`) on full resource names (`//storage.googleapis.com/projects/_/buckets/uploads`).
     */
    readonly statements: readonly AccessStatement[];
}

/** One grant to a workload: IAM actions on resource ARNs (AWS), or IAM roles on full resource names (GCP). */
export interface AccessStatement {
    readonly actions: readonly string[];
    readonly resources: readonly pulumi.Input<string>[];
}

export interface WorkloadIdentityRef {
    /** Annotations that bind the Kubernetes service account to the cloud identity. */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
}
