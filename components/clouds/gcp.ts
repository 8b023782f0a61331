import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { GcpCluster } from "../cluster/gcp";
import { GcpWorkloadIdentity } from "../cluster/workload-identity-gcp";
import { GcpMessaging } from "../messaging/gcp";
import { GcpMonitoring } from "../monitoring/gcp";
import { EnvironmentContext, gcpLabels, resourceName } from "../naming";
import { GcpNetwork } from "../network/gcp";
import { GcpPostgres } from "../postgres/gcp";
import { GcpRedis } from "../redis/gcp";
import { GcpContainerRegistry } from "../registry/gcp";
import { GcpBuiltImage } from "../registry/image-gcp";
import { GcpSecretStore } from "../secrets/gcp";
import { REDIS_AUTH_TOKEN_OWNER } from "../secrets/platform-secrets";
import { GcpObjectStorage } from "../storage/gcp";
import { CloudEnvironment, CloudEnvironmentArgs, required } from "./types";

/** Every API the program uses, enabled by the program so that a new project works at the first `pulumi up`. */
export const GCP_APIS = [
    "cloudresourcemanager.googleapis.com",
    "serviceusage.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "cloudkms.googleapis.com",
    "compute.googleapis.com",
    "servicenetworking.googleapis.com",
    "container.googleapis.com",
    "artifactregistry.googleapis.com",
    "containerscanning.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
    "redis.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
    "storage.googleapis.com",
    "pubsub.googleapis.com",
] as const;

/** The metadata server pods reach for Workload Identity tokens, which a default-deny egress policy must allow. */
const GKE_METADATA_SERVER = [{ cidr: "169.254.169.254/32", port: 80 }, { cidr: "169.254.169.252/32", port: 988 }] as const;

/** Key material rotates every 90 days; old versions keep decrypting what they encrypted. */
const KEY_ROTATION_PERIOD = `${90 * 86_400}s`;

/** Service agents that encrypt with the environment's key, by the component that needs them. */
type KeyUser = "registry" | "secrets" | "postgres" | "redis" | "messaging" | "cluster" | "storage";
const SERVICE_AGENTS: Readonly<Record<Exclude<KeyUser, "cluster" | "storage">, string>> = {
    registry: "artifactregistry.googleapis.com",
    secrets: "secretmanager.googleapis.com",
    postgres: "sqladmin.googleapis.com",
    redis: "redis.googleapis.com",
    messaging: "pubsub.googleapis.com",
};

/**
 * Google Cloud: one explicit provider for the stack's project and region with the standard labels, every
 * API the program needs enabled first, and one Cloud KMS key (rotated every 90 days) that encrypts every
 * data store, secret, image, Kubernetes Secret and disk, usable by exactly the service agents that need it.
 */
export function gcpEnvironment({ parent, name, config, environment }: CloudEnvironmentArgs): CloudEnvironment {
    const project = required(config.gcpProject, "gcp:project", "any GCP resource");
    const region = config.region;
    const provider = new gcp.Provider(`${name}-gcp`, { project, region, defaultLabels: gcpLabels(environment) }, { parent });
    const child = { parent, providers: [provider] };

    const apis = GCP_APIS.map((service) => new gcp.projects.Service(`${name}-api-${service.split(".")[0]}`, {
        service,
        disableOnDestroy: false,
        disableDependentServices: false,
    }, { parent, provider }));
    const key = createKey(parent, name, environment, region, provider, apis);
    const { grants: keyUsers, agents } = grantKeyUse(parent, name, project, key, provider, apis);
    const needs = (user: KeyUser): pulumi.Resource[] => [...apis, ...keyUsers[user]];

    let network: GcpNetwork | undefined;
    let cluster: GcpCluster | undefined;
    const ownNetwork = (what: string): GcpNetwork => required(network, "the network", what);

    return {
        kmsKeyId: key.id,
        childOptions: child,
        workloadIdentityEgress: GKE_METADATA_SERVER,
        redisAuthToken: REDIS_AUTH_TOKEN_OWNER.gcp,
        network: (componentName, args) => (network = new GcpNetwork(componentName, { ...args, region, apis }, child)),
        registry: (componentName, args) => new GcpContainerRegistry(componentName, { ...args, project, region, apis: needs("registry") }, child),
        cluster: (componentName, args) => (cluster = new GcpCluster(componentName, {
            ...args,
            project,
            zones: config.network.availabilityZones,
            gcpNetwork: ownNetwork("the cluster"),
            apis: needs("cluster"),
        }, child)),
        secretStore: (componentName, args) => new GcpSecretStore(componentName, { ...args, region, apis: needs("secrets") }, child),
        // Cloud SQL's automated backups are also the nightly snapshots: kept as many days as platform:backups asks.
        postgres: (componentName, args) => new GcpPostgres(componentName, {
            ...args,
            region,
            retainedBackups: Math.max(args.backupRetentionDays, config.backups.snapshotRetentionDays),
            gcpNetwork: ownNetwork("Postgres"),
            apis: needs("postgres"),
        }, child),
        redis: (componentName, args) => new GcpRedis(componentName, { ...args, region, gcpNetwork: ownNetwork("Redis"), apis: needs("redis") }, child),
        monitoring: (componentName, args) => new GcpMonitoring(componentName, { ...args, project, region, apis }, child),
        workloadIdentity: (componentName, args) => new GcpWorkloadIdentity(componentName, {
            ...args,
            project,
            workloadPool: required(cluster, "the cluster", "a workload identity").workloadPool,
            apis,
        }, child),
        builtImage: (componentName, args) => new GcpBuiltImage(componentName, args, child),
        objectStorage: (componentName, args) => new GcpObjectStorage(componentName, { ...args, project, region, apis: needs("storage") }, child),
        messaging: (componentName, args) => new GcpMessaging(componentName, { ...args, project, region, serviceAgent: agents.messaging, apis: needs("messaging") }, child),
    };
}

function createKey(parent: pulumi.Resource, name: string, env: EnvironmentContext, region: string, provider: gcp.Provider, apis: readonly pulumi.Resource[]): gcp.kms.CryptoKey {
    // Key rings cannot be deleted in Cloud KMS: a destroyed stack leaves its ring (empty of usable keys) behind.
    const ring = new gcp.kms.KeyRing(`${name}-keys`, { name: resourceName(env, "keys"), location: region }, { parent, provider, dependsOn: [...apis] });
    return new gcp.kms.CryptoKey(`${name}-key`, {
        name: "data",
        keyRing: ring.id,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: KEY_ROTATION_PERIOD,
        destroyScheduledDuration: `${(env.tier === "dev" ? 7 : 30) * 86_400}s`,
        labels: gcpLabels(env),
    }, { parent, provider });
}

/** Encrypter/decrypter on the key for each service agent that writes encrypted data, by the component that needs it. */
function grantKeyUse(parent: pulumi.Resource, name: string, project: string, key: gcp.kms.CryptoKey, provider: gcp.Provider, apis: readonly pulumi.Resource[]): {
    grants: Record<KeyUser, pulumi.Resource[]>;
    agents: Record<Exclude<KeyUser, "cluster" | "storage">, pulumi.Output<string>>;
} {
    // Every grant, not just the last: GKE needs both of its agents on the key before the cluster is created.
    const grant = (id: string, members: pulumi.Input<string>[]): pulumi.Resource[] => {
        const grants = members.map((member, index) => new gcp.kms.CryptoKeyIAMMember(`${name}-key-${id}${members.length > 1 ? `-${index}` : ""}`, {
            cryptoKeyId: key.id,
            role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            member,
        }, { parent, provider }));
        return grants;
    };
    const identities = Object.fromEntries(Object.entries(SERVICE_AGENTS).map(([user, service]) => {
        // Some agents (Cloud SQL's) exist only once asked for; ServiceIdentity creates them.
        const identity = new gcp.projects.ServiceIdentity(`${name}-agent-${service.split(".")[0]}`, { project, service }, { parent, provider, dependsOn: [...apis] });
        return [user, identity.member];
    })) as Record<Exclude<KeyUser, "cluster" | "storage">, pulumi.Output<string>>;
    const agentGrants = Object.fromEntries(Object.entries(identities).map(([user, member]) => [user, grant(user, [member])])) as Record<Exclude<KeyUser, "cluster" | "storage">, pulumi.Resource[]>;
    // GKE encrypts Secrets through its robot; Compute Engine encrypts node boot disks and persistent volumes.
    const projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, { parent, provider }).number;
    const cluster = grant("cluster", [
        pulumi.interpolate`serviceAccount:service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`,
        pulumi.interpolate`serviceAccount:service-${projectNumber}@compute-system.iam.gserviceaccount.com`,
    ]);
    // Cloud Storage's agent is not a ServiceIdentity; asking for it creates it on a new project.
    const storage = grant("storage", [gcp.storage.getProjectServiceAccountOutput({ project }, { parent, provider, dependsOn: [...apis] }).member]);
    return { grants: { ...agentGrants, cluster, storage }, agents: identities };
}
