import { ImagePinning, imagePinning, isSha256Digest } from "../lib/image-reference";
import { isRecord, ResourceRule, ResourceUnderTest, STRICT_OUTSIDE_DEV } from "../lib/rule";

/** Where the pod spec of each covered Kubernetes workload lives in its props. */
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
    ["kubernetes:apps/v1:Deployment", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:StatefulSet", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:DaemonSet", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:ReplicaSet", ["spec", "template", "spec"]],
    ["kubernetes:batch/v1:Job", ["spec", "template", "spec"]],
    ["kubernetes:batch/v1:CronJob", ["spec", "jobTemplate", "spec", "template", "spec"]],
    ["kubernetes:core/v1:Pod", ["spec"]],
]);
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;
const DOCKER_CONTAINER = "docker:index/container:Container";
const HELM_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"] as const;

// Props arrive wrapped in the SDK's unknown-checking proxy (arrays too): plain property reads and index
// loops only, so that touching a preview unknown throws UnknownValueError up to the runner untouched.

/** The tail of a message saying why a reference is not pinned (leading separator included); undefined when pinned. */
function pinningProblem(pinning: ImagePinning, allowImageId: boolean): string | undefined {
    switch (pinning.kind) {
        case "pinned":
            return undefined;
        case "unpinned":
            return " without a sha256 digest";
        case "weak-digest":
            return ` with a digest that is not sha256:<64 lowercase hex>`;
        case "image-id":
            return allowImageId && isSha256Digest(pinning.digest) ? undefined : ", an image ID rather than a registry image pinned by digest";
        case "invalid":
            return `, which is not a valid image reference (${pinning.problem})`;
    }
}

/** `<subject> <verb> "<reference>" <problem>`, or undefined when the reference is pinned. */
function referenceViolation(label: string, subject: string, reference: string, allowImageId = false): string | undefined {
    const problem = pinningProblem(imagePinning(reference), allowImageId);
    return problem === undefined ? undefined : `${label}: ${subject} ${JSON.stringify(reference)}${problem}`;
}

function checkPodSpec(label: string, props: Record<string, unknown>, path: readonly string[]): string[] {
    let podSpec: unknown = props;
    for (const key of path) podSpec = isRecord(podSpec) ? podSpec[key] : undefined;
    const where = path.join(".");
    // Not proven compliant: a workload without a pod spec is reported rather than passed.
    if (!isRecord(podSpec)) return [`${label}: no pod spec at ${where}, so its images cannot be checked`];
    const messages: string[] = [];
    for (const list of CONTAINER_LISTS) {
        const containers = podSpec[list];
        if (!Array.isArray(containers)) continue;
        for (let index = 0; index < containers.length; index++) {
            const container: unknown = containers[index];
            const name = isRecord(container) && typeof container.name === "string" ? container.name : undefined;
            const subject =
                list === "containers" && name !== undefined ? `container ${JSON.stringify(name)}` : `${where}.${list}[${index}]${name === undefined ? "" : ` (${name})`}`;
            const image = isRecord(container) ? container.image : undefined;
            if (typeof image !== "string") {
                // Kubernetes allows an empty image for something else to fill in; nothing here proves it pinned.
                messages.push(`${label}: ${subject} has no image, so its pinning cannot be checked`);
                continue;
            }
            const message = referenceViolation(label, `${subject} runs`, image);
            if (message !== undefined) messages.push(message);
        }
    }
    return messages;
}

function checkDockerContainer(label: string, props: Record<string, unknown>): string[] {
    const image = props.image;
    if (typeof image !== "string") return [`${label}: has no image, so its pinning cannot be checked`];
    // A Docker container may run by image ID (`sha256:…`, e.g. a RemoteImage's imageId): content-addressed, so pinned.
    const message = referenceViolation(label, "image is", image, true);
    return message === undefined ? [] : [message];
}

function text(value: unknown): string | undefined {
    if (typeof value === "number") return String(value);
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** A Helm image object: `{registry?, repository?, tag?, digest?}` as most charts spell it. */
function checkImageObject(label: string, image: Record<string, unknown>, path: string): string | undefined {
    const digest = image.digest;
    if (digest !== undefined && digest !== null && digest !== "") {
        return isSha256Digest(digest) ? undefined : `${label}: ${path} has digest ${JSON.stringify(digest)}, which is not sha256:<64 lowercase hex>`;
    }
    const repository = text(image.repository);
    const tag = text(image.tag);
    if (repository === undefined) {
        // Only a tag (or pull policy) overridden: the chart's own repository is used, pinned only if the tag carries a digest.
        const pinned = tag !== undefined && imagePinning(`chart-default:${tag}`).kind === "pinned";
        return pinned ? undefined : `${label}: ${path} sets no repository and no sha256 digest, so the chart's default image is not pinned`;
    }
    const registry = text(image.registry);
    const reference = `${registry === undefined ? "" : `${registry}/`}${repository}${tag === undefined ? "" : `:${tag}`}`;
    return referenceViolation(label, `${path} names`, reference);
}

/** Walks Helm values: a string under `image` is a reference; an object under `image`, or with a `repository`, is an image object. */
function checkValues(label: string, value: unknown, path: string, underImageKey: boolean, messages: string[]): void {
    if (underImageKey && typeof value === "string") {
        const message = referenceViolation(label, `${path} is`, value);
        if (message !== undefined) messages.push(message);
    } else if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) checkValues(label, value[index], `${path}[${index}]`, false, messages);
    } else if (isRecord(value)) {
        if (underImageKey || typeof value.repository === "string") {
            const message = checkImageObject(label, value, path);
            if (message !== undefined) messages.push(message);
            return;
        }
        for (const key of Object.keys(value)) checkValues(label, value[key], `${path}.${key}`, key === "image", messages);
    }
}

/** Every container image is pinned by a sha256 digest, so what runs is exactly what was built and reviewed. */
export const imagePinnedByDigest: ResourceRule = {
    kind: "resource",
    name: "image-pinned-by-digest",
    description: "Container images are pinned by sha256 digest, not by tag alone.",
    severity: "high",
    rationale:
        "A tag (latest or any other) can be re-pointed at a different image after review, and each node may pull a different one; a sha256 digest names exactly one image, so every environment runs the bytes that were built and reviewed.",
    remediation:
        "Reference the image as `image@sha256:<digest>` (a tag may stay for readability: `image:tag@sha256:<digest>`); for a Helm image object set its `digest`. `docker buildx imagetools inspect <image>` or `crane digest <image>` prints the digest.",
    resourceTypes: [...POD_SPEC_PATHS.keys(), DOCKER_CONTAINER, ...HELM_TYPES],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource: ResourceUnderTest) {
        const label = `${resource.type.slice(resource.type.lastIndexOf(":") + 1)} ${resource.name}`;
        const podSpecPath = POD_SPEC_PATHS.get(resource.type);
        if (podSpecPath !== undefined) return checkPodSpec(label, resource.props, podSpecPath);
        if (resource.type === DOCKER_CONTAINER) return checkDockerContainer(label, resource.props);
        const messages: string[] = [];
        checkValues(label, resource.props.values, "values", false, messages);
        return messages;
    },
};
