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
    /** Customer-managed key that encrypts stored images. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Allow deleting repositories that still hold images (dev only). */
    readonly forceDelete?: boolean;
}

export interface ContainerRegistryRef {
    /** Push/pull URL per service, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/dev/api`. */
    readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;
}
