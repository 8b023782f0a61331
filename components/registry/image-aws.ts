import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** An image built from source and pushed to an ECR repository. */
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

const IGNORED = new Set([".git", "node_modules"]);

/** A digest of every file under the build context (names and contents), in a stable order. */
export function contextHash(context: string): string {
    const hash = createHash("sha256");
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (IGNORED.has(entry.name)) continue;
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (entry.isFile()) hash.update(`${path.relative(context, file)}\0`).update(fs.readFileSync(file)).update("\0");
        }
    };
    walk(context);
    return hash.digest("hex");
}

/**
 * Repositories are immutable, so a tag must never be pushed twice with different contents: the commit
 * alone would collide when an uncommitted change is rebuilt at the same commit.
 */
export function imageTag(commit: string, context: string): string {
    return `${commit.slice(0, 12)}-${contextHash(context).slice(0, 12)}`;
}

/**
 * Builds and pushes with @pulumi/docker, tagged with the commit. Workloads run `reference`, the pushed
 * repo digest, never the tag: the tag names the commit, the digest pins the bytes.
 */
export class AwsBuiltImage extends pulumi.ComponentResource {
    /** `<repository>@sha256:<digest>` of the pushed image. */
    readonly reference: pulumi.Output<string>;

    constructor(name: string, args: BuiltImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:BuiltImage", name, args, opts);
        const registryHost = pulumi.output(args.repositoryUrl).apply((url) => url.split("/")[0]);
        const credentials = aws.ecr.getAuthorizationTokenOutput({ registryId: registryHost.apply((host) => host.split(".")[0]) }, { parent: this });

        const image = new docker.Image(`${name}-image`, {
            imageName: pulumi.interpolate`${args.repositoryUrl}:${imageTag(args.commit, args.context)}`,
            build: {
                context: args.context,
                dockerfile: args.dockerfile ? `${args.context}/${args.dockerfile}` : undefined,
                target: args.target,
                platform: "linux/amd64",
                args: { ...args.buildArgs },
            },
            registry: { server: registryHost, username: credentials.userName, password: pulumi.secret(credentials.password) },
        }, { parent: this });

        this.reference = image.repoDigest;
        this.registerOutputs({ reference: this.reference });
    }
}
