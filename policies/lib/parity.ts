import { MIN_BACKUP_RETENTION_DAYS, MIN_SNAPSHOT_RETENTION_DAYS } from "./guardrails";
import { ResourceUnderTest } from "./rule";
import { TIERS } from "./tiers";
import { isRecord } from "./values";
import { imagePinning } from "./image-reference";

/**
 * What "staging mirrors prod" means, as data: engine versions, the capabilities present, their security
 * properties, the services and where their images come from, and the sizes that are allowed to differ.
 * Which digest each service runs is a release question, judged by the release ledger (release-promotion).
 * Built from resource props alone, so the same code reads a render, a state export and CrossGuard's view.
 */
export type Fingerprint = Record<string, string | number | boolean | null>;

/** Paths that may differ between environments, each with the reason. Anything else must match. */
export const PARITY_ALLOWLIST: readonly { readonly pattern: string; readonly reason: string }[] = [
    { pattern: "size.*", reason: "instance sizes, storage and node counts scale with the environment" },
    { pattern: "services.*.replicas", reason: "replica counts scale with the environment" },
    { pattern: "services.*.repository", reason: "each environment pulls from its own registry" },
    { pattern: "services.*.hostname", reason: "each environment has its own hostnames" },
    { pattern: "network.availabilityZones", reason: "counted with sizes; HA itself is compared under security" },
];

/** `/<tier>/` in a repository path: environments differ there by design. Tier names are plain words, so the alternation is linear. */
const TIER_SEGMENT = new RegExp(`/(${TIERS.join("|")})/`);

function get(value: unknown, ...path: (string | number)[]): unknown {
    let current = value;
    for (const key of path) {
        if (Array.isArray(current) && typeof key === "number") current = current[key];
        else if (isRecord(current)) current = current[String(key)];
        else return undefined;
    }
    return current;
}

function scalar(value: unknown): string | number | boolean | null {
    if (value === undefined || value === null) return null;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    return JSON.stringify(value);
}

function ofType(resources: readonly ResourceUnderTest[], type: string): ResourceUnderTest[] {
    return resources.filter((resource) => resource.type === type);
}

/** All values of a property across resources, when they agree; "mixed" when they do not. */
function uniform(values: readonly unknown[]): string | number | boolean | null {
    const distinct = [...new Set(values.map((value) => JSON.stringify(scalar(value))))];
    if (distinct.length === 0) return null;
    return distinct.length === 1 ? (JSON.parse(distinct[0]) as string | number | boolean | null) : "mixed";
}

/** The repository as written (registry included, tag and digest removed), as the baseline records it. Linear: the pack's parser. */
function repositoryOf(text: string): string {
    const pinning = imagePinning(text);
    if (pinning.kind === "invalid" || pinning.kind === "image-id") return "";
    const at = text.indexOf("@");
    const name = at === -1 ? text : text.slice(0, at);
    const tag = pinning.reference.tag;
    return tag === undefined ? name : name.slice(0, name.length - tag.length - 1);
}

const GCP_NETWORK = "gcp:compute/network:Network";
const GCP_SECRET = "gcp:secretmanager/secret:Secret";
const GCP_NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const GCP_BUCKET = "gcp:storage/bucket:Bucket";
const GCP_SUBSCRIPTION = "gcp:pubsub/subscription:Subscription";
/** Cloud SQL SSL modes that refuse unencrypted connections. */
const CLOUD_SQL_TLS_MODES: readonly unknown[] = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

interface GcpResources {
    readonly clusters: ResourceUnderTest[];
    readonly nodePools: ResourceUnderTest[];
    readonly databases: ResourceUnderTest[];
    readonly caches: ResourceUnderTest[];
    readonly repositories: ResourceUnderTest[];
}

function gcpResources(resources: readonly ResourceUnderTest[]): GcpResources {
    return {
        clusters: ofType(resources, "gcp:container/cluster:Cluster"),
        nodePools: ofType(resources, "gcp:container/nodePool:NodePool"),
        databases: ofType(resources, "gcp:sql/databaseInstance:DatabaseInstance").filter((db) => db.props.masterInstanceName === undefined || db.props.masterInstanceName === null),
        caches: ofType(resources, "gcp:redis/instance:Instance"),
        repositories: ofType(resources, "gcp:artifactregistry/repository:Repository"),
    };
}

/** Days of nightly backups a Cloud SQL instance keeps when they count as the month of snapshots (GCP's `backups`), else undefined. */
function cloudSqlSnapshotDays(db: ResourceUnderTest): number | undefined {
    const backups = get(db.props, "settings", "backupConfiguration");
    const retained = get(backups, "backupRetentionSettings", "retainedBackups");
    const unit = get(backups, "backupRetentionSettings", "retentionUnit") ?? "COUNT";
    return get(backups, "enabled") === true && unit === "COUNT" && typeof retained === "number" && retained >= MIN_SNAPSHOT_RETENTION_DAYS ? retained : undefined;
}

/**
 * The same properties on GCP (GKE, Cloud SQL primaries, Memorystore for Redis, Artifact Registry), under the
 * same names where they mean the same, and set only where the stack has the resources: an AWS stack's
 * fingerprint is unchanged by them. Provider defaults count as written (deletion protection defaults to true,
 * a public IPv4 address to on, seven days of transaction logs).
 */
function gcpFingerprint(gcp: GcpResources, set: (key: string, value: unknown) => void): void {
    const { clusters, nodePools, databases, caches, repositories } = gcp;
    if (clusters.length > 0) {
        set("engines.kubernetes", uniform(clusters.map((cluster) => cluster.props.minMasterVersion ?? get(cluster.props, "releaseChannel", "channel"))));
        set("security.cluster.publicEndpoint", uniform(clusters.map((cluster) => get(cluster.props, "privateClusterConfig", "enablePrivateEndpoint") !== true)));
        set("security.cluster.privateNodes", uniform(clusters.map((cluster) => get(cluster.props, "privateClusterConfig", "enablePrivateNodes") === true)));
        set("security.cluster.secretsEncrypted", uniform(clusters.map((cluster) => get(cluster.props, "databaseEncryption", "state") === "ENCRYPTED")));
        set("security.cluster.deletionProtection", uniform(clusters.map((cluster) => cluster.props.deletionProtection ?? true)));
        set("security.cluster.workloadIdentity", uniform(clusters.map((cluster) => typeof get(cluster.props, "workloadIdentityConfig", "workloadPool") === "string")));
        set("security.cluster.regional", uniform(clusters.map((cluster) => typeof cluster.props.location === "string" && !/-[a-z]$/.test(cluster.props.location))));
    }
    if (nodePools.length > 0) set("size.cluster.nodeInstanceTypes", uniform(nodePools.map((pool) => get(pool.props, "nodeConfig", "machineType"))));
    if (databases.length > 0) {
        const backups = (db: ResourceUnderTest): unknown => get(db.props, "settings", "backupConfiguration");
        set("engines.postgres", uniform(databases.map((db) => String(db.props.databaseVersion ?? "").replace(/^POSTGRES_/, ""))));
        set("security.postgres.customerManagedKey", uniform(databases.map((db) => typeof db.props.encryptionKeyName === "string" && db.props.encryptionKeyName !== "")));
        set("security.postgres.public", uniform(databases.map((db) => get(db.props, "settings", "ipConfiguration", "ipv4Enabled") !== false)));
        set("security.postgres.tls", uniform(databases.map((db) => CLOUD_SQL_TLS_MODES.includes(get(db.props, "settings", "ipConfiguration", "sslMode")))));
        set("security.postgres.multiAz", uniform(databases.map((db) => get(db.props, "settings", "availabilityType") === "REGIONAL")));
        set("security.postgres.deletionProtection", uniform(databases.map((db) => db.props.deletionProtection ?? true)));
        set(
            `security.postgres.pointInTimeRecovery${MIN_BACKUP_RETENTION_DAYS}d`,
            uniform(databases.map((db) => get(backups(db), "enabled") === true && get(backups(db), "pointInTimeRecoveryEnabled") === true && Number(get(backups(db), "transactionLogRetentionDays") ?? MIN_BACKUP_RETENTION_DAYS) >= MIN_BACKUP_RETENTION_DAYS)),
        );
        set("size.postgres.instanceClass", uniform(databases.map((db) => get(db.props, "settings", "tier"))));
        set("size.postgres.storageGb", uniform(databases.map((db) => get(db.props, "settings", "diskSize"))));
        set("size.postgres.retainedBackups", uniform(databases.map((db) => get(backups(db), "backupRetentionSettings", "retainedBackups"))));
        // Cloud SQL's automated backups are GCP's nightly snapshots.
        set("security.backups.snapshotRetentionDays", uniform(databases.map(cloudSqlSnapshotDays).filter((days) => days !== undefined)));
    }
    if (caches.length > 0) {
        set("engines.redis", uniform(caches.map((cache) => cache.props.redisVersion)));
        set("security.redis.customerManagedKey", uniform(caches.map((cache) => typeof cache.props.customerManagedKey === "string" && cache.props.customerManagedKey !== "")));
        set("security.redis.tls", uniform(caches.map((cache) => cache.props.transitEncryptionMode === "SERVER_AUTHENTICATION")));
        set("security.redis.multiAz", uniform(caches.map((cache) => cache.props.tier === "STANDARD_HA")));
        set("security.redis.authToken", uniform(caches.map((cache) => cache.props.authEnabled === true)));
        set("size.redis.nodeType", uniform(caches.map((cache) => cache.props.memorySizeGb)));
        set("size.redis.nodes", uniform(caches.map((cache) => cache.props.replicaCount)));
    }
    if (repositories.length > 0) {
        set("security.registry.immutableTags", uniform(repositories.map((repository) => get(repository.props, "dockerConfig", "immutableTags") === true)));
        set("security.registry.customerManagedKey", uniform(repositories.map((repository) => typeof repository.props.kmsKeyName === "string" && repository.props.kmsKeyName !== "")));
    }
}

/** The clouds a stack can run on; each has its own committed prod baseline. */
export const PARITY_CLOUDS = ["aws", "gcp"] as const;
export type ParityCloud = (typeof PARITY_CLOUDS)[number];

/** The cloud a stack runs on, from its resources' types: a stack is compared only with its own cloud's prod. */
export function cloudOf(resources: readonly ResourceUnderTest[]): ParityCloud {
    return resources.some((resource) => resource.type.startsWith("gcp:")) ? "gcp" : "aws";
}

export function fingerprint(resources: readonly ResourceUnderTest[]): Fingerprint {
    const result: Fingerprint = {};
    const set = (key: string, value: unknown): void => {
        result[key] = scalar(value);
    };

    const clusters = ofType(resources, "aws:eks/cluster:Cluster");
    const databases = ofType(resources, "aws:rds/instance:Instance");
    const caches = ofType(resources, "aws:elasticache/replicationGroup:ReplicationGroup");
    const repositories = ofType(resources, "aws:ecr/repository:Repository");
    const releases = ofType(resources, "kubernetes:helm.sh/v3:Release");
    const backupPlans = ofType(resources, "aws:backup/plan:Plan");
    const natGateways = ofType(resources, "aws:ec2/natGateway:NatGateway");
    const subnets = ofType(resources, "aws:ec2/subnet:Subnet");

    const gcp = gcpResources(resources);
    set("capabilities", [
        (ofType(resources, "aws:ec2/vpc:Vpc").length > 0 || ofType(resources, GCP_NETWORK).length > 0) && "network",
        (repositories.length > 0 || gcp.repositories.length > 0) && "registry",
        (clusters.length > 0 || gcp.clusters.length > 0) && "cluster",
        (ofType(resources, "aws:secretsmanager/secret:Secret").length > 0 || ofType(resources, GCP_SECRET).length > 0) && "secrets",
        (databases.length > 0 || gcp.databases.length > 0) && "postgres",
        (caches.length > 0 || gcp.caches.length > 0) && "redis",
        (ofType(resources, "aws:sns/topic:Topic").length > 0 || ofType(resources, GCP_NOTIFICATION_CHANNEL).length > 0) && "alerting",
        releases.some((release) => release.props.chart === "kube-prometheus-stack") && "prometheus",
        (ofType(resources, "aws:s3/bucket:Bucket").length > 0 || ofType(resources, GCP_BUCKET).length > 0) && "object-storage",
        (backupPlans.length > 0 || gcp.databases.some((db) => cloudSqlSnapshotDays(db) !== undefined)) && "backups",
        (ofType(resources, "aws:sqs/queue:Queue").length > 0 || ofType(resources, GCP_SUBSCRIPTION).length > 0) && "messaging",
        releases.some((release) => release.props.chart === "opentelemetry-collector") && "telemetry",
    ].filter(Boolean).join(", "));

    set("engines.kubernetes", uniform(clusters.map((cluster) => cluster.props.version)));
    set("engines.postgres", uniform(databases.map((db) => String(db.props.engineVersion ?? "").split(".")[0])));
    set("engines.redis", uniform(caches.map((cache) => cache.props.engineVersion)));
    set("engines.monitoringChart", uniform(releases.filter((release) => release.props.chart === "kube-prometheus-stack").map((release) => `${String(release.props.chart)}@${String(release.props.version)}`)));
    // The charts and versions in use (one chart may be installed twice: the collector as gateway and as log agent).
    set("engines.charts", [...new Set(releases.map((release) => `${String(release.props.chart)}@${String(release.props.version)}`))].sort().join(", "));
    // Nightly snapshots: how long the backup plans keep them (none in dev).
    set("security.backups.snapshotRetentionDays", uniform(backupPlans.flatMap((plan) => (Array.isArray(plan.props.rules) ? plan.props.rules : []).map((rule) => get(rule, "lifecycle", "deleteAfter")))));

    set("security.cluster.publicEndpoint", uniform(clusters.map((cluster) => get(cluster.props, "vpcConfig", "endpointPublicAccess") ?? true)));
    set("security.cluster.secretsEncrypted", uniform(clusters.map((cluster) => JSON.stringify(get(cluster.props, "encryptionConfig", "resources") ?? []).includes("secrets"))));
    set("security.cluster.deletionProtection", uniform(clusters.map((cluster) => cluster.props.deletionProtection ?? false)));
    set("security.cluster.controlPlaneLogs", uniform(clusters.map((cluster) => [...((cluster.props.enabledClusterLogTypes as string[] | undefined) ?? [])].sort().join(","))));

    set("security.postgres.encrypted", uniform(databases.map((db) => db.props.storageEncrypted ?? false)));
    set("security.postgres.public", uniform(databases.map((db) => db.props.publiclyAccessible ?? false)));
    set("security.postgres.multiAz", uniform(databases.map((db) => db.props.multiAz ?? false)));
    set("security.postgres.deletionProtection", uniform(databases.map((db) => db.props.deletionProtection ?? false)));
    set(`security.postgres.pointInTimeRecovery${MIN_BACKUP_RETENTION_DAYS}d`, uniform(databases.map((db) => Number(db.props.backupRetentionPeriod ?? 0) >= MIN_BACKUP_RETENTION_DAYS)));
    set("security.postgres.finalSnapshot", uniform(databases.map((db) => db.props.skipFinalSnapshot === false)));
    set("security.postgres.iamAuthentication", uniform(databases.map((db) => db.props.iamDatabaseAuthenticationEnabled ?? false)));

    set("security.redis.encryptedAtRest", uniform(caches.map((cache) => cache.props.atRestEncryptionEnabled ?? false)));
    set("security.redis.tls", uniform(caches.map((cache) => cache.props.transitEncryptionEnabled ?? false)));
    set("security.redis.automaticFailover", uniform(caches.map((cache) => cache.props.automaticFailoverEnabled ?? false)));
    set("security.redis.multiAz", uniform(caches.map((cache) => cache.props.multiAzEnabled ?? false)));
    set("security.redis.authToken", uniform(caches.map((cache) => typeof cache.props.authToken === "string" && cache.props.authToken.length > 0)));

    set("security.registry.immutableTags", uniform(repositories.map((repository) => repository.props.imageTagMutability === "IMMUTABLE")));
    set("security.registry.scanOnPush", uniform(repositories.map((repository) => get(repository.props, "imageScanningConfiguration", "scanOnPush") ?? false)));
    set("security.network.natPerZone", subnets.length > 0 ? natGateways.length * 2 >= subnets.length : null);
    set("network.availabilityZones", subnets.length / 2);

    set("size.postgres.instanceClass", uniform(databases.map((db) => db.props.instanceClass)));
    set("size.postgres.storageGb", uniform(databases.map((db) => db.props.allocatedStorage)));
    set("size.redis.nodeType", uniform(caches.map((cache) => cache.props.nodeType)));
    set("size.redis.nodes", uniform(caches.map((cache) => cache.props.numCacheClusters)));
    set("size.cluster.nodeInstanceTypes", uniform(ofType(resources, "aws:eks/nodeGroup:NodeGroup").map((group) => (group.props.instanceTypes as string[] | undefined)?.join(","))));

    gcpFingerprint(gcp, set);

    const hostnames = new Map<string, string>();
    for (const ingress of ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress")) {
        const service = get(ingress.props, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name");
        if (typeof service === "string") hostnames.set(service, String(get(ingress.props, "spec", "rules", 0, "host")));
    }
    for (const deployment of ofType(resources, "kubernetes:apps/v1:Deployment")) {
        const name = String(get(deployment.props, "metadata", "name") ?? deployment.name);
        const containers = (get(deployment.props, "spec", "template", "spec", "containers") as unknown[] | undefined) ?? [];
        // The digest each runs is not the environment's profile: the release rule (release-promotion) governs it.
        const repository = repositoryOf(String(get(containers, 0, "image") ?? ""));
        set(`services.${name}.repository`, repository.slice(repository.indexOf("/") + 1).replace(TIER_SEGMENT, "/<env>/"));
        set(`services.${name}.replicas`, get(deployment.props, "spec", "replicas"));
        set(`services.${name}.hostname`, hostnames.get(name) ?? null);
        set(`services.${name}.zeroDowntimeRollout`, get(deployment.props, "spec", "strategy", "rollingUpdate", "maxUnavailable") === 0);
    }
    return result;
}

/** Whether the allowlist lets environments differ at a fingerprint path. */
export function isParityAllowed(path: string): boolean {
    return PARITY_ALLOWLIST.some(({ pattern }) => new RegExp(`^${pattern.split(".").map((part) => (part === "*" ? "[^.]+(\\.[^.]+)*" : part.replace(/[-]/g, "\\-"))).join("\\.")}$`).test(path));
}

export interface ParityDifference {
    readonly path: string;
    readonly stack: string | number | boolean | null;
    readonly baseline: string | number | boolean | null;
    readonly allowed: boolean;
}

/** Every path where a stack's fingerprint differs from the baseline, marked allowed or not. */
export function compareFingerprints(current: Fingerprint, baseline: Fingerprint): ParityDifference[] {
    const paths = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].sort();
    return paths
        .filter((path) => JSON.stringify(current[path] ?? null) !== JSON.stringify(baseline[path] ?? null))
        .map((path) => ({ path, stack: current[path] ?? null, baseline: baseline[path] ?? null, allowed: isParityAllowed(path) }));
}
