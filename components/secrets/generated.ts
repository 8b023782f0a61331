import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { storedSecretName } from "./platform-secrets";
import { SecretSpec, SecretStoreArgs } from "./types";

/**
 * A secret's value: the provided one, or a RandomPassword whose keeper is the rotation window, so that the
 * first `pulumi up` of a new window writes a new value to the store and to every consumer in one deployment.
 */
export function secretValue(parent: pulumi.Resource, name: string, spec: SecretSpec, args: SecretStoreArgs): pulumi.Output<string> {
    if (spec.source.kind === "provided") return spec.source.value;
    const { length, allowedSpecialCharacters } = spec.source;
    const password = new random.RandomPassword(storedSecretName(name, spec.name), {
        length,
        special: allowedSpecialCharacters !== undefined,
        overrideSpecial: allowedSpecialCharacters,
        minUpper: 1,
        minLower: 1,
        minNumeric: 1,
        keepers: { rotationWindowStart: args.rotationWindowStart, rotationDays: String(args.rotationDays) },
    }, { parent });
    return password.result;
}
