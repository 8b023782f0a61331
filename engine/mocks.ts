import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** The account every offline render pretends to deploy into. */
export const OFFLINE_ACCOUNT_ID = "123456789012";
/** The Google Cloud project of a GCP stack without `gcp:project`, and the project number every render uses. */
export const OFFLINE_GCP_PROJECT = "offline-project";
export const OFFLINE_GCP_PROJECT_NUMBER = "412345678901";

type State = Record<string, unknown>;

/** A value the engine would mark secret, in the wire form the SDK recognises. */
export function secretValue(value: unknown): State {
    return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

/** Deterministic hex from a seed, so that two renders of the same stack are identical. */
function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Auto-naming like the AWS provider: `<logical name>-<7 hex>`. */
function autoName(inputs: State, name: string, seed: string): string {
    return typeof inputs.name === "string" ? inputs.name : `${name}-${hex(seed, 7)}`;
}

interface ResourceContext {
    readonly name: string;
    readonly inputs: State;
    readonly seed: string;
    readonly region: string;
    /** The Google Cloud project (GCP stacks). */
    readonly project: string;
    /** Reserved address ranges by name, as GCP resources created earlier in the render allocated them. */
    readonly ranges: Map<string, string>;
}

type OutputFactory = (context: ResourceContext) => { id: string; outputs: State };

const account = OFFLINE_ACCOUNT_ID;

function withId(prefix: string): OutputFactory {
    return ({ seed }) => ({ id: `${prefix}-${hex(seed, 17)}`, outputs: {} });
}

const GOOGLE_APIS = "https://www.googleapis.com";
const projectNumber = OFFLINE_GCP_PROJECT_NUMBER;

/** A decimal id such as GCP's numeric ids, from a seed. */
function digits(seed: string, length: number): string {
    return BigInt(`0x${hex(seed, 24)}`).toString().padStart(length, "7").slice(0, length);
}

/** `10.30.32.0` + n, within a reserved range. */
function addressIn(range: string | undefined, offset: number, fallbackSeed: string): string {
    const base = range ?? `10.${parseInt(hex(fallbackSeed, 2), 16) % 200}.0.0/16`;
    const start = base.split("/")[0].split(".").reduce((value, octet) => value * 256 + Number(octet), 0) + offset;
    return [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join(".");
}

/** Service agents by API, as Google names them. */
const SERVICE_AGENT_DOMAINS: Readonly<Record<string, string>> = {
    "sqladmin.googleapis.com": "gcp-sa-cloud-sql",
    "artifactregistry.googleapis.com": "gcp-sa-artifactregistry",
    "secretmanager.googleapis.com": "gcp-sa-secretmanager",
    "pubsub.googleapis.com": "gcp-sa-pubsub",
    "redis.googleapis.com": "cloud-redis",
    "container.googleapis.com": "container-engine-robot",
};

/** What the Google provider returns for the types the program creates (self links, numeric ids, private addresses). */
const GCP_OUTPUTS: Readonly<Record<string, OutputFactory>> = {
    "gcp:projects/service:Service": ({ inputs, project }) => ({ id: `${project}/${String(inputs.service)}`, outputs: { project } }),
    "gcp:projects/serviceIdentity:ServiceIdentity": ({ inputs, project }) => {
        const service = String(inputs.service);
        const email = `service-${projectNumber}@${SERVICE_AGENT_DOMAINS[service] ?? `gcp-sa-${service.split(".")[0]}`}.iam.gserviceaccount.com`;
        return { id: `projects/${project}/services/${service}`, outputs: { email, member: `serviceAccount:${email}`, project } };
    },
    "gcp:kms/keyRing:KeyRing": ({ inputs, project }) => ({ id: `projects/${project}/locations/${String(inputs.location)}/keyRings/${String(inputs.name)}`, outputs: { project } }),
    "gcp:kms/cryptoKey:CryptoKey": ({ inputs }) => ({ id: `${String(inputs.keyRing)}/cryptoKeys/${String(inputs.name)}`, outputs: { primaries: [{ name: `${String(inputs.keyRing)}/cryptoKeys/${String(inputs.name)}/cryptoKeyVersions/1`, state: "ENABLED" }] } }),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": ({ inputs, seed }) => ({ id: `${String(inputs.cryptoKeyId)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `BwY${hex(seed, 9)}=` } }),
    "gcp:projects/iAMMember:IAMMember": ({ inputs, seed }) => ({ id: `${String(inputs.project)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `BwY${hex(seed, 9)}=` } }),
    "gcp:serviceaccount/iAMMember:IAMMember": ({ inputs, seed }) => ({ id: `${String(inputs.serviceAccountId)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `BwY${hex(seed, 9)}=` } }),
    "gcp:serviceaccount/account:Account": ({ inputs, seed, project }) => {
        const email = `${String(inputs.accountId)}@${project}.iam.gserviceaccount.com`;
        return { id: `projects/${project}/serviceAccounts/${email}`, outputs: { email, name: `projects/${project}/serviceAccounts/${email}`, member: `serviceAccount:${email}`, uniqueId: digits(seed, 21), project } };
    },
    "gcp:compute/network:Network": ({ inputs, seed, project }) => {
        const id = `projects/${project}/global/networks/${String(inputs.name)}`;
        return { id, outputs: { selfLink: `${GOOGLE_APIS}/compute/v1/${id}`, numericId: digits(seed, 19), project } };
    },
    "gcp:compute/subnetwork:Subnetwork": ({ inputs, project, region, seed }) => {
        const id = `projects/${project}/regions/${String(inputs.region ?? region)}/subnetworks/${String(inputs.name)}`;
        return { id, outputs: { selfLink: `${GOOGLE_APIS}/compute/v1/${id}`, gatewayAddress: addressIn(String(inputs.ipCidrRange), 1, seed), project } };
    },
    "gcp:compute/router:Router": ({ inputs, project, region }) => {
        const id = `projects/${project}/regions/${String(inputs.region ?? region)}/routers/${String(inputs.name)}`;
        return { id, outputs: { selfLink: `${GOOGLE_APIS}/compute/v1/${id}`, project } };
    },
    "gcp:compute/routerNat:RouterNat": ({ inputs, project, region }) => ({ id: `${project}/${String(inputs.region ?? region)}/${String(inputs.router)}/${String(inputs.name)}`, outputs: { project } }),
    "gcp:compute/globalAddress:GlobalAddress": ({ inputs, project, ranges }) => {
        const id = `projects/${project}/global/addresses/${String(inputs.name)}`;
        ranges.set(String(inputs.name), `${String(inputs.address)}/${String(inputs.prefixLength)}`);
        return { id, outputs: { selfLink: `${GOOGLE_APIS}/compute/v1/${id}`, project } };
    },
    "gcp:servicenetworking/connection:Connection": ({ inputs }) => ({ id: `${String(inputs.network)}:${String(inputs.service)}`, outputs: { peering: "servicenetworking-googleapis-com" } }),
    "gcp:artifactregistry/repository:Repository": ({ inputs, project, region }) => {
        const location = String(inputs.location ?? region);
        const repositoryId = String(inputs.repositoryId);
        return { id: `projects/${project}/locations/${location}/repositories/${repositoryId}`, outputs: { name: repositoryId, location, project, createTime: "2026-01-01T00:00:00Z" } };
    },
    "gcp:container/cluster:Cluster": ({ inputs, seed, project, region }) => {
        const location = String(inputs.location ?? region);
        const id = `projects/${project}/locations/${location}/clusters/${String(inputs.name)}`;
        const privateConfig = (inputs.privateClusterConfig as State | undefined) ?? {};
        const privateEndpoint = addressIn(String(privateConfig.masterIpv4CidrBlock ?? ""), 2, seed);
        const publicEndpoint = `34.${parseInt(hex(seed, 2), 16)}.${parseInt(hex(seed + "b", 2), 16)}.${parseInt(hex(seed + "c", 2), 16)}`;
        return {
            id,
            outputs: {
                location,
                project,
                selfLink: `https://container.googleapis.com/v1/${id}`,
                endpoint: privateConfig.enablePrivateEndpoint === true ? privateEndpoint : publicEndpoint,
                masterVersion: `${String(inputs.minMasterVersion ?? "1.35")}.2-gke.1200000`,
                masterAuth: { ...(inputs.masterAuth as State | undefined), clusterCaCertificate: Buffer.from(`-----BEGIN CERTIFICATE-----\n${hex(seed, 64)}\n-----END CERTIFICATE-----\n`).toString("base64") },
                privateClusterConfig: { ...privateConfig, privateEndpoint, publicEndpoint, peeringName: `gke-n${hex(seed, 18)}-peer` },
                labelFingerprint: hex(seed, 8),
            },
        };
    },
    "gcp:container/nodePool:NodePool": ({ inputs, seed, project }) => {
        const id = `${String(inputs.cluster)}/nodePools/${String(inputs.name)}`;
        return { id, outputs: { project, instanceGroupUrls: [`${GOOGLE_APIS}/compute/v1/projects/${project}/zones/x/instanceGroupManagers/gke-${hex(seed, 8)}-grp`], version: "1.35.2-gke.1200000" } };
    },
    "gcp:secretmanager/secret:Secret": ({ inputs, project }) => ({
        id: `projects/${project}/secrets/${String(inputs.secretId)}`,
        outputs: { name: `projects/${projectNumber}/secrets/${String(inputs.secretId)}`, project, createTime: "2026-01-01T00:00:00Z" },
    }),
    "gcp:secretmanager/secretVersion:SecretVersion": ({ inputs }) => {
        const name = `${String(inputs.secret).replace(/^projects\/[^/]+/, `projects/${projectNumber}`)}/versions/1`;
        return { id: name, outputs: { name, version: "1", enabled: true } };
    },
    "gcp:sql/databaseInstance:DatabaseInstance": ({ inputs, seed, project, region, ranges }) => {
        const name = String(inputs.name);
        const settings = (inputs.settings as State | undefined) ?? {};
        const ipConfiguration = (settings.ipConfiguration as State | undefined) ?? {};
        const privateIpAddress = addressIn(ranges.get(String(ipConfiguration.allocatedIpRange)), 3, seed);
        return {
            id: name,
            outputs: {
                connectionName: `${project}:${String(inputs.region ?? region)}:${name}`,
                privateIpAddress,
                firstIpAddress: privateIpAddress,
                ipAddresses: [{ ipAddress: privateIpAddress, type: "PRIVATE" }],
                publicIpAddress: "",
                selfLink: `https://sqladmin.googleapis.com/sql/v1beta4/projects/${project}/instances/${name}`,
                serviceAccountEmailAddress: `p${projectNumber}-${hex(seed, 6)}@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
                dnsName: `${hex(seed, 12)}.${hex(seed + "dns", 4)}.${String(inputs.region ?? region)}.sql.goog.`,
                project,
            },
        };
    },
    "gcp:sql/database:Database": ({ inputs, project }) => ({ id: `projects/${project}/instances/${String(inputs.instance)}/databases/${String(inputs.name)}`, outputs: { project } }),
    "gcp:sql/user:User": ({ inputs }) => ({ id: `${String(inputs.name)}//${String(inputs.instance)}`, outputs: {} }),
    "gcp:redis/instance:Instance": ({ inputs, seed, project, region, ranges }) => {
        const location = String(inputs.region ?? region);
        const host = addressIn(ranges.get(String(inputs.reservedIpRange)), 256 + 4, seed);
        return {
            id: `projects/${project}/locations/${location}/instances/${String(inputs.name)}`,
            outputs: {
                host,
                port: 6379,
                readEndpoint: inputs.readReplicasMode === "READ_REPLICAS_ENABLED" ? addressIn(ranges.get(String(inputs.reservedIpRange)), 256 + 5, seed) : "",
                readEndpointPort: inputs.readReplicasMode === "READ_REPLICAS_ENABLED" ? 6379 : 0,
                authString: secretValue(`${hex(seed, 8)}-${hex(seed + "a", 4)}-${hex(seed + "b", 4)}-${hex(seed + "c", 4)}-${hex(seed + "d", 12)}`),
                currentLocationId: `${location}-b`,
                serverCaCerts: [{ cert: `-----BEGIN CERTIFICATE-----\n${hex(seed, 64)}\n-----END CERTIFICATE-----\n`, serialNumber: digits(seed, 10), expireTime: "2036-01-01T00:00:00Z" }],
                project,
            },
        };
    },
    "gcp:storage/bucket:Bucket": ({ inputs, project }) => {
        const name = String(inputs.name);
        return { id: name, outputs: { url: `gs://${name}`, selfLink: `${GOOGLE_APIS}/storage/v1/b/${name}`, projectNumber: Number(projectNumber), project } };
    },
    "gcp:storage/bucketIAMMember:BucketIAMMember": ({ inputs, seed }) => ({ id: `b/${String(inputs.bucket)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `CAE${hex(seed, 6)}=` } }),
    "gcp:pubsub/topic:Topic": ({ inputs, project }) => {
        const topicProject = typeof inputs.project === "string" ? inputs.project : project;
        return { id: `projects/${topicProject}/topics/${String(inputs.name)}`, outputs: { project: topicProject } };
    },
    "gcp:pubsub/subscription:Subscription": ({ inputs, project }) => {
        const subscriptionProject = typeof inputs.project === "string" ? inputs.project : project;
        return { id: `projects/${subscriptionProject}/subscriptions/${String(inputs.name)}`, outputs: { project: subscriptionProject } };
    },
    "gcp:pubsub/topicIAMMember:TopicIAMMember": ({ inputs, seed, project }) => ({ id: `projects/${typeof inputs.project === "string" ? inputs.project : project}/topics/${String(inputs.topic)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `BwY${hex(seed, 9)}=` } }),
    "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember": ({ inputs, seed, project }) => ({ id: `projects/${typeof inputs.project === "string" ? inputs.project : project}/subscriptions/${String(inputs.subscription)}/${String(inputs.role)}/${String(inputs.member)}`, outputs: { etag: `BwY${hex(seed, 9)}=` } }),
    "gcp:monitoring/notificationChannel:NotificationChannel": ({ seed, project }) => {
        const name = `projects/${project}/notificationChannels/${digits(seed, 19)}`;
        return { id: name, outputs: { name, verificationStatus: "VERIFIED", project } };
    },
    "gcp:monitoring/alertPolicy:AlertPolicy": ({ seed, project }) => {
        const name = `projects/${project}/alertPolicies/${digits(seed, 19)}`;
        return { id: name, outputs: { name, project, creationRecords: [{ mutateTime: "2026-01-01T00:00:00Z", mutatedBy: "offline" }] } };
    },
};

/**
 * Realistic outputs per resource type: what the provider returns after create, where later resources or
 * stack outputs read them. Types not listed get an id and their inputs back.
 */
const OUTPUTS: Readonly<Record<string, OutputFactory>> = {
    "aws:ec2/vpc:Vpc": withId("vpc"),
    "aws:ec2/subnet:Subnet": withId("subnet"),
    "aws:ec2/internetGateway:InternetGateway": withId("igw"),
    "aws:ec2/natGateway:NatGateway": withId("nat"),
    "aws:ec2/eip:Eip": ({ seed }) => ({ id: `eipalloc-${hex(seed, 17)}`, outputs: { publicIp: `52.${parseInt(hex(seed, 2), 16)}.${parseInt(hex(seed + "b", 2), 16)}.${parseInt(hex(seed + "c", 2), 16)}` } }),
    "aws:ec2/routeTable:RouteTable": withId("rtb"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": withId("rtbassoc"),
    "aws:ec2/securityGroup:SecurityGroup": ({ name, inputs, seed, region }) => {
        const id = `sg-${hex(seed, 17)}`;
        return { id, outputs: { name: autoName(inputs, name, seed), arn: `arn:aws:ec2:${region}:${account}:security-group/${id}` } };
    },
    "aws:kms/key:Key": ({ seed, region }) => {
        const keyId = [8, 4, 4, 4, 12].map((length, index) => hex(`${seed}${index}`, length)).join("-");
        return { id: keyId, outputs: { keyId, arn: `arn:aws:kms:${region}:${account}:key/${keyId}` } };
    },
    "aws:kms/alias:Alias": ({ inputs, region }) => ({ id: String(inputs.name), outputs: { arn: `arn:aws:kms:${region}:${account}:${String(inputs.name)}` } }),
    "aws:ecr/repository:Repository": ({ inputs, region }) => {
        const repositoryName = String(inputs.name);
        return {
            id: repositoryName,
            outputs: {
                arn: `arn:aws:ecr:${region}:${account}:repository/${repositoryName}`,
                registryId: account,
                repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${repositoryName}`,
            },
        };
    },
    "aws:iam/role:Role": ({ name, inputs, seed }) => {
        const roleName = autoName(inputs, name, seed);
        return { id: roleName, outputs: { name: roleName, arn: `arn:aws:iam::${account}:role/${roleName}`, uniqueId: `AROA${hex(seed, 17).toUpperCase()}` } };
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ({ inputs }) => {
        const host = String(inputs.url).replace(/^https:\/\//, "");
        const arn = `arn:aws:iam::${account}:oidc-provider/${host}`;
        return { id: arn, outputs: { arn } };
    },
    "aws:eks/cluster:Cluster": ({ inputs, seed, region }) => {
        const clusterName = String(inputs.name);
        const issuerId = hex(seed, 32).toUpperCase();
        return {
            id: clusterName,
            outputs: {
                arn: `arn:aws:eks:${region}:${account}:cluster/${clusterName}`,
                endpoint: `https://${issuerId}.gr7.${region}.eks.amazonaws.com`,
                certificateAuthority: { data: Buffer.from(`-----BEGIN CERTIFICATE-----\n${hex(seed, 64)}\n-----END CERTIFICATE-----\n`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${issuerId}` }] }],
                vpcConfig: { ...(inputs.vpcConfig as State), clusterSecurityGroupId: `sg-${hex(seed + "cluster", 17)}`, vpcId: `vpc-${hex(seed, 17)}` },
                status: "ACTIVE",
                platformVersion: "eks.9",
            },
        };
    },
    "aws:eks/nodeGroup:NodeGroup": ({ inputs, name, seed, region }) => {
        const nodeGroupName = `${name}-${hex(seed, 7)}`;
        return { id: `${String(inputs.clusterName)}:${nodeGroupName}`, outputs: { nodeGroupName, arn: `arn:aws:eks:${region}:${account}:nodegroup/${String(inputs.clusterName)}/${nodeGroupName}/${hex(seed, 8)}`, status: "ACTIVE" } };
    },
    "aws:cloudwatch/logGroup:LogGroup": ({ name, inputs, seed, region }) => {
        const groupName = autoName(inputs, name, seed);
        return { id: groupName, outputs: { name: groupName, arn: `arn:aws:logs:${region}:${account}:log-group:${groupName}` } };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": ({ name, inputs, seed, region }) => {
        const alarmName = autoName(inputs, name, seed);
        return { id: alarmName, outputs: { name: alarmName, arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}` } };
    },
    "aws:sns/topic:Topic": ({ name, inputs, seed, region }) => {
        const topicName = autoName(inputs, name, seed);
        const arn = `arn:aws:sns:${region}:${account}:${topicName}`;
        return { id: arn, outputs: { name: topicName, arn } };
    },
    "aws:sns/topicSubscription:TopicSubscription": ({ inputs, seed }) => ({ id: `${String(inputs.topic)}:${hex(seed, 8)}`, outputs: { pendingConfirmation: true } }),
    "aws:secretsmanager/secret:Secret": ({ inputs, seed, region }) => {
        const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${String(inputs.name)}-${hex(seed, 6)}`;
        return { id: arn, outputs: { arn } };
    },
    "aws:secretsmanager/secretVersion:SecretVersion": ({ inputs, seed }) => ({ id: `${String(inputs.secretId)}|${hex(seed, 8)}`, outputs: { versionId: hex(seed, 32), arn: inputs.secretId } }),
    "aws:rds/subnetGroup:SubnetGroup": ({ name, inputs, seed, region }) => {
        const groupName = autoName(inputs, name, seed);
        return { id: groupName, outputs: { name: groupName, arn: `arn:aws:rds:${region}:${account}:subgrp:${groupName}` } };
    },
    "aws:rds/parameterGroup:ParameterGroup": ({ name, inputs, seed, region }) => {
        const groupName = autoName(inputs, name, seed);
        return { id: groupName, outputs: { name: groupName, arn: `arn:aws:rds:${region}:${account}:pg:${groupName}` } };
    },
    "aws:rds/instance:Instance": ({ inputs, seed, region }) => {
        const identifier = String(inputs.identifier);
        const address = `${identifier}.c${hex(seed, 12)}.${region}.rds.amazonaws.com`;
        return {
            id: `db-${hex(seed, 26).toUpperCase()}`,
            outputs: { address, endpoint: `${address}:5432`, port: 5432, arn: `arn:aws:rds:${region}:${account}:db:${identifier}`, resourceId: `db-${hex(seed, 26).toUpperCase()}` },
        };
    },
    "aws:elasticache/subnetGroup:SubnetGroup": ({ name, inputs, seed }) => {
        const groupName = autoName(inputs, name, seed);
        return { id: groupName, outputs: { name: groupName } };
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": ({ inputs, seed, region }) => {
        const groupId = String(inputs.replicationGroupId);
        const host = `${groupId}.${hex(seed, 6)}.${region.replace(/-/g, "").slice(0, 4)}.cache.amazonaws.com`;
        const members = Array.from({ length: Number(inputs.numCacheClusters ?? 1) }, (_, index) => `${groupId}-${String(index + 1).padStart(3, "0")}`);
        return {
            id: groupId,
            outputs: { arn: `arn:aws:elasticache:${region}:${account}:replicationgroup:${groupId}`, primaryEndpointAddress: `master.${host}`, readerEndpointAddress: `replica.${host}`, memberClusters: members },
        };
    },
    "aws:s3/bucket:Bucket": ({ name, inputs, seed, region }) => {
        // The provider names a bucket from bucketPrefix plus 26 characters (a timestamp and a counter) when no name is given.
        const bucket = typeof inputs.bucket === "string" ? inputs.bucket : `${typeof inputs.bucketPrefix === "string" ? inputs.bucketPrefix : `${name}-`}${hex(seed, 26)}`;
        return {
            id: bucket,
            outputs: {
                bucket,
                arn: `arn:aws:s3:::${bucket}`,
                bucketDomainName: `${bucket}.s3.amazonaws.com`,
                bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
                hostedZoneId: "Z1BKCTXD74EZPE",
                region,
            },
        };
    },
    "aws:sqs/queue:Queue": ({ name, inputs, seed, region }) => {
        const queueName = autoName(inputs, name, seed);
        const url = `https://sqs.${region}.amazonaws.com/${account}/${queueName}`;
        return { id: url, outputs: { name: queueName, url, arn: `arn:aws:sqs:${region}:${account}:${queueName}` } };
    },
    "aws:backup/vault:Vault": ({ name, inputs, seed, region }) => {
        const vaultName = autoName(inputs, name, seed);
        return { id: vaultName, outputs: { name: vaultName, arn: `arn:aws:backup:${region}:${account}:backup-vault:${vaultName}`, recoveryPoints: 0 } };
    },
    "aws:backup/plan:Plan": ({ seed, region }) => {
        const planId = [8, 4, 4, 4, 12].map((length, index) => hex(`${seed}${index}`, length)).join("-");
        return { id: planId, outputs: { arn: `arn:aws:backup:${region}:${account}:backup-plan:${planId}`, version: hex(seed + "version", 32) } };
    },
    "aws:backup/selection:Selection": ({ seed }) => ({ id: [8, 4, 4, 4, 12].map((length, index) => hex(`${seed}${index}`, length)).join("-"), outputs: {} }),
    ...GCP_OUTPUTS,
    "docker:index/image:Image": ({ inputs, seed }) => {
        const imageName = String(inputs.imageName);
        const repository = imageName.slice(0, imageName.lastIndexOf(":") > imageName.lastIndexOf("/") ? imageName.lastIndexOf(":") : imageName.length);
        const digest = `sha256:${createHash("sha256").update(seed + imageName).digest("hex")}`;
        return { id: `${imageName}@${digest}`, outputs: { imageName, repoDigest: `${repository}@${digest}`, digest } };
    },
    "docker:index/network:Network": ({ inputs, seed }) => ({ id: hex(seed, 64), outputs: { name: inputs.name, driver: inputs.driver ?? "bridge", scope: "local", internal: false, ipamConfigs: [{ subnet: `172.${18 + (parseInt(hex(seed, 2), 16) % 10)}.0.0/16`, gateway: `172.${18 + (parseInt(hex(seed, 2), 16) % 10)}.0.1` }] } }),
    "docker:index/volume:Volume": ({ inputs }) => ({ id: String(inputs.name), outputs: { name: inputs.name, driver: "local", mountpoint: `/var/lib/docker/volumes/${String(inputs.name)}/_data` } }),
    "docker:index/remoteImage:RemoteImage": ({ inputs, seed }) => {
        // A pulled image's repo digest is the one its name pins; a built one has none until pushed. The image id is the config digest.
        const name = String(inputs.name);
        const at = name.indexOf("@");
        const repository = name.slice(0, at === -1 ? name.length : at).replace(/:[^/:]+$/, "");
        const imageId = `sha256:${createHash("sha256").update(seed + name).digest("hex")}`;
        return { id: `${imageId}${name}`, outputs: { imageId, repoDigest: at === -1 ? "" : `${repository}${name.slice(at)}` } };
    },
    "docker:index/container:Container": ({ inputs, seed }) => ({
        id: hex(seed, 64),
        outputs: {
            name: inputs.name,
            exitCode: null,
            networkDatas: [{ networkName: String(((inputs.networksAdvanced as State[] | undefined)?.[0] ?? {}).name ?? "bridge"), ipAddress: `172.18.0.${2 + (parseInt(hex(seed, 2), 16) % 250)}`, gateway: "172.18.0.1" }],
        },
    }),
    "random:index/randomPassword:RandomPassword": ({ inputs, seed }) => {
        const length = Number(inputs.length ?? 16);
        const value = createHash("sha512").update(seed).digest("base64").replace(/[^A-Za-z0-9]/g, "").padEnd(length, "x").slice(0, length);
        return { id: "none", outputs: { result: secretValue(value), bcryptHash: secretValue(`$2a$10$${hex(seed, 53)}`) } };
    },
};

function kubernetesOutputs({ name, inputs, seed }: ResourceContext): { id: string; outputs: State } {
    const metadata = (inputs.metadata as State | undefined) ?? {};
    const objectName = typeof metadata.name === "string" ? metadata.name : `${name}-${hex(seed, 8)}`;
    const namespace = typeof metadata.namespace === "string" ? metadata.namespace : undefined;
    return {
        id: namespace ? `${namespace}/${objectName}` : objectName,
        outputs: { metadata: { ...metadata, name: objectName, uid: [8, 4, 4, 4, 12].map((length, index) => hex(`${seed}${index}`, length)).join("-") } },
    };
}

/** Direction words of region names as AWS abbreviates them in zone ids (`us-east-1` -> `use1-az1`). */
const ZONE_ID_WORDS: Readonly<Record<string, string>> = {
    gov: "g", east: "e", west: "w", north: "n", south: "s", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw",
};

/** The zone-id prefix of a region, as AWS forms it: `eu-west-1` -> `euw1`, `ap-southeast-2` -> `apse2`, `us-gov-west-1` -> `usgw1`. */
export function zoneIdPrefix(region: string): string {
    const [area, ...rest] = region.split("-");
    return area + rest.map((part) => ZONE_ID_WORDS[part] ?? part).join("");
}

/** Zone letters of GCP regions whose zones are not a, b, c (most are); an offline render names them as Google does. */
const GCP_ZONE_LETTERS: Readonly<Record<string, readonly string[]>> = {
    "europe-west1": ["b", "c", "d"],
    "us-east1": ["b", "c", "d"],
    "us-central1": ["a", "b", "c", "f"],
    "asia-east1": ["a", "b", "c"],
};

/** Answers for the data-source calls the program makes. */
function invokeResult(token: string, region: string, project: string, args: State): State {
    switch (token) {
        case "gcp:compute/getZones:getZones": {
            const zoneRegion = typeof args.region === "string" ? args.region : region;
            return { id: `projects/${project}/regions/${zoneRegion}`, project, region: zoneRegion, names: (GCP_ZONE_LETTERS[zoneRegion] ?? ["a", "b", "c"]).map((zone) => `${zoneRegion}-${zone}`) };
        }
        case "gcp:organizations/getProject:getProject": {
            const projectId = typeof args.projectId === "string" ? args.projectId : project;
            return { id: `projects/${projectId}`, projectId, number: projectNumber, name: projectId, labels: {}, effectiveLabels: {} };
        }
        case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": {
            const emailAddress = `service-${projectNumber}@gs-project-accounts.iam.gserviceaccount.com`;
            return { id: emailAddress, emailAddress, member: `serviceAccount:${emailAddress}`, project: typeof args.project === "string" ? args.project : project };
        }
        case "gcp:organizations/getClientConfig:getClientConfig":
            return { id: `projects/${project}/regions/${region}/zones/`, project, region, zone: "", accessToken: secretValue(`ya29.offline-${hex(project, 16)}`), defaultLabels: {} };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { id: region, names: ["a", "b", "c"].map((zone) => `${region}${zone}`), zoneIds: [1, 2, 3].map((zone) => `${zoneIdPrefix(region)}-az${zone}`), state: "available" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { id: account, accountId: account, arn: `arn:aws:iam::${account}:user/offline`, userId: "AIDAOFFLINE" };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                id: region,
                userName: "AWS",
                password: secretValue(`offline-ecr-token-${region}`),
                authorizationToken: secretValue(Buffer.from(`AWS:offline-ecr-token-${region}`).toString("base64")),
                proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
                expiresAt: "2099-01-01T00:00:00Z",
            };
        default:
            throw new Error(`no offline answer for the data source ${token}; add one to engine/mocks.ts`);
    }
}

/** Runtime mocks that return, per resource type, the outputs the cloud would. */
export function platformMocks(stack: string, region: string, project = OFFLINE_GCP_PROJECT): pulumi.runtime.Mocks {
    const ranges = new Map<string, string>();
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
            const inputs = (args.inputs ?? {}) as State;
            const context: ResourceContext = { name: args.name, inputs, seed: `${stack}/${args.type}/${args.name}`, region, project, ranges };
            const factory = OUTPUTS[args.type] ?? (args.type.startsWith("kubernetes:") && args.custom ? kubernetesOutputs : undefined);
            const { id, outputs } = factory ? factory(context) : { id: `${args.name}-${hex(context.seed, 8)}`, outputs: {} };
            return { id: args.custom === false ? "" : id, state: { ...inputs, ...outputs } };
        },
        call(args: pulumi.runtime.MockCallArgs): State {
            return invokeResult(args.token, region, project, (args.inputs ?? {}) as State);
        },
    };
}
