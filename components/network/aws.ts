import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { namedTags } from "../naming";
import { NetworkArgs, NetworkRef, subnetCidr } from "./types";

/** Subnets are /20s of the VPC range: private ones first, public ones from slot 8. */
const SUBNET_BITS = 4;
const PUBLIC_SLOT_OFFSET = 8;

/**
 * A VPC with one private and one public subnet per availability zone. Private subnets reach the
 * internet through NAT; nodes, databases and caches live there.
 */
export class AwsNetwork extends pulumi.ComponentResource implements NetworkRef {
    readonly networkId: pulumi.Output<string>;
    readonly cidr: string;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetCidrs: readonly string[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly dataStoreCidrs: readonly string[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        this.cidr = args.cidr;

        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
        const zoneName = (index: number): pulumi.Output<string> =>
            zones.names.apply((names) => {
                if (names.length <= index) throw new Error(`platform:network.availabilityZones: expected at most ${names.length} (the zones the region offers); found ${args.availabilityZones}`);
                return names[index];
            });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: namedTags(env, "vpc"),
        }, parent);
        this.networkId = vpc.id;

        const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: namedTags(env, "igw") }, parent);
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
            tags: namedTags(env, "public"),
        }, parent);

        const zoneIndexes = Array.from({ length: args.availabilityZones }, (_, index) => index);
        const publicSubnets = zoneIndexes.map((index) => {
            const subnet = new aws.ec2.Subnet(`${name}-public-${index}`, {
                vpcId: vpc.id,
                availabilityZone: zoneName(index),
                cidrBlock: subnetCidr(args.cidr, SUBNET_BITS, PUBLIC_SLOT_OFFSET + index),
                mapPublicIpOnLaunch: false,
                tags: namedTags(env, `public-${index}`, { "kubernetes.io/role/elb": "1" }),
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-public-${index}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
            return subnet;
        });

        const natCount = args.natGateways === "perAz" ? args.availabilityZones : 1;
        const natGateways = zoneIndexes.slice(0, natCount).map((index) => {
            const address = new aws.ec2.Eip(`${name}-nat-${index}`, { domain: "vpc", tags: namedTags(env, `nat-${index}`) }, parent);
            return new aws.ec2.NatGateway(`${name}-nat-${index}`, {
                allocationId: address.id,
                subnetId: publicSubnets[index].id,
                tags: namedTags(env, `nat-${index}`),
            }, { parent: this, dependsOn: [internetGateway] });
        });

        this.privateSubnetCidrs = zoneIndexes.map((index) => subnetCidr(args.cidr, SUBNET_BITS, index));
        const privateSubnets = zoneIndexes.map((index) => {
            const subnet = new aws.ec2.Subnet(`${name}-private-${index}`, {
                vpcId: vpc.id,
                availabilityZone: zoneName(index),
                cidrBlock: this.privateSubnetCidrs[index],
                tags: namedTags(env, `private-${index}`, { "kubernetes.io/role/internal-elb": "1" }),
            }, parent);
            const routes = new aws.ec2.RouteTable(`${name}-private-${index}`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateways[Math.min(index, natGateways.length - 1)].id }],
                tags: namedTags(env, `private-${index}`),
            }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-${index}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
            return subnet;
        });

        this.dataStoreCidrs = this.privateSubnetCidrs;
        this.privateSubnetIds = privateSubnets.map((subnet) => subnet.id);
        this.publicSubnetIds = publicSubnets.map((subnet) => subnet.id);
        this.registerOutputs({ networkId: this.networkId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
