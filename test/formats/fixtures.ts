import { Finding } from "../../policies/lib/evaluate";
import { Rule } from "../../policies/lib/rule";
import { Tier } from "../../policies/lib/tiers";
import { ALL_RULES } from "../../policies/rules";
import { deletionProtectionAndBackups } from "../../policies/rules/deletion-protection-and-backups";
import { environmentParityRule } from "../../policies/rules/environment-parity";
import { POLICY_EXEMPTIONS_VALID } from "../../policies/rules/policy-exemptions-valid";
import { registryImmutableTags } from "../../policies/rules/registry-immutable-tags";
import { planStacks } from "../../tools/plan";
import type { ReportResource } from "../../engine/resource-views";
import { buildReport, Report, StackReport } from "../../tools/report";
import { checkResource, UNKNOWN } from "../../policies/test-support/policy-harness";
import { PROJECT_DIR } from "../support/stacks";

/** A value that sits only in resource inputs: formats other than JSON must never print it. */
export const INPUT_CANARY = "only-in-inputs-7f3a";

/** Characters that break tables, code spans, XML and HTML when not escaped. */
export const NASTY = "a|b `tick` <script>&amp; &nbsp; ]]> \u0001 *star* [x](y)";

const PROJECT = "platform";

export function urnOf(stack: string, qualifiedType: string, name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${qualifiedType}::${name}`;
}

/** A resource under a parent: its URN's qualified type is the parent's followed by its own type. */
function child(stack: string, parent: ReportResource | undefined, type: string, name: string, custom: boolean, inputs: Record<string, unknown> = {}): ReportResource {
    const parentTypes = parent === undefined || parent.type === "pulumi:pulumi:Stack" ? "" : `${parent.urn.split("::")[2]}$`;
    return { urn: urnOf(stack, `${parentTypes}${type}`, name), type, name, custom, ...(parent ? { parent: parent.urn } : {}), inputs };
}

/** A small stack: the stack, the Platform, a Postgres component with its RDS instance, an ECR repository and a Deployment. */
export function resourcesOf(stack: string): ReportResource[] {
    const root = child(stack, undefined, "pulumi:pulumi:Stack", `platform-${stack}`, false);
    const platform = child(stack, root, "platform:index:Platform", `platform-${stack}`, false);
    const postgres = child(stack, platform, "platform:data:Postgres", `platform-${stack}-postgres`, false);
    const registry = child(stack, platform, "platform:registry:ContainerRegistry", `platform-${stack}-registry`, false);
    const service = child(stack, platform, "platform:app:Service", `platform-${stack}-api`, false);
    return [
        root,
        platform,
        postgres,
        child(stack, postgres, "aws:rds/instance:Instance", `platform-${stack}-db`, true, {
            engine: "postgres",
            instanceClass: "db.r6g.large",
            password: "[secret]",
            tags: { owner: INPUT_CANARY },
        }),
        child(stack, registry, "aws:ecr/repository:Repository", `platform-${stack}-api`, true, {
            imageTagMutability: "MUTABLE",
            tags: { "policy.platform/exempt-registry-immutable-tags": "2099-12-31 release tooling re-tags latest" },
        }),
        child(stack, service, "kubernetes:apps/v1:Deployment", `platform-${stack}-api`, true, { metadata: { name: "api" } }),
        registry,
        service,
    ];
}

export function rulesRun(rules: readonly Rule[], tier: Tier): StackReport["rules"] {
    return rules.map((rule) => ({ name: rule.name, enforcement: rule.enforcement[tier] }));
}

function finding(rule: Rule, tier: Tier, message: string, subject?: ReportResource, enforcement = rule.enforcement[tier]): Finding {
    return {
        rule: rule.name,
        severity: rule.severity,
        enforcement,
        message,
        ...(subject ? { urn: subject.urn, resourceType: subject.type, resourceName: subject.name } : {}),
    };
}

function ruleNamed(rules: readonly Rule[], name: string): Rule {
    const found = rules.find((rule) => rule.name === name);
    if (!found) throw new Error(`no rule ${name}`);
    return found;
}

export const RDS = 3;
export const ECR = 4;
export const DEPLOYMENT = 5;

/** The real advisory result of a rule meeting a value unknown during preview. */
export function previewUnknownMessage(): string {
    const [outcome] = checkResource(deletionProtectionAndBackups, { type: "aws:rds/instance:Instance", props: { deletionProtection: true, backupRetentionPeriod: UNKNOWN } }, { tier: "staging" });
    if (outcome?.kind !== "unknown") throw new Error("expected the preview unknown outcome");
    return outcome.message;
}

/**
 * prod: two mandatory findings on the RDS instance (one with characters that need escaping), a stack-wide
 * parity finding, an exempted ECR repository. staging: an advisory finding, a preview "can't run" advisory
 * and a pack-config exemption. dev: failed to render.
 */
export function stacksWithFindings(rules: readonly Rule[] = ALL_RULES): StackReport[] {
    const prod = resourcesOf("prod");
    const staging = resourcesOf("staging");
    const has = (name: string): boolean => rules.some((rule) => rule.name === name);
    const prodFindings: Finding[] = [];
    if (has("deletion-protection-and-backups")) {
        prodFindings.push(finding(ruleNamed(rules, "deletion-protection-and-backups"), "prod", "deletionProtection must be true outside dev", prod[RDS]));
        prodFindings.push(finding(ruleNamed(rules, "deletion-protection-and-backups"), "prod", `backupRetentionPeriod is 0 ${NASTY}`, prod[RDS]));
    }
    if (has("environment-parity")) {
        prodFindings.push(finding(ruleNamed(rules, "environment-parity"), "prod", "prod differs from its committed baseline (regenerate it) at postgres.engineVersion: prod 16.4, prod 16.3", undefined, "mandatory"));
    }
    const stagingFindings: Finding[] = [];
    if (has("deletion-protection-and-backups")) {
        stagingFindings.push(finding(ruleNamed(rules, "deletion-protection-and-backups"), "staging", previewUnknownMessage(), staging[RDS], "advisory"));
    }
    if (has("workload-probes-and-limits")) {
        stagingFindings.push(finding(ruleNamed(rules, "workload-probes-and-limits"), "staging", "container api has no readinessProbe", staging[DEPLOYMENT], "advisory"));
    }
    return [
        {
            stack: "prod",
            tier: "prod",
            source: "Pulumi.prod.yaml",
            resources: prod,
            findings: prodFindings,
            exemptions: has("registry-immutable-tags")
                ? [{ rule: "registry-immutable-tags", urn: prod[ECR].urn, reason: "release tooling re-tags latest", expires: "2099-12-31", source: "resource", message: "imageTagMutability must be IMMUTABLE" }]
                : [],
            // As if the pack config made parity mandatory in prod (it is advisory there by default).
            rules: rulesRun(rules, "prod").map((run) => (run.name === "environment-parity" ? { ...run, enforcement: "mandatory" as const } : run)),
            durationMs: 1234.5,
        },
        {
            stack: "staging",
            tier: "staging",
            source: "Pulumi.staging.yaml",
            resources: staging,
            findings: stagingFindings,
            exemptions: has("encryption-at-rest")
                ? [{ rule: "encryption-at-rest", urn: staging[RDS].urn, reason: `snapshot restore test ${NASTY}`, expires: "2099-01-31", source: "pack-config", message: "storageEncrypted must be true" }]
                : [],
            rules: rulesRun(rules, "staging"),
            durationMs: 987,
        },
        {
            stack: "dev",
            source: "Pulumi.dev.yaml",
            error: "Pulumi.dev.yaml: platform:postgres.instanceClass: expected a string, got 42\nplatform:tier: must be one of dev, staging, prod",
            resources: [],
            findings: [],
            exemptions: [],
            rules: [],
            durationMs: 12,
        },
    ];
}

export function diffOf(stacks: readonly StackReport[]): NonNullable<Report["diff"]> {
    const prod = stacks.find((stack) => stack.stack === "prod")?.resources ?? resourcesOf("prod");
    return [
        {
            stack: "prod",
            added: [{ urn: prod[ECR].urn, type: prod[ECR].type }],
            removed: [{ urn: urnOf("prod", "platform:index:Platform$aws:s3/bucket:Bucket", "platform-prod-old"), type: "aws:s3/bucket:Bucket" }],
            changed: [
                {
                    urn: prod[RDS].urn,
                    type: prod[RDS].type,
                    changedInputs: [
                        { path: "instanceClass", before: "db.t3.medium", after: "db.r6g.large" },
                        { path: "tags.team|owner", before: undefined, after: "data`eng" },
                        { path: "multiAz", before: false, after: undefined },
                    ],
                },
            ],
        },
        { stack: "staging", added: [], removed: [], changed: [] },
    ];
}

export const PARITY: NonNullable<Report["parity"]> = [
    { path: "postgres.engineVersion", values: { staging: "16.3", "prod (baseline)": "16.4" }, status: "not allowed" },
    { path: "size.postgres.instanceClass", values: { staging: "db.t3.medium", "prod (baseline)": "db.r6g.large" }, status: "allowed" },
    { path: "services.api.replicas", values: { staging: 2, "prod (baseline)": 6 }, status: "allowed" },
    { path: "redis.transitEncryption", values: { staging: true, "prod (baseline)": true }, status: "same" },
    { path: "cluster.endpointPrivate|x", values: { staging: null, "prod (baseline)": null }, status: "same" },
];

/** Mandatory and advisory findings, exemptions, a preview unknown, a failed stack, a diff and parity rows. */
export function reportWithFindings(rules: readonly Rule[] = ALL_RULES): Report {
    const stacks = stacksWithFindings(rules);
    return buildReport("plan", stacks, rules, { diff: diffOf(stacks), parity: PARITY });
}

/** A stack where every rule passed. */
export function cleanReport(): Report {
    const resources = resourcesOf("prod");
    return buildReport("plan", [{ stack: "prod", tier: "prod", source: "Pulumi.prod.yaml", resources, findings: [], exemptions: [], rules: rulesRun(ALL_RULES, "prod"), durationMs: 800 }], ALL_RULES);
}

/** Only the stack that failed. */
export function failedReport(): Report {
    return buildReport("plan", stacksWithFindings().filter((stack) => stack.error !== undefined), ALL_RULES);
}

/** The audit of a state file (absolute path), with findings. */
export function auditReport(): Report {
    const [prod] = stacksWithFindings();
    return buildReport("audit", [{ ...prod, source: "/var/tmp/state/prod.json" }], ALL_RULES);
}

/** Rules small enough to count JUnit testcases by hand: one ECR rule, one RDS/EKS/ElastiCache rule, a stack rule, a `*` rule. */
export const COUNTABLE_RULES: readonly Rule[] = [registryImmutableTags, deletionProtectionAndBackups, environmentParityRule, ruleNamed(ALL_RULES, POLICY_EXEMPTIONS_VALID)];

let real: Promise<Report> | undefined;

/** The real program's dev stack rendered offline and judged by every rule, as `npm run plan` does. */
export function realReport(): Promise<Report> {
    real ??= planStacks({ projectDir: PROJECT_DIR, stacks: ["dev"], rules: ALL_RULES, now: new Date("2026-11-24T12:00:00Z") }).then((stacks) => buildReport("plan", stacks, ALL_RULES));
    return real;
}
