import { TestResource } from "./policy-harness";

/**
 * Compliant GCP resources, shaped as @pulumi/gcp 9.37 inputs (the analyzer's view of them), for the rules'
 * GCP specs: each spec mutates one of them once per violation. `set` replaces nested objects key by key,
 * and `undefined` removes a key, so a case states only what it changes.
 */

export const PROJECT = "acme-platform-prod";
export const REGION = "europe-west1";
export const KMS_KEY = `projects/${PROJECT}/locations/${REGION}/keyRings/platform-prod/cryptoKeys/data`;

type Props = Record<string, unknown>;

function isPlainObject(value: unknown): value is Props {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merges `changes` into `base`: objects merge, anything else replaces, `undefined` removes. */
export function set(base: Props, changes: Props): Props {
    const result: Props = { ...base };
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete result[key];
        else if (isPlainObject(value) && isPlainObject(result[key])) result[key] = set(result[key] as Props, value);
        else result[key] = value;
    }
    return result;
}

function fixture(type: string, name: string, props: Props): (changes?: Props) => TestResource {
    return (changes = {}) => ({ type, name, props: set(props, changes) });
}

/** Cloud SQL for PostgreSQL 16: private IP only, TLS only, CMEK, backups with PITR, deletion protection. */
export const cloudSql = fixture("gcp:sql/databaseInstance:DatabaseInstance", "postgres", {
    name: "platform-prod-postgres",
    databaseVersion: "POSTGRES_16",
    region: REGION,
    encryptionKeyName: KMS_KEY,
    deletionProtection: true,
    settings: {
        tier: "db-custom-2-7680",
        edition: "ENTERPRISE",
        availabilityType: "REGIONAL",
        deletionProtectionEnabled: true,
        ipConfiguration: { ipv4Enabled: false, privateNetwork: `projects/${PROJECT}/global/networks/platform-prod`, sslMode: "ENCRYPTED_ONLY" },
        backupConfiguration: {
            enabled: true,
            pointInTimeRecoveryEnabled: true,
            transactionLogRetentionDays: 7,
            startTime: "02:00",
            backupRetentionSettings: { retainedBackups: 30, retentionUnit: "COUNT" },
        },
        userLabels: { environment: "prod" },
    },
});

/** Memorystore for Redis, STANDARD_HA: AUTH, TLS, CMEK, private service access. */
export const memorystoreRedis = fixture("gcp:redis/instance:Instance", "redis", {
    name: "platform-prod-redis",
    region: REGION,
    tier: "STANDARD_HA",
    memorySizeGb: 5,
    redisVersion: "REDIS_7_2",
    authEnabled: true,
    transitEncryptionMode: "SERVER_AUTHENTICATION",
    connectMode: "PRIVATE_SERVICE_ACCESS",
    authorizedNetwork: `projects/${PROJECT}/global/networks/platform-prod`,
    customerManagedKey: KMS_KEY,
    labels: { environment: "prod" },
});

/** GKE Standard, regional: private endpoint and nodes, secrets encrypted with Cloud KMS, deletion protection. */
export const gkeCluster = fixture("gcp:container/cluster:Cluster", "cluster", {
    name: "platform-prod",
    location: REGION,
    network: `projects/${PROJECT}/global/networks/platform-prod`,
    subnetwork: `projects/${PROJECT}/regions/${REGION}/subnetworks/platform-prod`,
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    deletionProtection: true,
    privateClusterConfig: { enablePrivateEndpoint: true, enablePrivateNodes: true, masterIpv4CidrBlock: "172.16.0.0/28" },
    masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "10.30.0.0/16", displayName: "vpc" }] },
    databaseEncryption: { state: "ENCRYPTED", keyName: KMS_KEY },
    workloadIdentityConfig: { workloadPool: `${PROJECT}.svc.id.goog` },
    resourceLabels: { environment: "prod" },
});

/** Artifact Registry Docker repository: immutable tags, CMEK. */
export const artifactRepository = fixture("gcp:artifactregistry/repository:Repository", "services", {
    repositoryId: "platform-prod-services",
    location: REGION,
    format: "DOCKER",
    dockerConfig: { immutableTags: true },
    kmsKeyName: KMS_KEY,
    cleanupPolicies: [{ id: "delete-untagged", action: "DELETE", condition: { tagState: "UNTAGGED", olderThan: "2592000s" } }],
});

/** Cloud Storage bucket: uniform access, public access prevention enforced, CMEK. */
export const bucket = fixture("gcp:storage/bucket:Bucket", "assets", {
    name: "acme-platform-prod-assets",
    location: "EU",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    encryption: { defaultKmsKeyName: KMS_KEY },
    labels: { environment: "prod" },
});

/** Secret Manager secret, automatic replication with CMEK. */
export const secret = fixture("gcp:secretmanager/secret:Secret", "jwt", {
    secretId: "platform-prod-jwt",
    replication: { auto: { customerManagedEncryption: { kmsKeyName: KMS_KEY } } },
    labels: { environment: "prod" },
});

/** Cloud KMS key, symmetric, rotating every 30 days. */
export const cryptoKey = fixture("gcp:kms/cryptoKey:CryptoKey", "data", {
    name: "data",
    keyRing: `projects/${PROJECT}/locations/${REGION}/keyRings/platform-prod`,
    purpose: "ENCRYPT_DECRYPT",
    rotationPeriod: "2592000s",
});
