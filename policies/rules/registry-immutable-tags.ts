import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";
import { asRecord } from "../lib/values";

const ECR_REPOSITORY = "aws:ecr/repository:Repository";
const ARTIFACT_REGISTRY_REPOSITORY = "gcp:artifactregistry/repository:Repository";

/**
 * Container registries keep tags immutable, so that a tag can never be re-pointed at another image: ECR
 * repositories, and Artifact Registry Docker repositories of the standard mode (remote and virtual repositories
 * proxy or aggregate other registries, and other formats have no tags).
 */
export const registryImmutableTags: ResourceRule = {
    kind: "resource",
    name: "registry-immutable-tags",
    description: "Container registries keep tags immutable.",
    severity: "high",
    rationale: "A mutable tag can be moved to a different image after review; immutable tags make a tag mean one image forever.",
    remediation:
        "Set imageTagMutability to IMMUTABLE on the aws.ecr.Repository (components/registry/aws.ts does); on a gcp.artifactregistry.Repository of format DOCKER set dockerConfig: {immutableTags: true}.",
    resourceTypes: [ECR_REPOSITORY, ARTIFACT_REGISTRY_REPOSITORY],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check({ type, name, props }) {
        if (type === ARTIFACT_REGISTRY_REPOSITORY) {
            const docker = typeof props.format === "string" && props.format.toUpperCase() === "DOCKER";
            const standard = props.mode === undefined || props.mode === null || props.mode === "STANDARD_REPOSITORY";
            if (!docker || !standard) return [];
            const immutable = asRecord(props.dockerConfig)?.immutableTags;
            return immutable === true ? [] : [`Artifact Registry repository ${name} allows tags to be overwritten (dockerConfig.immutableTags is ${immutable === undefined ? "unset, which is false" : String(immutable)})`];
        }
        const mutability = props.imageTagMutability ?? "MUTABLE";
        return mutability === "IMMUTABLE" ? [] : [`repository ${name} allows tags to be overwritten (imageTagMutability ${String(mutability)})`];
    },
};
