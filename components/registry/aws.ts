import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { standardTags } from "../naming";
import { ContainerRegistryArgs, ContainerRegistryRef } from "./types";

/**
 * One ECR repository per service: tags are immutable (a tag always means the same image), images are
 * scanned on push, encrypted with the environment's KMS key, and untagged layers expire.
 */
export class AwsContainerRegistry extends pulumi.ComponentResource implements ContainerRegistryRef {
    readonly repositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;
    readonly repositoryArns: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:ContainerRegistry", name, args, opts);
        const env = args.environment;
        const urls: Record<string, pulumi.Output<string>> = {};
        const arns: Record<string, pulumi.Output<string>> = {};

        for (const service of args.repositories) {
            const repository = new aws.ecr.Repository(`${name}-${service}`, {
                name: `${env.project}/${env.stack}/${service}`,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyId }],
                forceDelete: args.forceDelete ?? false,
                tags: standardTags(env, { service }),
            }, { parent: this });

            new aws.ecr.LifecyclePolicy(`${name}-${service}`, {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [{
                        rulePriority: 1,
                        description: `Expire untagged images after ${args.untaggedImageExpiryDays} days`,
                        selection: {
                            tagStatus: "untagged",
                            countType: "sinceImagePushed",
                            countUnit: "days",
                            countNumber: args.untaggedImageExpiryDays,
                        },
                        action: { type: "expire" },
                    }],
                }),
            }, { parent: this });

            urls[service] = repository.repositoryUrl;
            arns[service] = repository.arn;
        }

        this.repositoryUrls = urls;
        this.repositoryArns = arns;
        this.registerOutputs({ repositoryUrls: this.repositoryUrls, repositoryArns: this.repositoryArns });
    }
}
