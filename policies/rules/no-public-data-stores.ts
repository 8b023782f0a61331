import { INSTANCE, LAUNCH_TEMPLATE, publicIpViolations } from "../lib/ec2-hosts";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { aclViolations, policyViolations, publicAccessBlockViolations, S3_PUBLIC_ACCESS_TYPES, websiteViolations } from "../lib/s3-public-access";
import { asArray, asRecord } from "../lib/values";

/**
 * Ports of the data stores this rule keeps off the internet, by port number. Extend the list (with its
 * spec) when the platform adds a store:
 * - 3306  MySQL / MariaDB / Aurora MySQL
 * - 5432  PostgreSQL / Aurora PostgreSQL
 * - 6379  Redis / Valkey (ElastiCache)
 * - 9200  Elasticsearch / OpenSearch (HTTP API)
 * - 27017 MongoDB / DocumentDB
 */
export const DATA_STORE_PORTS: readonly (readonly [number, string])[] = [
    [3306, "MySQL"],
    [5432, "PostgreSQL"],
    [6379, "Redis"],
    [9200, "Elasticsearch"],
    [27017, "MongoDB"],
];

/** One ingress permission, whatever resource type declares it. */
interface Ingress {
    /** How the message names it, e.g. `security group db-sg ingress[0]`. */
    readonly label: string;
    readonly protocol: unknown;
    readonly fromPort: unknown;
    readonly toPort: unknown;
    readonly cidrs: readonly unknown[];
}

/** 0.0.0.0/0, ::/0 and any other spelling of a prefix of length zero: every address. */
function isAnywhere(cidr: unknown): cidr is string {
    return typeof cidr === "string" && /\/0+$/.test(cidr.trim());
}

function isAllTraffic(protocol: unknown): boolean {
    return protocol === "-1" || protocol === -1 || (typeof protocol === "string" && protocol.toLowerCase() === "all");
}

function isTcp(protocol: unknown): boolean {
    return protocol === "6" || protocol === 6 || (typeof protocol === "string" && protocol.toLowerCase() === "tcp");
}

function portOr(value: unknown, fallback: number): number {
    return typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : fallback;
}

function ingressesOf(resource: ResourceUnderTest): Ingress[] {
    const { name, props } = resource;
    switch (resource.type) {
        case "aws:ec2/securityGroup:SecurityGroup":
            return asArray(props.ingress).map((entry, index) => {
                const rule = asRecord(entry) ?? {};
                return {
                    label: `security group ${name} ingress[${index}]`,
                    protocol: rule.protocol,
                    fromPort: rule.fromPort,
                    toPort: rule.toPort,
                    cidrs: [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)],
                };
            });
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            if (props.type !== "ingress") return [];
            return [{
                label: `security group rule ${name}`,
                protocol: props.protocol,
                fromPort: props.fromPort,
                toPort: props.toPort,
                cidrs: [...asArray(props.cidrBlocks), ...asArray(props.ipv6CidrBlocks)],
            }];
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            return [{
                label: `security group ingress rule ${name}`,
                protocol: props.ipProtocol,
                fromPort: props.fromPort,
                toPort: props.toPort,
                cidrs: [props.cidrIpv4, props.cidrIpv6],
            }];
        default:
            return [];
    }
}

function describeTraffic(ingress: Ingress, from: number, to: number): string {
    if (isAllTraffic(ingress.protocol)) return "all traffic";
    return from === to ? `tcp ${from}` : `tcp ${from}-${to}`;
}

function exposures(ingress: Ingress): string | undefined {
    const open = ingress.cidrs.filter(isAnywhere);
    if (open.length === 0) return undefined;
    const all = isAllTraffic(ingress.protocol);
    if (!all && !isTcp(ingress.protocol)) return undefined;
    // With protocol -1 AWS ignores the ports; an unset port means the whole range.
    const from = all ? 0 : portOr(ingress.fromPort, 0);
    const to = all ? 65535 : portOr(ingress.toPort, 65535);
    const ports = DATA_STORE_PORTS.filter(([port]) => from <= port && port <= to);
    if (ports.length === 0) return undefined;
    const stores = ports.map(([port, store]) => `${store} (${port})`).join(", ");
    return `${ingress.label} (${describeTraffic(ingress, from, to)}) opens ${stores} to the internet (${[...new Set(open)].join(", ")})`;
}

/**
 * Databases, caches and buckets are never reachable from the internet:
 * - no publicly accessible RDS instance or Aurora cluster instance;
 * - no ingress from 0.0.0.0/0 or ::/0 over TCP (or all protocols) to a data-store port, whether the rule is
 *   inline in an aws.ec2.SecurityGroup or a separate aws.ec2.SecurityGroupRule / aws.vpc.SecurityGroupIngressRule
 *   (rules that admit prefix lists or other security groups are not public and are not flagged);
 * - no public S3 bucket: public canned ACLs or grants to AllUsers / AuthenticatedUsers (Bucket, BucketV2,
 *   BucketAcl, BucketAclV2), bucket policies allowing Principal `*` without a condition that fixes who
 *   (Bucket.policy, BucketV2.policy, BucketPolicy; unreadable policies are findings), public access blocks
 *   (bucket or account) with any of the four settings off, and website hosting (lib/s3-public-access.ts);
 * - no public IP address on a data host: an EC2 instance or launch template tagged as holding data
 *   (lib/ec2-hosts.ts says exactly which tags), with associatePublicIpAddress on.
 * A bucket with no public access block at all is s3-public-access-block-declared's (a stack rule).
 */
export const noPublicDataStores: ResourceRule = {
    kind: "resource",
    name: "no-public-data-stores",
    description: "Databases, buckets and data hosts are not publicly accessible and no security group opens a data-store port to the internet.",
    severity: "critical",
    rationale:
        "A data store reachable from the internet is one leaked or guessed credential, or one unpatched CVE, away from a breach; it is also scanned and brute-forced around the clock.",
    remediation:
        "Set publiclyAccessible: false on RDS instances and Aurora cluster instances and admit data-store ports only from the clients' security groups (as components/postgres/aws.ts and components/redis/aws.ts do), never from 0.0.0.0/0 or ::/0. Keep S3 buckets private: no public ACL or grant, bucket policies for named principals or with aws:SourceVpce / aws:PrincipalOrgID conditions, all four public access block settings true, CloudFront with origin access control instead of website hosting. Put data hosts in private subnets without public IPs (a data host is an EC2 instance or launch template tagged data-classification with a value other than public/none, or role, workload, component or data-store naming a data store: db, postgres, redis, mongodb, kafka...).",
    resourceTypes: [
        "aws:rds/instance:Instance",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ...S3_PUBLIC_ACCESS_TYPES,
        INSTANCE,
        LAUNCH_TEMPLATE,
    ],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check(resource) {
        if (resource.type === "aws:rds/instance:Instance") {
            return resource.props.publiclyAccessible === true ? [`RDS instance ${resource.name} is publicly accessible (publiclyAccessible is true)`] : [];
        }
        if (resource.type === "aws:rds/clusterInstance:ClusterInstance") {
            return resource.props.publiclyAccessible === true ? [`RDS cluster instance ${resource.name} is publicly accessible (publiclyAccessible is true)`] : [];
        }
        if (S3_PUBLIC_ACCESS_TYPES.includes(resource.type)) {
            return [...aclViolations(resource), ...policyViolations(resource), ...publicAccessBlockViolations(resource), ...websiteViolations(resource)];
        }
        if (resource.type === INSTANCE || resource.type === LAUNCH_TEMPLATE) return publicIpViolations(resource);
        return ingressesOf(resource)
            .map(exposures)
            .filter((message): message is string => message !== undefined);
    },
};
