import { parseArgs, ParseArgsConfig } from "util";
import type * as Xmlbuilder2 from "xmlbuilder2";
import { InputFileError } from "../engine/input-error";
import { guardProcessOutput, scrubbedCopy } from "../engine/redaction";
import { describeFound } from "../policies/lib/found-value";
import { argumentProblem, parseArgsFailure } from "./arguments";
import { systemErrorProblem } from "./file-writes";
import { OutputError, writeRenderedOutputs } from "./format";
import { printable } from "./format/printable";
import { EXIT_CODES } from "./report";

/*
 * What the release commands (`predeploy`, `smoke`, `promote`) share with `plan` and `audit`: exit codes
 * 0 / 1 / 2, one-line errors on stderr, `--format` for stdout and repeatable `--output <format>=<file>`,
 * written with the same file guarantees and the same output scrubber.
 */

/** Bad usage: a one-line error and exit 2. */
export class UsageError extends Error {}

/** A release command that will not do what it was asked (a rule forbids it): `<command> refused: <why>` and exit 1. */
export abstract class CommandRefused extends Error {
    abstract readonly command: string;
}

/**
 * A command's options (no positionals); what util.parseArgs refuses (an unknown option, a missing value, a
 * stray argument) is bad usage, said without quoting the argument (see ./arguments). `wordsBefore`: the words
 * after the command's name before `argv` (`record`'s event), so that a position counts from the command's name.
 */
export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O, wordsBefore = 0) {
    const problem = argumentProblem(argv, options, { wordsBefore, positionals: { refusal: "this command takes options only" } });
    if (problem !== undefined) throw new UsageError(problem);
    try {
        return parseArgs({ args: argv, allowPositionals: false, options }).values;
    } catch (error) {
        throw new UsageError(parseArgsFailure(error));
    }
}

export type CheckStatus = "passed" | "failed" | "skipped" | "overridden";

export interface Check {
    /** Short and stable, e.g. `error-budget`, `GET /healthz`. */
    readonly name: string;
    readonly status: CheckStatus;
    /** One line: what was found. */
    readonly detail: string;
    readonly durationMs?: number;
}

/** The outcome of a release command that runs checks. */
export interface CheckReport {
    readonly command: "predeploy" | "smoke";
    /** What was checked: the stack, or the base URL. */
    readonly subject: string;
    readonly checks: readonly Check[];
    /** Recorded facts, e.g. a freeze override and its incident id. */
    readonly notes: readonly string[];
    /** One line: the verdict, or the first failure's detail. */
    readonly verdict: string;
    readonly exitCode: number;
    /** smoke: the build it expected to find (what `record` reads back before it writes the ledger). */
    readonly expected?: { readonly sha: string; readonly service?: string; readonly digest?: string };
}

export type CheckFormat = "human" | "json" | "junit" | "markdown";
export const CHECK_FORMATS: readonly CheckFormat[] = ["human", "json", "junit", "markdown"];

export function checkReport(command: CheckReport["command"], subject: string, checks: readonly Check[], notes: readonly string[], passedVerdict: string): CheckReport {
    const failed = checks.find((check) => check.status === "failed");
    return {
        command,
        subject,
        checks,
        notes,
        verdict: failed ? `${command} failed: ${failed.detail}` : passedVerdict,
        exitCode: failed ? EXIT_CODES.mandatoryViolations : EXIT_CODES.clean,
    };
}

const MARKS: Readonly<Record<CheckStatus, string>> = { passed: "ok", failed: "FAIL", skipped: "skip", overridden: "OVERRIDDEN" };

function humanReport(report: CheckReport): string {
    const width = Math.max(...report.checks.map((check) => check.name.length), 4);
    const lines = [`${report.command} ${report.subject}`];
    for (const check of report.checks) {
        const took = check.durationMs === undefined ? "" : ` (${check.durationMs} ms)`;
        lines.push(`  ${MARKS[check.status].padEnd(10)} ${check.name.padEnd(width)}  ${check.detail}${took}`);
    }
    for (const note of report.notes) lines.push(`  note: ${note}`);
    lines.push(report.verdict);
    return `${lines.map((line) => printable(line)).join("\n")}\n`;
}

function markdownCell(text: string): string {
    return printable(text, true).replace(/\|/g, "\\|").replace(/[<>]/g, (character) => (character === "<" ? "&lt;" : "&gt;"));
}

function markdownReport(report: CheckReport): string {
    const icon: Readonly<Record<CheckStatus, string>> = { passed: "✅", failed: "❌", skipped: "⏭️", overridden: "⚠️" };
    const lines = [`### ${report.command} \`${markdownCell(report.subject)}\``, "", "| | check | result |", "| --- | --- | --- |"];
    for (const check of report.checks) lines.push(`| ${icon[check.status]} | ${markdownCell(check.name)} | ${markdownCell(check.detail)} |`);
    lines.push("");
    for (const note of report.notes) lines.push(`> ${markdownCell(note)}`, "");
    lines.push(`**${markdownCell(report.verdict)}**`, "");
    return lines.join("\n");
}

function junitReport(report: CheckReport): string {
    const failures = report.checks.filter((check) => check.status === "failed").length;
    const skipped = report.checks.filter((check) => check.status === "skipped").length;
    const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3);
    const total = report.checks.reduce((sum, check) => sum + (check.durationMs ?? 0), 0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { create } = require("xmlbuilder2") as typeof Xmlbuilder2; // loaded only when JUnit is asked for
    const root = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: "\uFFFD" }).ele("testsuites", { name: report.command, tests: report.checks.length, failures, errors: 0, skipped, time: seconds(total) });
    const suite = root.ele("testsuite", { name: `${report.command} ${printable(report.subject, true)}`, tests: report.checks.length, failures, errors: 0, skipped, time: seconds(total) });
    if (report.notes.length > 0) {
        const properties = suite.ele("properties");
        for (const note of report.notes) properties.ele("property", { name: "note", value: printable(note, true) });
    }
    for (const check of report.checks) {
        const testCase = suite.ele("testcase", { name: printable(check.name, true), classname: report.command, time: seconds(check.durationMs) });
        const detail = printable(check.detail, true);
        if (check.status === "failed") testCase.ele("failure", { message: detail, type: check.name }).txt(detail);
        else if (check.status === "skipped") testCase.ele("skipped", { message: detail });
        else if (check.status === "overridden") testCase.ele("system-out").txt(`overridden: ${detail}`);
    }
    return `${root.end({ prettyPrint: true })}\n`;
}

export const CHECK_RENDERERS: Readonly<Record<CheckFormat, (report: CheckReport) => string>> = {
    human: humanReport,
    json: (report) => `${JSON.stringify(report, null, 2)}\n`,
    junit: junitReport,
    markdown: markdownReport,
};

export function isOneOf<T extends string>(value: string, options: readonly T[]): value is T {
    return (options as readonly string[]).includes(value);
}

export interface FormatChoice<F extends string> {
    readonly format: F;
    readonly outputs: readonly { readonly format: F; readonly file: string }[];
}

/** `--format` and `--output <format>=<file>` against a command's formats. */
export function formatChoice<F extends string>(format: string | undefined, outputs: readonly string[], formats: readonly F[], fallback: F): FormatChoice<F> {
    const chosen = format ?? fallback;
    if (!isOneOf(chosen, formats)) throw new UsageError(`--format must be one of ${formats.join(", ")}; got ${describeFound(chosen, { keyword: true })}`);
    const parsed = outputs.map((spec) => {
        const at = spec.indexOf("=");
        const name = at < 0 ? "" : spec.slice(0, at).trim().toLowerCase();
        const file = at < 0 ? "" : spec.slice(at + 1).trim();
        if (!isOneOf(name, formats) || file === "") throw new UsageError(`--output takes <format>=<file> with a format among ${formats.join(", ")}; got ${describeFound(spec)}`);
        return { format: name, file };
    });
    return { format: chosen, outputs: parsed };
}

/** Prints to stdout in the chosen format and writes each `--output` file; returns nothing, throws OutputError. */
export function emitRendered<R, F extends string>(untrusted: R, choice: FormatChoice<F>, renderers: Readonly<Record<F, (report: R) => string>>): void {
    // Scrubbed before any format escapes a character (see scrubBeforeEscaping); a release report is small.
    const report = scrubbedCopy(untrusted);
    const files = writeRenderedOutputs(choice.outputs.map(({ format, file }) => ({ file, text: renderers[format](report) })));
    process.stdout.write(renderers[choice.format](report));
    for (const file of files) process.stderr.write(`wrote ${printable(file, true)}\n`);
}

/** One line on stderr, whatever the message holds. */
export function reportError(message: string): void {
    process.stderr.write(`error: ${printable(message, true)}\n`);
}

/**
 * Runs a release command: `--help` on stdout (exit 0); usage errors, unreadable inputs, unwritable outputs
 * and a failed system call as one line on stderr (exit 2); anything else is a bug and keeps its stack trace.
 */
export async function runCommand(argv: readonly string[], help: string, body: (argv: string[]) => Promise<number>): Promise<number> {
    guardProcessOutput();
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${help}\n`);
        return EXIT_CODES.clean;
    }
    try {
        return await body([...argv]);
    } catch (error) {
        if (error instanceof UsageError) {
            reportError(`${error.message} (see --help)`);
            return EXIT_CODES.badInput;
        }
        if (error instanceof InputFileError || error instanceof OutputError) {
            reportError(error.message);
            return EXIT_CODES.badInput;
        }
        if (error instanceof CommandRefused) {
            process.stderr.write(`${printable(`${error.command} refused: ${error.message}`, true)}\n`);
            return EXIT_CODES.mandatoryViolations;
        }
        // A file or process the command could not use, by a route no check foresaw: still one line.
        const problem = systemErrorProblem(error);
        if (problem !== undefined) {
            reportError(problem);
            return EXIT_CODES.badInput;
        }
        throw error;
    }
}
