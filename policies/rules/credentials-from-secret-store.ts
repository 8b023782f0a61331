import { knownElements, knownEntries } from "../lib/known-values";
import { ALWAYS_MANDATORY, ResourceUnderTest, StackRule, StackViolation } from "../lib/rule";
import { isRecord } from "../lib/values";
import { decodeBase64Text, detectNamedSecret, detectSecret, isReferenceEntry, isSecretReference, PathSegment, plainPath, renderPath, scanText, SECRET_NAME_NOUNS } from "../lib/secret-detection";
import { secretNameClass } from "../lib/secret-names";
import { EXPOSED_INPUT_KEYS, HELM_RELEASE_TYPES, helmValueSinks, isSecretInputReadAsText, isSecretSinkPath, NESTED_SECRET_SINKS, RESOURCE_SECRET_SINKS, SECRET_STORE_VALUES } from "../lib/secret-sinks";
import { anyText, Finding, MAX_DEPTH, messageOf, namedText, walkNamed } from "../lib/secret-walk";

/**
 * A property the provider itself treats as secret must come from a secret source: the input's property
 * dependencies must include a `random:index/randomPassword:RandomPassword`, a `tls` private key, or a
 * resource of a secret store (`aws:secretsmanager/...`, `gcp:secretmanager/...`, Key Vault). A credential
 * with no such dependency was written in code (or read from plain config): a violation naming the resource
 * and the input, never the value. An absent credential passes (RDS `manageMasterUserPassword` keeps it in
 * Secrets Manager without Pulumi ever seeing it).
 *
 * Which properties: every input that an installed provider SDK lists in `additionalSecretOutputs` of its
 * resource class, for every type of every provider (RDS `password`, ElastiCache `authToken`, Cloud SQL
 * user `password`, a VPN tunnel's `sharedSecret`, an ACM certificate's `privateKey`, a Cognito user's
 * `password`, ... 90-odd types), generated into catalogues/provider-secret-inputs.json; and the documented
 * Helm value sinks (secret-sinks.ts: `grafana.adminPassword` of kube-prometheus-stack), which
 * `no-plaintext-secrets` lets through on the strength of this check. Judged by shape: a reference (a KMS
 * key, a secret in a store) and public material (a certificate, a public key) are not credentials; an
 * object is read by its secret-looking names. Not required of: a secret store's own versions (where a
 * secure config value legitimately goes), provider configuration (from the stack config, which must be
 * `secure:`; also an SSM parameter, a Swarm secret: SECRET_STORE_VALUES), inputs a provider hides that are
 * no credential (secret-sinks.ts SECRET_INPUTS_READ_AS_TEXT, each with its reason: they are read for
 * formats and names like any text instead).
 *
 * Beyond these, for every provider (aws, gcp, azure, azure-native, docker, any other but kubernetes and
 * random): any input under a secret-looking name (`adminPassword` of an Azure VM's `osProfile`,
 * `storageAccountKey`) holding a literal, when its top-level input depends on no secret source. A
 * reference names a secret and is no literal: a `{secret, version}` entry (Cloud Functions'
 * `secretEnvironmentVariables`), a `secretKeyRef`, a KMS key (`encryptionKey` of Cloud Run or CodeBuild).
 * Exposed inputs (tags, labels, environment variables) are `no-plaintext-secrets`' whatever their origin.
 *
 * Kubernetes `Secret` objects: the analyzer unwraps secrets, and the Kubernetes SDK marks `data` and
 * `stringData` secret whatever their origin, so the only tell of a Secret written in code is provenance.
 * When `data` / `stringData` depends on no secret source, its values are read by the detectors (`data`
 * base64-decoded): a literal under a secret-looking key, a credential format, or a `password` assignment
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

function labelOf(resource: ResourceUnderTest): string {
    return LABELS[resource.type] ?? resource.type;
}

function violation(resource: ResourceUnderTest, input: string): StackViolation {
    return {
        message: `${labelOf(resource)} ${resource.name}: ${input} does not come from a secret store (no dependency on a RandomPassword or a Secrets Manager resource)`,
        urn: resource.urn,
    };
}

/** Public material that sits where a provider expects secrets too: a certificate, a public key. */
const PUBLIC_MATERIAL = /^(?:-----BEGIN (?:CERTIFICATE|TRUSTED CERTIFICATE|X509 CRL|(?:RSA |EC |SSH2 )?PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----|(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}|sk-ssh-ed25519@openssh\.com) AAAA)/;

function isPublicMaterial(value: string): boolean {
    const text = value.trim();
    return PUBLIC_MATERIAL.test(text) && !text.includes("PRIVATE KEY");
}

/** The provider-secret inputs this rule requires from a secret source, by type (computed once per type). */
const secretInputsByType = new Map<string, readonly string[]>();

function providerSecretInputs(resource: ResourceUnderTest): readonly string[] {
    const known = secretInputsByType.get(resource.type);
    if (known !== undefined) return known;
    const inputs = requiredSecretInputs(resource.type);
    if (secretInputsByType.size < 10_000) secretInputsByType.set(resource.type, inputs);
    return inputs;
}

/** Every input the type's provider marks secret, but for the types whose provenance is not required here, and why. */
function requiredSecretInputs(type: string): readonly string[] {
    const [pkg] = type.split(":");
    // Generators have no secret inputs; a provider's credentials come from the stack config (which must be `secure:`) or the environment;
    // a secret store's own versions are where a secure config value legitimately goes; Kubernetes Secrets are judged below.
    if (pkg === "random" || pkg === "pulumi" || isSecretSourceType(type) || SECRET_STORE_VALUES[type] !== undefined || KUBERNETES_SECRET_TYPES.includes(type)) return [];
    return RESOURCE_SECRET_SINKS[type] ?? [];
}

function textViolations(resource: ResourceUnderTest, out: readonly Finding[]): StackViolation[] {
    return [...new Set(out.map(messageOf))].map((message) => ({
        message: `${labelOf(resource)} ${resource.name}: ${message} written in code or plain config (no dependency on a RandomPassword or a secret store)`,
        urn: resource.urn,
    }));
}

/** A provider-secret input's value without a secret source: a credential unless its shape says it is a reference or public material. */
function credentialValueViolations(resource: ResourceUnderTest, property: string, value: unknown): StackViolation[] {
    if (typeof value === "string") return isSecretReference(value) || isPublicMaterial(value) ? [] : [violation(resource, property)];
    if (Array.isArray(value)) {
        // A list of credentials (an ElastiCache user's `passwords`): each literal is one.
        return knownElements(value).flatMap(([index, element]) =>
            typeof element === "string" && !isAbsent(element) && !isSecretReference(element) && !isPublicMaterial(element) ? [violation(resource, `${property}[${index}]`)] : [],
        );
    }
    // An object (Cloud SQL's `replicaConfiguration`, Glue's `connectionProperties`): its secret-looking names and formats.
    const out: Finding[] = [];
    walkNamed(value, [property], property, out, 1);
    return textViolations(resource, out);
}

function credentialViolations(resource: ResourceUnderTest): StackViolation[] {
    const violations: StackViolation[] = [];
    for (const property of providerSecretInputs(resource)) {
        // Presence is read without touching the value; the value is read (and may be unknown) only when needed.
        if (!(property in resource.props) || fromSecretSource(resource, property)) continue;
        const value = resource.props[property];
        if (isAbsent(value)) continue;
        if (isSecretInputReadAsText(resource.type, property)) {
            const out: Finding[] = [];
            if (typeof value === "string") {
                anyText([property], value, out, 1);
                if (out.length === 0) namedText([property], undefined, value, out, 1);
            } else {
                walkNamed(value, [property], property, out, 1);
            }
            violations.push(...textViolations(resource, out));
            continue;
        }
        violations.push(...credentialValueViolations(resource, property, value));
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

/** Base64 `data` as text when it decodes to printable UTF-8, else as it is. */
function decodedData(value: string): string {
    return decodeBase64Text(value) ?? value;
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

/** Literals under secret-looking names anywhere below one input; a reference (`{secret, version}`, `secretKeyRef`) is none. */
function namedLiterals(value: unknown, path: readonly PathSegment[], name: string | undefined, isSink: (path: readonly PathSegment[]) => boolean, found: Map<string, string>, depth: number, parentKey?: string): void {
    if (depth > MAX_DEPTH || isSink(path)) return;
    if (typeof value === "string") {
        const match = name === undefined ? undefined : detectNamedSecret(name, value);
        const secretClass = name === undefined ? undefined : secretNameClass(name);
        if (match && secretClass && !isSecretReference(value)) found.set(renderPath(path), SECRET_NAME_NOUNS[secretClass]);
        return;
    }
    for (const [index, element] of knownElements(value)) namedLiterals(element, [...path, index], undefined, isSink, found, depth + 1, parentKey);
    if (!isRecord(value)) return;
    for (const [key, child] of knownEntries(value)) {
        // Step Functions' JSONPath parameters (`"Password.$"`) are expressions; a reference entry names a secret held in a store.
        if (EXPOSED_INPUT_KEYS.has(key) || key.endsWith(".$") || isReferenceEntry(value, key, parentKey)) continue;
        namedLiterals(child, [...path, key], key, isSink, found, depth + 1, key);
    }
}

function literalCredentialViolations(resource: ResourceUnderTest): StackViolation[] {
    const [pkg] = resource.type.split(":");
    // A secret store's own resources: their values are sinks, and their other inputs name secrets (a Secret Manager version's `secret`).
    if (UNWALKED_PACKAGES.includes(pkg) || HELM_RELEASE_TYPES.includes(resource.type) || isSecretSourceType(resource.type)) return [];
    const nested = NESTED_SECRET_SINKS[resource.type] !== undefined;
    const isSink = (path: readonly PathSegment[]): boolean => (path.length === 1 || nested) && isSecretSinkPath(resource.type, resource.props, plainPath(path));
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
    description:
        "Every input a provider SDK marks secret (additionalSecretOutputs of each resource type: database and cache passwords, keys, tokens), every literal under a secret-looking name of any provider, documented Helm credential values and Kubernetes Secret data come from a RandomPassword or a secret store, never a literal in code; references (KMS keys, secrets in a store) are judged by shape.",
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
            if (HELM_RELEASE_TYPES.includes(resource.type)) return helmViolations(resource);
            if (KUBERNETES_SECRET_TYPES.includes(resource.type)) return kubernetesSecretViolations(resource);
            return [...credentialViolations(resource), ...literalCredentialViolations(resource)];
        });
    },
};
