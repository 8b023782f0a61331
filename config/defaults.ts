import { Cloud, CLUSTER_LOG_TYPES, ValidatedConfig } from "./schema";
import { Tier } from "../policies/lib/tiers";

/** Everything a tier decides; a stack file only states what differs from its tier. */
export type TierDefaults = Omit<ValidatedConfig, "tier" | "region" | "gcpProject" | "services" | "jwtSecret" | "release"> & { release: ValidatedConfig["release"] };

/** What a tier decides differently per cloud: machine sizes and versions, which each cloud names its own way. */
export interface CloudTierDefaults {
    readonly cluster: Pick<ValidatedConfig["cluster"], "nodeInstanceTypes">;
    readonly postgres: Pick<ValidatedConfig["postgres"], "instanceClass">;
    readonly redis: Pick<ValidatedConfig["redis"], "engineVersion" | "nodeType">;
}

/** One tier's table: the shared defaults, and beside them what each cloud sets its own way. */
export type TierTable = {
    readonly [K in Exclude<keyof TierDefaults, "cloud">]: K extends keyof CloudTierDefaults ? Omit<TierDefaults[K], keyof CloudTierDefaults[K]> : TierDefaults[K];
} & { readonly clouds: Readonly<Record<Cloud, CloudTierDefaults>> };

const allControlPlaneLogs = [...CLUSTER_LOG_TYPES];
/**
 * EKS standard support for 1.35 runs to early 2027; 1.32 ended in March 2026. Upgrade one minor version
 * at a time, dev first; the vpc-cni add-on keeps its version until it is updated with the cluster.
 */
const KUBERNETES_VERSION = "1.35";
/** Nightly database snapshots at 02:00 UTC, before the RDS backup window (03:00-04:00). */
const BACKUP_SCHEDULE = "cron(0 2 * * ? *)";
/** Deliveries before a message moves to its dead-letter queue. */
const MAX_RECEIVE_COUNT = 5;

/**
 * The three tiers, side by side.
 * - dev: cheap, single NAT, public API endpoint, one-node data stores, short retention, easy to tear down.
 * - staging: the prod profile (HA, encryption, deletion protection, private endpoint) at a smaller size,
 *   on its own VPC and cluster.
 * - prod: highly available across three AZs, deletion protection, long retention.
 */
const CLOUD_TIER_TABLES: Readonly<Record<Exclude<Tier, "local">, TierTable>> = {
    dev: {
        costCentre: "platform-engineering",
        network: { cidr: "10.10.0.0/16", availabilityZones: 2, natGateways: "single" },
        cluster: {
            kubernetesVersion: KUBERNETES_VERSION,
            nodes: { min: 1, desired: 2, max: 3 },
            endpointAccess: "public-and-private",
            publicAccessCidrs: ["0.0.0.0/0"],
            logTypes: ["api", "audit"],
            adminRoleArns: [],
        },
        registry: { untaggedImageExpiryDays: 7 },
        secretStore: { recoveryWindowDays: 0, rotationDays: 180 },
        postgres: {
            engineVersion: "16",
            storageGb: 20,
            maxStorageGb: 50,
            multiAz: false,
            deletionProtection: false,
            backupRetentionDays: 1,
            performanceInsights: false,
        },
        redis: { nodes: 1, multiAz: false, snapshotRetentionDays: 0 },
        monitoring: { alertEmails: [], logRetentionDays: 7, prometheusRetention: "3d", prometheusStorageGb: 20, errorBudgetPercent: 0.5 },
        storage: { noncurrentVersionExpiryDays: 7, accessLogs: false, accessLogRetentionDays: 30 },
        backups: { snapshotRetentionDays: 0, schedule: BACKUP_SCHEDULE, vaultLock: false },
        messaging: { topics: {}, maxReceiveCount: MAX_RECEIVE_COUNT, messageRetentionDays: 4 },
        telemetry: { traceSamplingPercent: 100, logRetentionDays: 7, traceRetentionDays: 3, lokiStorageGb: 10, tempoStorageGb: 10 },
        serviceDefaults: { replicas: 1, resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
        release: {},
        migrationHeads: {},
        ingressClassName: "nginx",
        apiKeys: {},
        apiKeyRotation: {},
        clouds: {
            aws: { cluster: { nodeInstanceTypes: ["t3.large"] }, postgres: { instanceClass: "db.t4g.micro" }, redis: { engineVersion: "7.1", nodeType: "cache.t4g.micro" } },
            gcp: { cluster: { nodeInstanceTypes: ["e2-standard-2"] }, postgres: { instanceClass: "db-custom-1-3840" }, redis: { engineVersion: "7.2", nodeType: "1GB" } },
        },
    },
    staging: {
        costCentre: "platform-engineering",
        network: { cidr: "10.20.0.0/16", availabilityZones: 3, natGateways: "perAz" },
        cluster: {
            kubernetesVersion: KUBERNETES_VERSION,
            nodes: { min: 2, desired: 2, max: 4 },
            endpointAccess: "private",
            publicAccessCidrs: [],
            logTypes: allControlPlaneLogs,
            adminRoleArns: [],
        },
        registry: { untaggedImageExpiryDays: 14 },
        secretStore: { recoveryWindowDays: 7, rotationDays: 90 },
        postgres: {
            engineVersion: "16",
            storageGb: 50,
            maxStorageGb: 200,
            multiAz: true,
            deletionProtection: true,
            backupRetentionDays: 7,
            performanceInsights: true,
        },
        redis: { nodes: 2, multiAz: true, snapshotRetentionDays: 3 },
        monitoring: { alertEmails: [], logRetentionDays: 30, prometheusRetention: "7d", prometheusStorageGb: 50, errorBudgetPercent: 0.5 },
        storage: { noncurrentVersionExpiryDays: 30, accessLogs: false, accessLogRetentionDays: 90 },
        backups: { snapshotRetentionDays: 30, schedule: BACKUP_SCHEDULE, vaultLock: false },
        messaging: { topics: {}, maxReceiveCount: MAX_RECEIVE_COUNT, messageRetentionDays: 4 },
        telemetry: { traceSamplingPercent: 20, logRetentionDays: 30, traceRetentionDays: 7, lokiStorageGb: 20, tempoStorageGb: 20 },
        serviceDefaults: { replicas: 2, resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
        release: {},
        migrationHeads: {},
        ingressClassName: "nginx",
        apiKeys: {},
        apiKeyRotation: {},
        clouds: {
            aws: { cluster: { nodeInstanceTypes: ["m6i.large"] }, postgres: { instanceClass: "db.t4g.medium" }, redis: { engineVersion: "7.1", nodeType: "cache.t4g.small" } },
            gcp: { cluster: { nodeInstanceTypes: ["n2-standard-2"] }, postgres: { instanceClass: "db-custom-2-7680" }, redis: { engineVersion: "7.2", nodeType: "2GB" } },
        },
    },
    prod: {
        costCentre: "platform-engineering",
        network: { cidr: "10.30.0.0/16", availabilityZones: 3, natGateways: "perAz" },
        cluster: {
            kubernetesVersion: KUBERNETES_VERSION,
            nodes: { min: 3, desired: 3, max: 9 },
            endpointAccess: "private",
            publicAccessCidrs: [],
            logTypes: allControlPlaneLogs,
            adminRoleArns: [],
        },
        registry: { untaggedImageExpiryDays: 30 },
        secretStore: { recoveryWindowDays: 30, rotationDays: 30 },
        postgres: {
            engineVersion: "16",
            storageGb: 100,
            maxStorageGb: 1000,
            multiAz: true,
            deletionProtection: true,
            backupRetentionDays: 30,
            performanceInsights: true,
        },
        redis: { nodes: 3, multiAz: true, snapshotRetentionDays: 14 },
        monitoring: { alertEmails: [], logRetentionDays: 365, prometheusRetention: "15d", prometheusStorageGb: 200, errorBudgetPercent: 0.5 },
        storage: { noncurrentVersionExpiryDays: 90, accessLogs: true, accessLogRetentionDays: 365 },
        backups: { snapshotRetentionDays: 30, schedule: BACKUP_SCHEDULE, vaultLock: true },
        messaging: { topics: {}, maxReceiveCount: MAX_RECEIVE_COUNT, messageRetentionDays: 4 },
        telemetry: { traceSamplingPercent: 10, logRetentionDays: 30, traceRetentionDays: 14, lokiStorageGb: 100, tempoStorageGb: 50 },
        serviceDefaults: { replicas: 3, resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } } },
        release: {},
        migrationHeads: {},
        ingressClassName: "nginx",
        apiKeys: {},
        apiKeyRotation: {},
        clouds: {
            aws: { cluster: { nodeInstanceTypes: ["m6i.xlarge"] }, postgres: { instanceClass: "db.r6g.large" }, redis: { engineVersion: "7.1", nodeType: "cache.r7g.large" } },
            gcp: { cluster: { nodeInstanceTypes: ["n2-standard-4"] }, postgres: { instanceClass: "db-custom-4-16384" }, redis: { engineVersion: "7.2", nodeType: "5GB" } },
        },
    },
};

/**
 * local: a developer's Docker (components/local/environment.ts) with dev's defaults. It reads the services,
 * the topics and `maxReceiveCount`; the cloud settings (network, cluster, sizes, retention) are unused there.
 */
export const TIER_TABLES: Readonly<Record<Tier, TierTable>> = { local: CLOUD_TIER_TABLES.dev, ...CLOUD_TIER_TABLES };

/** A tier's defaults on one cloud: the shared table with that cloud's column laid over it. */
export function tierDefaults(tier: Tier, cloud: Cloud): TierDefaults {
    const { clouds, ...shared } = TIER_TABLES[tier];
    const own = clouds[cloud];
    return {
        ...shared,
        cloud,
        cluster: { ...shared.cluster, ...own.cluster },
        postgres: { ...shared.postgres, ...own.postgres },
        redis: { ...shared.redis, ...own.redis },
    };
}
