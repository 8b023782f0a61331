import * as fs from "fs";
import * as path from "path";
import { Document, isMap, isNode, isScalar, isSeq, parseDocument, YAMLMap } from "yaml";
import { stackFileName } from "../config/load";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { parseYamlDocument } from "../engine/yaml-text";
import { parseJson } from "../engine/state-files/json-errors";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest, quoteReference } from "../policies/lib/image-reference";
import { releaseRefusal } from "../policies/lib/release-ledger";
import { detectSecretFormats } from "../policies/lib/secret-detection";
import { isCloud } from "../config/schema";
import { tierOf } from "../policies/lib/tiers";
import { isRecord } from "../policies/lib/values";
import { CommandRefused, emitRendered, formatChoice, runCommand, parseOptions, UsageError } from "./checks";
import { printable } from "./format/printable";
import { readProjectLedger } from "./ledger-file";
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
                         replaced by the image)

Options:
  --project-dir <dir>    folder holding the stack files (default: the repository root)
  --dry-run              print the change, write nothing
  --format <format>      human, json or markdown (default human); --output <format>=<file> repeats
  -h, --help             this text

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

interface StackFile {
    readonly file: string;
    readonly text: string;
    readonly document: Document.Parsed;
}

function readStackFile(projectDir: string, stack: string): StackFile {
    const file = path.join(projectDir, stackFileName(stack));
    const text = readInputText(file, { maxBytes: SIZE_LIMITS.stackFile });
    return { file, text, document: parseYamlDocument(text, file).document };
}

/** The service entries of a stack file, by name, as YAML map nodes (so that edits keep the layout). */
function serviceNodes(stack: StackFile): Map<string, YAMLMap> {
    const services = stack.document.getIn(["config", SERVICES_KEY], true);
    const found = new Map<string, YAMLMap>();
    if (services === undefined) return found;
    if (!isSeq(services)) throw new InputFileError(stack.file, `${SERVICES_KEY}: expected a list of services`);
    for (const item of services.items) {
        if (!isMap(item)) continue;
        const name = item.get("name");
        if (typeof name === "string") found.set(name, item);
    }
    return found;
}

function imageOf(service: YAMLMap): string | undefined {
    const image = service.get("image");
    return typeof image === "string" ? image : undefined;
}

/** The digest a source image runs, or a refusal naming what it runs instead. */
function pinnedDigest(stack: string, service: string, image: string): { repository: string; tag?: string; digest: string } {
    const pinning = imagePinning(image);
    if (pinning.kind === "pinned") return { repository: `${pinning.reference.domain}/${pinning.reference.repository}`, tag: pinning.reference.tag, digest: pinning.digest };
    if (pinning.kind === "unpinned") throw new PromotionRefused(`${stack}'s ${service} runs ${quoteReference(image)}, a tag without a digest: only a digest says which image was tested`);
    throw new PromotionRefused(`${stack}'s ${service} runs ${quoteReference(image)}, which is not an image pinned by a sha256 digest`);
}

/** `serviceImages` from `pulumi stack output serviceImages --json`, or from the stack resource of a stack export. */
export function readServiceImages(file: string): Record<string, string> {
    const value = parseJson(readInputText(file, { maxBytes: SIZE_LIMITS.stateFile, allowStdin: true }), file);
    const deployment = isRecord(value) && isRecord(value.deployment) ? value.deployment : undefined;
    let images: unknown = value;
    if (deployment) {
        const resources = Array.isArray(deployment.resources) ? deployment.resources : [];
        const root = resources.find((resource): resource is Record<string, unknown> => isRecord(resource) && resource.type === "pulumi:pulumi:Stack");
        images = root && isRecord(root.outputs) ? root.outputs.serviceImages : undefined;
        if (images === undefined) throw new InputFileError(file, "a stack export without a serviceImages output on its stack resource");
    }
    if (!isRecord(images)) throw new InputFileError(file, "expected {\"<service>\": \"<image>\"} (pulumi stack output serviceImages --json) or a stack export");
    const result: Record<string, string> = {};
    for (const [service, image] of Object.entries(images)) {
        if (typeof image !== "string") throw new InputFileError(file, `${printable(service, true)}: expected an image reference; found ${describeFound(image)}`);
        result[service] = image;
    }
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

function wantedFromSource(options: PromoteOptions, target: Map<string, YAMLMap>): Wanted[] {
    const from = options.from as string;
    const sourceImages: Record<string, string> = {};
    if (options.images.length > 0) {
        Object.assign(sourceImages, readServiceImages(options.images[0]));
    } else {
        const source = readStackFile(options.projectDir, from);
        for (const [name, node] of serviceNodes(source)) {
            const image = imageOf(node);
            if (image !== undefined) sourceImages[name] = image;
            else if (node.has("build") && (options.services.length === 0 || options.services.includes(name))) {
                throw new PromotionRefused(`${from} builds ${name} from source: its digest is in its state; pass --images (pulumi stack output serviceImages --json --stack ${from})`);
            }
        }
    }
    const names = options.services.length > 0 ? options.services : [...target.keys()].filter((name) => name in sourceImages);
    if (names.length === 0) throw new PromotionRefused(`${from} and ${options.to} have no service in common`);
    return names.map((service) => {
        if (!(service in sourceImages)) throw new PromotionRefused(`${from} runs no service named ${printable(service, true)}`);
        const { digest, tag } = pinnedDigest(from, service, sourceImages[service]);
        return { service, digest, tag };
    });
}

/**
 * The newest digest in the stack's history that differs from what it runs now. The first --images file is the
 * stack's current state (its newest update), the rest earlier updates, newest first: what runs now comes from
 * state, never from the stack file, which lags until the record pull request is merged.
 */
function wantedPrevious(options: PromoteOptions, service: string): Wanted {
    const [currentFile, ...earlier] = options.images;
    const current = readServiceImages(currentFile)[service];
    if (current === undefined) throw new PromotionRefused(`${options.to}'s current state (${path.basename(currentFile)}) runs no service named ${printable(service, true)}`);
    const currentPinning = imagePinning(current);
    const now = currentPinning.kind === "pinned" ? currentPinning.digest : undefined;
    for (const file of earlier) {
        const image = readServiceImages(file)[service];
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
function imageEdit(stack: StackFile, service: YAMLMap, image: string): TextEdit {
    const pair = service.items.find((item) => isScalar(item.key) && (item.key.value === "image" || item.key.value === "build"));
    const value = pair?.value;
    if (pair && isScalar(pair.key) && pair.key.value === "image" && isScalar(value) && value.range) {
        const quote = stack.text[value.range[0]];
        const text = quote === '"' || quote === "'" ? `${quote}${image}${quote}` : image;
        return { start: value.range[0], end: value.range[1], text };
    }
    if (pair && isScalar(pair.key) && pair.key.range && isNode(value) && value.range) {
        // `build:` and its block, up to the end of its last line, become one `image:` line.
        const endsLine = stack.text[value.range[1] - 1] === "\n";
        return { start: pair.key.range[0], end: value.range[1], text: `image: ${image}${endsLine ? "\n" : ""}` };
    }
    throw new InputFileError(stack.file, "a service whose image or build entry cannot be edited in place; edit it by hand");
}

/** Plans and (unless a dry run) writes the promotion; throws PromotionRefused, InputFileError. */
export function promote(options: PromoteOptions): PromotionResult {
    const target = readStackFile(options.projectDir, options.to);
    const targetServices = serviceNodes(target);
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
    const edits: TextEdit[] = [];
    for (const { service, digest, tag } of wanted) {
        const node = targetServices.get(service);
        if (!node) throw new PromotionRefused(`${stackFileName(options.to)} has no service named ${printable(service, true)}: a promotion changes images, it adds no services`);
        const current = imageOf(node);
        let repository: string;
        if (current !== undefined) {
            const pinning = imagePinning(current);
            if (pinning.kind === "invalid" || pinning.kind === "image-id") throw new InputFileError(target.file, `${service}: image is not a valid reference`);
            repository = `${pinning.reference.domain}/${pinning.reference.repository}`;
        } else if (options.repository !== undefined) {
            repository = options.repository;
        } else {
            throw new PromotionRefused(`${options.to} builds ${service} from source; pass --repository to run a published image instead`);
        }
        const after = `${repository}${tag ? `:${tag}` : ""}@${digest}`;
        // The stack file is committed: a tag shaped like a credential (pasted by mistake) is never written there.
        if (detectSecretFormats(after).length > 0) throw new PromotionRefused(`the image for ${service} has a tag that looks like a credential; it is not written to ${stackFileName(options.to)}`);
        if (current === after) {
            unchanged.push(service);
            continue;
        }
        changes.push({ service, before: current ?? "build from source", after, digest });
        edits.push(imageEdit(target, node, after));
    }

    let written = false;
    if (changes.length > 0 && !options.dryRun) {
        // The Document API locates each node; the text is edited only there, so comments, quoting and
        // spacing elsewhere stay byte for byte. Then the result must read back as intended.
        let text = target.text;
        for (const edit of [...edits].sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
        const reread = parseDocument(text, { prettyErrors: false, logLevel: "silent" });
        const rereadServices = reread.errors.length === 0 ? serviceNodes({ ...target, text, document: reread }) : undefined;
        for (const change of changes) {
            const node = rereadServices?.get(change.service);
            if (!node || imageOf(node) !== change.after || node.has("build")) throw new InputFileError(target.file, "rewriting its images in place did not give the intended file (unusual layout); edit it by hand");
        }
        fs.writeFileSync(target.file, text);
        written = true;
    }
    return { from: options.from, to: options.to, file: path.relative(options.projectDir, target.file) || target.file, changes, unchanged, written };
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

function parsePromoteOptions(argv: string[]) {
    const values = parseOptions(argv, {
        from: { type: "string" },
        to: { type: "string" },
        service: { type: "string", multiple: true, default: [] },
        images: { type: "string", multiple: true, default: [] },
        digest: { type: "string" },
        tag: { type: "string" },
        previous: { type: "boolean", default: false },
        repository: { type: "string" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        "dry-run": { type: "boolean", default: false },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    const stackName = /^[A-Za-z0-9_.-]{1,100}$/;
    if (values.to === undefined) throw new UsageError("promote needs --to <stack>");
    for (const option of ["from", "to"] as const) {
        const value = values[option];
        if (value !== undefined && (!stackName.test(value) || /^\.+$/.test(value))) throw new UsageError(`--${option} takes a stack name; got ${describeFound(value)}`);
    }
    const services = values.service ?? [];
    for (const service of services) if (!/^[a-z0-9-]{1,63}$/.test(service)) throw new UsageError(`--service takes a service name; got ${describeFound(service)}`);
    const modes = [values.from !== undefined, values.digest !== undefined, values.previous === true].filter(Boolean).length;
    if (modes !== 1) throw new UsageError("promote takes exactly one of --from <stack>, --digest <digest> or --previous");
    if (values.from !== undefined && values.from === values.to) throw new UsageError("--from and --to name the same stack");
    if (values.digest !== undefined && !isSha256Digest(values.digest)) throw new UsageError(`--digest takes sha256:<64 lower-case hex> (a tag is not a digest); got ${describeFound(values.digest)}`);
    if ((values.digest !== undefined || values.previous) && services.length !== 1) throw new UsageError(`--${values.digest !== undefined ? "digest" : "previous"} needs exactly one --service`);
    if (values.previous && (values.images ?? []).length < 2) throw new UsageError("--previous needs --images twice or more: the stack's current state first, then earlier updates, newest first");
    if (values.tag !== undefined && (values.digest === undefined || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(values.tag))) throw new UsageError(`--tag goes with --digest and takes a Docker tag; got ${describeFound(values.tag)}`);
    if (values.repository !== undefined) {
        const pinning = imagePinning(values.repository);
        if (pinning.kind !== "unpinned" || pinning.reference.tag !== undefined) throw new UsageError(`--repository takes a repository without tag or digest; got ${describeFound(values.repository)}`);
    }
    const options: PromoteOptions = {
        projectDir: path.resolve(values["project-dir"] ?? "."),
        to: values.to,
        from: values.from,
        services,
        images: values.images ?? [],
        digest: values.digest,
        tag: values.tag,
        previous: values.previous ?? false,
        repository: values.repository,
        dryRun: values["dry-run"] ?? false,
    };
    return { options, choice: formatChoice(values.format, values.output ?? [], PROMOTE_FORMATS, "human") };
}

export function promoteCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, PROMOTE_HELP, async (args) => {
        const { options, choice } = parsePromoteOptions(args);
        emitRendered(promote(options), choice, RENDERERS);
        return EXIT_CODES.clean;
    });
}

