import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsCluster } from "../cluster/aws";
import { AwsDatabaseBackups } from "../backups/aws";
import { AwsWorkloadIdentity } from "../cluster/workload-identity-aws";
import { AwsMessaging } from "../messaging/aws";
import { AwsMonitoring } from "../monitoring/aws";
import { EnvironmentContext, resourceName, standardTags } from "../naming";
import { AwsNetwork } from "../network/aws";
import { AwsPostgres } from "../postgres/aws";
import { AwsRedis } from "../redis/aws";
import { AwsContainerRegistry } from "../registry/aws";
import { AwsBuiltImage } from "../registry/image-aws";
import { AwsSecretStore } from "../secrets/aws";
import { REDIS_AUTH_TOKEN_OWNER } from "../secrets/platform-secrets";
import { AwsObjectStorage } from "../storage/aws";
import { CloudEnvironment, CloudEnvironmentArgs, required } from "./types";

/**
 * AWS: everything goes through one explicit provider pinned to the stack's region, with the standard
 * tags as default tags, and one customer-managed KMS key encrypts every data store, secret and log group.
 */
export function awsEnvironment({ parent, name, config, environment }: CloudEnvironmentArgs): CloudEnvironment {
    const provider = new aws.Provider(`${name}-aws`, { region: config.region as aws.Region, defaultTags: { tags: standardTags(environment) } }, { parent });
    const child = { parent, providers: [provider] };
    const key = createKey(parent, name, environment, config.region, provider);
    let cluster: AwsCluster | undefined;
    let database: AwsPostgres | undefined;
    const nodeSecurityGroups = (what: string): pulumi.Output<string>[] => [required(cluster, "the cluster", what).nodeSecurityGroupId];

    return {
        kmsKeyId: key.arn,
        childOptions: child,
        workloadIdentityEgress: [],
        redisAuthToken: REDIS_AUTH_TOKEN_OWNER.aws,
        network: (componentName, args) => new AwsNetwork(componentName, args, child),
        registry: (componentName, args) => new AwsContainerRegistry(componentName, args, child),
        cluster: (componentName, args) => (cluster = new AwsCluster(componentName, args, child)),
        secretStore: (componentName, args) => new AwsSecretStore(componentName, args, child),
        postgres: (componentName, args) => (database = new AwsPostgres(componentName, { ...args, clientSecurityGroupIds: nodeSecurityGroups("Postgres") }, child)),
        redis: (componentName, args) => new AwsRedis(componentName, {
            ...args,
            clientSecurityGroupIds: nodeSecurityGroups("Redis"),
            authToken: required(args.authToken, "the Redis AUTH token", "Redis on AWS"),
        }, child),
        // Alertmanager publishes to the alert topics with an IRSA role: the cluster's OIDC provider.
        monitoring: (componentName, args) => {
            const oidc = required(cluster, "the cluster", "monitoring");
            return new AwsMonitoring(componentName, { ...args, region: config.region, oidcProviderArn: oidc.oidcProviderArn, oidcIssuerUrl: oidc.oidcIssuerUrl }, child);
        },
        workloadIdentity: (componentName, args) => {
            const oidc = required(cluster, "the cluster", "a workload identity");
            return new AwsWorkloadIdentity(componentName, { ...args, oidcProviderArn: oidc.oidcProviderArn, oidcIssuerUrl: oidc.oidcIssuerUrl }, child);
        },
        builtImage: (componentName, args) => new AwsBuiltImage(componentName, args, child),
        objectStorage: (componentName, args) => new AwsObjectStorage(componentName, args, child),
        databaseBackups: (componentName, args) => new AwsDatabaseBackups(componentName, { ...args, databaseArn: required(database, "Postgres", "its backups").arn }, child),
        messaging: (componentName, args) => new AwsMessaging(componentName, args, child),
    };
}

/**
 * The environment's customer-managed key. Besides the account, CloudWatch Logs (encrypted log groups)
 * and CloudWatch alarms (publishing to the encrypted alert topic) must be able to use it.
 */
function createKey(parent: pulumi.Resource, name: string, env: EnvironmentContext, region: string, provider: aws.Provider): aws.kms.Key {
    const identity = aws.getCallerIdentityOutput({}, { parent, provider });
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
    }, { parent, provider });
    new aws.kms.Alias(`${name}-key`, { name: `alias/${resourceName(env, "data")}`, targetKeyId: key.keyId }, { parent, provider });
    return key;
}
