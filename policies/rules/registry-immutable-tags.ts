import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";

/** ECR repositories must have immutable tags, so that a tag can never be re-pointed at another image. */
export const registryImmutableTags: ResourceRule = {
    kind: "resource",
    name: "registry-immutable-tags",
    description: "Container registries keep tags immutable.",
    severity: "high",
    rationale: "A mutable tag can be moved to a different image after review; immutable tags make a tag mean one image forever.",
    remediation: "Set imageTagMutability to IMMUTABLE on the aws.ecr.Repository (components/registry/aws.ts does).",
    resourceTypes: ["aws:ecr/repository:Repository"],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check(resource) {
        const mutability = resource.props.imageTagMutability ?? "MUTABLE";
        return mutability === "IMMUTABLE" ? [] : [`repository ${resource.name} allows tags to be overwritten (imageTagMutability ${String(mutability)})`];
    },
};
