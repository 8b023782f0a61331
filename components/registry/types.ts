import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** Container image repositories for one environment, one per service. */
export interface ContainerRegistryArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** Service names; each gets its own repository. */
    readonly repositories: readonly string[];
    /** Untagged images older than this are deleted. */
    readonly untaggedImageExpiryDays: number;
    /** Customer-managed key that encrypts stored images (ARN on AWS, key id on GCP). */
    readonly kmsKeyId: pulumi.Input<string>;
    /** Allow deleting repositories that still hold images (dev only). */
    readonly forceDelete?: boolean;
}

export interface ContainerRegistryRef {
    /** Push/pull URL per service, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/dev/api`. */
    readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;
}

/** An image built from source and pushed to one of the environment's repositories. */
export interface BuiltImageArgs {
    /** Repository to push to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/api`. */
    readonly repositoryUrl: pulumi.Input<string>;
    /** Build context folder. */
    readonly context: string;
    /** Dockerfile, relative to the context (default Dockerfile). */
    readonly dockerfile?: string;
    /** Multi-stage target. */
    readonly target?: string;
    /** The git commit the image is built from; the tag is `<commit>-<hash of the build context>`. */
    readonly commit: string;
    /** Build arguments, e.g. BUILD_SHA. */
    readonly buildArgs: Readonly<Record<string, string>>;
}

export interface BuiltImageRef {
    /** `<repository>@sha256:<digest>` of the pushed image. */
    readonly reference: pulumi.Output<string>;
}
