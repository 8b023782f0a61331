import { parseArgs, ParseArgsConfig } from "util";
import { describeFound } from "../policies/lib/found-value";

/*
 * What util.parseArgs refuses, said without what the user typed: its own messages quote the argument
 * ("Unexpected argument '<value>'"), and an argument may be a pasted secret. A stray argument is named by its
 * position, counted from the first word after the command's name (as `promote` counts); an unknown option by
 * its name alone (never its `=value`), and only when the name has a keyword's shape.
 */

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export interface ArgumentRules {
    /** Words after the command's name before these arguments (`record`'s event: 1), so that positions count from there. */
    readonly wordsBefore: number;
    /** Whether positionals are allowed; when they are not, what to say about a stray one. */
    readonly positionals: true | { readonly refusal: string };
}

function optionName(rawName: string, name: string): string {
    const shown = describeFound(name, { keyword: true });
    return shown.startsWith('"') ? rawName : `with a name of ${name.length} character${name.length === 1 ? "" : "s"}`;
}

/** The first thing util.parseArgs (strict) would refuse in `argv`, in words that quote no value; undefined when it would accept them. */
export function argumentProblem(argv: readonly string[], options: OptionsConfig, rules: ArgumentRules): string | undefined {
    const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
    for (const token of tokens) {
        const position = token.index + 1 + rules.wordsBefore;
        if (token.kind === "positional") {
            if (rules.positionals !== true) return `unexpected argument at position ${position}; ${rules.positionals.refusal}`;
            continue;
        }
        if (token.kind !== "option") continue;
        const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
        if (spec === undefined) return `unknown option ${optionName(token.rawName, token.name)} at position ${position}`;
        if (spec.type === "boolean" && token.value !== undefined) return `${token.rawName} takes no value (position ${position})`;
        if (spec.type === "string") {
            if (token.value === undefined) return `${token.rawName} needs a value`;
            if (!token.inlineValue && token.value.startsWith("-")) return `${token.rawName} needs a value; one that starts with "-" is written ${token.rawName}=<value>`;
        }
    }
    return undefined;
}

/** util.parseArgs' error as one line that quotes nothing the user typed: its code only. */
export function parseArgsFailure(error: unknown): string {
    const code = (error as { code?: unknown }).code;
    return `the arguments cannot be read${typeof code === "string" ? ` (${code})` : ""}`;
}
