import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/load";
import { apiKeyOf } from "../config/schema";
import { AppNamespace } from "./app/namespace";
import { Service } from "./app/service";
import { CLOUD_FACTORIES } from "./clouds";
import { CANARY_ANALYSIS_TEMPLATE, canarySteps, ProgressiveDelivery } from "./delivery/canary";
import { PAGERDUTY_API_KEY, SMTP_API_KEY } from "./monitoring/alertmanager";
import { AccessStatement } from "./cluster/types";
import { EnvironmentContext } from "./naming";
import { POSTGRES_PORT, PostgresRef } from "./postgres/types";
import { RedisRef } from "./redis/types";
import { platformSecrets, secretStoreName } from "./secrets/platform-secrets";
import { UPLOADS_BUCKET_ENV } from "./storage/types";
import { Telemetry } from "./telemetry/collector";
import { OTLP_PORTS } from "./telemetry/types";

export interface PlatformArgs {
    /** The validated stack configuration; the only input. */
    readonly config: PlatformConfig;
}

/** Prometheus' HTTP API in the cluster (the operator's governing service), which the canary analysis asks. */
const PROMETHEUS_ADDRESS = "http://prometheus-operated.monitoring.svc.cluster.local:9090";

/** Where services run, and where the ingress controller (a prerequisite) runs. */
const APP_NAMESPACE = "apps";
const INGRESS_NAMESPACE = "ingress-nginx";
const PROJECT_ROOT = path.join(__dirname, "..");

export { platformSecrets } from "./secrets/platform-secrets";

/** `databaseUrl` -> DATABASE_URL, `apiKeys.stripe` -> STRIPE_API_KEY. */
export function secretEnvName(secret: string): string {
    const apiKey = apiKeyOf(secret);
    const base = apiKey ? `${apiKey}_API_KEY` : secret.replace(/([a-z])([A-Z])/g, "$1_$2");
    return base.replace(/-/g, "_").toUpperCase();
}

/** The values behind each secret a service can ask for, as secret outputs. */
function connectionSecrets(
    config: PlatformConfig,
    values: Readonly<Record<string, pulumi.Output<string>>>,
    postgres: PostgresRef,
    redis: RedisRef,
): Record<string, pulumi.Output<string>> {
    const encode = (value: pulumi.Output<string>) => value.apply(encodeURIComponent);
    return {
        databaseUrl: pulumi.secret(pulumi.interpolate`postgresql://${postgres.username}:${encode(values["postgres-password"])}@${postgres.address}:${postgres.port}/${postgres.databaseName}?sslmode=require`),
        redisUrl: pulumi.secret(pulumi.interpolate`rediss://:${encode(redis.authToken)}@${redis.primaryEndpoint}:${redis.port}`),
        jwtSecret: values["jwt-secret"],
        ...Object.fromEntries(Object.keys(config.apiKeys).map((name) => [`apiKeys.${name}`, values[`api-key-${name}`]])),
    };
}

/**
 * One environment: network, registry, cluster, secrets, Postgres, Redis and monitoring, wired together,
 * on the stack's cloud (components/clouds/: each cloud's provider, key and implementations).
 */
export class Platform extends pulumi.ComponentResource {
    readonly registryUrls: Readonly<Record<string, pulumi.Output<string>>>;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly postgresEndpoint: pulumi.Output<string>;
    readonly redisEndpoint: pulumi.Output<string>;
    readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
    /** Where alerts go (an SNS topic ARN on AWS, notification channels on GCP). */
    readonly alertDestination: pulumi.Output<string>;
    /** The image (by digest) each service runs: the value to put back in the stack config to roll back. */
    readonly serviceImages: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:Platform", name, {}, opts);
        const { config } = args;
        const env: EnvironmentContext = { project: config.project, stack: config.stack, tier: config.tier, costCentre: config.costCentre };
        const production = config.tier !== "dev";

        const cloud = CLOUD_FACTORIES[config.cloud]({ parent: this, name, config, environment: env });

        const network = cloud.network(`${name}-network`, {
            environment: env,
            cidr: config.network.cidr,
            availabilityZones: config.network.availabilityZones,
            natGateways: config.network.natGateways,
        });

        const registry = cloud.registry(`${name}-registry`, {
            environment: env,
            repositories: config.services.map((service) => service.name),
            untaggedImageExpiryDays: config.registry.untaggedImageExpiryDays,
            kmsKeyId: cloud.kmsKeyId,
            forceDelete: !production,
        });

        const cluster = cloud.cluster(`${name}-cluster`, {
            environment: env,
            region: config.region,
            network,
            kubernetesVersion: config.cluster.kubernetesVersion,
            nodeInstanceTypes: config.cluster.nodeInstanceTypes,
            nodes: config.cluster.nodes,
            endpointAccess: config.cluster.endpointAccess,
            publicAccessCidrs: config.cluster.publicAccessCidrs,
            logTypes: config.cluster.logTypes,
            adminRoleArns: config.cluster.adminRoleArns,
            logRetentionDays: config.monitoring.logRetentionDays,
            kmsKeyId: cloud.kmsKeyId,
            deletionProtection: production,
        });

        const secrets = cloud.secretStore(secretStoreName(name), {
            environment: env,
            secrets: platformSecrets(config, cloud.redisAuthToken),
            kmsKeyId: cloud.kmsKeyId,
            recoveryWindowDays: config.secretStore.recoveryWindowDays,
            rotationDays: config.secretStore.rotationDays,
            rotationWindowStart: config.secretStore.rotationWindowStart,
        });

        const postgres = cloud.postgres(`${name}-postgres`, {
            environment: env,
            network,
            ...config.postgres,
            logRetentionDays: config.monitoring.logRetentionDays,
            keepBackupsOnDelete: production,
            kmsKeyId: cloud.kmsKeyId,
            password: secrets.values["postgres-password"],
            databaseName: "app",
            username: "app_admin",
        });

        const redis = cloud.redis(`${name}-redis`, {
            environment: env,
            network,
            ...config.redis,
            kmsKeyId: cloud.kmsKeyId,
            authToken: secrets.values["redis-auth-token"],
        });

        const monitoring = cloud.monitoring(`${name}-monitoring`, {
            environment: env,
            alertEmails: config.monitoring.alertEmails,
            kmsKeyId: cloud.kmsKeyId,
            postgres: { instanceIdentifier: postgres.instanceIdentifier, instanceClass: config.postgres.instanceClass, storageGb: config.postgres.storageGb },
            redisNodeIds: redis.nodeIds,
            kubernetesProvider: cluster.kubernetesProvider,
            prometheusRetention: config.monitoring.prometheusRetention,
            prometheusStorage: { className: cluster.storageClassName, sizeGb: config.monitoring.prometheusStorageGb, ready: cluster.storageReady },
            errorBudgetPercent: config.monitoring.errorBudgetPercent,
            grafanaAdminPassword: secrets.values["grafana-admin-password"],
            serviceNamespace: APP_NAMESPACE,
            // Alertmanager's credentials are third-party keys of the stack (platform:apiKeys), kept in the SecretStore.
            alerting: {
                ...(PAGERDUTY_API_KEY in config.apiKeys ? { pagerDutyRoutingKey: secrets.values[`api-key-${PAGERDUTY_API_KEY}`] } : {}),
                ...(config.monitoring.smtp === undefined ? {} : {
                    smtp: { ...config.monitoring.smtp, ...(SMTP_API_KEY in config.apiKeys ? { password: secrets.values[`api-key-${SMTP_API_KEY}`] } : {}) },
                }),
                ...(config.monitoring.deadMansSwitchUrl === undefined ? {} : { deadMansSwitchUrl: config.monitoring.deadMansSwitchUrl }),
            },
        });

        // Uploads storage, database backups and messaging: what each service is given (env, cloud rights).
        const storage = cloud.objectStorage(`${name}-storage`, {
            environment: env,
            kmsKeyArn: cloud.kmsKeyId,
            ...config.storage,
            forceDestroy: !production,
        });
        if (config.backups.snapshotRetentionDays > 0) {
            cloud.databaseBackups?.(`${name}-backups`, { environment: env, kmsKeyArn: cloud.kmsKeyId, ...config.backups });
        }
        const messaging = cloud.messaging(`${name}-messaging`, { environment: env, kmsKeyArn: cloud.kmsKeyId, ...config.messaging });
        const telemetry = new Telemetry(`${name}-telemetry`, {
            environment: env,
            kubernetesProvider: cluster.kubernetesProvider,
            traceSamplingPercent: config.telemetry.traceSamplingPercent,
            logRetentionDays: config.telemetry.logRetentionDays,
            traceRetentionDays: config.telemetry.traceRetentionDays,
            storage: { className: cluster.storageClassName, lokiGb: config.telemetry.lokiStorageGb, tempoGb: config.telemetry.tempoStorageGb, ready: cluster.storageReady },
            grafanaNamespace: monitoring.namespace,
            grafanaReady: monitoring.crdsReady,
            serviceNamespace: APP_NAMESPACE,
        }, cloud.childOptions);
        const platformEnv = (serviceName: string, storageAccess: boolean): Record<string, pulumi.Input<string>> => ({
            ...(storageAccess ? { [UPLOADS_BUCKET_ENV]: storage.bucketName } : {}),
            ...messaging.serviceEnv[serviceName],
            OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.otlpEndpoint,
            OTEL_SERVICE_NAME: serviceName,
            OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${env.stack}`,
        });
        const platformAccess = (serviceName: string, storageAccess: boolean): AccessStatement[] => [
            ...new Set([...(storageAccess ? storage.readWriteStatements() : []), ...(messaging.serviceAccess[serviceName] ?? [])]),
        ];

        const apps = new AppNamespace(`${name}-apps`, { environment: env, name: APP_NAMESPACE, ingressNamespace: INGRESS_NAMESPACE, kubernetesProvider: cluster.kubernetesProvider }, cloud.childOptions);
        // Staging and prod roll out as canaries judged by the analysis; dev (and local) roll straight out.
        const canaryTier = config.tier === "staging" || config.tier === "prod" ? config.tier : undefined;
        const delivery = canaryTier === undefined ? undefined : new ProgressiveDelivery(`${name}-delivery`, {
            environment: env,
            kubernetesProvider: cluster.kubernetesProvider,
            appNamespace: apps.name,
            prometheusAddress: PROMETHEUS_ADDRESS,
            monitoringNamespace: monitoring.namespace,
            monitoringReady: monitoring.crdsReady,
        }, cloud.childOptions);
        const canary = canaryTier === undefined || delivery === undefined ? undefined : { steps: canarySteps(canaryTier), analysisTemplate: CANARY_ANALYSIS_TEMPLATE, ready: delivery.ready };
        const connection = connectionSecrets(config, secrets.values, postgres, redis);
        const images: Record<string, pulumi.Output<string>> = {};
        for (const service of config.services) {
            const serviceName = `${name}-${service.name}`;
            const image = service.build
                ? cloud.builtImage(`${serviceName}-build`, {
                    repositoryUrl: registry.repositoryUrls[service.name],
                    context: path.resolve(PROJECT_ROOT, service.build.context),
                    dockerfile: service.build.dockerfile,
                    target: service.build.target,
                    commit: config.release.sha,
                    buildArgs: { BUILD_SHA: config.release.sha, BUILD_DATE: config.release.date, BUILD_ACTOR: config.release.actor },
                }).reference
                : pulumi.output(service.image ?? "");
            const grants = platformAccess(service.name, service.storage === true);
            const identity = service.cloudAccess || grants.length > 0
                ? cloud.workloadIdentity(`${serviceName}-identity`, {
                    environment: env,
                    namespace: APP_NAMESPACE,
                    serviceAccount: service.name,
                    statements: [...(service.cloudAccess ?? []), ...grants],
                })
                : undefined;
            const workload = new Service(serviceName, {
                environment: env,
                service,
                image,
                namespace: apps.name,
                release: config.release,
                secretEnv: Object.fromEntries(service.secrets.map((secret) => [secretEnvName(secret), connection[secret]])),
                serviceAccountAnnotations: identity?.serviceAccountAnnotations,
                identityEgress: identity ? cloud.workloadIdentityEgress : [],
                platformEnv: platformEnv(service.name, service.storage === true),
                callsCloudApis: grants.length > 0,
                telemetry: { namespace: telemetry.namespace, ports: [OTLP_PORTS.grpc, OTLP_PORTS.http] },
                zeroDowntimeRollout: production,
                canary,
                podDisruptionBudget: production,
                autoscaling: config.tier === "prod",
                ingressClassName: config.ingressClassName,
                ingressNamespace: INGRESS_NAMESPACE,
                dataStores: { cidrs: network.dataStoreCidrs, postgresPort: POSTGRES_PORT, redisPort: redis.port },
                monitoringNamespace: monitoring.namespace,
                monitoringReady: monitoring.crdsReady,
                kubernetesProvider: cluster.kubernetesProvider,
            }, cloud.childOptions);
            images[service.name] = workload.image;
        }

        this.serviceImages = images;
        this.registryUrls = registry.repositoryUrls;
        this.clusterName = cluster.clusterName;
        this.kubeconfig = cluster.kubeconfig;
        this.postgresEndpoint = pulumi.interpolate`${postgres.address}:${postgres.port}`;
        this.redisEndpoint = pulumi.interpolate`${redis.primaryEndpoint}:${redis.port}`;
        this.secretArns = secrets.references;
        this.alertDestination = monitoring.alertDestination;
        this.registerOutputs({
            registryUrls: this.registryUrls,
            clusterName: this.clusterName,
            postgresEndpoint: this.postgresEndpoint,
            redisEndpoint: this.redisEndpoint,
            alertDestination: this.alertDestination,
            serviceImages: this.serviceImages,
        });
    }

}
