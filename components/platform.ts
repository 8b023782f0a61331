import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/load";
import { apiKeyOf } from "../config/schema";
import { AppNamespace } from "./app/namespace";
import { Service } from "./app/service";
import { AwsCluster } from "./cluster/aws";
import { AwsWorkloadIdentity } from "./cluster/workload-identity-aws";
import { AwsMonitoring } from "./monitoring/aws";
import { EnvironmentContext, resourceName, standardTags } from "./naming";
import { AwsNetwork } from "./network/aws";
import { AwsPostgres, POSTGRES_PORT } from "./postgres/aws";
import { AwsRedis } from "./redis/aws";
import { AwsContainerRegistry } from "./registry/aws";
import { AwsDatabaseBackups } from "./backups/aws";
import { AwsMessaging } from "./messaging/aws";
import { AccessStatement, AwsObjectStorage } from "./storage/aws";
import { UPLOADS_BUCKET_ENV } from "./storage/types";
import { AwsTelemetry } from "./telemetry/aws";
import { OTLP_PORTS } from "./telemetry/types";
import { AwsBuiltImage } from "./registry/image-aws";
import { AwsSecretStore } from "./secrets/aws";
import { SecretSpec } from "./secrets/types";

export interface PlatformArgs {
    /** The validated stack configuration; the only input. */
    readonly config: PlatformConfig;
}

/** Characters RDS accepts in a master password (no '/', '@', '"' or space). */
const POSTGRES_PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?";
/** Characters ElastiCache accepts in an AUTH token. */
const REDIS_TOKEN_SPECIALS = "!&#$^<>-";

/** Where services run, and where the ingress controller (a prerequisite) runs. */
const APP_NAMESPACE = "apps";
const INGRESS_NAMESPACE = "ingress-nginx";
const PROJECT_ROOT = path.join(__dirname, "..");

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
    postgres: AwsPostgres,
    redis: AwsRedis,
): Record<string, pulumi.Output<string>> {
    const encode = (value: pulumi.Output<string>) => value.apply(encodeURIComponent);
    return {
        databaseUrl: pulumi.secret(pulumi.interpolate`postgresql://${postgres.username}:${encode(values["postgres-password"])}@${postgres.address}:${postgres.port}/${postgres.databaseName}?sslmode=require`),
        redisUrl: pulumi.secret(pulumi.interpolate`rediss://:${encode(values["redis-auth-token"])}@${redis.primaryEndpoint}:${redis.port}`),
        jwtSecret: values["jwt-secret"],
        ...Object.fromEntries(Object.keys(config.apiKeys).map((name) => [`apiKeys.${name}`, values[`api-key-${name}`]])),
    };
}

/** The secrets every environment has, plus the third-party API keys its stack file declares. */
export function platformSecrets(config: PlatformConfig): SecretSpec[] {
    return [
        { name: "postgres-password", description: "Postgres master password", source: { kind: "generated", length: 32, allowedSpecialCharacters: POSTGRES_PASSWORD_SPECIALS } },
        { name: "redis-auth-token", description: "Redis AUTH token", source: { kind: "generated", length: 64, allowedSpecialCharacters: REDIS_TOKEN_SPECIALS } },
        {
            name: "jwt-secret",
            description: "JWT signing secret",
            source: config.jwtSecret ? { kind: "provided", value: config.jwtSecret } : { kind: "generated", length: 64 },
        },
        { name: "grafana-admin-password", description: "Grafana admin password", source: { kind: "generated", length: 32 } },
        ...Object.entries(config.apiKeys).map(([name, value]): SecretSpec => ({
            name: `api-key-${name}`,
            description: `Third-party API key: ${name}`,
            source: { kind: "provided", value },
        })),
    ];
}

/**
 * One environment: network, registry, cluster, secrets, Postgres, Redis and monitoring, wired together.
 * Everything it creates goes through one explicit AWS provider pinned to the stack's region.
 */
export class Platform extends pulumi.ComponentResource {
    readonly registryUrls: Readonly<Record<string, pulumi.Output<string>>>;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly postgresEndpoint: pulumi.Output<string>;
    readonly redisEndpoint: pulumi.Output<string>;
    readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;
    readonly alertTopicArn: pulumi.Output<string>;
    /** The image (by digest) each service runs: the value to put back in the stack config to roll back. */
    readonly serviceImages: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:Platform", name, {}, opts);
        const { config } = args;
        const env: EnvironmentContext = { project: config.project, stack: config.stack, tier: config.tier, costCentre: config.costCentre };
        const production = config.tier !== "dev";

        const provider = new aws.Provider(`${name}-aws`, { region: config.region as aws.Region, defaultTags: { tags: standardTags(env) } }, { parent: this });
        const child = { parent: this, providers: [provider] };

        const key = this.createKey(name, env, config.region, provider);

        const network = new AwsNetwork(`${name}-network`, {
            environment: env,
            cidr: config.network.cidr,
            availabilityZones: config.network.availabilityZones,
            natGateways: config.network.natGateways,
        }, child);

        const registry = new AwsContainerRegistry(`${name}-registry`, {
            environment: env,
            repositories: config.services.map((service) => service.name),
            untaggedImageExpiryDays: config.registry.untaggedImageExpiryDays,
            kmsKeyArn: key.arn,
            forceDelete: !production,
        }, child);

        const cluster = new AwsCluster(`${name}-cluster`, {
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
            kmsKeyArn: key.arn,
            deletionProtection: production,
        }, child);

        const secrets = new AwsSecretStore(`${name}-secrets`, {
            environment: env,
            secrets: platformSecrets(config),
            kmsKeyArn: key.arn,
            recoveryWindowDays: config.secretStore.recoveryWindowDays,
            rotationDays: config.secretStore.rotationDays,
            rotationWindowStart: config.secretStore.rotationWindowStart,
        }, child);

        const postgres = new AwsPostgres(`${name}-postgres`, {
            environment: env,
            network,
            clientSecurityGroupIds: [cluster.nodeSecurityGroupId],
            ...config.postgres,
            logRetentionDays: config.monitoring.logRetentionDays,
            keepBackupsOnDelete: production,
            kmsKeyArn: key.arn,
            password: secrets.values["postgres-password"],
            databaseName: "app",
            username: "app_admin",
        }, child);

        const redis = new AwsRedis(`${name}-redis`, {
            environment: env,
            network,
            clientSecurityGroupIds: [cluster.nodeSecurityGroupId],
            ...config.redis,
            kmsKeyArn: key.arn,
            authToken: secrets.values["redis-auth-token"],
        }, child);

        const monitoring = new AwsMonitoring(`${name}-monitoring`, {
            environment: env,
            alertEmails: config.monitoring.alertEmails,
            kmsKeyArn: key.arn,
            postgres: { instanceIdentifier: postgres.instanceIdentifier, instanceClass: config.postgres.instanceClass, storageGb: config.postgres.storageGb },
            redisNodeIds: redis.nodeIds,
            kubernetesProvider: cluster.kubernetesProvider,
            prometheusRetention: config.monitoring.prometheusRetention,
            prometheusStorage: { className: cluster.storageClassName, sizeGb: config.monitoring.prometheusStorageGb, ready: cluster.storageReady },
            errorBudgetPercent: config.monitoring.errorBudgetPercent,
            grafanaAdminPassword: secrets.values["grafana-admin-password"],
        }, child);

        // Uploads storage, database backups and messaging: what each service is given (env, cloud rights).
        const storage = new AwsObjectStorage(`${name}-storage`, {
            environment: env,
            kmsKeyArn: key.arn,
            ...config.storage,
            forceDestroy: !production,
        }, child);
        if (config.backups.snapshotRetentionDays > 0) {
            new AwsDatabaseBackups(`${name}-backups`, { environment: env, kmsKeyArn: key.arn, databaseArn: postgres.arn, ...config.backups }, child);
        }
        const messaging = new AwsMessaging(`${name}-messaging`, { environment: env, kmsKeyArn: key.arn, ...config.messaging }, child);
        const telemetry = new AwsTelemetry(`${name}-telemetry`, {
            environment: env,
            kubernetesProvider: cluster.kubernetesProvider,
            traceSamplingPercent: config.telemetry.traceSamplingPercent,
            logRetentionDays: config.telemetry.logRetentionDays,
            traceRetentionDays: config.telemetry.traceRetentionDays,
            storage: { className: cluster.storageClassName, lokiGb: config.telemetry.lokiStorageGb, tempoGb: config.telemetry.tempoStorageGb, ready: cluster.storageReady },
            grafanaNamespace: monitoring.namespace,
            grafanaReady: monitoring.crdsReady,
        }, child);
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

        const apps = new AppNamespace(`${name}-apps`, { environment: env, name: APP_NAMESPACE, ingressNamespace: INGRESS_NAMESPACE, kubernetesProvider: cluster.kubernetesProvider }, child);
        const connection = connectionSecrets(config, secrets.values, postgres, redis);
        const images: Record<string, pulumi.Output<string>> = {};
        for (const service of config.services) {
            const serviceName = `${name}-${service.name}`;
            const image = service.build
                ? new AwsBuiltImage(`${serviceName}-build`, {
                    repositoryUrl: registry.repositoryUrls[service.name],
                    context: path.resolve(PROJECT_ROOT, service.build.context),
                    dockerfile: service.build.dockerfile,
                    target: service.build.target,
                    commit: config.release.sha,
                    buildArgs: { BUILD_SHA: config.release.sha, BUILD_DATE: config.release.date },
                }, child).reference
                : pulumi.output(service.image ?? "");
            const grants = platformAccess(service.name, service.storage === true);
            const identity = service.cloudAccess || grants.length > 0
                ? new AwsWorkloadIdentity(`${serviceName}-identity`, {
                    environment: env,
                    oidcProviderArn: cluster.oidcProviderArn,
                    oidcIssuerUrl: cluster.oidcIssuerUrl,
                    namespace: APP_NAMESPACE,
                    serviceAccount: service.name,
                    statements: [...(service.cloudAccess ?? []), ...grants],
                }, child)
                : undefined;
            const workload = new Service(serviceName, {
                environment: env,
                service,
                image,
                namespace: apps.name,
                release: config.release,
                secretEnv: Object.fromEntries(service.secrets.map((secret) => [secretEnvName(secret), connection[secret]])),
                serviceAccountAnnotations: identity?.serviceAccountAnnotations,
                platformEnv: platformEnv(service.name, service.storage === true),
                callsCloudApis: grants.length > 0,
                telemetry: { namespace: telemetry.namespace, ports: [OTLP_PORTS.grpc, OTLP_PORTS.http] },
                zeroDowntimeRollout: production,
                podDisruptionBudget: production,
                autoscaling: config.tier === "prod",
                ingressClassName: config.ingressClassName,
                ingressNamespace: INGRESS_NAMESPACE,
                dataStores: { cidrs: network.privateSubnetCidrs, postgresPort: POSTGRES_PORT, redisPort: redis.port },
                monitoringNamespace: monitoring.namespace,
                monitoringReady: monitoring.crdsReady,
                kubernetesProvider: cluster.kubernetesProvider,
            }, child);
            images[service.name] = workload.image;
        }

        this.serviceImages = images;
        this.registryUrls = registry.repositoryUrls;
        this.clusterName = cluster.clusterName;
        this.kubeconfig = cluster.kubeconfig;
        this.postgresEndpoint = pulumi.interpolate`${postgres.address}:${postgres.port}`;
        this.redisEndpoint = pulumi.interpolate`${redis.primaryEndpoint}:${redis.port}`;
        this.secretArns = secrets.references;
        this.alertTopicArn = monitoring.alertTopicArn;
        this.registerOutputs({
            registryUrls: this.registryUrls,
            clusterName: this.clusterName,
            postgresEndpoint: this.postgresEndpoint,
            redisEndpoint: this.redisEndpoint,
            alertTopicArn: this.alertTopicArn,
            serviceImages: this.serviceImages,
        });
    }

    /**
     * The environment's customer-managed key. Besides the account, CloudWatch Logs (encrypted log groups)
     * and CloudWatch alarms (publishing to the encrypted alert topic) must be able to use it.
     */
    private createKey(name: string, env: EnvironmentContext, region: string, provider: aws.Provider): aws.kms.Key {
        const identity = aws.getCallerIdentityOutput({}, { parent: this, provider });
        const key = new aws.kms.Key(`${name}-key`, {
            description: `Encrypts ${env.project} ${env.stack} data at rest`,
            enableKeyRotation: true,
            deletionWindowInDays: env.tier === "dev" ? 7 : 30,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AccountAdministersTheKey",
                        Effect: "Allow",
                        Principal: { AWS: pulumi.interpolate`arn:aws:iam::${identity.accountId}:root` },
                        Action: "kms:*",
                        Resource: "*",
                    },
                    {
                        Sid: "CloudWatchLogsEncryptsLogGroups",
                        Effect: "Allow",
                        Principal: { Service: `logs.${region}.amazonaws.com` },
                        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                        Resource: "*",
                        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${region}:${identity.accountId}:*` } },
                    },
                    {
                        Sid: "SnsDeliversToEncryptedQueues",
                        Effect: "Allow",
                        Principal: { Service: "sns.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
                    },
                    {
                        Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                        Resource: "*",
                    },
                ],
            }),
            tags: standardTags(env),
        }, { parent: this, provider });
        new aws.kms.Alias(`${name}-key`, { name: `alias/${resourceName(env, "data")}`, targetKeyId: key.keyId }, { parent: this, provider });
        return key;
    }
}
