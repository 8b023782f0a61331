import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, gcpResourceId, kubernetesLabels } from "../naming";
import { GcpNetwork, POD_RANGE, SERVICE_RANGE } from "../network/gcp";
import { execKubeconfig } from "./kubeconfig";
import { ClusterArgs, ClusterRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpClusterArgs extends ClusterArgs {
    readonly project: string;
    /** Zones a regional cluster's nodes span (the tier's availability zones); dev is zonal. */
    readonly zones: number;
    /** The environment's own network (secondary ranges, control-plane range). */
    readonly gcpNetwork: GcpNetwork;
    /** The project APIs, and the key grants GKE's and Compute Engine's service agents need for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

/** Persistent disks through the GKE PD CSI driver, encrypted with the environment's key. */
const ENCRYPTED_STORAGE_CLASS = "pd-balanced-encrypted";

/** The platform's log-type names -> GKE's logging components (audit logs are Cloud Audit Logs, always on). */
const LOG_COMPONENTS: Readonly<Record<string, string | undefined>> = {
    api: "APISERVER",
    controllerManager: "CONTROLLER_MANAGER",
    scheduler: "SCHEDULER",
};

export function gkeLoggingComponents(logTypes: readonly string[]): string[] {
    const chosen = logTypes.map((type) => LOG_COMPONENTS[type]).filter((component): component is string => component !== undefined);
    return ["SYSTEM_COMPONENTS", "WORKLOADS", ...chosen];
}

/**
 * GKE Standard: regional (nodes across the tier's zones) outside dev, zonal in dev; on the REGULAR release
 * channel with the configured minor as its minimum; private nodes, and outside dev a private endpoint only;
 * master authorized networks (the nodes' subnet when private, `publicAccessCidrs` in dev); Workload
 * Identity; Dataplane V2, which enforces NetworkPolicies; Shielded nodes with secure boot; Secrets
 * encrypted at the application layer with Cloud KMS; a node pool of its own service account, autoscaled
 * within the tier's bounds; deletion protection outside dev.
 */
export class GcpCluster extends pulumi.ComponentResource implements ClusterRef {
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly kubernetesProvider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly storageReady: pulumi.Resource[];
    /** `<project>.svc.id.goog`: the pool Kubernetes service accounts federate through. */
    readonly workloadPool: string;

    constructor(name: string, args: GcpClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, recordedInputs(args), opts);
        const env = args.environment;
        const after = { parent: this, dependsOn: [...args.apis] };
        const labels = gcpLabels(env);
        const network = args.gcpNetwork;
        const regional = env.tier !== "dev";
        const privateEndpoint = args.endpointAccess === "private";
        this.workloadPool = `${args.project}.svc.id.goog`;

        const zones = gcp.compute.getZonesOutput({ region: args.region, status: "UP" }, { parent: this }).names.apply((names) => {
            const sorted = [...names].sort();
            const count = regional ? args.zones : 1;
            if (sorted.length < count) throw new Error(`platform:network.availabilityZones: expected at most ${sorted.length} (the zones ${args.region} offers); found ${count}`);
            return sorted.slice(0, count);
        });

        const nodeAccount = new gcp.serviceaccount.Account(`${name}-nodes`, {
            accountId: gcpResourceId(env, 30, "gke-nodes"),
            displayName: `GKE nodes of ${env.project} ${env.stack}`,
        }, after);
        const nodeRoles = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"].map((role) =>
            new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1].replace(/\./g, "-")}`, {
                project: args.project,
                role,
                member: pulumi.interpolate`serviceAccount:${nodeAccount.email}`,
            }, { parent: this }));

        const authorizedNetworks = privateEndpoint
            ? [{ cidrBlock: network.privateSubnetCidrs[0], displayName: "nodes" }]
            : args.publicAccessCidrs.map((cidrBlock, index) => ({ cidrBlock, displayName: `operators-${index}` }));

        const cluster = new gcp.container.Cluster(`${name}-gke`, {
            name: gcpResourceId(env, 40, "gke"),
            location: regional ? args.region : zones.apply((names) => names[0]),
            nodeLocations: regional ? zones : undefined,
            network: network.networkSelfLink,
            subnetwork: network.subnetSelfLink,
            networkingMode: "VPC_NATIVE",
            ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE, servicesSecondaryRangeName: SERVICE_RANGE },
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            releaseChannel: { channel: "REGULAR" },
            minMasterVersion: args.kubernetesVersion,
            privateClusterConfig: {
                enablePrivateNodes: true,
                enablePrivateEndpoint: privateEndpoint,
                masterIpv4CidrBlock: network.controlPlaneCidr,
                masterGlobalAccessConfig: { enabled: false },
            },
            masterAuthorizedNetworksConfig: { cidrBlocks: authorizedNetworks, gcpPublicCidrsAccessEnabled: false },
            masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
            enableLegacyAbac: false,
            workloadIdentityConfig: { workloadPool: this.workloadPool },
            datapathProvider: "ADVANCED_DATAPATH",
            enableShieldedNodes: true,
            databaseEncryption: { state: "ENCRYPTED", keyName: args.kmsKeyId },
            loggingConfig: { enableComponents: gkeLoggingComponents(args.logTypes) },
            monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: false } },
            addonsConfig: { gcePersistentDiskCsiDriverConfig: { enabled: true }, httpLoadBalancing: { disabled: false } },
            maintenancePolicy: { recurringWindow: { startTime: "2026-01-04T04:00:00Z", endTime: "2026-01-04T08:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" } },
            deletionProtection: args.deletionProtection,
            resourceLabels: labels,
        }, after);

        const zoneTotal = regional ? args.zones : 1;
        const nodePool = new gcp.container.NodePool(`${name}-nodes`, {
            name: "platform",
            cluster: cluster.id,
            location: cluster.location,
            initialNodeCount: Math.max(1, Math.ceil(args.nodes.desired / zoneTotal)),
            autoscaling: { totalMinNodeCount: args.nodes.min, totalMaxNodeCount: args.nodes.max, locationPolicy: "BALANCED" },
            management: { autoRepair: true, autoUpgrade: true },
            upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
            nodeConfig: {
                machineType: args.nodeInstanceTypes[0],
                imageType: "COS_CONTAINERD",
                diskType: "pd-balanced",
                bootDiskKmsKey: args.kmsKeyId,
                serviceAccount: nodeAccount.email,
                oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                workloadMetadataConfig: { mode: "GKE_METADATA" },
                metadata: { "disable-legacy-endpoints": "true" },
                resourceLabels: labels,
            },
        }, { parent: this, dependsOn: nodeRoles, ignoreChanges: ["initialNodeCount"] });

        this.clusterName = cluster.name;
        this.kubeconfig = pulumi.secret(
            pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth.clusterCaCertificate]).apply(([clusterId, endpoint, authority]) =>
                execKubeconfig(clusterId, `https://${endpoint}`, authority, {
                    command: "gke-gcloud-auth-plugin",
                    provideClusterInfo: true,
                    installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                }),
            ),
        );
        this.kubernetesProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: [nodePool] });

        const storageClass = new k8s.storage.v1.StorageClass(`${name}-pd`, {
            metadata: { name: ENCRYPTED_STORAGE_CLASS, labels: kubernetesLabels(env) },
            provisioner: "pd.csi.storage.gke.io",
            parameters: { type: "pd-balanced", "disk-encryption-kms-key": args.kmsKeyId },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: args.deletionProtection ? "Retain" : "Delete",
        }, { parent: this, provider: this.kubernetesProvider });
        this.storageClassName = storageClass.metadata.name;
        this.storageReady = [storageClass];

        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}

