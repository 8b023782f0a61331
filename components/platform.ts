import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/load";
import { AwsCluster } from "./cluster/aws";
import { AwsMonitoring } from "./monitoring/aws";
import { EnvironmentContext, resourceName, standardTags } from "./naming";
import { AwsNetwork } from "./network/aws";
import { AwsPostgres } from "./postgres/aws";
import { AwsRedis } from "./redis/aws";
import { AwsContainerRegistry } from "./registry/aws";
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
            errorBudgetPercent: config.monitoring.errorBudgetPercent,
            grafanaAdminPassword: secrets.values["grafana-admin-password"],
        }, child);

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
