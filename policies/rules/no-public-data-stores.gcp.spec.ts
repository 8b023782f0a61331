import { strict as assert } from "assert";
import { bucket, cloudSql, memorystoreRedis } from "../test-support/gcp-fixtures";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { noPublicDataStores } from "./no-public-data-stores";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noPublicDataStores, resource));

const BUCKET = "acme-platform-prod-assets";
const bucketIam = (type: string, props: Record<string, unknown>): TestResource => ({ type, name: "assets-readers", props: { bucket: BUCKET, ...props } });
const firewall = (props: Record<string, unknown>): TestResource => ({
    type: "gcp:compute/firewall:Firewall",
    name: "db",
    props: { network: "projects/acme-platform-prod/global/networks/platform-prod", direction: "INGRESS", allows: [{ protocol: "tcp", ports: ["5432"] }], sourceRanges: ["10.30.0.0/16"], ...props },
});

describe("policy no-public-data-stores on GCP", function () {
    describe("Cloud SQL", function () {
        it("passes a private-IP-only instance", function () {
            assert.deepEqual(messages(cloudSql()), []);
        });

        it("flags a public IPv4 address, explicit or by the default", function () {
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: { ipv4Enabled: true } } })), [
                "Cloud SQL instance postgres has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is true; use privateNetwork)",
            ]);
            assert.deepEqual(messages(cloudSql({ settings: { ipConfiguration: undefined } })), [
                "Cloud SQL instance postgres has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is unset, which is true; use privateNetwork)",
            ]);
        });

        it("flags an authorized network of every address, and not a narrow one", function () {
            const open = cloudSql({ settings: { ipConfiguration: { ipv4Enabled: true, authorizedNetworks: [{ name: "office", value: "203.0.113.0/24" }, { name: "anyone", value: "0.0.0.0/0" }] } } });
            assert.deepEqual(messages(open), [
                "Cloud SQL instance postgres has a public IPv4 address (settings.ipConfiguration.ipv4Enabled is true; use privateNetwork)",
                "Cloud SQL instance postgres admits every address (settings.ipConfiguration.authorizedNetworks[1] is 0.0.0.0/0)",
            ]);
        });
    });

    describe("Cloud Storage", function () {
        it("passes a bucket with uniform access and public access prevention enforced, and grants to named principals", function () {
            assert.deepEqual(messages(bucket()), []);
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMMember:BucketIAMMember", { role: "roles/storage.objectViewer", member: "serviceAccount:api@acme-platform-prod.iam.gserviceaccount.com" })), []);
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMBinding:BucketIAMBinding", { role: "roles/storage.objectViewer", members: ["group:web@acme.example", "domain:acme.example"] })), []);
        });

        it("flags a bucket without uniform access or public access prevention", function () {
            assert.deepEqual(messages(bucket({ uniformBucketLevelAccess: undefined, publicAccessPrevention: undefined })), [
                "Cloud Storage bucket assets lets object ACLs grant access (uniformBucketLevelAccess is unset, which is false)",
                "Cloud Storage bucket assets can be made public (publicAccessPrevention is unset, which inherits the organization policy, not \"enforced\")",
            ]);
            assert.deepEqual(messages(bucket({ uniformBucketLevelAccess: false, publicAccessPrevention: "inherited" })), [
                "Cloud Storage bucket assets lets object ACLs grant access (uniformBucketLevelAccess is false)",
                'Cloud Storage bucket assets can be made public (publicAccessPrevention is "inherited", not "enforced")',
            ]);
        });

        it("flags IAM grants to allUsers or allAuthenticatedUsers: member, binding, policy and managed folder", function () {
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMMember:BucketIAMMember", { role: "roles/storage.objectViewer", member: "allUsers" })), [
                "Cloud Storage IAM member assets-readers grants roles/storage.objectViewer to allUsers, which makes the data public",
            ]);
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMBinding:BucketIAMBinding", { role: "roles/storage.legacyObjectReader", members: ["group:web@acme.example", "allAuthenticatedUsers"] })), [
                "Cloud Storage IAM binding assets-readers grants roles/storage.legacyObjectReader to allAuthenticatedUsers, which makes the data public",
            ]);
            const policyData = JSON.stringify({ bindings: [{ role: "roles/storage.admin", members: ["group:platform@acme.example"] }, { role: "roles/storage.objectViewer", members: ["allUsers", "allAuthenticatedUsers"] }] });
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { policyData })), [
                "Cloud Storage IAM policy assets-readers (policyData) binding 1 grants roles/storage.objectViewer to allUsers, which makes the data public",
                "Cloud Storage IAM policy assets-readers (policyData) binding 1 grants roles/storage.objectViewer to allAuthenticatedUsers, which makes the data public",
            ]);
            assert.deepEqual(messages(bucketIam("gcp:storage/managedFolderIamMember:ManagedFolderIamMember", { managedFolder: "public/", role: "roles/storage.objectViewer", member: "allUsers" })), [
                "Cloud Storage IAM member assets-readers grants roles/storage.objectViewer to allUsers, which makes the data public",
            ]);
        });

        it("flags a bucket IAM policy it cannot read, and passes one without public members", function () {
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { policyData: "{not json" })), [
                "Cloud Storage IAM policy assets-readers (policyData) is not a JSON IAM policy, so it cannot be checked for public access",
            ]);
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { policyData: `{"bindings":[{"role":"roles/storage.objectViewer","members":["${"a".repeat(300_000)}"]}]}` })), [
                "Cloud Storage IAM policy assets-readers (policyData) is 300067 characters long, more than the 262144 this pack reads, so it cannot be checked for public access",
            ]);
            assert.deepEqual(messages(bucketIam("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", { policyData: JSON.stringify({ bindings: [{ role: "roles/storage.objectViewer", members: ["user:ana@acme.example"] }] }) })), []);
        });

        it("flags legacy ACLs that name the public: predefined ACLs, role entities, access controls", function () {
            assert.deepEqual(messages({ type: "gcp:storage/bucketACL:BucketACL", name: "assets", props: { bucket: BUCKET, predefinedAcl: "publicRead" } }), [
                "Cloud Storage bucket ACL assets applies the public predefined ACL publicRead (predefinedAcl)",
            ]);
            assert.deepEqual(messages({ type: "gcp:storage/bucketACL:BucketACL", name: "assets", props: { bucket: BUCKET, roleEntities: ["OWNER:project-owners-123456", "READER:allUsers"], defaultAcl: "authenticatedRead" } }), [
                "Cloud Storage bucket ACL assets applies the public predefined ACL authenticatedRead (defaultAcl)",
                "Cloud Storage bucket ACL assets grants READER to allUsers (roleEntities[1])",
            ]);
            assert.deepEqual(messages({ type: "gcp:storage/defaultObjectACL:DefaultObjectACL", name: "assets", props: { bucket: BUCKET, roleEntities: ["READER:allAuthenticatedUsers"] } }), [
                "Cloud Storage default object ACL assets grants READER to allAuthenticatedUsers (roleEntities[0])",
            ]);
            assert.deepEqual(messages({ type: "gcp:storage/objectAccessControl:ObjectAccessControl", name: "logo", props: { bucket: BUCKET, object: "logo.png", entity: "allUsers", role: "READER" } }), [
                "Cloud Storage object access control logo grants READER to allUsers (entity)",
            ]);
            assert.deepEqual(messages({ type: "gcp:storage/bucketAccessControl:BucketAccessControl", name: "assets", props: { bucket: BUCKET, entity: "group-platform@acme.example", role: "READER" } }), []);
            assert.deepEqual(messages({ type: "gcp:storage/objectACL:ObjectACL", name: "logo", props: { bucket: BUCKET, object: "logo.png", predefinedAcl: "bucketOwnerRead", roleEntities: ["READER:user-ana@acme.example"] } }), []);
        });
    });

    describe("firewall rules", function () {
        it("passes rules that admit data-store ports from the VPC only, egress, disabled rules and other ports", function () {
            assert.deepEqual(messages(firewall({})), []);
            assert.deepEqual(messages(firewall({ sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["443", "80"] }] })), []);
            assert.deepEqual(messages(firewall({ sourceRanges: ["0.0.0.0/0"], disabled: true })), []);
            assert.deepEqual(messages(firewall({ sourceRanges: undefined, destinationRanges: ["0.0.0.0/0"], direction: "EGRESS" })), []);
            assert.deepEqual(messages(firewall({ sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "udp", ports: ["6379"] }] })), []);
        });

        it("flags a data-store port, a range covering one, or every port open to the internet", function () {
            assert.deepEqual(messages(firewall({ sourceRanges: ["0.0.0.0/0"] })), ["firewall db allows[0] (tcp 5432) opens PostgreSQL (5432) to the internet (0.0.0.0/0)"]);
            assert.deepEqual(messages(firewall({ sourceRanges: ["10.0.0.0/8", "::/0"], allows: [{ protocol: "tcp", ports: ["22", "6000-7000"] }] })), ["firewall db allows[0] (tcp 6000-7000) opens Redis (6379) to the internet (::/0)"]);
            assert.deepEqual(messages(firewall({ sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "all" }] })), [
                "firewall db allows[0] (all traffic) opens MySQL (3306), PostgreSQL (5432), Redis (6379), Elasticsearch (9200), MongoDB (27017) to the internet (0.0.0.0/0)",
            ]);
        });
    });

    describe("Compute Engine data hosts", function () {
        const instance = (labels: Record<string, string>, networkInterface: Record<string, unknown>): TestResource => ({
            type: "gcp:compute/instance:Instance",
            name: "kafka-0",
            props: { machineType: "n2-standard-4", zone: "europe-west1-b", bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } }, labels, networkInterfaces: [{ subnetwork: "platform-prod", ...networkInterface }] },
        });

        it("flags an external IP on an instance or template labelled as holding data", function () {
            assert.deepEqual(messages(instance({ role: "kafka-broker" }, { accessConfigs: [{ networkTier: "PREMIUM" }] })), [
                "Compute Engine instance kafka-0 is a data host (label role=kafka-broker) with an external IP address (networkInterfaces[0].accessConfigs)",
            ]);
            const template: TestResource = {
                type: "gcp:compute/instanceTemplate:InstanceTemplate",
                name: "db",
                props: { machineType: "n2-standard-4", disks: [{ sourceImage: "debian-cloud/debian-12" }], labels: { "data-classification": "confidential" }, networkInterfaces: [{ network: "platform-prod", ipv6AccessConfigs: [{ networkTier: "PREMIUM" }] }] },
            };
            assert.deepEqual(messages(template), ["instance template db is a data host (label data-classification=confidential) with an external IP address (networkInterfaces[0].ipv6AccessConfigs)"]);
        });

        it("passes a data host without an external IP, and a web server with one", function () {
            assert.deepEqual(messages(instance({ role: "postgres" }, {})), []);
            assert.deepEqual(messages(instance({ role: "postgres" }, { accessConfigs: [] })), []);
            assert.deepEqual(messages(instance({ role: "web", "data-classification": "public" }, { accessConfigs: [{}] })), []);
        });
    });

    it("does not judge Memorystore, which has no public address", function () {
        assert.deepEqual(messages(memorystoreRedis({ authorizedNetwork: "projects/acme/global/networks/default", connectMode: "DIRECT_PEERING" })), []);
    });

    it("reports the advisory can't-run result while a value is unknown during preview", function () {
        const [outcome] = checkResource(noPublicDataStores, cloudSql({ settings: { ipConfiguration: { ipv4Enabled: UNKNOWN } } }));
        assert.equal(outcome.kind, "unknown");
    });

    it("is critical, mandatory in every tier, and exemptable", function () {
        assert.deepEqual(verdictsOn(noPublicDataStores, [cloudSql({ settings: { ipConfiguration: { ipv4Enabled: true } } }), bucket({ publicAccessPrevention: "inherited" })]), {
            severity: "critical",
            enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" },
            exemptable: true,
        });
    });
});
