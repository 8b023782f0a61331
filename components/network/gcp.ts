import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpResourceId } from "../naming";
import { NetworkArgs, NetworkRef, subnetCidr } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpNetworkArgs extends NetworkArgs {
    /** Region of the subnet, router and NAT. */
    readonly region: string;
    /** The project APIs, enabled before anything is created. */
    readonly apis: readonly pulumi.Resource[];
}

/** Secondary ranges of the nodes' subnet, by their GKE role. */
export const POD_RANGE = "pods";
export const SERVICE_RANGE = "services";

/**
 * The address plan, carved from the network range: nodes, services and the data stores' private services
 * access range are /20s (of a /16), the control plane's peering range a /28 after them, pods the upper half.
 */
export function gcpAddressPlan(cidr: string): { nodes: string; services: string; dataStores: string; controlPlane: string; pods: string } {
    return {
        nodes: subnetCidr(cidr, 4, 0),
        services: subnetCidr(cidr, 4, 1),
        dataStores: subnetCidr(cidr, 4, 2),
        controlPlane: subnetCidr(cidr, 12, 3 * 2 ** 8),
        pods: subnetCidr(cidr, 1, 1),
    };
}

/**
 * A custom-mode VPC (no auto-created subnets, so no default network's open ranges) with one regional subnet
 * for the nodes and secondary ranges for pods and services, Private Google Access, flow logs, Cloud Router
 * with Cloud NAT for egress (GCP's NAT is regional and zone-redundant; natGateways has no GCP counterpart),
 * and a private services access connection through which Cloud SQL and Memorystore get private addresses.
 */
export class GcpNetwork extends pulumi.ComponentResource implements NetworkRef {
    readonly networkId: pulumi.Output<string>;
    readonly networkSelfLink: pulumi.Output<string>;
    readonly cidr: string;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetCidrs: readonly string[];
    readonly publicSubnetIds: pulumi.Output<string>[] = [];
    readonly dataStoreCidrs: readonly string[];
    readonly subnetSelfLink: pulumi.Output<string>;
    /** The /28 the GKE control plane is peered from. */
    readonly controlPlaneCidr: string;
    /** Name of the address range reserved for private services access (Cloud SQL, Memorystore). */
    readonly privateServicesRangeName: pulumi.Output<string>;
    /** The peering with Google's service producers: data stores wait for it. */
    readonly privateServicesConnection: gcp.servicenetworking.Connection;

    constructor(name: string, args: GcpNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, recordedInputs(args), opts);
        const env = args.environment;
        const after = { parent: this, dependsOn: [...args.apis] };
        const plan = gcpAddressPlan(args.cidr);
        this.cidr = args.cidr;
        this.controlPlaneCidr = plan.controlPlane;

        const network = new gcp.compute.Network(`${name}-vpc`, {
            name: gcpResourceId(env, 63, "vpc"),
            autoCreateSubnetworks: false,
            routingMode: "REGIONAL",
            deleteDefaultRoutesOnCreate: false,
        }, after);

        const subnet = new gcp.compute.Subnetwork(`${name}-nodes`, {
            name: gcpResourceId(env, 63, "nodes"),
            network: network.id,
            region: args.region,
            ipCidrRange: plan.nodes,
            privateIpGoogleAccess: true,
            secondaryIpRanges: [
                { rangeName: POD_RANGE, ipCidrRange: plan.pods },
                { rangeName: SERVICE_RANGE, ipCidrRange: plan.services },
            ],
            logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
        }, after);

        const router = new gcp.compute.Router(`${name}-router`, {
            name: gcpResourceId(env, 63, "router"),
            network: network.id,
            region: args.region,
        }, after);
        new gcp.compute.RouterNat(`${name}-nat`, {
            name: gcpResourceId(env, 63, "nat"),
            router: router.name,
            region: args.region,
            natIpAllocateOption: "AUTO_ONLY",
            sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        }, after);

        const [dataStoreAddress, dataStorePrefix] = plan.dataStores.split("/");
        const privateServicesRange = new gcp.compute.GlobalAddress(`${name}-private-services`, {
            name: gcpResourceId(env, 63, "private-services"),
            network: network.id,
            purpose: "VPC_PEERING",
            addressType: "INTERNAL",
            address: dataStoreAddress,
            prefixLength: Number(dataStorePrefix),
        }, after);
        this.privateServicesConnection = new gcp.servicenetworking.Connection(`${name}-private-services`, {
            network: network.id,
            service: "servicenetworking.googleapis.com",
            reservedPeeringRanges: [privateServicesRange.name],
            deletionPolicy: "ABANDON",
        }, after);

        this.networkId = network.id;
        this.networkSelfLink = network.selfLink;
        this.subnetSelfLink = subnet.selfLink;
        this.privateSubnetIds = [subnet.id];
        this.privateSubnetCidrs = [plan.nodes];
        this.dataStoreCidrs = [plan.dataStores];
        this.privateServicesRangeName = privateServicesRange.name;
        this.registerOutputs({ networkId: this.networkId, privateSubnetIds: this.privateSubnetIds });
    }
}
