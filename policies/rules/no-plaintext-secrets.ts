import { knownElements, knownEntries } from "../lib/known-values";
import { ALWAYS_MANDATORY, ResourceRule, ResourceUnderTest } from "../lib/rule";
import { withoutDevelopmentDefaults } from "../lib/development-defaults";
import { isRecord } from "../lib/values";
import { isReferenceContainer, isReferenceEntry, PathSegment, plainPath } from "../lib/secret-detection";
import { EXPOSED_INPUT_KEYS, HELM_RELEASE_TYPES, isHelmValueSink, isSecretSinkPath, NESTED_SECRET_SINKS, SECRET_SINK_PACKAGES } from "../lib/secret-sinks";
import { anyText, envEntry, Finding, flagPairs, keyFindings, MAX_DEPTH, messageOf, namedText, scriptText, splitAcross, walkNamed } from "../lib/secret-walk";

/**
 * No secret in plaintext in a resource's inputs, where anyone who can read the state, the cloud console
 * or the cluster can read it too. Every string input of every resource is read, whatever its package
 * (aws, gcp, azure, azure-native, docker, kubernetes, command, any other), map keys included, for:
 *
 * - credential formats: every pattern of the maintained catalogue (secretlint's recommended preset, as
 *   data) and the pack's supplements (lib/credential-formats.ts), also base64-encoded, also split across
 *   the lines of a text or the entries of a list or a map (JWT parts, a PEM body apart from its header);
 * - URL userinfo of any scheme (`redis://:password@host`);
 * - secret-looking command-line flags given literals (`--password=...`, `--token ...`, and `["--password", "..."]`
 *   across two arguments);
 * - documents carried in strings, read as structures with names counting (JSON and YAML: ECS container
 *   definitions, Step Functions and Batch definitions, GCE container declarations, Docker `auths`
 *   configs, kubeconfigs with `client-key-data` and `token`, Helm values files, cloud-config);
 * - scripts, by key (`userData`, `startupScript`, `command`, `args`, `create`/`update`/`delete` of
 *   `command:local:Command` and `command:remote:Command`, `stdin`, `buildspec`, ...) or by shape (a
 *   shebang, a cloud-config), read by line for `NAME=value` assignments, base64 and gzip decoded.
 *
 * On top of that, where a NAME counts: exposed inputs of any package (`tags`, `labels`, `annotations`,
 * environment variables: `env`, `envs`, `environment`, `variables`, `environmentVariables`, `appSettings`,
 * lists of `{name, value}`), where a secret-looking name with a literal value is a violation; Kubernetes
 * objects' metadata, pod specs of every workload kind and ConfigMap data; Helm release `values` and
 * readable `valueYamlFiles`, except the documented value sinks of secret-sinks.ts (`grafana.adminPassword`
 * of kube-prometheus-stack), whose provenance `credentials-from-secret-store` checks.
 *
 * A reference is not a value, judged by shape: a KMS key or alias (`arn:aws:kms:...`,
 * `projects/.../cryptoKeys/...`), a secret in a store (`projects/.../secrets/...`, a Secrets Manager ARN),
 * a `secretKeyRef`, a `{secret, version}` entry. A password hash is not a plaintext password. Inputs a
 * provider itself treats as secret (secret-sinks.ts, generated from the SDKs), every random:* resource and
 * provider configuration are never inspected here; `credentials-from-secret-store` judges where their
 * values come from. Messages give the key path and the kind of secret, never the value.
 */

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

/** A string found under `name`, names counting (an exposed entry, an env var). */
function leaf(path: readonly PathSegment[], name: string | undefined, value: unknown, out: Finding[], options: { named?: boolean; note?: string } = {}): void {
    namedText(path, name, value, out, 1, options);
}

/** A map entry: its key, and its value under the key's name (or `options.name`). */
function entry(path: readonly PathSegment[], key: string, value: unknown, out: Finding[], options: { named?: boolean; name?: string } = {}): void {
    keyFindings(path, key, out);
    leaf([...path, key], options.name ?? key, value, out, options);
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
                // Read through the proxy: an env value unknown during preview gives the advisory result, as the analyzer would.
                const env = isRecord(variable) && typeof variable.name === "string" && "value" in variable ? { name: variable.name, value: variable.value } : undefined;
                if (env) leaf([...containerPath, "env", { entry: env.name }], env.name, env.value, out);
            }
            for (const field of ["command", "args"]) {
                const argumentList = knownElements(dig(container, [field]));
                for (const [position, argument] of argumentList) leaf([...containerPath, field, position], undefined, argument, out);
                flagPairs([...containerPath, field], argumentList, out);
            }
        });
    }
}

/** A Helm release's `valueYamlFiles`: assets whose text is readable (a state file's, an offline render's), read as values files. */
function valueYamlFiles(value: unknown, chart: unknown, out: Finding[]): void {
    for (const [index, asset] of knownElements(value)) {
        const text = isRecord(asset) ? knownEntries(asset).find(([key]) => key === "text")?.[1] : undefined;
        // In the analyzer an asset's text is a promise, which a synchronous rule cannot read.
        if (typeof text !== "string") continue;
        walkNamed(text, ["valueYamlFiles", index], undefined, out, 1, { isSink: (path) => isHelmValueSink(chart, plainPath(path.slice(2))) });
    }
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
            scriptText(["binaryData", key], value, out, 1);
        }
    }
    if (HELM_RELEASE_TYPES.includes(resource.type)) {
        const chart = props.chart;
        walkNamed(props.values, ["values"], undefined, out, 1, { isSink: (path) => isHelmValueSink(chart, plainPath(path.slice(1))) });
        valueYamlFiles(props.valueYamlFiles, chart, out);
    }
}

function aws(resource: ResourceUnderTest, out: Finding[]): void {
    const { props, type } = resource;
    tags(props.tags, ["tags"], out);
    if (USER_DATA_TYPES.has(type)) {
        scriptText(["userData"], props.userData, out, 1);
        scriptText(["userDataBase64"], props.userDataBase64, out, 1);
    }
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") {
        elements(props.tagSpecifications).forEach((spec, index) => tags(dig(spec, ["tags"]), ["tagSpecifications", index, "tags"], out));
    }
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

/**
 * Keys that hold a script or a command line, read line by line for `NAME=value` assignments too (base64
 * decoded), by their last word: user data and startup scripts of every cloud, container commands and
 * arguments, the `create`/`update`/`delete`/`read` commands and `stdin` of command:local and command:remote,
 * inline scripts of build and deployment steps.
 */
const SCRIPT_KEY = /(?:^|[^a-z])(?:user-?data(?:base64)?|custom-?data|startup-?script|script|scripts|command|commands|args|arguments|entrypoint|cmd|create|update|delete|read|stdin|inline|buildspec|cloud-?init)$/i;

/** Keys repeat across resources: each is classified once. Bounded. */
const scriptKeys = new Map<string, boolean>();
const MAX_SCRIPT_KEYS = 10_000;

export function isScriptKey(key: string): boolean {
    const known = scriptKeys.get(key);
    if (known !== undefined) return known;
    const result = key.length <= 128 && SCRIPT_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, "$1-$2"));
    if (scriptKeys.size >= MAX_SCRIPT_KEYS) scriptKeys.clear();
    scriptKeys.set(key, result);
    return result;
}

/** Top-level inputs read by the specific readers above, per resource type. */
const READ_SPECIFICALLY: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:helm.sh/v3:Release": ["values", "valueYamlFiles"],
    "kubernetes:helm.sh/v4:Chart": ["values", "valueYamlFiles"],
    "kubernetes:core/v1:ConfigMap": ["data", "binaryData"],
    "kubernetes:core/v1:ConfigMapPatch": ["data", "binaryData"],
};

type Reading = "formats" | "exposed" | "script";

interface InputWalker {
    readonly isSink: (path: readonly PathSegment[]) => boolean;
    /** Whether exposed and script inputs are read by name; otherwise formats only. */
    readonly byContext: boolean;
}

function stringLeaf(path: readonly PathSegment[], name: string | undefined, value: string, reading: Reading, out: Finding[], depth: number): void {
    if (reading === "formats") anyText(path, value, out, depth);
    else if (reading === "exposed") namedText(path, name, value, out, depth);
    else scriptText(path, value, out, depth);
}

/**
 * Every string input of a resource, whatever its package: formats everywhere (keys included), secret-looking
 * names in exposed inputs and documents, assignments in scripts and command lines. Secret sinks are
 * skipped, and so are values unknown during preview (computed by another resource, so not written here).
 */
function inputs(value: unknown, path: readonly PathSegment[], name: string | undefined, reading: Reading, out: Finding[], walker: InputWalker, depth: number): void {
    const { isSink, byContext } = walker;
    if (depth > MAX_DEPTH || isSink(path)) return;
    if (typeof value === "string") {
        stringLeaf(path, name, value, reading, out, depth);
        return;
    }
    if (Array.isArray(value)) {
        const items = knownElements(value);
        for (const [index, element] of items) {
            const env = envEntry(element);
            if (env && typeof env.value === "string") {
                if (reading === "formats") anyText([...path, { entry: env.name }], env.value, out, depth);
                else namedText([...path, { entry: env.name }], env.name, env.value, out, depth);
                continue;
            }
            // Objects in an exposed list (a reference such as `valueSource.secretKeyRef`) are read for formats only.
            inputs(element, [...path, index], undefined, reading === "exposed" && isRecord(element) ? "formats" : reading, out, walker, depth + 1);
        }
        if (reading !== "formats" || byContext) flagPairs(path, items, out);
        splitAcross(path, items.map(([, item]) => item).filter((item): item is string => typeof item === "string"), out);
        return;
    }
    if (!isRecord(value)) return;
    const fields = knownEntries(value);
    const underReference = isReferenceContainer(name);
    for (const [key, child] of fields) {
        keyFindings(path, key, out);
        // A reference to a secret in a store (`{secret, version}`, `secretKeyRef`) is read for formats only.
        const childReading = underReference || isReferenceEntry(value, key) ? "formats" : byContext ? readingOf(key, reading, child) : reading;
        inputs(child, [...path, key], key, childReading, out, walker, depth + 1);
    }
    splitAcross(path, fields.map(([, child]) => child).filter((child): child is string => typeof child === "string"), out);
}

/** How an input is read: by its own key, else as its parent's entries are (an exposed map's own values, a script's lines). */
function readingOf(key: string, parent: Reading, value: unknown): Reading {
    if (EXPOSED_INPUT_KEYS.has(key)) return "exposed";
    if (isScriptKey(key)) return "script";
    if (parent === "exposed") return typeof value === "string" ? "exposed" : "formats";
    return parent;
}

function everyInput(resource: ResourceUnderTest, pkg: string, out: Finding[]): void {
    const skipped = READ_SPECIFICALLY[resource.type] ?? [];
    // Sinks are top-level inputs, but for the few types with nested ones: a deeper path is only read into for those.
    const nested = NESTED_SECRET_SINKS[resource.type] !== undefined;
    const isSink = (path: readonly PathSegment[]): boolean => {
        if (path.length === 1) return skipped.includes(String(path[0])) || isSecretSinkPath(resource.type, resource.props, [String(path[0])]);
        return nested && isSecretSinkPath(resource.type, resource.props, plainPath(path));
    };
    // Kubernetes objects are read by name above, where their shape is known (an annotation may name a Secret
    // object: `auth-secret: basic-auth`); every other input of theirs for formats (and documents) only.
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
    description:
        "No secret in plaintext in any resource's inputs, whatever its provider: every credential format of a maintained catalogue (secretlint's) anywhere, also base64-encoded or split across entries; URL userinfo; secret-looking flags; documents carried in strings read with their names; secret-looking names in env vars, app settings, ConfigMaps, labels, annotations, tags, scripts and Helm values.",
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
