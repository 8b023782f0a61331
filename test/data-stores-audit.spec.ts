import { strict as assert } from "assert";
import { fromStateDocument, SECRET_SIG, SIG_KEY } from "../engine/state-files";
import { ALL_RULES } from "../policies/rules";
import { auditInput } from "../tools/audit";
import { deploymentSchemaErrors, forSchema } from "./support/state-fixtures";

/**
 * The data-store and IAM checks end to end on a `pulumi stack export` (version 3) of someone else's shop
 * stack: the state reader, the rules as the audit runs them (resource rules on inputs, stack rules on
 * outputs) and the findings a reviewer reads. Every mistake has a clean look-alike beside it.
 */

const PROJECT = "shop";
const STACK = "prod";
const PROVIDER_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:providers:aws::default_7_48_0`;
const PROVIDER = `${PROVIDER_URN}::04b1b2f1-7c1f-4b8c-9d6e-2f0a1c3d5e7f`;
const urn = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
const encrypted = (ciphertext: string): Record<string, unknown> => ({ [SIG_KEY]: SECRET_SIG, ciphertext });

interface Declared {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    readonly inputs: Record<string, unknown>;
    /** Outputs beyond the inputs (the provider echoes every input). */
    readonly computed?: Record<string, unknown>;
    readonly propertyDependencies?: Record<string, string[]>;
}

function stateResource(resource: Declared): Record<string, unknown> {
    const propertyDependencies = Object.fromEntries(Object.keys(resource.inputs).map((key) => [key, resource.propertyDependencies?.[key] ?? []]));
    return {
        urn: urn(resource.type, resource.name),
        custom: true,
        id: resource.id,
        type: resource.type,
        inputs: resource.inputs,
        outputs: { ...resource.inputs, id: resource.id, ...resource.computed },
        parent: urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`),
        provider: PROVIDER,
        propertyDependencies,
        created: "2026-11-20T10:00:00.000Z",
        modified: "2026-11-20T10:00:00.000Z",
    };
}

const document = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const ALL_ON = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const TAGS = { team: "shop" };

const DECLARED: readonly Declared[] = [
    // A public website bucket: public-read ACL, website hosting, a public policy, and no public access block.
    { type: "aws:s3/bucket:Bucket", name: "assets", id: "shop-assets-4f1c", inputs: { bucket: "shop-assets-4f1c", acl: "public-read", website: { indexDocument: "index.html" }, tags: TAGS }, computed: { arn: "arn:aws:s3:::shop-assets-4f1c", websiteEndpoint: "shop-assets-4f1c.s3-website-eu-west-1.amazonaws.com" } },
    {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "assets-policy",
        id: "shop-assets-4f1c",
        inputs: { bucket: "shop-assets-4f1c", policy: document({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::shop-assets-4f1c/*" }) },
        propertyDependencies: { bucket: [urn("aws:s3/bucket:Bucket", "assets")] },
    },
    // Its private look-alike: a block for it (linked by dependency), a policy for a CloudFront distribution only.
    { type: "aws:s3/bucket:Bucket", name: "uploads", id: "shop-uploads-9a2e", inputs: { bucket: "shop-uploads-9a2e", tags: TAGS }, computed: { arn: "arn:aws:s3:::shop-uploads-9a2e" } },
    { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: "uploads-pab", id: "shop-uploads-9a2e", inputs: { bucket: "shop-uploads-9a2e", ...ALL_ON }, propertyDependencies: { bucket: [urn("aws:s3/bucket:Bucket", "uploads")] } },
    {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "uploads-policy",
        id: "shop-uploads-9a2e",
        inputs: {
            bucket: "shop-uploads-9a2e",
            policy: document({ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::shop-uploads-9a2e/*", Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::210987654321:distribution/E2QWRUHAPOMQZL" } } }),
        },
        propertyDependencies: { bucket: [urn("aws:s3/bucket:Bucket", "uploads")] },
    },
    // Aurora: unencrypted, one day of backups, unprotected, a public instance; beside it a compliant instance.
    { type: "aws:rds/cluster:Cluster", name: "orders", id: "shop-orders", inputs: { clusterIdentifier: "shop-orders", engine: "aurora-postgresql", engineVersion: "16.4", masterUsername: "shop", manageMasterUserPassword: true, backupRetentionPeriod: 1, skipFinalSnapshot: false, tags: TAGS } },
    { type: "aws:rds/clusterInstance:ClusterInstance", name: "orders-1", id: "shop-orders-1", inputs: { clusterIdentifier: "shop-orders", engine: "aurora-postgresql", instanceClass: "db.r6g.large", publiclyAccessible: true } },
    { type: "aws:rds/clusterInstance:ClusterInstance", name: "orders-2", id: "shop-orders-2", inputs: { clusterIdentifier: "shop-orders", engine: "aurora-postgresql", instanceClass: "db.r6g.large", publiclyAccessible: false } },
    // A cache without TLS or AUTH.
    { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "sessions", id: "shop-sessions", inputs: { replicationGroupId: "shop-sessions", description: "sessions", engine: "redis", atRestEncryptionEnabled: true, transitEncryptionEnabled: false, snapshotRetentionLimit: 3 } },
    // A database host with a public IP and an unencrypted data disk; a bastion with a public IP beside it.
    {
        type: "aws:ec2/instance:Instance",
        name: "mongo",
        id: "i-0a1b2c3d4e5f60718",
        inputs: { ami: "ami-0c1a2b3c4d5e6f708", instanceType: "r6i.large", associatePublicIpAddress: true, rootBlockDevice: { encrypted: true, volumeSize: 30 }, ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 500, encrypted: false }], tags: { Name: "shop-mongo", role: "mongodb" } },
    },
    { type: "aws:ec2/instance:Instance", name: "bastion", id: "i-0f1e2d3c4b5a69788", inputs: { ami: "ami-0c1a2b3c4d5e6f708", instanceType: "t4g.nano", associatePublicIpAddress: true, rootBlockDevice: { encrypted: true, volumeSize: 8 }, tags: { Name: "shop-bastion", role: "bastion" } } },
    // A password in a String parameter (the value a Pulumi secret, so encrypted in the export); a SecureString beside it.
    { type: "aws:ssm/parameter:Parameter", name: "db-password", id: "/shop/prod/db-password", inputs: { name: "/shop/prod/db-password", type: "String", value: encrypted("v1:Zm9vYmFyYmF6cXV1eA==:c2VjcmV0LWNpcGhlcnRleHQ=") } },
    { type: "aws:ssm/parameter:Parameter", name: "api-token", id: "/shop/prod/api-token", inputs: { name: "/shop/prod/api-token", type: "SecureString", value: encrypted("v1:YmFyYmF6:YW5vdGhlci1jaXBoZXJ0ZXh0") } },
    { type: "aws:ssm/parameter:Parameter", name: "log-level", id: "/shop/prod/log-level", inputs: { name: "/shop/prod/log-level", type: "String", value: "info" } },
    // A key without rotation; a signing key, which cannot rotate.
    { type: "aws:kms/key:Key", name: "data", id: "0d1c2b3a-4f5e-6d7c-8b9a-0f1e2d3c4b5a", inputs: { description: "shop data", deletionWindowInDays: 30 } },
    { type: "aws:kms/key:Key", name: "signing", id: "1e2d3c4b-5a69-7887-96a5-b4c3d2e1f0a9", inputs: { description: "shop JWT signing", customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" } },
    // CI gets administrator access; the ops role gets read-only.
    { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "ci-admin", id: "shop-ci-20261120100000000000000001", inputs: { role: "shop-ci", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } },
    { type: "aws:iam/role:Role", name: "ops", id: "shop-ops", inputs: { name: "shop-ops", assumeRolePolicy: document({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::210987654321:root" }, Action: "sts:AssumeRole" }), managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] } },
];

function stackExport(): Record<string, unknown> {
    return {
        version: 3,
        deployment: {
            manifest: { time: "2026-11-20T10:00:05.000Z", magic: "", version: "v3.137.0" },
            secrets_providers: { type: "passphrase", state: { salt: "v1:AAAAAAAAAAA=:v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } },
            resources: [
                { urn: urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`), custom: false, type: "pulumi:pulumi:Stack", outputs: {}, created: "2026-11-20T10:00:00.000Z", modified: "2026-11-20T10:00:00.000Z" },
                { urn: PROVIDER_URN, custom: true, id: "04b1b2f1-7c1f-4b8c-9d6e-2f0a1c3d5e7f", type: "pulumi:providers:aws", inputs: { region: "eu-west-1", version: "7.48.0" }, outputs: { region: "eu-west-1", version: "7.48.0" } },
                ...DECLARED.map(stateResource),
            ],
        },
    };
}

describe("data stores and IAM on a stack export from another project", function () {
    const exported = stackExport();
    const report = auditInput(fromStateDocument(exported, "shop-prod.json"), { rules: ALL_RULES, now: new Date("2026-11-24T12:00:00Z") });
    const findings = report.findings.map((finding) => `${finding.rule} | ${finding.urn?.split("::").pop() ?? ""} | ${finding.enforcement} | ${finding.message}`);
    const judged = (name: string): string[] => findings.filter((finding) => finding.split(" | ")[1] === name);

    it("is an export the stack schema accepts", function () {
        assert.deepEqual(deploymentSchemaErrors({ version: exported.version, deployment: forSchema(exported.deployment as Record<string, unknown>) }), []);
    });

    it("reports every mistake, once per rule, as mandatory in prod", function () {
        assert.deepEqual(findings.filter((finding) => !finding.startsWith("environment-parity")).sort(), [
            "cache-authentication | sessions | mandatory | ElastiCache replication group sessions accepts connections without authentication (no authToken, authTokenWo or userGroupIds)",
            "database-backups-retained | orders | mandatory | RDS cluster orders has no nightly snapshots kept 30 days: no AWS Backup plan in this stack that keeps them that long selects it",
            "database-backups-retained | orders | mandatory | RDS cluster orders keeps 1 days of point-in-time recovery (backupRetentionPeriod); at least 7 are required",
            "deletion-protection-and-backups | orders | mandatory | RDS cluster orders can be deleted (deletionProtection is not true)",
            "deletion-protection-and-backups | orders | mandatory | RDS cluster orders has backupRetentionPeriod 1; at least 7 days of automated backups are required",
            "encryption-at-rest | mongo | mandatory | EC2 instance mongo has an unencrypted block device: ebsBlockDevices[0] (/dev/sdf) (set encrypted: true)",
            "encryption-at-rest | orders | mandatory | RDS cluster orders stores data unencrypted (storageEncrypted is not true)",
            "encryption-in-transit | sessions | mandatory | ElastiCache replication group sessions accepts unencrypted connections (transitEncryptionEnabled is not true)",
            "kms-key-rotation | data | mandatory | KMS key data does not rotate its key material (enableKeyRotation is not true)",
            "no-admin-policies | ci-admin | mandatory | role policy attachment ci-admin attaches the AWS managed policy AdministratorAccess, which grants every action on every resource",
            "no-public-data-stores | assets | mandatory | S3 bucket assets has the public canned ACL public-read",
            "no-public-data-stores | assets | mandatory | S3 bucket assets hosts a static website (the website endpoint serves plain HTTP and needs public read); serve the bucket through CloudFront with origin access control instead",
            "no-public-data-stores | assets-policy | mandatory | S3 bucket policy assets-policy statement PublicRead allows s3:GetObject to every principal (Principal *) without a condition that restricts who (aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID...)",
            "no-public-data-stores | mongo | mandatory | EC2 instance mongo is a data host (tag role=mongodb) with a public IP address (associatePublicIpAddress is true)",
            "no-public-data-stores | orders-1 | mandatory | RDS cluster instance orders-1 is publicly accessible (publiclyAccessible is true)",
            "s3-public-access-block-declared | assets | mandatory | S3 bucket assets has no public access block in this stack (an aws.s3.BucketPublicAccessBlock for it, or an AccountPublicAccessBlock with all four settings on)",
            "ssm-secure-string | db-password | mandatory | SSM parameter db-password of type String holds a value Pulumi marks as secret in value; use type SecureString",
        ]);
    });

    it("passes every clean look-alike", function () {
        for (const name of ["uploads", "uploads-pab", "uploads-policy", "orders-2", "bastion", "api-token", "log-level", "signing", "ops"]) assert.deepEqual(judged(name), [], name);
    });

    it("never prints a ciphertext", function () {
        const text = JSON.stringify(report);
        for (const fragment of ["Zm9vYmFyYmF6cXV1eA", "c2VjcmV0LWNpcGhlcnRleHQ", "YW5vdGhlci1jaXBoZXJ0ZXh0"]) assert.ok(!text.includes(fragment), fragment);
    });
});
