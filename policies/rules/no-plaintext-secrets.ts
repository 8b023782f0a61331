import { gunzipSync } from "zlib";
import { knownElements, knownEntries } from "../lib/known-values";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { withoutDevelopmentDefaults } from "../lib/development-defaults";
import { isRecord } from "../lib/values";
import { detectSecret, detectSecretFormats, PathSegment, renderPath, scanText, SecretMatch } from "../lib/secret-detection";
import { EXPOSED_INPUT_KEYS, HELM_RELEASE_TYPES, isHelmValueSink, isSecretSinkPath, SECRET_SINK_PACKAGES } from "../lib/secret-sinks";

/**
 * No secret in plaintext in a resource's inputs, where anyone who can read the state, the cloud console
 * or the cluster can read it too. Every string input of every resource is read, whatever its package
 * (aws, gcp, azure, azure-native, docker, kubernetes, any other), for the well-known key formats (AWS
 * access key ID, GitHub / Slack / npm token, Stripe live key, Google API key, Azure account or shared
 * access key, PEM private key, JWT, URL with a password), map keys included. On top of that:
 *
 * - exposed inputs of any package, read by name: `tags`, `labels`, `annotations`, environment variables
 *   (`env`, `envs`, `environment`, `variables`, `environmentVariables`, `appSettings`, lists of
 *   `{name, value}`), where a secret-looking NAME with a literal value is a violation;
 * - scripts and command lines (`userData`, `customData`, `metadataStartupScript`, `command`, `args`,
 *   docker `envs` "NAME=value" strings), read by line for `NAME=value` assignments, base64 and gzip decoded;
 * - Kubernetes objects: `metadata.annotations` and `metadata.labels`; the pod spec of every workload kind
 *   and its *Patch form (containers, initContainers, ephemeralContainers: env `value`s, `command`, `args`,
 *   the template's annotations and labels); ConfigMap `data` and (decoded) `binaryData`;
 * - Helm releases: `values`, walked; secret-looking keys with literals are violations, except the
 *   documented value sinks of secret-sinks.ts (`grafana.adminPassword` of kube-prometheus-stack), where
 *   only well-known key formats are, and whose provenance `credentials-from-secret-store` checks;
 * - AWS: auto scaling tag lists, the provider's default tags, ECS `containerDefinitions` (a JSON string).
 *
 * A password hash (bcrypt, argon2, scrypt, PBKDF2) is not a plaintext password. Legitimate sinks
 * (secret-sinks.ts: database passwords, Secrets Manager / Secret Manager / Key Vault values, SSM
 * SecureString values, Kubernetes Secret data, every random:* resource, a docker build's registry login,
 * provider configuration) are never inspected here; `credentials-from-secret-store` judges where their
 * values, and other credential inputs such as an Azure VM's `adminPassword`, come from.
 * Messages give the key path and the kind of secret, never the value.
 */

interface Finding {
    readonly path: readonly PathSegment[];
    readonly description: string;
    /** Line within a multi-line value. */
    readonly line?: number;
    /** How the value was read, e.g. base64-decoded. */
    readonly note?: string;
}

const WORKLOAD_POD_PATHS: Readonly<Record<string, readonly string[]>> = {
    Pod: [],
    PodTemplate: ["template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    ReplicationController: ["spec", "template"],
    Job: ["spec", "template"],
};
const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;
const USER_DATA_TYPES = new Set([
    "aws:ec2/instance:Instance",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/launchConfiguration:LaunchConfiguration",
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
]);

function messageOf(finding: Finding): string {
    const note = finding.note ? ` (${finding.note})` : "";
    const line = finding.line === undefined ? "" : ` line ${finding.line}`;
    return `${renderPath(finding.path)}${note}${line} holds ${finding.description}`;
}

/** Reads a nested value (through the analyzer's unknown-checking proxy, so an unknown step throws). */
function dig(value: unknown, path: readonly string[]): unknown {
    let current = value;
    for (const key of path) {
        if (!isRecord(current)) return undefined;
        current = current[key];
    }
    return current;
}

function entries(value: unknown): [string, unknown][] {
    if (!isRecord(value)) return [];
    return Object.keys(value).map((key) => [key, value[key]]);
}

function elements(value: unknown): unknown[] {
    if (!Array.isArray(value)) return [];
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index++) items.push(value[index]);
    return items;
}

/** The secrets of one string found under `name`; multi-line texts are scanned line by line. */
function leaf(path: readonly PathSegment[], name: string | undefined, value: unknown, out: Finding[], options: { named?: boolean; note?: string } = {}): void {
    if (typeof value !== "string") return;
    const note = options.note;
    const direct = detectSecret(options.named === false ? undefined : name, value);
    if (value.includes("\n")) {
        const lines = scanText(value);
        for (const match of lines) out.push({ path, description: match.description, line: match.line, note });
        // A multi-line value under a secret-looking name (a key file, a password with a newline) is itself the secret.
        if (lines.length === 0) for (const match of direct) out.push({ path, description: match.description, note });
        return;
    }
    // One line: its formats or its name, else assignments inside it (`-Ddb.password=...`, `Server=db;Password=...;`).
    const matches: readonly SecretMatch[] = direct.length > 0 ? direct : scanText(value);
    for (const match of matches) out.push({ path, description: match.description, note });
}

/** A credential used as a map key is reported too, under the redacted key. */
function keyFindings(path: readonly PathSegment[], key: string, out: Finding[]): void {
    for (const match of detectSecretFormats(key)) out.push({ path: [...path, key], description: `${match.description} as a key` });
}

/** A map entry: its key, and its value under the key's name (or `options.name`). */
function entry(path: readonly PathSegment[], key: string, value: unknown, out: Finding[], options: { named?: boolean; name?: string } = {}): void {
    keyFindings(path, key, out);
    leaf([...path, key], options.name ?? key, value, out, options);
}

/** A `{name, value}` list entry (Kubernetes and ECS env vars): the secret-looking name is the entry's. */
function envEntry(value: unknown): { name: string; value: unknown } | undefined {
    if (!isRecord(value) || typeof value.name !== "string" || !("value" in value)) return undefined;
    return { name: value.name, value: value.value };
}

/** Walks a tree of values (Helm values, parsed container definitions) for secrets. */
function walk(value: unknown, path: readonly PathSegment[], name: string | undefined, out: Finding[], isSink: (path: readonly PathSegment[]) => boolean = () => false): void {
    if (typeof value === "string") {
        leaf(path, name, value, out, { named: !isSink(path) });
        return;
    }
    if (Array.isArray(value)) {
        elements(value).forEach((element, index) => {
            const env = envEntry(element);
            if (env) {
                leaf([...path, { entry: env.name }], env.name, env.value, out);
                for (const [key, child] of entries(element)) if (key !== "name" && key !== "value") walk(child, [...path, index, key], key, out, isSink);
                return;
            }
            walk(element, [...path, index], undefined, out, isSink);
        });
        return;
    }
    for (const [key, child] of entries(value)) {
        keyFindings(path, key, out);
        walk(child, [...path, key], key, out, isSink);
    }
}

/** Tags as a map, or as a list of `{key, value}` (auto scaling groups). */
function tags(value: unknown, path: readonly PathSegment[], out: Finding[]): void {
    if (Array.isArray(value)) {
        elements(value).forEach((tag) => {
            if (isRecord(tag) && typeof tag.key === "string") leaf([...path, { entry: tag.key }], tag.key, tag.value, out);
        });
        return;
    }
    for (const [key, tagValue] of entries(value)) entry(path, key, tagValue, out);
}

function kubernetesMetadata(metadata: unknown, path: readonly PathSegment[], out: Finding[]): void {
    for (const field of ["annotations", "labels"]) {
        for (const [key, value] of entries(dig(metadata, [field]))) {
            // `nginx.ingress.kubernetes.io/auth-secret: basic-auth` names a Secret object; judge the key's last segment.
            const name = key.split("/").pop() ?? key;
            const objectName = typeof value === "string" && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/.test(value);
            entry([...path, field], key, value, out, { name, named: !(objectName && /secret$/i.test(name)) });
        }
    }
}

function podSpec(props: Record<string, unknown>, templatePath: readonly string[], out: Finding[]): void {
    const podPath = [...templatePath, "spec"];
    if (templatePath.length > 0) kubernetesMetadata(dig(props, [...templatePath, "metadata"]), [...templatePath, "metadata"], out);
    const spec = dig(props, podPath);
    for (const list of CONTAINER_LISTS) {
        elements(dig(spec, [list])).forEach((container, index) => {
            const containerPath = [...podPath, list, index];
            for (const variable of elements(dig(container, ["env"]))) {
                const env = envEntry(variable);
                if (env) leaf([...containerPath, "env", { entry: env.name }], env.name, env.value, out);
            }
            for (const field of ["command", "args"]) {
                elements(dig(container, [field])).forEach((argument, position) => leaf([...containerPath, field, position], undefined, argument, out));
            }
        });
    }
}

/** Base64 (optionally gzip) user data, decoded when it decodes to text; plain scripts as they are. */
function decodedText(value: string): { text: string; decoded: boolean } {
    const compact = value.replace(/\s+/g, "");
    if (compact.length >= 8 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
        let bytes = Buffer.from(compact, "base64");
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
            try {
                bytes = gunzipSync(bytes);
            } catch {
                return { text: value, decoded: false };
            }
        }
        const text = bytes.toString("utf8");
        const printable = text.replace(/[^\t\n\r\x20-\x7e\u00a0-\uffff]/g, "").length;
        if (!text.includes("\uFFFD") && printable === text.length) return { text, decoded: true };
    }
    return { text: value, decoded: false };
}

function decodedLeaf(path: readonly PathSegment[], name: string | undefined, value: unknown, out: Finding[]): void {
    if (typeof value !== "string") return;
    const { text, decoded } = decodedText(value);
    leaf(path, name, text, out, decoded ? { note: "base64-decoded" } : {});
}

function kubernetes(resource: ResourceUnderTest, kind: string, out: Finding[]): void {
    const { props } = resource;
    kubernetesMetadata(props.metadata, ["metadata"], out);
    const templatePath = WORKLOAD_POD_PATHS[kind];
    if (templatePath) podSpec(props, templatePath, out);
    if (kind === "ConfigMap") {
        for (const [key, value] of entries(props.data)) entry(["data"], key, value, out);
        for (const [key, value] of entries(props.binaryData)) {
            keyFindings(["binaryData"], key, out);
            decodedLeaf(["binaryData", key], key, value, out);
        }
    }
    if (HELM_RELEASE_TYPES.includes(resource.type)) {
        const chart = props.chart;
        walk(props.values, ["values"], undefined, out, (path) => isHelmValueSink(chart, path.slice(1)));
    }
}

function containerDefinitions(value: unknown, out: Finding[]): void {
    if (typeof value !== "string") {
        walk(value, ["containerDefinitions"], undefined, out);
        return;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        leaf(["containerDefinitions"], undefined, value, out);
        return;
    }
    walk(parsed, ["containerDefinitions"], undefined, out);
}

function aws(resource: ResourceUnderTest, out: Finding[]): void {
    const { props, type } = resource;
    tags(props.tags, ["tags"], out);
    if (USER_DATA_TYPES.has(type)) {
        decodedLeaf(["userData"], undefined, props.userData, out);
        decodedLeaf(["userDataBase64"], undefined, props.userDataBase64, out);
    }
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") {
        elements(props.tagSpecifications).forEach((spec, index) => tags(dig(spec, ["tags"]), ["tagSpecifications", index, "tags"], out));
    }
    if (type === "aws:lambda/function:Function") {
        for (const [name, value] of entries(dig(props, ["environment", "variables"]))) entry(["environment", "variables"], name, value, out);
    }
    if (type === "aws:ecs/taskDefinition:TaskDefinition") containerDefinitions(props.containerDefinitions, out);
}

/** The engine hands a provider's non-string configuration over JSON-encoded (`defaultTags: "{\\"tags\\":{...}}"`). */
function jsonOrValue(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return undefined;
    }
}

/** Inputs holding a script or a command line: read line by line for `NAME=value` assignments too (base64 decoded). */
const SCRIPT_KEYS = new Set(["userData", "userDataBase64", "customData", "startupScript", "metadataStartupScript", "startup-script", "command", "args", "entrypoint"]);
/** Top-level inputs read by the specific readers above, per resource type. */
const READ_SPECIFICALLY: Readonly<Record<string, readonly string[]>> = {
    "aws:ecs/taskDefinition:TaskDefinition": ["containerDefinitions"],
    "kubernetes:helm.sh/v3:Release": ["values"],
    "kubernetes:helm.sh/v4:Chart": ["values"],
};
/** Deeper than any real resource's inputs; an adversarial nesting stops here. */
const MAX_DEPTH = 64;

type Reading = "formats" | "exposed" | "script";

/** Well-known formats only, by line for a multi-line value. */
function formatLeaf(path: readonly PathSegment[], value: string, out: Finding[]): void {
    const lines = value.includes("\n") ? value.split(/\r?\n/) : [value];
    lines.forEach((line, index) => {
        for (const match of detectSecretFormats(line)) out.push({ path, description: match.description, line: lines.length > 1 ? index + 1 : undefined });
    });
}

/** A `{name, value}` entry read without touching unknown fields. */
function knownEnvEntry(element: unknown): { name: string; value: string } | undefined {
    const fields = new Map(knownEntries(element));
    const name = fields.get("name");
    const value = fields.get("value");
    return typeof name === "string" && typeof value === "string" ? { name, value } : undefined;
}

/**
 * Every string input of a resource, whatever its package: well-known formats everywhere (keys included),
 * secret-looking names in exposed inputs, assignments in scripts and command lines. Secret sinks are
 * skipped, and so are values unknown during preview (computed by another resource, so not written here).
 */
function inputs(value: unknown, path: readonly PathSegment[], name: string | undefined, reading: Reading, out: Finding[], walker: InputWalker, depth = 0): void {
    const { isSink, byContext } = walker;
    if (depth > MAX_DEPTH || isSink(path)) return;
    if (typeof value === "string") {
        if (reading === "formats") formatLeaf(path, value, out);
        else if (reading === "exposed") leaf(path, name, value, out);
        else decodedLeaf(path, undefined, value, out);
        return;
    }
    if (Array.isArray(value)) {
        for (const [index, element] of knownElements(value)) {
            const env = knownEnvEntry(element);
            if (env) {
                if (reading === "formats") formatLeaf([...path, { entry: env.name }], env.value, out);
                else leaf([...path, { entry: env.name }], env.name, env.value, out);
                continue;
            }
            // Objects in an exposed list (a reference such as `valueSource.secretKeyRef`) are read for formats only.
            inputs(element, [...path, index], undefined, reading === "exposed" && isRecord(element) ? "formats" : reading, out, walker, depth + 1);
        }
        return;
    }
    for (const [key, child] of knownEntries(value)) {
        keyFindings(path, key, out);
        inputs(child, [...path, key], key, byContext ? readingOf(key, reading, child) : reading, out, walker, depth + 1);
    }
}

interface InputWalker {
    readonly isSink: (path: readonly PathSegment[]) => boolean;
    /** Whether exposed and script inputs are read by name; otherwise formats only. */
    readonly byContext: boolean;
}

/** How an input is read: by its own key, else as its parent's entries are (an exposed map's own values, a script's lines). */
function readingOf(key: string, parent: Reading, value: unknown): Reading {
    if (EXPOSED_INPUT_KEYS.has(key)) return "exposed";
    if (SCRIPT_KEYS.has(key)) return "script";
    if (parent === "exposed") return typeof value === "string" ? "exposed" : "formats";
    return parent;
}

function everyInput(resource: ResourceUnderTest, pkg: string, out: Finding[]): void {
    const skipped = READ_SPECIFICALLY[resource.type] ?? [];
    const isSink = (path: readonly PathSegment[]): boolean =>
        (path.length === 1 && skipped.includes(String(path[0]))) ||
        isSecretSinkPath(resource.type, resource.props, path.map((segment) => (typeof segment === "object" ? segment.entry : segment)));
    // Kubernetes objects are read by name above, where their shape is known (an annotation may name a Secret
    // object: `auth-secret: basic-auth`); every other input of theirs for formats only.
    const walker: InputWalker = { isSink, byContext: pkg !== "kubernetes" };
    for (const [key, value] of knownEntries(resource.props)) {
        inputs(value, [key], key, walker.byContext ? readingOf(key, "formats", value) : "formats", out, walker, 1);
    }
}

export function plaintextSecretFindings(resource: ResourceUnderTest): string[] {
    const [pkg, , kind = ""] = resource.type.split(":");
    if (SECRET_SINK_PACKAGES.includes(pkg)) return [];
    const out: Finding[] = [];
    if (pkg === "pulumi") {
        // A provider's configuration is where its credentials go (read from the stack config, which scanStackConfig judges).
        if (resource.type === "pulumi:providers:aws") tags(dig(jsonOrValue(resource.props.defaultTags), ["tags"]), ["defaultTags", "tags"], out);
        return [...new Set(out.map(messageOf))];
    }
    if (pkg === "kubernetes") kubernetes(resource, kind.replace(/Patch$/, ""), out);
    else if (pkg === "aws") aws(resource, out);
    everyInput(resource, pkg, out);
    return [...new Set(out.map(messageOf))];
}

export const noPlaintextSecrets: ResourceRule = {
    kind: "resource",
    name: "no-plaintext-secrets",
    description: "No secret in plaintext in any resource's inputs, whatever its provider: well-known key formats anywhere; secret-looking names in env vars, app settings, ConfigMaps, labels, annotations, tags, scripts and Helm values.",
    severity: "critical",
    rationale:
        "Resource inputs are readable by anyone with access to the state, the cloud console or the cluster (tags, labels, ConfigMaps, env vars and user data are not secret stores); a secret written there has leaked and must be rotated.",
    remediation:
        "Keep the value in the SecretStore (components/secrets: generated by random.RandomPassword or provided as a secure config value, stored in Secrets Manager) and reference it: Kubernetes env valueFrom.secretKeyRef or envFrom.secretRef, ECS `secrets` with valueFrom, Lambda reading Secrets Manager at runtime, user data running `aws secretsmanager get-secret-value`. Rotate any secret that was ever committed.",
    resourceTypes: ["*"],
    enforcement: ALWAYS_MANDATORY,
    exemptable: false,
    // A local stack's declared development defaults (lib/development-defaults.ts) are the one exception.
    check: (resource, context) => plaintextSecretFindings(withoutDevelopmentDefaults(resource, context.tier)),
};
