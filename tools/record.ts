import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { parseJson } from "../engine/state-files/json-errors";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning, isSha256Digest } from "../policies/lib/image-reference";
import { buildShaOf, formatLedger, LedgerEntry, LedgerError, parseLedger, ReleaseLedger } from "../policies/lib/release-ledger";
import { detectSecretFormats } from "../policies/lib/secret-detection";
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

const LOCK_WAIT_MS = 30_000;
/** Who recorded: printable, bounded, never credential-shaped (the ledger is committed). */
const BY = /^[\x20-\x7e]{1,200}$/;

function isAcceptableBy(by: string): boolean {
    return BY.test(by) && detectSecretFormats(by).length === 0;
}

/**
 * Read, append, write, under a lock file beside the ledger: two `record` runs at once both land, in turn. The
 * new ledger is written to a file of this run's own (created exclusively: an existing file or link there is
 * never written through) and renamed over the old one, so a reader never sees half a ledger.
 */
function appendUnderLock(file: string, add: (ledger: ReleaseLedger) => LedgerEntry | undefined, projectDir: string, lockWaitMs = LOCK_WAIT_MS): LedgerEntry | undefined {
    const lock = `${file}.lock`;
    const until = Date.now() + lockWaitMs;
    let descriptor: number | undefined;
    while (descriptor === undefined) {
        try {
            descriptor = fs.openSync(lock, "wx");
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code !== "EEXIST") throw new InputFileError(file, `cannot be locked for writing (${code ?? "error"})`);
            if (Date.now() > until) throw new InputFileError(file, `is locked by another record (${path.basename(lock)} for over ${lockWaitMs / 1000} s; remove it if no record runs)`);
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
    }
    try {
        const ledger = readProjectLedger(projectDir);
        const entry = add(ledger);
        if (entry === undefined) return undefined;
        const text = formatLedger({ ...ledger, entries: [...ledger.entries, entry] });
        try {
            parseLedger(text);
        } catch (error) {
            if (error instanceof LedgerError) throw new InputFileError(file, `the entry would not read back: ${error.message}`);
            throw error;
        }
        const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.partial`;
        try {
            fs.writeFileSync(partial, text, { flag: "wx" });
            fs.renameSync(partial, file);
        } catch (error) {
            fs.rmSync(partial, { force: true });
            throw new InputFileError(file, `cannot be written (${(error as NodeJS.ErrnoException).code ?? "error"})`);
        }
        return entry;
    } finally {
        fs.closeSync(descriptor);
        fs.rmSync(lock, { force: true });
    }
}

function defaultBy(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const by = env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? `${env.GITHUB_REPOSITORY} run ${env.GITHUB_RUN_ID}${env.GITHUB_ACTOR ? ` (${env.GITHUB_ACTOR})` : ""}` : env.GITHUB_ACTOR ?? env.USER;
    // An environment value that could not stand in the ledger is left out rather than fail the record.
    return by !== undefined && isAcceptableBy(by) ? by : undefined;
}

/** The build a smoke report expected and whether every check passed; anything else about it is refused. */
function smokeVerdict(file: string): { sha: string; service: string; digest: string } {
    const report = parseJson(readInputText(file, { maxBytes: SIZE_LIMITS.report }), file);
    if (!isRecord(report) || report.command !== "smoke" || !Array.isArray(report.checks)) throw new InputFileError(file, "expected the JSON report of `smoke` (--output json=<file>)");
    const expected = isRecord(report.expected) ? report.expected : {};
    if (typeof expected.service !== "string" || !NAME.test(expected.service) || !isSha256Digest(expected.digest) || typeof expected.sha !== "string" || !SHA.test(expected.sha)) {
        throw new InputFileError(file, "a smoke report without the build it checked: run smoke with --service and --digest");
    }
    const checks = report.checks as unknown[];
    const passed = (name: string): boolean => checks.some((check) => isRecord(check) && check.name === name && check.status === "passed");
    // A real smoke run holds these three, passed; a report that says less proves nothing.
    const complete = passed("GET /healthz") && passed("GET /readyz") && passed("GET /version");
    if (report.exitCode !== 0 || !complete || checks.some((check) => !isRecord(check) || (check.status !== "passed" && check.status !== "skipped"))) {
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
    /** How long to wait for another record's lock (default 30 s). */
    readonly lockWaitMs?: number;
}

/** Checks and (unless a dry run) appends one entry; throws RecordRefused, InputFileError. `written` is false for a dry run or an entry already there. */
export function record(options: RecordOptions): { entry: LedgerEntry; written: boolean } {
    const at = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const by = options.by ?? defaultBy();
    const smoke = options.event === "verified" ? smokeVerdict(options.smoke as string) : undefined;
    const running = smoke ? readServiceImages(options.images as string)[smoke.service] : undefined;
    let planned: LedgerEntry | undefined;
    const add = (ledger: ReleaseLedger): LedgerEntry | undefined => {
        if (options.event === "published") {
            const { service, digest, sha } = options as Required<Pick<RecordOptions, "service" | "digest" | "sha">>;
            const known = buildShaOf(ledger, service, digest);
            if (known !== undefined && known !== sha) throw new RecordRefused(`${service}@${digest.slice(0, 19)}… was published from ${known}, not ${sha}`);
            planned = { event: "published", service, digest, sha, at, by };
            return known === undefined ? planned : undefined;
        }
        const stack = options.stack as string;
        const built = smoke as { sha: string; service: string; digest: string };
        const pinning = running === undefined ? undefined : imagePinning(running);
        if (pinning?.kind !== "pinned" || pinning.digest !== built.digest) {
            throw new RecordRefused(`${stack}'s state runs ${pinning?.kind === "pinned" ? `${built.service}@${pinning.digest.slice(0, 19)}…` : `no pinned ${built.service}`}, not the smoke-tested ${built.digest.slice(0, 19)}…: only what deployed is recorded`);
        }
        const published = buildShaOf(ledger, built.service, built.digest);
        if (published === undefined) throw new RecordRefused(`${built.service}@${built.digest.slice(0, 19)}… was never published by the flow: record published first`);
        if (published !== built.sha) throw new RecordRefused(`the smoke test expected ${built.sha}, but ${built.service}@${built.digest.slice(0, 19)}… was published from ${published}`);
        planned = { event: "verified", service: built.service, digest: built.digest, sha: built.sha, stack, at, by };
        return planned;
    };
    if (options.dryRun) {
        add(readProjectLedger(options.projectDir));
        return { entry: planned as LedgerEntry, written: false };
    }
    const written = appendUnderLock(ledgerFileOf(options.projectDir), add, options.projectDir, options.lockWaitMs);
    return { entry: planned as LedgerEntry, written: written !== undefined };
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
    }, 1);
    if (values.by !== undefined && !isAcceptableBy(values.by)) throw new UsageError(`--by takes printable text up to 200 characters, never a credential (the ledger is committed); got ${describeFound(values.by)}`);
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
        const { entry, written } = record(options);
        const where = entry.stack ? ` in ${entry.stack}` : "";
        const verb = options.dryRun ? "would record" : written ? "recorded" : "already recorded";
        process.stdout.write(`${printable(`${verb} ${entry.event}${where}: ${entry.service}@${entry.digest} from ${entry.sha}`, true)}\n`);
        return EXIT_CODES.clean;
    });
}
