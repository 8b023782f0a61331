import * as docker from "@pulumi/docker";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { builtImageArgs } from "./image-build";
import { BuiltImageArgs, BuiltImageRef } from "./types";

/**
 * Builds and pushes to Artifact Registry with @pulumi/docker, authenticated with the deployer's own
 * short-lived OAuth token (no key file). Workloads run `reference`, the pushed repo digest, never the tag.
 */
export class GcpBuiltImage extends pulumi.ComponentResource implements BuiltImageRef {
    readonly reference: pulumi.Output<string>;

    constructor(name: string, args: BuiltImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:BuiltImage", name, args, opts);
        const registryHost = pulumi.output(args.repositoryUrl).apply((url) => url.split("/")[0]);
        const client = gcp.organizations.getClientConfigOutput({ parent: this });

        const image = new docker.Image(`${name}-image`, builtImageArgs(args, { server: registryHost, username: "oauth2accesstoken", password: pulumi.secret(client.accessToken) }), { parent: this });

        this.reference = image.repoDigest;
        this.registerOutputs({ reference: this.reference });
    }
}
