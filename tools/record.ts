import * as fs from "fs";
import * as path from "path";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { parseJson } from "../engine/state-files/json-errors";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest } from "../policies/lib/image-reference";
import { buildShaOf, formatLedger, LedgerEntry, parseLedger, ReleaseLedger } from "../policies/lib/release-ledger";
import { isRecord } from "../policies/lib/values";
import { CommandRefused, parseOptions, runCommand, UsageError } from "./checks";
import { printable } from "./format/printable";
import { ledgerFileOf, readProjectLedger } from "./ledger-file";
import { readServiceImages } from "./promote";
import { EXIT_CODES } from "./report";

export const RECORD_HELP = `Usage: node tools/bin.js record published --service <name> --digest sha256:<64 hex> --sha <commit> [options]
       node tools/bin.js record verified --stack <stack> --smoke <smoke.json> --images <serviceImages.json> [options]

Appends to the release ledger (releases/ledger.json), the proof the release rule reads ("prod runs only
what staging proved"; see \`promote --help\`):
  published   the flow built <commit> and the registry holds it as <digest> (the publish step)
  verified    \`pulumi up\` of <stack> ran the digest and its smoke test passed: --smoke is the smoke
              run's JSON report (\`smoke --service <s> --digest <d> --output json=<file>\`), --images the
              stack's state after up (\`pulumi stack output serviceImages --json\`). Recorded only when the
              smoke passed, for the very digest the state runs, built from the commit the ledger says.

Options:
  --by <who>             who or what records it (default: the GitHub run, $GITHUB_ACTOR or $USER)
  --project-dir <dir>    folder holding releases/ledger.json (default: the repository root)
  --dry-run              print the entry, write nothing
  -h, --help             this text

Exit codes: 0 recorded; 1 refused (the smoke did not pass, the state runs another digest, a commit that
differs from the published one); 2 bad usage or a file that cannot be read or written.`;

/** Why `record` will not write: exit 1 with this line. */
export class RecordRefused extends CommandRefused {
    readonly command = "record";
}

const SHA = /^[0-9a-f]{7,64}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STACK = /^[A-Za-z0-9_.-]{1,100}$/;

/** Written beside and renamed over: a reader never sees half a ledger. The result must read back as valid. */
function writeLedger(file: string, ledger: ReleaseLedger): void {
    const text = formatLedger(ledger);
    parseLedger(text);
    const partial = `${file}.partial`;
    try {
        fs.writeFileSync(partial, text);
        fs.renameSync(partial, file);
    } catch (error) {
        try {
            if (fs.lstatSync(partial).isFile()) fs.rmSync(partial);
        } catch {
            // Nothing of ours to remove.
        }
        throw new InputFileError(file, `cannot be written (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
}

function defaultBy(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) return `${env.GITHUB_REPOSITORY} run ${env.GITHUB_RUN_ID}${env.GITHUB_ACTOR ? ` (${env.GITHUB_ACTOR})` : ""}`;
    return env.GITHUB_ACTOR ?? env.USER;
}

/** The build a smoke report expected and whether every check passed; anything else about it is refused. */
function smokeVerdict(file: string): { sha: string; service: string; digest: string } {
    const report = parseJson(readInputText(file, { maxBytes: SIZE_LIMITS.report }), file);
    if (!isRecord(report) || report.command !== "smoke" || !Array.isArray(report.checks)) throw new InputFileError(file, "expected the JSON report of `smoke` (--output json=<file>)");
    const expected = isRecord(report.expected) ? report.expected : {};
    if (typeof expected.service !== "string" || !NAME.test(expected.service) || !isSha256Digest(expected.digest) || typeof expected.sha !== "string" || !SHA.test(expected.sha)) {
        throw new InputFileError(file, "a smoke report without the build it checked: run smoke with --service and --digest");
    }
    if (report.exitCode !== 0 || report.checks.some((check: unknown) => !isRecord(check) || (check.status !== "passed" && check.status !== "skipped"))) {
        throw new RecordRefused(`the smoke test of ${printable(expected.service, true)} did not pass: nothing is recorded as verified`);
    }
    return { sha: expected.sha, service: expected.service, digest: expected.digest };
}

export interface RecordOptions {
    readonly projectDir: string;
    readonly event: "published" | "verified";
    readonly service?: string;
    readonly digest?: string;
    readonly sha?: string;
    readonly stack?: string;
    readonly smoke?: string;
    readonly images?: string;
    readonly by?: string;
    readonly dryRun: boolean;
    readonly now?: Date;
}

/** Checks and (unless a dry run) appends one entry; throws RecordRefused, InputFileError. */
export function record(options: RecordOptions): LedgerEntry {
    const file = ledgerFileOf(options.projectDir);
    const ledger = readProjectLedger(options.projectDir);
    const at = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const by = options.by ?? defaultBy();
    let entry: LedgerEntry;
    if (options.event === "published") {
        const { service, digest, sha } = options as Required<Pick<RecordOptions, "service" | "digest" | "sha">>;
        const known = buildShaOf(ledger, service, digest);
        if (known !== undefined && known !== sha) throw new RecordRefused(`${service}@${digest.slice(0, 19)}… was published from ${known}, not ${sha}`);
        if (known !== undefined) return { event: "published", service, digest, sha, at, by };
        entry = { event: "published", service, digest, sha, at, by };
    } else {
        const stack = options.stack as string;
        const smoke = smokeVerdict(options.smoke as string);
        const running = readServiceImages(options.images as string)[smoke.service];
        const pinning = running === undefined ? undefined : imagePinning(running);
        if (pinning?.kind !== "pinned" || pinning.digest !== smoke.digest) {
            throw new RecordRefused(`${stack}'s state runs ${pinning?.kind === "pinned" ? `${smoke.service}@${pinning.digest.slice(0, 19)}…` : `no pinned ${smoke.service}`}, not the smoke-tested ${smoke.digest.slice(0, 19)}…: only what deployed is recorded`);
        }
        const published = buildShaOf(ledger, smoke.service, smoke.digest);
        if (published === undefined) throw new RecordRefused(`${smoke.service}@${smoke.digest.slice(0, 19)}… was never published by the flow: record published first`);
        if (published !== smoke.sha) throw new RecordRefused(`the smoke test expected ${smoke.sha}, but ${smoke.service}@${smoke.digest.slice(0, 19)}… was published from ${published}`);
        entry = { event: "verified", service: smoke.service, digest: smoke.digest, sha: smoke.sha, stack, at, by };
    }
    if (!options.dryRun) writeLedger(file, { ...ledger, entries: [...ledger.entries, entry] });
    return entry;
}

function parseRecordOptions(argv: string[]): RecordOptions {
    const [event, ...rest] = argv;
    if (event !== "published" && event !== "verified") throw new UsageError(`record takes published or verified first; got ${describeFound(event, { keyword: true })}`);
    const values = parseOptions(rest, {
        service: { type: "string" },
        digest: { type: "string" },
        sha: { type: "string" },
        stack: { type: "string" },
        smoke: { type: "string" },
        images: { type: "string" },
        by: { type: "string" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        "dry-run": { type: "boolean", default: false },
    });
    if (values.by !== undefined && (values.by.length > 200 || !/^[\x20-\x7e]+$/.test(values.by))) throw new UsageError(`--by takes printable text up to 200 characters; got ${describeFound(values.by)}`);
    const options = { projectDir: path.resolve(values["project-dir"] ?? "."), event, by: values.by, dryRun: values["dry-run"] ?? false } as const;
    if (event === "published") {
        if (values.service === undefined || !NAME.test(values.service)) throw new UsageError(`--service takes a service name; got ${describeFound(values.service)}`);
        if (!isSha256Digest(values.digest)) throw new UsageError(`--digest takes sha256:<64 lower-case hex>; got ${describeFound(values.digest)}`);
        if (values.sha === undefined || !SHA.test(values.sha)) throw new UsageError(`--sha takes a commit sha (7 to 64 lower-case hex); got ${describeFound(values.sha)}`);
        return { ...options, service: values.service, digest: values.digest, sha: values.sha };
    }
    if (values.stack === undefined || !STACK.test(values.stack) || /^\.+$/.test(values.stack)) throw new UsageError(`--stack takes a stack name; got ${describeFound(values.stack)}`);
    if (values.smoke === undefined || values.images === undefined) throw new UsageError("record verified needs --smoke <smoke.json> and --images <serviceImages.json>");
    return { ...options, stack: values.stack, smoke: values.smoke, images: values.images };
}

export function recordCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, RECORD_HELP, async (args) => {
        const options = parseRecordOptions(args);
        const entry = record(options);
        const where = entry.stack ? ` in ${entry.stack}` : "";
        process.stdout.write(`${printable(`${options.dryRun ? "would record" : "recorded"} ${entry.event}${where}: ${entry.service}@${entry.digest} from ${entry.sha}`, true)}\n`);
        return EXIT_CODES.clean;
    });
}
