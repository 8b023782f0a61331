import * as fs from "fs";
import * as path from "path";
import { compareFingerprints, Fingerprint, fingerprint } from "../lib/parity";
import { StackRule } from "../lib/rule";

/** The prod fingerprint every other stack is compared with; regenerate with `npm run parity:baseline`. */
export const PARITY_BASELINE_FILE = path.join(__dirname, "..", "parity", "baseline.json");

export function readBaseline(file = PARITY_BASELINE_FILE): Fingerprint {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { fingerprint: Fingerprint }).fingerprint;
}

const show = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** Builds the rule around a baseline, so that tests can hand it their own. */
export function environmentParity(baseline: () => Fingerprint): StackRule {
    return {
        kind: "stack",
        name: "environment-parity",
        description: "Staging mirrors prod: engine versions, components, security properties and the images each service runs.",
        severity: "high",
        rationale: "A change proven in staging is only evidence for prod if staging runs what prod runs, configured as prod is; sizes may differ, nothing else.",
        remediation:
            "Make the stack match the prod baseline (policies/parity/baseline.json), or, when prod itself changed, regenerate the baseline with `npm run parity:baseline` and commit it. What may differ is listed in policies/lib/parity.ts (PARITY_ALLOWLIST).",
        resourceTypes: ["*"],
        // Staging is held to prod; dev is reported; in prod a difference means the baseline is stale.
        enforcement: { dev: "advisory", staging: "mandatory", prod: "advisory" },
        exemptable: false,
        check(resources, context) {
            const reference = baseline();
            const differences = compareFingerprints(fingerprint(resources), reference).filter((difference) => !difference.allowed);
            const subject = context.tier === "prod" ? `${context.stack} differs from the committed prod baseline (regenerate it if prod changed on purpose)` : `${context.stack} differs from prod`;
            return differences.map((difference) => ({
                message: `${subject} at ${difference.path}: ${context.stack} ${show(difference.stack)}, prod ${show(difference.baseline)}`,
            }));
        },
    };
}

export const environmentParityRule = environmentParity(() => readBaseline());
