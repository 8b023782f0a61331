import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { referenceFile } from "./reference";

/** Kind -> schema file of the strict Kubernetes v1.32 schemas (with the prometheus-operator CRDs). */
const SCHEMA_FILES: Readonly<Record<string, string>> = {
    ConfigMap: "configmap-v1.json",
    CronJob: "cronjob-batch-v1.json",
    DaemonSet: "daemonset-apps-v1.json",
    Deployment: "deployment-apps-v1.json",
    HorizontalPodAutoscaler: "horizontalpodautoscaler-autoscaling-v2.json",
    Ingress: "ingress-networking-v1.json",
    Job: "job-batch-v1.json",
    LimitRange: "limitrange-v1.json",
    Namespace: "namespace-v1.json",
    NetworkPolicy: "networkpolicy-networking-v1.json",
    PodDisruptionBudget: "poddisruptionbudget-policy-v1.json",
    PodMonitor: "podmonitor-monitoring-v1.json",
    PrometheusRule: "prometheusrule-monitoring-v1.json",
    ResourceQuota: "resourcequota-v1.json",
    Role: "role-rbac-v1.json",
    RoleBinding: "rolebinding-rbac-v1.json",
    Secret: "secret-v1.json",
    Service: "service-v1.json",
    ServiceAccount: "serviceaccount-v1.json",
    ServiceMonitor: "servicemonitor-monitoring-v1.json",
    StatefulSet: "statefulset-apps-v1.json",
};

/**
 * Go's `(?i)` has no JavaScript inline form: rewrite the letters after it as case-insensitive classes
 * (only `^(?i)(abort|warn)?$` in the PrometheusRule CRD uses it).
 */
function withoutInlineFlags(pattern: string): string {
    const index = pattern.indexOf("(?i)");
    if (index === -1) return pattern;
    const rest = pattern.slice(index + 4).replace(/(\\.)|(\[[^\]]*\])|([A-Za-z])/g, (_match, escaped: string, charClass: string, letter: string) =>
        letter ? `[${letter.toLowerCase()}${letter.toUpperCase()}]` : escaped ?? charClass,
    );
    return pattern.slice(0, index) + rest;
}

function rewritePatterns(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(rewritePatterns);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === "pattern" && typeof value === "string" ? withoutInlineFlags(value) : rewritePatterns(value)]));
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** Kind -> CRD file of the charts the platform installs (test/reference-crds, Helm templates as vendored). */
const CRD_FILES: Readonly<Record<string, string>> = {
    Rollout: path.join("argo-rollouts", "rollout-crd.yaml"),
    AnalysisTemplate: path.join("argo-rollouts", "analysis-template-crd.yaml"),
};

/**
 * A CRD's schema made strict as kubeconform makes Kubernetes' own: an object that lists its properties and
 * neither allows more nor preserves unknown fields gets `additionalProperties: false`.
 */
function strictCrdSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(strictCrdSchema);
    if (typeof node !== "object" || node === null) return node;
    const record = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === "properties" && typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).map(([name, child]) => [name, strictCrdSchema(child)])) : strictCrdSchema(value)]));
    if ("properties" in record && !("additionalProperties" in record) && record["x-kubernetes-preserve-unknown-fields"] !== true) record.additionalProperties = false;
    return record;
}

function crdSchema(file: string): Record<string, unknown> {
    const text = fs.readFileSync(path.join(__dirname, "..", "reference-crds", file), "utf8").split("\n").filter((line) => !/^\s*\{\{-?.*\}\}\s*$/.test(line)).join("\n");
    const crd = parse(text) as { spec: { versions: { storage?: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }[] } };
    const version = crd.spec.versions.find((candidate) => candidate.storage) ?? crd.spec.versions[0];
    return strictCrdSchema(version.schema.openAPIV3Schema) as Record<string, unknown>;
}

export function hasSchema(kind: string): boolean {
    return kind in SCHEMA_FILES || kind in CRD_FILES;
}

/** Validation errors of an object against the strict schema of its kind; unknown fields are errors. */
export function kubernetesSchemaErrors(object: Record<string, unknown>): string[] {
    const kind = String(object.kind);
    let validate = compiled.get(kind);
    if (!validate) {
        const file = SCHEMA_FILES[kind];
        const crdFile = CRD_FILES[kind];
        if (!file && !crdFile) return [`no schema for kind ${kind}`];
        const { $schema: _ignored, ...schema } = file ? (JSON.parse(fs.readFileSync(referenceFile("schemas", "kubernetes", file), "utf8")) as Record<string, unknown>) : crdSchema(crdFile);
        validate = ajv.compile(rewritePatterns(schema) as Record<string, unknown>);
        compiled.set(kind, validate);
    }
    return validate(object) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
}

export { withoutInlineFlags };
