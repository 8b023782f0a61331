import { isDisposable } from "../lib/tiers";
import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asRecord } from "../lib/values";

/**
 * Outside dev the Kubernetes API is reachable only from inside the network: EKS with the public endpoint off,
 * GKE with a private endpoint. Dev clusters may keep a public endpoint (tier default "public-and-private") for
 * laptops, so the check reports nothing in dev.
 */
export const clusterEndpointPrivate: ResourceRule = {
    kind: "resource",
    name: "cluster-endpoint-private",
    description: "Outside dev, the Kubernetes API endpoint of EKS and GKE clusters is private.",
    severity: "high",
    rationale:
        "A public control-plane endpoint exposes the cluster's API (and any authentication or API-server bug) to the whole internet; a private one is reachable only from the VPC and its peered networks.",
    remediation:
        "EKS: vpcConfig.endpointPublicAccess: false with endpointPrivateAccess: true (cluster.endpointAccess \"private\" in the stack config); GKE: privateClusterConfig.enablePrivateEndpoint: true.",
    resourceTypes: ["aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster"],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check({ type, name, props }, context) {
        if (isDisposable(context.tier)) return [];
        if (type === "aws:eks/cluster:Cluster") {
            // AWS turns the public endpoint on when endpointPublicAccess is not given.
            const publicAccess = asRecord(props.vpcConfig)?.endpointPublicAccess;
            return publicAccess === false
                ? []
                : [`EKS cluster ${name} exposes its API endpoint to the internet (vpcConfig.endpointPublicAccess is ${publicAccess === undefined ? "unset, which AWS treats as true" : String(publicAccess)})`];
        }
        const privateEndpoint = asRecord(props.privateClusterConfig)?.enablePrivateEndpoint;
        return privateEndpoint === true ? [] : [`GKE cluster ${name} exposes its API endpoint to the internet (privateClusterConfig.enablePrivateEndpoint is not true)`];
    },
};
