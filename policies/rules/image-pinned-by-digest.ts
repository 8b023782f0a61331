import * as nodePath from "path";
import { DOCKERFILE_MAX_BYTES, projectDirectory, pulledImages, readDockerfile } from "../lib/dockerfile";
import { ImagePinning, imagePinning, isSha256Digest, quoteReference } from "../lib/image-reference";
import { ResourceRule, ResourceUnderTest, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { isRecord } from "../lib/values";

/** Where the pod spec of each covered Kubernetes workload lives in its props. */
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
    ["kubernetes:apps/v1:Deployment", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:StatefulSet", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:DaemonSet", ["spec", "template", "spec"]],
    ["kubernetes:apps/v1:ReplicaSet", ["spec", "template", "spec"]],
    ["kubernetes:batch/v1:Job", ["spec", "template", "spec"]],
    ["kubernetes:batch/v1:CronJob", ["spec", "jobTemplate", "spec", "template", "spec"]],
    ["kubernetes:core/v1:Pod", ["spec"]],
    ["kubernetes:core/v1:ReplicationController", ["spec", "template", "spec"]],
    ["kubernetes:core/v1:PodTemplate", ["template", "spec"]],
]);
/** Server-side apply patches of the same kinds (`DeploymentPatch`, …): judged on the images they set. */
const PATCH_POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([...POD_SPEC_PATHS].map(([type, specPath]) => [`${type}Patch`, specPath]));
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;
const DOCKER_CONTAINER = "docker:index/container:Container";
const HELM_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"] as const;
/** Images built from a Dockerfile: the images its FROM lines pull are judged. */
const DOCKER_IMAGE = "docker:index/image:Image";
const DOCKER_BUILD_IMAGE = "docker-build:index:Image";
const DOCKER_REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
const DOCKER_SERVICE = "docker:index/service:Service";
const ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const ECS_DAEMON_TASK_DEFINITION = "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition";
const ECS_EXPRESS_SERVICE = "aws:ecs/expressGatewayService:ExpressGatewayService";
const LAMBDA_FUNCTION = "aws:lambda/function:Function";
const APP_RUNNER_SERVICE = "aws:apprunner/service:Service";
const BATCH_JOB_DEFINITION = "aws:batch/jobDefinition:JobDefinition";
/** Cloud Run: where each resource keeps its list of containers. */
const CLOUD_RUN_CONTAINER_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
    ["gcp:cloudrun/service:Service", ["template", "spec", "containers"]],
    ["gcp:cloudrunv2/service:Service", ["template", "containers"]],
    ["gcp:cloudrunv2/job:Job", ["template", "template", "containers"]],
    ["gcp:cloudrunv2/workerPool:WorkerPool", ["template", "containers"]],
]);
/** Container definitions and job properties are JSON strings: capped before they are parsed (AWS caps a task definition at 64 KiB). */
const JSON_DOCUMENT_MAX_CHARACTERS = 1024 * 1024;
/** Findings listed per Dockerfile; the rest are counted. */
const MAX_DOCKERFILE_FINDINGS = 20;

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
    return problem === undefined ? undefined : `${label}: ${subject} ${quoteReference(reference)}${problem}`;
}

/** A list of containers `{name?, image}` (pod specs, Cloud Run, ECS, Batch); `optional`: a patch or an override may leave images out. */
function checkContainerList(label: string, containers: unknown, where: string, optional: boolean, messages: string[], describe?: (index: number, name: string | undefined) => string): void {
    if (!Array.isArray(containers)) return;
    for (let index = 0; index < containers.length; index++) {
        const container: unknown = containers[index];
        const name = isRecord(container) && typeof container.name === "string" ? container.name : undefined;
        const subject = describe?.(index, name) ?? `${where}[${index}]${name === undefined ? "" : ` (${name})`}`;
        const image = isRecord(container) ? container.image : undefined;
        if (typeof image !== "string") {
            // Kubernetes allows an empty image for something else to fill in; nothing here proves it pinned.
            if (!optional) messages.push(`${label}: ${subject} has no image, so its pinning cannot be checked`);
            continue;
        }
        const message = referenceViolation(label, `${subject} runs`, image);
        if (message !== undefined) messages.push(message);
    }
}

function checkPodSpec(label: string, props: Record<string, unknown>, specPath: readonly string[], patch: boolean): string[] {
    let podSpec: unknown = props;
    for (const key of specPath) podSpec = isRecord(podSpec) ? podSpec[key] : undefined;
    const where = specPath.join(".");
    // Not proven compliant: a workload without a pod spec is reported rather than passed (a patch may leave it out).
    if (!isRecord(podSpec)) return patch ? [] : [`${label}: no pod spec at ${where}, so its images cannot be checked`];
    const messages: string[] = [];
    for (const list of CONTAINER_LISTS) {
        checkContainerList(label, podSpec[list], `${where}.${list}`, patch, messages, (index, name) =>
            list === "containers" && name !== undefined ? `container ${JSON.stringify(name)}` : `${where}.${list}[${index}]${name === undefined ? "" : ` (${name})`}`,
        );
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
        return isSha256Digest(digest) ? undefined : `${label}: ${path} has digest ${typeof digest === "string" ? quoteReference(digest) : JSON.stringify(digest)}, which is not sha256:<64 lowercase hex>`;
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

/** A JSON document given as a string (ECS container definitions, Batch properties): parsed capped, a failure is a finding. */
function parseJsonProperty(label: string, value: unknown, property: string, messages: string[]): unknown {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return value;
    if (value.length > JSON_DOCUMENT_MAX_CHARACTERS) {
        messages.push(`${label}: ${property} is larger than ${JSON_DOCUMENT_MAX_CHARACTERS / 1024} KiB, so its images cannot be checked`);
        return undefined;
    }
    try {
        return JSON.parse(value) as unknown;
    } catch {
        messages.push(`${label}: ${property} is not valid JSON, so its images cannot be checked`);
        return undefined;
    }
}

function at(value: unknown, ...keys: string[]): unknown {
    let node = value;
    for (const key of keys) node = isRecord(node) ? node[key] : undefined;
    return node;
}

function checkEcsTaskDefinition(label: string, props: Record<string, unknown>): string[] {
    const messages: string[] = [];
    const definitions = parseJsonProperty(label, props.containerDefinitions, "containerDefinitions", messages);
    if (definitions !== undefined && !Array.isArray(definitions)) messages.push(`${label}: containerDefinitions is not a JSON array, so its images cannot be checked`);
    checkContainerList(label, definitions, "containerDefinitions", false, messages, (index, name) => (name === undefined ? `containerDefinitions[${index}]` : `container ${JSON.stringify(name)}`));
    return messages;
}

function checkBatchJobDefinition(label: string, props: Record<string, unknown>): string[] {
    const messages: string[] = [];
    const container = parseJsonProperty(label, props.containerProperties, "containerProperties", messages);
    if (container !== undefined) checkContainerList(label, [container], "containerProperties", false, messages, () => "containerProperties");
    const ecsTasks = (where: string, ecs: unknown): void => {
        const tasks = at(ecs, "taskProperties");
        if (!Array.isArray(tasks)) return;
        for (let index = 0; index < tasks.length; index++) checkContainerList(label, at(tasks[index], "containers"), `${where}.taskProperties[${index}].containers`, false, messages);
    };
    const eksPod = (where: string, eks: unknown): void => {
        checkContainerList(label, at(eks, "podProperties", "containers"), `${where}.podProperties.containers`, false, messages);
        checkContainerList(label, at(eks, "podProperties", "initContainers"), `${where}.podProperties.initContainers`, false, messages);
    };
    ecsTasks("ecsProperties", parseJsonProperty(label, props.ecsProperties, "ecsProperties", messages));
    // eksProperties is an object input; the others are JSON strings.
    eksPod("eksProperties", props.eksProperties);
    const ranges = at(parseJsonProperty(label, props.nodeProperties, "nodeProperties", messages), "nodeRangeProperties");
    if (Array.isArray(ranges)) {
        for (let index = 0; index < ranges.length; index++) {
            const where = `nodeProperties.nodeRangeProperties[${index}]`;
            const range: unknown = ranges[index];
            // A node range may leave its container out and inherit the main node's.
            if (isRecord(range) && isRecord(range.container)) checkContainerList(label, [range.container], `${where}.container`, false, messages, () => `${where}.container`);
            ecsTasks(`${where}.ecsProperties`, at(range, "ecsProperties"));
            eksPod(`${where}.eksProperties`, at(range, "eksProperties"));
        }
    }
    return messages;
}

function checkSingleImage(label: string, subject: string, image: unknown, allowImageId = false): string[] {
    if (typeof image !== "string" || image === "") return [`${label}: ${subject} is not set, so its pinning cannot be checked`];
    const message = referenceViolation(label, `${subject} is`, image, allowImageId);
    return message === undefined ? [] : [message];
}

function stringMap(value: unknown): Map<string, string> {
    const map = new Map<string, string>();
    if (!isRecord(value)) return map;
    for (const key of Object.keys(value)) {
        const entry = value[key];
        if (typeof entry === "string") map.set(key, entry);
    }
    return map;
}

const isRemote = (location: string): boolean => /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)/i.test(location);

/** The images a Dockerfile pulls, judged: `dockerfile` is a path (relative ones start at the project folder) or inline text. */
function checkDockerfile(label: string, dockerfile: { readonly file: string } | { readonly inline: string }, buildArgs: ReadonlyMap<string, string>): string[] {
    let text: string;
    let where: string;
    if ("inline" in dockerfile) {
        where = "inline Dockerfile";
        if (dockerfile.inline.length > DOCKERFILE_MAX_BYTES) return [`${label}: the ${where} is larger than ${DOCKERFILE_MAX_BYTES / 1024} KiB, so its base images cannot be checked`];
        text = dockerfile.inline;
    } else {
        where = `Dockerfile ${quoteReference(dockerfile.file)}`;
        if (isRemote(dockerfile.file)) return [`${label}: ${where} is remote, so its base images cannot be checked`];
        const read = readDockerfile(nodePath.resolve(projectDirectory(), dockerfile.file));
        if (!read.ok) return [`${label}: ${where} is ${read.problem} here, so its base images cannot be checked`];
        text = read.text;
    }
    const messages: string[] = [];
    let unreported = 0;
    for (const image of pulledImages(text, buildArgs)) {
        // A generated Dockerfile may pull thousands: the first findings say what to fix, the rest are counted.
        if (messages.length === MAX_DOCKERFILE_FINDINGS) {
            unreported++;
            continue;
        }
        const subject = `${where} line ${image.line} ${image.instruction}`;
        if (image.kind === "unresolved") {
            messages.push(`${label}: ${subject} ${quoteReference(image.written)} uses a build argument with no value, so its image cannot be checked`);
        } else if (image.kind === "image" && image.reference !== undefined) {
            const message = referenceViolation(label, subject, image.reference);
            if (message !== undefined) messages.push(message);
        }
    }
    if (unreported > 0) messages.push(`${label}: ${where} pulls ${unreported} more images, not listed here`);
    return messages;
}

/** @pulumi/docker v4+ `Image`: context defaults to `.`, the Dockerfile to `<context>/Dockerfile`, both relative to the program's folder. */
function checkDockerImage(label: string, props: Record<string, unknown>): string[] {
    const build = props.build;
    const context = typeof at(build, "context") === "string" ? (at(build, "context") as string) : ".";
    const dockerfile = typeof at(build, "dockerfile") === "string" ? (at(build, "dockerfile") as string) : nodePath.join(context, "Dockerfile");
    return checkDockerfile(label, { file: dockerfile }, stringMap(at(build, "args")));
}

/** docker-build `Image`: `dockerfile.inline`, or `dockerfile.location` (default `<context.location>/Dockerfile`). */
function checkDockerBuildImage(label: string, props: Record<string, unknown>): string[] {
    const buildArgs = stringMap(props.buildArgs);
    const inline = at(props.dockerfile, "inline");
    if (typeof inline === "string" && inline !== "") return checkDockerfile(label, { inline }, buildArgs);
    const location = at(props.dockerfile, "location");
    const context = at(props.context, "location");
    if (typeof location === "string" && location !== "") return checkDockerfile(label, { file: location }, buildArgs);
    if (typeof context === "string" && context !== "") return checkDockerfile(label, { file: isRemote(context) ? context : nodePath.join(context, "Dockerfile") }, buildArgs);
    return [`${label}: has neither a Dockerfile nor a build context, so its base images cannot be checked`];
}

/** `RemoteImage`: pulls `name`, or builds it (`build.dockerfile` is relative to `build.context`). */
function checkRemoteImage(label: string, props: Record<string, unknown>): string[] {
    const build = props.build;
    if (!isRecord(build)) return checkSingleImage(label, "name", props.name);
    const context = typeof build.context === "string" ? build.context : ".";
    const dockerfile = typeof build.dockerfile === "string" ? build.dockerfile : "Dockerfile";
    return checkDockerfile(label, { file: nodePath.join(context, dockerfile) }, stringMap(build.buildArgs));
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
        "Reference the image as `image@sha256:<digest>` (a tag may stay for readability: `image:tag@sha256:<digest>`); for a Helm image object set its `digest`; in a Dockerfile, write `FROM image:tag@sha256:<digest>` (and the same for `COPY --from=` images), or give the digest through a build argument. ECS container definitions and Batch properties must be valid JSON. `docker buildx imagetools inspect <image>` or `crane digest <image>` prints the digest.",
    resourceTypes: [
        ...POD_SPEC_PATHS.keys(),
        DOCKER_CONTAINER,
        ...HELM_TYPES,
        ...PATCH_POD_SPEC_PATHS.keys(),
        DOCKER_SERVICE,
        DOCKER_REMOTE_IMAGE,
        DOCKER_IMAGE,
        DOCKER_BUILD_IMAGE,
        ECS_TASK_DEFINITION,
        ECS_DAEMON_TASK_DEFINITION,
        ECS_EXPRESS_SERVICE,
        LAMBDA_FUNCTION,
        APP_RUNNER_SERVICE,
        BATCH_JOB_DEFINITION,
        ...CLOUD_RUN_CONTAINER_PATHS.keys(),
    ],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource: ResourceUnderTest) {
        const label = `${resource.type.slice(resource.type.lastIndexOf(":") + 1)} ${resource.name}`;
        const props = resource.props;
        const podSpecPath = POD_SPEC_PATHS.get(resource.type);
        if (podSpecPath !== undefined) return checkPodSpec(label, props, podSpecPath, false);
        const patchPath = PATCH_POD_SPEC_PATHS.get(resource.type);
        if (patchPath !== undefined) return checkPodSpec(label, props, patchPath, true);
        const cloudRunPath = CLOUD_RUN_CONTAINER_PATHS.get(resource.type);
        if (cloudRunPath !== undefined) {
            const messages: string[] = [];
            checkContainerList(label, at(props, ...cloudRunPath), cloudRunPath.join("."), false, messages);
            return messages;
        }
        switch (resource.type) {
            case DOCKER_CONTAINER:
                return checkDockerContainer(label, props);
            case DOCKER_SERVICE:
                return checkSingleImage(label, "taskSpec.containerSpec.image", at(props, "taskSpec", "containerSpec", "image"));
            case DOCKER_REMOTE_IMAGE:
                return checkRemoteImage(label, props);
            case DOCKER_IMAGE:
                return checkDockerImage(label, props);
            case DOCKER_BUILD_IMAGE:
                return checkDockerBuildImage(label, props);
            case ECS_TASK_DEFINITION:
                return checkEcsTaskDefinition(label, props);
            case ECS_DAEMON_TASK_DEFINITION: {
                const messages: string[] = [];
                checkContainerList(label, props.containerDefinitions, "containerDefinitions", false, messages, (index, name) => (name === undefined ? `containerDefinitions[${index}]` : `container ${JSON.stringify(name)}`));
                return messages;
            }
            case ECS_EXPRESS_SERVICE:
                return checkSingleImage(label, "primaryContainer.image", at(props, "primaryContainer", "image"));
            case LAMBDA_FUNCTION:
                // A Zip function runs no image; `packageType` defaults to Zip.
                return props.packageType === "Image" ? checkSingleImage(label, "imageUri", props.imageUri) : [];
            case APP_RUNNER_SERVICE: {
                // A service built from a code repository has no image.
                const repository = at(props, "sourceConfiguration", "imageRepository");
                return isRecord(repository) ? checkSingleImage(label, "sourceConfiguration.imageRepository.imageIdentifier", repository.imageIdentifier) : [];
            }
            case BATCH_JOB_DEFINITION:
                return checkBatchJobDefinition(label, props);
        }
        const messages: string[] = [];
        checkValues(label, props.values, "values", false, messages);
        return messages;
    },
};
