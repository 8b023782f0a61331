import providerSecretInputs from "../catalogues/provider-secret-inputs.json";
import { knownEntries } from "./known-values";

/**
 * Where a secret is SUPPOSED to go: inputs whose whole purpose is to carry one to a service that
 * stores it encrypted or uses it as a credential. `no-plaintext-secrets` never reports them; what it
 * asks of them instead is provenance, and `credentials-from-secret-store` checks that (the value must
 * come from a RandomPassword or a secret store, not from a literal in code).
 *
 * Data first: the inputs every installed provider SDK itself treats as secret (`additionalSecretOutputs`
 * of each resource class's constructor), generated into catalogues/provider-secret-inputs.json by
 * catalogues/generate.ts and kept current by a spec. Code only for what the SDKs cannot say, each with
 * its reason (SUPPLEMENTARY_SECRET_INPUTS, NESTED_SECRET_SINKS, SECRET_INPUTS_READ_AS_TEXT).
 */

/** Inputs the providers of this project do not declare secret, by resource type, with the reason. */
export const SUPPLEMENTARY_SECRET_INPUTS: Readonly<Record<string, { readonly inputs: readonly string[]; readonly reason: string }>> = {
    "azure:keyvault/secret:Secret": { inputs: ["value", "valueWo"], reason: "the Azure provider is not installed here, so its SDK cannot say it: a Key Vault secret's value" },
    "pulumi:providers:kubernetes": { inputs: ["kubeconfig"], reason: "a kubeconfig carries the cluster's credentials; the Kubernetes SDK does not mark it secret" },
};

/** Resource inputs that are secret sinks, by resource type: the providers' own declarations, then the supplements. */
export const RESOURCE_SECRET_SINKS: Readonly<Record<string, readonly string[]>> = {
    ...(providerSecretInputs.types as Readonly<Record<string, readonly string[]>>),
    ...Object.fromEntries(Object.entries(SUPPLEMENTARY_SECRET_INPUTS).map(([type, supplement]) => [type, supplement.inputs])),
};

/** Where the provider data comes from, e.g. `@pulumi/aws@7.48.0`. */
export const PROVIDER_SECRET_SOURCES: readonly string[] = providerSecretInputs.sources;

/**
 * Inputs a provider marks secret that are no credential: texts and identifiers it hides because they may
 * hold anything, which are read like any other text (formats, secret-looking names inside them) rather
 * than required to come from a secret store. By resource type, with the reason.
 */
export const SECRET_INPUTS_READ_AS_TEXT: Readonly<Record<string, { readonly inputs: readonly string[]; readonly reason: string }>> = {
    "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion": { inputs: ["content"], reason: "a configuration document (feature flags, settings), judged by what it holds" },
    "gcp:storage/bucketObject:BucketObject": { inputs: ["content"], reason: "an object's content, judged by what it holds" },
    "gcp:parametermanager/parameterVersion:ParameterVersion": { inputs: ["parameterData"], reason: "a configuration document, judged by what it holds" },
    "gcp:parametermanager/regionalParameterVersion:RegionalParameterVersion": { inputs: ["parameterData"], reason: "a configuration document, judged by what it holds" },
    "gcp:runtimeconfig/variable:Variable": { inputs: ["text", "value"], reason: "a configuration value, judged by what it holds" },
    "aws:cloudcontrol/resource:Resource": { inputs: ["schema"], reason: "the resource type's schema, not a value" },
    "aws:directoryservice/sharedDirectory:SharedDirectory": { inputs: ["notes"], reason: "a note to the directory's consumer" },
    "aws:transfer/server:Server": { inputs: ["postAuthenticationLoginBanner", "preAuthenticationLoginBanner"], reason: "banners every connecting user reads" },
    "aws:pinpoint/apnsChannel:ApnsChannel": { inputs: ["bundleId", "teamId", "tokenKeyId"], reason: "identifiers of the app, the team and the key; the key is tokenKey or privateKey" },
    "aws:pinpoint/apnsSandboxChannel:ApnsSandboxChannel": { inputs: ["bundleId", "teamId", "tokenKeyId"], reason: "identifiers of the app, the team and the key; the key is tokenKey or privateKey" },
    "aws:pinpoint/apnsVoipChannel:ApnsVoipChannel": { inputs: ["bundleId", "teamId", "tokenKeyId"], reason: "identifiers of the app, the team and the key; the key is tokenKey or privateKey" },
    "aws:pinpoint/apnsVoipSandboxChannel:ApnsVoipSandboxChannel": { inputs: ["bundleId", "teamId", "tokenKeyId"], reason: "identifiers of the app, the team and the key; the key is tokenKey or privateKey" },
    "aws:pinpoint/admChannel:AdmChannel": { inputs: ["clientId"], reason: "an identifier; the credential is clientSecret" },
    "aws:sns/platformApplication:PlatformApplication": { inputs: ["platformPrincipal"], reason: "a certificate or a client ID; the credential is platformCredential" },
    "aws:redshiftserverless/namespace:Namespace": { inputs: ["adminUsername"], reason: "a user name" },
    "aws:s3/objectCopy:ObjectCopy": { inputs: ["kmsEncryptionContext", "kmsKeyId"], reason: "an encryption context and a key reference" },
    "aws:iot/authorizer:Authorizer": { inputs: ["tokenSigningPublicKeys"], reason: "public keys" },
    "gcp:kms/secretCiphertext:SecretCiphertext": { inputs: ["additionalAuthenticatedData"], reason: "data bound to the ciphertext, not a secret" },
};

/**
 * Stores of secrets whose values the provider marks secret: where a secure config value legitimately goes
 * (like a Secrets Manager or Secret Manager version), so their provenance is not required. By type, with the reason.
 */
export const SECRET_STORE_VALUES: Readonly<Record<string, string>> = {
    "aws:ssm/parameter:Parameter": "a SecureString parameter is a store of secrets (a String's value is plain configuration, judged by no-plaintext-secrets and ssm-secure-string)",
    "docker:index/secret:Secret": "a Swarm secret is a store of secrets",
    "gcp:composer/userWorkloadsSecret:UserWorkloadsSecret": "a Composer environment's Kubernetes Secret is a store of secrets",
};

/** Whether a provider-secret input is a text the provider hides rather than a credential. */
export function isSecretInputReadAsText(type: string, input: string): boolean {
    return SECRET_INPUTS_READ_AS_TEXT[type]?.inputs.includes(input) ?? false;
}

/**
 * Sinks below the top level, as key paths (`*` for any list index or map key), which an SDK's top-level
 * list cannot express: a Key Vault secret's `properties.value`, and the registry password a docker build
 * logs in with (an ECR authorization token read at deployment time, which no resource produces).
 */
export const NESTED_SECRET_SINKS: Readonly<Record<string, readonly (readonly string[])[]>> = {
    "azure-native:keyvault:Secret": [["properties", "value"]],
    "docker:index/image:Image": [["registry", "password"]],
    "docker-build:index:Image": [["registries", "*", "password"]],
};

/** An SSM parameter's value is a sink when the parameter is a SecureString (KMS-encrypted); a String's value is plain. */
export function isSecureStringValue(type: string, props: Readonly<Record<string, unknown>>, input: string): boolean {
    if (type !== "aws:ssm/parameter:Parameter" || input !== "value") return false;
    const parameterType = knownEntries(props).find(([key]) => key === "type");
    // Present but left out by knownEntries: unknown during preview, so given the benefit of the doubt until known.
    if (!parameterType) return "type" in props;
    return parameterType[1] === "SecureString";
}

/** Whether a path of a resource's inputs is a secret sink (top-level or nested). */
export function isSecretSinkPath(type: string, props: Readonly<Record<string, unknown>>, path: readonly (string | number)[]): boolean {
    const [top] = path;
    if (typeof top !== "string") return false;
    if (type === "aws:ssm/parameter:Parameter") {
        if (isSecureStringValue(type, props, top)) return true;
    } else if ((RESOURCE_SECRET_SINKS[type] ?? []).includes(top)) {
        return true;
    }
    return (NESTED_SECRET_SINKS[type] ?? []).some(
        (sink) => sink.length <= path.length && sink.every((segment, index) => segment === "*" || segment === String(path[index])),
    );
}

/**
 * Inputs whose entries anyone reading the resource sees by name (tags, labels, annotations, environment
 * variables, app settings): `no-plaintext-secrets` judges a secret-looking name there whatever the value's
 * origin, since even a generated secret is exposed in them.
 */
export const EXPOSED_INPUT_KEYS: ReadonlySet<string> = new Set([
    "tags",
    "labels",
    "userLabels",
    "resourceLabels",
    "annotations",
    "env",
    "envs",
    "environment",
    "variables",
    "environmentVariables",
    "envVars",
    "appSettings",
]);

/** Every `random:*` resource: its result is the secret being generated. */
export const SECRET_SINK_PACKAGES: readonly string[] = ["random"];

/**
 * Helm values that are a chart's documented way to receive a credential, by chart. Our platform's
 * kube-prometheus-stack release passes the generated Grafana admin password (a RandomPassword kept in
 * Secrets Manager) in `grafana.adminPassword`; the chart writes it into a Kubernetes Secret. A rule
 * cannot tell a generated value from a literal by looking at it (the analyzer unwraps secrets), so at
 * these paths `no-plaintext-secrets` reports only well-known key formats, and
 * `credentials-from-secret-store` requires the release's `values` to depend on a RandomPassword or a
 * Secrets Manager resource. Anything else secret-looking in Helm values is a violation.
 */
export interface HelmValueSink {
    /** Chart name, as the last segment of the release's `chart` (`prometheus-community/kube-prometheus-stack` counts). */
    readonly chart: string;
    readonly path: readonly string[];
}

export const HELM_VALUE_SINKS: readonly HelmValueSink[] = [
    { chart: "kube-prometheus-stack", path: ["grafana", "adminPassword"] },
    { chart: "grafana", path: ["adminPassword"] },
];

/** Resource types whose `values` are Helm values. */
export const HELM_RELEASE_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

/** The chart name of a `chart` input: `oci://registry/charts/grafana` and `grafana/grafana` are both `grafana`. */
export function chartName(chart: unknown): string | undefined {
    if (typeof chart !== "string") return undefined;
    return chart.replace(/\/+$/, "").split("/").pop();
}

/** The Helm value sinks of a chart. */
export function helmValueSinks(chart: unknown): readonly HelmValueSink[] {
    const name = chartName(chart);
    return HELM_VALUE_SINKS.filter((sink) => sink.chart === name);
}

/** Whether a path inside a release's `values` is one of its chart's documented credential inputs. */
export function isHelmValueSink(chart: unknown, path: readonly unknown[]): boolean {
    return helmValueSinks(chart).some((sink) => sink.path.length === path.length && sink.path.every((segment, index) => segment === path[index]));
}
