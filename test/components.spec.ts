import { strict as assert } from "assert";
import { RenderedResource, RenderedStack, renderStack } from "../engine/render";
import { isSecretEnvelope, unwrapSecrets } from "../engine/secrets";
import { alertRuleGroups } from "../components/monitoring/rules";
import { postgresConnectionAlarmThreshold } from "../components/monitoring/aws";
import { KUBE_PROMETHEUS_STACK_CHART } from "../components/monitoring/prometheus";
import { subnetCidr } from "../components/network/types";
import { platformRules } from "./support/prometheus";
import { childrenOf, ofType, plainInputs, PROJECT_DIR, renderedStack, single } from "./support/stacks";

type Inputs = Record<string, unknown>;
const plainOutputs = (outputs: Inputs): unknown => unwrapSecrets(outputs);
const STACKS = ["dev", "staging", "prod"] as const;

/** AWS resource types that have no tags argument. */
const UNTAGGABLE = new Set([
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:kms/alias:Alias",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
    "aws:backup/selection:Selection",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
]);

function component(stack: RenderedStack, type: string): RenderedResource {
    return single(stack, type);
}

function urnOf(stack: RenderedStack, type: string): string {
    return single(stack, type).urn;
}

/** The one log group with this name. */
function logGroupNamed(stack: RenderedStack, name: string): RenderedResource {
    const found = ofType(stack, "aws:cloudwatch/logGroup:LogGroup").filter((group) => plainInputs(group).name === name);
    assert.equal(found.length, 1, `one log group named ${name} in ${stack.stack}`);
    return found[0];
}

/** The kube-prometheus-stack release (the telemetry charts are specified in program-storage-messaging.spec.ts). */
function monitoringRelease(stack: RenderedStack): RenderedResource {
    const found = ofType(stack, "kubernetes:helm.sh/v3:Release").filter((release) => plainInputs(release).chart === "kube-prometheus-stack");
    assert.equal(found.length, 1, `one kube-prometheus-stack release in ${stack.stack}`);
    return found[0];
}

const RETENTION_DAYS = { dev: 7, staging: 30, prod: 365 } as const;


describe("components, per tier", function () {
    for (const stackName of STACKS) {
        describe(stackName, function () {
            let stack: RenderedStack;
            before(async function () {
                stack = await renderedStack(stackName);
            });

            it("every AWS resource goes through the explicit regional provider and carries the standard tags", function () {
                const provider = single(stack, "pulumi:providers:aws");
                assert.equal(plainInputs(provider).region, "eu-west-1");
                const expectedTags = { environment: stackName, project: "platform", "managed-by": "pulumi", "cost-centre": "platform-engineering" };
                // The engine hands provider configuration over JSON-encoded.
                assert.deepEqual((JSON.parse(String(plainInputs(provider).defaultTags)) as Inputs).tags, expectedTags);
                const awsResources = stack.resources.filter((resource) => resource.custom && resource.type.startsWith("aws:"));
                assert.ok(awsResources.length > 40);
                for (const resource of awsResources) {
                    assert.ok(resource.provider?.startsWith(`${provider.urn}::`), `${resource.urn} uses the explicit provider`);
                    if (UNTAGGABLE.has(resource.type)) continue;
                    const tags = plainInputs(resource).tags as Inputs | undefined;
                    assert.ok(tags, `${resource.urn} has tags`);
                    for (const [key, value] of Object.entries(expectedTags)) assert.equal(tags[key], value, `${resource.urn} tag ${key}`);
                }
            });

            it("every resource below the stack is parented to a platform component", function () {
                const componentUrns = new Set(stack.resources.filter((resource) => !resource.custom).map((resource) => resource.urn));
                for (const resource of stack.resources) {
                    if (resource.type === "pulumi:pulumi:Stack") continue;
                    assert.ok(resource.parent && componentUrns.has(resource.parent), `${resource.urn} has a component parent`);
                }
                const types = stack.resources.filter((resource) => !resource.custom).map((resource) => resource.type).sort();
                assert.deepEqual(types, [
                    "platform:app:AppNamespace", "platform:app:Service", "platform:app:Service",
                    ...(stackName === "dev" ? [] : ["platform:backups:DatabaseBackups"]),
                    // The cluster's own (EBS CSI driver), the api's and the worker's (uploads, topics, queues), Alertmanager's (its SNS topics).
                    "platform:cluster:Cluster", "platform:cluster:WorkloadIdentity", "platform:cluster:WorkloadIdentity", "platform:cluster:WorkloadIdentity", "platform:cluster:WorkloadIdentity",
                    "platform:data:Postgres", "platform:data:Redis",
                    ...(stackName === "dev" ? [] : ["platform:delivery:ProgressiveDelivery"]),
                    "platform:index:Platform",
                    "platform:messaging:Messaging", "platform:monitoring:Monitoring", "platform:network:Network",
                    ...(stackName === "dev" ? ["platform:registry:BuiltImage"] : []),
                    "platform:registry:ContainerRegistry",
                    "platform:secrets:SecretStore", "platform:storage:ObjectStorage", "platform:telemetry:Telemetry", "pulumi:pulumi:Stack",
                ]);
            });

            it("Network: private and public subnet per zone, private subnets route through NAT", function () {
                const zones = stackName === "dev" ? 2 : 3;
                const vpc = plainInputs(single(stack, "aws:ec2/vpc:Vpc"));
                assert.equal(vpc.cidrBlock, { dev: "10.10.0.0/16", staging: "10.20.0.0/16", prod: "10.30.0.0/16" }[stackName]);
                const subnets = ofType(stack, "aws:ec2/subnet:Subnet").map(plainInputs);
                const privateSubnets = subnets.filter((subnet) => (subnet.tags as Inputs)["kubernetes.io/role/internal-elb"] === "1");
                assert.equal(privateSubnets.length, zones);
                assert.equal(subnets.length, zones * 2);
                assert.deepEqual(new Set(privateSubnets.map((subnet) => subnet.availabilityZone)).size, zones);
                for (const subnet of subnets) assert.equal(subnet.mapPublicIpOnLaunch ?? false, false);
                const privateTables = ofType(stack, "aws:ec2/routeTable:RouteTable").map(plainInputs).filter((table) => ((table.routes as Inputs[])[0].natGatewayId));
                assert.equal(privateTables.length, zones);
            });

            it("ContainerRegistry: one immutable, scanned, KMS-encrypted repository per service with an untagged-image expiry", function () {
                const keyArn = single(stack, "aws:kms/key:Key").outputs.arn;
                const repositories = ofType(stack, "aws:ecr/repository:Repository").map(plainInputs);
                assert.deepEqual(repositories.map((repository) => repository.name).sort(), [`platform/${stackName}/api`, `platform/${stackName}/worker`]);
                for (const repository of repositories) {
                    assert.equal(repository.imageTagMutability, "IMMUTABLE");
                    assert.deepEqual(repository.imageScanningConfiguration, { scanOnPush: true });
                    assert.deepEqual(repository.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: keyArn }]);
                }
                for (const policy of ofType(stack, "aws:ecr/lifecyclePolicy:LifecyclePolicy").map(plainInputs)) {
                    const rule = (JSON.parse(String(policy.policy)) as { rules: { selection: Inputs; action: Inputs }[] }).rules[0];
                    assert.equal(rule.selection.tagStatus, "untagged");
                    assert.deepEqual(rule.action, { type: "expire" });
                }
            });

            it("Cluster: pinned version, private nodes, encrypted secrets, control-plane logs, IRSA and a Kubernetes provider", function () {
                const cluster = single(stack, "aws:eks/cluster:Cluster");
                const inputs = plainInputs(cluster);
                assert.equal(inputs.version, "1.35");
                const vpcConfig = inputs.vpcConfig as Inputs;
                assert.equal(vpcConfig.endpointPrivateAccess, true);
                assert.equal(vpcConfig.endpointPublicAccess, stackName === "dev");
                const privateSubnetIds = ofType(stack, "aws:ec2/subnet:Subnet")
                    .filter((subnet) => ((plainInputs(subnet).tags as Inputs)["kubernetes.io/role/internal-elb"]) === "1")
                    .map((subnet) => subnet.outputs.id ?? subnet.urn);
                assert.equal((vpcConfig.subnetIds as string[]).length, privateSubnetIds.length);
                assert.deepEqual((inputs.encryptionConfig as Inputs).resources, ["secrets"]);
                assert.equal(inputs.name, `platform-${stackName}-eks`);
                const logGroup = logGroupNamed(stack, `/aws/eks/platform-${stackName}-eks/cluster`);
                assert.equal(plainInputs(logGroup).kmsKeyId, single(stack, "aws:kms/key:Key").outputs.arn);
                assert.equal(plainInputs(logGroup).retentionInDays, RETENTION_DAYS[stackName]);
                assert.ok(cluster.dependencies.includes(logGroup.urn), "log group exists before EKS would create its own");

                const nodeGroup = plainInputs(single(stack, "aws:eks/nodeGroup:NodeGroup"));
                assert.deepEqual(nodeGroup.subnetIds, vpcConfig.subnetIds);
                assert.equal(nodeGroup.amiType, "AL2023_x86_64_STANDARD");

                const oidc = plainInputs(single(stack, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"));
                const issuer = ((cluster.outputs.identities as Inputs[])[0].oidcs as Inputs[])[0].issuer;
                assert.equal(oidc.url, issuer);
                assert.deepEqual(oidc.clientIdLists, ["sts.amazonaws.com"]);

                const k8sProvider = single(stack, "pulumi:providers:kubernetes");
                assert.ok(isSecretEnvelope(k8sProvider.inputs.kubeconfig), "the provider's kubeconfig is secret");
                for (const resource of stack.resources.filter((candidate) => candidate.type.startsWith("kubernetes:") && candidate.custom)) {
                    assert.ok(resource.provider?.startsWith(`${k8sProvider.urn}::`), `${resource.urn} deploys through the cluster's provider`);
                }
            });

            it("Cluster: the VPC CNI is a managed add-on with its network policy agent on, so NetworkPolicies are enforced", function () {
                const addons = ofType(stack, "aws:eks/addon:Addon");
                assert.deepEqual(addons.map((addon) => plainInputs(addon).addonName).sort(), ["aws-ebs-csi-driver", "vpc-cni"]);
                const addon = addons.find((candidate) => plainInputs(candidate).addonName === "vpc-cni");
                assert.ok(addon);
                const inputs = plainInputs(addon);
                assert.equal(inputs.clusterName, `platform-${stackName}-eks`);
                assert.deepEqual(JSON.parse(String(inputs.configurationValues)), { enableNetworkPolicy: "true" });
                assert.equal(inputs.resolveConflictsOnCreate, "OVERWRITE");
                assert.equal(inputs.resolveConflictsOnUpdate, "OVERWRITE");
                assert.equal(inputs.addonVersion, undefined, "EKS picks the default version for the cluster's Kubernetes version");
                assert.equal(addon.parent, single(stack, "platform:cluster:Cluster").urn);
                assert.ok(addon.dependencies.includes(urnOf(stack, "aws:eks/cluster:Cluster")), "the add-on waits for the cluster");
                assert.ok(single(stack, "aws:eks/nodeGroup:NodeGroup").dependencies.includes(addon.urn), "nodes join with the policy agent already configured");
            });

            it("Cluster: API authentication mode, and no access entries beyond the creator's when no admin roles are configured", function () {
                const accessConfig = plainInputs(single(stack, "aws:eks/cluster:Cluster")).accessConfig as Inputs;
                assert.deepEqual(accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
                assert.equal(ofType(stack, "aws:eks/accessEntry:AccessEntry").length, 0);
                assert.equal(ofType(stack, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").length, 0);
            });

            it("Cluster: the EBS CSI driver (IRSA, managed policy, the environment's key) and an encrypted gp3 storage class", function () {
                const keyArn = single(stack, "aws:kms/key:Key").outputs.arn;
                const addons = ofType(stack, "aws:eks/addon:Addon").map(plainInputs);
                const ebs = addons.find((addon) => addon.addonName === "aws-ebs-csi-driver");
                assert.ok(ebs, "the EBS CSI add-on exists");
                const roles = ofType(stack, "aws:iam/role:Role").filter((role) => role.name.endsWith("ebs-csi-role"));
                assert.equal(roles.length, 1);
                assert.equal(ebs.serviceAccountRoleArn, roles[0].outputs.arn);
                const trust = JSON.parse(String(plainInputs(roles[0]).assumeRolePolicy)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
                assert.ok(Object.values(trust.Statement[0].Condition.StringEquals).includes("system:serviceaccount:kube-system:ebs-csi-controller-sa"));
                const attachments = ofType(stack, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map(plainInputs);
                assert.ok(attachments.some((attachment) => attachment.policyArn === "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"));
                const storageClass = plainInputs(single(stack, "kubernetes:storage.k8s.io/v1:StorageClass"));
                assert.deepEqual(storageClass.parameters, { type: "gp3", encrypted: "true", kmsKeyId: keyArn });
                assert.equal(storageClass.reclaimPolicy, stackName === "dev" ? "Delete" : "Retain");
                const values = plainInputs(monitoringRelease(stack)).values as { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: Inputs } } } } };
                const claim = values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec;
                assert.equal(claim.storageClassName, "gp3-encrypted");
                assert.deepEqual(claim.resources, { requests: { storage: `${{ dev: 20, staging: 50, prod: 200 }[stackName]}Gi` } });
            });

            it("SecretStore: KMS-encrypted secrets whose values are secret and generated ones rotate by window", function () {
                const keyArn = single(stack, "aws:kms/key:Key").outputs.arn;
                const secrets = ofType(stack, "aws:secretsmanager/secret:Secret").map(plainInputs);
                assert.deepEqual(secrets.map((secret) => secret.name).sort(), ["grafana-admin-password", "jwt-secret", "postgres-password", "redis-auth-token"].map((name) => `platform/${stackName}/${name}`));
                for (const secret of secrets) assert.equal(secret.kmsKeyId, keyArn);
                for (const version of ofType(stack, "aws:secretsmanager/secretVersion:SecretVersion")) {
                    assert.ok(isSecretEnvelope(version.inputs.secretString), `${version.name} value is a secret`);
                }
                for (const password of ofType(stack, "random:index/randomPassword:RandomPassword")) {
                    assert.match(String((plainInputs(password).keepers as Inputs).rotationWindowStart), /^\d{4}-\d{2}-\d{2}$/);
                    assert.ok(isSecretEnvelope(password.outputs.result), "generated values come back secret");
                }
            });

            it("Postgres: private, encrypted, TLS forced, backups per tier, password from the SecretStore", function () {
                const db = single(stack, "aws:rds/instance:Instance");
                const inputs = plainInputs(db);
                assert.equal(inputs.engine, "postgres");
                assert.equal(inputs.engineVersion, "16");
                assert.equal(inputs.storageEncrypted, true);
                assert.equal(inputs.kmsKeyId, single(stack, "aws:kms/key:Key").outputs.arn);
                assert.equal(inputs.publiclyAccessible, false);
                assert.ok(isSecretEnvelope(db.inputs.password), "the password input is secret");
                const passwordSource = ofType(stack, "random:index/randomPassword:RandomPassword").find((password) => password.name.endsWith("postgres-password"));
                assert.deepEqual(db.propertyDependencies.password, [passwordSource?.urn]);
                if (stackName === "dev") {
                    assert.equal(inputs.skipFinalSnapshot, true);
                } else {
                    assert.equal(inputs.skipFinalSnapshot, false);
                    assert.equal(inputs.finalSnapshotIdentifier, `platform-${stackName}-postgres-final`);
                    assert.equal(inputs.deleteAutomatedBackups, false);
                    assert.ok(Number(inputs.backupRetentionPeriod) >= 7);
                }
                const keyArn = single(stack, "aws:kms/key:Key").outputs.arn;
                assert.deepEqual(inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
                for (const log of ["postgresql", "upgrade"]) {
                    const group = logGroupNamed(stack, `/aws/rds/instance/platform-${stackName}-postgres/${log}`);
                    assert.equal(plainInputs(group).kmsKeyId, keyArn, `${log} log group is encrypted with the environment key`);
                    assert.equal(plainInputs(group).retentionInDays, RETENTION_DAYS[stackName], `${log} log group expires`);
                    assert.equal(group.parent, single(stack, "platform:data:Postgres").urn);
                    assert.ok(db.dependencies.includes(group.urn), `${log} log group exists before RDS would create its own`);
                }
                const parameters = plainInputs(single(stack, "aws:rds/parameterGroup:ParameterGroup"));
                assert.equal(parameters.family, "postgres16");
                assert.ok((parameters.parameters as Inputs[]).some((parameter) => parameter.name === "rds.force_ssl" && parameter.value === "1"));
                assert.equal(inputs.parameterGroupName, single(stack, "aws:rds/parameterGroup:ParameterGroup").outputs.name);

                const securityGroup = ofType(stack, "aws:ec2/securityGroup:SecurityGroup").find((group) => group.name.endsWith("postgres-sg"));
                assert.ok(securityGroup);
                const ingress = plainInputs(securityGroup).ingress as Inputs[];
                const clusterSecurityGroup = (single(stack, "aws:eks/cluster:Cluster").outputs.vpcConfig as Inputs).clusterSecurityGroupId;
                assert.deepEqual(ingress.map((rule) => [rule.fromPort, rule.securityGroups, rule.cidrBlocks]), [[5432, [clusterSecurityGroup], undefined]]);
            });

            it("Redis: TLS in transit, encrypted at rest, AUTH token from the SecretStore", function () {
                const group = single(stack, "aws:elasticache/replicationGroup:ReplicationGroup");
                const inputs = plainInputs(group);
                assert.equal(inputs.engineVersion, "7.1");
                assert.equal(inputs.transitEncryptionEnabled, true);
                assert.equal(inputs.atRestEncryptionEnabled, true);
                assert.ok(isSecretEnvelope(group.inputs.authToken));
                const tokenSource = ofType(stack, "random:index/randomPassword:RandomPassword").find((password) => password.name.endsWith("redis-auth-token"));
                assert.deepEqual(group.propertyDependencies.authToken, [tokenSource?.urn]);
            });

            it("Monitoring: alert topic, Postgres and Redis alarms, pinned kube-prometheus-stack and alert rules", function () {
                const [topic] = ofType(stack, "aws:sns/topic:Topic").filter((candidate) => candidate.name.endsWith("-monitoring-alerts"));
                assert.equal(plainInputs(topic).kmsMasterKeyId, single(stack, "aws:kms/key:Key").outputs.arn);
                const alarms = ofType(stack, "aws:cloudwatch/metricAlarm:MetricAlarm").map(plainInputs);
                const redisNodes = Number(plainInputs(single(stack, "aws:elasticache/replicationGroup:ReplicationGroup")).numCacheClusters);
                const metricCounts: Record<string, number> = {};
                for (const alarm of alarms) {
                    metricCounts[`${alarm.namespace}/${alarm.metricName}`] = (metricCounts[`${alarm.namespace}/${alarm.metricName}`] ?? 0) + 1;
                    assert.deepEqual(alarm.alarmActions, [topic.outputs.arn]);
                }
                assert.deepEqual(metricCounts, {
                    "AWS/RDS/CPUUtilization": 1,
                    "AWS/RDS/FreeStorageSpace": 1,
                    "AWS/RDS/DatabaseConnections": 1,
                    "AWS/ElastiCache/DatabaseMemoryUsagePercentage": redisNodes,
                    "AWS/ElastiCache/Evictions": redisNodes,
                    "AWS/ElastiCache/EngineCPUUtilization": redisNodes,
                    // Alertmanager's dead man's switch: its heartbeat topic going quiet.
                    "AWS/SNS/NumberOfMessagesPublished": 1,
                });
                const redisDimensions = alarms.filter((alarm) => alarm.namespace === "AWS/ElastiCache").map((alarm) => (alarm.dimensions as Inputs).CacheClusterId);
                assert.ok(redisDimensions.includes(`platform-${stackName}-redis-001`));

                const release = plainInputs(monitoringRelease(stack));
                assert.equal(release.chart, "kube-prometheus-stack");
                assert.match(String(release.version), /^\d+\.\d+\.\d+$/);
                assert.equal(release.version, KUBE_PROMETHEUS_STACK_CHART.version);
                // Grafana's password is a Secret the chart reads, so the values (Alertmanager's routing with them) hold no secret and show in plans.
                assert.ok(!isSecretEnvelope(monitoringRelease(stack).inputs.values), "release values hold no secret");
                // Beside it, the password's digest on Grafana's pod, so a rotated password restarts it (test/secret-rotation.spec.ts).
                assert.deepEqual((release.values as Inputs).grafana, {
                    admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
                    podAnnotations: { "platform.io/secrets-checksum": ((release.values as { grafana: { podAnnotations: Inputs } }).grafana.podAnnotations["platform.io/secrets-checksum"]) },
                });
                assert.match(String(((release.values as { grafana: { podAnnotations: Inputs } }).grafana.podAnnotations["platform.io/secrets-checksum"])), /^[0-9a-f]{16}$/);
                const grafanaAdmin = ofType(stack, "kubernetes:core/v1:Secret").find((secret) => secret.name.endsWith("-monitoring-grafana-admin"));
                assert.ok(grafanaAdmin && isSecretEnvelope(grafanaAdmin.inputs.stringData), "the Grafana admin Secret's data is secret");

                const rule = platformRules(stack);
                assert.ok(rule.dependencies.includes(monitoringRelease(stack).urn), "rules wait for the chart's CRDs");
                const rules = ((plainInputs(rule).spec as Inputs).groups as { rules: { alert?: string; record?: string }[] }[]).flatMap((group) => group.rules);
                assert.deepEqual(rules.flatMap((entry) => entry.alert ?? []), ["ErrorBudgetFastBurn", "ErrorBudgetSlowBurn", "ErrorBudgetExhausted", "ServiceDown", "HealthProbeFailing", "ContainerNotReady"]);
                assert.ok(rules.some((entry) => entry.record === "service:http_errors:ratio_rate7d"), "the budget ratio the alerts and predeploy read is recorded");
            });

            it("exports the outputs an engineer needs, with the kubeconfig secret", function () {
                const outputs = stack.outputs;
                assert.deepEqual(Object.keys(outputs).sort(), ["alertTopicArn", "clusterName", "kubeconfig", "postgresEndpoint", "redisEndpoint", "registryUrls", "secretArns", "serviceImages", "tier"]);
                assert.ok(isSecretEnvelope(outputs.kubeconfig));
                assert.equal(outputs.clusterName, `platform-${stackName}-eks`);
                assert.match(String(outputs.postgresEndpoint), /\.rds\.amazonaws\.com:5432$/);
                assert.match(String(outputs.redisEndpoint), /^master\..*:6379$/);
                assert.match(String((outputs.registryUrls as Inputs).api), new RegExp(`\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/platform/${stackName}/api$`));
                for (const password of ofType(stack, "random:index/randomPassword:RandomPassword")) {
                    assert.ok(!JSON.stringify(plainOutputs(outputs)).includes((password.outputs.result as { value: string }).value), "no generated secret in the stack outputs");
                }
            });
        });
    }
});

describe("component helpers", function () {
    it("subnetCidr carves equal subnets and refuses ones that do not fit", function () {
        assert.equal(subnetCidr("10.30.0.0/16", 4, 0), "10.30.0.0/20");
        assert.equal(subnetCidr("10.30.0.0/16", 4, 9), "10.30.144.0/20");
        assert.throws(() => subnetCidr("10.30.0.0/16", 4, 16), /cannot carve subnet 16/);
    });

    it("the connection alarm sits at 80% of RDS's default max_connections", function () {
        assert.equal(postgresConnectionAlarmThreshold("db.t4g.micro"), 90);
        assert.equal(postgresConnectionAlarmThreshold("db.r6g.large"), 1441);
    });

    it("error-budget thresholds follow the budget", function () {
        const [budget] = alertRuleGroups(0.5);
        assert.match(budget.rules[0].expr, /> 0\.07 and/);
        assert.equal(budget.rules[2].expr, "service:http_errors:ratio_rate7d > 0.005");
    });

    it("children of a component are what it documents", async function () {
        const stack = await renderedStack("prod");
        const postgres = component(stack, "platform:data:Postgres");
        assert.deepEqual(childrenOf(stack, postgres).map((child) => child.type).sort(), [
            "aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/logGroup:LogGroup",
            "aws:ec2/securityGroup:SecurityGroup", "aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup",
        ]);
    });
});

describe("cluster admin roles (platform:cluster.adminRoleArns)", function () {
    const ADMIN_ROLE = "arn:aws:iam::123456789012:role/platform-admins";
    const PATH_ROLE = "arn:aws:iam::210987654321:role/ops/break-glass";
    let stack: RenderedStack;
    before(async function () {
        stack = await renderStack({
            projectDir: PROJECT_DIR,
            stack: "staging",
            configOverrides: { "platform:cluster": JSON.stringify({ adminRoleArns: [ADMIN_ROLE, PATH_ROLE] }) },
        });
    });

    it("each role gets an access entry and a cluster-scoped AmazonEKSClusterAdminPolicy association", function () {
        const cluster = single(stack, "aws:eks/cluster:Cluster");
        const clusterComponent = single(stack, "platform:cluster:Cluster");
        const entries = ofType(stack, "aws:eks/accessEntry:AccessEntry");
        assert.deepEqual(entries.map((entry) => plainInputs(entry).principalArn), [ADMIN_ROLE, PATH_ROLE]);
        assert.deepEqual(entries.map((entry) => entry.name), ["platform-staging-cluster-admin-123456789012-platform-admins", "platform-staging-cluster-admin-210987654321-break-glass"]);
        for (const entry of entries) {
            const inputs = plainInputs(entry);
            assert.equal(inputs.clusterName, "platform-staging-eks");
            assert.equal(inputs.type, "STANDARD");
            assert.equal((inputs.tags as Inputs).environment, "staging");
            assert.equal(entry.parent, clusterComponent.urn);
            assert.ok(entry.dependencies.includes(cluster.urn));
        }
        const associations = ofType(stack, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
        assert.deepEqual(associations.map((association) => plainInputs(association)), [ADMIN_ROLE, PATH_ROLE].map((principalArn) => ({
            clusterName: "platform-staging-eks",
            principalArn,
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
        })));
        associations.forEach((association, index) => {
            assert.equal(association.parent, clusterComponent.urn);
            assert.ok(association.dependencies.includes(entries[index].urn), "the policy is associated once the entry exists");
        });
    });

    it("a value that is not an IAM role ARN is a configuration error", async function () {
        await assert.rejects(
            renderStack({ projectDir: PROJECT_DIR, stack: "staging", configOverrides: { "platform:cluster": JSON.stringify({ adminRoleArns: ["arn:aws:sts::123456789012:assumed-role/admins/alice"] }) } }),
            /platform:cluster\.adminRoleArns\[0\]: expected an IAM role ARN such as arn:aws:iam::123456789012:role\/platform-admins/,
        );
    });
});
