import * as fs from "fs";
import { toPolicyResources } from "../engine/resource-views";
import { renderStack } from "../engine/render";
import { Fingerprint, fingerprint } from "../policies/lib/parity";
import { ParityCloud, PARITY_CLOUDS } from "../policies/lib/parity";
import { PARITY_BASELINE_FILES } from "../policies/rules/environment-parity";

export interface ParityBaseline {
    readonly generatedFrom: string;
    readonly regenerate: string;
    /** The project the baseline belongs to: stacks of other projects are not compared with it. */
    readonly project: string;
    readonly fingerprint: Fingerprint;
}

/** The prod stack of each cloud, whose fingerprint is that cloud's baseline. */
export const PROD_STACKS: Readonly<Record<ParityCloud, string>> = { aws: "prod", gcp: "gcp-prod" };

/** The baseline as it should be committed: the cloud's prod stack's fingerprint, rendered offline. */
export async function currentBaseline(projectDir: string, cloud: ParityCloud = "aws"): Promise<ParityBaseline> {
    const prod = await renderStack({ projectDir, stack: PROD_STACKS[cloud] });
    return {
        generatedFrom: `Pulumi.${PROD_STACKS[cloud]}.yaml, rendered offline`,
        regenerate: "npm run parity:baseline",
        project: prod.project,
        fingerprint: fingerprint(toPolicyResources(prod.resources)),
    };
}

export function formatBaseline(baseline: ParityBaseline): string {
    return `${JSON.stringify(baseline, null, 2)}\n`;
}

export async function writeBaseline(projectDir: string, cloud: ParityCloud = "aws", file = PARITY_BASELINE_FILES[cloud]): Promise<{ file: string; changed: boolean }> {
    const text = formatBaseline(await currentBaseline(projectDir, cloud));
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
    if (changed) fs.writeFileSync(file, text);
    return { file, changed };
}

/** Every cloud's baseline, in turn. */
export async function writeBaselines(projectDir: string): Promise<{ file: string; changed: boolean }[]> {
    const written: { file: string; changed: boolean }[] = [];
    for (const cloud of PARITY_CLOUDS) written.push(await writeBaseline(projectDir, cloud));
    return written;
}
