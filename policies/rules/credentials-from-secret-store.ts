import { knownElements, knownEntries } from "../lib/known-values";
import { ALWAYS_MANDATORY, ResourceUnderTest, StackRule, StackViolation } from "../lib/rule";
import { isRecord } from "../lib/values";
import { detectNamedSecret, detectSecret, PathSegment, renderPath, scanText, SECRET_NAME_NOUNS } from "../lib/secret-detection";
import { secretNameClass } from "../lib/secret-names";
import { EXPOSED_INPUT_KEYS, HELM_RELEASE_TYPES, helmValueSinks, isSecretSinkPath, RESOURCE_SECRET_SINKS } from "../lib/secret-sinks";

/**
 * Database and cache credentials must come from a secret source: the input's property dependencies
 * must include a `random:index/randomPassword:RandomPassword` or an `aws:secretsmanager/...` resource.
 * A credential with no such dependency was written in code (or read from plain config): a violation
 * naming the resource and the input, never the value. An absent credential passes (RDS
 * `manageMasterUserPassword` keeps it in Secrets Manager without Pulumi ever seeing it).
 *
 * Checked: RDS instance `password` / `passwordWo`, RDS cluster `masterPassword` / `masterPasswordWo`,
 * ElastiCache replication group `authToken` / `authTokenWo`, and the documented Helm value sinks
 * (secret-sinks.ts: `grafana.adminPassword` of kube-prometheus-stack), which `no-plaintext-secrets`
 * lets through on the strength of this check. Property dependencies are per top-level input, so for a
 * Helm sink any secret source behind `values` satisfies it.
 *
 * Beyond these, for every provider (aws, gcp, azure, azure-native, docker, any other but kubernetes and
 * random): any input under a secret-looking name (`adminPassword` of an Azure VM's `osProfile`,
 * `storageAccountKey`, a Cloud SQL user's `password`) holding a literal, when its top-level input depends
 * on no secret source. Exposed inputs (tags, labels, environment variables) are `no-plaintext-secrets`'
 * whatever their origin, and so are secret stores' own values, where a secure config value legitimately goes.
 *
 * Kubernetes `Secret` objects: the analyzer unwraps secrets, and the Kubernetes SDK marks `data` and
 * `stringData` secret whatever their origin, so the only tell of a Secret written in code is provenance.
 * When `data` / `stringData` depends on no secret source, its values are read by the detectors (`data`
 * base64-decoded): a literal under a secret-looking key, a well-known format, or a `password` assignment
 * inside a file (a `.dockerconfigjson`) is a violation. The platform's own Secrets are built from
 * RandomPasswords and the Secrets Manager store, and pass without their values being read.
 *
 * A credential from a dependency is accepted without reading its value, so a preview with the password
 * still unknown evaluates; only a credential without a secret-source dependency is read, and an unknown
 * one then gives the SDK's advisory "can't run during preview". In the generic walk an unknown value is
 * skipped: it is computed by another resource, so it is no literal.
 */

const LABELS: Readonly<Record<string, string>> = {
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/cluster:Cluster": "RDS cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache replication group",
    "kubernetes:helm.sh/v3:Release": "Helm release",
    "kubernetes:helm.sh/v4:Chart": "Helm chart",
};

const CREDENTIAL_TYPES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"] as const;

/** The resource type of a URN: the last `$`-separated segment of its qualified type. */
export function urnResourceType(urn: string): string | undefined {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return undefined;
    return parts[2].split("$").pop();
}

/** Secret stores whose values a program reads (and generators of secrets), by type prefix. */
const SECRET_SOURCE_PREFIXES: readonly string[] = ["aws:secretsmanager/", "gcp:secretmanager/", "azure-native:keyvault:", "azure:keyvault/"];
const SECRET_SOURCE_TYPES: readonly string[] = ["random:index/randomPassword:RandomPassword", "tls:index/privateKey:PrivateKey"];

export function isSecretSourceType(type: string | undefined): boolean {
    if (type === undefined) return false;
    return SECRET_SOURCE_TYPES.includes(type) || SECRET_SOURCE_PREFIXES.some((prefix) => type.startsWith(prefix));
}

function fromSecretSource(resource: ResourceUnderTest, property: string): boolean {
    return (resource.propertyDependencies?.[property] ?? []).some((urn) => isSecretSourceType(urnResourceType(urn)));
}

function isAbsent(value: unknown): boolean {
    return value === undefined || value === null || value === "";
}

function violation(resource: ResourceUnderTest, input: string): StackViolation {
    return {
        message: `${LABELS[resource.type]} ${resource.name}: ${input} does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)`,
        urn: resource.urn,
    };
}

function credentialViolations(resource: ResourceUnderTest): StackViolation[] {
    const violations: StackViolation[] = [];
    for (const property of RESOURCE_SECRET_SINKS[resource.type] ?? []) {
        // Presence is read without touching the value; the value is read (and may be unknown) only when needed.
        if (!(property in resource.props) || fromSecretSource(resource, property)) continue;
        if (!isAbsent(resource.props[property])) violations.push(violation(resource, property));
    }
    return violations;
}

function helmViolations(resource: ResourceUnderTest): StackViolation[] {
    const sinks = helmValueSinks(resource.props.chart);
    if (sinks.length === 0 || fromSecretSource(resource, "values")) return [];
    return sinks.flatMap((sink) => {
        let value: unknown = resource.props.values;
        for (const key of sink.path) value = isRecord(value) ? value[key] : undefined;
        return isAbsent(value) ? [] : [violation(resource, ["values", ...sink.path].join("."))];
    });
}

const KUBERNETES_SECRET_TYPES: readonly string[] = ["kubernetes:core/v1:Secret", "kubernetes:core/v1:SecretPatch"];
/** Packages whose inputs this generic walk leaves alone: Kubernetes objects (no-plaintext-secrets reads them by name), generators, providers. */
const UNWALKED_PACKAGES: readonly string[] = ["kubernetes", "random", "pulumi"];
/** Inputs holding scripts and command lines: no-plaintext-secrets reads them line by line. */
const SCRIPT_INPUTS: readonly string[] = ["userData", "userDataBase64", "customData", "metadataStartupScript", "containerDefinitions"];
const MAX_DEPTH = 64;

/** Base64 `data` as text when it decodes to printable UTF-8, else as it is. */
function decodedData(value: string): string {
    if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return value;
    const text = Buffer.from(value, "base64").toString("utf8");
    return text.includes("\uFFFD") || /[^\t\n\r\x20-\x7e\u00a0-\uffff]/.test(text) ? value : text;
}

function kubernetesSecretViolations(resource: ResourceUnderTest): StackViolation[] {
    const messages = new Set<string>();
    for (const input of ["data", "stringData"]) {
        if (!(input in resource.props) || fromSecretSource(resource, input)) continue;
        for (const [key, raw] of knownEntries(resource.props[input])) {
            if (typeof raw !== "string") continue;
            const text = input === "data" ? decodedData(raw) : raw;
            // As no-plaintext-secrets reads a value: its formats or its key's name, else assignments inside it, by line.
            const direct = detectSecret(key, text);
            const lines = text.includes("\n") ? scanText(text) : [];
            const matches = lines.length > 0 ? lines : direct.length > 0 ? direct : scanText(text);
            for (const match of matches) {
                const line = "line" in match && text.includes("\n") ? ` line ${match.line}` : "";
                messages.add(`Kubernetes Secret ${resource.name}: ${renderPath([input, key])}${line} holds ${match.description} written in code or plain config (its ${input} depends on no RandomPassword or secret store)`);
            }
        }
    }
    return [...messages].map((message) => ({ message, urn: resource.urn }));
}

/** Literals under secret-looking names anywhere below one input. */
function namedLiterals(value: unknown, path: readonly PathSegment[], name: string | undefined, isSink: (path: readonly PathSegment[]) => boolean, found: Map<string, string>, depth: number): void {
    if (depth > MAX_DEPTH || isSink(path)) return;
    if (typeof value === "string") {
        const match = name === undefined ? undefined : detectNamedSecret(name, value);
        const secretClass = name === undefined ? undefined : secretNameClass(name);
        if (match && secretClass) found.set(renderPath(path), SECRET_NAME_NOUNS[secretClass]);
        return;
    }
    for (const [index, element] of knownElements(value)) namedLiterals(element, [...path, index], undefined, isSink, found, depth + 1);
    for (const [key, child] of knownEntries(value)) {
        if (!EXPOSED_INPUT_KEYS.has(key)) namedLiterals(child, [...path, key], key, isSink, found, depth + 1);
    }
}

function literalCredentialViolations(resource: ResourceUnderTest): StackViolation[] {
    const [pkg] = resource.type.split(":");
    // A secret store's own resources: their values are sinks, and their other inputs name secrets (a Secret Manager version's `secret`).
    if (UNWALKED_PACKAGES.includes(pkg) || HELM_RELEASE_TYPES.includes(resource.type) || isSecretSourceType(resource.type)) return [];
    const isSink = (path: readonly PathSegment[]): boolean =>
        isSecretSinkPath(resource.type, resource.props, path.map((segment) => (typeof segment === "object" ? segment.entry : segment)));
    const violations: StackViolation[] = [];
    for (const [input, value] of knownEntries(resource.props)) {
        if (EXPOSED_INPUT_KEYS.has(input) || SCRIPT_INPUTS.includes(input) || isSink([input]) || fromSecretSource(resource, input)) continue;
        const found = new Map<string, string>();
        namedLiterals(value, [input], input, isSink, found, 1);
        for (const [path, noun] of found) {
            violations.push({
                message: `${resource.type} ${resource.name}: ${path} is a plaintext ${noun} written in code or plain config (no dependency on a RandomPassword or a secret store)`,
                urn: resource.urn,
            });
        }
    }
    return violations;
}

export const credentialsFromSecretStore: StackRule = {
    kind: "stack",
    name: "credentials-from-secret-store",
    description: "Credentials of every provider (database and cache passwords, VM admin passwords, keys, documented Helm credential values) and Kubernetes Secret data come from a RandomPassword or a secret store, never a literal in code.",
    severity: "critical",
    rationale:
        "A credential typed into code is in the repository's history and in every clone for good, and is never rotated; one generated by random.RandomPassword and kept in Secrets Manager exists only in encrypted state and the secret store, and rotates with it.",
    remediation:
        "Take the credential from the SecretStore (components/secrets: secrets.values[\"<name>\"], a RandomPassword result stored in Secrets Manager), or let RDS manage it (manageMasterUserPassword). Rotate any credential that was ever committed.",
    resourceTypes: ["*"],
    enforcement: ALWAYS_MANDATORY,
    exemptable: false,
    check(resources) {
        return resources.flatMap((resource) => {
            if ((CREDENTIAL_TYPES as readonly string[]).includes(resource.type)) return [...credentialViolations(resource), ...literalCredentialViolations(resource)];
            if (HELM_RELEASE_TYPES.includes(resource.type)) return helmViolations(resource);
            if (KUBERNETES_SECRET_TYPES.includes(resource.type)) return kubernetesSecretViolations(resource);
            return literalCredentialViolations(resource);
        });
    },
};
