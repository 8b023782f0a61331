import * as path from "path";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest } from "../policies/lib/image-reference";
import { isRecord } from "../policies/lib/values";
import { CommandRefused, emitRendered, formatChoice, parseOptions, runCommand, UsageError } from "./checks";
import { DockerError, dockerOk, runDocker } from "./docker-cli";
import { printable } from "./format/printable";
import { readProjectLedger } from "./ledger-file";
import { record, RecordRefused } from "./record";
import { EXIT_CODES } from "./report";

export const PUBLISH_HELP = `Usage: node tools/bin.js publish --service <name> --image <local image> --sha <commit> --registry <host> [options]

Pushes one built image to every stack's repository (<registry>/platform/<stack>/<service>), tagged with the
commit, and takes its digest from the registry; the same image must have the same digest everywhere. Then
records it in the release ledger as built from the commit (\`record published\`). Prints the digest: the
one thing that is promoted from here on.

A re-run is safe: a repository that already holds the tag (immutable ECR refuses to push it again) is
compared instead: the same image (same config digest) is taken as published; another image under that tag
is refused.

Options:
  --service <name>       the service (its ledger entries are by this name)
  --image <ref>          the local image \`build\` made (e.g. local/api:<sha>)
  --sha <commit>         the commit it was built from (the tag it is pushed with)
  --registry <host>      e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com, or 127.0.0.1:5000
  --stack <stack>        a stack to publish to (repeatable; default dev, staging and prod)
  --project-dir <dir>    folder holding releases/ledger.json (default: the repository root)
  --format <format>      human or json ({"<service>": "<digest>"}, the workflow's output); --output repeats
  -h, --help             this text

Exit codes: 0 published; 1 refused (the tag holds another image, digests differ between repositories, a
commit the ledger knows under another digest); 2 bad usage, or docker or the registry failed.`;

/** A publication that must not happen: exit 1 with this line. */
export class PublishRefused extends CommandRefused {
    readonly command = "publish";
}

const SHA = /^[0-9a-f]{7,64}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STACK = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REGISTRY = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;
const PUSH_TIMEOUT_MS = 20 * 60_000;
const DEFAULT_STACKS = ["dev", "staging", "prod"];

/** A registry on loopback is plain HTTP: `docker manifest` must be told so (dockerd itself allows it). */
function insecure(registry: string): string[] {
    return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)(:\d+)?$/.test(registry) ? ["--insecure"] : [];
}

interface RemoteManifest {
    readonly digest: string;
    readonly config?: string;
}

/** What the registry holds under a reference (`docker manifest inspect --verbose`), or undefined when nothing. */
async function remoteManifest(reference: string, registry: string): Promise<RemoteManifest | undefined> {
    const run = await runDocker(["manifest", "inspect", "--verbose", ...insecure(registry), reference], { timeoutMs: 120_000 });
    if (run.status !== 0) {
        if (/no such manifest|manifest unknown|not found/i.test(run.stderr + run.stdout)) return undefined;
        throw new DockerError(`docker manifest inspect ${reference}`, run);
    }
    let answer: unknown;
    try {
        answer = JSON.parse(run.stdout);
    } catch {
        throw new DockerError(`docker manifest inspect ${reference}`, undefined, "it did not print JSON");
    }
    const single = Array.isArray(answer) ? undefined : answer;
    const descriptor = isRecord(single) && isRecord(single.Descriptor) ? single.Descriptor : undefined;
    if (!descriptor || !isSha256Digest(descriptor.digest)) throw new DockerError(`docker manifest inspect ${reference}`, undefined, "no single-platform manifest with a sha256 digest");
    const manifest = isRecord(single) && isRecord(single.SchemaV2Manifest) ? single.SchemaV2Manifest : undefined;
    const config = manifest && isRecord(manifest.config) && typeof manifest.config.digest === "string" ? manifest.config.digest : undefined;
    return { digest: descriptor.digest, config };
}

export interface PublishOptions {
    readonly projectDir: string;
    readonly service: string;
    readonly image: string;
    readonly sha: string;
    readonly registry: string;
    readonly stacks: readonly string[];
}

export interface PublishResult {
    readonly service: string;
    readonly sha: string;
    readonly digest: string;
    readonly repositories: readonly { readonly repository: string; readonly pushed: boolean }[];
}

export async function publish(options: PublishOptions, log: (line: string) => void): Promise<PublishResult> {
    // Before the registry changes: a ledger that cannot take the entry stops the publication here.
    readProjectLedger(options.projectDir);
    const id = (await dockerOk(`docker image inspect ${options.image}`, ["image", "inspect", "--format", "{{.Id}}", options.image], 60_000)).stdout.trim();
    let digest: string | undefined;
    const repositories: { repository: string; pushed: boolean }[] = [];
    for (const stack of options.stacks) {
        const repository = `${options.registry}/platform/${stack}/${options.service}`;
        const target = `${repository}:${options.sha}`;
        const existing = await remoteManifest(target, options.registry);
        let pushed = false;
        if (existing !== undefined) {
            if (existing.config !== id) throw new PublishRefused(`${repository} already holds another image under the tag ${options.sha} (config ${describeFound(existing.config)}, not ${id.slice(0, 19)}…); a rebuild of one commit must not replace what was published`);
            log(`${target} already holds this image: not pushed again`);
        } else {
            await dockerOk(`docker tag ${target}`, ["tag", options.image, target], 60_000);
            await dockerOk(`docker push ${target}`, ["push", target], PUSH_TIMEOUT_MS);
            pushed = true;
        }
        const held = existing ?? (await remoteManifest(target, options.registry));
        if (held === undefined) throw new DockerError(`docker push ${target}`, undefined, "the registry does not hold it after the push");
        if (digest !== undefined && held.digest !== digest) throw new PublishRefused(`${repository} holds ${options.service} as ${held.digest}, another digest than ${digest}: one image, one digest`);
        digest = held.digest;
        repositories.push({ repository, pushed });
        log(`${target}: ${held.digest}${pushed ? " (pushed)" : ""}`);
    }
    const published = digest as string;
    try {
        record({ projectDir: options.projectDir, event: "published", service: options.service, digest: published, sha: options.sha, dryRun: false });
    } catch (error) {
        if (error instanceof RecordRefused) throw new PublishRefused(error.message);
        throw error;
    }
    return { service: options.service, sha: options.sha, digest: published, repositories };
}

type PublishFormat = "human" | "json";
const RENDERERS: Readonly<Record<PublishFormat, (result: PublishResult) => string>> = {
    human: (result) => `${printable(`${result.service}: ${result.digest} (built from ${result.sha}; recorded as published)`, true)}\n`,
    json: (result) => `${JSON.stringify({ [result.service]: result.digest })}\n`,
};

function parsePublishOptions(argv: string[]) {
    const values = parseOptions(argv, {
        service: { type: "string" },
        image: { type: "string" },
        sha: { type: "string" },
        registry: { type: "string" },
        stack: { type: "string", multiple: true, default: [] },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    if (values.service === undefined || !NAME.test(values.service)) throw new UsageError(`--service takes a service name; got ${describeFound(values.service)}`);
    if (values.image === undefined || imagePinning(values.image).kind === "invalid") throw new UsageError(`--image takes a local image reference; got ${describeFound(values.image)}`);
    if (values.sha === undefined || !SHA.test(values.sha)) throw new UsageError(`--sha takes a commit sha (7 to 64 lower-case hex); got ${describeFound(values.sha)}`);
    if (values.registry === undefined || !REGISTRY.test(values.registry)) throw new UsageError(`--registry takes a registry host[:port]; got ${describeFound(values.registry)}`);
    const stacks = (values.stack ?? []).length > 0 ? (values.stack as string[]) : DEFAULT_STACKS;
    for (const stack of stacks) if (!STACK.test(stack)) throw new UsageError(`--stack takes a stack name (a-z, 0-9, -); got ${describeFound(stack)}`);
    const options: PublishOptions = { projectDir: path.resolve(values["project-dir"] ?? "."), service: values.service, image: values.image, sha: values.sha, registry: values.registry, stacks: [...new Set(stacks)] };
    return { options, choice: formatChoice(values.format, values.output ?? [], ["human", "json"] as const, "human") };
}

export function publishCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, PUBLISH_HELP, async (args) => {
        const { options, choice } = parsePublishOptions(args);
        const result = await publish(options, (line) => process.stderr.write(`${printable(line, true)}\n`));
        emitRendered(result, choice, RENDERERS);
        return EXIT_CODES.clean;
    });
}
