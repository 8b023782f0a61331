import * as pulumi from "@pulumi/pulumi";
import { EnvironmentContext } from "../naming";

/** How a secret gets its value: generated here, or taken from a `secure:` config value. */
export type SecretSource =
    | { readonly kind: "generated"; readonly length: number; readonly allowedSpecialCharacters?: string }
    | {
        readonly kind: "provided";
        readonly value: pulumi.Output<string>;
        /** The key's version and the day it must be replaced by (platform:apiKeyRotation), recorded on the stored secret. */
        readonly rotation?: { readonly version: number; readonly rotateBy: string };
    };

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

/** The tags (AWS) or labels (GCP) that say how a secret rotates: its source, and its period or its version and due date. */
export function rotationTags(spec: SecretSpec, rotationDays: number): Record<string, string> {
    if (spec.source.kind === "generated") return { source: "generated", "rotation-days": String(rotationDays) };
    const rotation = spec.source.rotation;
    return { source: "provided", ...(rotation === undefined ? {} : { "key-version": String(rotation.version), "rotate-by": rotation.rotateBy }) };
}

export interface SecretStoreRef {
    /** Secret values by name, as Pulumi secret outputs. */
    readonly values: Readonly<Record<string, pulumi.Output<string>>>;
    /** Where each secret lives in the cloud's secret manager (ARN or resource name). */
    readonly references: Readonly<Record<string, pulumi.Output<string>>>;
}
