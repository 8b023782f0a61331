import { knownEntries } from "./known-values";

/**
 * Where a secret is SUPPOSED to go: inputs whose whole purpose is to carry one to a service that
 * stores it encrypted or uses it as a credential. `no-plaintext-secrets` never reports them; what it
 * asks of them instead is provenance, and `credentials-from-secret-store` checks that (the value must
 * come from a RandomPassword or Secrets Manager, not from a literal in code).
 */

/** Resource inputs that are secret sinks, by resource type. `*` marks every input of the type. */
export const RESOURCE_SECRET_SINKS: Readonly<Record<string, readonly string[]>> = {
    "aws:rds/instance:Instance": ["password", "passwordWo"],
    "aws:rds/cluster:Cluster": ["masterPassword", "masterPasswordWo"],
    "aws:elasticache/replicationGroup:ReplicationGroup": ["authToken", "authTokenWo"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretString", "secretBinary"],
    "gcp:secretmanager/secretVersion:SecretVersion": ["secretData", "secretDataWo"],
    "gcp:secretmanager/regionalSecretVersion:RegionalSecretVersion": ["secretData"],
    "azure:keyvault/secret:Secret": ["value", "valueWo"],
    "kubernetes:core/v1:Secret": ["data", "stringData"],
    "kubernetes:core/v1:SecretPatch": ["data", "stringData"],
    "pulumi:providers:kubernetes": ["kubeconfig"],
};

/**
 * Sinks below the top level, as key paths (`*` for any list index or map key): a Key Vault secret's
 * `properties.value`, and the registry password a docker build logs in with (an ECR authorization token
 * read at deployment time, which no resource produces).
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
    if ((RESOURCE_SECRET_SINKS[type] ?? []).includes(top) || isSecureStringValue(type, props, top)) return true;
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
