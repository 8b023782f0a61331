import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages } from "../../test/support/policy-harness";
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
        assert.equal(noPublicDataStores.severity, "critical");
        assert.deepEqual(noPublicDataStores.enforcement, { dev: "mandatory", staging: "mandatory", prod: "mandatory" });
        assert.equal(noPublicDataStores.exemptable, true);
    });
});
