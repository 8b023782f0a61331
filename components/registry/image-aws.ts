import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { builtImageArgs } from "./image-build";
import { BuiltImageArgs, BuiltImageRef } from "./types";

/**
 * Builds and pushes with @pulumi/docker, tagged with the commit. Workloads run `reference`, the pushed
 * repo digest, never the tag: the tag names the commit, the digest pins the bytes.
 */
export class AwsBuiltImage extends pulumi.ComponentResource implements BuiltImageRef {
    /** `<repository>@sha256:<digest>` of the pushed image. */
    readonly reference: pulumi.Output<string>;

    constructor(name: string, args: BuiltImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:BuiltImage", name, args, opts);
        const registryHost = pulumi.output(args.repositoryUrl).apply((url) => url.split("/")[0]);
        const credentials = aws.ecr.getAuthorizationTokenOutput({ registryId: registryHost.apply((host) => host.split(".")[0]) }, { parent: this });

        const image = new docker.Image(`${name}-image`, builtImageArgs(args, { server: registryHost, username: credentials.userName, password: pulumi.secret(credentials.password) }), { parent: this });

        this.reference = image.repoDigest;
        this.registerOutputs({ reference: this.reference });
    }
}
