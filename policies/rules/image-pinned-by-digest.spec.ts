import { strict as assert } from "assert";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { imagePinnedByDigest } from "./image-pinned-by-digest";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const PINNED = `nginx@${DIGEST}`;

const podSpec = (containers: readonly unknown[], extra: Record<string, unknown> = {}) => ({ containers, ...extra });
const templated = (spec: Record<string, unknown>) => ({ template: { metadata: { labels: { app: "api" } }, spec } });

/** A covered Kubernetes workload with its pod spec where that type keeps it. */
function workload(type: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): TestResource {
    const kind = type.slice(type.lastIndexOf(":") + 1);
    const metadata = { name: "api", annotations };
    if (kind === "PodTemplate") return { type, name: "api", props: { apiVersion: "v1", kind, metadata, template: { metadata: { labels: { app: "api" } }, spec } } };
    const body =
        kind === "Pod" ? spec : kind === "CronJob" ? { schedule: "0 * * * *", jobTemplate: { spec: templated(spec) } } : templated(spec);
    return { type, name: "api", props: { apiVersion: "v1", kind, metadata, spec: body } };
}
const deployment = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => workload("kubernetes:apps/v1:Deployment", spec, annotations);
const release = (values: Record<string, unknown>): TestResource => ({ type: "kubernetes:helm.sh/v3:Release", name: "monitoring", props: { chart: "kube-prometheus-stack", values } });
const dockerContainer = (image: unknown): TestResource => ({ type: "docker:index/container:Container", name: "web", props: { name: "web", image } });
const messagesOf = (resource: TestResource) => violationMessages(checkResource(imagePinnedByDigest, resource));

const WORKLOADS = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
    "kubernetes:core/v1:ReplicationController",
    "kubernetes:core/v1:PodTemplate",
];

describe("policy image-pinned-by-digest", function () {
    describe("compliant resources", function () {
        for (const type of WORKLOADS) {
            it(`passes a ${type} whose containers, init and ephemeral containers are all pinned`, function () {
                const spec = podSpec([{ name: "api", image: `ghcr.io/acme/api:1.4.2@${DIGEST}` }, { name: "proxy", image: PINNED }], {
                    initContainers: [{ name: "migrate", image: `ghcr.io/acme/migrate@${DIGEST}` }],
                    ephemeralContainers: [{ name: "debugger", image: `busybox:1.36@${DIGEST}` }],
                });
                assert.deepEqual(checkResource(imagePinnedByDigest, workload(type, spec)), []);
            });
        }

        it("passes a Docker container pinned by digest, and one run by its sha256 image ID (a RemoteImage's imageId)", function () {
            assert.deepEqual(checkResource(imagePinnedByDigest, dockerContainer(`registry.example.com:5000/web:2.0@${DIGEST}`)), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, dockerContainer(DIGEST)), []);
        });

        it("passes Helm v3 Release and v4 Chart values whose images are pinned, whatever the spelling", function () {
            const values = {
                grafana: { image: { repository: "grafana/grafana", tag: "11.1.0", digest: DIGEST } },
                redis: { image: { registry: "docker.io", repository: "bitnami/redis", tag: "7.2.5", digest: DIGEST, pullPolicy: "IfNotPresent" } },
                exporter: { image: PINNED },
                sidecars: [{ name: "reloader", image: `ghcr.io/acme/reloader:0.9@${DIGEST}` }],
                initImage: { repository: "busybox", tag: `1.36@${DIGEST}` },
                tagOnly: { image: { tag: `3.1@${DIGEST}` } },
                digestOnly: { image: { digest: DIGEST } },
                imagePullPolicy: "Always",
                replicas: 2,
            };
            assert.deepEqual(checkResource(imagePinnedByDigest, release(values)), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "kubernetes:helm.sh/v4:Chart", name: "monitoring", props: { chart: "oci://ghcr.io/acme/charts/monitoring", values } }), []);
        });

        it("passes a Helm release without values", function () {
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "kubernetes:helm.sh/v3:Release", name: "monitoring", props: { chart: "kube-prometheus-stack" } }), []);
        });

        it("ignores other resource types", function () {
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "kubernetes:core/v1:ConfigMap", props: { data: { image: "nginx:latest" } } }), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "aws:ecs/service:Service", props: { taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3" } }), []);
        });
    });

    describe("Kubernetes workloads", function () {
        it("flags a tag alone", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: "nginx:1.27" }]))), [
                'Deployment api: container "api" runs "nginx:1.27" without a sha256 digest',
            ]);
        });

        it("flags :latest", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: "ghcr.io/acme/api:latest" }]))), [
                'Deployment api: container "api" runs "ghcr.io/acme/api:latest" without a sha256 digest',
            ]);
        });

        it("flags a reference with no tag at all", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: "nginx" }]))), ['Deployment api: container "api" runs "nginx" without a sha256 digest']);
        });

        it("flags a sha256 digest of the wrong length", function () {
            const image = `nginx:1.27@sha256:${"a".repeat(63)}`;
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image }]))), [
                `Deployment api: container "api" runs "${image}", which is not a valid image reference (invalid checksum digest length)`,
            ]);
        });

        it("flags a digest that is not sha256 in lower-case hex", function () {
            const upper = `nginx@sha256:${"A".repeat(64)}`;
            const sha512 = `nginx@sha512:${"a".repeat(128)}`;
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "upper", image: upper }, { name: "sha512", image: sha512 }]))), [
                `Deployment api: container "upper" runs "${upper}" with a digest that is not sha256:<64 lowercase hex>`,
                `Deployment api: container "sha512" runs "${sha512}" with a digest that is not sha256:<64 lowercase hex>`,
            ]);
        });

        it("flags an unparseable reference and says so", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: "Nginx:1.27" }, { name: "web", image: "nginx:1.27:stable" }]))), [
                'Deployment api: container "api" runs "Nginx:1.27", which is not a valid image reference (invalid reference format: repository name must be lowercase)',
                'Deployment api: container "web" runs "nginx:1.27:stable", which is not a valid image reference (invalid reference format)',
            ]);
        });

        it("flags a bare image ID, which a node cannot pull from a registry", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: DIGEST }]))), [
                `Deployment api: container "api" runs "${DIGEST}", an image ID rather than a registry image pinned by digest`,
            ]);
        });

        it("flags an unpinned init container by its path", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api", image: PINNED }], { initContainers: [{ name: "migrate", image: "ghcr.io/acme/migrate:2" }] }))), [
                'Deployment api: spec.template.spec.initContainers[0] (migrate) runs "ghcr.io/acme/migrate:2" without a sha256 digest',
            ]);
        });

        it("flags an unpinned ephemeral container by its path", function () {
            const spec = podSpec([{ name: "api", image: PINNED }], { ephemeralContainers: [{ name: "debugger", image: "busybox:1.36" }] });
            assert.deepEqual(messagesOf(workload("kubernetes:core/v1:Pod", spec)), ['Pod api: spec.ephemeralContainers[0] (debugger) runs "busybox:1.36" without a sha256 digest']);
        });

        it("flags a CronJob's containers under spec.jobTemplate", function () {
            const spec = podSpec([{ name: "report", image: "ghcr.io/acme/report:nightly" }], { initContainers: [{ name: "fetch", image: "curlimages/curl:8.8.0" }] });
            assert.deepEqual(messagesOf(workload("kubernetes:batch/v1:CronJob", spec)), [
                'CronJob api: container "report" runs "ghcr.io/acme/report:nightly" without a sha256 digest',
                'CronJob api: spec.jobTemplate.spec.template.spec.initContainers[0] (fetch) runs "curlimages/curl:8.8.0" without a sha256 digest',
            ]);
        });

        it("reports every unpinned container of a pod, pinned ones aside", function () {
            const spec = podSpec([{ name: "api", image: PINNED }, { name: "proxy", image: "envoyproxy/envoy:v1.31.0" }, { image: "redis:7" }], {
                initContainers: [{ name: "migrate", image: PINNED }, { name: "seed", image: "ghcr.io/acme/seed" }],
            });
            assert.deepEqual(messagesOf(workload("kubernetes:apps/v1:StatefulSet", spec)), [
                'StatefulSet api: container "proxy" runs "envoyproxy/envoy:v1.31.0" without a sha256 digest',
                'StatefulSet api: spec.template.spec.containers[2] runs "redis:7" without a sha256 digest',
                'StatefulSet api: spec.template.spec.initContainers[1] (seed) runs "ghcr.io/acme/seed" without a sha256 digest',
            ]);
        });

        it("flags a container without an image and a workload without a pod spec: nothing proves them pinned", function () {
            assert.deepEqual(messagesOf(deployment(podSpec([{ name: "api" }]))), ['Deployment api: container "api" has no image, so its pinning cannot be checked']);
            assert.deepEqual(messagesOf({ type: "kubernetes:apps/v1:DaemonSet", name: "agent", props: { metadata: { name: "agent" }, spec: { selector: {} } } }), [
                "DaemonSet agent: no pod spec at spec.template.spec, so its images cannot be checked",
            ]);
        });
    });

    describe("Docker containers", function () {
        it("flags a tagged image", function () {
            assert.deepEqual(messagesOf(dockerContainer("nginx:latest")), ['Container web: image is "nginx:latest" without a sha256 digest']);
        });
    });

    describe("Kubernetes patches", function () {
        it("judges the images a patch sets, and passes a patch that sets none", function () {
            const patch = (spec: Record<string, unknown>): TestResource => ({ ...workload("kubernetes:apps/v1:Deployment", spec), type: "kubernetes:apps/v1:DeploymentPatch" });
            assert.deepEqual(messagesOf(patch(podSpec([{ name: "api", image: "ghcr.io/acme/api:1.5.0" }]))), [
                'DeploymentPatch api: container "api" runs "ghcr.io/acme/api:1.5.0" without a sha256 digest',
            ]);
            assert.deepEqual(checkResource(imagePinnedByDigest, patch(podSpec([{ name: "api", image: `ghcr.io/acme/api:1.5.0@${DIGEST}` }]))), []);
            // Only replicas or resources patched: nothing about images to judge.
            assert.deepEqual(checkResource(imagePinnedByDigest, patch(podSpec([{ name: "api", resources: { limits: { cpu: "1" } } }]))), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "kubernetes:apps/v1:StatefulSetPatch", name: "db", props: { metadata: { name: "db" }, spec: { replicas: 3 } } }), []);
        });

        it("reads a CronJobPatch and a PodTemplate where their kinds keep the pod spec", function () {
            const cronJob = { ...workload("kubernetes:batch/v1:CronJob", podSpec([{ name: "report", image: "ghcr.io/acme/report:nightly" }])), type: "kubernetes:batch/v1:CronJobPatch" };
            assert.deepEqual(messagesOf(cronJob), ['CronJobPatch api: container "report" runs "ghcr.io/acme/report:nightly" without a sha256 digest']);
            assert.deepEqual(messagesOf(workload("kubernetes:core/v1:PodTemplate", podSpec([{ name: "api", image: "nginx" }]))), ['PodTemplate api: container "api" runs "nginx" without a sha256 digest']);
        });
    });

    describe("ECS", function () {
        const taskDefinition = (containerDefinitions: unknown): TestResource => ({
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "api",
            props: { family: "api", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions },
        });
        const definitions = (...images: string[]): string =>
            JSON.stringify(images.map((image, index) => ({ name: `c${index}`, image, essential: true, portMappings: [{ containerPort: 8080, protocol: "tcp" }] })));

        it("passes pinned container definitions", function () {
            assert.deepEqual(checkResource(imagePinnedByDigest, taskDefinition(definitions(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@${DIGEST}`, `public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0@${DIGEST}`))), []);
        });

        it("flags an unpinned or unparseable container definition", function () {
            assert.deepEqual(messagesOf(taskDefinition(definitions("123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:"))), [
                'TaskDefinition api: container "c0" runs "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2" without a sha256 digest',
                'TaskDefinition api: container "c1" runs "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:", which is not a valid image reference (invalid reference format: empty tag)',
            ]);
        });

        it("reports container definitions that are not JSON, not an array, or too large, without crashing", function () {
            assert.deepEqual(messagesOf(taskDefinition('[{"name": "api", "image": ')), ["TaskDefinition api: containerDefinitions is not valid JSON, so its images cannot be checked"]);
            assert.deepEqual(messagesOf(taskDefinition('{"name": "api"}')), ["TaskDefinition api: containerDefinitions is not a JSON array, so its images cannot be checked"]);
            assert.deepEqual(messagesOf(taskDefinition(`[${" ".repeat(1024 * 1024)}]`)), ["TaskDefinition api: containerDefinitions is larger than 1024 KiB, so its images cannot be checked"]);
        });

        it("flags a daemon task definition's and an Express service's unpinned images", function () {
            assert.deepEqual(messagesOf({ type: "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition", name: "agent", props: { family: "agent", containerDefinitions: [{ name: "agent", image: "datadog/agent:7" }] } }), [
                'DaemonTaskDefinition agent: container "agent" runs "datadog/agent:7" without a sha256 digest',
            ]);
            assert.deepEqual(messagesOf({ type: "aws:ecs/expressGatewayService:ExpressGatewayService", name: "web", props: { primaryContainer: { image: "nginx:1.27", containerPort: 80 } } }), [
                'ExpressGatewayService web: primaryContainer.image is "nginx:1.27" without a sha256 digest',
            ]);
        });
    });

    describe("Lambda, App Runner, Batch", function () {
        it("judges a container-image Lambda's imageUri, and not a Zip function", function () {
            const lambda = (props: Record<string, unknown>): TestResource => ({ type: "aws:lambda/function:Function", name: "resize", props: { role: "arn:aws:iam::123456789012:role/resize", ...props } });
            assert.deepEqual(messagesOf(lambda({ packageType: "Image", imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/resize:latest" })), [
                'Function resize: imageUri is "123456789012.dkr.ecr.eu-west-1.amazonaws.com/resize:latest" without a sha256 digest',
            ]);
            assert.deepEqual(checkResource(imagePinnedByDigest, lambda({ packageType: "Image", imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/resize@${DIGEST}` })), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, lambda({ runtime: "nodejs20.x", handler: "index.handler", code: { hash: "x" } })), []);
        });

        it("judges an App Runner image repository, and not a code repository", function () {
            const service = (sourceConfiguration: Record<string, unknown>): TestResource => ({ type: "aws:apprunner/service:Service", name: "web", props: { serviceName: "web", sourceConfiguration } });
            assert.deepEqual(messagesOf(service({ imageRepository: { imageIdentifier: "public.ecr.aws/aws-containers/hello-app-runner:latest", imageRepositoryType: "ECR_PUBLIC" } })), [
                'Service web: sourceConfiguration.imageRepository.imageIdentifier is "public.ecr.aws/aws-containers/hello-app-runner:latest" without a sha256 digest',
            ]);
            assert.deepEqual(checkResource(imagePinnedByDigest, service({ codeRepository: { repositoryUrl: "https://github.com/acme/web" } })), []);
        });

        it("judges every image of a Batch job definition: container, ECS and EKS properties, node ranges", function () {
            const jobDefinition: TestResource = {
                type: "aws:batch/jobDefinition:JobDefinition",
                name: "etl",
                props: {
                    type: "container",
                    containerProperties: JSON.stringify({ image: "busybox", command: ["ls"], resourceRequirements: [{ type: "VCPU", value: "1" }] }),
                    ecsProperties: JSON.stringify({ taskProperties: [{ containers: [{ name: "main", image: `ghcr.io/acme/etl@${DIGEST}` }, { name: "sidecar", image: "amazon/aws-xray-daemon:3.3" }] }] }),
                    eksProperties: { podProperties: { containers: [{ name: "main", image: "public.ecr.aws/amazonlinux/amazonlinux:2" }] } },
                    nodeProperties: JSON.stringify({ mainNode: 0, numNodes: 2, nodeRangeProperties: [{ targetNodes: "0:", container: { image: "ghcr.io/acme/mpi:1" } }] }),
                },
            };
            assert.deepEqual(messagesOf(jobDefinition), [
                'JobDefinition etl: containerProperties runs "busybox" without a sha256 digest',
                'JobDefinition etl: ecsProperties.taskProperties[0].containers[1] (sidecar) runs "amazon/aws-xray-daemon:3.3" without a sha256 digest',
                'JobDefinition etl: eksProperties.podProperties.containers[0] (main) runs "public.ecr.aws/amazonlinux/amazonlinux:2" without a sha256 digest',
                'JobDefinition etl: nodeProperties.nodeRangeProperties[0].container runs "ghcr.io/acme/mpi:1" without a sha256 digest',
            ]);
            assert.deepEqual(messagesOf({ ...jobDefinition, props: { type: "container", containerProperties: "{not json" } }), ["JobDefinition etl: containerProperties is not valid JSON, so its images cannot be checked"]);
        });
    });

    describe("Cloud Run", function () {
        it("judges v1 services and v2 services, jobs and worker pools where each keeps its containers", function () {
            const containers = [{ name: "web", image: "us-docker.pkg.dev/cloudrun/container/hello" }, { name: "proxy", image: `gcr.io/acme/proxy@${DIGEST}` }];
            const cases: [string, Record<string, unknown>, string][] = [
                ["gcp:cloudrun/service:Service", { location: "europe-west1", template: { spec: { containers } } }, "template.spec.containers"],
                ["gcp:cloudrunv2/service:Service", { location: "europe-west1", template: { containers } }, "template.containers"],
                ["gcp:cloudrunv2/job:Job", { location: "europe-west1", template: { template: { containers } } }, "template.template.containers"],
                ["gcp:cloudrunv2/workerPool:WorkerPool", { location: "europe-west1", template: { containers } }, "template.containers"],
            ];
            for (const [type, props, where] of cases) {
                const kind = type.slice(type.lastIndexOf(":") + 1);
                assert.deepEqual(messagesOf({ type, name: "hello", props }), [`${kind} hello: ${where}[0] (web) runs "us-docker.pkg.dev/cloudrun/container/hello" without a sha256 digest`], type);
            }
        });
    });

    describe("images built from a Dockerfile", function () {
        let context: string;
        const write = (text: string, file = "Dockerfile"): string => {
            fs.writeFileSync(path.join(context, file), text);
            return path.join(context, file);
        };
        beforeEach(function () {
            context = fs.mkdtempSync(path.join(os.tmpdir(), "image-pinned-"));
        });
        afterEach(function () {
            fs.rmSync(context, { recursive: true, force: true });
        });
        const dockerImage = (build: Record<string, unknown>): TestResource => ({ type: "docker:index/image:Image", name: "api-image", props: { imageName: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:abc", build } });

        it("passes the project's own sample service, by absolute path and relative to the project folder", function () {
            assert.deepEqual(checkResource(imagePinnedByDigest, dockerImage({ context: path.resolve("services/api"), platform: "linux/amd64", args: { BUILD_SHA: "abc" } })), []);
            assert.deepEqual(checkResource(imagePinnedByDigest, dockerImage({ context: "services/api" })), []);
        });

        it("passes pinned bases, earlier stages, scratch, and ARG-templated bases resolved from build args", function () {
            write(
                [
                    "# syntax=docker/dockerfile:1",
                    "ARG BASE=node:20-alpine",
                    `ARG RUNTIME=gcr.io/distroless/nodejs20-debian12@${DIGEST}`,
                    "FROM --platform=$BUILDPLATFORM ${BASE} AS build",
                    "RUN <<EOF",
                    "FROM nginx:latest is heredoc text, not an instruction",
                    "EOF",
                    "FROM scratch AS empty",
                    "from ${RUNTIME}",
                    "COPY --from=build /app /app",
                    "COPY --from=0 /x /x",
                ].join("\n"),
            );
            assert.deepEqual(checkResource(imagePinnedByDigest, dockerImage({ context, args: { BASE: `node:20-alpine@${DIGEST}` } })), []);
        });

        it("flags an unpinned FROM, COPY --from and RUN --mount image, with the Dockerfile line", function () {
            const file = write(
                ["FROM node:20-alpine AS build", "RUN --mount=type=bind,from=ghcr.io/acme/tools:1,target=/tools make", `FROM gcr.io/distroless/nodejs20-debian12@${DIGEST}`, "COPY --from=nginx:1.27 \\", "    /etc/nginx /etc/nginx"].join("\n"),
            );
            assert.deepEqual(messagesOf(dockerImage({ context })), [
                `Image api-image: Dockerfile ${JSON.stringify(file)} line 1 FROM "node:20-alpine" without a sha256 digest`,
                `Image api-image: Dockerfile ${JSON.stringify(file)} line 2 RUN --mount from "ghcr.io/acme/tools:1" without a sha256 digest`,
                `Image api-image: Dockerfile ${JSON.stringify(file)} line 4 COPY --from "nginx:1.27" without a sha256 digest`,
            ]);
        });

        it("flags a base image from a build argument with no value, and resolves the default otherwise", function () {
            // Only ARGs declared before the first FROM reach a FROM.
            const file = write(["ARG BASE", "ARG TAG=3.20", "FROM ${BASE}", "FROM alpine:${TAG}"].join("\n"));
            assert.deepEqual(messagesOf(dockerImage({ context })), [
                `Image api-image: Dockerfile ${JSON.stringify(file)} line 3 FROM "\${BASE}" uses a build argument with no value, so its image cannot be checked`,
                `Image api-image: Dockerfile ${JSON.stringify(file)} line 4 FROM "alpine:3.20" without a sha256 digest`,
            ]);
        });

        it("lists the first 20 images of a Dockerfile that pulls thousands, and counts the rest", function () {
            const messages = messagesOf({ type: "docker-build:index:Image", name: "gen", props: { dockerfile: { inline: "FROM alpine:3.20\n".repeat(5000) } } });
            assert.equal(messages.length, 21);
            assert.equal(messages[20], "Image gen: inline Dockerfile pulls 4980 more images, not listed here");
        });

        it("reads the Dockerfile named by build.dockerfile, and reports one that cannot be read", function () {
            const file = write("FROM python:3.12-slim\n", "worker.Dockerfile");
            assert.deepEqual(messagesOf(dockerImage({ context, dockerfile: file })), [`Image api-image: Dockerfile ${JSON.stringify(file)} line 1 FROM "python:3.12-slim" without a sha256 digest`]);
            const missing = path.join(context, "missing", "Dockerfile");
            assert.deepEqual(messagesOf(dockerImage({ context: path.join(context, "missing") })), [`Image api-image: Dockerfile ${JSON.stringify(missing)} is not found here, so its base images cannot be checked`]);
            assert.deepEqual(messagesOf(dockerImage({ context, dockerfile: context })), [`Image api-image: Dockerfile ${JSON.stringify(context)} is not a regular file here, so its base images cannot be checked`]);
        });

        it("judges docker-build images (inline or located Dockerfile) and RemoteImage pulls and builds", function () {
            assert.deepEqual(messagesOf({ type: "docker-build:index:Image", name: "web", props: { push: true, tags: ["ghcr.io/acme/web:1"], dockerfile: { inline: "FROM nginx:1.27\n" }, context: { location: context } } }), [
                'Image web: inline Dockerfile line 1 FROM "nginx:1.27" without a sha256 digest',
            ]);
            write(`ARG BASE=ruby:3.3\nFROM \${BASE}\n`);
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "docker-build:index:Image", name: "web", props: { push: false, context: { location: context }, buildArgs: { BASE: `ruby:3.3@${DIGEST}` } } }), []);
            assert.deepEqual(messagesOf({ type: "docker:index/remoteImage:RemoteImage", name: "nginx", props: { name: "nginx:latest", keepLocally: true } }), ['RemoteImage nginx: name is "nginx:latest" without a sha256 digest']);
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "docker:index/remoteImage:RemoteImage", name: "nginx", props: { name: `nginx@${DIGEST}` } }), []);
            assert.deepEqual(messagesOf({ type: "docker:index/remoteImage:RemoteImage", name: "local", props: { name: "local/app:dev", build: { context, buildArgs: { BASE: "ruby:3.3" } } } }), [
                `RemoteImage local: Dockerfile ${JSON.stringify(path.join(context, "Dockerfile"))} line 2 FROM "ruby:3.3" without a sha256 digest`,
            ]);
        });
    });

    describe("Docker services", function () {
        it("flags a swarm service's unpinned image", function () {
            assert.deepEqual(messagesOf({ type: "docker:index/service:Service", name: "web", props: { name: "web", taskSpec: { containerSpec: { image: "nginx:1.27" } } } }), [
                'Service web: taskSpec.containerSpec.image is "nginx:1.27" without a sha256 digest',
            ]);
        });
    });

    describe("Helm values", function () {
        it("flags a string under an image key, with its values path", function () {
            assert.deepEqual(messagesOf(release({ grafana: { sidecar: { image: "quay.io/kiwigrid/k8s-sidecar:1.27.4" } }, extraContainers: [{ name: "x", image: "busybox" }] })), [
                'Release monitoring: values.extraContainers[0].image is "busybox" without a sha256 digest',
                'Release monitoring: values.grafana.sidecar.image is "quay.io/kiwigrid/k8s-sidecar:1.27.4" without a sha256 digest',
            ]);
        });

        it("flags a {repository, tag} object, under image or not, and a {registry, repository, tag} one", function () {
            const values = {
                grafana: { image: { repository: "grafana/grafana", tag: "11.1.0", pullPolicy: "IfNotPresent" } },
                initChownData: { repository: "busybox", tag: "1.36" },
                redis: { image: { registry: "docker.io", repository: "bitnami/redis", tag: "7.2.5", digest: "" } },
            };
            assert.deepEqual(messagesOf(release(values)), [
                'Release monitoring: values.grafana.image names "grafana/grafana:11.1.0" without a sha256 digest',
                'Release monitoring: values.initChownData names "busybox:1.36" without a sha256 digest',
                'Release monitoring: values.redis.image names "docker.io/bitnami/redis:7.2.5" without a sha256 digest',
            ]);
        });

        it("flags an image object whose digest is not sha256:<64 lowercase hex>, or that leaves the chart's image unpinned", function () {
            const values = {
                grafana: { image: { repository: "grafana/grafana", tag: "11.1.0", digest: "sha256:abc" } },
                loki: { image: { repository: "grafana/loki", digest: "0123456789abcdef".repeat(4) } },
                tempo: { image: { tag: "2.5.0" } },
                alloy: { image: { pullPolicy: "Always" } },
            };
            assert.deepEqual(messagesOf(release(values)), [
                "Release monitoring: values.alloy.image sets no repository and no sha256 digest, so the chart's default image is not pinned",
                'Release monitoring: values.grafana.image has digest "sha256:abc", which is not sha256:<64 lowercase hex>',
                `Release monitoring: values.loki.image has digest "${"0123456789abcdef".repeat(4)}", which is not sha256:<64 lowercase hex>`,
                "Release monitoring: values.tempo.image sets no repository and no sha256 digest, so the chart's default image is not pinned",
            ]);
        });

        it("passes an image object once its digest is set", function () {
            const unpinned = { grafana: { image: { repository: "grafana/grafana", tag: "11.1.0" } } };
            assert.equal(messagesOf(release(unpinned)).length, 1);
            assert.deepEqual(checkResource(imagePinnedByDigest, release({ grafana: { image: { repository: "grafana/grafana", tag: "11.1.0", digest: DIGEST } } })), []);
        });

        it("flags an unparseable image object", function () {
            assert.deepEqual(messagesOf(release({ app: { image: { repository: "Acme/App", tag: "1" } } })), [
                'Release monitoring: values.app.image names "Acme/App:1", which is not a valid image reference (invalid reference format: repository name must be lowercase)',
            ]);
        });
    });

    describe("preview", function () {
        it("reports the advisory can't-run result when an image is unknown", function () {
            const outcomes = checkResource(imagePinnedByDigest, deployment(podSpec([{ name: "api", image: UNKNOWN }])));
            assert.equal(outcomes.length, 1);
            const [outcome] = outcomes;
            assert.equal(outcome.kind, "unknown");
            assert.equal(
                outcome.message,
                `can't run policy 'image-pinned-by-digest' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .spec.template.spec.containers.0.image can't be known during preview`,
            );
        });

        it("reports can't-run, not a crash, for an unknown Docker image or Helm values", function () {
            const [docker] = checkResource(imagePinnedByDigest, dockerContainer(UNKNOWN));
            assert.equal(docker.kind, "unknown");
            assert.match(docker.message, /during preview: string value at \.image can't be known during preview$/);
            const [helm] = checkResource(imagePinnedByDigest, release({ grafana: { image: { repository: "grafana/grafana", tag: UNKNOWN } } }));
            assert.equal(helm.kind, "unknown");
            assert.match(helm.message, /during preview: string value at \.values\.grafana\.image\.tag can't be known during preview$/);
        });

        it("checks known values the same without the preview proxy", function () {
            assert.deepEqual(violationMessages(checkResource(imagePinnedByDigest, deployment(podSpec([{ name: "api", image: "nginx:1.27" }])), { preview: false })), [
                'Deployment api: container "api" runs "nginx:1.27" without a sha256 digest',
            ]);
        });
    });

    describe("exemptions", function () {
        const exempt = (value: string) =>
            deployment(podSpec([{ name: "api", image: "nginx:1.27" }], { initContainers: [{ name: "migrate", image: "migrate:3" }] }), {
                "policy.platform/exempt-image-pinned-by-digest": value,
            });

        it("honours the annotation with a reason and an expiry, for every message of the resource", function () {
            const outcomes = checkResource(imagePinnedByDigest, exempt("2027-03-31 vendor chart only publishes tags, digest pinning tracked in PLAT-812"));
            assert.deepEqual(
                outcomes.map((outcome) => [outcome.kind, outcome.message]),
                [
                    ["exempted", 'Deployment api: container "api" runs "nginx:1.27" without a sha256 digest'],
                    ["exempted", 'Deployment api: spec.template.spec.initContainers[0] (migrate) runs "migrate:3" without a sha256 digest'],
                ],
            );
        });

        it("does not honour an expired exemption", function () {
            assert.deepEqual(messagesOf(exempt("2026-11-23 vendor chart only publishes tags")), [
                'Deployment api: container "api" runs "nginx:1.27" without a sha256 digest (exemption expired on 2026-11-23: vendor chart only publishes tags)',
                'Deployment api: spec.template.spec.initContainers[0] (migrate) runs "migrate:3" without a sha256 digest (exemption expired on 2026-11-23: vendor chart only publishes tags)',
            ]);
        });
    });

    it("declares its metadata", function () {
        assert.equal(imagePinnedByDigest.kind, "resource");
        assert.equal(imagePinnedByDigest.name, "image-pinned-by-digest");
        assert.deepEqual(verdictsOn(imagePinnedByDigest, [deployment(podSpec([{ name: "api", image: "nginx:1.27" }]))]), { severity: "high", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
        assert.deepEqual(imagePinnedByDigest.resourceTypes, [
            ...WORKLOADS,
            "docker:index/container:Container",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:helm.sh/v4:Chart",
            ...WORKLOADS.map((type) => `${type}Patch`),
            "docker:index/service:Service",
            "docker:index/remoteImage:RemoteImage",
            "docker:index/image:Image",
            "docker-build:index:Image",
            "aws:ecs/taskDefinition:TaskDefinition",
            "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition",
            "aws:ecs/expressGatewayService:ExpressGatewayService",
            "aws:lambda/function:Function",
            "aws:apprunner/service:Service",
            "aws:batch/jobDefinition:JobDefinition",
            "gcp:cloudrun/service:Service",
            "gcp:cloudrunv2/service:Service",
            "gcp:cloudrunv2/job:Job",
            "gcp:cloudrunv2/workerPool:WorkerPool",
        ]);
        assert.match(imagePinnedByDigest.description, /sha256 digest/);
        assert.match(imagePinnedByDigest.rationale, /digest names exactly one image/);
        assert.match(imagePinnedByDigest.remediation, /image@sha256:<digest>/);
        assert.match(imagePinnedByDigest.remediation, /docker buildx imagetools inspect <image>/);
        assert.match(imagePinnedByDigest.remediation, /crane digest <image>/);
        assert.match(imagePinnedByDigest.remediation, /FROM image:tag@sha256:<digest>/);
    });
});
