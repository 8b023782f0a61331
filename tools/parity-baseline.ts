import * as fs from "fs";
import * as path from "path";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { toPolicyResources } from "../engine/resource-views";
import { renderStack } from "../engine/render";
import { Fingerprint, fingerprint } from "../policies/lib/parity";
import { ParityCloud, PARITY_CLOUDS } from "../policies/lib/parity";
import { PARITY_BASELINE_FILES } from "../policies/rules/environment-parity";
import { FileWriteError, replaceFiles } from "./file-writes";
import { OutputError } from "./format";

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

/** A project's baseline for a cloud: the committed one's path, below the project folder instead of this repository. */
export function baselineFileOf(projectDir: string, cloud: ParityCloud): string {
    return path.join(projectDir, path.relative(path.join(__dirname, ".."), PARITY_BASELINE_FILES[cloud]));
}

/** The text of a baseline as it is, or undefined when there is none; one that is not a regular file is an InputFileError. */
function committedText(file: string): string | undefined {
    try {
        fs.statSync(file);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    }
    return readInputText(file, { maxBytes: SIZE_LIMITS.report });
}

/**
 * Every cloud's baseline of the project, rendered first and then written together: a stack that cannot render,
 * a baseline that cannot be read (a directory, a FIFO) or written leaves every baseline as it was.
 */
export async function writeBaselines(projectDir: string): Promise<{ file: string; changed: boolean }[]> {
    const baselines: { file: string; text: string; changed: boolean }[] = [];
    for (const cloud of PARITY_CLOUDS) {
        const file = baselineFileOf(projectDir, cloud);
        const text = formatBaseline(await currentBaseline(projectDir, cloud));
        baselines.push({ file, text, changed: committedText(file) !== text });
    }
    const changed = baselines.filter((baseline) => baseline.changed);
    try {
        for (const folder of new Set(changed.map(({ file }) => path.dirname(file)))) fs.mkdirSync(folder, { recursive: true });
        replaceFiles(changed);
    } catch (error) {
        if (error instanceof FileWriteError) throw new OutputError(error.message);
        const code = (error as NodeJS.ErrnoException).code;
        throw new OutputError(`cannot write ${changed[0]?.file ?? projectDir} (${typeof code === "string" ? code : "error"})`);
    }
    return baselines.map(({ file, changed: was }) => ({ file, changed: was }));
}
