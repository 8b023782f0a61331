import * as fs from "fs";
import * as path from "path";
import { cloudOf, compareFingerprints, Fingerprint, fingerprint, ParityCloud } from "../lib/parity";
import { ResourceUnderTest, StackRule } from "../lib/rule";
import { projectOfUrn } from "../lib/pack-context";

/** The prod fingerprint every other stack is compared with; regenerate with `npm run parity:baseline`. */
export const PARITY_BASELINE_FILE = path.join(__dirname, "..", "parity", "baseline.json");
/** Per cloud, the committed prod baseline its stacks are compared with (gcp-prod's for GCP stacks). */
export const PARITY_BASELINE_FILES: Readonly<Record<ParityCloud, string>> = {
    aws: PARITY_BASELINE_FILE,
    gcp: path.join(__dirname, "..", "parity", "baseline-gcp.json"),
};

/** The committed baseline: prod's fingerprint and the project it belongs to. */
export interface Baseline {
    /** The Pulumi project whose prod stack the fingerprint was taken from; absent in baselines written before it was recorded. */
    readonly project?: string;
    readonly fingerprint: Fingerprint;
}

export function readBaseline(file = PARITY_BASELINE_FILE): Baseline {
    const document = JSON.parse(fs.readFileSync(file, "utf8")) as { project?: string; fingerprint: Fingerprint };
    return { project: document.project, fingerprint: document.fingerprint };
}


/**
 * Why parity cannot be judged for these resources, or undefined when it can: a stack is only compared with
 * the baseline of its own project (someone else's state has nothing to mirror), and an empty stack with none.
 */
export function parityNotJudged(resources: readonly ResourceUnderTest[], baseline: Baseline): string | undefined {
    if (resources.length === 0) return "the stack has no resources";
    const project = resources.map((resource) => projectOfUrn(resource.urn)).find((name) => name !== undefined);
    if (baseline.project !== undefined && project !== undefined && project !== baseline.project) {
        return `the stack belongs to project "${project}", and the committed prod baseline to project "${baseline.project}"`;
    }
    return undefined;
}

const show = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** The committed baseline of the cloud these resources run on. */
export function baselineFor(resources: readonly ResourceUnderTest[]): Baseline {
    return readBaseline(PARITY_BASELINE_FILES[cloudOf(resources)]);
}

/** Builds the rule around a baseline per cloud, so that tests can hand it their own. */
export function environmentParity(baseline: (cloud: ParityCloud) => Baseline): StackRule {
    return {
        kind: "stack",
        name: "environment-parity",
        description: "Staging mirrors prod: engine versions, components, security properties and sizes; which digest each runs is release-promotion's.",
        severity: "high",
        rationale: "A change proven in staging is only evidence for prod if staging runs what prod runs, configured as prod is; sizes may differ, nothing else.",
        remediation:
            "Make the stack match the prod baseline of its cloud (policies/parity/baseline.json; baseline-gcp.json for GCP stacks), or, when prod itself changed, regenerate the baseline with `npm run parity:baseline` and commit it. What may differ is listed in policies/lib/parity.ts (PARITY_ALLOWLIST).",
        resourceTypes: ["*"],
        // Staging is held to prod; dev is reported; in prod a difference means the baseline is stale. A local
        // environment (Docker on a laptop) has nothing to mirror: it is never compared.
        enforcement: { local: "disabled", dev: "advisory", staging: "mandatory", prod: "advisory" },
        exemptable: false,
        check(resources, context) {
            if (context.tier === "local") return [];
            const reference = baseline(cloudOf(resources));
            // Tools that can say so (audit) report why as a note; here it is simply not a violation.
            if (parityNotJudged(resources, reference) !== undefined) return [];
            const differences = compareFingerprints(fingerprint(resources), reference.fingerprint).filter((difference) => !difference.allowed);
            const subject = context.tier === "prod" ? `${context.stack} differs from the committed prod baseline (regenerate it if prod changed on purpose)` : `${context.stack} differs from prod`;
            return differences.map((difference) => ({
                message: `${subject} at ${difference.path}: ${context.stack} ${show(difference.stack)}, prod ${show(difference.baseline)}`,
            }));
        },
    };
}

export const environmentParityRule = environmentParity((cloud) => readBaseline(PARITY_BASELINE_FILES[cloud]));
