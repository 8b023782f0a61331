import * as fs from "fs";
import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { guardProcessOutput } from "../engine/redaction";
import { parseJson } from "../engine/state-files";
import { describeFound } from "../policies/lib/found-value";
import { packConfigProblems } from "../policies/lib/run";
import { isTier, Tier, TIERS } from "../policies/lib/tiers";
import { ALL_RULES } from "../policies/rules";
import { auditFiles } from "./audit";
import { argumentProblem, parseArgsFailure } from "./arguments";
import { UsageError } from "./checks";
import { diffReports, readReportFile } from "./diff";
import { systemErrorProblem } from "./file-writes";
import { FormatName, FORMATS, isFormatName, OutputError, OutputSpec, parseOutputSpec, writeOutputs } from "./format";
import { printable } from "./format/printable";
import { styleFor } from "./format/style";
import { writeBaselines } from "./parity-baseline";
import { writeRulesIntoReadme } from "./rules-doc";
import { parityRows } from "./parity-report";
import { ALL_STACKS, planStacks } from "./plan";
import { buildReport, EXIT_CODES, Report } from "./report";
import { RELEASE_COMMANDS } from "./release-commands";

const HELP = `Usage: npm run plan -- [options]            offline plan of every stack, with policy verdicts
       node tools/bin.js plan [options]
       node tools/bin.js audit <file|->... [options] the same rules on state: \`pulumi stack export\` (v3, v4),
                                                    a checkpoint, or \`pulumi preview --json\` output
       node tools/bin.js parity-baseline           regenerate policies/parity/baseline.json from prod (baseline-gcp.json from gcp-prod)
       node tools/bin.js docs                      regenerate the README's rule reference
       node tools/bin.js build|publish|promote|predeploy|smoke|record
                                                    the release flow: build from a commit, push and take the
                                                    digest, copy it to the next stack, gate a deploy, check
                                                    what was deployed, write the release ledger (each has --help)
       node tools/bin.js rotate --stack <s> --secret <name> | --due
                                                    rotate a stack's generated secrets now, or those due (--help)

plan renders the real Pulumi program for each stack offline, from its Pulumi.<stack>.yaml, under the
Pulumi runtime's mocks — no cloud credentials, no Pulumi CLI, nothing deployed — and judges the result
with the CrossGuard pack's rules, with each stack's enforcement (what
\`pulumi preview --stack <s> --policy-pack policies\` reports). secure: values of a passphrase stack are
decrypted when PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE is set, as the CLI does; otherwise
they render as placeholders. No secret reaches any output, whatever the format.

audit reads what is deployed (or what a preview would deploy) and judges it like
\`pulumi policy analyze\`: resource rules see each resource's inputs, stack rules the state.
Secrets in the file are never decrypted and never printed.

Options:
  --stack <name>                 plan: local, dev, staging, prod, gcp-dev, gcp-staging, gcp-prod, another
                                 stack with a Pulumi.<name>.yaml, or all (default: all seven); repeatable
                                 (--stack dev --stack prod plans those two, in that order)
  --tier <tier>                  audit: the tier whose enforcement applies (default: from the stack
                                 name in the file's URNs, else prod, the strictest)
  --policy-pack-config <file>    per-rule enforcement and exemptions, the file pulumi's
                                 --policy-pack-config takes: {"<rule>": "advisory" | {"enforcementLevel": ..., "exemptions": [...]}}
  --against <report.json>        list resources added, removed and changed since that report ("-": stdin)
                                 (a previous run's --output json=<file>, e.g. from the base branch)
  --output <format>=<file>       also write the report as human, json, sarif, junit or markdown;
                                 repeatable (e.g. --output sarif=reports/plan.sarif --output json=plan.json)
  --format <format>              what stdout shows (default human)
  --no-tree                      leave out the resource trees
  --project-dir <dir>            folder holding Pulumi.yaml (default: the repository root)
  --color / --no-color           force colour on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help                     this text

Exit codes: 0 no mandatory violation; 1 mandatory violations; 2 bad usage or a stack that cannot be
rendered (invalid config, unreadable file), reported in one line, never a stack trace.`;


/** Pulumi's stack names: letters, digits, `-`, `_` and `.`, optionally qualified as `org/project/stack`. */
const STACK_NAME = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\/){0,2}[A-Za-z0-9_.-]{1,100}$/;

/** The stack part of `--stack`, which names its `Pulumi.<stack>.yaml`; never a path. */
function stackFileStem(stack: string): string {
    if (!STACK_NAME.test(stack) || /(?:^|\/)\.{1,2}$/.test(stack)) {
        throw new UsageError(`--stack takes a Pulumi stack name (letters, digits, "-", "_" and ".", optionally org/project/stack); got ${describeFound(stack)}`);
    }
    return stack.slice(stack.lastIndexOf("/") + 1);
}

/** A stack `plan` can render: a known one, or any with a Pulumi.<stack>.yaml (a `prod-eu` names its tier in platform:tier). */
function knownStack(name: string, projectDir: string): string {
    const stack = stackFileStem(name);
    if (!ALL_STACKS.some((known) => known === stack) && !fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))) {
        throw new UsageError(`--stack must be one of ${[...ALL_STACKS, "all"].join(", ")} or a stack with a Pulumi.<stack>.yaml; got ${describeFound(stack, { keyword: true })}`);
    }
    return stack;
}

interface Options {
    readonly command?: string;
    readonly stacks: readonly string[];
    readonly projectDir: string;
    readonly colour?: boolean;
    readonly help: boolean;
    readonly tree: boolean;
    readonly packConfigFile?: string;
    readonly against?: string;
    readonly outputs: readonly OutputSpec[];
    readonly format: FormatName;
    readonly files: readonly string[];
    readonly tier?: Tier;
}

const CLI_OPTIONS = {
    stack: { type: "string", multiple: true },
    tier: { type: "string" },
    "project-dir": { type: "string", default: path.join(__dirname, "..") },
    "policy-pack-config": { type: "string" },
    against: { type: "string" },
    output: { type: "string", multiple: true, default: [] as string[] },
    format: { type: "string", default: "human" },
    tree: { type: "boolean", default: true },
    "no-tree": { type: "boolean" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
    help: { type: "boolean", short: "h", default: false },
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** The commands this file runs; the release commands run through RELEASE_COMMANDS. */
const COMMANDS = ["plan", "audit", "parity-baseline", "docs"] as const;

function isCommand(command: string): boolean {
    return (COMMANDS as readonly string[]).includes(command) || Object.hasOwn(RELEASE_COMMANDS, command);
}

function unknownCommand(command: string): UsageError {
    return new UsageError(`unknown command ${describeFound(command, { keyword: true })}; commands: ${[...COMMANDS, ...Object.keys(RELEASE_COMMANDS)].join(", ")}`);
}

/** Only `--help` asked, of a known command or of none: the help, whatever else the line holds. */
const HELP_ONLY: Options = { stacks: ALL_STACKS, projectDir: ".", help: true, tree: true, outputs: [], format: "human", files: [] };

function parse(argv: string[]): Options {
    // Problems said without quoting an argument: a position (counted from the first word after the command,
    // when the command comes first), an option's name (./arguments).
    const wordsBefore = argv[0] !== undefined && isCommand(argv[0]) ? -1 : 0;
    const problem = argumentProblem(argv, CLI_OPTIONS, { wordsBefore, positionals: true });
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, tokens: true, options: CLI_OPTIONS });
    } catch (error) {
        throw new UsageError(problem ?? parseArgsFailure(error));
    }
    const { values, tokens = [] } = parsed;
    const positionals = tokens.flatMap((token) => (token.kind === "positional" ? [{ value: token.value, position: token.index + 1 + wordsBefore }] : []));
    const command = positionals[0]?.value;
    const files = positionals.slice(1);
    if (command !== undefined && !isCommand(command)) throw unknownCommand(command);
    if (values.help) return HELP_ONLY;
    if (command !== undefined && Object.hasOwn(RELEASE_COMMANDS, command)) throw new UsageError(`${command} comes first on the command line: node tools/bin.js ${command} [options]`);
    if (problem !== undefined) throw new UsageError(problem);
    const stackValues = values.stack ?? [];
    const projectDir = path.resolve(values["project-dir"] ?? ".");
    if (stackValues.length > 1 && stackValues.includes("all")) throw new UsageError("--stack all plans every stack; leave it out or name the stacks one by one");
    const stacks = stackValues.length === 0 || stackValues[0] === "all" ? ALL_STACKS : [...new Set(stackValues.map((stack) => knownStack(stack, projectDir)))];
    if (command === "audit") {
        for (const option of ["stack", "against"] as const) {
            if (values[option] !== undefined) throw new UsageError(`--${option} is a plan option; audit takes files (and --tier)`);
        }
    }
    // A stray argument may be a pasted secret: named by its position, never quoted.
    if (command !== "audit" && files.length > 0) throw new UsageError(`unexpected argument at position ${files[0].position}; only audit takes files`);
    if (command === "audit" && files.length === 0) throw new UsageError("audit needs at least one file: a stack export, a checkpoint or preview --json output");
    const tier = values.tier === undefined ? undefined : isTier(values.tier) ? values.tier : undefined;
    if (values.tier !== undefined && tier === undefined) throw new UsageError(`--tier must be one of ${TIERS.join(", ")}; got ${describeFound(values.tier, { keyword: true })}`);
    const format = values.format ?? "human";
    if (!isFormatName(format)) throw new UsageError(`--format must be one of ${Object.keys(FORMATS).join(", ")}; got ${describeFound(format, { keyword: true })}`);
    let outputs: OutputSpec[];
    try {
        outputs = (values.output ?? []).map(parseOutputSpec);
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    return {
        command,
        files: files.map((file) => file.value),
        tier,
        stacks,
        projectDir,
        colour: values["no-color"] ? false : values.color,
        help: values.help ?? false,
        tree: !(values["no-tree"] ?? false),
        packConfigFile: values["policy-pack-config"],
        against: values.against,
        outputs,
        format,
    };
}

function readPackConfig(file: string | undefined): unknown {
    if (file === undefined) return undefined;
    const config = parseJson(readInputText(file, { maxBytes: SIZE_LIMITS.packConfig, allowStdin: true }), file);
    const problems = packConfigProblems(config, ALL_RULES);
    if (problems.length > 0) throw new InputFileError(file, `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : ""}`);
    return config;
}

async function plan(options: Options): Promise<Report> {
    const packConfig = readPackConfig(options.packConfigFile);
    const previous = options.against === undefined ? undefined : readReportFile(options.against);
    const stacks = await planStacks({
        projectDir: options.projectDir,
        stacks: options.stacks,
        rules: ALL_RULES,
        packConfig,
        onStackStart: (stack) => process.stderr.write(`rendering ${stack}...\n`),
        onWarning: (warning) => process.stderr.write(`warning: ${printable(warning, true)}\n`),
        onStackDone: (report) =>
            process.stderr.write(report.error ? `  ${report.stack}: cannot render\n` : `  ${report.stack}: ${report.resources.length} resources, ${report.findings.length} findings in ${report.durationMs} ms\n`),
    });
    return buildReport("plan", stacks, ALL_RULES, {
        // A local stack is never compared: a plan of it alone has no parity table.
        parity: stacks.some((stack) => !stack.error && stack.tier !== "local") ? parityRows(stacks) : undefined,
        diff: previous ? diffReports(previous, { stacks }) : undefined,
    });
}

/** One line on stderr, whatever the message holds (file names and values come from the user). */
function reportError(message: string): void {
    process.stderr.write(`error: ${printable(message, true)}\n`);
}

export async function main(argv: string[]): Promise<number> {
    guardProcessOutput();
    const release = Object.hasOwn(RELEASE_COMMANDS, argv[0] ?? "") ? RELEASE_COMMANDS[argv[0]] : undefined;
    if (release) return release(argv.slice(1));
    let options: Options;
    try {
        options = parse(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        reportError(`${error.message} (see --help)`);
        return EXIT_CODES.badInput;
    }
    if (options.help || options.command === undefined) {
        // Asked for: stdout, exit 0. Missing command: a usage error, on stderr.
        (options.help ? process.stdout : process.stderr).write(`${HELP}\n`);
        return options.help ? EXIT_CODES.clean : EXIT_CODES.badInput;
    }
    try {
        switch (options.command) {
            case "parity-baseline": {
                for (const { file, changed } of await writeBaselines(options.projectDir)) {
                    process.stdout.write(`${changed ? "wrote" : "unchanged:"} ${path.relative(process.cwd(), file)}\n`);
                }
                return EXIT_CODES.clean;
            }
            case "docs": {
                const changed = writeRulesIntoReadme(options.projectDir, ALL_RULES);
                process.stdout.write(`${changed ? "updated" : "unchanged:"} README.md rule reference\n`);
                return EXIT_CODES.clean;
            }
            case "plan": {
                const report = await plan(options);
                emit(report, options);
                return report.summary.exitCode;
            }
            case "audit": {
                const report = audit(options);
                emit(report, { ...options, tree: false });
                return report.summary.exitCode;
            }
            default:
                reportError(`${unknownCommand(options.command).message} (see --help)`);
                return EXIT_CODES.badInput;
        }
    } catch (error) {
        // A file the command could not use, by a route no check foresaw (an fs error with its code), is still one line.
        const problem = error instanceof InputFileError || error instanceof OutputError ? error.message : systemErrorProblem(error);
        if (problem === undefined) throw error;
        reportError(problem);
        return EXIT_CODES.badInput;
    }
}

function audit(options: Options): Report {
    const packConfig = readPackConfig(options.packConfigFile);
    const stacks = auditFiles({
        files: options.files,
        rules: ALL_RULES,
        packConfig,
        tier: options.tier,
        onFileStart: (file) => process.stderr.write(`reading ${printable(file, true)}...\n`),
        onFileDone: (report) =>
            process.stderr.write(printable(report.error ? `  cannot read ${report.source}` : `  ${report.stack}: ${report.resources.length} resources, ${report.findings.length} findings in ${report.durationMs} ms`, true) + "\n"),
    });
    return buildReport("audit", stacks, ALL_RULES);
}

/** The report on stdout in the chosen format, and in every `--output` file, each with the same `--no-tree`. */
function emit(report: Report, options: Options): void {
    process.stdout.write(FORMATS[options.format].render(report, { tree: options.tree, style: styleFor(process.stdout, options.colour) }));
    for (const file of writeOutputs(report, options.outputs, { tree: options.tree })) process.stderr.write(`wrote ${file}\n`);
}
