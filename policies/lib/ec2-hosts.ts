import { ResourceUnderTest } from "./rule";
import { isRecord } from "./values";
import { asArray, asRecord } from "./values";

/**
 * EC2 instances and launch templates as holders of data: their block devices (encryption) and, for data
 * hosts, their public IP addresses.
 *
 * A **data host** is an instance (or the instances a launch template starts) whose tags say it holds data;
 * nothing else makes one, so that a bastion or a web server with a public IP is not a false alarm:
 * - a `data-classification` tag (also `DataClassification`, `data_classification`) with any value but
 *   `public` or `none`, or
 * - a `role`, `workload`, `component` or `data-store` tag (any case and separator) whose value contains a
 *   data-store word as a whole word: `db`, `database`, `postgres`, `mysql`, `redis`, `mongodb`,
 *   `elasticsearch`, `kafka`... (`postgres-primary` is one, `web` or `dbt-runner` is not).
 * For a launch template both its own `tags` and the `tagSpecifications` for instances count.
 */

export const INSTANCE = "aws:ec2/instance:Instance";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** Data-store words, matched against the whole words of a role tag's value. */
export const DATA_STORE_WORDS: readonly string[] = [
    "db", "database", "postgres", "postgresql", "mysql", "mariadb", "aurora", "oracle", "mssql", "sqlserver",
    "redis", "valkey", "memcached", "cache", "mongo", "mongodb", "elasticsearch", "opensearch", "cassandra",
    "kafka", "clickhouse", "datastore",
];
const ROLE_KEYS: readonly string[] = ["role", "workload", "component", "datastore"];
const CLASSIFICATION_KEY = "dataclassification";
const NOT_CLASSIFIED: readonly string[] = ["public", "none", ""];
/** Tag keys and values longer than AWS allows (128 / 256) are not read. */
const MAX_TAG_CHARS = 256;
/** AWS allows 50 tags per resource and one tag specification per resource type: more are not read. */
const MAX_TAGS = 64;
const MAX_TAG_SPECIFICATIONS = 16;
/** More network interfaces than any instance type supports are not read. */
const MAX_NETWORK_INTERFACES = 64;

const normalisedKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * Why the tags (or GCP labels, `noun` "label") make this a data host (e.g. `tag role=postgres`), or undefined.
 * Never more of the value than the tag itself.
 */
export function dataHostReason(tags: Record<string, unknown>, noun = "tag"): string | undefined {
    for (const key of Object.keys(tags).slice(0, MAX_TAGS)) {
        const value = tags[key];
        if (typeof value !== "string" || key.length > MAX_TAG_CHARS || value.length > MAX_TAG_CHARS) continue;
        const normalised = normalisedKey(key);
        if (normalised === CLASSIFICATION_KEY && !NOT_CLASSIFIED.includes(value.trim().toLowerCase())) return `${noun} ${key}=${value}`;
        if (ROLE_KEYS.includes(normalised)) {
            const words = value.toLowerCase().split(/[^a-z0-9]+/);
            if (words.some((word) => DATA_STORE_WORDS.includes(word))) return `${noun} ${key}=${value}`;
        }
    }
    return undefined;
}

function tagSets(resource: ResourceUnderTest): Record<string, unknown>[] {
    const { props } = resource;
    const own = isRecord(props.tags) ? [props.tags] : [];
    if (resource.type !== LAUNCH_TEMPLATE) return own;
    const forInstances = asArray(props.tagSpecifications)
        .slice(0, MAX_TAG_SPECIFICATIONS)
        .map((entry) => asRecord(entry) ?? {})
        .filter((specification) => specification.resourceType === undefined || specification.resourceType === "instance")
        .flatMap((specification) => (isRecord(specification.tags) ? [specification.tags] : []));
    return [...own, ...forInstances];
}

/** Why the resource is a data host, or undefined when it is not one. */
export function dataHost(resource: ResourceUnderTest): string | undefined {
    if (resource.type !== INSTANCE && resource.type !== LAUNCH_TEMPLATE) return undefined;
    for (const tags of tagSets(resource)) {
        const reason = dataHostReason(tags);
        if (reason !== undefined) return reason;
    }
    return undefined;
}

/** Launch templates write booleans as strings ("true"); instances as booleans. */
const isOn = (value: unknown): boolean => value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");

/** Public IP addresses a data host asks for. */
export function publicIpViolations(resource: ResourceUnderTest): string[] {
    if (resource.type !== INSTANCE && resource.type !== LAUNCH_TEMPLATE) return [];
    const requested: string[] = [];
    if (resource.type === INSTANCE) {
        if (isOn(resource.props.associatePublicIpAddress)) requested.push("associatePublicIpAddress is true");
    } else {
        asArray(resource.props.networkInterfaces).slice(0, MAX_NETWORK_INTERFACES).forEach((entry, index) => {
            if (isOn(asRecord(entry)?.associatePublicIpAddress)) requested.push(`networkInterfaces[${index}].associatePublicIpAddress is true`);
        });
    }
    if (requested.length === 0) return [];
    // Only now are the tags read: an instance without a public IP is never judged on them.
    const reason = dataHost(resource);
    if (reason === undefined) return [];
    const label = resource.type === INSTANCE ? "EC2 instance" : "launch template";
    return requested.map((what) => `${label} ${resource.name} is a data host (${reason}) with a public IP address (${what})`);
}

/** Compute Engine instances and instance templates: data hosts by their labels, public by an access config on a network interface. */
export const GCE_HOST_TYPES: Readonly<Record<string, string>> = {
    "gcp:compute/instance:Instance": "Compute Engine instance",
    "gcp:compute/instanceTemplate:InstanceTemplate": "instance template",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": "regional instance template",
};

/** External addresses a Compute Engine data host asks for: an access config (IPv4) or an IPv6 access config. */
export function gcePublicIpViolations(resource: ResourceUnderTest): string[] {
    const label = GCE_HOST_TYPES[resource.type];
    if (label === undefined) return [];
    const requested = asArray(resource.props.networkInterfaces)
        .slice(0, MAX_NETWORK_INTERFACES)
        .flatMap((entry, index) => {
            const nic = asRecord(entry) ?? {};
            return ["accessConfigs", "ipv6AccessConfigs"].filter((field) => asArray(nic[field]).length > 0).map((field) => `networkInterfaces[${index}].${field}`);
        });
    if (requested.length === 0) return [];
    const reason = isRecord(resource.props.labels) ? dataHostReason(resource.props.labels, "label") : undefined;
    if (reason === undefined) return [];
    return requested.map((what) => `${label} ${resource.name} is a data host (${reason}) with an external IP address (${what})`);
}

/** Block devices that are not encrypted, as `<path> (<why>)`. */
export function unencryptedBlockDevices(resource: ResourceUnderTest): string[] {
    const { props } = resource;
    if (resource.type === INSTANCE) {
        const found: string[] = [];
        const root = asRecord(props.rootBlockDevice);
        // Without rootBlockDevice.encrypted the root volume is encrypted only if the AMI's snapshot or the account default says so: not visible here.
        // An instance started from a launch template takes its mappings from the template, which is judged itself.
        if (root === undefined ? asRecord(props.launchTemplate) === undefined : root.encrypted !== true) {
            found.push(root === undefined ? "root volume (rootBlockDevice not set)" : "rootBlockDevice");
        }
        asArray(props.ebsBlockDevices).forEach((entry, index) => {
            const device = asRecord(entry) ?? {};
            if (device.encrypted !== true) found.push(`ebsBlockDevices[${index}]${typeof device.deviceName === "string" ? ` (${device.deviceName})` : ""}`);
        });
        return found;
    }
    if (resource.type === LAUNCH_TEMPLATE) {
        // Only mappings with an EBS volume; without mappings the AMI's own apply and are not visible here.
        return asArray(props.blockDeviceMappings).flatMap((entry, index) => {
            const mapping = asRecord(entry) ?? {};
            const ebs = asRecord(mapping.ebs);
            if (!ebs || isOn(ebs.encrypted)) return [];
            return [`blockDeviceMappings[${index}]${typeof mapping.deviceName === "string" ? ` (${mapping.deviceName})` : ""}`];
        });
    }
    return [];
}
