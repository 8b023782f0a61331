import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { DATA_STORE_PORTS, noPublicDataStores } from "./no-public-data-stores";

const TAGS = { Name: "platform-prod-postgres", environment: "prod", project: "platform" };

// As components/postgres/aws.ts renders them.
const rds = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:rds/instance:Instance",
    name: "db",
    props: { identifier: "platform-prod-postgres", engine: "postgres", port: 5432, publiclyAccessible: false, storageEncrypted: true, vpcSecurityGroupIds: ["sg-b4f904f06ce0e9399"], ...props },
});
const securityGroup = (...ingress: Record<string, unknown>[]): TestResource => ({
    type: "aws:ec2/securityGroup:SecurityGroup",
    name: "postgres-sg",
    props: { vpcId: "vpc-078e4336dc0b34b3c", description: "PostgreSQL clients of prod", ingress, tags: TAGS },
});
const FROM_NODES = { description: "PostgreSQL from the cluster nodes", protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-50ce6b6115a1f82c7"] };

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noPublicDataStores, resource));

describe("policy no-public-data-stores", function () {
    it("passes the database and its security group as components/postgres/aws.ts renders them", function () {
        assert.deepEqual(checkResource(noPublicDataStores, rds()), []);
        assert.deepEqual(checkResource(noPublicDataStores, securityGroup(FROM_NODES)), []);
    });

    it("flags a publicly accessible RDS instance", function () {
        assert.deepEqual(messages(rds({ publiclyAccessible: true })), ["RDS instance db is publicly accessible (publiclyAccessible is true)"]);
    });

    it("keeps to the documented list of data-store ports", function () {
        assert.deepEqual(DATA_STORE_PORTS.map(([port]) => port), [3306, 5432, 6379, 9200, 27017]);
    });

    it("flags a data-store port open to 0.0.0.0/0 and to ::/0", function () {
        assert.deepEqual(messages(securityGroup(FROM_NODES, { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16", "0.0.0.0/0"] })), [
            "security group postgres-sg ingress[1] (tcp 5432) opens PostgreSQL (5432) to the internet (0.0.0.0/0)",
        ]);
        assert.deepEqual(messages(securityGroup({ protocol: "tcp", fromPort: 6379, toPort: 6379, ipv6CidrBlocks: ["::/0"] })), [
            "security group postgres-sg ingress[0] (tcp 6379) opens Redis (6379) to the internet (::/0)",
        ]);
        for (const [port, store] of DATA_STORE_PORTS) {
            assert.deepEqual(messages(securityGroup({ protocol: "6", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] })), [
                `security group postgres-sg ingress[0] (tcp ${port}) opens ${store} (${port}) to the internet (0.0.0.0/0)`,
            ]);
        }
    });

    it("flags port ranges that cover data-store ports, and every protocol (-1 / all) whatever its ports", function () {
        assert.deepEqual(messages(securityGroup({ protocol: "tcp", fromPort: 5000, toPort: 7000, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })), [
            "security group postgres-sg ingress[0] (tcp 5000-7000) opens PostgreSQL (5432), Redis (6379) to the internet (0.0.0.0/0, ::/0)",
        ]);
        const everything = "opens MySQL (3306), PostgreSQL (5432), Redis (6379), Elasticsearch (9200), MongoDB (27017) to the internet (0.0.0.0/0)";
        assert.deepEqual(messages(securityGroup({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })), [`security group postgres-sg ingress[0] (all traffic) ${everything}`]);
        assert.deepEqual(messages(securityGroup({ protocol: "ALL", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })), [`security group postgres-sg ingress[0] (all traffic) ${everything}`]);
        assert.deepEqual(messages(securityGroup({ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] })), [`security group postgres-sg ingress[0] (tcp 0-65535) ${everything}`]);
    });

    it("passes public ports that are not data stores, UDP, and data-store ports open to private ranges only", function () {
        assert.deepEqual(messages(securityGroup({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })), []);
        assert.deepEqual(messages(securityGroup({ protocol: "udp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] })), []);
        assert.deepEqual(messages(securityGroup({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"], ipv6CidrBlocks: ["2001:db8::/32"] })), []);
    });

    it("flags the same exposure declared as a separate security group rule, ingress only", function () {
        const rule = (props: Record<string, unknown>): TestResource => ({
            type: "aws:ec2/securityGroupRule:SecurityGroupRule",
            name: "mongo-public",
            props: { securityGroupId: "sg-1", protocol: "tcp", fromPort: 27017, toPort: 27017, cidrBlocks: ["0.0.0.0/0"], ...props },
        });
        assert.deepEqual(messages(rule({ type: "ingress" })), ["security group rule mongo-public (tcp 27017) opens MongoDB (27017) to the internet (0.0.0.0/0)"]);
        assert.deepEqual(messages(rule({ type: "egress" })), []);
        const ingressRule: TestResource = {
            type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            name: "mysql-public",
            props: { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv6: "::/0" },
        };
        assert.deepEqual(messages(ingressRule), ["security group ingress rule mysql-public (tcp 3306) opens MySQL (3306) to the internet (::/0)"]);
    });

    // An aws.s3.Bucket (provider 7.x) as `pulumi stack export` holds it: the owner's own grant, an empty policy, no website.
    const OWNER = "3f5c2a0d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a";
    const bucket = (props: Record<string, unknown> = {}): TestResource => ({
        type: "aws:s3/bucket:Bucket",
        name: "uploads",
        props: {
            arn: "arn:aws:s3:::platform-prod-uploads",
            bucket: "platform-prod-uploads",
            bucketDomainName: "platform-prod-uploads.s3.amazonaws.com",
            forceDestroy: false,
            grants: [{ id: OWNER, permissions: ["FULL_CONTROL"], type: "CanonicalUser", uri: "" }],
            objectLockEnabled: false,
            policy: "",
            region: "eu-west-1",
            requestPayer: "BucketOwner",
            serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { kmsMasterKeyId: "", sseAlgorithm: "AES256" }, bucketKeyEnabled: false } },
            versioning: { enabled: true, mfaDelete: false },
            websiteDomain: "",
            websiteEndpoint: "",
            tags: TAGS,
            ...props,
        },
    });
    const statement = (extra: Record<string, unknown>): Record<string, unknown> => ({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::platform-prod-uploads/*", ...extra });
    const policyDocument = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
    const bucketPolicy = (policy: unknown): TestResource => ({ type: "aws:s3/bucketPolicy:BucketPolicy", name: "uploads-policy", props: { bucket: "platform-prod-uploads", policy } });

    it("passes a private bucket as a stack export holds it, and its private look-alikes", function () {
        assert.deepEqual(checkResource(noPublicDataStores, bucket()), []);
        assert.deepEqual(messages(bucket({ acl: "private" })), []);
        assert.deepEqual(messages(bucket({ acl: "log-delivery-write" })), []);
        assert.deepEqual(messages({ type: "aws:s3/bucketV2:BucketV2", name: "logs", props: { bucket: "platform-prod-logs", acl: "private", websites: [] } }), []);
        assert.deepEqual(messages({ type: "aws:s3/bucketAclV2:BucketAclV2", name: "logs-acl", props: { bucket: "platform-prod-logs", acl: "log-delivery-write" } }), []);
    });

    it("flags public canned ACLs and grants to AllUsers or AuthenticatedUsers on every bucket and ACL type", function () {
        assert.deepEqual(messages(bucket({ acl: "public-read" })), ["S3 bucket uploads has the public canned ACL public-read"]);
        assert.deepEqual(messages({ type: "aws:s3/bucketV2:BucketV2", name: "site", props: { acl: "public-read-write" } }), ["S3 bucket site has the public canned ACL public-read-write"]);
        assert.deepEqual(messages({ type: "aws:s3/bucketAcl:BucketAcl", name: "site-acl", props: { bucket: "site", acl: "authenticated-read" } }), ["S3 bucket ACL site-acl has the public canned ACL authenticated-read"]);
        assert.deepEqual(messages(bucket({ grants: [{ id: OWNER, permissions: ["FULL_CONTROL"], type: "CanonicalUser", uri: "" }, { permissions: ["READ"], type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }] })), [
            "S3 bucket uploads grant 1 gives READ to the AllUsers group",
        ]);
        const aclV2: TestResource = {
            type: "aws:s3/bucketAclV2:BucketAclV2",
            name: "uploads-acl",
            props: {
                bucket: "platform-prod-uploads",
                accessControlPolicy: {
                    owner: { id: OWNER },
                    grants: [
                        { grantee: { id: OWNER, type: "CanonicalUser" }, permission: "FULL_CONTROL" },
                        { grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }, permission: "WRITE" },
                        { grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/s3/LogDelivery" }, permission: "WRITE" },
                    ],
                },
            },
        };
        assert.deepEqual(messages(aclV2), ["S3 bucket ACL uploads-acl grant 1 gives WRITE to the AuthenticatedUsers group"]);
    });

    it("flags bucket policies that allow Principal * without a restricting condition, inline or as a BucketPolicy", function () {
        const open = policyDocument(statement({ Sid: "PublicRead" }));
        const expected = "allows s3:GetObject to every principal (Principal *) without a condition that restricts who (aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID...)";
        assert.deepEqual(messages(bucketPolicy(open)), [`S3 bucket policy uploads-policy statement PublicRead ${expected}`]);
        assert.deepEqual(messages(bucket({ policy: open })), [`S3 bucket uploads policy statement PublicRead ${expected}`]);
        assert.deepEqual(messages({ type: "aws:s3/bucketV2:BucketV2", name: "v2", props: { policy: open } }), [`S3 bucket v2 policy statement PublicRead ${expected}`]);
        // {"AWS": "*"} and a list holding "*", a PolicyDocument object, conditions that do not restrict who.
        for (const principal of [{ AWS: "*" }, { AWS: ["arn:aws:iam::123456789012:root", "*"] }]) {
            assert.equal(messages(bucketPolicy({ Version: "2012-10-17", Statement: [statement({ Principal: principal })] })).length, 1, JSON.stringify(principal));
        }
        for (const condition of [
            { Bool: { "aws:SecureTransport": "true" } },
            { StringNotEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
            { StringEqualsIfExists: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
            { StringLike: { "aws:SourceArn": "arn:aws:cloudfront::*" } },
            { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
            { StringLike: { "aws:userid": "AROAEXAMPLEROLEID:*" } },
            { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
        ]) {
            assert.equal(messages(bucketPolicy(policyDocument(statement({ Condition: condition })))).length, 1, JSON.stringify(condition));
        }
        assert.deepEqual(messages(bucketPolicy(policyDocument({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetObject", Resource: "*" }))), [
            "S3 bucket policy uploads-policy statement 0 allows every principal but the ones listed (Allow with NotPrincipal)",
        ]);
    });

    it("passes bucket policies for named principals, with fixed restricting conditions, and Deny statements for *", function () {
        const clean = [
            policyDocument(statement({ Principal: { AWS: "arn:aws:iam::123456789012:role/platform-prod-api" } })),
            policyDocument(statement({ Principal: { Service: "cloudfront.amazonaws.com" }, Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL" } } })),
            policyDocument(statement({ Condition: { StringEquals: { "aws:SourceVpce": ["vpce-1a2b3c4d", "vpce-5e6f7a8b"] } } })),
            policyDocument(statement({ Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } })),
            policyDocument(statement({ Condition: { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } })),
            policyDocument({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ];
        for (const policy of clean) assert.deepEqual(messages(bucketPolicy(policy)), [], policy);
    });

    it("flags a bucket policy that cannot be read, because it cannot be shown private; never throws on it", function () {
        assert.deepEqual(messages(bucketPolicy('{"Statement": [')), ["S3 bucket policy uploads-policy is not a valid JSON policy document, so it cannot be checked for public access"]);
        const huge = `{"Statement": [${"{},".repeat(40_000)}{}]}`;
        assert.deepEqual(messages(bucketPolicy(huge)), [`S3 bucket policy uploads-policy is ${huge.length} characters long, more than the 80000 this pack reads (and more than AWS accepts), so it cannot be checked for public access`]);
        assert.equal(messages(bucketPolicy(`{"Statement": ${"[".repeat(30_000)}`)).length, 1);
    });

    it("flags bucket and account public access blocks with any setting off or unset, and passes all four on", function () {
        const block = (props: Record<string, unknown>, type = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"): TestResource => ({ type, name: "uploads-pab", props: { bucket: "platform-prod-uploads", ...props } });
        const allOn = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
        assert.deepEqual(messages(block(allOn)), []);
        assert.deepEqual(messages(block({ ...allOn, restrictPublicBuckets: false })), ["S3 public access block uploads-pab leaves restrictPublicBuckets off (all four settings must be true)"]);
        assert.deepEqual(messages(block({ blockPublicAcls: true })), ["S3 public access block uploads-pab leaves blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets off (all four settings must be true)"]);
        assert.deepEqual(messages(block({ ...allOn, blockPublicAcls: false }, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")), [
            "S3 account public access block uploads-pab leaves blockPublicAcls off (all four settings must be true)",
        ]);
    });

    it("flags website hosting on the bucket and as a website configuration resource", function () {
        const website = "hosts a static website (the website endpoint serves plain HTTP and needs public read); serve the bucket through CloudFront with origin access control instead";
        assert.deepEqual(messages(bucket({ website: { indexDocument: "index.html", errorDocument: "error.html" } })), [`S3 bucket uploads ${website}`]);
        assert.deepEqual(messages(bucket({ website: { indexDocument: "", errorDocument: "" } })), []);
        assert.deepEqual(messages({ type: "aws:s3/bucketV2:BucketV2", name: "site", props: { websites: [{ redirectAllRequestsTo: "https://example.com" }] } }), [`S3 bucket site ${website}`]);
        for (const type of ["aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"]) {
            assert.deepEqual(messages({ type, name: "site-website", props: { bucket: "site", indexDocument: { suffix: "index.html" } } }), [`S3 website configuration site-website ${website}`]);
        }
    });

    it("flags a publicly accessible Aurora cluster instance", function () {
        const instance = (publiclyAccessible: boolean): TestResource => ({
            type: "aws:rds/clusterInstance:ClusterInstance",
            name: "aurora-1",
            props: { clusterIdentifier: "platform-prod-aurora", engine: "aurora-postgresql", instanceClass: "db.r6g.large", identifier: "platform-prod-aurora-1", publiclyAccessible },
        });
        assert.deepEqual(messages(instance(false)), []);
        assert.deepEqual(messages(instance(true)), ["RDS cluster instance aurora-1 is publicly accessible (publiclyAccessible is true)"]);
    });

    it("flags a public IP on a data host, instance or launch template, and nowhere else", function () {
        const instance = (props: Record<string, unknown>): TestResource => ({
            type: "aws:ec2/instance:Instance",
            name: "pg-primary",
            props: { ami: "ami-0c1a2b3c4d5e6f708", instanceType: "r6i.large", subnetId: "subnet-0a1b2c3d", rootBlockDevice: { encrypted: true, volumeSize: 50 }, ...props },
        });
        assert.deepEqual(messages(instance({ associatePublicIpAddress: true, tags: { Name: "pg-primary", role: "postgres-primary" } })), [
            "EC2 instance pg-primary is a data host (tag role=postgres-primary) with a public IP address (associatePublicIpAddress is true)",
        ]);
        assert.deepEqual(messages(instance({ associatePublicIpAddress: true, tags: { DataClassification: "confidential" } })), [
            "EC2 instance pg-primary is a data host (tag DataClassification=confidential) with a public IP address (associatePublicIpAddress is true)",
        ]);
        // Look-alikes: a public web server, a data host without a public IP, a data-ish word that is not a store.
        assert.deepEqual(messages(instance({ associatePublicIpAddress: true, tags: { Name: "bastion", role: "bastion" } })), []);
        assert.deepEqual(messages(instance({ associatePublicIpAddress: true, tags: { role: "dbt-runner", "data-classification": "public" } })), []);
        assert.deepEqual(messages(instance({ associatePublicIpAddress: false, tags: { role: "redis" } })), []);
        const template = (networkInterfaces: Record<string, unknown>[], tagSpecifications: Record<string, unknown>[]): TestResource => ({
            type: "aws:ec2/launchTemplate:LaunchTemplate",
            name: "kafka",
            props: { imageId: "ami-0c1a2b3c4d5e6f708", instanceType: "m6i.xlarge", networkInterfaces, tagSpecifications },
        });
        assert.deepEqual(messages(template([{ deviceIndex: 0, associatePublicIpAddress: "true", subnetId: "subnet-0a1b2c3d" }], [{ resourceType: "instance", tags: { workload: "kafka-broker" } }])), [
            "launch template kafka is a data host (tag workload=kafka-broker) with a public IP address (networkInterfaces[0].associatePublicIpAddress is true)",
        ]);
        assert.deepEqual(messages(template([{ deviceIndex: 0, associatePublicIpAddress: "true" }], [{ resourceType: "volume", tags: { workload: "kafka-broker" } }])), []);
        assert.deepEqual(messages(template([{ deviceIndex: 0, associatePublicIpAddress: "false" }], [{ resourceType: "instance", tags: { workload: "kafka-broker" } }])), []);
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(noPublicDataStores, { type: "aws:elasticache/replicationGroup:ReplicationGroup", props: { publiclyAccessible: true } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const expectUnknown = (resource: TestResource, path: string): void => {
            const outcomes = checkResource(noPublicDataStores, resource);
            assert.equal(outcomes.length, 1);
            assert.equal(outcomes[0].kind, "unknown");
            assert.equal(outcomes[0].message, `can't run policy 'no-public-data-stores' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .${path} can't be known during preview`);
        };
        expectUnknown(rds({ publiclyAccessible: UNKNOWN }), "publiclyAccessible");
        expectUnknown(securityGroup({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: [UNKNOWN] }), "ingress.0.cidrBlocks.0");
    });

    it("honours an exemption with reason and expiry", function () {
        const open = securityGroup({ protocol: "tcp", fromPort: 9200, toPort: 9200, cidrBlocks: ["0.0.0.0/0"] });
        const exempt: TestResource = { ...open, props: { ...open.props, tags: { ...TAGS, "policy.platform/exempt-no-public-data-stores": "2026-12-15 vendor benchmark, anonymised data only, SEC-77" } } };
        const [outcome] = checkResource(noPublicDataStores, exempt);
        assert.equal(outcome.kind, "exempted");
        assert.equal(outcome.message, "security group postgres-sg ingress[0] (tcp 9200) opens Elasticsearch (9200) to the internet (0.0.0.0/0)");
    });

    it("is critical, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(noPublicDataStores, [rds({ publiclyAccessible: true })]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
