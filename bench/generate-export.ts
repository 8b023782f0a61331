/**
 * Large synthetic `pulumi stack export` documents (version 3) for benchmarks and the fuzz spec: the resource
 * types of components/ (VPC pieces, security groups, IAM, KMS, RDS, ElastiCache, ECR, Secrets Manager,
 * CloudWatch, SNS) and Kubernetes workloads (Deployments with full pod specs, Services, Secrets, HPAs, PDBs),
 * nested under components with engine-style qualified URNs, providers, dependencies, `__defaults`/`__meta`,
 * `created`/`modified`, and secrets as passphrase-provider ciphertext envelopes. Deterministic: the same count
 * gives the same document, and a smaller count is a prefix of a larger one.
 *
 *   node -r ts-node/register/transpile-only bench/generate-export.ts [count=10000] [file=export-<count>.json]
 */
import * as fs from "fs";
import { mulberry32 } from "../policies/test-support/seeded-random";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const STACK = "prod";
const PROJECT = "platform";
const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const PREFIX = `urn:pulumi:${STACK}::${PROJECT}::`;
const PLATFORM_TYPE = "platform:index:Platform";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Props = { [key: string]: Json };

export interface GeneratedResource {
    urn: string;
    custom: boolean;
    id?: string;
    type: string;
    inputs?: Props;
    outputs?: Props;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    provider?: string;
    created: string;
    modified: string;
}

export interface GeneratedExport {
    version: 3;
    deployment: {
        manifest: { time: string; magic: string; version: string; plugins: { name: string; path: string; type: "resource"; version: string }[] };
        secrets_providers: { type: string; state: { salt: string } };
        resources: GeneratedResource[];
    };
}


class Generator {
    private readonly next = mulberry32(0x5eed);
    readonly resources: GeneratedResource[] = [];
    private clock = Date.UTC(2026, 0, 5, 9, 0, 0);
    private awsProvider = "";
    private k8sProvider = "";
    private platformUrn = "";
    private kmsArn = "";

    constructor(private readonly limit: number) {}

    full(): boolean {
        return this.resources.length >= this.limit;
    }

    private hex(length: number): string {
        let out = "";
        while (out.length < length) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, "0");
        return out.slice(0, length);
    }

    private base64(bytes: number): string {
        const buffer = Buffer.alloc(bytes);
        for (let index = 0; index < bytes; index++) buffer[index] = Math.floor(this.next() * 256);
        return buffer.toString("base64");
    }

    private pick<T>(items: readonly T[]): T {
        return items[Math.floor(this.next() * items.length)];
    }

    /** A secret as `pulumi stack export` writes it under the passphrase provider. */
    secret(plaintextBytes: number): Json {
        return { [SIG]: SECRET_SIG, ciphertext: `v1:${this.base64(12)}:${this.base64(plaintextBytes + 16)}` };
    }

    private timestamps(): { created: string; modified: string } {
        this.clock += 1000 + Math.floor(this.next() * 60000);
        const created = new Date(this.clock).toISOString();
        return { created, modified: this.next() < 0.3 ? new Date(this.clock + 86400000 * (1 + Math.floor(this.next() * 90))).toISOString() : created };
    }

    add(resource: Omit<GeneratedResource, "created" | "modified">): string {
        if (this.full()) return resource.urn;
        this.resources.push({ ...resource, ...this.timestamps() });
        return resource.urn;
    }

    tags(extra: Props = {}): Props {
        return { "cost-centre": "platform-engineering", environment: STACK, "managed-by": "pulumi", project: PROJECT, ...extra };
    }

    labels(app: string): Props {
        return {
            "app.kubernetes.io/component": "service",
            "app.kubernetes.io/instance": `${app}-${STACK}`,
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/part-of": PROJECT,
            "app.kubernetes.io/version": "1.4.2",
            "cost-centre": "platform-engineering",
            environment: STACK,
        };
    }

    /** A TF-bridged AWS resource: `__defaults` in the inputs, `__meta` in the outputs, the provider's reference. */
    aws(parent: string, parentType: string, type: string, name: string, inputs: Props, computed: Props, dependsOn: Record<string, string[]> = {}): string {
        const id = (computed.id as string | undefined) ?? `${name}-${this.hex(7)}`;
        const outputs: Props = { ...inputs, ...computed, id, __meta: '{"e2bfb730-ecaa-11e6-8f88-34363bc7c4c0":{"create":600000000000,"delete":600000000000}}' };
        const dependencies = [...new Set(Object.values(dependsOn).flat())];
        return this.add({
            urn: `${PREFIX}${parentType}$${type}::${name}`,
            custom: true,
            id,
            type,
            inputs: { __defaults: [], ...inputs },
            outputs,
            parent,
            dependencies,
            propertyDependencies: Object.fromEntries(Object.keys(inputs).map((key) => [key, dependsOn[key] ?? []])),
            provider: this.awsProvider,
        });
    }

    k8s(parent: string, parentType: string, type: string, name: string, object: Props, dependsOn: string[] = []): string {
        const metadata = object.metadata as Props;
        const uid = `${this.hex(8)}-${this.hex(4)}-${this.hex(4)}-${this.hex(4)}-${this.hex(12)}`;
        const outputs: Props = { ...object, metadata: { ...metadata, uid, resourceVersion: String(100000 + Math.floor(this.next() * 900000)), generation: 1, creationTimestamp: new Date(this.clock).toISOString() } };
        return this.add({
            urn: `${PREFIX}${parentType}$${type}::${name}`,
            custom: true,
            id: `${metadata.namespace ? `${metadata.namespace as string}/` : ""}${metadata.name as string}`,
            type,
            inputs: object,
            outputs,
            parent,
            dependencies: dependsOn,
            propertyDependencies: Object.fromEntries(Object.keys(object).map((key) => [key, key === "metadata" ? dependsOn : []])),
            provider: this.k8sProvider,
        });
    }

    component(type: string, name: string, parent: string, parentType: string): { urn: string; qualified: string } {
        const qualified = parentType === "" ? type : `${parentType}$${type}`;
        const urn = this.add({ urn: `${PREFIX}${qualified}::${name}`, custom: false, type, parent });
        return { urn, qualified };
    }

    root(): void {
        const stackUrn = this.add({
            urn: `${PREFIX}pulumi:pulumi:Stack::${PROJECT}-${STACK}`,
            custom: false,
            type: "pulumi:pulumi:Stack",
            outputs: { clusterName: `${PROJECT}-${STACK}-eks`, kubeconfig: this.secret(1800), apiUrl: `https://api.${STACK}.example.com` },
        });
        this.platformUrn = this.add({ urn: `${PREFIX}${PLATFORM_TYPE}::${PROJECT}-${STACK}`, custom: false, type: PLATFORM_TYPE, parent: stackUrn });
        const awsId = `${this.hex(8)}-${this.hex(4)}-${this.hex(4)}-${this.hex(4)}-${this.hex(12)}`;
        const awsInputs: Props = { region: REGION, defaultTags: JSON.stringify({ tags: this.tags() }), skipCredentialsValidation: "false", version: "7.48.0" };
        const awsUrn = this.add({
            urn: `${PREFIX}${PLATFORM_TYPE}$pulumi:providers:aws::${PROJECT}-${STACK}-aws`,
            custom: true,
            id: awsId,
            type: "pulumi:providers:aws",
            inputs: awsInputs,
            outputs: awsInputs,
            parent: this.platformUrn,
        });
        this.awsProvider = `${awsUrn}::${awsId}`;
        const k8sId = `${this.hex(8)}-${this.hex(4)}-${this.hex(4)}-${this.hex(4)}-${this.hex(12)}`;
        const k8sUrn = this.add({
            urn: `${PREFIX}${PLATFORM_TYPE}$pulumi:providers:kubernetes::${PROJECT}-${STACK}-k8s`,
            custom: true,
            id: k8sId,
            type: "pulumi:providers:kubernetes",
            inputs: { kubeconfig: this.secret(1800), enableServerSideApply: "true", version: "4.34.2" },
            outputs: { kubeconfig: this.secret(1800), enableServerSideApply: "true", version: "4.34.2" },
            parent: this.platformUrn,
        });
        this.k8sProvider = `${k8sUrn}::${k8sId}`;
        this.kmsArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${this.hex(8)}-${this.hex(4)}-${this.hex(4)}-${this.hex(4)}-${this.hex(12)}`;
    }

    /** Network, data stores and secrets of one "data" group. */
    dataGroup(index: number): void {
        const { urn, qualified } = this.component("platform:data:Postgres", `${PROJECT}-${STACK}-db-${index}`, this.platformUrn, PLATFORM_TYPE);
        const name = `${PROJECT}-${STACK}-db-${index}`;
        const vpcId = `vpc-${this.hex(17)}`;
        const subnetIds: string[] = [];
        for (let zone = 0; zone < 3; zone++) {
            const subnetId = `subnet-${this.hex(17)}`;
            subnetIds.push(subnetId);
            this.aws(urn, qualified, "aws:ec2/subnet:Subnet", `${name}-private-${zone}`, { availabilityZone: `${REGION}${"abc"[zone]}`, cidrBlock: `10.${index % 250}.${zone * 16}.0/20`, tags: this.tags({ Name: `${name}-private-${zone}` }), vpcId }, { id: subnetId, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/${subnetId}`, mapPublicIpOnLaunch: false, ownerId: ACCOUNT });
        }
        const sgId = `sg-${this.hex(17)}`;
        const sgUrn = this.aws(urn, qualified, "aws:ec2/securityGroup:SecurityGroup", `${name}-sg`, {
            description: `Postgres clients of ${STACK}`,
            ingress: [{ description: "Postgres from the cluster nodes", fromPort: 5432, protocol: "tcp", securityGroups: [`sg-${this.hex(17)}`], toPort: 5432, cidrBlocks: [], ipv6CidrBlocks: [], self: false }],
            egress: [],
            tags: this.tags({ Name: name }),
            vpcId,
        }, { id: sgId, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${sgId}`, name: `${name}-sg-${this.hex(7)}`, ownerId: ACCOUNT, revokeRulesOnDelete: false });
        const subnetGroupUrn = this.aws(urn, qualified, "aws:rds/subnetGroup:SubnetGroup", `${name}-subnets`, { subnetIds, tags: this.tags() }, { arn: `arn:aws:rds:${REGION}:${ACCOUNT}:subgrp:${name}-subnets`, supportedNetworkTypes: ["IPV4"], vpcId });
        this.aws(urn, qualified, "aws:rds/instance:Instance", `${name}-db`, {
            allocatedStorage: 100,
            backupRetentionPeriod: 30,
            backupWindow: "03:00-04:00",
            copyTagsToSnapshot: true,
            dbName: "app",
            dbSubnetGroupName: `${name}-subnets-${this.hex(7)}`,
            deletionProtection: this.next() < 0.9,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            engine: "postgres",
            engineVersion: "16",
            finalSnapshotIdentifier: `${name}-final`,
            iamDatabaseAuthenticationEnabled: true,
            identifier: name,
            instanceClass: this.pick(["db.r6g.large", "db.r6g.xlarge", "db.t4g.medium"]),
            kmsKeyId: this.kmsArn,
            maintenanceWindow: "sun:04:30-sun:05:30",
            multiAz: true,
            password: this.secret(32),
            performanceInsightsEnabled: true,
            port: 5432,
            publiclyAccessible: false,
            skipFinalSnapshot: false,
            storageEncrypted: this.next() < 0.95,
            storageType: "gp3",
            tags: this.tags(),
            username: "app_admin",
            vpcSecurityGroupIds: [sgId],
        }, {
            address: `${name}.c${this.hex(12)}.${REGION}.rds.amazonaws.com`,
            arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${name}`,
            endpoint: `${name}.c${this.hex(12)}.${REGION}.rds.amazonaws.com:5432`,
            hostedZoneId: "Z29XKXDKYMONMX",
            resourceId: `db-${this.hex(26).toUpperCase()}`,
            status: "available",
        }, { dbSubnetGroupName: [subnetGroupUrn], vpcSecurityGroupIds: [sgUrn] });
        this.aws(urn, qualified, "aws:elasticache/replicationGroup:ReplicationGroup", `${name}-redis`, {
            atRestEncryptionEnabled: true,
            authToken: this.secret(64),
            automaticFailoverEnabled: true,
            description: `Redis for ${PROJECT} ${STACK}`,
            engine: "redis",
            engineVersion: "7.1",
            kmsKeyId: this.kmsArn,
            multiAzEnabled: true,
            nodeType: "cache.r7g.large",
            numCacheClusters: 3,
            port: 6379,
            securityGroupIds: [sgId],
            snapshotRetentionLimit: 14,
            tags: this.tags(),
            transitEncryptionEnabled: true,
        }, { arn: `arn:aws:elasticache:${REGION}:${ACCOUNT}:replicationgroup:${name}-redis`, memberClusters: [`${name}-redis-001`, `${name}-redis-002`, `${name}-redis-003`], primaryEndpointAddress: `master.${name}-redis.${this.hex(6)}.euwe.cache.amazonaws.com` }, { securityGroupIds: [sgUrn] });
        const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${PROJECT}/${STACK}/db-${index}-${this.hex(6)}`;
        const secretUrn = this.aws(urn, qualified, "aws:secretsmanager/secret:Secret", `${name}-password`, { name: `${PROJECT}/${STACK}/db-${index}`, kmsKeyId: this.kmsArn, recoveryWindowInDays: 30, tags: this.tags() }, { id: secretArn, arn: secretArn });
        this.aws(urn, qualified, "aws:secretsmanager/secretVersion:SecretVersion", `${name}-password`, { secretId: secretArn, secretString: this.secret(32) }, { arn: secretArn, versionId: this.hex(32), versionStages: ["AWSCURRENT"] }, { secretId: [secretUrn] });
        const logGroup = `/aws/rds/instance/${name}/postgresql`;
        this.aws(urn, qualified, "aws:cloudwatch/logGroup:LogGroup", `${name}-logs`, { kmsKeyId: this.kmsArn, name: logGroup, retentionInDays: this.pick([30, 90, 365]), tags: this.tags() }, { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}` });
        this.aws(urn, qualified, "aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-cpu`, { alarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:${PROJECT}-${STACK}-alerts`], comparisonOperator: "GreaterThanThreshold", dimensions: { DBInstanceIdentifier: name }, evaluationPeriods: 3, metricName: "CPUUtilization", namespace: "AWS/RDS", period: 300, statistic: "Average", threshold: 80, tags: this.tags() }, { arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}-cpu` });
    }

    /** One application service: IAM, registry, and its Kubernetes objects. */
    serviceGroup(index: number): void {
        const app = `svc-${index}`;
        const { urn, qualified } = this.component("platform:app:Service", `${PROJECT}-${STACK}-${app}`, this.platformUrn, PLATFORM_TYPE);
        const name = `${PROJECT}-${STACK}-${app}`;
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/${this.hex(32).toUpperCase()}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`oidc.eks.${REGION}.amazonaws.com/id/sub`]: `system:serviceaccount:apps:${app}` } } }] });
        const roleName = `${name}-role-${this.hex(7)}`;
        const roleUrn = this.aws(urn, qualified, "aws:iam/role:Role", `${name}-role`, { assumeRolePolicy: policy, tags: this.tags() }, { id: roleName, arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, name: roleName, uniqueId: `AROA${this.hex(17).toUpperCase()}`, createDate: new Date(this.clock).toISOString(), maxSessionDuration: 3600, path: "/" });
        this.aws(urn, qualified, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${name}-read`, { policyArn: `arn:aws:iam::${ACCOUNT}:policy/${name}-read`, role: roleName }, {}, { role: [roleUrn] });
        const repository = `${PROJECT}/${STACK}/${app}`;
        this.aws(urn, qualified, "aws:ecr/repository:Repository", `${name}-repo`, { encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: this.kmsArn }], imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: this.next() < 0.9 ? "IMMUTABLE" : "MUTABLE", name: repository, tags: this.tags({ service: app }) }, { arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${repository}`, registryId: ACCOUNT, repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repository}` });

        const labels = this.labels(app);
        const selector = { "app.kubernetes.io/instance": `${app}-${STACK}`, "app.kubernetes.io/name": app };
        const saUrn = this.k8s(urn, qualified, "kubernetes:core/v1:ServiceAccount", `${name}-sa`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { annotations: { "eks.amazonaws.com/role-arn": `arn:aws:iam::${ACCOUNT}:role/${roleName}` }, labels, name: app, namespace: "apps" }, automountServiceAccountToken: false }, [roleUrn]);
        const secretUrn = this.k8s(urn, qualified, "kubernetes:core/v1:Secret", `${name}-secrets`, { apiVersion: "v1", kind: "Secret", metadata: { labels, name: `${app}-secrets`, namespace: "apps" }, type: "Opaque", stringData: this.secret(240) });
        const sha = this.hex(40);
        const env = ["DATABASE_URL", "JWT_SECRET", "REDIS_URL"].map((key) => ({ name: key, valueFrom: { secretKeyRef: { key, name: `${app}-secrets` } } }));
        const probe = (path: string, period: number): Props => ({ failureThreshold: 3, httpGet: { path, port: "http" }, periodSeconds: period, timeoutSeconds: 2 });
        this.k8s(urn, qualified, "kubernetes:apps/v1:Deployment", `${name}-deployment`, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { labels, name: app, namespace: "apps" },
            spec: {
                replicas: this.pick([2, 3, 4, 6]),
                revisionHistoryLimit: 10,
                selector: { matchLabels: selector },
                strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }, type: "RollingUpdate" },
                template: {
                    metadata: { annotations: { "platform.io/build-sha": sha }, labels },
                    spec: {
                        automountServiceAccountToken: false,
                        containers: [
                            {
                                env: [{ name: "PORT", value: "8080" }, { name: "BUILD_SHA", value: sha }, { name: "APP_ENV", value: STACK }, { name: "LOG_LEVEL", value: "info" }, ...env],
                                image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repository}:1.4.2${this.next() < 0.9 ? `@sha256:${this.hex(64)}` : ""}`,
                                livenessProbe: probe("/healthz", 10),
                                name: app,
                                ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
                                readinessProbe: probe("/readyz", 5),
                                resources: { limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "500m", memory: "512Mi" } },
                                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: this.next() < 0.95, seccompProfile: { type: "RuntimeDefault" } },
                                volumeMounts: [{ mountPath: "/tmp", name: "tmp" }],
                            },
                        ],
                        securityContext: { fsGroup: 10001, runAsGroup: 10001, runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
                        serviceAccountName: app,
                        terminationGracePeriodSeconds: 30,
                        topologySpreadConstraints: [{ labelSelector: { matchLabels: selector }, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }],
                        volumes: [{ emptyDir: { sizeLimit: "64Mi" }, name: "tmp" }],
                    },
                },
            },
        }, [saUrn, secretUrn]);
        this.k8s(urn, qualified, "kubernetes:core/v1:Service", `${name}-service`, { apiVersion: "v1", kind: "Service", metadata: { labels, name: app, namespace: "apps" }, spec: { ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: "http" }], selector, type: "ClusterIP" } });
        this.k8s(urn, qualified, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", `${name}-hpa`, { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { labels, name: app, namespace: "apps" }, spec: { maxReplicas: 12, metrics: [{ resource: { name: "cpu", target: { averageUtilization: 70, type: "Utilization" } }, type: "Resource" }], minReplicas: 2, scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: app } } });
        this.k8s(urn, qualified, "kubernetes:policy/v1:PodDisruptionBudget", `${name}-pdb`, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { labels, name: app, namespace: "apps" }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } });
    }
}

/** A `pulumi stack export` document (version 3) with exactly `resourceCount` resources. */
export function generateExport(resourceCount: number): GeneratedExport {
    if (!Number.isInteger(resourceCount) || resourceCount < 0) throw new RangeError(`resourceCount must be a whole number, got ${resourceCount}`);
    const generator = new Generator(resourceCount);
    generator.root();
    for (let group = 0; !generator.full(); group++) {
        // Three services to one data group: roughly a third of the resources are Kubernetes objects.
        if (group % 4 === 3) generator.dataGroup(group);
        else generator.serviceGroup(group);
    }
    return {
        version: 3,
        deployment: {
            manifest: {
                time: "2026-01-05T09:00:00.000000000Z",
                magic: "f0a7c1d2e3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8",
                version: "v3.270.0",
                plugins: [
                    { name: "aws", path: "/home/runner/.pulumi/plugins/resource-aws-v7.48.0/pulumi-resource-aws", type: "resource", version: "7.48.0" },
                    { name: "kubernetes", path: "/home/runner/.pulumi/plugins/resource-kubernetes-v4.34.2/pulumi-resource-kubernetes", type: "resource", version: "4.34.2" },
                ],
            },
            secrets_providers: { type: "passphrase", state: { salt: "v1:q2HkqCZc0HU=:v1:Dm6OEYlBmoR7ChS7:fake0salt0EXAMPLE0000000000000000" } },
            resources: generator.resources,
        },
    };
}

if (require.main === module) {
    const count = Number(process.argv[2] ?? 10000);
    const file = process.argv[3] ?? `export-${count}.json`;
    const started = Date.now();
    const text = JSON.stringify(generateExport(count));
    fs.writeFileSync(file, text);
    console.log(`${file}: ${count} resources, ${(text.length / 2 ** 20).toFixed(1)} MB, ${Date.now() - started} ms`);
}
