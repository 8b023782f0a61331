import * as fs from "fs";
import { toPolicyResources } from "../engine/resource-views";
import { renderStack } from "../engine/render";
import { Fingerprint, fingerprint } from "../policies/lib/parity";
import { PARITY_BASELINE_FILE } from "../policies/rules/environment-parity";

export interface ParityBaseline {
    readonly generatedFrom: string;
    readonly regenerate: string;
    /** The project the baseline belongs to: stacks of other projects are not compared with it. */
    readonly project: string;
    readonly fingerprint: Fingerprint;
}

/** The baseline as it should be committed: the prod stack's fingerprint, rendered offline. */
export async function currentBaseline(projectDir: string): Promise<ParityBaseline> {
    const prod = await renderStack({ projectDir, stack: "prod" });
    return {
        generatedFrom: "Pulumi.prod.yaml, rendered offline",
        regenerate: "npm run parity:baseline",
        project: prod.project,
        fingerprint: fingerprint(toPolicyResources(prod.resources)),
    };
}

export function formatBaseline(baseline: ParityBaseline): string {
    return `${JSON.stringify(baseline, null, 2)}\n`;
}

export async function writeBaseline(projectDir: string, file = PARITY_BASELINE_FILE): Promise<{ file: string; changed: boolean }> {
    const text = formatBaseline(await currentBaseline(projectDir));
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
    if (changed) fs.writeFileSync(file, text);
    return { file, changed };
}
