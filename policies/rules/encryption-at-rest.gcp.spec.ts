import { strict as assert } from "assert";
import { artifactRepository, bucket, cloudSql, gkeCluster, KMS_KEY, memorystoreRedis, secret } from "../test-support/gcp-fixtures";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { encryptionAtRest, GCP_CMEK_INPUTS } from "./encryption-at-rest";

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(encryptionAtRest, resource, options));

const topic = (props: Record<string, unknown>): TestResource => ({ type: "gcp:pubsub/topic:Topic", name: "events", props: { name: "platform-prod-events", ...props } });
const disk = (props: Record<string, unknown>): TestResource => ({ type: "gcp:compute/disk:Disk", name: "data", props: { zone: "europe-west1-b", size: 100, type: "pd-ssd", ...props } });
const regionDisk = (props: Record<string, unknown>): TestResource => ({ type: "gcp:compute/regionDisk:RegionDisk", name: "data", props: { region: "europe-west1", replicaZones: ["europe-west1-b", "europe-west1-c"], size: 100, ...props } });
const regionalSecret = (props: Record<string, unknown>): TestResource => ({ type: "gcp:secretmanager/regionalSecret:RegionalSecret", name: "jwt", props: { secretId: "jwt", location: "europe-west1", ...props } });
const redisCluster = (props: Record<string, unknown>): TestResource => ({ type: "gcp:redis/cluster:Cluster", name: "sessions", props: { shardCount: 3, ...props } });
const valkey = (props: Record<string, unknown>): TestResource => ({ type: "gcp:memorystore/instance:Instance", name: "valkey", props: { shardCount: 1, ...props } });

const vm = (props: Record<string, unknown>): TestResource => ({ type: "gcp:compute/instance:Instance", name: "vm", props: { machineType: "e2-small", zone: "europe-west1-b", networkInterfaces: [{ subnetwork: "platform-prod" }], ...props } });
const template = (type: string, disks: unknown[]): TestResource => ({ type, name: "vm", props: { machineType: "e2-small", region: "europe-west1", disks, networkInterfaces: [{ network: "platform-prod" }] } });

/** Each GCP type, encrypted with the project's key and without one. */
const CASES: readonly { readonly encrypted: TestResource; readonly plain: TestResource; readonly message: string }[] = [
    { encrypted: cloudSql(), plain: cloudSql({ encryptionKeyName: undefined }), message: "Cloud SQL instance postgres is not encrypted with a customer-managed Cloud KMS key (encryptionKeyName is not set; prod requires CMEK)" },
    {
        encrypted: memorystoreRedis(),
        plain: memorystoreRedis({ customerManagedKey: "" }),
        message: "Memorystore for Redis instance redis is not encrypted with a customer-managed Cloud KMS key (customerManagedKey is not set; prod requires CMEK)",
    },
    { encrypted: redisCluster({ kmsKey: KMS_KEY }), plain: redisCluster({}), message: "Memorystore for Redis cluster sessions is not encrypted with a customer-managed Cloud KMS key (kmsKey is not set; prod requires CMEK)" },
    { encrypted: valkey({ kmsKey: KMS_KEY }), plain: valkey({}), message: "Memorystore instance valkey is not encrypted with a customer-managed Cloud KMS key (kmsKey is not set; prod requires CMEK)" },
    {
        encrypted: gkeCluster(),
        plain: gkeCluster({ databaseEncryption: { state: "DECRYPTED", keyName: undefined } }),
        message: "GKE cluster cluster is not encrypted with a customer-managed Cloud KMS key (databaseEncryption {state: ENCRYPTED, keyName}, the envelope encryption of Kubernetes secrets, is not set; prod requires CMEK)",
    },
    {
        encrypted: artifactRepository(),
        plain: artifactRepository({ kmsKeyName: undefined }),
        message: "Artifact Registry repository services is not encrypted with a customer-managed Cloud KMS key (kmsKeyName is not set; prod requires CMEK)",
    },
    {
        encrypted: secret(),
        plain: secret({ replication: { auto: { customerManagedEncryption: undefined } } }),
        message: "Secret Manager secret jwt is not encrypted with a customer-managed Cloud KMS key (replication customerManagedEncryption.kmsKeyName is not set; prod requires CMEK)",
    },
    {
        encrypted: regionalSecret({ customerManagedEncryption: { kmsKeyName: KMS_KEY } }),
        plain: regionalSecret({}),
        message: "Secret Manager regional secret jwt is not encrypted with a customer-managed Cloud KMS key (customerManagedEncryption.kmsKeyName is not set; prod requires CMEK)",
    },
    { encrypted: bucket(), plain: bucket({ encryption: undefined }), message: "Cloud Storage bucket assets is not encrypted with a customer-managed Cloud KMS key (encryption.defaultKmsKeyName is not set; prod requires CMEK)" },
    { encrypted: topic({ kmsKeyName: KMS_KEY }), plain: topic({}), message: "Pub/Sub topic events is not encrypted with a customer-managed Cloud KMS key (kmsKeyName is not set; prod requires CMEK)" },
    {
        encrypted: disk({ diskEncryptionKey: { kmsKeySelfLink: KMS_KEY } }),
        plain: disk({}),
        message: "Compute Engine disk data is not encrypted with a customer-managed Cloud KMS key (diskEncryptionKey.kmsKeySelfLink is not set; prod requires CMEK)",
    },
    {
        encrypted: regionDisk({ diskEncryptionKey: { kmsKeyName: KMS_KEY } }),
        plain: regionDisk({ diskEncryptionKey: {} }),
        message: "Compute Engine regional disk data is not encrypted with a customer-managed Cloud KMS key (diskEncryptionKey.kmsKeyName is not set; prod requires CMEK)",
    },
    {
        encrypted: vm({ bootDisk: { kmsKeySelfLink: KMS_KEY, initializeParams: { image: "debian-cloud/debian-12" } } }),
        plain: vm({ bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } } }),
        message: "Compute Engine instance vm is not encrypted with a customer-managed Cloud KMS key (bootDisk.kmsKeySelfLink is not set; prod requires CMEK)",
    },
    {
        encrypted: template("gcp:compute/instanceTemplate:InstanceTemplate", [{ boot: true, sourceImage: "debian-cloud/debian-12", diskEncryptionKey: { kmsKeySelfLink: KMS_KEY } }, { source: "data-disk" }]),
        plain: template("gcp:compute/instanceTemplate:InstanceTemplate", [{ boot: true, sourceImage: "debian-cloud/debian-12", diskEncryptionKey: { kmsKeySelfLink: KMS_KEY } }, { diskSizeGb: 100 }]),
        message: "instance template vm is not encrypted with a customer-managed Cloud KMS key (disks[].diskEncryptionKey.kmsKeySelfLink is not set; prod requires CMEK)",
    },
    {
        encrypted: template("gcp:compute/regionInstanceTemplate:RegionInstanceTemplate", [{ boot: true, sourceImage: "debian-cloud/debian-12", diskEncryptionKey: { kmsKeySelfLink: KMS_KEY } }]),
        plain: template("gcp:compute/regionInstanceTemplate:RegionInstanceTemplate", [{ boot: true, sourceImage: "debian-cloud/debian-12" }]),
        message: "regional instance template vm is not encrypted with a customer-managed Cloud KMS key (disks[].diskEncryptionKey.kmsKeySelfLink is not set; prod requires CMEK)",
    },
];

describe("policy encryption-at-rest on GCP", function () {
    it("has one case here for every GCP type it judges", function () {
        assert.deepEqual(CASES.map(({ encrypted }) => encrypted.type).sort(), Object.keys(GCP_CMEK_INPUTS).sort());
        assert.ok(Object.keys(GCP_CMEK_INPUTS).every((type) => encryptionAtRest.resourceTypes.includes(type)));
    });

    for (const { encrypted, plain, message } of CASES) {
        it(`${encrypted.type}: passes the project's key, flags its absence in prod and staging`, function () {
            assert.deepEqual(messages(encrypted), []);
            assert.deepEqual(messages(plain), [message]);
            assert.deepEqual(messages(plain, { tier: "staging" }), [message.replace("prod requires", "staging requires")]);
        });
    }

    it("asks nothing of dev, where Google-managed encryption is enough", function () {
        for (const { plain } of CASES) assert.deepEqual(messages(plain, { tier: "dev" }), [], plain.type);
    });

    it("takes GKE secrets encryption only when ENCRYPTED with a key", function () {
        assert.deepEqual(messages(gkeCluster({ databaseEncryption: { state: "ENCRYPTED", keyName: undefined } })).length, 1);
        assert.deepEqual(messages(gkeCluster({ databaseEncryption: { state: "DECRYPTED" } })).length, 1);
        assert.deepEqual(messages(gkeCluster({ databaseEncryption: undefined })).length, 1);
    });

    it("takes user-managed secret replication only when every replica has a key, and customer-supplied disk keys", function () {
        const replicas = (...keys: (string | undefined)[]) =>
            secret({ replication: { auto: undefined, userManaged: { replicas: keys.map((key, index) => ({ location: `europe-west${index + 1}`, ...(key ? { customerManagedEncryption: { kmsKeyName: key } } : {}) })) } } });
        assert.deepEqual(messages(replicas(KMS_KEY, KMS_KEY)), []);
        assert.deepEqual(messages(replicas(KMS_KEY, undefined)).length, 1);
        assert.deepEqual(messages(disk({ diskEncryptionKey: { rsaEncryptedKey: "ieCx/NcW06PcT7Ep1X6LUTc/hLvUDYyzSZPPVCVPTVEohpeHASqC8uw5TzyO9U+Fka9JFHz0mBibXUInrC/jEk014kCK/NPjYgEMOyssZ4ZINPKxlUh2zn1bV+MCaTICrdmuSBTWlUUiFoDD6PYznLwh8ZNdaheCeZ8ewEXgFQ8V+sDroLaN3Xs3MDTXQEMMoNUXMCZEIpg9Vtp9x2oeQ5lAbtt7bYAAHf5l+gJWw3sUfs0/Glw5fpdjT8Uggrr+RMZezGrltJEF293rvTIjWOEB3z5OHyHwQkvdrPDFcTqsLfh+8Hr8g+mf+7zVPEC8nEbqpdl3GPv3A7AwpFp7MA==" } })), []);
    });

    it("leaves an instance's existing boot disk to the Disk resource that made it", function () {
        assert.deepEqual(messages(vm({ bootDisk: { source: "projects/acme/zones/europe-west1-b/disks/vm-boot" } })), []);
    });

    it("reports the advisory can't-run result while a key is unknown during preview", function () {
        const [outcome] = checkResource(encryptionAtRest, cloudSql({ encryptionKeyName: UNKNOWN }));
        assert.equal(outcome.kind, "unknown");
    });

    it("is mandatory wherever it reports, and exemptable", function () {
        assert.deepEqual(verdictsOn(encryptionAtRest, [cloudSql({ encryptionKeyName: undefined })]), { severity: "high", enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
