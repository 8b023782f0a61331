import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** How a secret gets its value: generated here, or taken from a `secure:` config value. */
export type SecretSource =
    | { readonly kind: "generated"; readonly length: number; readonly allowedSpecialCharacters?: string }
    | { readonly kind: "provided"; readonly value: pulumi.Output<string> };

export interface SecretSpec {
    /** Secret name within the environment, e.g. `postgres-password`. */
    readonly name: string;
    /** One line on what the secret is for. */
    readonly description: string;
    readonly source: SecretSource;
}

/** A store of secrets for one environment. */
export interface SecretStoreArgs {
    /** Names and tags. */
    readonly environment: EnvironmentContext;
    /** The secrets to create. */
    readonly secrets: readonly SecretSpec[];
    /** Customer-managed key that encrypts every secret. */
    readonly kmsKeyId: pulumi.Input<string>;
    /** Days a deleted secret can be restored (0: delete at once). */
    readonly recoveryWindowDays: number;
    /** Rotation period of generated secrets, in days. */
    readonly rotationDays: number;
    /** Start of the current rotation window; generated values change when it moves. */
    readonly rotationWindowStart: string;
}

export interface SecretStoreRef {
    /** Secret values by name, as Pulumi secret outputs. */
    readonly values: Readonly<Record<string, pulumi.Output<string>>>;
    /** Where each secret lives in the cloud's secret manager (ARN or resource name). */
    readonly references: Readonly<Record<string, pulumi.Output<string>>>;
}
