import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { standardTags } from "../naming";
import { secretValue } from "./generated";
import { storedSecretName } from "./platform-secrets";
import { rotationTags, SecretStoreArgs, SecretStoreRef } from "./types";

/**
 * AWS Secrets Manager secrets, KMS-encrypted. Generated secrets are RandomPasswords whose keeper is the
 * rotation window: the first `pulumi up` of a new window writes a new value to Secrets Manager and to
 * every consumer in the same deployment (database, cache, Kubernetes secrets), so nothing drifts.
 */
export class AwsSecretStore extends pulumi.ComponentResource implements SecretStoreRef {
    readonly values: Readonly<Record<string, pulumi.Output<string>>>;
    readonly references: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:SecretStore", name, args, opts);
        const values: Record<string, pulumi.Output<string>> = {};
        const references: Record<string, pulumi.Output<string>> = {};

        for (const spec of args.secrets) {
            const value = pulumi.secret(secretValue(this, name, spec, args));
            const secret = new aws.secretsmanager.Secret(storedSecretName(name, spec.name), {
                name: `${args.environment.project}/${args.environment.stack}/${spec.name}`,
                description: spec.description,
                kmsKeyId: args.kmsKeyId,
                recoveryWindowInDays: args.recoveryWindowDays,
                tags: standardTags(args.environment, {
                    "secret-name": `${args.environment.project}/${args.environment.stack}/${spec.name}`,
                    ...rotationTags(spec, args.rotationDays),
                }),
            }, { parent: this });
            const version = new aws.secretsmanager.SecretVersion(storedSecretName(name, spec.name), { secretId: secret.id, secretString: value }, { parent: this });
            // A provided value (a secure config value) reaches its consumers through the store it is kept in, so
            // that they depend on it as on a generated one: that dependency is how the policy pack tells a secret
            // from the store apart from a literal written in code (the analyzer sees neither as secret).
            values[spec.name] = spec.source.kind === "provided" ? pulumi.secret(pulumi.all([value, version.id]).apply(([stored]) => stored)) : value;
            references[spec.name] = secret.arn;
        }

        this.values = values;
        this.references = references;
        this.registerOutputs({ references: this.references });
    }
}
