/**
 * Generates the pack's data catalogues from maintained sources installed with the project, instead of lists
 * kept by hand here:
 *
 * - credential-formats.json: every pattern secretlint's recommended preset
 *   (`@secretlint/secretlint-rule-preset-recommend`) runs over a file's text, with the rule and message it
 *   reports, the literal anchors of each pattern (regex-analysis.ts) and the preset's version. The patterns
 *   are read by running each scanner rule on probe texts with `RegExp.prototype.exec` observed, so a new
 *   rule or a changed pattern in a new version of the preset arrives here without anyone copying it.
 *   A pattern with a backtracking risk stops the generation.
 * - provider-secret-inputs.json: per resource type of every installed provider SDK (`@pulumi/*` but the
 *   engine's and the policy SDK's own packages), the inputs the provider treats as secret: the names in
 *   `additionalSecretOutputs` of the resource class's constructor that are also inputs of the class.
 *
 *   node -r ./tools/register.js policies/catalogues/generate.ts          # write both files
 *   node -r ./tools/register.js policies/catalogues/generate.ts --check  # exit 1 when either is stale
 *
 * catalogues.spec.ts fails when a file differs from what this script generates from node_modules.
 */
import * as fs from "fs";
import * as path from "path";
import { backtrackingRisks, patternAnchors } from "./regex-analysis";

const HERE = __dirname;
export const CREDENTIAL_FORMATS_FILE = path.join(HERE, "credential-formats.json");
export const PROVIDER_SECRET_INPUTS_FILE = path.join(HERE, "provider-secret-inputs.json");
const PRESET = "@secretlint/secretlint-rule-preset-recommend";

/** One pattern of the catalogue, as stored. */
export interface CatalogueFormat {
    /** `<rule without its @secretlint/secretlint-rule- prefix>/<message id>`, unique. */
    readonly id: string;
    readonly rule: string;
    /** The rule's English message, without "found" and the value: what matched, for our messages. */
    readonly description: string;
    readonly pattern: string;
    readonly flags: string;
    /** Literals one of which occurs in every match (lower-cased when the pattern ignores case). */
    readonly anchors: readonly string[];
}

export interface CredentialFormatCatalogue {
    readonly source: string;
    readonly formats: readonly CatalogueFormat[];
}

export interface ProviderSecretInputs {
    /** `@pulumi/<name>@<version>` of every provider read. */
    readonly sources: readonly string[];
    /** Resource type (providers as `pulumi:providers:<name>`) -> the inputs it treats as secret, sorted. */
    readonly types: Readonly<Record<string, readonly string[]>>;
}

interface SecretlintMessages {
    readonly [id: string]: { readonly en: (props: Record<string, string>) => string };
}

interface SecretlintRule {
    readonly meta: { readonly id: string; readonly type?: string };
    readonly messages?: SecretlintMessages;
    create(context: unknown, options: Record<string, unknown>): { file?: (source: unknown) => unknown };
}

interface Preset {
    readonly rules: readonly SecretlintRule[];
}

/** A value every capture group of a forced match holds: base64 that starts like DER and reads as a real password. */
const FORCED_GROUP = `MII${"Ex7qPz".repeat(20)}`;
/** Probe texts match nothing; their file paths make the rules that look at paths (npm: package.json, .npmrc) run every branch. */
const PROBE_PATHS: readonly (string | undefined)[] = [undefined, "/probe/package.json", "/probe/.npmrc", "/probe/probe.txt"];
const PROBE_TEXT = "probe";

/** Names written in lower case by their owners. */
const LOWER_CASE_NAMES: ReadonlySet<string> = new Set(["npm"]);

/** `found AWS Access Key ID: ${ID}` -> `an AWS access key ID`. */
function describe(messages: SecretlintMessages, id: string, vendor = ""): string {
    const empty = new Proxy({}, { get: () => "" }) as Record<string, string>;
    const text = messages[id]
        .en(empty)
        .replace(/^found\s+/i, "")
        .replace(/\(\s*\)/g, "")
        .replace(/\s*:\s*$/, "")
        .trim();
    // Sentence case for the common nouns a vendor's name is followed by: "GitHub Token" -> "GitHub token".
    const sentence = text
        .replace(/\b(Token|Tokens|Access|Key|Personal|Secret|Service|Account|User|Incoming|Webhook|Integration|Recovery|Batch)\b/g, (word) => word.toLowerCase())
        // A vendor's name written in lower case by its message ("found slack token") gets its capital.
        .replace(/^[a-z]+/, (word) => (word === vendor && !LOWER_CASE_NAMES.has(word) ? word[0].toUpperCase() + word.slice(1) : word));
    const first = sentence.split(/\s/)[0];
    // "an" before a vowel sound: a vowel letter, or an acronym whose first letter is said with one (an AWS, an SSH, an npm).
    const acronym = /^[A-Z]{2,}/.test(first) && "AEFHILMNORSX".includes(first[0]);
    const vowel = /^[aeiou]/i.test(first) && !/^(?:uni|use|one)/i.test(first);
    return `${acronym || vowel || /^npm/.test(first) ? "an" : "a"} ${sentence}`;
}

/** What every message of a rule says first, as a credential of that vendor: `a Vercel credential`. */
function commonDescription(messages: SecretlintMessages): string | undefined {
    const texts = Object.keys(messages).map((id) => describe(messages, id).split(" ").slice(1));
    if (texts.length === 0) return undefined;
    const shared: string[] = [];
    for (let index = 0; texts.every((words) => words[index] !== undefined && words[index] === texts[0][index]); index++) shared.push(texts[0][index]);
    return shared.length === 0 ? undefined : describe({ common: { en: () => `found ${shared.join(" ")} credential` } }, "common");
}

/**
 * Runs one rule on one probe, observing the patterns it executes on the text. With `force` set to the
 * index of an observed pattern, that pattern's first execution returns a made-up match, so that the rule
 * reports and names its message.
 */
function probe(rule: SecretlintRule, filePath: string | undefined, force?: number): { patterns: { source: string; flags: string }[]; reported: string[] } {
    const patterns: { source: string; flags: string }[] = [];
    const reported: string[] = [];
    const original = RegExp.prototype.exec;
    let forced = false;
    const content = PROBE_TEXT;
    RegExp.prototype.exec = function (this: RegExp, text: string): RegExpExecArray | null {
        if (text !== content) return original.call(this, text);
        const flags = this.flags.replace(/[gy]/g, "");
        let index = patterns.findIndex((pattern) => pattern.source === this.source && pattern.flags === flags);
        if (index < 0) index = patterns.push({ source: this.source, flags }) - 1;
        if (index === force && !forced) {
            forced = true;
            const groups: Record<string, string> = {};
            const names = [...this.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((found) => found[1]);
            for (const name of names) groups[name] = FORCED_GROUP;
            const match = Object.assign([FORCED_GROUP, ...Array.from({ length: 9 }, () => FORCED_GROUP)], { index: 0, input: text, groups: names.length > 0 ? groups : undefined });
            return match as unknown as RegExpExecArray;
        }
        return null;
    };
    try {
        const context = {
            createTranslator: () => (id: string) => {
                reported.push(id);
                return id;
            },
            report: () => undefined,
        };
        const handlers = rule.create(context, { enableIDScanRule: true, allows: [] });
        const extension = filePath === undefined ? undefined : path.extname(filePath);
        const result = handlers.file?.({ content, filePath, ext: extension, contentType: "text" });
        // Async handlers (GCP's .p12 reader) are not awaited: what they read is not the text.
        if (result instanceof Promise) result.catch(() => undefined);
    } catch (error) {
        // A rule that validates a match past its pattern (GitHub's reads the token's type) may refuse a made-up one.
        if (force === undefined) throw error;
    } finally {
        RegExp.prototype.exec = original;
    }
    return { patterns, reported };
}

function packageVersion(name: string): string {
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string };
    return manifest.version;
}

export function credentialFormatCatalogue(): CredentialFormatCatalogue {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES module, loaded only here (Node 20.19+ requires ES modules synchronously)
    const preset = (require(PRESET) as { creator: Preset }).creator;
    const formats: CatalogueFormat[] = [];
    const problems: string[] = [];
    for (const rule of preset.rules) {
        // A rule that ignores other rules' findings (secretlint-disable comments) is a filter, whatever its declared type.
        if (rule.meta.type !== "scanner" || String(rule.create).includes("context.ignore(")) continue;
        const ruleName = rule.meta.id.replace("@secretlint/secretlint-rule-", "");
        const messages = rule.messages ?? {};
        const messageIds = Object.keys(messages);
        for (const filePath of PROBE_PATHS) {
            const { patterns } = probe(rule, filePath);
            patterns.forEach((pattern, index) => {
                if (formats.some((format) => format.rule === rule.meta.id && format.pattern === pattern.source && format.flags === pattern.flags)) return;
                const { reported } = probe(rule, filePath, index);
                // A rule that validates what it found past the pattern (a 1Password token decodes to JSON) may not report a made-up match: one message is then its message.
                const found = reported.find((id) => id in messages) ?? (messageIds.length === 1 ? messageIds[0] : undefined);
                // A rule whose message depends on what matched (Vercel's on the token's prefix) is described by what its messages share.
                const messageId = found ?? ruleName;
                const description = found === undefined ? commonDescription(messages) : describe(messages, found, ruleName);
                if (description === undefined) {
                    problems.push(`${rule.meta.id}: pattern /${pattern.source}/ reports no message on a made-up match, and its messages share no words`);
                    return;
                }
                const risks = backtrackingRisks(pattern.source, pattern.flags);
                if (risks.length > 0) problems.push(`${rule.meta.id} ${messageId}: ${risks.join("; ")}`);
                const anchors = patternAnchors(pattern.source, pattern.flags);
                if (anchors.length === 0 || anchors.some((anchor) => anchor.length < 2)) problems.push(`${rule.meta.id} ${messageId}: no literal of two characters or more anchors /${pattern.source}/`);
                let id = `${ruleName}/${messageId}`;
                for (let suffix = 2; formats.some((format) => format.id === id); suffix++) id = `${ruleName}/${messageId}-${suffix}`;
                formats.push({ id, rule: rule.meta.id, description, pattern: pattern.source, flags: pattern.flags, anchors });
            });
        }
    }
    if (problems.length > 0) throw new Error(`${PRESET}: ${problems.join("\n")}`);
    return { source: `${PRESET}@${packageVersion(PRESET)}`, formats };
}

/** Packages under @pulumi that are not resource providers. */
const NOT_PROVIDERS = new Set(["pulumi", "policy"]);

function javascriptFiles(directory: string): string[] {
    const files: string[] = [];
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
        const file = path.join(directory, entry.name);
        if (entry.isDirectory()) {
            if (entry.name !== "node_modules") files.push(...javascriptFiles(file));
        } else if (entry.name.endsWith(".js")) {
            files.push(file);
        }
    }
    return files;
}

/** The provider packages installed at the repository root. */
export function installedProviders(): string[] {
    const scope = path.dirname(path.dirname(require.resolve("@pulumi/pulumi/package.json")));
    return fs
        .readdirSync(scope)
        .filter((name) => !NOT_PROVIDERS.has(name) && fs.existsSync(path.join(scope, name, "package.json")))
        .sort();
}

/**
 * The generated SDKs give each resource class its own file: `static __pulumiType = '<type>'`, inputs as
 * `resourceInputs["<name>"] = args?.<name>` and the secret ones listed in `additionalSecretOutputs`.
 */
export function providerSecretInputs(): ProviderSecretInputs {
    const types: Record<string, string[]> = {};
    const sources: string[] = [];
    for (const provider of installedProviders()) {
        const root = path.dirname(require.resolve(`@pulumi/${provider}/package.json`));
        sources.push(`@pulumi/${provider}@${packageVersion(`@pulumi/${provider}`)}`);
        for (const file of javascriptFiles(root)) {
            const text = fs.readFileSync(file, "utf8");
            if (!text.includes("additionalSecretOutputs")) continue;
            const declared = [...text.matchAll(/static __pulumiType = '([^']+)'/g)].map((found) => found[1]);
            const secretLists = [...text.matchAll(/additionalSecretOutputs: (\[[^\]]*\])/g)].map((found) => JSON.parse(found[1]) as string[]);
            if (declared.length !== 1 || secretLists.length !== 1) throw new Error(`${file}: expected one resource class with one additionalSecretOutputs, found ${declared.length} and ${secretLists.length}`);
            const inputs = new Set([...text.matchAll(/resourceInputs\["([^"]+)"\] = args\?\./g)].map((found) => found[1]));
            const secretInputs = secretLists[0].filter((name) => inputs.has(name)).sort();
            if (secretInputs.length === 0) continue;
            // A provider's own class declares its package name as its type; the engine's type is pulumi:providers:<name>.
            const type = declared[0].includes(":") ? declared[0] : `pulumi:providers:${declared[0]}`;
            types[type] = secretInputs;
        }
    }
    const sorted: Record<string, string[]> = {};
    for (const type of Object.keys(types).sort()) sorted[type] = types[type];
    return { sources, types: sorted };
}

export function serialise(value: unknown): string {
    return `${JSON.stringify(value, null, 2)}\n`;
}

function main(): void {
    const check = process.argv.includes("--check");
    let stale = false;
    for (const [file, content] of [
        [CREDENTIAL_FORMATS_FILE, serialise(credentialFormatCatalogue())],
        [PROVIDER_SECRET_INPUTS_FILE, serialise(providerSecretInputs())],
    ] as const) {
        const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (current === content) continue;
        if (check) {
            console.error(`${path.relative(process.cwd(), file)} is stale: run node -r ./tools/register.js policies/catalogues/generate.ts`);
            stale = true;
        } else {
            fs.writeFileSync(file, content);
            console.log(`wrote ${path.relative(process.cwd(), file)}`);
        }
    }
    if (stale) process.exit(1);
}

if (require.main === module) main();
