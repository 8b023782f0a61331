import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels, resourceName } from "../naming";
import { secretValue } from "./generated";
import { storedSecretName } from "./platform-secrets";
import { rotationTags, SecretStoreArgs, SecretStoreRef } from "./types";
import { recordedInputs } from "../component-inputs";

export interface GcpSecretStoreArgs extends SecretStoreArgs {
    readonly region: string;
    /** The project APIs, and the key grant Secret Manager's service agent needs for CMEK. */
    readonly apis: readonly pulumi.Resource[];
}

const DAY_SECONDS = 86_400;

/**
 * Secret Manager secrets replicated to the stack's region only, each encrypted with the environment's key
 * (CMEK), with the same generated and provided values and rotation window as on AWS. A destroyed version
 * stays recoverable for the recovery window (delayed destruction). Nothing here grants access: services get
 * their values as Kubernetes Secrets written by the deployment, so no workload reads Secret Manager.
 */
export class GcpSecretStore extends pulumi.ComponentResource implements SecretStoreRef {
    readonly values: Readonly<Record<string, pulumi.Output<string>>>;
    readonly references: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: GcpSecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:SecretStore", name, recordedInputs(args), opts);
        const env = args.environment;
        const values: Record<string, pulumi.Output<string>> = {};
        const references: Record<string, pulumi.Output<string>> = {};

        for (const spec of args.secrets) {
            const value = pulumi.secret(secretValue(this, name, spec, args));
            const secret = new gcp.secretmanager.Secret(storedSecretName(name, spec.name), {
                secretId: resourceName(env, spec.name),
                replication: { userManaged: { replicas: [{ location: args.region, customerManagedEncryption: { kmsKeyName: args.kmsKeyId } }] } },
                versionDestroyTtl: args.recoveryWindowDays > 0 ? `${args.recoveryWindowDays * DAY_SECONDS}s` : undefined,
                annotations: { description: spec.description },
                labels: gcpLabels(env, rotationTags(spec, args.rotationDays)),
            }, { parent: this, dependsOn: [...args.apis] });
            const version = new gcp.secretmanager.SecretVersion(storedSecretName(name, spec.name), { secret: secret.id, secretData: value }, { parent: this });
            // As on AWS: a provided value reaches consumers through the store, so they depend on it.
            values[spec.name] = spec.source.kind === "provided" ? pulumi.secret(pulumi.all([value, version.id]).apply(([stored]) => stored)) : value;
            references[spec.name] = secret.id;
        }

        this.values = values;
        this.references = references;
        this.registerOutputs({ references: this.references });
    }
}
