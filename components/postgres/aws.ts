import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { namedTags, resourceName, standardTags } from "../naming";
import { POSTGRES_PORT, PostgresArgs, PostgresRef } from "./types";

export interface AwsPostgresArgs extends PostgresArgs {
    /** Security groups allowed to connect: the cluster's nodes. */
    readonly clientSecurityGroupIds: readonly pulumi.Input<string>[];
}
/** Logs the instance exports to CloudWatch, each to a log group of its own. */
const LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/**
 * RDS PostgreSQL in private subnets: encrypted with the environment's key, TLS required by its parameter
 * group, reachable only from the cluster's nodes, with automated backups for point-in-time recovery, and its
 * logs exported to CloudWatch log groups encrypted with the same key and kept for the tier's log retention.
 */
export class AwsPostgres extends pulumi.ComponentResource implements PostgresRef {
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: string;
    readonly username: string;
    readonly instanceIdentifier: pulumi.Output<string>;
    /** The instance's ARN, which AWS Backup selects it by. */
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AwsPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Postgres", name, args, opts);
        const env = args.environment;
        const parent = { parent: this };
        const tags = standardTags(env);
        const identifier = resourceName(env, "postgres");

        const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.network.privateSubnetIds, tags }, parent);
        const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            vpcId: args.network.networkId,
            description: `PostgreSQL clients of ${env.stack}`,
            ingress: [{
                description: "PostgreSQL from the cluster nodes",
                protocol: "tcp",
                fromPort: POSTGRES_PORT,
                toPort: POSTGRES_PORT,
                securityGroups: [...args.clientSecurityGroupIds],
            }],
            tags: namedTags(env, "postgres"),
        }, parent);

        const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
            family: `postgres${args.engineVersion}`,
            description: `PostgreSQL ${args.engineVersion} for ${env.stack}: TLS required`,
            parameters: [
                { name: "rds.force_ssl", value: "1" },
                { name: "log_min_duration_statement", value: "1000" },
            ],
            tags,
        }, parent);

        // enabledCloudwatchLogsExports makes RDS create /aws/rds/instance/<identifier>/<log> itself, unencrypted
        // and never expiring; creating the groups first sets the key and the retention.
        const logGroups = LOG_EXPORTS.map((log) => new aws.cloudwatch.LogGroup(`${name}-log-${log}`, {
            name: `/aws/rds/instance/${identifier}/${log}`,
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.kmsKeyId,
            tags,
        }, parent));

        const instance = new aws.rds.Instance(`${name}-db`, {
            identifier,
            engine: "postgres",
            engineVersion: args.engineVersion,
            autoMinorVersionUpgrade: true,
            allowMajorVersionUpgrade: false,
            instanceClass: args.instanceClass,
            allocatedStorage: args.storageGb,
            maxAllocatedStorage: args.maxStorageGb,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: args.kmsKeyId,
            dbName: args.databaseName,
            username: args.username,
            password: args.password,
            port: POSTGRES_PORT,
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: parameters.name,
            publiclyAccessible: false,
            multiAz: args.multiAz,
            deletionProtection: args.deletionProtection,
            backupRetentionPeriod: args.backupRetentionDays,
            backupWindow: "03:00-04:00",
            maintenanceWindow: "sun:04:30-sun:05:30",
            copyTagsToSnapshot: true,
            skipFinalSnapshot: !args.keepBackupsOnDelete,
            finalSnapshotIdentifier: args.keepBackupsOnDelete ? `${identifier}-final` : undefined,
            deleteAutomatedBackups: !args.keepBackupsOnDelete,
            iamDatabaseAuthenticationEnabled: true,
            performanceInsightsEnabled: args.performanceInsights,
            performanceInsightsKmsKeyId: args.performanceInsights ? args.kmsKeyId : undefined,
            enabledCloudwatchLogsExports: [...LOG_EXPORTS],
            caCertIdentifier: "rds-ca-rsa2048-g1",
            tags,
        }, { parent: this, dependsOn: logGroups });

        this.address = instance.address;
        this.port = instance.port;
        this.instanceIdentifier = instance.identifier;
        this.arn = instance.arn;
        this.databaseName = args.databaseName;
        this.username = args.username;
        this.registerOutputs({ address: this.address, port: this.port });
    }
}
