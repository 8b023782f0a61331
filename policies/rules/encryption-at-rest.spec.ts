import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { encryptionAtRest } from "./encryption-at-rest";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/d0f15d65-8a59-f246-c54b-043c0dd92b91";
const TAGS = { environment: "prod", project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering" };

/** Props with the keys set to undefined left out: the analyzer never sees an undefined input. */
const defined = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));

// As components/*/aws.ts render them in prod; `undefined` in an override removes the input.
const rds = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:rds/instance:Instance",
    name: "db",
    props: defined({ identifier: "platform-prod-postgres", engine: "postgres", storageEncrypted: true, kmsKeyId: KEY, publiclyAccessible: false, tags: TAGS, ...props }),
});
const redis = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis",
    props: defined({ replicationGroupId: "platform-prod-redis", engine: "redis", atRestEncryptionEnabled: true, kmsKeyId: KEY, transitEncryptionEnabled: true, tags: TAGS, ...props }),
});
const eks = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:eks/cluster:Cluster",
    name: "eks",
    props: defined({ name: "platform-prod-eks", encryptionConfig: { provider: { keyArn: KEY }, resources: ["secrets"] }, vpcConfig: { endpointPublicAccess: false }, tags: TAGS, ...props }),
});
const topic = (props: Record<string, unknown> = {}): TestResource => ({ type: "aws:sns/topic:Topic", name: "alerts", props: defined({ kmsMasterKeyId: KEY, tags: TAGS, ...props }) });
const logGroup = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "control-plane",
    props: defined({ name: "/aws/eks/platform-prod-eks/cluster", retentionInDays: 365, kmsKeyId: KEY, tags: TAGS, ...props }),
});
const repository = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:ecr/repository:Repository",
    name: "api",
    props: defined({ name: "platform/prod/api", imageTagMutability: "IMMUTABLE", encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: KEY }], tags: TAGS, ...props }),
});
const volume = (props: Record<string, unknown> = {}): TestResource => ({ type: "aws:ebs/volume:Volume", name: "data", props: defined({ availabilityZone: "eu-west-1a", size: 20, encrypted: true, ...props }) });
const bucket = (props: Record<string, unknown> = {}): TestResource => ({ type: "aws:s3/bucket:Bucket", name: "logs", props: defined({ bucket: "platform-prod-logs", ...props }) });

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(encryptionAtRest, resource, options));

describe("policy encryption-at-rest", function () {
    it("passes the data stores, cluster, topic, log group and repository as the components render them", function () {
        for (const resource of [rds(), redis(), eks(), topic(), logGroup(), repository(), volume()]) {
            assert.deepEqual(checkResource(encryptionAtRest, resource), [], resource.type);
        }
    });

    it("flags an RDS instance without storage encryption, set false or left to the default", function () {
        const expected = ["RDS instance db stores data unencrypted (storageEncrypted is not true)"];
        assert.deepEqual(messages(rds({ storageEncrypted: false })), expected);
        assert.deepEqual(messages(rds({ storageEncrypted: undefined })), expected);
    });

    it("flags an ElastiCache replication group without at-rest encryption; valkey is encrypted by default", function () {
        const expected = ["ElastiCache replication group redis stores data unencrypted (atRestEncryptionEnabled is not true)"];
        assert.deepEqual(messages(redis({ atRestEncryptionEnabled: false })), expected);
        assert.deepEqual(messages(redis({ atRestEncryptionEnabled: undefined })), expected);
        assert.deepEqual(messages(redis({ atRestEncryptionEnabled: undefined, engine: undefined })), expected);
        assert.deepEqual(messages(redis({ atRestEncryptionEnabled: undefined, engine: "valkey" })), []);
        assert.deepEqual(messages(redis({ atRestEncryptionEnabled: false, engine: "valkey" })), expected);
    });

    it("flags an EKS cluster whose encryptionConfig does not cover secrets with a KMS key", function () {
        const expected = ['EKS cluster eks does not envelope-encrypt Kubernetes secrets (encryptionConfig needs resources ["secrets"] and a provider keyArn)'];
        assert.deepEqual(messages(eks({ encryptionConfig: undefined })), expected);
        assert.deepEqual(messages(eks({ encryptionConfig: { provider: { keyArn: KEY }, resources: [] } })), expected);
        assert.deepEqual(messages(eks({ encryptionConfig: { provider: {}, resources: ["secrets"] } })), expected);
        // A list of blocks, as older provider versions took it, is read the same way.
        assert.deepEqual(messages(eks({ encryptionConfig: [{ provider: { keyArn: KEY }, resources: ["secrets"] }] })), []);
    });

    it("flags an SNS topic and a log group without a KMS key", function () {
        assert.deepEqual(messages(topic({ kmsMasterKeyId: undefined })), ["SNS topic alerts is not encrypted with KMS (kmsMasterKeyId is not set)"]);
        assert.deepEqual(messages(topic({ kmsMasterKeyId: "" })), ["SNS topic alerts is not encrypted with KMS (kmsMasterKeyId is not set)"]);
        assert.deepEqual(messages(logGroup({ kmsKeyId: undefined })), ["CloudWatch log group control-plane is not encrypted with a KMS key (kmsKeyId is not set)"]);
    });

    it("flags an ECR repository encrypted with AES256, explicitly or by default; KMS_DSSE passes", function () {
        assert.deepEqual(messages(repository({ encryptionConfigurations: undefined })), ["ECR repository api is not encrypted with KMS (encryptionType AES256)"]);
        assert.deepEqual(messages(repository({ encryptionConfigurations: [{ encryptionType: "AES256" }] })), ["ECR repository api is not encrypted with KMS (encryptionType AES256)"]);
        assert.deepEqual(messages(repository({ encryptionConfigurations: [{ encryptionType: "KMS_DSSE", kmsKey: KEY }] })), []);
    });

    it("flags an unencrypted EBS volume", function () {
        assert.deepEqual(messages(volume({ encrypted: undefined })), ["EBS volume data is not encrypted (encrypted is not true)"]);
        assert.deepEqual(messages(volume({ encrypted: false })), ["EBS volume data is not encrypted (encrypted is not true)"]);
    });

    it("flags an Aurora cluster without storage encryption; Serverless v1 is encrypted by default", function () {
        const cluster = (props: Record<string, unknown>): TestResource => ({
            type: "aws:rds/cluster:Cluster",
            name: "aurora",
            props: defined({ clusterIdentifier: "platform-prod-aurora", engine: "aurora-postgresql", engineVersion: "16.4", masterUsername: "app", manageMasterUserPassword: true, tags: TAGS, ...props }),
        });
        assert.deepEqual(messages(cluster({ storageEncrypted: true, kmsKeyId: KEY })), []);
        assert.deepEqual(messages(cluster({ engineMode: "serverless" })), []);
        assert.deepEqual(messages(cluster({ engineMode: "serverless", storageEncrypted: false })), ["RDS cluster aurora stores data unencrypted (storageEncrypted is not true)"]);
        assert.deepEqual(messages(cluster({})), ["RDS cluster aurora stores data unencrypted (storageEncrypted is not true)"]);
        assert.deepEqual(messages(cluster({ engineMode: "provisioned", storageEncrypted: false })), ["RDS cluster aurora stores data unencrypted (storageEncrypted is not true)"]);
    });

    it("flags a standalone Redis ElastiCache cluster, which cannot encrypt at rest; members of a group and Memcached pass", function () {
        const cluster = (props: Record<string, unknown>): TestResource => ({ type: "aws:elasticache/cluster:Cluster", name: "cache", props: defined({ clusterId: "platform-prod-cache", nodeType: "cache.t4g.small", numCacheNodes: 1, ...props }) });
        assert.deepEqual(messages(cluster({ engine: "redis", engineVersion: "7.1" })), [
            "ElastiCache cluster cache stores data unencrypted (a standalone redis cluster cannot encrypt at rest; use a ReplicationGroup with atRestEncryptionEnabled)",
        ]);
        assert.deepEqual(messages(cluster({ engine: "valkey" })).length, 1);
        assert.deepEqual(messages(cluster({ replicationGroupId: "platform-prod-redis", numCacheNodes: undefined })), []);
        assert.deepEqual(messages(cluster({ engine: "memcached", numCacheNodes: 2 })), []);
    });

    it("flags unencrypted instance disks: root volume unset or off, EBS block devices off", function () {
        const instance = (props: Record<string, unknown>): TestResource => ({
            type: "aws:ec2/instance:Instance",
            name: "worker",
            props: defined({ ami: "ami-0c1a2b3c4d5e6f708", instanceType: "m6i.large", subnetId: "subnet-0a1b2c3d", ...props }),
        });
        assert.deepEqual(messages(instance({ rootBlockDevice: { encrypted: true, kmsKeyId: KEY, volumeSize: 30 }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true, volumeSize: 100 }] })), []);
        assert.deepEqual(messages(instance({})), ["EC2 instance worker has an unencrypted block device: root volume (rootBlockDevice not set) (set encrypted: true)"]);
        // Started from a launch template: the template's mappings apply, and the template is judged itself.
        assert.deepEqual(messages(instance({ ami: undefined, launchTemplate: { id: "lt-0a1b2c3d4e5f60718", version: "$Latest" } })), []);
        assert.deepEqual(messages(instance({ rootBlockDevice: { encrypted: false, volumeSize: 30 }, ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 100 }] })), [
            "EC2 instance worker has an unencrypted block device: rootBlockDevice (set encrypted: true)",
            "EC2 instance worker has an unencrypted block device: ebsBlockDevices[0] (/dev/sdf) (set encrypted: true)",
        ]);
    });

    it("flags launch template EBS mappings not encrypted (the provider's strings \"true\" / \"false\"), and skips templates without mappings", function () {
        const template = (blockDeviceMappings: Record<string, unknown>[] | undefined): TestResource => ({
            type: "aws:ec2/launchTemplate:LaunchTemplate",
            name: "nodes",
            props: defined({ imageId: "ami-0c1a2b3c4d5e6f708", instanceType: "m6i.large", blockDeviceMappings }),
        });
        assert.deepEqual(messages(template(undefined)), []);
        assert.deepEqual(messages(template([{ deviceName: "/dev/xvda", ebs: { encrypted: "true", kmsKeyId: KEY, volumeSize: 50, volumeType: "gp3" } }, { deviceName: "/dev/sdb", virtualName: "ephemeral0" }])), []);
        assert.deepEqual(messages(template([{ deviceName: "/dev/xvda", ebs: { encrypted: "false", volumeSize: 50 } }, { deviceName: "/dev/xvdb", ebs: { volumeSize: 500 } }])), [
            'launch template nodes has an unencrypted block device: blockDeviceMappings[0] (/dev/xvda) (set ebs.encrypted: "true")',
            'launch template nodes has an unencrypted block device: blockDeviceMappings[1] (/dev/xvdb) (set ebs.encrypted: "true")',
        ]);
    });

    it("passes S3 buckets without an encryption configuration (S3 encrypts by default) or with a valid algorithm", function () {
        assert.deepEqual(messages(bucket()), []);
        assert.deepEqual(messages(bucket({ serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY } } } })), []);
        assert.deepEqual(messages({ type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: "logs-sse", props: { bucket: "platform-prod-logs", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } }), []);
        assert.deepEqual(messages({ type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: "logs-sse", props: { bucket: "platform-prod-logs", rules: [{ bucketKeyEnabled: true }] } }), []);
    });

    it("flags S3 encryption configurations whose input turns encryption off, in each of their shapes", function () {
        assert.deepEqual(messages(bucket({ serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } } } })), [
            'S3 bucket logs turns default server-side encryption off (sseAlgorithm "none"; use AES256, aws:kms or aws:kms:dsse)',
        ]);
        assert.deepEqual(messages({ type: "aws:s3/bucketV2:BucketV2", name: "logs", props: { serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "" }] }] }] } }), [
            'S3 bucket logs turns default server-side encryption off (sseAlgorithm ""; use AES256, aws:kms or aws:kms:dsse)',
        ]);
        assert.deepEqual(messages({ type: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", name: "logs-sse", props: { rules: [{ applyServerSideEncryptionByDefault: {} }] } }), [
            "S3 bucket logs-sse turns default server-side encryption off (sseAlgorithm unset; use AES256, aws:kms or aws:kms:dsse)",
        ]);
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(encryptionAtRest, { type: "aws:rds/parameterGroup:ParameterGroup", props: { storageEncrypted: false } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview, top-level or nested", function () {
        const preview = (resource: TestResource, path: string): void => {
            const outcomes = checkResource(encryptionAtRest, resource);
            assert.equal(outcomes.length, 1);
            assert.equal(outcomes[0].kind, "unknown");
            assert.equal(outcomes[0].message, `can't run policy 'encryption-at-rest' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .${path} can't be known during preview`);
        };
        preview(rds({ storageEncrypted: UNKNOWN }), "storageEncrypted");
        preview(eks({ encryptionConfig: { provider: { keyArn: UNKNOWN }, resources: ["secrets"] } }), "encryptionConfig.provider.keyArn");
        preview(repository({ encryptionConfigurations: UNKNOWN }), "encryptionConfigurations");
    });

    it("honours an exemption with reason and expiry", function () {
        const exempt = rds({ storageEncrypted: false, tags: { ...TAGS, "policy.platform/exempt-encryption-at-rest": "2027-01-31 restored from an unencrypted snapshot, migration PLAT-812" } });
        const [outcome] = checkResource(encryptionAtRest, exempt);
        assert.equal(outcome.kind, "exempted");
        assert.deepEqual(messages(exempt, { now: new Date("2027-02-01T00:00:00Z") }), [
            "RDS instance db stores data unencrypted (storageEncrypted is not true) (exemption expired on 2027-01-31: restored from an unencrypted snapshot, migration PLAT-812)",
        ]);
    });

    it("is high severity, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(encryptionAtRest, [rds({ storageEncrypted: false })]), { severity: "high", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
        assert.equal(encryptionAtRest.kind, "resource");
    });
});
