import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { imageTag } from "./image-tag";
import { BuiltImageArgs } from "./types";

/** The same build on every cloud (linux/amd64, the context's own tag); only the registry login differs. */
export function builtImageArgs(args: BuiltImageArgs, registry: docker.types.input.Registry): docker.ImageArgs {
    return {
        imageName: pulumi.interpolate`${args.repositoryUrl}:${imageTag(args.commit, args.context)}`,
        build: {
            context: args.context,
            dockerfile: args.dockerfile ? `${args.context}/${args.dockerfile}` : undefined,
            target: args.target,
            platform: "linux/amd64",
            args: { ...args.buildArgs },
        },
        registry,
    };
}
