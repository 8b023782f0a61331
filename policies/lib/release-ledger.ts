import * as fs from "fs";
import * as path from "path";
import { describeFound } from "./found-value";
import { isSha256Digest } from "./image-reference";
import { detectSecretFormats } from "./secret-detection";
import { ParityCloud } from "./parity";
import { Tier } from "./tiers";
import { isRecord } from "./values";

/**
 * The release ledger: what the release flow built and what each stack proved, as one committed file
 * (releases/ledger.json) that only the flow's `record` step writes. It is the proof behind the release
 * rule "prod runs only what staging proved": a stack file says which digest a stack should run, the ledger
 * says whether that digest earned it. Editing one stack file cannot forge it; the ledger is a second file,
 * owned by the release flow (CODEOWNERS), and every `verified` entry must match a `published` one.
 */
export const RELEASE_LEDGER_FILE = path.join(__dirname, "..", "..", "releases", "ledger.json");
/** Where the ledger lives in a project folder (the tools take --project-dir). */
export const RELEASE_LEDGER_PATH = path.join("releases", "ledger.json");
export const MAX_LEDGER_BYTES = 4 * 1024 * 1024;

/**
 * - `published`: the flow built `sha` and pushed it; `digest` is what the registry answered.
 * - `verified`: `pulumi up` of `stack` ran the digest and the smoke test against it passed.
 * - `adopted`: the stack ran the digest when the ledger was started (no earlier proof exists).
 */
export const LEDGER_EVENTS = ["published", "verified", "adopted"] as const;
export type LedgerEvent = (typeof LEDGER_EVENTS)[number];

export interface LedgerEntry {
    readonly event: LedgerEvent;
    readonly service: string;
    readonly digest: string;
    /** The commit the image was built from (published, verified). */
    readonly sha?: string;
    /** The stack that ran it (verified, adopted). */
    readonly stack?: string;
    /** ISO 8601 time of the event. */
    readonly at: string;
    /** Who or what recorded it: a workflow run, a person. */
    readonly by?: string;
    readonly note?: string;
}

export interface ReleaseLedger {
    readonly version: 1;
    /** The Pulumi project whose stacks the ledger speaks for. */
    readonly project: string;
    readonly entries: readonly LedgerEntry[];
}

/** A ledger that cannot be read or does not hold together: one line, never the file's text. */
export class LedgerError extends Error {}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STACK = /^[A-Za-z0-9_.-]{1,100}$/;
const SHA = /^[0-9a-f]{7,64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const MAX_TEXT = 200;
/** Free text (by, note): printable ASCII only, so that no field can carry control characters into a report. */
const FREE_TEXT = /^[\x20-\x7e]{1,200}$/;
const MAX_ENTRIES = 20_000;

function entryOf(value: unknown, index: number): LedgerEntry {
    const where = `entries[${index}]`;
    if (!isRecord(value)) throw new LedgerError(`${where}: expected an object; found ${describeFound(value)}`);
    const text = (key: string, pattern: RegExp | undefined, required: boolean): string | undefined => {
        const field = value[key];
        if (field === undefined && !required) return undefined;
        if (typeof field !== "string" || field.length > MAX_TEXT || (pattern && !pattern.test(field))) throw new LedgerError(`${where}.${key}: expected ${pattern ? "a valid value" : "a string"}; found ${describeFound(field)}`);
        return field;
    };
    const event = value.event;
    if (!LEDGER_EVENTS.some((known) => known === event)) throw new LedgerError(`${where}.event: expected one of ${LEDGER_EVENTS.join(", ")}; found ${describeFound(event)}`);
    const digest = text("digest", undefined, true) as string;
    if (!isSha256Digest(digest)) throw new LedgerError(`${where}.digest: expected sha256:<64 hex>; found ${describeFound(digest)}`);
    const entry: LedgerEntry = {
        event: event as LedgerEvent,
        service: text("service", NAME, true) as string,
        digest,
        sha: text("sha", SHA, event !== "adopted"),
        stack: text("stack", STACK, event !== "published"),
        at: text("at", ISO_TIME, true) as string,
        by: text("by", FREE_TEXT, false),
        note: text("note", FREE_TEXT, false),
    };
    for (const key of ["by", "note"] as const) {
        // A committed file must not become a place for a credential, whoever wrote it.
        if (entry[key] !== undefined && detectSecretFormats(entry[key] as string).length > 0) throw new LedgerError(`${where}.${key}: holds what looks like a credential; a ledger is committed`);
    }
    return entry;
}

/** Parses and checks a ledger: every `verified` entry names a build the flow published, with the same commit. */
export function parseLedger(text: string): ReleaseLedger {
    if (Buffer.byteLength(text) > MAX_LEDGER_BYTES) throw new LedgerError(`larger than ${MAX_LEDGER_BYTES / 2 ** 20} MiB`);
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        throw new LedgerError("not valid JSON");
    }
    if (!isRecord(value) || value.version !== 1) throw new LedgerError(`expected {"version": 1, "project": ..., "entries": [...]}; found ${describeFound(isRecord(value) ? value.version : value)} as the version`);
    if (typeof value.project !== "string" || !NAME.test(value.project)) throw new LedgerError(`project: expected a Pulumi project name; found ${describeFound(value.project)}`);
    if (!Array.isArray(value.entries) || value.entries.length > MAX_ENTRIES) throw new LedgerError(`entries: expected a list of at most ${MAX_ENTRIES}`);
    const entries = value.entries.map(entryOf);
    const published = new Map<string, string | undefined>();
    entries.forEach((entry, index) => {
        if (entry.event !== "published") return;
        const key = `${entry.service}@${entry.digest}`;
        const earlier = published.get(key);
        if (earlier !== undefined && earlier !== entry.sha) throw new LedgerError(`entries[${index}]: ${entry.service}@${entry.digest.slice(0, 19)}… published again from ${entry.sha}, but it was published from ${earlier}: one digest, one commit`);
        published.set(key, entry.sha);
    });
    entries.forEach((entry, index) => {
        if (entry.event !== "verified") return;
        const sha = published.get(`${entry.service}@${entry.digest}`);
        if (sha === undefined) throw new LedgerError(`entries[${index}]: ${entry.stack} verified ${entry.service}@${entry.digest.slice(0, 19)}…, which no published entry names`);
        if (sha !== entry.sha) throw new LedgerError(`entries[${index}]: ${entry.stack} verified ${entry.service}@${entry.digest.slice(0, 19)}… as commit ${entry.sha}, but it was published from ${sha}`);
    });
    return { version: 1, project: value.project, entries };
}

/**
 * The ledger's bytes, bounded: a regular file only (a FIFO or a device would block or never end), opened
 * without blocking, read up to the limit and never further.
 */
function readBoundedFile(file: string): string {
    let descriptor: number | undefined;
    try {
        descriptor = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        if (!fs.fstatSync(descriptor).isFile()) throw new LedgerError(`the release ledger ${RELEASE_LEDGER_PATH} is not a regular file`);
        const buffer = Buffer.alloc(MAX_LEDGER_BYTES + 1);
        let total = 0;
        for (;;) {
            const read = fs.readSync(descriptor, buffer, total, buffer.length - total, null);
            if (read === 0) break;
            total += read;
            if (total > MAX_LEDGER_BYTES) throw new LedgerError(`the release ledger ${RELEASE_LEDGER_PATH} is larger than ${MAX_LEDGER_BYTES / 2 ** 20} MiB`);
        }
        const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
        return buffer.toString("utf8", start, total);
    } catch (error) {
        if (error instanceof LedgerError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new LedgerError(code === "ENOENT" ? `the release ledger ${RELEASE_LEDGER_PATH} is missing` : `the release ledger cannot be read (${code ?? "error"})`);
    } finally {
        if (descriptor !== undefined) fs.closeSync(descriptor);
    }
}

export function readLedger(file = RELEASE_LEDGER_FILE): ReleaseLedger {
    return parseLedger(readBoundedFile(file));
}

export function formatLedger(ledger: ReleaseLedger): string {
    return `${JSON.stringify({ version: ledger.version, project: ledger.project, entries: ledger.entries }, null, 2)}\n`;
}

/** The stacks a release passes through, per cloud: built into dev, proved in staging, run in prod. */
export const RELEASE_CHAINS: Readonly<Record<ParityCloud, { readonly dev: string; readonly staging: string; readonly prod: string }>> = {
    aws: { dev: "dev", staging: "staging", prod: "prod" },
    gcp: { dev: "gcp-dev", staging: "gcp-staging", prod: "gcp-prod" },
};

/** Whether `stack` has run the digest: verified there by the flow, or adopted when the ledger began. */
export function hasRun(ledger: ReleaseLedger, stack: string, service: string, digest: string): boolean {
    return ledger.entries.some((entry) => entry.stack === stack && entry.service === service && entry.digest === digest && (entry.event === "verified" || entry.event === "adopted"));
}

/** The commit a digest was built from, as its `published` entry says. */
export function buildShaOf(ledger: ReleaseLedger, service: string, digest: string): string | undefined {
    return ledger.entries.find((entry) => entry.event === "published" && entry.service === service && entry.digest === digest)?.sha;
}

export interface ReleaseSubject {
    readonly stack: string;
    readonly tier: Tier;
    readonly cloud: ParityCloud;
    readonly service: string;
    readonly digest: string;
}

const short = (digest: string): string => `${digest.slice(0, 19)}…`;

/**
 * Why a stack may not run a digest, or undefined when it may. The release rule, in one place for the pack,
 * `plan`, `predeploy` and `promote`:
 * - dev (and local) run any build: that is where builds are tried;
 * - staging runs a candidate dev verified, or a digest prod has run (staging mirrors prod), or one it ran before;
 * - prod runs only a digest staging verified ("prod runs only what staging proved"), or one prod ran before (rollback).
 */
export function releaseRefusal(ledger: ReleaseLedger, subject: ReleaseSubject): string | undefined {
    const { stack, tier, cloud, service, digest } = subject;
    const chain = RELEASE_CHAINS[cloud];
    const ran = (where: string): boolean => hasRun(ledger, where, service, digest);
    if (tier === "local" || tier === "dev") return undefined;
    if (tier === "staging") {
        if (ran(chain.dev) || ran(chain.prod) || ran(stack)) return undefined;
        return `${stack} runs ${service}@${short(digest)}, which ${chain.dev} never verified and ${chain.prod} never ran: promote it from ${chain.dev} once its smoke test passed there (release ledger ${RELEASE_LEDGER_PATH})`;
    }
    if (ran(chain.staging) || ran(stack)) return undefined;
    return `${stack} runs ${service}@${short(digest)}, which ${chain.staging} never verified: prod runs only what staging proved (release ledger ${RELEASE_LEDGER_PATH})`;
}
