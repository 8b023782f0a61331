import * as fs from "fs";
import * as path from "path";
import { wasReadThisRun } from "../../engine/input-files";
import { scrubOutput } from "../../engine/redaction";
import { describeFound } from "../../policies/lib/found-value";
import { FileWriteError, replaceFiles } from "../file-writes";
import { Report } from "../report";
import { formatHuman } from "./human";
import { formatJson } from "./json";
import { formatJunit } from "./junit";
import { formatMarkdown } from "./markdown";
import { formatSarif } from "./sarif";
import { Style, styleFor } from "./style";

/** The formats by the name `--output <format>=<file>` and `--format` take. */
export type FormatName = "human" | "json" | "sarif" | "junit" | "markdown";

/** What the user chose for this run, for the formats it concerns. */
export interface RenderOptions {
    /** Show the resource trees (human; `--no-tree` turns them off). Default: in a plan, not in an audit. */
    readonly tree?: boolean;
    /** Colours for the human format; default plain, as files get. */
    readonly style?: Style;
}

export interface Format {
    /** Renders the whole report; pure: the same report and options give the same text. */
    readonly render: (report: Report, options?: RenderOptions) => string;
    /** Usual file extension, for help text and default file names. */
    readonly extension: string;
    readonly description: string;
}

/** Every output format, by the name `--output <format>=<file>` and `--format` take. */
export const FORMATS: Readonly<Record<FormatName, Format>> = {
    human: { render: (report, options = {}) => `${formatHuman(report, options.style ?? styleFor(undefined, false), { tree: options.tree })}\n`, extension: "txt", description: "what the terminal shows: trees, verdicts by severity, parity, diff, a summary line" },
    json: { render: formatJson, extension: "json", description: "the report itself, stable JSON (schema: docs/report.schema.json); `plan --against` reads it back" },
    sarif: { render: (report) => formatSarif(report), extension: "sarif", description: "SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif)" },
    junit: { render: formatJunit, extension: "xml", description: "JUnit XML: one testsuite per stack, one testcase per rule and resource" },
    markdown: { render: (report) => formatMarkdown(report), extension: "md", description: "a pull-request comment, kept under GitHub's 65,536-character limit" },
};

export interface OutputSpec {
    readonly format: FormatName;
    readonly file: string;
}

/** A bad `--output` value or a report file that cannot be written: one line for the user, not a bug. */
export class OutputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputError";
    }
}

function knownFormats(): string {
    return Object.keys(FORMATS).join(", ");
}

export function isFormatName(name: string): name is FormatName {
    return Object.hasOwn(FORMATS, name);
}

/** `sarif=reports/plan.sarif` -> {format: "sarif", file: "reports/plan.sarif"}; the file is everything after the first `=`. */
export function parseOutputSpec(spec: string): OutputSpec {
    const at = spec.indexOf("=");
    // The value is described, never quoted: a pasted secret in the wrong place is not echoed.
    if (at === -1) throw new OutputError(`--output: expected <format>=<file>, e.g. sarif=reports/plan.sarif (formats: ${knownFormats()}); got ${describeFound(spec)}`);
    const format = spec.slice(0, at).trim().toLowerCase();
    const file = spec.slice(at + 1).trim();
    if (!isFormatName(format)) {
        throw new OutputError(`--output: unknown format ${describeFound(format, { keyword: true })}; known formats: ${knownFormats()}`);
    }
    if (file === "") throw new OutputError(`--output: no file after "${format}=" (e.g. ${format}=reports/plan.${FORMATS[format].extension})`);
    return { format, file };
}

/** Folders created for a report at most this deep below the deepest one that exists. */
const MAX_NEW_FOLDERS = 16;
/** Kernel and device filesystems: nothing a report belongs in, and Node's recursive mkdir can loop there. */
const PSEUDO_FILESYSTEM_ROOTS = ["/proc", "/sys", "/dev"];

function isUnder(file: string, root: string): boolean {
    return file === root || file.startsWith(`${root}${path.sep}`);
}

/** The files loaded by this process (the program, the tools, their dependencies): never overwritten. Node keys them by real path. */
function isLoadedModule(file: string): boolean {
    return Object.hasOwn(require.cache, fs.realpathSync(file));
}

/**
 * Where a report may be written: not over a file this run read (a stack file, a state file, the previous
 * report) or loaded (the program), not onto anything but a regular file, and not under /proc, /sys or /dev.
 * Missing folders are created one level at a time below the deepest existing one.
 */
function prepareTarget(file: string, create = true): void {
    const target = path.resolve(file);
    let existing: fs.Stats | undefined;
    try {
        existing = fs.statSync(target);
    } catch {
        existing = undefined;
    }
    if (existing !== undefined) {
        if (!existing.isFile()) throw new OutputError(`--output ${file}: is not a regular file; reports are written to files (use --format for stdout)`);
        if (wasReadThisRun(existing) || isLoadedModule(target)) throw new OutputError(`--output ${file}: is an input of this run; refusing to overwrite it`);
        return;
    }
    const missing: string[] = [];
    let folder = path.dirname(target);
    while (!fs.existsSync(folder)) {
        missing.unshift(folder);
        if (missing.length > MAX_NEW_FOLDERS) throw new OutputError(`--output ${file}: more than ${MAX_NEW_FOLDERS} folders would have to be created`);
        folder = path.dirname(folder);
    }
    const real = fs.realpathSync(folder);
    if (PSEUDO_FILESYSTEM_ROOTS.some((root) => isUnder(real, root) || isUnder(target, root))) throw new OutputError(`--output ${file}: ${real} is a kernel or device filesystem, not a place for reports`);
    if (!fs.statSync(real).isDirectory()) throw new OutputError(`cannot write ${file} (ENOTDIR): ${folder} is not a folder`);
    if (create) for (const created of missing) fs.mkdirSync(created);
}

function checkTarget(file: string, create: boolean): void {
    try {
        prepareTarget(file, create);
    } catch (error) {
        if (error instanceof OutputError) throw error;
        throw new OutputError(`cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
}

/**
 * Every check writeRenderedOutputs makes of its targets, without creating a folder or writing a byte: for a
 * command that changes other files (`promote`) and must refuse a bad `--output` before it changes anything.
 */
export function checkOutputTargets(files: readonly string[]): void {
    for (const file of files) checkTarget(file, false);
}

/**
 * Renders every requested format, then writes each file (creating its folders). Everything is rendered before
 * anything is written, so a failure leaves no half-set of reports; every text passes the output scrubber.
 * Files are plain text (no colour), with the run's other choices (`--no-tree`).
 * Returns the files written.
 */
export function writeOutputs(report: Report, specs: readonly OutputSpec[], options: Pick<RenderOptions, "tree"> = {}): string[] {
    const seen = new Map<string, FormatName>();
    for (const { format, file } of specs) {
        const key = path.resolve(file);
        const previous = seen.get(key);
        if (previous !== undefined) throw new OutputError(`--output: ${file} is given twice (${previous} and ${format})`);
        seen.set(key, format);
    }
    return writeRenderedOutputs(specs.map(({ format, file }) => ({ file, text: FORMATS[format].render(report, { tree: options.tree }) })));
}

/**
 * Writes texts already rendered (by any command: `plan`, `predeploy`, `smoke`, `promote`) with the same
 * guarantees: every target checked before anything is written, every text through the output scrubber.
 */
export function writeRenderedOutputs(outputs: readonly { readonly file: string; readonly text: string }[]): string[] {
    const rendered = outputs.map(({ file, text }) => ({ file, text: scrubOutput(text) }));
    for (const { file } of rendered) checkTarget(file, true);
    // All the files or none: a report that cannot be written leaves every target as it was.
    try {
        replaceFiles(rendered);
    } catch (error) {
        if (error instanceof FileWriteError) throw new OutputError(`cannot write ${error.file} (${error.code})`);
        throw error;
    }
    return rendered.map(({ file }) => file);
}
