import { isAnywhere } from "../lib/cidrs";
import { GCE_HOST_TYPES, gcePublicIpViolations, INSTANCE, LAUNCH_TEMPLATE, publicIpViolations } from "../lib/ec2-hosts";
import { GCS_PUBLIC_ACCESS_TYPES, gcsPublicAccessViolations, isGcsPublicAccessType } from "../lib/gcs-public-access";
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

function isAllTraffic(protocol: unknown): boolean {
    return protocol === "-1" || protocol === -1 || (typeof protocol === "string" && protocol.toLowerCase() === "all");
}

function isTcp(protocol: unknown): boolean {
    return protocol === "6" || protocol === 6 || (typeof protocol === "string" && protocol.toLowerCase() === "tcp");
}

function portOr(value: unknown, fallback: number): number {
    return typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : fallback;
}

const CLOUD_SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const GCP_FIREWALL = "gcp:compute/firewall:Firewall";

/** A GCP firewall port entry: `"5432"` or `"6000-7000"`; none means every port. */
function portRange(entry: unknown): { from: unknown; to: unknown } {
    if (typeof entry === "number") return { from: entry, to: entry };
    const match = typeof entry === "string" ? /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(entry) : null;
    if (!match) return { from: undefined, to: undefined };
    return { from: match[1], to: match[2] ?? match[1] };
}

/** Ingress a GCP firewall admits: each protocol and port range of `allows`, from its explicit sourceRanges. */
function firewallIngresses({ name, props }: ResourceUnderTest): Ingress[] {
    if (props.disabled === true || (typeof props.direction === "string" && props.direction.toUpperCase() === "EGRESS")) return [];
    const cidrs = asArray(props.sourceRanges);
    return asArray(props.allows).flatMap((entry, index) => {
        const allow = asRecord(entry) ?? {};
        const ports = asArray(allow.ports);
        const ranges = ports.length === 0 ? [{ from: undefined, to: undefined }] : ports.map(portRange);
        return ranges.map(({ from, to }) => ({ label: `firewall ${name} allows[${index}]`, protocol: allow.protocol, fromPort: from, toPort: to, cidrs }));
    });
}

function cloudSqlViolations({ name, props }: ResourceUnderTest): string[] {
    const ip = asRecord(asRecord(props.settings)?.ipConfiguration);
    const messages: string[] = [];
    if (ip?.ipv4Enabled !== false) {
        messages.push(`Cloud SQL instance ${name} has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is ${ip?.ipv4Enabled === undefined ? "unset, which is true" : String(ip.ipv4Enabled)}; use privateNetwork)`);
    }
    asArray(ip?.authorizedNetworks).forEach((entry, index) => {
        const cidr = asRecord(entry)?.value;
        if (isAnywhere(cidr)) messages.push(`Cloud SQL instance ${name} admits every address (settings.ipConfiguration.authorizedNetworks[${index}] is ${cidr.trim()})`);
    });
    return messages;
}

function ingressesOf(resource: ResourceUnderTest): Ingress[] {
    const { name, props } = resource;
    switch (resource.type) {
        case GCP_FIREWALL:
            return firewallIngresses(resource);
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
 * On GCP:
 * - no Cloud SQL instance with a public IPv4 address, or an authorized network of every address;
 * - no public Cloud Storage: a bucket without uniform bucket-level access or without public access prevention
 *   "enforced", IAM grants (member, binding, policy) to allUsers / allAuthenticatedUsers on a bucket or a managed
 *   folder, and legacy ACLs naming them (lib/gcs-public-access.ts);
 * - no firewall rule admitting a data-store port from 0.0.0.0/0 or ::/0 through its sourceRanges (rules that
 *   admit source tags or service accounts only are not public);
 * - no external IP address on a Compute Engine data host (an instance or instance template whose labels say it
 *   holds data, read as EC2 tags are).
 * Memorystore is not judged here: an instance has no public address and is reachable only from the VPC it is
 * peered or connected to (authorizedNetwork); its safeguards are AUTH and TLS (cache-authentication,
 * encryption-in-transit).
 */
export const noPublicDataStores: ResourceRule = {
    kind: "resource",
    name: "no-public-data-stores",
    description: "Databases, buckets and data hosts are not publicly accessible and no security group or firewall opens a data-store port to the internet.",
    severity: "critical",
    rationale:
        "A data store reachable from the internet is one leaked or guessed credential, or one unpatched CVE, away from a breach; it is also scanned and brute-forced around the clock.",
    remediation:
        "Set publiclyAccessible: false on RDS instances and Aurora cluster instances and admit data-store ports only from the clients' security groups (as components/postgres/aws.ts and components/redis/aws.ts do), never from 0.0.0.0/0 or ::/0. Keep S3 buckets private: no public ACL or grant, bucket policies for named principals or with aws:SourceVpce / aws:PrincipalOrgID conditions, all four public access block settings true, CloudFront with origin access control instead of website hosting. Cloud SQL: settings.ipConfiguration {ipv4Enabled: false, privateNetwork} and no authorizedNetworks of 0.0.0.0/0. Cloud Storage: uniformBucketLevelAccess: true, publicAccessPrevention: \"enforced\", no role for allUsers or allAuthenticatedUsers (serve public files through Cloud CDN or signed URLs). GCP firewalls: admit data-store ports from the clients' ranges, tags or service accounts, never 0.0.0.0/0. Put data hosts in private subnets without public IPs (on Compute Engine: network interfaces without accessConfigs, reaching out through Cloud NAT) (a data host is an EC2 instance or launch template tagged data-classification with a value other than public/none, or role, workload, component or data-store naming a data store: db, postgres, redis, mongodb, kafka...).",
    resourceTypes: [
        "aws:rds/instance:Instance",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ...S3_PUBLIC_ACCESS_TYPES,
        INSTANCE,
        LAUNCH_TEMPLATE,
        CLOUD_SQL,
        GCP_FIREWALL,
        ...GCS_PUBLIC_ACCESS_TYPES,
        ...Object.keys(GCE_HOST_TYPES),
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
        if (resource.type === CLOUD_SQL) return cloudSqlViolations(resource);
        if (Object.hasOwn(GCE_HOST_TYPES, resource.type)) return gcePublicIpViolations(resource);
        if (isGcsPublicAccessType(resource.type)) return gcsPublicAccessViolations(resource);
        return ingressesOf(resource)
            .map(exposures)
            .filter((message): message is string => message !== undefined);
    },
};
