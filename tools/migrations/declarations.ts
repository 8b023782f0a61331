import * as fs from "fs";
import * as path from "path";
import { MIGRATION_CONTRACTS } from "../../config/schema";
import { InputFileError } from "../../engine/input-error";
import { readInputFile } from "../../engine/input-files";
import { describeFound } from "../../policies/lib/found-value";

/*
 * A service's migrations: dbmate files (github.com/amacneil/dbmate) under services/<service>/db/migrations,
 * one per migration, named <version>_<name>.sql, each with a header of declarations above its blocks:
 *
 *   -- summary: accounts get a display name beside the full name
 *   -- parent: 20261201090000                      (base for the first one; Alembic's down_revision)
 *   -- contract: safe_online                       (or requires_maintenance_window, destructive)
 *   -- no_downgrade: <why there is no way back>    (only when the down block is empty)
 *
 *   -- migrate:up [transaction:false]
 *   ALTER TABLE accounts ADD COLUMN display_name text;
 *
 *   -- migrate:down [transaction:false]
 *   ALTER TABLE accounts DROP COLUMN display_name;
 *
 * dbmate runs the files as they are (it skips comments before `-- migrate:up`, requires `-- migrate:down`,
 * even empty, and applies in version order); the header is ours. A comment line before `-- migrate:up`
 * that starts with a lower-case word and a colon is a declaration, so a misspelt key is an error, not a
 * comment.
 *
 * Two kinds of problem: a file that is not a migration file at all (too large, binary, a folder, a header
 * that does not parse, an unknown key, a psql command in a block) is an InputFileError, exit 2; a file
 * that parses but declares too little (no parent, no or an unknown contract, neither a downgrade nor a
 * justified no_downgrade) or a history that does not hold together (two heads, an unknown parent) is a
 * declaration problem, exit 1. Every regular expression here is anchored with bounded repetition, and runs
 * on lines of bounded length.
 */

export type MigrationContract = (typeof MIGRATION_CONTRACTS)[number];

/** Where a service's migrations live, relative to the project folder. */
export function migrationsDirOf(service: string): string {
    return path.join("services", service, "db", "migrations");
}

/** The service's model smoke query, relative to the project folder. */
export function smokeFileOf(service: string): string {
    return path.join("services", service, "db", "smoke.sql");
}

export const MIGRATION_LIMITS = {
    /** One migration file. */
    fileBytes: 256 * 1024,
    /** Every migration file of one service together. */
    totalBytes: 32 * 1024 * 1024,
    /** Entries in a migrations folder. */
    entries: 2000,
    /** A declaration or marker line. */
    headerLine: 400,
    /** The shortest justification of a no_downgrade. */
    justification: 20,
} as const;

/** `20261201090000_create_accounts.sql`: dbmate's version (digits), then a name. */
const FILE_NAME = /^(\d{1,20})_([a-z0-9][a-z0-9_]{0,99})\.sql$/;
/** `-- migrate:up transaction:false`: dbmate's block markers. */
const MARKER = /^--[ \t]*migrate:([A-Za-z]{1,20})(.*)$/;
/** `-- parent: base`: a declaration (any comment line that starts with a lower-case word and a colon). */
const DECLARATION = /^--[ \t]*([a-z_][a-z0-9_-]{0,39})[ \t]*:(.*)$/;
const PARENT = /^(base|\d{1,20})$/;
/** A line psql would take as one of its own commands (`\i`, `\!`, `\copy`): dbmate sends SQL to the server. */
const PSQL_COMMAND = /^[ \t]*\\/;
// eslint-disable-next-line no-control-regex -- control characters are what is refused in a declaration
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

export const DECLARATION_KEYS = ["summary", "parent", "contract", "no_downgrade"] as const;
type DeclarationKey = (typeof DECLARATION_KEYS)[number];

/** A block of SQL: what runs, whether in one transaction (dbmate's default), and the line it starts on. */
export interface SqlBlock {
    readonly sql: string;
    readonly transaction: boolean;
    /** 1-based line of the first line after the marker. */
    readonly line: number;
}

/** One migration file as written: its declarations may be missing or wrong (judged by judgeMigrations). */
export interface MigrationFile {
    readonly version: string;
    readonly name: string;
    /** The file, relative to the project folder. */
    readonly file: string;
    readonly summary?: string;
    readonly parent?: string;
    /** As written; judgeMigrations checks it is a known contract. */
    readonly contract?: string;
    readonly noDowngrade?: string;
    readonly up: SqlBlock;
    /** Undefined when the down block holds no SQL. */
    readonly down?: SqlBlock;
}

/** A migration whose declarations hold. */
export interface Migration extends MigrationFile {
    readonly parent: string;
    readonly contract: MigrationContract;
}

/** `<version>_<name>`, as reports name a migration. */
export function migrationId(migration: Pick<MigrationFile, "version" | "name">): string {
    return `${migration.version}_${migration.name}`;
}

function isContract(value: string): value is MigrationContract {
    return (MIGRATION_CONTRACTS as readonly string[]).includes(value);
}

function isDeclarationKey(value: string): value is DeclarationKey {
    return (DECLARATION_KEYS as readonly string[]).includes(value);
}

/** Whether SQL text has anything but blank lines and `--` comments. */
function holdsSql(lines: readonly string[]): boolean {
    return lines.some((line) => {
        const trimmed = line.trim();
        return trimmed !== "" && !trimmed.startsWith("--");
    });
}

/** A file's bytes as text: UTF-8 only, no NUL bytes (a binary file), a UTF-8 byte order mark dropped. */
export function sqlText(file: string, bytes: Buffer): string {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new InputFileError(file, "is UTF-16 encoded; save it as UTF-8");
    if (bytes.includes(0)) throw new InputFileError(file, "contains NUL bytes: a binary file, not SQL");
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start));
    } catch {
        throw new InputFileError(file, "is not UTF-8 text");
    }
}

/** Lines without their line ends (\n or \r\n). */
function linesOf(text: string): string[] {
    return text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

/** Refuses the lines psql would run as its own commands (`firstLine`: the file line of lines[0], for the message). */
export function refusePsqlCommands(file: string, lines: readonly string[], firstLine: number): void {
    lines.forEach((line, index) => {
        if (PSQL_COMMAND.test(line)) throw new InputFileError(file, `line ${firstLine + index}: a psql command (a line starting with a backslash), not SQL: dbmate sends each block to the server as SQL`);
    });
}

function markerOptions(file: string, lineNumber: number, rest: string): boolean {
    let transaction = true;
    for (const option of rest.trim().split(/[ \t]+/).filter((word) => word !== "")) {
        if (option === "transaction:false") transaction = false;
        else if (option !== "transaction:true") throw new InputFileError(file, `line ${lineNumber}: unknown option ${describeFound(option, { keyword: true })} on a migrate marker (dbmate knows transaction:false)`);
    }
    return transaction;
}

/** Parses one migration file's text; a file that is not a migration file throws an InputFileError (exit 2). */
export function parseMigrationFile(file: string, version: string, name: string, text: string): MigrationFile {
    const lines = linesOf(text);
    const declared: Partial<Record<DeclarationKey, string>> = {};
    let up: { line: number; transaction: boolean } | undefined;
    let down: { line: number; transaction: boolean } | undefined;
    lines.forEach((line, index) => {
        const lineNumber = index + 1;
        const trimmed = line.trimStart();
        if (!trimmed.startsWith("--")) {
            if (up === undefined && trimmed.trim() !== "") throw new InputFileError(file, `line ${lineNumber}: SQL before "-- migrate:up" (dbmate runs only what is in the blocks; declarations are "-- <key>: <value>" comments)`);
            return;
        }
        if (trimmed.length > MIGRATION_LIMITS.headerLine) {
            if (up === undefined) throw new InputFileError(file, `line ${lineNumber}: a comment of ${trimmed.length} characters above the blocks (at most ${MIGRATION_LIMITS.headerLine})`);
            return;
        }
        const marker = MARKER.exec(trimmed);
        if (marker) {
            const kind = marker[1];
            if (kind !== "up" && kind !== "down") throw new InputFileError(file, `line ${lineNumber}: unknown marker ${describeFound(`migrate:${kind}`, { keyword: true })} (dbmate knows migrate:up and migrate:down)`);
            const transaction = markerOptions(file, lineNumber, marker[2]);
            if (kind === "up") {
                if (up !== undefined) throw new InputFileError(file, `line ${lineNumber}: a second "-- migrate:up" (line ${up.line} is the first)`);
                up = { line: lineNumber, transaction };
            } else {
                if (up === undefined) throw new InputFileError(file, `line ${lineNumber}: "-- migrate:down" before "-- migrate:up"`);
                if (down !== undefined) throw new InputFileError(file, `line ${lineNumber}: a second "-- migrate:down" (line ${down.line} is the first)`);
                down = { line: lineNumber, transaction };
            }
            return;
        }
        if (up !== undefined) return; // a comment in a block
        const declaration = DECLARATION.exec(trimmed);
        if (!declaration) return; // a comment above the blocks
        const key = declaration[1];
        if (!isDeclarationKey(key)) {
            throw new InputFileError(file, `line ${lineNumber}: unknown key ${describeFound(key, { keyword: true })} (known: ${DECLARATION_KEYS.join(", ")}; a comment line above the blocks that starts with a lower-case word and a colon is a declaration)`);
        }
        if (declared[key] !== undefined) throw new InputFileError(file, `line ${lineNumber}: ${key} is declared twice`);
        const value = declaration[2].trim();
        if (CONTROL.test(value)) throw new InputFileError(file, `line ${lineNumber}: ${key} holds control characters`);
        if (key === "parent" && !PARENT.test(value)) throw new InputFileError(file, `line ${lineNumber}: parent takes "base" or the version of the migration this one follows (digits); found ${describeFound(value, { keyword: true })}`);
        declared[key] = value;
    });
    if (up === undefined) throw new InputFileError(file, 'no "-- migrate:up" line (dbmate requires one, with the SQL that applies the migration below it)');
    if (down === undefined) throw new InputFileError(file, 'no "-- migrate:down" line (dbmate requires one; leave its block empty and declare no_downgrade: <why> when there is no way back)');
    const upLines = lines.slice(up.line, down.line - 1);
    const downLines = lines.slice(down.line);
    refusePsqlCommands(file, upLines, up.line + 1);
    refusePsqlCommands(file, downLines, down.line + 1);
    if (!holdsSql(upLines)) throw new InputFileError(file, `line ${up.line}: the up block holds no SQL`);
    const emptyIsMissing = (value: string | undefined): string | undefined => (value === "" ? undefined : value);
    return {
        version,
        name,
        file,
        summary: emptyIsMissing(declared.summary),
        parent: emptyIsMissing(declared.parent),
        contract: emptyIsMissing(declared.contract),
        // An empty no_downgrade is kept as "" so that the judgement can say the justification is missing.
        noDowngrade: declared.no_downgrade,
        up: { sql: upLines.join("\n"), transaction: up.transaction, line: up.line + 1 },
        down: holdsSql(downLines) ? { sql: downLines.join("\n"), transaction: down.transaction, line: down.line + 1 } : undefined,
    };
}

/** readInputFile, its errors naming the file as given (relative to the project folder). */
export function readRelative(projectDir: string, file: string, maxBytes: number): Buffer {
    const absolute = path.join(projectDir, file);
    try {
        return readInputFile(absolute, { maxBytes });
    } catch (error) {
        if (error instanceof InputFileError && error.message.startsWith(`${absolute}: `)) throw new InputFileError(file, error.message.slice(absolute.length + 2));
        throw error;
    }
}

/**
 * Reads a migrations folder: every entry must be a migration file (or a README.md). A folder that cannot be
 * read, an entry of another name, a folder or device where a file should be, a file over the size limit,
 * binary or not UTF-8, or one that does not parse: an InputFileError (exit 2).
 */
export function readMigrationFiles(projectDir: string, relativeDir: string): MigrationFile[] {
    const dir = path.join(projectDir, relativeDir);
    let stats: fs.Stats;
    try {
        stats = fs.statSync(dir);
    } catch {
        throw new InputFileError(relativeDir, "no such folder");
    }
    if (!stats.isDirectory()) throw new InputFileError(relativeDir, "is not a folder of migration files");
    const names: string[] = [];
    let handle: fs.Dir;
    try {
        handle = fs.opendirSync(dir);
    } catch {
        throw new InputFileError(relativeDir, "cannot be read");
    }
    try {
        for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
            if (names.length >= MIGRATION_LIMITS.entries) throw new InputFileError(relativeDir, `holds more than ${MIGRATION_LIMITS.entries} entries`);
            names.push(entry.name);
        }
    } finally {
        handle.closeSync();
    }
    const files: MigrationFile[] = [];
    let total = 0;
    for (const name of names.sort()) {
        if (name === "README.md") continue;
        const match = FILE_NAME.exec(name);
        if (!match) throw new InputFileError(relativeDir, `${describeFound(name, { keyword: true })} is not a migration file (<version>_<name>.sql, e.g. 20261201090000_create_accounts.sql, or README.md)`);
        const file = path.join(relativeDir, name);
        const bytes = readRelative(projectDir, file, MIGRATION_LIMITS.fileBytes);
        total += bytes.length;
        if (total > MIGRATION_LIMITS.totalBytes) throw new InputFileError(relativeDir, `its migration files are larger than ${MIGRATION_LIMITS.totalBytes / 2 ** 20} MiB together`);
        files.push(parseMigrationFile(file, match[1], match[2], sqlText(file, bytes)));
    }
    return files;
}

/** Versions compare as numbers, as dbmate's timestamps do in order. */
function compareVersions(a: string, b: string): number {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
}

export type Judgement = { readonly ok: true; readonly chain: readonly Migration[] } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The declarations judged: each migration names a parent and a known contract, and has a downgrade or a
 * justified no_downgrade; versions are unique, each parent is a migration of the folder that comes before
 * it, and there is one head (a migration no other names as its parent), so the migrations form one chain
 * from base, in version order. Problems are one line each (exit 1).
 */
export function judgeMigrations(files: readonly MigrationFile[], relativeDir: string): Judgement {
    const problems: string[] = [];
    const sorted = [...files].sort((a, b) => compareVersions(a.version, b.version) || a.name.localeCompare(b.name));
    const byVersion = new Map<string, MigrationFile>();
    for (const migration of sorted) {
        const id = migrationId(migration);
        const twin = byVersion.get(migration.version);
        if (twin) problems.push(`${relativeDir}: ${migrationId(twin)} and ${id} have the same version ${migration.version}`);
        else byVersion.set(migration.version, migration);
        if (migration.parent === undefined) problems.push(`${migration.file}: declares no parent (-- parent: base, or the version of the migration it follows)`);
        if (migration.contract === undefined) problems.push(`${migration.file}: declares no contract (-- contract: ${MIGRATION_CONTRACTS.join(" | ")})`);
        else if (!isContract(migration.contract)) problems.push(`${migration.file}: unknown contract ${describeFound(migration.contract, { keyword: true })} (expected ${MIGRATION_CONTRACTS.join(", ")})`);
        if (migration.down !== undefined && migration.noDowngrade !== undefined) {
            problems.push(`${migration.file}: declares no_downgrade but its down block has SQL: keep one of them`);
        } else if (migration.down === undefined && migration.noDowngrade === undefined) {
            problems.push(`${migration.file}: no downgrade (its -- migrate:down block is empty) and no "-- no_downgrade: <justification>"`);
        } else if (migration.noDowngrade !== undefined && migration.noDowngrade.length < MIGRATION_LIMITS.justification) {
            problems.push(`${migration.file}: no_downgrade without a justification (found ${describeFound(migration.noDowngrade)}; say why there is no way back, at least ${MIGRATION_LIMITS.justification} characters)`);
        }
    }
    const children = new Map<string, MigrationFile[]>();
    for (const migration of sorted) {
        const parent = migration.parent;
        if (parent === undefined) continue;
        if (parent !== "base") {
            if (!byVersion.has(parent)) {
                problems.push(`${migration.file}: its parent ${parent} is no migration in ${relativeDir}`);
                continue;
            }
            if (compareVersions(parent, migration.version) >= 0) {
                problems.push(`${migration.file}: its parent ${parent} does not come before it (dbmate applies migrations in version order)`);
                continue;
            }
        }
        children.set(parent, [...(children.get(parent) ?? []), migration]);
    }
    const parents = new Set(sorted.map((migration) => migration.parent));
    const heads = sorted.filter((migration) => !parents.has(migration.version));
    if (sorted.length > 0 && heads.length > 1) {
        const fork = [...children.entries()].find(([, following]) => following.length > 1);
        const why = fork ? `: ${fork[1].map(migrationId).join(" and ")} both follow ${fork[0]}` : "";
        problems.push(`${relativeDir}: ${heads.length} heads (${heads.map(migrationId).join(", ")})${why}; make the newer one follow the other`);
    }
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, chain: sorted as Migration[] };
}

/** The migrations of the chain after `applied` (every one when it is undefined); undefined when `applied` is not in the chain. */
export function migrationsAfter(chain: readonly Migration[], applied: string | undefined): readonly Migration[] | undefined {
    if (applied === undefined || applied === "base") return chain;
    const index = chain.findIndex((migration) => migration.version === applied);
    return index < 0 ? undefined : chain.slice(index + 1);
}
