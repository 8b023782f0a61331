import { isAnywhere } from "../lib/cidrs";
import { isDisposable } from "../lib/tiers";
import { knownElements, knownEntries } from "../lib/known-values";
import { ResourceRule, ResourceUnderTest, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asArray, asRecord } from "../lib/values";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const GKE_CLUSTER = "gcp:container/cluster:Cluster";
const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";

function gkeClusterViolations({ name, props }: ResourceUnderTest): string[] {
    const messages: string[] = [];
    const privateCluster = asRecord(props.privateClusterConfig);
    if (privateCluster?.enablePrivateEndpoint !== true) messages.push(`GKE cluster ${name} exposes its API endpoint to the internet (privateClusterConfig.enablePrivateEndpoint is not true)`);
    if (privateCluster?.enablePrivateNodes !== true) messages.push(`GKE cluster ${name} gives its nodes public IP addresses (privateClusterConfig.enablePrivateNodes is not true)`);
    asArray(props.nodePools).forEach((pool, index) => {
        if (asRecord(asRecord(pool)?.networkConfig)?.enablePrivateNodes === false) messages.push(`GKE cluster ${name} nodePools[${index}] gives its nodes public IP addresses (networkConfig.enablePrivateNodes is false)`);
    });
    const authorized = asRecord(props.masterAuthorizedNetworksConfig);
    // A block computed by another resource (a subnet's range, unknown during a preview) is no literal 0.0.0.0/0.
    knownElements(authorized?.cidrBlocks).forEach(([index, block]) => {
        const cidr = knownEntries(block).find(([key]) => key === "cidrBlock")?.[1];
        if (isAnywhere(cidr)) messages.push(`GKE cluster ${name} authorizes every address to reach its API endpoint (masterAuthorizedNetworksConfig.cidrBlocks[${index}] is ${String(cidr).trim()})`);
    });
    if (authorized?.gcpPublicCidrsAccessEnabled === true) messages.push(`GKE cluster ${name} authorizes every Google Cloud public IP address to reach its API endpoint (masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled is true)`);
    return messages;
}

/**
 * Outside dev the Kubernetes API is reachable only from inside the network: EKS with the public endpoint off,
 * GKE with a private endpoint, private nodes (on the cluster, and no node pool that opts out) and master
 * authorized networks that do not admit every address. Dev clusters may keep a public endpoint (tier default
 * "public-and-private") for laptops, so the check reports nothing in dev.
 */
export const clusterEndpointPrivate: ResourceRule = {
    kind: "resource",
    name: "cluster-endpoint-private",
    description: "Outside dev, the Kubernetes API endpoint of EKS and GKE clusters is private, and GKE nodes have no public IP addresses.",
    severity: "high",
    rationale:
        "A public control-plane endpoint exposes the cluster's API (and any authentication or API-server bug) to the whole internet; a private one is reachable only from the VPC and its peered networks.",
    remediation:
        "EKS: vpcConfig.endpointPublicAccess: false with endpointPrivateAccess: true (cluster.endpointAccess \"private\" in the stack config); GKE: privateClusterConfig {enablePrivateEndpoint: true, enablePrivateNodes: true}, no node pool with networkConfig.enablePrivateNodes: false, and masterAuthorizedNetworksConfig listing the networks that administer the cluster (never 0.0.0.0/0, nor gcpPublicCidrsAccessEnabled).",
    resourceTypes: [EKS_CLUSTER, GKE_CLUSTER, GKE_NODE_POOL],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource, context) {
        if (isDisposable(context.tier)) return [];
        const { type, name, props } = resource;
        if (type === GKE_CLUSTER) return gkeClusterViolations(resource);
        if (type === GKE_NODE_POOL) {
            return asRecord(props.networkConfig)?.enablePrivateNodes === false ? [`GKE node pool ${name} gives its nodes public IP addresses (networkConfig.enablePrivateNodes is false)`] : [];
        }
        if (type === EKS_CLUSTER) {
            // AWS turns the public endpoint on when endpointPublicAccess is not given.
            const publicAccess = asRecord(props.vpcConfig)?.endpointPublicAccess;
            return publicAccess === false
                ? []
                : [`EKS cluster ${name} exposes its API endpoint to the internet (vpcConfig.endpointPublicAccess is ${publicAccess === undefined ? "unset, which AWS treats as true" : String(publicAccess)})`];
        }
        return [];
    },
};
