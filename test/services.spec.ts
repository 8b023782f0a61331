import { strict as assert } from "assert";
import { RenderedResource, RenderedStack, renderStack } from "../engine/render";
import { isSecretEnvelope, unwrapSecrets } from "../engine/secrets";
import { MIGRATION_CONTRACT_LABEL } from "../components/app/types";
import { secretEnvName } from "../components/platform";
import { hasSchema, kubernetesSchemaErrors, withoutInlineFlags } from "./support/kubernetes-schemas";
import { ofType, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";
import { execFileSync } from "child_process";
import * as path from "path";
import { imageTag } from "../components/registry/image-tag";

type Inputs = Record<string, unknown>;
type Container = {
    name: string;
    image: string;
    env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    securityContext: Inputs;
    resources: { requests: Inputs; limits: Inputs };
    livenessProbe?: { httpGet: { path: string } };
    readinessProbe?: { httpGet: { path: string } };
    startupProbe?: { httpGet: { path: string } };
};
const STACKS = ["dev", "staging", "prod"] as const;
const GCP_STACKS = ["gcp-dev", "gcp-staging", "gcp-prod"] as const;

function named(stack: RenderedStack, type: string, name: string): RenderedResource {
    const found = ofType(stack, type).filter((resource) => (plainInputs(resource).metadata as Inputs | undefined)?.name === name || resource.name.endsWith(`-${name}`));
    assert.equal(found.length, 1, `one ${type} named ${name} in ${stack.stack}`);
    return found[0];
}

function deploymentOf(stack: RenderedStack, service: string): { resource: RenderedResource; spec: Inputs; container: Container; pod: Inputs } {
    const resource = named(stack, "kubernetes:apps/v1:Deployment", service);
    const spec = plainInputs(resource).spec as Inputs;
    const pod = (spec.template as Inputs).spec as Inputs;
    return { resource, spec, pod, container: (pod.containers as Container[])[0] };
}

describe("application services on the cluster", function () {
    it("every rendered Kubernetes object validates against the strict v1.32 schemas (unknown fields are errors)", async function () {
        let validated = 0;
        for (const stackName of [...STACKS, ...GCP_STACKS]) {
            const stack = await renderedStack(stackName);
            for (const resource of stack.resources.filter((candidate) => candidate.custom && candidate.type.startsWith("kubernetes:") && !candidate.type.startsWith("kubernetes:helm.sh"))) {
                const object = unwrapSecrets(resource.inputs) as Inputs;
                // The reference set has no StorageClass schema; every other kind rendered here must have one.
                if (object.kind === "StorageClass") continue;
                assert.ok(hasSchema(String(object.kind)), `${resource.type} has a reference schema`);
                assert.deepEqual(kubernetesSchemaErrors(object), [], `${stackName} ${resource.urn}`);
                validated += 1;
            }
        }
        assert.ok(validated >= 100, `validated ${validated} objects`);
    });

    it("the schema check can fail: an unknown field in a Deployment is rejected", async function () {
        const object = unwrapSecrets(deploymentOf(await renderedStack("prod"), "api").resource.inputs) as Inputs;
        const spec = { ...(object.spec as Inputs), replica: 3 };
        assert.notDeepEqual(kubernetesSchemaErrors({ ...object, spec }), []);
    });

    it("Go's (?i) in a CRD pattern becomes case-insensitive classes", function () {
        assert.equal(withoutInlineFlags("^(?i)(abort|warn)?$"), "^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$");
    });

    for (const stackName of STACKS) {
        describe(stackName, function () {
            let stack: RenderedStack;
            before(async function () {
                stack = await renderedStack(stackName);
            });

            it("the namespace enforces the restricted Pod Security level and denies all traffic by default", function () {
                const namespace = named(stack, "kubernetes:core/v1:Namespace", "apps");
                const labels = (plainInputs(namespace).metadata as Inputs).labels as Inputs;
                assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
                const deny = plainInputs(named(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny")).spec as Inputs;
                assert.deepEqual(deny, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                const dns = plainInputs(named(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-dns")).spec as { egress: { ports: Inputs[] }[] };
                assert.deepEqual(dns.egress[0].ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
            });

            it("deployments run hardened, probed, limited containers pinned by digest", function () {
                for (const service of ["api", "worker"]) {
                    const { container, pod, spec } = deploymentOf(stack, service);
                    assert.match(container.image, /@sha256:[0-9a-f]{64}$/, `${service} image is pinned`);
                    assert.deepEqual(container.securityContext, {
                        runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false,
                        capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
                    });
                    assert.equal((pod.securityContext as Inputs).runAsNonRoot, true);
                    assert.equal(container.livenessProbe?.httpGet.path, "/healthz");
                    assert.equal(container.readinessProbe?.httpGet.path, "/readyz");
                    assert.equal(container.startupProbe?.httpGet.path, "/healthz");
                    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
                    assert.equal(pod.serviceAccountName, service);
                    const rollout = (spec.strategy as Inputs).rollingUpdate as Inputs;
                    assert.equal(rollout.maxUnavailable, stackName === "dev" ? 1 : 0);
                    assert.equal(spec.replicas, { dev: 1, staging: 2, prod: 3 }[stackName]);
                }
            });

            it("secrets reach pods only through Kubernetes Secret references whose values are secret", function () {
                for (const service of ["api", "worker"]) {
                    const { container } = deploymentOf(stack, service);
                    const plain = container.env.filter((entry) => entry.value !== undefined).map((entry) => entry.name);
                    // A queue's URL (QUEUE_<EVENT>_URL) is its address, not a credential: the service's IAM role is what admits it.
                    const credentialLooking = plain.filter((name) => !/^QUEUE_[A-Z0-9_]+_URL$/.test(name));
                    assert.ok(!credentialLooking.some((name) => /URL|SECRET|TOKEN|PASSWORD|KEY/.test(name)), `${service} has no secret-looking plain env: ${plain.join(", ")}`);
                    const referenced = container.env.filter((entry) => entry.valueFrom?.secretKeyRef).map((entry) => entry.valueFrom?.secretKeyRef?.key);
                    const secret = named(stack, "kubernetes:core/v1:Secret", `${service}-secrets`);
                    const stringData = secret.inputs.stringData;
                    assert.ok(isSecretEnvelope(stringData), "the Secret's data is a Pulumi secret");
                    assert.deepEqual(Object.keys((stringData as { value: Inputs }).value).sort(), [...referenced].sort());
                    assert.match(String(((stringData as { value: Inputs }).value).DATABASE_URL), /^postgresql:\/\/app_admin:.+@.+\.rds\.amazonaws\.com:5432\/app\?sslmode=require$/);
                }
                // The ConfigMaps are the telemetry's (Loki's log alert rules, Grafana's data sources), outside the services' namespace.
                const configMaps = ofType(stack, "kubernetes:core/v1:ConfigMap").map((configMap) => (plainInputs(configMap).metadata as Inputs).name).sort();
                assert.deepEqual(configMaps, ["loki-log-alert-rules", "telemetry-datasources"], "no ConfigMaps carry the services' configuration");
            });

            it("the workload carries the standard labels and no BUILD_* env: the image reports its own build", function () {
                const { container, resource } = deploymentOf(stack, "worker");
                const names = container.env.map((entry) => entry.name);
                assert.deepEqual(names.filter((name) => name.startsWith("BUILD_")), [], names.join(", "));
                const labels = (plainInputs(resource).metadata as Inputs).labels as Inputs;
                assert.equal(labels["app.kubernetes.io/name"], "worker");
                assert.equal(labels["app.kubernetes.io/version"], "1.4.2");
                assert.equal(labels["app.kubernetes.io/part-of"], "platform");
            });

            it("the worker's migration runs first, as a Job with the same image and its contract label", function () {
                const job = ofType(stack, "kubernetes:batch/v1:Job");
                assert.equal(job.length, 1);
                const jobInputs = plainInputs(job[0]);
                const jobContainer = ((((jobInputs.spec as Inputs).template as Inputs).spec as Inputs).containers as Container[])[0];
                const { container, resource } = deploymentOf(stack, "worker");
                assert.equal(jobContainer.image, container.image);
                assert.equal(((jobInputs.metadata as Inputs).labels as Inputs)[MIGRATION_CONTRACT_LABEL], "safe_online");
                assert.ok(resource.dependencies.includes(job[0].urn), "the Deployment waits for the migration");
            });

            it("PodDisruptionBudget in staging and prod, autoscaler in prod, ServiceMonitor everywhere, Ingress with TLS where a hostname is set", function () {
                assert.equal(ofType(stack, "kubernetes:policy/v1:PodDisruptionBudget").length, stackName === "dev" ? 0 : 2);
                const autoscalers = ofType(stack, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map(plainInputs);
                assert.equal(autoscalers.length, stackName === "prod" ? 2 : 0);
                for (const autoscaler of autoscalers) assert.deepEqual([(autoscaler.spec as Inputs).minReplicas, (autoscaler.spec as Inputs).maxReplicas], [3, 9]);
                const monitors = ofType(stack, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
                assert.equal(monitors.length, 2);
                const release = ofType(stack, "kubernetes:helm.sh/v3:Release").find((candidate) => plainInputs(candidate).chart === "kube-prometheus-stack")!;
                for (const monitor of monitors) assert.ok(monitor.dependencies.includes(release.urn), "ServiceMonitors wait for the chart's CRDs");
                const ingresses = ofType(stack, "kubernetes:networking.k8s.io/v1:Ingress").map(plainInputs);
                assert.equal(ingresses.length, stackName === "dev" ? 0 : 1);
                for (const ingress of ingresses) {
                    const spec = ingress.spec as { tls: { hosts: string[] }[]; rules: { host: string }[] };
                    assert.deepEqual(spec.tls[0].hosts, [spec.rules[0].host]);
                }
            });

            it("the running digests are a stack output, for rollback", function () {
                const images = unwrapSecrets(stack.outputs.serviceImages) as Record<string, string>;
                assert.deepEqual(Object.keys(images).sort(), ["api", "worker"]);
                for (const [service, image] of Object.entries(images)) assert.equal(image, deploymentOf(stack, service).container.image);
            });
        });
    }

    it("dev builds the api from source, tagged with the commit, and runs the pushed digest", async function () {
        const stack = await renderedStack("dev");
        const [image] = ofType(stack, "docker:index/image:Image").map(plainInputs);
        const head = process.env.BUILD_SHA ?? process.env.GITHUB_SHA ?? execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
        assert.equal(image.imageName, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api:${imageTag(head, path.join(PROJECT_DIR, "services", "api"))}`);
        assert.match(String(image.imageName), new RegExp(`:${head.slice(0, 12)}-[0-9a-f]{12}$`));
        assert.match(String((image.build as Inputs).context), /services\/api$/);
        assert.match(deploymentOf(stack, "api").container.image, /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/platform\/dev\/api@sha256:[0-9a-f]{64}$/);
    });

    it("secret names map to environment variables", function () {
        assert.deepEqual(["databaseUrl", "redisUrl", "jwtSecret", "apiKeys.stripe", "apiKeys.maps-v2"].map(secretEnvName), ["DATABASE_URL", "REDIS_URL", "JWT_SECRET", "STRIPE_API_KEY", "MAPS_V2_API_KEY"]);
    });
});

describe("a service with cloudAccess gets an IRSA role bound to its service account only", function () {
    const UPLOADS = { actions: ["s3:GetObject"], resources: ["arn:aws:s3:::uploads-staging/*"] };
    /** The two services of Pulumi.staging.yaml, with cloudAccess on the worker. */
    const SERVICES = [
        {
            name: "api",
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/api:1.4.2@sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287",
            port: 8080,
            secrets: ["databaseUrl", "redisUrl", "jwtSecret"],
            env: { LOG_LEVEL: "info" },
            health: { liveness: "/healthz", readiness: "/readyz" },
            hostname: "api.staging.example.com",
        },
        {
            name: "worker",
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/staging/worker:1.4.2@sha256:53b73b80c384489d29b45db0b701a8b6f62ac352dcd49d106ab3a2308d07a64b",
            port: 8081,
            secrets: ["databaseUrl", "redisUrl"],
            env: { LOG_LEVEL: "info", QUEUE_CONCURRENCY: "4" },
            health: { liveness: "/healthz", readiness: "/readyz" },
            migration: { command: ["node", "dist/migrate.js"], contract: "safe_online" },
            cloudAccess: [UPLOADS],
        },
    ];
    let stack: RenderedStack;
    before(async function () {
        stack = await renderStack({ projectDir: PROJECT_DIR, stack: "staging", configOverrides: { "platform:services": JSON.stringify(SERVICES), "platform:messaging": JSON.stringify({ topics: {} }) } });
    });

    it("the role trusts only system:serviceaccount:apps:worker through the cluster's OIDC provider", function () {
        const roles = ofType(stack, "aws:iam/role:Role").filter((role) => role.name.startsWith("platform-staging-worker-identity"));
        assert.equal(roles.length, 1, "one IRSA role, for the worker only");
        // The other identity is the cluster's own, for the EBS CSI driver.
        assert.deepEqual(ofType(stack, "platform:cluster:WorkloadIdentity").map((identity) => identity.name).sort(), ["platform-staging-cluster-ebs-csi", "platform-staging-monitoring-alertmanager", "platform-staging-worker-identity"], "no identity for the api, which asks for no cloud access");
        const oidcProvider = ofType(stack, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.equal(oidcProvider.length, 1);
        const providerArn = oidcProvider[0].outputs.arn;
        const cluster = ofType(stack, "aws:eks/cluster:Cluster")[0];
        const issuer = String(((cluster.outputs.identities as Inputs[])[0].oidcs as Inputs[])[0].issuer);
        const host = issuer.replace(/^https:\/\//, "");
        assert.match(host, /^oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
        assert.equal(providerArn, `arn:aws:iam::123456789012:oidc-provider/${host}`);
        assert.deepEqual(JSON.parse(String(plainInputs(roles[0]).assumeRolePolicy)), {
            Version: "2012-10-17",
            Statement: [{
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${host}:sub`]: "system:serviceaccount:apps:worker",
                        [`${host}:aud`]: "sts.amazonaws.com",
                    },
                },
            }],
        });
    });

    it("the inline policy is exactly the configured statements", function () {
        const policies = ofType(stack, "aws:iam/rolePolicy:RolePolicy").filter((policy) => policy.name.startsWith("platform-staging-worker-identity"));
        assert.equal(policies.length, 1);
        const role = ofType(stack, "aws:iam/role:Role").find((candidate) => candidate.name.startsWith("platform-staging-worker-identity"));
        assert.ok(role);
        const inputs = plainInputs(policies[0]);
        assert.equal(inputs.role, role.outputs.name);
        assert.deepEqual(JSON.parse(String(inputs.policy)), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::uploads-staging/*"] }],
        });
    });

    it("the worker's service account is annotated with the role's ARN; the api's is not", function () {
        const role = ofType(stack, "aws:iam/role:Role").find((candidate) => candidate.name.startsWith("platform-staging-worker-identity"));
        assert.ok(role);
        assert.match(String(role.outputs.arn), /^arn:aws:iam::123456789012:role\//);
        const worker = plainInputs(named(stack, "kubernetes:core/v1:ServiceAccount", "worker")).metadata as Inputs;
        assert.deepEqual(worker.annotations, { "eks.amazonaws.com/role-arn": role.outputs.arn });
        const api = plainInputs(named(stack, "kubernetes:core/v1:ServiceAccount", "api")).metadata as Inputs;
        assert.equal((api.annotations as Inputs | undefined)?.["eks.amazonaws.com/role-arn"], undefined);
        assert.equal(((deploymentOf(stack, "worker").pod).serviceAccountName), "worker");
    });
});
