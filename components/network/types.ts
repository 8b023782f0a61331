import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** A private network for one environment, whatever the cloud. */
export interface NetworkArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Address range of the network. */
    readonly cidr: string;
    /** Availability zones to spread subnets across (at least two). */
    readonly availabilityZones: number;
    /** One NAT for the network, or one per zone so that losing a zone keeps egress. */
    readonly natGateways: "single" | "perAz";
}

/** What other components need from a network. */
export interface NetworkRef {
    readonly networkId: pulumi.Output<string>;
    readonly cidr: string;
    /** Subnets without a route from the internet: nodes and data stores live here. */
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** Address ranges of the private subnets, for network policies. */
    readonly privateSubnetCidrs: readonly string[];
    /** Subnets for internet-facing load balancers (none on GCP, whose load balancers need no subnet). */
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** Address ranges the managed data stores (Postgres, Redis) get their addresses from, for egress rules. */
    readonly dataStoreCidrs: readonly string[];
}

/** Splits `cidr` into `2^newBits` equal subnets and returns subnet `index`. */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText) + newBits;
    if (prefix > 28 || index >= 2 ** newBits) throw new Error(`cannot carve subnet ${index} of /${prefix} from ${cidr}`);
    const base = address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
    const start = base + index * 2 ** (32 - prefix);
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
}
