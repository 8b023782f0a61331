import * as path from "path";
import { parseArgs } from "util";
import { formatPlanHuman } from "./format/human";
import { styleFor } from "./format/style";
import { writeBaseline } from "./parity-baseline";
import { ALL_STACKS, planStacks } from "./plan";

export const EXIT = { ok: 0, violations: 1, usage: 2 } as const;

const HELP = `Usage: npm run plan -- [options]          (or: node tools/bin.js plan [options])

Renders the real Pulumi program for each stack offline, from its Pulumi.<stack>.yaml, under the
Pulumi runtime's mocks: no cloud credentials, no Pulumi CLI, nothing deployed. Prints each stack's
resource tree with counts by type.

Options:
  --stack <name>        dev, staging, prod or all (default: all)
  --project-dir <dir>   folder holding Pulumi.yaml (default: the repository root)
  --color / --no-color  force colour on or off (default: on for a terminal, off otherwise and with NO_COLOR)
  -h, --help            this text

Exit codes: 0 every stack rendered; 2 bad usage or a stack that cannot render (invalid config,
unreadable file): one line per problem, no stack trace.`;

class UsageError extends Error {}

function parse(argv: string[]): { command?: string; stacks: readonly string[]; projectDir: string; colour?: boolean; help: boolean } {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                stack: { type: "string", default: "all" },
                "project-dir": { type: "string", default: path.join(__dirname, "..") },
                color: { type: "boolean" },
                "no-color": { type: "boolean" },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const stack = values.stack ?? "all";
    if (stack !== "all" && !ALL_STACKS.some((known) => known === stack)) {
        throw new UsageError(`--stack must be one of ${[...ALL_STACKS, "all"].join(", ")}; got "${stack}"`);
    }
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
    return {
        command: positionals[0],
        stacks: stack === "all" ? ALL_STACKS : [stack],
        projectDir: path.resolve(values["project-dir"] ?? "."),
        colour: values["no-color"] ? false : values.color,
        help: values.help ?? false,
    };
}

export async function main(argv: string[]): Promise<number> {
    let options;
    try {
        options = parse(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`error: ${error.message} (see --help)\n`);
        return EXIT.usage;
    }
    if (options.help || options.command === undefined) {
        process.stdout.write(`${HELP}\n`);
        return options.help ? EXIT.ok : EXIT.usage;
    }
    if (options.command === "parity-baseline") {
        const { file, changed } = await writeBaseline(options.projectDir);
        process.stdout.write(`${changed ? "wrote" : "unchanged:"} ${path.relative(process.cwd(), file)}\n`);
        return EXIT.ok;
    }
    if (options.command !== "plan") {
        process.stderr.write(`error: unknown command "${options.command}"; commands: plan, parity-baseline (see --help)\n`);
        return EXIT.usage;
    }

    const style = styleFor(process.stdout, options.colour);
    const plans = await planStacks(options.projectDir, options.stacks, {
        onStackStart: (stack) => process.stderr.write(`rendering ${stack}...\n`),
        onStackDone: (plan) =>
            process.stderr.write(plan.error ? `  ${plan.stack}: cannot render\n` : `  ${plan.stack}: ${plan.resources.length} resources in ${Math.round(plan.durationMs)} ms\n`),
    });
    process.stdout.write(`${formatPlanHuman(plans, style)}\n`);
    return plans.some((plan) => plan.error) ? EXIT.usage : EXIT.ok;
}
