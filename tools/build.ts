import * as fs from "fs";
import * as path from "path";
import { detectRelease } from "../config/release";
import { readInputFile, SIZE_LIMITS } from "../engine/input-files";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest } from "../policies/lib/image-reference";
import { emitRendered, formatChoice, parseOptions, runCommand, UsageError } from "./checks";
import { DockerError, dockerOk, runDocker } from "./docker-cli";
import { printable } from "./format/printable";
import { EXIT_CODES } from "./report";

export const BUILD_HELP = `Usage: node tools/bin.js build --service <name> [options]

Builds services/<name> once, from a commit, as the release flow does: \`docker build\` with the build
arguments BUILD_SHA, BUILD_DATE and BUILD_ACTOR (the image reports them at /version and carries
org.opencontainers.image.revision; no Deployment overrides them), then checks that the built image says
the commit it was built from. Prints the local image; \`publish\` pushes it.

Options:
  --service <name>       the folder under services/ with a Dockerfile
  --sha <commit>         the commit (default $BUILD_SHA, $GITHUB_SHA, else the checkout's HEAD)
  --date <iso>           build date (default $BUILD_DATE, else the commit's date: two builds of one commit agree)
  --actor <who>          who released (default $BUILD_ACTOR, $GITHUB_ACTOR, else the commit's author)
  --base-image <ref>     the Dockerfile's BASE_IMAGE, pinned by a sha256 digest (default: its own pinned FROM)
  --tag <repo:tag>       the local image (default local/<service>:<sha>)
  --project-dir <dir>    the checkout (default: the repository root)
  --format <format>      human or json (default human); --output <format>=<file> repeats
  -h, --help             this text

The docker client is $PLATFORM_DOCKER or docker on PATH, talking to $DOCKER_HOST; builds use the host
network (--network host). Exit codes: 0 built; 2 bad usage, or the build or the check failed.

Example (the release workflow's build job):
  node tools/bin.js build --service api --format json --output json=reports/build-api.json`;

const SHA = /^[0-9a-f]{7,64}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const PRINTABLE = /^[\x20-\x7e]{1,200}$/;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const REVISION_LABEL = "org.opencontainers.image.revision";

export interface BuildResult {
    readonly service: string;
    readonly image: string;
    readonly id: string;
    readonly sha: string;
    readonly date: string;
    readonly actor: string;
}

type BuildFormat = "human" | "json";
const RENDERERS: Readonly<Record<BuildFormat, (result: BuildResult) => string>> = {
    human: (result) => `${printable(`built ${result.image} (${result.id.slice(0, 19)}) from ${result.sha}`, true)}\n`,
    json: (result) => `${JSON.stringify(result, null, 2)}\n`,
};

function parseBuildOptions(argv: string[]) {
    const values = parseOptions(argv, {
        service: { type: "string" },
        sha: { type: "string" },
        date: { type: "string" },
        actor: { type: "string" },
        "base-image": { type: "string" },
        tag: { type: "string" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    const projectDir = path.resolve(values["project-dir"] ?? ".");
    if (values.service === undefined || !NAME.test(values.service)) throw new UsageError(`--service takes a service name; got ${describeFound(values.service)}`);
    const context = path.join(projectDir, "services", values.service);
    if (!fs.existsSync(path.join(context, "Dockerfile"))) throw new UsageError(`no services/${values.service}/Dockerfile in ${projectDir}`);
    // A Dockerfile that is a directory, a FIFO or a device is refused here, in one line, rather than by docker.
    readInputFile(path.join(context, "Dockerfile"), { maxBytes: SIZE_LIMITS.stackFile });
    const detected = detectRelease(process.env, projectDir);
    const sha = values.sha ?? detected.sha;
    if (sha === undefined || !SHA.test(sha)) throw new UsageError(`--sha takes a commit sha (7 to 64 lower-case hex), and none was found in the environment or the checkout; got ${describeFound(sha)}`);
    const date = values.date ?? detected.date;
    if (date === undefined || !ISO_TIME.test(date)) throw new UsageError(`--date takes an ISO 8601 time; got ${describeFound(date)}`);
    const actor = values.actor ?? detected.actor ?? "unknown";
    if (!PRINTABLE.test(actor)) throw new UsageError(`--actor takes printable text up to 200 characters; got ${describeFound(actor)}`);
    const base = values["base-image"];
    if (base !== undefined && imagePinning(base).kind !== "pinned") throw new UsageError(`--base-image takes an image pinned by a sha256 digest; got ${describeFound(base)}`);
    const tag = values.tag ?? `local/${values.service}:${sha}`;
    const pinning = imagePinning(tag);
    if (pinning.kind !== "unpinned" || pinning.reference.tag === undefined) throw new UsageError(`--tag takes repository:tag; got ${describeFound(tag)}`);
    return { service: values.service, context, sha, date, actor, base, tag, choice: formatChoice(values.format, values.output ?? [], ["human", "json"] as const, "human") };
}

export function buildCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, BUILD_HELP, async (args) => {
        const options = parseBuildOptions(args);
        const buildArgs = [`BUILD_SHA=${options.sha}`, `BUILD_DATE=${options.date}`, `BUILD_ACTOR=${options.actor}`, ...(options.base ? [`BASE_IMAGE=${options.base}`] : [])];
        process.stderr.write(`building ${options.tag} from services/${options.service} at ${options.sha}...\n`);
        const started = Date.now();
        const run = await runDocker(["build", "--network", "host", "-t", options.tag, ...buildArgs.flatMap((arg) => ["--build-arg", arg]), options.context], {
            timeoutMs: BUILD_TIMEOUT_MS,
            progress: (line) => process.stderr.write(`${printable(line, true)}\n`),
        });
        if (run.status !== 0) throw new DockerError(`docker build of ${options.tag}`, run);
        const inspected = await dockerOk(`docker image inspect ${options.tag}`, ["image", "inspect", "--format", "{{.Id}} {{json .Config.Labels}}", options.tag], 60_000);
        const [id, ...labelText] = inspected.stdout.trim().split(" ");
        if (!isSha256Digest(id)) throw new DockerError(`docker image inspect ${options.tag}`, undefined, "it printed no sha256 image id");
        let labels: Record<string, unknown> = {};
        try {
            labels = (JSON.parse(labelText.join(" ")) as Record<string, unknown> | null) ?? {};
        } catch {
            labels = {};
        }
        if (labels[REVISION_LABEL] !== options.sha) throw new DockerError(`checking ${options.tag}`, undefined, `its ${REVISION_LABEL} label is ${describeFound(labels[REVISION_LABEL])}, not ${options.sha}: the Dockerfile must bake BUILD_SHA`);
        process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        emitRendered({ service: options.service, image: options.tag, id, sha: options.sha, date: options.date, actor: options.actor }, options.choice, RENDERERS);
        return EXIT_CODES.clean;
    });
}
