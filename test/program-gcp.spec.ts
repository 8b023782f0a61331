import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { GCP_APIS } from "../components/clouds/gcp";
import { ConfigError, ConfigProblem, parsePlatformConfig } from "../config/load";
import { RenderedResource, RenderedStack, renderStack } from "../engine/render";
import { isSecretEnvelope, unwrapSecrets } from "../engine/secrets";
import { ALL_STACKS } from "../tools/plan";
import { ofType, plainInputs, PROJECT_DIR, renderedStack, single } from "./support/stacks";

/** The program on Google Cloud, per tier: which resources exist, with which properties. */

type Inputs = Record<string, unknown>;
const GCP_STACKS = ["gcp-dev", "gcp-staging", "gcp-prod"] as const;
const REGION = "europe-west1";

function inputsOf(stack: RenderedStack, type: string): Inputs {
    return plainInputs(single(stack, type));
}

function get(value: unknown, ...keys: (string | number)[]): unknown {
    let current = value;
    for (const key of keys) current = (current as Record<string | number, unknown> | undefined)?.[key];
    return current;
}

function dependsOn(resource: RenderedResource, dependency: RenderedResource): boolean {
    return resource.dependencies.includes(dependency.urn);
}

function apiService(stack: RenderedStack, api: string): RenderedResource {
    const found = ofType(stack, "gcp:projects/service:Service").filter((resource) => plainInputs(resource).service === api);
    assert.equal(found.length, 1, `one ${api} in ${stack.stack}`);
    return found[0];
}

const yesNo = (value: unknown): string => (value === true ? "yes" : "no");

/** How each row of README.md's GCP tier table is read off a rendered stack; a row without one fails. */
const TABLE_EXTRACTORS: Readonly<Record<string, (stack: RenderedStack) => string>> = {
    "GKE location": (stack) => {
        const cluster = inputsOf(stack, "gcp:container/cluster:Cluster");
        return cluster.location === REGION ? `regional, ${(cluster.nodeLocations as string[]).length} zones` : "one zone";
    },
    "GKE API endpoint": (stack) => (get(inputsOf(stack, "gcp:container/cluster:Cluster"), "privateClusterConfig", "enablePrivateEndpoint") === true ? "private" : "public, authorized networks"),
    "GKE nodes min/max (machine type)": (stack) => {
        const pool = inputsOf(stack, "gcp:container/nodePool:NodePool");
        return `${String(get(pool, "autoscaling", "totalMinNodeCount"))}/${String(get(pool, "autoscaling", "totalMaxNodeCount"))} (${String(get(pool, "nodeConfig", "machineType"))})`;
    },
    "GKE deletion protection": (stack) => yesNo(inputsOf(stack, "gcp:container/cluster:Cluster").deletionProtection),
    "Cloud SQL tier": (stack) => String(get(inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance"), "settings", "tier")),
    "Cloud SQL availability": (stack) => String(get(inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance"), "settings", "availabilityType")),
    "Cloud SQL deletion protection": (stack) => yesNo(inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance").deletionProtection),
    "Cloud SQL backups kept (PITR log days)": (stack) => {
        const backups = get(inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance"), "settings", "backupConfiguration");
        return `${String(get(backups, "backupRetentionSettings", "retainedBackups"))} (${String(get(backups, "transactionLogRetentionDays"))})`;
    },
    "Memorystore": (stack) => {
        const redis = inputsOf(stack, "gcp:redis/instance:Instance");
        const replicas = Number(redis.replicaCount ?? 0);
        return [String(redis.tier), ...(replicas > 0 ? [`${replicas} replica${replicas === 1 ? "" : "s"}`] : []), `${String(redis.memorySizeGb)} GB`].join(", ");
    },
};

function readGcpTierTable(): { property: string; byStack: Record<string, string> }[] {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const table = /<!-- gcp-tier-table:start -->\n([\s\S]*?)<!-- gcp-tier-table:end -->/.exec(readme);
    if (!table) throw new Error("README.md has no GCP tier table between the gcp-tier-table markers");
    const [header, , ...body] = table[1].trim().split("\n").map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    return body.map(([property, ...cells]) => ({ property, byStack: Object.fromEntries(header.slice(1).map((stack, index) => [stack, cells[index]])) }));
}

describe("the program on Google Cloud (gcp-dev, gcp-staging, gcp-prod)", function () {
    describe("README.md's GCP tier table", function () {
        const rows = readGcpTierTable();
        it("covers gcp-dev, gcp-staging and gcp-prod", function () {
            assert.ok(rows.length >= 9);
            for (const row of rows) assert.deepEqual(Object.keys(row.byStack), [...GCP_STACKS]);
        });
        for (const row of rows) {
            it(`${row.property}: ${Object.entries(row.byStack).map(([stack, value]) => `${stack} ${value}`).join(", ")}`, async function () {
                const extract = TABLE_EXTRACTORS[row.property];
                assert.ok(extract, `no extractor for README row "${row.property}"`);
                for (const [stack, documented] of Object.entries(row.byStack)) assert.equal(extract(await renderedStack(stack)), documented, `${stack}: ${row.property}`);
            });
        }
    });

    describe("every GCP stack", function () {
        for (const name of GCP_STACKS) {
            it(`${name}: everything goes through one explicit gcp provider for the stack's project and region, with the standard labels`, async function () {
                const stack = await renderedStack(name);
                const provider = inputsOf(stack, "pulumi:providers:gcp");
                assert.equal(provider.project, `acme-platform-${name.slice(4)}`);
                assert.equal(provider.region, REGION);
                assert.deepEqual(JSON.parse(String(provider.defaultLabels)), { environment: name, project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering" });
                assert.deepEqual(stack.resources.filter((resource) => resource.type.startsWith("aws:")), []);
                const gcpResources = stack.resources.filter((resource) => resource.custom && resource.type.startsWith("gcp:"));
                assert.ok(gcpResources.length > 40);
                for (const resource of gcpResources) assert.match(String(resource.provider), /\$pulumi:providers:gcp::platform-gcp-[a-z]+-gcp::/, resource.urn);
            });

            it(`${name}: enables every API it uses, and data stores wait for theirs, their key grant and the private services connection`, async function () {
                const stack = await renderedStack(name);
                assert.deepEqual(ofType(stack, "gcp:projects/service:Service").map((resource) => plainInputs(resource).service).sort(), [...GCP_APIS].sort());
                for (const resource of ofType(stack, "gcp:projects/service:Service")) assert.equal(plainInputs(resource).disableOnDestroy, false);
                const database = single(stack, "gcp:sql/databaseInstance:DatabaseInstance");
                assert.ok(dependsOn(database, apiService(stack, "sqladmin.googleapis.com")));
                assert.ok(dependsOn(database, single(stack, "gcp:servicenetworking/connection:Connection")));
                const sqlKeyGrant = ofType(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").find((grant) => String(plainInputs(grant).member).includes("gcp-sa-cloud-sql"));
                assert.ok(sqlKeyGrant && dependsOn(database, sqlKeyGrant), "Cloud SQL waits until its service agent may use the key");
                assert.ok(dependsOn(single(stack, "gcp:container/cluster:Cluster"), apiService(stack, "container.googleapis.com")));
                // GKE encrypts Secrets through its robot and disks through Compute Engine's agent: both must hold the key first.
                for (const agent of ["container-engine-robot", "compute-system"]) {
                    const keyGrant = ofType(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").find((grant) => String(plainInputs(grant).member).includes(`@${agent}.`));
                    assert.ok(keyGrant && dependsOn(single(stack, "gcp:container/cluster:Cluster"), keyGrant), `the cluster waits until ${agent} may use the key`);
                }
                assert.ok(dependsOn(single(stack, "gcp:redis/instance:Instance"), apiService(stack, "redis.googleapis.com")));
                // The APIs order the children; they are not a setting of the components, and not recorded as one.
                for (const component of stack.resources.filter((resource) => !resource.custom)) assert.ok(!("apis" in component.inputs), `${component.urn} records no apis`);
                assert.ok(stack.resources.some((resource) => !resource.custom && "kmsKeyId" in resource.inputs), "components still record their settings");
            });

            it(`${name}: one Cloud KMS key, rotated every 90 days, encrypts every data store, secret, image, Kubernetes Secret and disk`, async function () {
                const stack = await renderedStack(name);
                const key = single(stack, "gcp:kms/cryptoKey:CryptoKey");
                assert.equal(plainInputs(key).rotationPeriod, "7776000s");
                const keyName = `projects/acme-platform-${name.slice(4)}/locations/${REGION}/keyRings/platform-${name}-keys/cryptoKeys/data`;
                assert.equal(inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance").encryptionKeyName, keyName);
                assert.equal(inputsOf(stack, "gcp:redis/instance:Instance").customerManagedKey, keyName);
                assert.equal(inputsOf(stack, "gcp:artifactregistry/repository:Repository").kmsKeyName, keyName);
                assert.deepEqual(get(inputsOf(stack, "gcp:container/cluster:Cluster"), "databaseEncryption"), { state: "ENCRYPTED", keyName });
                assert.equal(get(inputsOf(stack, "gcp:container/nodePool:NodePool"), "nodeConfig", "bootDiskKmsKey"), keyName);
                assert.equal(get(inputsOf(stack, "kubernetes:storage.k8s.io/v1:StorageClass"), "parameters", "disk-encryption-kms-key"), keyName);
                for (const secret of ofType(stack, "gcp:secretmanager/secret:Secret")) {
                    assert.deepEqual(get(plainInputs(secret), "replication", "userManaged", "replicas"), [{ location: REGION, customerManagedEncryption: { kmsKeyName: keyName } }]);
                }
                const agents = ofType(stack, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((grant) => plainInputs(grant));
                assert.ok(agents.every((grant) => grant.role === "roles/cloudkms.cryptoKeyEncrypterDecrypter"));
                assert.deepEqual(agents.map((grant) => String(grant.member).split("@")[1]).sort(), [
                    "cloud-redis.iam.gserviceaccount.com",
                    "compute-system.iam.gserviceaccount.com",
                    "container-engine-robot.iam.gserviceaccount.com",
                    "gcp-sa-artifactregistry.iam.gserviceaccount.com",
                    "gcp-sa-cloud-sql.iam.gserviceaccount.com",
                    "gcp-sa-pubsub.iam.gserviceaccount.com",
                    "gcp-sa-secretmanager.iam.gserviceaccount.com",
                    "gs-project-accounts.iam.gserviceaccount.com",
                ]);
            });

            it(`${name}: a custom-mode VPC, a regional subnet with pod and service ranges, Cloud NAT and private services access`, async function () {
                const stack = await renderedStack(name);
                assert.equal(inputsOf(stack, "gcp:compute/network:Network").autoCreateSubnetworks, false);
                const subnet = inputsOf(stack, "gcp:compute/subnetwork:Subnetwork");
                assert.equal(subnet.region, REGION);
                assert.equal(subnet.privateIpGoogleAccess, true);
                assert.deepEqual((subnet.secondaryIpRanges as Inputs[]).map((range) => range.rangeName), ["pods", "services"]);
                assert.equal(inputsOf(stack, "gcp:compute/routerNat:RouterNat").sourceSubnetworkIpRangesToNat, "ALL_SUBNETWORKS_ALL_IP_RANGES");
                const range = inputsOf(stack, "gcp:compute/globalAddress:GlobalAddress");
                assert.deepEqual([range.purpose, range.addressType, range.prefixLength], ["VPC_PEERING", "INTERNAL", 20]);
                assert.equal(inputsOf(stack, "gcp:servicenetworking/connection:Connection").service, "servicenetworking.googleapis.com");
            });

            it(`${name}: Cloud SQL PostgreSQL 16 with a private IP only, TLS required and point-in-time recovery; Memorystore with AUTH and TLS`, async function () {
                const stack = await renderedStack(name);
                const database = inputsOf(stack, "gcp:sql/databaseInstance:DatabaseInstance");
                assert.equal(database.databaseVersion, "POSTGRES_16");
                assert.deepEqual(get(database, "settings", "ipConfiguration", "ipv4Enabled"), false);
                assert.equal(get(database, "settings", "ipConfiguration", "sslMode"), "ENCRYPTED_ONLY");
                assert.match(String(get(database, "settings", "ipConfiguration", "privateNetwork")), /^projects\/acme-platform-[a-z]+\/global\/networks\/platform-gcp-[a-z]+-vpc$/);
                assert.equal(get(database, "settings", "ipConfiguration", "authorizedNetworks"), undefined);
                assert.equal(get(database, "settings", "backupConfiguration", "enabled"), true);
                assert.equal(get(database, "settings", "backupConfiguration", "pointInTimeRecoveryEnabled"), true);
                assert.deepEqual(get(database, "settings", "maintenanceWindow"), { day: 7, hour: 4, updateTrack: "stable" });
                const redis = inputsOf(stack, "gcp:redis/instance:Instance");
                assert.deepEqual([redis.authEnabled, redis.transitEncryptionMode, redis.connectMode], [true, "SERVER_AUTHENTICATION", "PRIVATE_SERVICE_ACCESS"]);
                // Memorystore generates the AUTH string; the platform stores no token of its own for it.
                assert.ok(!ofType(stack, "gcp:secretmanager/secret:Secret").some((secret) => String(plainInputs(secret).secretId).endsWith("redis-auth-token")));
                for (const version of ofType(stack, "gcp:secretmanager/secretVersion:SecretVersion")) assert.ok(isSecretEnvelope(version.inputs.secretData), version.urn);
            });

            it(`${name}: no basic role (owner, editor) and no public member anywhere`, async function () {
                const stack = await renderedStack(name);
                const bindings = stack.resources.filter((resource) => /IAMMember$|IAMBinding$/.test(resource.type)).map((resource) => plainInputs(resource));
                assert.ok(bindings.length > 0);
                for (const binding of bindings) {
                    assert.ok(!["roles/owner", "roles/editor", "roles/viewer"].includes(String(binding.role)), String(binding.role));
                    assert.ok(!/^(allUsers|allAuthenticatedUsers)$/.test(String(binding.member)), String(binding.member));
                }
            });
        }
    });

    describe("per tier", function () {
        it("prod: Cloud SQL REGIONAL with deletion protection, 30 backups and 7 days of transaction logs", async function () {
            const database = inputsOf(await renderedStack("gcp-prod"), "gcp:sql/databaseInstance:DatabaseInstance");
            assert.equal(database.deletionProtection, true);
            assert.equal(get(database, "settings", "deletionProtectionEnabled"), true);
            assert.equal(get(database, "settings", "availabilityType"), "REGIONAL");
            assert.equal(get(database, "settings", "tier"), "db-custom-4-16384");
            assert.equal(get(database, "settings", "backupConfiguration", "transactionLogRetentionDays"), 7);
            assert.deepEqual(get(database, "settings", "backupConfiguration", "backupRetentionSettings"), { retainedBackups: 30, retentionUnit: "COUNT" });
            assert.equal(get(database, "settings", "retainBackupsOnDelete"), true);
        });

        it("dev: Cloud SQL ZONAL, deletable, one backup kept", async function () {
            const database = inputsOf(await renderedStack("gcp-dev"), "gcp:sql/databaseInstance:DatabaseInstance");
            assert.equal(database.deletionProtection, false);
            assert.equal(get(database, "settings", "availabilityType"), "ZONAL");
            assert.equal(get(database, "settings", "backupConfiguration", "transactionLogRetentionDays"), 1);
            assert.deepEqual(get(database, "settings", "backupConfiguration", "backupRetentionSettings"), { retainedBackups: 1, retentionUnit: "COUNT" });
        });

        it("dev: a zonal GKE cluster with a public endpoint limited to the authorized networks, and no deletion protection", async function () {
            const stack = await renderedStack("gcp-dev");
            const cluster = inputsOf(stack, "gcp:container/cluster:Cluster");
            assert.equal(cluster.location, `${REGION}-b`, "the region's first zone, as the zones data source lists them");
            assert.equal(cluster.nodeLocations, undefined);
            assert.equal(get(cluster, "privateClusterConfig", "enablePrivateNodes"), true);
            assert.equal(get(cluster, "privateClusterConfig", "enablePrivateEndpoint"), false);
            assert.deepEqual(get(cluster, "masterAuthorizedNetworksConfig", "cidrBlocks"), [{ cidrBlock: "0.0.0.0/0", displayName: "operators-0" }]);
            assert.equal(cluster.deletionProtection, false);
            const narrowed = await renderStack({ projectDir: PROJECT_DIR, stack: "gcp-dev", configOverrides: { "platform:cluster": JSON.stringify({ publicAccessCidrs: ["203.0.113.0/24"] }) } });
            assert.deepEqual(get(inputsOf(narrowed, "gcp:container/cluster:Cluster"), "masterAuthorizedNetworksConfig", "cidrBlocks"), [{ cidrBlock: "203.0.113.0/24", displayName: "operators-0" }]);
        });

        for (const [name, zones, nodes, machine] of [["gcp-staging", 3, [2, 4], "n2-standard-2"], ["gcp-prod", 3, [3, 12], "n2-standard-4"]] as const) {
            it(`${name}: a regional GKE cluster across ${zones} zones, private endpoint, deletion protection, autoscaled ${nodes[0]}-${nodes[1]} ${machine} nodes`, async function () {
                const stack = await renderedStack(name);
                const cluster = inputsOf(stack, "gcp:container/cluster:Cluster");
                assert.equal(cluster.location, REGION);
                assert.deepEqual(cluster.nodeLocations, ["b", "c", "d"].map((zone) => `${REGION}-${zone}`));
                assert.equal(get(cluster, "privateClusterConfig", "enablePrivateEndpoint"), true);
                assert.equal(get(cluster, "privateClusterConfig", "enablePrivateNodes"), true);
                assert.deepEqual(get(cluster, "masterAuthorizedNetworksConfig", "cidrBlocks"), [{ cidrBlock: name === "gcp-prod" ? "10.30.0.0/20" : "10.20.0.0/20", displayName: "nodes" }]);
                assert.equal(cluster.deletionProtection, true);
                assert.equal(cluster.datapathProvider, "ADVANCED_DATAPATH");
                assert.equal(cluster.enableShieldedNodes, true);
                assert.deepEqual(cluster.releaseChannel, { channel: "REGULAR" });
                assert.equal(cluster.minMasterVersion, "1.35");
                assert.deepEqual(cluster.workloadIdentityConfig, { workloadPool: `acme-platform-${name.slice(4)}.svc.id.goog` });
                assert.equal(cluster.removeDefaultNodePool, true);
                const pool = inputsOf(stack, "gcp:container/nodePool:NodePool");
                assert.deepEqual(pool.autoscaling, { totalMinNodeCount: nodes[0], totalMaxNodeCount: nodes[1], locationPolicy: "BALANCED" });
                assert.equal(get(pool, "nodeConfig", "machineType"), machine);
                assert.deepEqual(get(pool, "nodeConfig", "shieldedInstanceConfig"), { enableSecureBoot: true, enableIntegrityMonitoring: true });
                assert.deepEqual(get(pool, "nodeConfig", "workloadMetadataConfig"), { mode: "GKE_METADATA" });
                assert.equal(get(pool, "nodeConfig", "serviceAccount"), `platform-${name}-gke-nodes@acme-platform-${name.slice(4)}.iam.gserviceaccount.com`);
            });
        }

        it("Memorystore: STANDARD_HA with replicas outside dev, BASIC in dev; RDB snapshots where the tier keeps them", async function () {
            const dev = inputsOf(await renderedStack("gcp-dev"), "gcp:redis/instance:Instance");
            const staging = inputsOf(await renderedStack("gcp-staging"), "gcp:redis/instance:Instance");
            const prod = inputsOf(await renderedStack("gcp-prod"), "gcp:redis/instance:Instance");
            assert.deepEqual([dev.tier, dev.replicaCount, dev.memorySizeGb, get(dev, "persistenceConfig", "persistenceMode")], ["BASIC", undefined, 1, "DISABLED"]);
            assert.deepEqual([staging.tier, staging.replicaCount, staging.memorySizeGb], ["STANDARD_HA", 1, 2]);
            assert.deepEqual([prod.tier, prod.replicaCount, prod.memorySizeGb, prod.redisVersion, get(prod, "persistenceConfig", "persistenceMode")], ["STANDARD_HA", 2, 5, "REDIS_7_2", "RDB"]);
        });

        it("Artifact Registry: immutable tags and untagged versions deleted after the tier's expiry", async function () {
            for (const [name, days] of [["gcp-dev", 7], ["gcp-prod", 30]] as const) {
                const repository = inputsOf(await renderedStack(name), "gcp:artifactregistry/repository:Repository");
                assert.deepEqual(repository.dockerConfig, { immutableTags: true });
                assert.equal(repository.format, "DOCKER");
                assert.deepEqual(repository.cleanupPolicies, [{ id: "delete-untagged", action: "DELETE", condition: { tagState: "UNTAGGED", olderThan: `${days * 86_400}s` } }]);
            }
        });

        it("alerts: one notification channel per address, Cloud SQL and Memorystore policies, and the in-cluster Prometheus", async function () {
            const prod = await renderedStack("gcp-prod");
            assert.deepEqual(ofType(prod, "gcp:monitoring/notificationChannel:NotificationChannel").map((channel) => get(plainInputs(channel), "labels", "email_address")), ["platform-oncall@example.com", "platform-alerts@example.com"]);
            const filters = ofType(prod, "gcp:monitoring/alertPolicy:AlertPolicy").map((policy) => String(get(plainInputs(policy), "conditions", 0, "conditionThreshold", "filter")));
            for (const metric of ["database/cpu/utilization", "database/memory/utilization", "database/disk/utilization", "database/postgresql/num_backends"]) {
                assert.ok(filters.some((filter) => filter.includes(`cloudsql.googleapis.com/${metric}`) && filter.includes('database_id = "acme-platform-prod:platform-gcp-prod-postgres"')), metric);
            }
            for (const metric of ["stats/memory/usage_ratio", "stats/cpu_utilization_main_thread", "clients/connected", "stats/evicted_keys"]) {
                assert.ok(filters.some((filter) => filter.includes(`redis.googleapis.com/${metric}`)), metric);
            }
            assert.equal(ofType(prod, "kubernetes:helm.sh/v3:Release").filter((release) => plainInputs(release).chart === "kube-prometheus-stack").length, 1);
            // The platform's alerts, and the canary analysis' recording rules.
            assert.deepEqual(ofType(prod, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((rule) => (plainInputs(rule).metadata as { name: string }).name).sort(), ["canary-analysis", "platform-alerts"]);
        });

        it("outputs: the data stores' private addresses in the private services range, and a kubeconfig for gke-gcloud-auth-plugin", async function () {
            const prod = await renderedStack("gcp-prod");
            const outputs = unwrapSecrets(prod.outputs) as Inputs;
            assert.equal(outputs.postgresEndpoint, "10.30.32.3:5432");
            assert.equal(outputs.redisEndpoint, "10.30.33.4:6379");
            const kubeconfig = JSON.parse(String(outputs.kubeconfig)) as Inputs;
            assert.equal(get(kubeconfig, "users", 0, "user", "exec", "command"), "gke-gcloud-auth-plugin");
            assert.match(String(get(kubeconfig, "clusters", 0, "cluster", "server")), /^https:\/\/10\.30\.48\.\d+$/, "the private endpoint, in the control-plane range");
            assert.deepEqual(Object.keys(outputs.registryUrls as Inputs), ["api", "worker"]);
            assert.equal((outputs.registryUrls as Inputs).api, `${REGION}-docker.pkg.dev/acme-platform-prod/platform-gcp-prod-images/api`);
        });
    });

    describe("services on GKE", function () {
        it("cloudAccess becomes a Google service account bound through Workload Identity: a role on an exact bucket on that bucket, any other under a condition on the names", async function () {
            const services = [{
                name: "api",
                image: `${REGION}-docker.pkg.dev/acme-platform-prod/platform-gcp-prod-images/api@sha256:${"a".repeat(64)}`,
                port: 8080,
                health: { liveness: "/healthz", readiness: "/readyz" },
                cloudAccess: [
                    { actions: ["roles/storage.objectViewer"], resources: ["projects/_/buckets/uploads-prod"] },
                    { actions: ["roles/secretmanager.secretAccessor"], resources: ["projects/acme-platform-prod/secrets/api-"] },
                ],
            }];
            const stack = await renderStack({
                projectDir: PROJECT_DIR,
                stack: "gcp-prod",
                configOverrides: { "platform:services": JSON.stringify(services), "platform:messaging": JSON.stringify({ topics: {} }) },
            });
            const accounts = ofType(stack, "gcp:serviceaccount/account:Account").map((resource) => plainInputs(resource).accountId);
            assert.deepEqual(accounts.sort(), ["platform-gcp-prod-api", "platform-gcp-prod-gke-nodes"]);
            const binding = inputsOf(stack, "gcp:serviceaccount/iAMMember:IAMMember");
            assert.deepEqual([binding.role, binding.member], ["roles/iam.workloadIdentityUser", "serviceAccount:acme-platform-prod.svc.id.goog[apps/api]"]);
            const member = "serviceAccount:platform-gcp-prod-api@acme-platform-prod.iam.gserviceaccount.com";
            const bucketGrants = ofType(stack, "gcp:storage/bucketIAMMember:BucketIAMMember").map((resource) => plainInputs(resource)).filter((grant) => grant.member === member);
            assert.deepEqual(bucketGrants.map((grant) => [grant.bucket, grant.role, grant.condition]), [["uploads-prod", "roles/storage.objectViewer", undefined]]);
            const projectGrants = ofType(stack, "gcp:projects/iAMMember:IAMMember").map((resource) => plainInputs(resource)).filter((grant) => grant.member === member);
            assert.deepEqual(projectGrants.map((grant) => [grant.role, get(grant, "condition", "expression")]), [
                ["roles/secretmanager.secretAccessor", 'resource.name.startsWith("projects/acme-platform-prod/secrets/api-")'],
            ]);
            const serviceAccount = ofType(stack, "kubernetes:core/v1:ServiceAccount").map((resource) => plainInputs(resource)).find((candidate) => get(candidate, "metadata", "name") === "api");
            assert.deepEqual(get(serviceAccount, "metadata", "annotations"), { "iam.gke.io/gcp-service-account": "platform-gcp-prod-api@acme-platform-prod.iam.gserviceaccount.com" });
            const policy = ofType(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((resource) => plainInputs(resource)).find((candidate) => get(candidate, "metadata", "name") === "api");
            const egress = get(policy, "spec", "egress") as Inputs[];
            assert.deepEqual(egress.filter((rule) => JSON.stringify(rule).includes("169.254.")), [
                { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
                { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
            ]);
        });

        it("a service without cloudAccess, storage or messaging gets no Google identity and no metadata-server egress", async function () {
            const services = (parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.gcp-prod.yaml"), "utf8")) as { config: Record<string, Inputs[]> }).config["platform:services"]
                .map((service) => ({ ...service, storage: undefined }));
            const stack = await renderStack({
                projectDir: PROJECT_DIR,
                stack: "gcp-prod",
                configOverrides: { "platform:services": JSON.stringify(services), "platform:messaging": JSON.stringify({ topics: {} }) },
            });
            assert.deepEqual(ofType(stack, "gcp:serviceaccount/account:Account").map((resource) => plainInputs(resource).accountId), ["platform-gcp-prod-gke-nodes"]);
            for (const policy of ofType(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy")) assert.ok(!JSON.stringify(policy.inputs).includes("169.254.169.254"));
        });

        it("dev builds the api from source and pushes it to Artifact Registry with the deployer's OAuth token", async function () {
            const image = inputsOf(await renderedStack("gcp-dev"), "docker:index/image:Image");
            assert.match(String(image.imageName), new RegExp(`^${REGION}-docker\\.pkg\\.dev/acme-platform-dev/platform-gcp-dev-images/api:[0-9a-f]{12}-[0-9a-f]{12}$`));
            assert.deepEqual([get(image, "registry", "server"), get(image, "registry", "username")], [`${REGION}-docker.pkg.dev`, "oauth2accesstoken"]);
        });
    });

    describe("stacks and config", function () {
        it("the plan lists the GCP stacks beside the AWS ones, each a gcp stack file of its tier", function () {
            assert.deepEqual([...ALL_STACKS], ["local", "dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"]);
            for (const name of GCP_STACKS) {
                const file = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, unknown> };
                assert.deepEqual([file.config["platform:cloud"], file.config["platform:tier"]], ["gcp", name.slice(4)]);
            }
        });

        const GCP_BASE: Readonly<Record<string, string>> = {
            "platform:cloud": "gcp",
            "gcp:project": "acme-platform-dev",
            "gcp:region": REGION,
            "platform:services": JSON.stringify([{ name: "api", image: `${REGION}-docker.pkg.dev/p/r/api@sha256:${"b".repeat(64)}`, port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } }]),
        };
        const problemsOf = (values: Readonly<Record<string, string>>): readonly ConfigProblem[] => {
            try {
                parsePlatformConfig({ stack: "dev", project: "platform", values, secretKeys: new Set(), detectedRelease: { sha: "0123456", date: "2026-01-01", actor: "ci" } });
            } catch (error) {
                if (error instanceof ConfigError) return error.problems;
                throw error;
            }
            return assert.fail("expected a ConfigError");
        };

        it("a GCP stack parses with the GCP defaults of its tier", function () {
            const config = parsePlatformConfig({ stack: "dev", project: "platform", values: GCP_BASE, secretKeys: new Set(), detectedRelease: { sha: "0123456", date: "2026-01-01", actor: "ci" } });
            assert.deepEqual([config.cloud, config.region, config.gcpProject], ["gcp", REGION, "acme-platform-dev"]);
            assert.deepEqual([config.cluster.nodeInstanceTypes, config.postgres.instanceClass, config.redis.nodeType, config.redis.engineVersion], [["e2-standard-2"], "db-custom-1-3840", "1GB", "7.2"]);
        });

        it("a GCP stack without gcp:project, or with a malformed gcp:region, is refused under those keys", function () {
            const { "gcp:project": _project, ...withoutProject } = GCP_BASE;
            assert.deepEqual(problemsOf(withoutProject), [{ key: "gcp:project", expected: "a string", found: "nothing" }]);
            assert.deepEqual(problemsOf({ ...GCP_BASE, "gcp:region": "eu-west-1" }), [{ key: "gcp:region", expected: "a Google Cloud region such as europe-west1", found: '"eu-west-1"' }]);
            assert.deepEqual(problemsOf({ ...GCP_BASE, "gcp:project": "Acme_Prod" }), [{ key: "gcp:project", expected: "a Google Cloud project id such as acme-platform-prod", found: '"Acme_Prod"' }]);
        });

        it("AWS sizes on a GCP stack are refused with GCP's format", function () {
            assert.deepEqual(problemsOf({
                ...GCP_BASE,
                "platform:postgres": JSON.stringify({ instanceClass: "db.r6g.large" }),
                "platform:redis": JSON.stringify({ engineVersion: "7.1", nodeType: "cache.r7g.large" }),
                "platform:cluster": JSON.stringify({ nodeInstanceTypes: ["m6i.large"], adminRoleArns: ["arn:aws:iam::123456789012:role/admins"] }),
            }), [
                { key: "platform:cluster.nodeInstanceTypes[0]", expected: "a Compute Engine machine type such as e2-standard-4", found: '"m6i.large"' },
                { key: "platform:cluster.adminRoleArns", expected: "no roles on gcp: grant roles/container.admin through IAM instead", found: "a list of 1 entry" },
                { key: "platform:postgres.instanceClass", expected: "a Cloud SQL tier such as db-custom-2-7680", found: '"db.r6g.large"' },
                { key: "platform:redis.engineVersion", expected: 'one of "6.x", "7.0", "7.2"', found: '"7.1"' },
                { key: "platform:redis.nodeType", expected: "a Memorystore capacity in GB such as 5GB", found: '"cache.r7g.large"' },
            ]);
        });

        it("cloudAccess on GCP takes IAM roles on resource names, never a basic role", function () {
            const services = JSON.parse(GCP_BASE["platform:services"]) as Inputs[];
            const withAccess = (cloudAccess: unknown): Readonly<Record<string, string>> => ({ ...GCP_BASE, "platform:services": JSON.stringify([{ ...services[0], cloudAccess }]) });
            assert.deepEqual(problemsOf(withAccess([{ actions: ["roles/editor"], resources: ["projects/acme-platform-dev"] }])), [
                { key: "platform:services[0].cloudAccess[0].actions[0]", expected: "a predefined or custom role, not a basic role (owner, editor, viewer)", found: "text of 12 characters" },
            ]);
            assert.deepEqual(problemsOf(withAccess([{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::uploads/*"] }])).map((problem) => problem.key), [
                "platform:services[0].cloudAccess[0].actions[0]",
                "platform:services[0].cloudAccess[0].resources[0]",
            ]);
        });
    });
});
