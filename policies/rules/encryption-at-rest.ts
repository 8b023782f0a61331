import { INSTANCE, LAUNCH_TEMPLATE, unencryptedBlockDevices } from "../lib/ec2-hosts";
import { CMEK_REQUIRED_TIERS } from "../lib/guardrails";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest, RuleContext } from "../lib/rule";
import { asArray, asRecord } from "../lib/values";

/** S3's server-side encryption algorithms; anything else in an explicit configuration turns it off. */
const S3_ALGORITHMS: readonly string[] = ["AES256", "aws:kms", "aws:kms:dsse"];
/** ECR encryption types that use KMS (the default, AES256, uses an S3-managed key). */
const ECR_KMS_TYPES: readonly string[] = ["KMS", "KMS_DSSE"];

function isSet(value: unknown): boolean {
    return typeof value === "string" && value.trim() !== "";
}

/** The sseAlgorithm values an S3 encryption configuration sets, in any of its three shapes. */
function s3Algorithms(resource: ResourceUnderTest): unknown[] {
    const { props } = resource;
    switch (resource.type) {
        case "aws:s3/bucket:Bucket": {
            // Inline (deprecated) block: {rule: {applyServerSideEncryptionByDefault: {sseAlgorithm}}}.
            const rule = asRecord(asRecord(props.serverSideEncryptionConfiguration)?.rule);
            const byDefault = asRecord(rule?.applyServerSideEncryptionByDefault);
            return byDefault ? [byDefault.sseAlgorithm] : [];
        }
        case "aws:s3/bucketV2:BucketV2":
            // [{rules: [{applyServerSideEncryptionByDefaults: [{sseAlgorithm}]}]}].
            return asArray(props.serverSideEncryptionConfigurations).flatMap((configuration) =>
                asArray(asRecord(configuration)?.rules).flatMap((rule) =>
                    asArray(asRecord(rule)?.applyServerSideEncryptionByDefaults).map((byDefault) => asRecord(byDefault)?.sseAlgorithm),
                ),
            );
        default:
            // aws.s3.BucketServerSideEncryptionConfiguration(V2): {rules: [{applyServerSideEncryptionByDefault: {sseAlgorithm}}]}.
            return asArray(props.rules).flatMap((rule) => {
                const byDefault = asRecord(asRecord(rule)?.applyServerSideEncryptionByDefault);
                return byDefault ? [byDefault.sseAlgorithm] : [];
            });
    }
}

/** EKS encryptionConfig is one block in provider 7.x; a list is accepted too. */
function encryptsSecrets(encryptionConfig: unknown): boolean {
    const blocks = Array.isArray(encryptionConfig) ? encryptionConfig : [encryptionConfig];
    return blocks.some((block) => {
        const config = asRecord(block);
        if (!config) return false;
        return asArray(config.resources).includes("secrets") && isSet(asRecord(config.provider)?.keyArn);
    });
}

/** What a GCP resource would need to be encrypted with a customer-managed key: how messages name it, and where the key goes. */
interface CmekInput {
    readonly label: string;
    /** The input path a message names. */
    readonly property: string;
    readonly encrypted: (props: Record<string, unknown>) => boolean;
}

const dig = (value: unknown, path: readonly string[]): unknown => path.reduce<unknown>((current, key) => asRecord(current)?.[key], value);
const hasKey = (...path: string[]) => (props: Record<string, unknown>): boolean => isSet(dig(props, path));

/** Secret Manager: automatic replication with one key, or every user-managed replica with its own. */
function secretEncrypted(props: Record<string, unknown>): boolean {
    const replication = asRecord(props.replication);
    if (isSet(dig(replication, ["auto", "customerManagedEncryption", "kmsKeyName"]))) return true;
    const replicas = asArray(dig(replication, ["userManaged", "replicas"]));
    return replicas.length > 0 && replicas.every((replica) => isSet(dig(replica, ["customerManagedEncryption", "kmsKeyName"])));
}

/** A customer-supplied key (raw or RSA-wrapped) is under the customer's control too. */
const diskEncrypted = (kmsField: string) => (props: Record<string, unknown>): boolean =>
    [kmsField, "rawKey", "rsaEncryptedKey"].some((field) => isSet(dig(props, ["diskEncryptionKey", field])));

/** An instance's boot disk created with it (a `source` disk is a Disk resource, judged itself). Attached disks are always `source` disks. */
function bootDiskEncrypted(props: Record<string, unknown>): boolean {
    const boot = asRecord(props.bootDisk);
    return isSet(boot?.source) || ["kmsKeySelfLink", "diskEncryptionKeyRaw", "diskEncryptionKeyRsa"].some((field) => isSet(boot?.[field]));
}

/** Every disk an instance template creates (not `source` disks) names a key. */
function templateDisksEncrypted(props: Record<string, unknown>): boolean {
    return asArray(props.disks).every((entry) => isSet(asRecord(entry)?.source) || hasKey("diskEncryptionKey", "kmsKeySelfLink")(asRecord(entry) ?? {}));
}

export const GCP_CMEK_INPUTS: Readonly<Record<string, CmekInput>> = {
    "gcp:sql/databaseInstance:DatabaseInstance": { label: "Cloud SQL instance", property: "encryptionKeyName", encrypted: hasKey("encryptionKeyName") },
    "gcp:redis/instance:Instance": { label: "Memorystore for Redis instance", property: "customerManagedKey", encrypted: hasKey("customerManagedKey") },
    "gcp:redis/cluster:Cluster": { label: "Memorystore for Redis cluster", property: "kmsKey", encrypted: hasKey("kmsKey") },
    "gcp:memorystore/instance:Instance": { label: "Memorystore instance", property: "kmsKey", encrypted: hasKey("kmsKey") },
    "gcp:container/cluster:Cluster": {
        label: "GKE cluster",
        property: "databaseEncryption {state: ENCRYPTED, keyName}, the envelope encryption of Kubernetes secrets,",
        encrypted: (props) => dig(props, ["databaseEncryption", "state"]) === "ENCRYPTED" && hasKey("databaseEncryption", "keyName")(props),
    },
    "gcp:artifactregistry/repository:Repository": { label: "Artifact Registry repository", property: "kmsKeyName", encrypted: hasKey("kmsKeyName") },
    "gcp:secretmanager/secret:Secret": { label: "Secret Manager secret", property: "replication customerManagedEncryption.kmsKeyName", encrypted: secretEncrypted },
    "gcp:secretmanager/regionalSecret:RegionalSecret": { label: "Secret Manager regional secret", property: "customerManagedEncryption.kmsKeyName", encrypted: hasKey("customerManagedEncryption", "kmsKeyName") },
    "gcp:storage/bucket:Bucket": { label: "Cloud Storage bucket", property: "encryption.defaultKmsKeyName", encrypted: hasKey("encryption", "defaultKmsKeyName") },
    "gcp:pubsub/topic:Topic": { label: "Pub/Sub topic", property: "kmsKeyName", encrypted: hasKey("kmsKeyName") },
    "gcp:compute/disk:Disk": { label: "Compute Engine disk", property: "diskEncryptionKey.kmsKeySelfLink", encrypted: diskEncrypted("kmsKeySelfLink") },
    "gcp:compute/regionDisk:RegionDisk": { label: "Compute Engine regional disk", property: "diskEncryptionKey.kmsKeyName", encrypted: diskEncrypted("kmsKeyName") },
    "gcp:compute/instance:Instance": { label: "Compute Engine instance", property: "bootDisk.kmsKeySelfLink", encrypted: bootDiskEncrypted },
    "gcp:compute/instanceTemplate:InstanceTemplate": { label: "instance template", property: "disks[].diskEncryptionKey.kmsKeySelfLink", encrypted: templateDisksEncrypted },
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": { label: "regional instance template", property: "disks[].diskEncryptionKey.kmsKeySelfLink", encrypted: templateDisksEncrypted },
};

/** Google encrypts every GCP resource at rest with its own keys; the tiers in CMEK_REQUIRED_TIERS need the project's own Cloud KMS key. */
function gcpViolations(resource: ResourceUnderTest, context: RuleContext): string[] {
    const input = GCP_CMEK_INPUTS[resource.type];
    if (!CMEK_REQUIRED_TIERS.includes(context.tier) || input.encrypted(resource.props)) return [];
    return [`${input.label} ${resource.name} is not encrypted with a customer-managed Cloud KMS key (${input.property} is not set; ${context.tier} requires CMEK)`];
}

function violationsOf(resource: ResourceUnderTest, context: RuleContext): string[] {
    const { name, props } = resource;
    if (Object.hasOwn(GCP_CMEK_INPUTS, resource.type)) return gcpViolations(resource, context);
    switch (resource.type) {
        case "aws:rds/instance:Instance":
            return props.storageEncrypted === true ? [] : [`RDS instance ${name} stores data unencrypted (storageEncrypted is not true)`];
        case "aws:rds/cluster:Cluster":
            // The provider's default: encrypted for the (retired) Serverless v1 engine mode, unencrypted otherwise.
            return (props.storageEncrypted ?? props.engineMode === "serverless") === true ? [] : [`RDS cluster ${name} stores data unencrypted (storageEncrypted is not true)`];
        case "aws:elasticache/cluster:Cluster":
            // A member of a replication group has the group's encryption; node-based Memcached has no at-rest encryption to turn on.
            if (isSet(props.replicationGroupId) || props.engine === "memcached") return [];
            return [`ElastiCache cluster ${name} stores data unencrypted (a standalone ${String(props.engine ?? "redis")} cluster cannot encrypt at rest; use a ReplicationGroup with atRestEncryptionEnabled)`];
        case INSTANCE:
            return unencryptedBlockDevices(resource).map((device) => `EC2 instance ${name} has an unencrypted block device: ${device} (set encrypted: true)`);
        case LAUNCH_TEMPLATE:
            return unencryptedBlockDevices(resource).map((device) => `launch template ${name} has an unencrypted block device: ${device} (set ebs.encrypted: "true")`);
        case "aws:elasticache/replicationGroup:ReplicationGroup": {
            // The provider turns at-rest encryption on by default for valkey, off for redis (the default engine).
            const enabled = props.atRestEncryptionEnabled ?? props.engine === "valkey";
            return enabled === true ? [] : [`ElastiCache replication group ${name} stores data unencrypted (atRestEncryptionEnabled is not true)`];
        }
        case "aws:eks/cluster:Cluster":
            return encryptsSecrets(props.encryptionConfig)
                ? []
                : [`EKS cluster ${name} does not envelope-encrypt Kubernetes secrets (encryptionConfig needs resources ["secrets"] and a provider keyArn)`];
        case "aws:sns/topic:Topic":
            return isSet(props.kmsMasterKeyId) ? [] : [`SNS topic ${name} is not encrypted with KMS (kmsMasterKeyId is not set)`];
        case "aws:cloudwatch/logGroup:LogGroup":
            return isSet(props.kmsKeyId) ? [] : [`CloudWatch log group ${name} is not encrypted with a KMS key (kmsKeyId is not set)`];
        case "aws:ecr/repository:Repository": {
            const configured = asArray(props.encryptionConfigurations).map((configuration) => asRecord(configuration)?.encryptionType);
            const encryptionType = configured.length > 0 ? configured[0] : undefined;
            return typeof encryptionType === "string" && ECR_KMS_TYPES.includes(encryptionType)
                ? []
                : [`ECR repository ${name} is not encrypted with KMS (encryptionType ${String(encryptionType ?? "AES256")})`];
        }
        case "aws:ebs/volume:Volume":
            return props.encrypted === true ? [] : [`EBS volume ${name} is not encrypted (encrypted is not true)`];
        default:
            return s3Algorithms(resource)
                .filter((algorithm) => !(typeof algorithm === "string" && S3_ALGORITHMS.includes(algorithm)))
                .map((algorithm) => `S3 bucket ${name} turns default server-side encryption off (sseAlgorithm ${typeof algorithm === "string" ? JSON.stringify(algorithm) : "unset"}; use AES256, aws:kms or aws:kms:dsse)`);
    }
}

/**
 * Data stores and the services that hold data encrypt it at rest, with KMS where AWS offers a choice of key.
 * S3 encrypts every object (SSE-S3) whether configured or not, so only a configuration that names no valid
 * algorithm is flagged. EBS account-level default encryption is not visible to a resource check: set
 * `encrypted` on the volume, on an instance's root and EBS block devices, and on a launch template's EBS
 * mappings (a template without mappings uses the AMI's, which are not visible here and are not judged).
 * GCP encrypts everything at rest with Google-managed keys; in the tiers listed in CMEK_REQUIRED_TIERS
 * (guardrails.ts) its data stores, registries, secrets, buckets, topics, disks and GKE's Kubernetes secrets
 * must use a customer-managed Cloud KMS key (GCP_CMEK_INPUTS says where, per type).
 */
export const encryptionAtRest: ResourceRule = {
    kind: "resource",
    name: "encryption-at-rest",
    description: `Databases, caches, cluster secrets, topics, logs, registries, volumes, instance disks and buckets are encrypted at rest (on GCP with a customer-managed key in ${CMEK_REQUIRED_TIERS.join(" and ")}).`,
    severity: "high",
    rationale:
        "Encryption at rest with a KMS key keeps data unreadable in snapshots, backups and disks that leave our control, and puts access to it behind the key's policy and audit trail.",
    remediation:
        "RDS instance and Aurora cluster storageEncrypted: true; ElastiCache atRestEncryptionEnabled: true (on a ReplicationGroup: a standalone Redis cluster cannot encrypt); EKS encryptionConfig {resources: [\"secrets\"], provider: {keyArn}}; SNS kmsMasterKeyId; log group kmsKeyId; ECR encryptionConfigurations [{encryptionType: \"KMS\"}]; EBS encrypted: true (volumes, instance rootBlockDevice and ebsBlockDevices, launch template blockDeviceMappings ebs.encrypted \"true\"); S3 sseAlgorithm AES256 or aws:kms. GCP: the Cloud KMS key's name in Cloud SQL encryptionKeyName, Memorystore customerManagedKey (kmsKey on a Redis cluster or Valkey instance), GKE databaseEncryption {state: \"ENCRYPTED\", keyName}, Artifact Registry kmsKeyName, Secret Manager replication.auto.customerManagedEncryption.kmsKeyName (or on every user-managed replica), bucket encryption.defaultKmsKeyName, Pub/Sub kmsKeyName, disk diskEncryptionKey.kmsKeySelfLink (an instance's bootDisk.kmsKeySelfLink, a template's disks[].diskEncryptionKey.kmsKeySelfLink), and grant the service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on the key. The components under components/ pass the environment's KMS key.",
    resourceTypes: [
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/cluster:Cluster",
        "aws:eks/cluster:Cluster",
        "aws:sns/topic:Topic",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ecr/repository:Repository",
        "aws:ebs/volume:Volume",
        INSTANCE,
        LAUNCH_TEMPLATE,
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        ...Object.keys(GCP_CMEK_INPUTS),
    ],
    enforcement: ALWAYS_MANDATORY,
    exemptable: true,
    check: violationsOf,
};
