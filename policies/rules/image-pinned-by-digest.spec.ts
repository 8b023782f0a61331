import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages } from "../../test/support/policy-harness";
import { imagePinnedByDigest } from "./image-pinned-by-digest";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const PINNED = `nginx@${DIGEST}`;

const podSpec = (containers: readonly unknown[], extra: Record<string, unknown> = {}) => ({ containers, ...extra });
const templated = (spec: Record<string, unknown>) => ({ template: { metadata: { labels: { app: "api" } }, spec } });

/** A covered Kubernetes workload with its pod spec where that type keeps it. */
function workload(type: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): TestResource {
    const kind = type.slice(type.lastIndexOf(":") + 1);
    const metadata = { name: "api", annotations };
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
            assert.deepEqual(checkResource(imagePinnedByDigest, { type: "aws:ecs/taskDefinition:TaskDefinition", props: { containerDefinitions: "[]" } }), []);
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
                "can't run policy 'image-pinned-by-digest' from policy pack 'platform-policies@v0.1.0' during preview: string value at .spec.template.spec.containers.0.image can't be known during preview",
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
        assert.equal(imagePinnedByDigest.severity, "high");
        assert.equal(imagePinnedByDigest.exemptable, true);
        assert.deepEqual(imagePinnedByDigest.enforcement, { dev: "advisory", staging: "mandatory", prod: "mandatory" });
        assert.deepEqual(imagePinnedByDigest.resourceTypes, [...WORKLOADS, "docker:index/container:Container", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"]);
        assert.match(imagePinnedByDigest.description, /sha256 digest/);
        assert.match(imagePinnedByDigest.rationale, /digest names exactly one image/);
        assert.match(imagePinnedByDigest.remediation, /image@sha256:<digest>/);
        assert.match(imagePinnedByDigest.remediation, /docker buildx imagetools inspect <image>/);
        assert.match(imagePinnedByDigest.remediation, /crane digest <image>/);
    });
});
