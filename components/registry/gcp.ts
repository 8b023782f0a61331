import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, gcpResourceId } from "../naming";
import { ContainerRegistryArgs, ContainerRegistryRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpContainerRegistryArgs extends ContainerRegistryArgs {
    readonly project: string;
    readonly region: string;
    /** The project APIs, and the key grant Artifact Registry's service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

const DAY_SECONDS = 86_400;

/**
 * One Artifact Registry Docker repository per environment (a repository holds every service's image, as
 * `<region>-docker.pkg.dev/<project>/<repository>/<service>`), with immutable tags, a cleanup policy that
 * deletes untagged versions after the tier's expiry, vulnerability scanning and CMEK.
 */
export class GcpContainerRegistry extends pulumi.ComponentResource implements ContainerRegistryRef {
    readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;
    readonly repositoryId: pulumi.Output<string>;

    constructor(name: string, args: GcpContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:ContainerRegistry", name, recordedInputs(args), opts);
        const env = args.environment;
        const repository = new gcp.artifactregistry.Repository(`${name}-docker`, {
            repositoryId: gcpResourceId(env, 63, "images"),
            location: args.region,
            format: "DOCKER",
            mode: "STANDARD_REPOSITORY",
            description: `Container images of ${env.project} ${env.stack}`,
            dockerConfig: { immutableTags: true },
            kmsKeyName: args.kmsKeyId,
            cleanupPolicyDryRun: false,
            cleanupPolicies: [{
                id: "delete-untagged",
                action: "DELETE",
                condition: { tagState: "UNTAGGED", olderThan: `${args.untaggedImageExpiryDays * DAY_SECONDS}s` },
            }],
            vulnerabilityScanningConfig: { enablementConfig: "INHERITED" },
            labels: gcpLabels(env),
        }, { parent: this, dependsOn: [...args.apis] });

        this.repositoryId = repository.repositoryId;
        this.repositoryUrls = Object.fromEntries(args.repositories.map((service) => [
            service,
            pulumi.interpolate`${repository.location}-docker.pkg.dev/${repository.project}/${repository.repositoryId}/${service}`,
        ]));
        this.registerOutputs({ repositoryUrls: this.repositoryUrls });
    }
}
