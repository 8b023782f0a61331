import * as path from "path";
import { MIGRATION_CONTRACTS } from "../config/schema";
import { InputFileError } from "../engine/input-error";
import { readInputText } from "../engine/input-files";
import { parseYamlText } from "../engine/yaml-text";
import { LedgerError, MAX_LEDGER_BYTES, parseLedger, RELEASE_LEDGER_PATH, ReleaseLedger } from "../policies/lib/release-ledger";
import { isRecord } from "../policies/lib/values";
import { emitRendered, formatChoice, parseOptions, runCommand, UsageError } from "./checks";
import { MIGRATION_LIMITS, migrationId, parseMigrationFile, sqlText } from "./migrations/declarations";
import { CHANGE_TYPES, ChangeType, CommitNote, parseCommitMessage, parseLogRecord, shownText } from "./release-notes/commits";
import { fileAt, gitOutput, gitStream, openRepository, Repository, requireSuccess, resolveRef, ResolvedRef } from "./release-notes/git";
import { renderJson, renderMarkdown } from "./release-notes/render";
import { EXIT_CODES } from "./report";

export const RELEASE_NOTES_LIMITS = {
    /** Commits read from the range (merges included); a larger range is cut to its newest, with a note. */
    commits: 5_000,
    /** One commit's message as read; the rest is dropped, with a note. */
    messageBytes: 64 * 1024,
    /** Paths of the diff read. */
    paths: 200_000,
    /** Stack files read at --to. */
    stackFiles: 100,
} as const;

export const RELEASE_NOTES_HELP = `Usage: node tools/bin.js release-notes --from <ref> [--to <ref>] [options]

Release notes from the conventional commits between two git refs of the repository (git log <from>..<to>):

  changes            by type, in this order: ${CHANGE_TYPES.join(", ")} (a subject that is no conventional
                     commit, or of another type, is under "other"), each with its short hash; merge commits are
                     counted, not listed; breaking changes first ("!" after the type, or a "BREAKING CHANGE:" or
                     "BREAKING-CHANGE:" footer)
  services touched   the services (platform:services of the stack files at --to) whose folder services/<name>/
                     changed between the two (git diff from the refs' merge base); a folder no stack names is
                     listed as such
  migrations         the files added under services/<name>/db/migrations, with the contract, downgrade or
                     no_downgrade and summary their header declares (the parser of migrations-check)
  known risks        breaking commits, the first "risk: <text>" line of a commit's body, destructive
                     migrations, and migration files changed or deleted in the range
  digests promoted   the published entries of the release ledger whose commit is in the range, with the
                     stacks that verified them

Refs are branch or tag names, hashes or expressions such as HEAD~20 (at most 256 characters; no "..", no
leading "-"); each must name a commit (git rev-parse --verify). Commit text is untrusted: every line is cut
at ${RELEASE_NOTES_LIMITS.messageBytes / 1024} KiB per message, shown up to 200 characters on one line, and scrubbed of credentials like every
output. A range of more than ${RELEASE_NOTES_LIMITS.commits.toLocaleString("en-US")} commits is cut to its newest ${RELEASE_NOTES_LIMITS.commits.toLocaleString("en-US")}, and the notes say so.

Options:
  --from <ref>                 where the release starts (not included), e.g. the previous release's tag
  --to <ref>                   where it ends (default HEAD)
  --ledger <file>              the release ledger to read (default: ${RELEASE_LEDGER_PATH} as committed at --to;
                               none there: no digests)
  --project-dir <dir>          a folder of the repository holding services/ (default: the repository root)
  --format <format>            stdout: markdown or json (default markdown)
  --output <format>=<file>     also write the notes as markdown or json; repeatable
  -h, --help                   this text

Exit codes: 0 the notes were written; 2 bad usage, a ref that names no commit, a folder that is not in a git
repository, or a ledger that cannot be read (one line, never a stack trace).

Example (the release workflow, for the pull request and the GitHub release):
  node tools/bin.js release-notes --from "$PREVIOUS_TAG" --to "$GITHUB_SHA" --output markdown=reports/notes.md`;

const FORMATS = ["markdown", "json"] as const;
type NotesFormat = (typeof FORMATS)[number];
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `services/<service>/<rest>` in the project folder. */
const SERVICE_PATH = /^services\/([a-z0-9][a-z0-9-]{0,62})\//;
/** `services/<service>/db/migrations/<version>_<name>.sql`, the names migrations-check reads. */
const MIGRATION_PATH = /^services\/([a-z0-9][a-z0-9-]{0,62})\/db\/migrations\/(\d{1,20})_([a-z0-9][a-z0-9_]{0,99})\.sql$/;
const STACK_FILE = /^Pulumi\.[A-Za-z0-9_.-]{1,100}\.yaml$/;

/** A file's bytes from git as text: UTF-8 (a byte order mark dropped), or one line saying it is not. */
function utf8Text(file: string, bytes: Buffer): string {
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start));
    } catch {
        throw new InputFileError(file, "is not UTF-8 text");
    }
}

export interface ServiceTouched {
    readonly name: string;
    /** Files added, changed or deleted under services/<name>/. */
    readonly files: number;
    /** Some stack file at --to names it in platform:services. */
    readonly configured: boolean;
}

export interface MigrationAdded {
    readonly service: string;
    readonly id: string;
    readonly file: string;
    /** As declared (safe_online, requires_maintenance_window, destructive), or what is wrong with it. */
    readonly contract: string;
    readonly downgrade: boolean;
    readonly noDowngrade?: string;
    readonly summary?: string;
    /** Why the file could not be read as a migration (migrations-check refuses it too). */
    readonly problem?: string;
}

export interface Risk {
    readonly kind: "breaking" | "risk" | "migration";
    readonly sha?: string;
    readonly short?: string;
    readonly text: string;
}

export interface PromotedDigest {
    readonly service: string;
    readonly digest: string;
    readonly sha: string;
    readonly at: string;
    /** Stacks whose `verified` entry names the digest, in ledger order. */
    readonly verifiedIn: readonly string[];
}

export interface ReleaseNotes {
    readonly command: "release-notes";
    readonly range: { readonly from: ResolvedRef; readonly to: ResolvedRef; readonly mergeBase: string };
    readonly commits: {
        /** Commits in the range (git rev-list --count from..to), merges included. */
        readonly total: number;
        /** Commits read (at most RELEASE_NOTES_LIMITS.commits). */
        readonly read: number;
        readonly merges: number;
        readonly truncated: boolean;
    };
    readonly changes: readonly { readonly type: ChangeType; readonly commits: readonly CommitNote[] }[];
    readonly services: { readonly touched: readonly ServiceTouched[]; readonly untouched: readonly { readonly name: string; readonly prebuilt: boolean }[] };
    readonly migrations: readonly MigrationAdded[];
    readonly risks: readonly Risk[];
    readonly digests: { readonly source: string; readonly promoted: readonly PromotedDigest[] };
    /** What the reader should know: a range cut, messages cut, a stack file not read. */
    readonly notes: readonly string[];
}

interface ReadCommits {
    readonly total: number;
    readonly commits: readonly CommitNote[];
    /** Every commit read, merges included: the range for the ledger. */
    readonly shas: readonly string[];
    readonly merges: number;
    readonly cutMessages: number;
}

async function countCommits(repository: Repository, range: string): Promise<number> {
    const answer = await gitOutput(repository.projectDir, ["rev-list", "--count", range]);
    requireSuccess(repository.projectDir, "git rev-list --count", answer);
    const count = Number(answer.stdout.toString("utf8").trim());
    if (!Number.isSafeInteger(count) || count < 0) throw new InputFileError(repository.projectDir, "git rev-list --count gave no count");
    return count;
}

/**
 * The range's commits, newest first, at most RELEASE_NOTES_LIMITS.commits. The order comes from
 * `git rev-list`; the messages from `git log -z` with the same range and limit. A log record must start with
 * the next hash of that order: a message cannot forge a commit (a NUL byte inside one, which git refuses to
 * write but a crafted object may hold, only makes the rest of that message a fragment, which is dropped).
 */
async function readCommits(repository: Repository, from: string, to: string): Promise<ReadCommits> {
    const range = `${from}..${to}`;
    const limit = `--max-count=${RELEASE_NOTES_LIMITS.commits}`;
    const total = await countCommits(repository, range);
    const order: string[] = [];
    const listed = await gitStream(repository.projectDir, ["rev-list", limit, range], { separator: 0x0a, maxRecordBytes: 128 }, (record) => {
        const sha = record.toString("utf8").trim();
        if (sha !== "") order.push(sha);
    });
    requireSuccess(repository.projectDir, "git rev-list", listed);
    const commits: CommitNote[] = [];
    let merges = 0;
    let cutMessages = 0;
    let next = 0;
    const args = ["log", limit, "-z", "--no-color", "--no-show-signature", "--no-notes", "--encoding=UTF-8", "--format=%H %h %P%n%B", range];
    const logged = await gitStream(repository.projectDir, args, { separator: 0x00, maxRecordBytes: RELEASE_NOTES_LIMITS.messageBytes }, (record, cut) => {
        const parsed = parseLogRecord(record.toString("utf8"));
        if (parsed === undefined || parsed.sha !== order[next]) return; // a fragment of the previous message
        next += 1;
        if (cut) cutMessages += 1;
        if (parsed.parents > 1) {
            merges += 1;
            return;
        }
        commits.push(parseCommitMessage(parsed.sha, parsed.short, parsed.message));
    });
    requireSuccess(repository.projectDir, "git log", logged);
    if (next !== order.length) throw new InputFileError(repository.projectDir, `git log gave ${next} of the ${order.length} commits git rev-list listed`);
    return { total, commits, shas: order, merges, cutMessages };
}

async function mergeBaseOf(repository: Repository, from: ResolvedRef, to: ResolvedRef): Promise<string> {
    const answer = await gitOutput(repository.projectDir, ["merge-base", from.sha, to.sha]);
    if (answer.timedOut) requireSuccess(repository.projectDir, "git merge-base", answer);
    const sha = answer.stdout.toString("utf8").trim();
    if (answer.code !== 0 || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) throw new UsageError("--from and --to share no history (git merge-base finds no common commit)");
    return sha;
}

interface ChangedPaths {
    /** services/<name>/ -> files changed. */
    readonly services: ReadonlyMap<string, number>;
    /** Migration files added, by path. */
    readonly added: readonly string[];
    /** Migration files changed or deleted: applied migrations must not change. */
    readonly altered: readonly { readonly path: string; readonly status: "changed" | "deleted" }[];
    readonly cut: boolean;
}

/** `git diff --name-status -z` from the merge base to --to, under services/ of the project folder. */
async function changedPaths(repository: Repository, base: string, to: string): Promise<ChangedPaths> {
    const services = new Map<string, number>();
    const added: string[] = [];
    const altered: { path: string; status: "changed" | "deleted" }[] = [];
    let status: string | undefined;
    let paths = 0;
    let cut = false;
    const args = ["diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "--relative", base, to, "--", "services/"];
    const run = await gitStream(repository.projectDir, args, { separator: 0x00, maxRecordBytes: 4096 }, (record) => {
        const text = record.toString("utf8");
        if (status === undefined) {
            status = text;
            return true;
        }
        const kind = status;
        status = undefined;
        paths += 1;
        if (paths > RELEASE_NOTES_LIMITS.paths) {
            cut = true;
            return false;
        }
        const service = SERVICE_PATH.exec(text);
        if (service) services.set(service[1], (services.get(service[1]) ?? 0) + 1);
        if (!MIGRATION_PATH.test(text)) return true;
        if (kind === "A") added.push(text);
        else if (kind === "D") altered.push({ path: text, status: "deleted" });
        else altered.push({ path: text, status: "changed" });
        return true;
    });
    if (!run.stopped) requireSuccess(repository.projectDir, "git diff", run);
    return { services, added, altered, cut };
}

/** The services the stack files at --to name (platform:services), and whether each runs a prebuilt image (image, no build). */
async function configuredServices(repository: Repository, to: ResolvedRef, notes: string[]): Promise<Map<string, { prebuilt: boolean }>> {
    const services = new Map<string, { prebuilt: boolean }>();
    const yamlAt = async (file: string): Promise<unknown> => {
        const found = await fileAt(repository, to.sha, file, 4 * 1024 * 1024);
        if (found === undefined) return undefined;
        try {
            if (found.tooLarge) throw new InputFileError(file, "is larger than 4 MiB");
            return parseYamlText(utf8Text(file, found.bytes), file).value;
        } catch (error) {
            if (!(error instanceof InputFileError)) throw error;
            notes.push(`${error.message} (at ${to.ref}): its services are not known`);
            return undefined;
        }
    };
    const project = await yamlAt("Pulumi.yaml");
    const projectName = isRecord(project) && typeof project.name === "string" ? project.name : undefined;
    if (projectName === undefined) {
        notes.push(`no Pulumi.yaml with a project name at ${to.ref}: no configured services are known`);
        return services;
    }
    const tree = `${to.sha}:${repository.prefix}`;
    const names: string[] = [];
    const listed = await gitStream(repository.projectDir, ["ls-tree", "-z", "--name-only", tree], { separator: 0x00, maxRecordBytes: 512 }, (record) => {
        const name = record.toString("utf8");
        if (STACK_FILE.test(name)) names.push(name);
        return names.length <= RELEASE_NOTES_LIMITS.stackFiles;
    });
    if (!listed.stopped) requireSuccess(repository.projectDir, "git ls-tree", listed);
    if (names.length > RELEASE_NOTES_LIMITS.stackFiles) notes.push(`more than ${RELEASE_NOTES_LIMITS.stackFiles} stack files at ${to.ref}: the first ${RELEASE_NOTES_LIMITS.stackFiles} were read`);
    for (const name of names.slice(0, RELEASE_NOTES_LIMITS.stackFiles).sort()) {
        const stack = await yamlAt(name);
        const config = isRecord(stack) ? stack.config : undefined;
        if (!isRecord(config)) continue;
        const list = config[`${projectName}:services`] ?? config.services;
        if (!Array.isArray(list)) continue;
        for (const service of list.slice(0, 500)) {
            if (!isRecord(service) || typeof service.name !== "string" || !SERVICE_NAME.test(service.name)) continue;
            const prebuilt = service.build === undefined && service.image !== undefined;
            const known = services.get(service.name);
            // Prebuilt only when no stack builds it.
            services.set(service.name, { prebuilt: (known?.prebuilt ?? true) && prebuilt });
        }
    }
    return services;
}

function isContract(value: string | undefined): boolean {
    return value !== undefined && (MIGRATION_CONTRACTS as readonly string[]).includes(value);
}

/** Each migration file added, read at --to with migrations-check's parser; a file it refuses says why. */
async function addedMigrations(repository: Repository, to: ResolvedRef, files: readonly string[], notes: string[]): Promise<MigrationAdded[]> {
    const migrations: MigrationAdded[] = [];
    let total = 0;
    const considered = files.slice(0, MIGRATION_LIMITS.entries);
    if (files.length > considered.length) notes.push(`${files.length} migration files were added: the first ${considered.length} are listed`);
    for (const file of considered) {
        const match = MIGRATION_PATH.exec(file);
        if (!match) continue;
        const [, service, version, name] = match;
        const base = { service, id: migrationId({ version, name }), file, downgrade: false };
        if (total > MIGRATION_LIMITS.totalBytes) {
            migrations.push({ ...base, contract: "not read", problem: `the migrations added are larger than ${MIGRATION_LIMITS.totalBytes / 2 ** 20} MiB together` });
            continue;
        }
        const found = await fileAt(repository, to.sha, file, MIGRATION_LIMITS.fileBytes);
        if (found === undefined) continue; // added, then removed again before --to: the diff from the merge base does not list it
        if (found.tooLarge) {
            migrations.push({ ...base, contract: "not read", problem: `larger than ${MIGRATION_LIMITS.fileBytes / 1024} KiB` });
            continue;
        }
        total += found.bytes.length;
        try {
            const parsed = parseMigrationFile(file, version, name, sqlText(file, found.bytes));
            const contract = parsed.contract === undefined ? "none declared" : isContract(parsed.contract) ? parsed.contract : `unknown (${shownText(parsed.contract, 40)})`;
            migrations.push({
                ...base,
                contract,
                downgrade: parsed.down !== undefined,
                ...(parsed.noDowngrade === undefined ? {} : { noDowngrade: shownText(parsed.noDowngrade) }),
                ...(parsed.summary === undefined ? {} : { summary: shownText(parsed.summary) }),
            });
        } catch (error) {
            if (!(error instanceof InputFileError)) throw error;
            const problem = error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message;
            migrations.push({ ...base, contract: "not read", problem: shownText(problem) });
        }
    }
    return migrations;
}

async function readNotesLedger(repository: Repository, to: ResolvedRef, file: string | undefined): Promise<{ source: string; ledger?: ReleaseLedger }> {
    if (file !== undefined) {
        // readInputText: a regular file only, bounded, and remembered as an input (no --output overwrites it).
        const text = readInputText(file, { maxBytes: MAX_LEDGER_BYTES });
        try {
            return { source: file, ledger: parseLedger(text) };
        } catch (error) {
            if (error instanceof LedgerError) throw new InputFileError(file, error.message);
            throw error;
        }
    }
    const source = `${RELEASE_LEDGER_PATH} at ${to.ref}`;
    const found = await fileAt(repository, to.sha, RELEASE_LEDGER_PATH, MAX_LEDGER_BYTES);
    if (found === undefined) return { source: `${source} (none there)` };
    if (found.tooLarge) throw new InputFileError(source, `larger than ${MAX_LEDGER_BYTES / 2 ** 20} MiB`);
    try {
        return { source, ledger: parseLedger(utf8Text(source, found.bytes)) };
    } catch (error) {
        if (error instanceof LedgerError) throw new InputFileError(source, error.message);
        throw error;
    }
}

/** Published entries built from a commit of the range (a ledger's sha may be abbreviated: 7 to 64 hex). */
function promotedDigests(ledger: ReleaseLedger | undefined, shas: readonly string[]): PromotedDigest[] {
    if (ledger === undefined) return [];
    const byPrefix = new Map<string, string[]>();
    for (const sha of shas) byPrefix.set(sha.slice(0, 7), [...(byPrefix.get(sha.slice(0, 7)) ?? []), sha]);
    const inRange = (sha: string): string | undefined => byPrefix.get(sha.slice(0, 7))?.find((full) => full.startsWith(sha));
    const promoted: PromotedDigest[] = [];
    for (const entry of ledger.entries) {
        if (entry.event !== "published" || entry.sha === undefined) continue;
        const sha = inRange(entry.sha);
        if (sha === undefined || promoted.some((known) => known.service === entry.service && known.digest === entry.digest)) continue;
        const verifiedIn = [...new Set(ledger.entries.filter((other) => other.event === "verified" && other.service === entry.service && other.digest === entry.digest && other.stack !== undefined).map((other) => other.stack as string))];
        promoted.push({ service: entry.service, digest: entry.digest, sha, at: entry.at, verifiedIn });
    }
    return promoted;
}

function risksOf(commits: readonly CommitNote[], migrations: readonly MigrationAdded[], altered: ChangedPaths["altered"]): Risk[] {
    const risks: Risk[] = [];
    for (const commit of commits) {
        if (commit.breaking) risks.push({ kind: "breaking", sha: commit.sha, short: commit.short, text: commit.breakingNote ?? commit.subject });
        if (commit.risk !== undefined) risks.push({ kind: "risk", sha: commit.sha, short: commit.short, text: commit.risk });
    }
    for (const migration of migrations) {
        if (migration.contract === "destructive") risks.push({ kind: "migration", text: `${migration.file} is destructive${migration.noDowngrade !== undefined ? " and has no downgrade" : ""}: staging and prod deploy it only with a fresh snapshot (predeploy --snapshot)` });
        else if (migration.contract === "requires_maintenance_window") risks.push({ kind: "migration", text: `${migration.file} requires a maintenance window (prod: platform:release.maintenanceWindow)` });
        else if (migration.problem !== undefined || !isContract(migration.contract)) risks.push({ kind: "migration", text: `${migration.file} declares no known contract: migrations-check refuses it` });
    }
    for (const file of altered) risks.push({ kind: "migration", text: `${file.path} was ${file.status} in the range: a migration a database has applied must not change` });
    return risks;
}

export interface ReleaseNotesOptions {
    readonly projectDir: string;
    readonly from: string;
    readonly to: string;
    readonly ledger?: string;
}

export async function releaseNotes(options: ReleaseNotesOptions): Promise<ReleaseNotes> {
    const repository = await openRepository(options.projectDir);
    const from = await resolveRef(repository, "--from", options.from);
    const to = await resolveRef(repository, "--to", options.to);
    const notes: string[] = [];
    const mergeBase = await mergeBaseOf(repository, from, to);
    const read = await readCommits(repository, from.sha, to.sha);
    if (read.total > read.shas.length) notes.push(`the range holds ${read.total.toLocaleString("en-US")} commits: these notes cover its newest ${read.shas.length.toLocaleString("en-US")}`);
    if (read.cutMessages > 0) notes.push(`${read.cutMessages} commit message${read.cutMessages === 1 ? " is" : "s are"} longer than ${RELEASE_NOTES_LIMITS.messageBytes / 1024} KiB: only ${read.cutMessages === 1 ? "its" : "their"} first ${RELEASE_NOTES_LIMITS.messageBytes / 1024} KiB ${read.cutMessages === 1 ? "was" : "were"} read`);
    if (mergeBase !== from.sha) notes.push(`--from is not an ancestor of --to: files are compared from their merge base ${mergeBase.slice(0, 12)}`);
    const changed = await changedPaths(repository, mergeBase, to.sha);
    if (changed.cut) notes.push(`more than ${RELEASE_NOTES_LIMITS.paths.toLocaleString("en-US")} paths changed under services/: the first were read`);
    const configured = await configuredServices(repository, to, notes);
    const migrations = await addedMigrations(repository, to, changed.added, notes);
    const { source, ledger } = await readNotesLedger(repository, to, options.ledger);
    const changes = CHANGE_TYPES.map((type) => ({ type, commits: read.commits.filter((commit) => commit.type === type) })).filter((group) => group.commits.length > 0);
    const touched = [...changed.services.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, files]) => ({ name, files, configured: configured.has(name) }));
    const untouched = [...configured.entries()].filter(([name]) => !changed.services.has(name)).sort(([a], [b]) => a.localeCompare(b)).map(([name, { prebuilt }]) => ({ name, prebuilt }));
    return {
        command: "release-notes",
        range: { from, to, mergeBase },
        commits: { total: read.total, read: read.shas.length, merges: read.merges, truncated: read.total > read.shas.length },
        changes,
        services: { touched, untouched },
        migrations,
        risks: risksOf(read.commits, migrations, changed.altered),
        digests: { source, promoted: promotedDigests(ledger, read.shas) },
        notes,
    };
}

const RENDERERS: Readonly<Record<NotesFormat, (notes: ReleaseNotes) => string>> = { markdown: renderMarkdown, json: renderJson };

export function releaseNotesCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, RELEASE_NOTES_HELP, async (args) => {
        const values = parseOptions(args, {
            from: { type: "string" },
            to: { type: "string", default: "HEAD" },
            ledger: { type: "string" },
            "project-dir": { type: "string", default: path.join(__dirname, "..") },
            format: { type: "string" },
            output: { type: "string", multiple: true, default: [] },
        });
        if (values.from === undefined) throw new UsageError("release-notes needs --from <ref>");
        const choice = formatChoice(values.format, values.output, FORMATS, "markdown");
        const notes = await releaseNotes({ projectDir: values["project-dir"], from: values.from, to: values.to, ledger: values.ledger });
        emitRendered(notes, choice, RENDERERS);
        return EXIT_CODES.clean;
    });
}
