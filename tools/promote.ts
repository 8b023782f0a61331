import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual, parseArgs } from "util";
import { Document, isAlias, isMap, isNode, isScalar, isSeq, Pair, parseDocument, Scalar, visit, YAMLMap } from "yaml";
import { stackFileName } from "../config/load";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS, STDIN } from "../engine/input-files";
import { parseYamlDocument } from "../engine/yaml-text";
import { parseJson } from "../engine/state-files/json-errors";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest, quoteReference } from "../policies/lib/image-reference";
import { releaseRefusal } from "../policies/lib/release-ledger";
import { detectSecretFormats } from "../policies/lib/secret-detection";
import { isCloud } from "../config/schema";
import { tierOf } from "../policies/lib/tiers";
import { isRecord, SECRET_MASK } from "../policies/lib/values";
import { CommandRefused, emitRendered, FormatChoice, formatChoice, runCommand, UsageError } from "./checks";
import { checkOutputTargets, OutputError } from "./format";
import { printable } from "./format/printable";
import { readProjectLedger } from "./ledger-file";
import { encodeStackText, readStackBytes, replaceStackFile, StackFileBytes } from "./promote-files";
import { EXIT_CODES } from "./report";

export const PROMOTE_HELP = `Usage: node tools/bin.js promote --from <stack> --to <stack> [--service <name>]... [options]
       node tools/bin.js promote --to <stack> --service <name> --digest sha256:<64 hex> [--tag <tag>]
       node tools/bin.js promote --to <stack> --service <name> --previous --images <export.json>...

Writes the image digest that the source stack runs into the target stack file (Pulumi.<to>.yaml), for
each service both stacks have (or only those named with --service): the target keeps its own repository,
takes the digest and the source's tag (the tag is for readers; the digest is what runs). Nothing else in
the file changes: comments, order and layout stay as they were. A source that runs a tag without a
digest is refused: only a digest says which image was tested. Prints the change, in the words of the pull
request a promotion opens (--format markdown).

Where the source's digests come from:
  --images <file>        what the source stack runs: \`pulumi stack output serviceImages --json --stack <from>\`
                         (a {"<service>": "<image>"} map) or a \`pulumi stack export\` of it; needed when the
                         source builds a service from source (dev), since only its state knows the digest
  (default)              the source stack file, for services pinned there by digest
Rollback and first deployment of a build:
  --digest sha256:<hex>  put this digest in (with --service); --tag names it for readers
  --previous             the newest digest in the --images files that differs from what the stack runs now
                         (with --service): the first file is the stack's current state, the others its
                         earlier updates, newest first (stack exports or serviceImages outputs)
  --repository <repo>    the repository, when the target builds the service from source (its build: is
                         replaced by the image); with one --service. For a service that runs an image it
                         must name the repository it runs (a service keeps its repository)

Options:
  --project-dir <dir>    folder holding the stack files (default: the repository root)
  --dry-run              print the change, write nothing
  --format <format>      human, json or markdown (default human); --output <format>=<file> repeats
  -h, --help             this text

The stack file is replaced whole (a new file beside it, with its mode, renamed over it) or not at all: a
file that cannot be written (no permission, immutable, a read-only or full disk) is left as it was, and
every --output is checked before anything is written. Only the image changes: every other byte, the line
endings and a UTF-8 byte order mark stay; a file that is not UTF-8, holds several YAML documents, names a
service twice, or whose entry to change is anchored (&) or an alias (*) is refused. A stack file that is a
symbolic link is followed to a file inside --project-dir (the link stays), never outside it. Every --images
file is read and checked, also those a promotion does not need.

The release rule (releases/ledger.json, written by the release flow's record step): staging takes only a
digest dev verified or prod ran; prod takes only a digest staging verified (up and smoke passed there), or
one prod ran before (rollback). Anything else is refused by name.

Exit codes: 0 written (or nothing to change); 1 refused (a digest the release rule does not allow, a tag
without a digest, a service the target does not run, no earlier digest); 2 bad usage or a file that cannot
be read (the release ledger included).

Examples:
  pulumi stack output serviceImages --json --stack dev > dev-images.json
  node tools/bin.js promote --from dev --to staging --images dev-images.json
  node tools/bin.js promote --from staging --to prod --service api --format markdown
  node tools/bin.js promote --to prod --service api --digest sha256:<64 hex>`;

const SERVICES_KEY = "platform:services";
/** A service's name (config/schema.ts): a lowercase DNS label. */
const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

export interface ImageChange {
    readonly service: string;
    readonly before: string;
    readonly after: string;
    readonly digest: string;
}

export interface PromotionResult {
    readonly from?: string;
    readonly to: string;
    readonly file: string;
    readonly changes: readonly ImageChange[];
    readonly unchanged: readonly string[];
    /** Why nothing was written, when the promotion was refused. */
    readonly refused?: string;
    readonly written: boolean;
}

/** A promotion that must not happen: exit 1 with this line. */
export class PromotionRefused extends CommandRefused {
    readonly command = "promote";
}

/**
 * A credential's format anywhere in a text, also where it is glued to the characters around it (`v_ghp_…`,
 * which the detectors' word edges do not take for a token). Nothing that matches is printed or written.
 */
const GLUED_CREDENTIAL = /(?:gh[pousr]_|github_pat_|npm_|xox[abposr]-|xapp-|[sr]k_live_)[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA)[A-Z0-9]{16}|AIza[A-Za-z0-9_-]{30,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ/;

function looksLikeCredential(text: string): boolean {
    return GLUED_CREDENTIAL.test(text) || detectSecretFormats(text).length > 0;
}

/** An image reference as printed: a tag that looks like a credential is masked (the whole reference, if more does). */
function shownImage(reference: string): string {
    if (!looksLikeCredential(reference)) return reference;
    const pinning = imagePinning(reference);
    if (pinning.kind === "pinned" || pinning.kind === "unpinned" || pinning.kind === "weak-digest") {
        const repository = `${pinning.reference.domain}/${pinning.reference.repository}`;
        const digest = pinning.reference.digest;
        const shown = `${repository}:${SECRET_MASK}${digest === undefined ? "" : `@${digest}`}`;
        if (!looksLikeCredential(shown)) return shown;
    }
    return SECRET_MASK;
}

/** `&name` / `*name` for a message, when the name is short and plain; otherwise what it is, unnamed. */
function anchorName(sigil: "&" | "*", name: string | undefined): string {
    if (name !== undefined && /^[A-Za-z0-9_.-]{1,40}$/.test(name) && !looksLikeCredential(name)) return `${sigil}${name}`;
    return sigil === "&" ? "an anchor" : "an alias";
}

interface StackFile {
    readonly file: string;
    readonly source: StackFileBytes;
    readonly text: string;
    readonly document: Document.Parsed;
}

function readStackFile(projectDir: string, stack: string): StackFile {
    const file = path.join(projectDir, stackFileName(stack));
    const source = readStackBytes(projectDir, file);
    const { text } = source;
    try {
        // A carriage return alone ends a line for some YAML readers and not for others: which file would Pulumi read?
        if (/\r(?!\n)/.test(text)) throw new InputFileError(file, "has a carriage return that ends no line (CR without LF); save it with LF or CRLF line endings");
        // Its problems in the shared words (by line and column, never quoting the file); a second document is one.
        const { document } = parseYamlDocument(text, file);
        return { file, source, text, document };
    } catch (error) {
        if (error instanceof InputFileError) throw error;
        // The parser's own limits (a RangeError for nesting deeper than the stack allows).
        throw new InputFileError(file, `is not valid YAML: it could not be parsed (${error instanceof Error ? error.name : "error"}; nested too deep?)`);
    }
}

interface ServiceEntry {
    readonly name: string;
    /** Its position in platform:services. */
    readonly index: number;
    readonly node: YAMLMap;
}

function entryLabel(entry: Pick<ServiceEntry, "index">): string {
    return `${SERVICES_KEY}[${entry.index}]`;
}

function keyIs(pair: Pair, key: string): boolean {
    return isScalar(pair.key) && pair.key.value === key;
}

/**
 * The service entries of a stack file, by name, as YAML map nodes (so that edits keep the layout). Each is a
 * map written out (no alias, no merge key) with a service's name, and no two have the same name: the file the
 * program reads, and the one entry promote changes, are then the same thing.
 */
function serviceEntries(stack: StackFile): Map<string, ServiceEntry> {
    const services: unknown = stack.document.getIn(["config", SERVICES_KEY], true);
    const found = new Map<string, ServiceEntry>();
    if (services === undefined) return found;
    if (isAlias(services)) throw new InputFileError(stack.file, `${SERVICES_KEY} is the alias ${anchorName("*", services.source)}; promote reads only services written out`);
    if (!isSeq(services)) throw new InputFileError(stack.file, `${SERVICES_KEY}: expected a list of services`);
    services.items.forEach((item, index) => {
        const label = entryLabel({ index });
        if (isAlias(item)) throw new InputFileError(stack.file, `${label} is the alias ${anchorName("*", item.source)} of another entry; promote reads only services written out`);
        if (!isMap(item)) throw new InputFileError(stack.file, `${label}: expected a service (a map with a name, and an image or a build)`);
        if (item.items.some((pair) => keyIs(pair, "<<"))) throw new InputFileError(stack.file, `${label}: a YAML merge key (<<); promote reads only services written out`);
        const name: unknown = item.get("name");
        if (typeof name !== "string" || !SERVICE_NAME.test(name)) throw new InputFileError(stack.file, `${label}.name: expected a service name (a lowercase DNS label); found ${isAlias(name) ? "an alias" : describeFound(name)}`);
        const previous = found.get(name);
        if (previous) throw new InputFileError(stack.file, `${SERVICES_KEY}: two services named ${name} (entries ${previous.index} and ${index}); promote would change one of them only`);
        found.set(name, { name, index, node: item });
    });
    return found;
}

/** What a service runs: an image (its reference, and the pair in the file), a build from source, or nothing. */
type Runs =
    | { readonly kind: "image"; readonly image: string; readonly pair: Pair }
    | { readonly kind: "build"; readonly pair: Pair }
    | { readonly kind: "none" };

function describeNode(node: unknown): string {
    if (isScalar(node)) return node.value instanceof Uint8Array ? "binary data" : describeFound(node.value);
    if (isMap(node)) return "a map";
    if (isSeq(node)) return "a list";
    return describeFound(node);
}

/** What a service runs, as the program reads it (an alias is followed: reading it changes nothing). */
function runsOf(stack: StackFile, entry: ServiceEntry): Runs {
    const image = entry.node.items.find((pair) => keyIs(pair, "image"));
    const build = entry.node.items.find((pair) => keyIs(pair, "build"));
    if (image && build) throw new InputFileError(stack.file, `${entryLabel(entry)} (${entry.name}): both an image and a build; a service has one of them`);
    if (build) return { kind: "build", pair: build };
    if (!image) return { kind: "none" };
    const value = isAlias(image.value) ? image.value.resolve(stack.document) : image.value;
    if (!isScalar(value) || typeof value.value !== "string" || value.value === "") throw new InputFileError(stack.file, `${entryLabel(entry)}.image (${entry.name}): expected an image reference; found ${describeNode(value)}`);
    return { kind: "image", image: value.value, pair: image };
}

/** A node's anchor, or an alias, at or below `node`, as `&name` / `*name` (the first found). */
function linkIn(node: unknown): string | undefined {
    let found: string | undefined;
    const check = (candidate: unknown): void => {
        if (found !== undefined) return;
        if (isAlias(candidate)) found = anchorName("*", candidate.source);
        else if (isNode(candidate) && candidate.anchor !== undefined) found = anchorName("&", candidate.anchor);
    };
    if (isNode(node)) {
        check(node);
        visit(node, {
            Node: (_key, candidate) => {
                check(candidate);
                return found === undefined ? undefined : visit.BREAK;
            },
            Pair: (_key, pair) => {
                check(pair.key);
                return found === undefined ? undefined : visit.BREAK;
            },
        });
    }
    return found;
}

/**
 * Refuses an edit that would reach beyond the one service: an anchor on the entry, on the list or map holding
 * it, or on or inside the value replaced (an alias elsewhere would change with it), or an alias as that value
 * (the anchored entry would have to change instead). Naming the anchor or alias tells what to write out.
 */
function checkEditable(stack: StackFile, entry: ServiceEntry, runs: Runs): void {
    const refuse = (what: string, advice = "promote changes one service only: write the value out, or edit by hand"): never => {
        throw new InputFileError(stack.file, `${entryLabel(entry)} (${entry.name}): ${what}; ${advice}`);
    };
    const holders: [unknown, string][] = [
        [stack.document.contents, "the document"],
        [stack.document.get("config", true), "config"],
        [stack.document.getIn(["config", SERVICES_KEY], true), SERVICES_KEY],
    ];
    for (const [holder, name] of holders) if (isNode(holder) && holder.anchor !== undefined) refuse(`${name} is anchored as ${anchorName("&", holder.anchor)}, and an alias of it would change too`);
    if (entry.node.anchor !== undefined) refuse(`the service entry is anchored as ${anchorName("&", entry.node.anchor)}, and an alias of it would change too`);
    if (runs.kind === "none") return;
    const value = runs.pair.value;
    const key = runs.kind === "image" ? "image" : "build";
    if (isAlias(value)) refuse(`its ${key} is the alias ${anchorName("*", value.source)}: the entry anchored ${anchorName("&", value.source)} would have to change`);
    const link = linkIn(value) ?? linkIn(runs.pair.key);
    if (link !== undefined) refuse(`its ${key} ${link.startsWith("&") || link === "an anchor" ? `is anchored as ${link}` : `holds the alias ${link}`}, and what links to it would change too`);
    if (runs.kind === "image" && isScalar(value)) {
        if (value.tag !== undefined && value.tag !== "tag:yaml.org,2002:str") refuse("its image has a YAML tag", "promote writes plain text only: edit it by hand");
        if (value.type !== Scalar.PLAIN && value.type !== Scalar.QUOTE_DOUBLE && value.type !== Scalar.QUOTE_SINGLE) refuse("its image is a block scalar (| or >)", "promote edits a one-line value only: edit it by hand");
    }
}

function sourceLabel(file: string): string {
    return file === STDIN ? "standard input" : file;
}

/** Larger serviceImages maps than this (no real one comes near) are not checked for a key given twice. */
const DUPLICATE_CHECK_LIMIT = 2 ** 20;

/** `serviceImages` from `pulumi stack output serviceImages --json`, or from the stack resource of a stack export. */
export function readServiceImages(file: string): Record<string, string> {
    const text = readInputText(file, { maxBytes: SIZE_LIMITS.stateFile, allowStdin: true });
    const value = parseJson(text, file);
    const deployment = isRecord(value) && isRecord(value.deployment) ? value.deployment : undefined;
    // JSON.parse keeps the last of two equal keys: {"api": A, "api": B} would silently mean B. A serviceImages
    // map is small, and read again as YAML (JSON is YAML) it says whether a key is given twice.
    if (!deployment && text.length <= DUPLICATE_CHECK_LIMIT && parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: "silent" }).errors.some((problem) => problem.code === "DUPLICATE_KEY")) {
        throw new InputFileError(file, "a service is given twice");
    }
    let images: unknown = value;
    if (deployment) {
        const resources = Array.isArray(deployment.resources) ? deployment.resources : [];
        const root = resources.find((resource): resource is Record<string, unknown> => isRecord(resource) && resource.type === "pulumi:pulumi:Stack");
        images = root && isRecord(root.outputs) ? root.outputs.serviceImages : undefined;
        if (images === undefined) throw new InputFileError(file, "a stack export without a serviceImages output on its stack resource");
    }
    if (!isRecord(images)) throw new InputFileError(file, "expected {\"<service>\": \"<image>\"} (pulumi stack output serviceImages --json) or a stack export");
    const result: Record<string, string> = Object.create(null) as Record<string, string>;
    Object.entries(images).forEach(([service, image], index) => {
        // Keys are services' names; anything else is named by its position, never quoted (it could be a pasted token).
        if (!SERVICE_NAME.test(service)) throw new InputFileError(file, `serviceImages key ${index + 1} is not a service name (found ${describeFound(service)})`);
        if (typeof image !== "string" || imagePinning(image).kind === "invalid") throw new InputFileError(file, `${service}: expected an image reference; found ${typeof image === "string" ? `text that is not one (${image.length} characters)` : describeFound(image)}`);
        result[service] = image;
    });
    return result;
}

export interface PromoteOptions {
    readonly projectDir: string;
    readonly to: string;
    readonly from?: string;
    readonly services: readonly string[];
    readonly images: readonly string[];
    readonly digest?: string;
    readonly tag?: string;
    readonly previous: boolean;
    readonly repository?: string;
    readonly dryRun: boolean;
}

interface Wanted {
    readonly service: string;
    readonly digest: string;
    readonly tag?: string;
}

/** The digest a source image runs, or a refusal naming what it runs instead. */
function pinnedDigest(stack: string, service: string, image: string): { repository: string; tag?: string; digest: string } {
    const pinning = imagePinning(image);
    if (pinning.kind === "pinned") return { repository: `${pinning.reference.domain}/${pinning.reference.repository}`, tag: pinning.reference.tag, digest: pinning.digest };
    if (pinning.kind === "unpinned") throw new PromotionRefused(`${stack}'s ${service} runs ${quoteReference(shownImage(image))}, a tag without a digest: only a digest says which image was tested`);
    throw new PromotionRefused(`${stack}'s ${service} runs ${quoteReference(shownImage(image))}, which is not an image pinned by a sha256 digest`);
}

/** Every --images file, read and checked whole, as one map; two files that disagree about a service are refused. */
function mergedServiceImages(files: readonly string[]): Map<string, string> {
    const merged = new Map<string, { image: string; file: string }>();
    for (const file of files) {
        for (const [service, image] of Object.entries(readServiceImages(file))) {
            const earlier = merged.get(service);
            if (earlier !== undefined && earlier.image !== image) throw new InputFileError(file, `${service}: a different image than in ${sourceLabel(earlier.file)}; give the --images of one state`);
            merged.set(service, { image, file });
        }
    }
    return new Map([...merged].map(([service, { image }]) => [service, image]));
}

function wantedFromSource(options: PromoteOptions, target: Map<string, ServiceEntry>): Wanted[] {
    const from = options.from as string;
    let sourceImages: Map<string, string>;
    if (options.images.length > 0) {
        sourceImages = mergedServiceImages(options.images);
    } else {
        sourceImages = new Map();
        const source = readStackFile(options.projectDir, from);
        for (const entry of serviceEntries(source).values()) {
            const runs = runsOf(source, entry);
            if (runs.kind === "image") sourceImages.set(entry.name, runs.image);
            else if (runs.kind === "build" && (options.services.length === 0 || options.services.includes(entry.name))) {
                throw new PromotionRefused(`${from} builds ${entry.name} from source: its digest is in its state; pass --images (pulumi stack output serviceImages --json --stack ${from})`);
            }
        }
    }
    const names = options.services.length > 0 ? options.services : [...target.keys()].filter((name) => sourceImages.has(name));
    if (names.length === 0) throw new PromotionRefused(`${from} and ${options.to} have no service in common`);
    return names.map((service) => {
        const image = sourceImages.get(service);
        if (image === undefined) throw new PromotionRefused(`${from} runs no service named ${printable(service, true)}`);
        const { digest, tag } = pinnedDigest(from, service, image);
        return { service, digest, tag };
    });
}

/**
 * The newest digest in the stack's history that differs from what it runs now. The first --images file is the
 * stack's current state (its newest update), the rest earlier updates, newest first: what runs now comes from
 * state, never from the stack file, which lags until the record pull request is merged. Every file is read
 * and checked, also those after the one that answers: a broken history is not half-used.
 */
function wantedPrevious(options: PromoteOptions, service: string): Wanted {
    const [currentFile, ...earlier] = options.images;
    const histories = options.images.map((file) => readServiceImages(file));
    const current = histories[0][service];
    if (current === undefined) throw new PromotionRefused(`${options.to}'s current state (${path.basename(sourceLabel(currentFile))}) runs no service named ${printable(service, true)}`);
    const currentPinning = imagePinning(current);
    const now = currentPinning.kind === "pinned" ? currentPinning.digest : undefined;
    for (const images of histories.slice(1)) {
        const image = images[service];
        if (image === undefined) continue;
        const pinning = imagePinning(image);
        if (pinning.kind === "pinned" && pinning.digest !== now) return { service, digest: pinning.digest, tag: pinning.reference.tag };
    }
    throw new PromotionRefused(`no earlier digest of ${service} than the one ${options.to} runs now in ${earlier.length} earlier stack export${earlier.length === 1 ? "" : "s"}`);
}

/** The release rule for the target stack: a digest it may not run is refused by name (exit 1). */
function checkRelease(options: PromoteOptions, target: StackFile, wanted: readonly Wanted[]): void {
    const config = target.document.get("config");
    const setting = (key: string): unknown => (isMap(config) ? config.get(`platform:${key}`) : undefined);
    const tier = tierOf(options.to, setting("tier")) ?? "prod";
    if (tier === "dev" || tier === "local") return;
    const configuredCloud = setting("cloud") ?? "aws";
    const cloud = isCloud(configuredCloud) ? configuredCloud : "aws";
    const ledger = readProjectLedger(options.projectDir);
    for (const { service, digest } of wanted) {
        const refusal = releaseRefusal(ledger, { stack: options.to, tier, cloud, service, digest });
        if (refusal !== undefined) throw new PromotionRefused(refusal);
    }
}

interface TextEdit {
    readonly start: number;
    readonly end: number;
    readonly text: string;
}

/** The text edit that makes a service run `image`: its `image:` value replaced, or its `build:` entry. */
function imageEdit(stack: StackFile, runs: Runs, image: string): TextEdit {
    const value = runs.kind === "none" ? undefined : runs.pair.value;
    if (runs.kind === "image" && isScalar(value) && value.range) {
        const quote = value.type === Scalar.QUOTE_DOUBLE ? '"' : value.type === Scalar.QUOTE_SINGLE ? "'" : "";
        return { start: value.range[0], end: value.range[1], text: `${quote}${image}${quote}` };
    }
    if (runs.kind === "build" && isScalar(runs.pair.key) && runs.pair.key.range && isNode(value) && value.range) {
        // `build:` and its block, up to the end of its last line, become one `image:` line, ended as that line was.
        const removed = stack.text.slice(runs.pair.key.range[0], value.range[1]);
        const ending = removed.endsWith("\r\n") ? "\r\n" : removed.endsWith("\n") ? "\n" : "";
        return { start: runs.pair.key.range[0], end: value.range[1], text: `image: ${image}${ending}` };
    }
    throw new InputFileError(stack.file, "a service whose image or build entry cannot be edited in place; edit it by hand");
}

/** The document as data (aliases expanded, within bounds), to prove an edit changed exactly what it meant to. */
function dataOf(document: Document.Parsed, file: string): unknown {
    try {
        return document.toJS({ maxAliasCount: 100 }) as unknown;
    } catch {
        throw new InputFileError(file, "is not valid YAML: its aliases expand too far");
    }
}

/** A planned promotion: what to print, and the bytes to write (none for a dry run or nothing to change). */
interface PromotionPlan {
    readonly result: PromotionResult;
    readonly target: StackFile;
    readonly bytes?: Buffer;
}

/** Reads and checks everything a promotion needs, and works out the new file; writes nothing. */
function planPromotion(options: PromoteOptions): PromotionPlan {
    const target = readStackFile(options.projectDir, options.to);
    const targetServices = serviceEntries(target);
    let wanted: Wanted[];
    if (options.digest !== undefined) {
        wanted = [{ service: options.services[0], digest: options.digest, tag: options.tag }];
    } else if (options.previous) {
        wanted = [wantedPrevious(options, options.services[0])];
    } else {
        wanted = wantedFromSource(options, targetServices);
    }
    checkRelease(options, target, wanted);

    const changes: ImageChange[] = [];
    const unchanged: string[] = [];
    const edits: { readonly edit: TextEdit; readonly entry: ServiceEntry; readonly after: string }[] = [];
    for (const { service, digest, tag } of wanted) {
        const entry = targetServices.get(service);
        if (!entry) throw new PromotionRefused(`${stackFileName(options.to)} has no service named ${printable(service, true)}: a promotion changes images, it adds no services`);
        const runs = runsOf(target, entry);
        let repository: string;
        if (runs.kind === "image") {
            const pinning = imagePinning(runs.image);
            if (pinning.kind === "invalid" || pinning.kind === "image-id") throw new InputFileError(target.file, `${service}: image is not a valid reference`);
            repository = `${pinning.reference.domain}/${pinning.reference.repository}`;
            if (options.repository !== undefined && options.repository !== repository) {
                throw new UsageError(`--repository names another repository than the one ${options.to}'s ${service} runs; promote keeps a service's repository (--repository is for a service built from source)`);
            }
        } else if (runs.kind === "none") {
            throw new InputFileError(target.file, `${entryLabel(entry)} (${service}): neither an image nor a build`);
        } else if (options.repository !== undefined) {
            repository = options.repository;
        } else {
            throw new PromotionRefused(`${options.to} builds ${service} from source; pass --repository to run a published image instead`);
        }
        const after = `${repository}${tag ? `:${tag}` : ""}@${digest}`;
        // The stack file is committed: a tag shaped like a credential (pasted by mistake) is never written there.
        if (looksLikeCredential(after)) throw new PromotionRefused(`the image for ${service} has a tag that looks like a credential; it is not written to ${stackFileName(options.to)}`);
        if (runs.kind === "image" && runs.image === after) {
            unchanged.push(service);
            continue;
        }
        checkEditable(target, entry, runs);
        changes.push({ service, before: runs.kind === "image" ? shownImage(runs.image) : "build from source", after, digest });
        edits.push({ edit: imageEdit(target, runs, after), entry, after });
    }

    let bytes: Buffer | undefined;
    if (changes.length > 0 && !options.dryRun) {
        // The Document API locates each node; the text is edited only there, so comments, quoting, spacing, line
        // endings and the byte order mark elsewhere stay byte for byte. Then the result must read back as exactly
        // the old data with these images changed: no other service, no other value.
        let text = target.text;
        for (const { edit } of [...edits].sort((a, b) => b.edit.start - a.edit.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
        const expected = structuredClone(dataOf(target.document, target.file));
        const expectedServices = isRecord(expected) && isRecord(expected.config) ? expected.config[SERVICES_KEY] : undefined;
        for (const { entry, after } of edits) {
            const item: unknown = Array.isArray(expectedServices) ? expectedServices[entry.index] : undefined;
            if (!isRecord(item)) throw new InputFileError(target.file, "rewriting its images in place did not give the intended file (unusual layout); edit it by hand");
            delete item.build;
            item.image = after;
        }
        const reread = parseDocument(text, { prettyErrors: false, logLevel: "error" });
        if (reread.errors.length > 0 || !isDeepStrictEqual(dataOf(reread, target.file), expected)) {
            throw new InputFileError(target.file, "rewriting its images in place did not give the intended file (unusual layout); edit it by hand");
        }
        bytes = encodeStackText(target.source, text);
    }
    const result: PromotionResult = { from: options.from, to: options.to, file: path.relative(options.projectDir, target.file) || target.file, changes, unchanged, written: bytes !== undefined };
    return { result, target, bytes };
}

/** Plans and (unless a dry run) writes the promotion; throws PromotionRefused, InputFileError, OutputError. */
export function promote(options: PromoteOptions): PromotionResult {
    const plan = planPromotion(options);
    if (plan.bytes !== undefined) replaceStackFile(plan.target.source, plan.bytes);
    return plan.result;
}

type PromoteFormat = "human" | "json" | "markdown";
const PROMOTE_FORMATS: readonly PromoteFormat[] = ["human", "json", "markdown"];

function title(result: PromotionResult): string {
    const services = result.changes.map((change) => change.service).join(", ");
    return result.from ? `promote ${services} from ${result.from} to ${result.to}` : `set ${services} in ${result.to}`;
}

const RENDERERS: Readonly<Record<PromoteFormat, (result: PromotionResult) => string>> = {
    human: (result) => {
        const lines = result.changes.map((change) => `${result.file}: ${change.service}\n  - ${change.before}\n  + ${change.after}`);
        for (const service of result.unchanged) lines.push(`${result.file}: ${service} already runs that digest`);
        lines.push(result.changes.length === 0 ? `nothing to change in ${result.file}` : `${result.written ? "wrote" : "would write (--dry-run)"} ${result.file}: ${title(result)}`);
        return `${lines.map((line) => printable(line)).join("\n")}\n`;
    },
    json: (result) => `${JSON.stringify(result, null, 2)}\n`,
    markdown: (result) => {
        if (result.changes.length === 0) return `Nothing to promote: ${result.to} already runs ${result.unchanged.join(", ")} at the same digest.\n`;
        const lines = [`## ${printable(title(result), true)}`, "", `\`${result.file}\` changes only these images; the digests are what ${result.from ?? "the requester"} ${result.from ? "runs now" : "chose"}:`, "", "| service | before | after |", "| --- | --- | --- |"];
        for (const change of result.changes) lines.push(`| ${change.service} | \`${printable(change.before, true)}\` | \`${printable(change.after, true)}\` |`);
        lines.push("", `Merging deploys ${result.to} with these digests; no image is rebuilt.`, "");
        return lines.join("\n");
    },
};

const OPTION_TYPES = {
    from: "string",
    to: "string",
    service: "strings",
    images: "strings",
    digest: "string",
    tag: "string",
    previous: "boolean",
    repository: "string",
    "project-dir": "string",
    "dry-run": "boolean",
    format: "string",
    output: "strings",
} as const;

type OptionName = keyof typeof OPTION_TYPES;

interface PromoteArguments {
    readonly strings: Partial<Record<OptionName, string>>;
    readonly lists: Partial<Record<OptionName, string[]>>;
    readonly flags: Partial<Record<OptionName, boolean>>;
}

function isOptionName(name: string): name is OptionName {
    return Object.hasOwn(OPTION_TYPES, name);
}

/**
 * The command line, read without ever repeating an argument that is not an option's name: a stray word, an
 * unknown option's value or a value where none belongs may be a secret pasted in the wrong place, so it is
 * named by its position. An option given twice where it takes one value is refused, not "last one wins".
 */
function readArguments(argv: string[]): PromoteArguments {
    const options = Object.fromEntries(Object.entries(OPTION_TYPES).map(([name, type]) => [name, { type: type === "boolean" ? "boolean" : "string", multiple: type === "strings" }])) as Record<OptionName, { type: "string" | "boolean"; multiple: boolean }>;
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
    const strings: Partial<Record<OptionName, string>> = {};
    const lists: Partial<Record<OptionName, string[]>> = {};
    const flags: Partial<Record<OptionName, boolean>> = {};
    for (const token of tokens) {
        const at = `argument ${token.index + 1}`;
        if (token.kind === "positional") throw new UsageError(`${at} is not an option: promote takes options only (the argument is not repeated here)`);
        if (token.kind === "option-terminator") throw new UsageError(`${at}: promote takes options only, nothing after --`);
        const shown = /^[A-Za-z][A-Za-z0-9-]{0,40}$/.test(token.name) && !looksLikeCredential(token.name) ? ` ${token.rawName.startsWith("--") ? "--" : "-"}${token.name}` : "";
        if (!isOptionName(token.name) || !token.rawName.startsWith("--")) throw new UsageError(`${at}: unknown option${shown}`);
        const type = OPTION_TYPES[token.name];
        if (type === "boolean") {
            if (token.value !== undefined) throw new UsageError(`${at}: --${token.name} takes no value`);
            if (flags[token.name]) throw new UsageError(`${at}: --${token.name} is given more than once`);
            flags[token.name] = true;
            continue;
        }
        if (token.value === undefined) throw new UsageError(`${at}: --${token.name} needs a value`);
        if (!token.inlineValue && token.value.length > 1 && token.value.startsWith("-")) throw new UsageError(`${at}: --${token.name} needs a value, and the next argument starts with "-" (write --${token.name}=<value> if that is the value)`);
        if (type === "strings") (lists[token.name] ??= []).push(token.value);
        else if (strings[token.name] !== undefined) throw new UsageError(`${at}: --${token.name} is given more than once`);
        else strings[token.name] = token.value;
    }
    return { strings, lists, flags };
}

function parsePromoteOptions(argv: string[]): { options: PromoteOptions; choice: FormatChoice<PromoteFormat> } {
    const { strings: values, lists, flags } = readArguments(argv);
    const stackName = /^[A-Za-z0-9_.-]{1,100}$/;
    if (values.to === undefined) throw new UsageError("promote needs --to <stack>");
    for (const option of ["from", "to"] as const) {
        const value = values[option];
        if (value !== undefined && (!stackName.test(value) || /^\.+$/.test(value))) throw new UsageError(`--${option} takes a stack name; got ${describeFound(value)}`);
    }
    const services = lists.service ?? [];
    const images = lists.images ?? [];
    const previous = flags.previous ?? false;
    for (const service of services) if (!/^[a-z0-9-]{1,63}$/.test(service)) throw new UsageError(`--service takes a service name; got ${describeFound(service)}`);
    if (new Set(services).size !== services.length) throw new UsageError("--service names a service twice");
    const modes = [values.from !== undefined, values.digest !== undefined, previous].filter(Boolean).length;
    if (modes !== 1) throw new UsageError("promote takes exactly one of --from <stack>, --digest <digest> or --previous");
    if (values.from !== undefined && values.from === values.to) throw new UsageError("--from and --to name the same stack");
    if (values.digest !== undefined && !isSha256Digest(values.digest)) throw new UsageError(`--digest takes sha256:<64 lower-case hex> (a tag is not a digest); got ${describeFound(values.digest)}`);
    if ((values.digest !== undefined || previous) && services.length !== 1) throw new UsageError(`--${values.digest !== undefined ? "digest" : "previous"} needs exactly one --service`);
    if (values.digest !== undefined && images.length > 0) throw new UsageError("--images goes with --from or --previous; --digest names the image itself");
    if (previous && images.length < 2) throw new UsageError("--previous needs --images twice or more: the stack's current state first, then earlier updates, newest first");
    if (images.filter((file) => file === STDIN).length > 1) throw new UsageError("--images - (standard input) is given more than once");
    if (values.tag !== undefined && (values.digest === undefined || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(values.tag))) throw new UsageError(`--tag goes with --digest and takes a Docker tag; got ${describeFound(values.tag)}`);
    let repository: string | undefined;
    if (values.repository !== undefined) {
        const pinning = imagePinning(values.repository);
        if (pinning.kind !== "unpinned" || pinning.reference.tag !== undefined || looksLikeCredential(values.repository)) throw new UsageError(`--repository takes a repository without tag or digest; got ${describeFound(values.repository)}`);
        if (services.length !== 1) throw new UsageError("--repository needs exactly one --service: the one service the target builds from source");
        repository = `${pinning.reference.domain}/${pinning.reference.repository}`;
    }
    const options: PromoteOptions = {
        projectDir: path.resolve(values["project-dir"] ?? path.join(__dirname, "..")),
        to: values.to,
        from: values.from,
        services,
        images,
        digest: values.digest,
        tag: values.tag,
        previous,
        repository,
        dryRun: flags["dry-run"] ?? false,
    };
    return { options, choice: formatChoice(values.format, lists.output ?? [], PROMOTE_FORMATS, "human") };
}

/** A path with its symbolic links resolved as far as they exist, a dangling link's target included. */
function realPathOf(file: string, depth = 0): string {
    const absolute = path.resolve(file);
    try {
        if (depth < 40 && fs.lstatSync(absolute).isSymbolicLink()) return realPathOf(path.resolve(path.dirname(absolute), fs.readlinkSync(absolute)), depth + 1);
    } catch {
        // Missing: resolved through its folders below.
    }
    let existing = absolute;
    const rest: string[] = [];
    for (;;) {
        try {
            return path.join(fs.realpathSync(existing), ...rest);
        } catch {
            const parent = path.dirname(existing);
            if (parent === existing) return absolute;
            rest.unshift(path.basename(existing));
            existing = parent;
        }
    }
}

/** What an --output target was before the run: whether the file existed, which of its folders did not. */
interface OutputBefore {
    readonly file: string;
    readonly existed: boolean;
    /** Folders the report will create, deepest first. */
    readonly newFolders: readonly string[];
}

/**
 * Every --output target checked before anything is written: the shared checks (an input of the run, not a
 * regular file, /proc, /sys, /dev), each file once, and none of the project's stack or project files or its
 * release ledger, read by this run or not. Returns what each target was, to undo a failed write.
 */
function checkOutputs(choice: FormatChoice<PromoteFormat>, projectDir: string): OutputBefore[] {
    const seen = new Set<string>();
    const project = realPathOf(projectDir);
    for (const { file } of choice.outputs) {
        const real = realPathOf(file);
        if (seen.has(real)) throw new OutputError(`--output ${file}: is given twice`);
        seen.add(real);
        const inProject = path.relative(project, real);
        if (!inProject.startsWith("..") && !path.isAbsolute(inProject) && (/^Pulumi(\.[^/\\]+)?\.ya?ml$/.test(inProject) || inProject === path.join("releases", "ledger.json"))) {
            throw new OutputError(`--output ${file}: is a stack, project or ledger file of the project; refusing to overwrite it`);
        }
    }
    checkOutputTargets(choice.outputs.map(({ file }) => file));
    return choice.outputs.map(({ file }) => {
        const newFolders: string[] = [];
        for (let folder = path.dirname(path.resolve(file)); !fs.existsSync(folder) && path.dirname(folder) !== folder; folder = path.dirname(folder)) newFolders.push(folder);
        return { file, existed: fs.existsSync(file), newFolders };
    });
}

/** Removes the reports and folders a failed --output write created (a report that existed is left as it is now). */
function removeNewOutputs(outputs: readonly OutputBefore[]): void {
    for (const { file, existed, newFolders } of outputs) {
        try {
            if (!existed) fs.rmSync(file, { force: true });
            for (const folder of newFolders) fs.rmdirSync(folder);
        } catch {
            // Best effort: the stack file, which matters, is restored either way.
        }
    }
}

export function promoteCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, PROMOTE_HELP, async (args) => {
        const { options, choice } = parsePromoteOptions(args);
        const plan = planPromotion(options);
        const outputs = checkOutputs(choice, options.projectDir);
        if (plan.bytes !== undefined) replaceStackFile(plan.target.source, plan.bytes);
        try {
            emitRendered(plan.result, choice, RENDERERS);
        } catch (error) {
            if (!(error instanceof OutputError)) throw error;
            removeNewOutputs(outputs);
            if (plan.bytes === undefined) throw error;
            // A report could not be written after all (a full disk): the stack file goes back to what it was.
            try {
                replaceStackFile(plan.target.source, plan.target.source.bytes, plan.bytes);
            } catch {
                throw new OutputError(`${error.message}; ${plan.result.file} was written and could not be restored`);
            }
            throw new OutputError(`${error.message}; ${plan.result.file} is as it was`);
        }
        return EXIT_CODES.clean;
    });
}
