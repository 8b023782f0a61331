import * as path from "path";
import { describeFound } from "../policies/lib/found-value";
import { isSha256Digest } from "../policies/lib/image-reference";
import { buildShaOf } from "../policies/lib/release-ledger";
import { InputFileError } from "../engine/input-error";
import { ledgerFileOf, readProjectLedger } from "./ledger-file";
import { Check, CHECK_FORMATS, CHECK_RENDERERS, checkReport, CheckReport, emitRendered, formatChoice, runCommand, parseOptions, UsageError } from "./checks";

export const SMOKE_HELP = `Usage: node tools/bin.js smoke --url <base URL> --expect-sha <commit sha> [options]
       node tools/bin.js smoke --url <base URL> --service <name> --digest sha256:<64 hex> [options]

Checks what was just deployed, from outside: GET /healthz and /readyz must answer 200, /livez too when the
service has it (a 404 there is "not served", not a failure), and GET /version must answer JSON whose
"sha" is the expected commit. Each endpoint is retried with exponential backoff (250 ms doubling to 4 s)
until it passes or the deadline is over, so a rollout that is still replacing pods gets time to finish;
every request has its own timeout, so a hung service fails at the deadline instead of hanging the job.

Options:
  --url <base>                   the service's base URL, http:// or https:// (e.g. https://api.example.com),
                                 without credentials; a query string or fragment is not sent, and the URL
                                 is shown as scheme, host, port and path only
  --expect-sha <sha>             the commit the deployment should run (hex, 7 to 64 characters)
  --service, --digest            instead: the build the stack now runs; the commit it was built from is read
                                 from the release ledger (releases/ledger.json, its published entry), so a
                                 rolled-back image is held to its own commit, not the deploying one
  --project-dir <dir>            folder holding releases/ledger.json (default: the repository root)
  --deadline <duration>          give up after this long in all (default 120s; e.g. 500ms, 30s, 5m; at most 30m)
  --request-timeout <duration>   one request's limit (default 5s; at most 60s)
  --format <format>              stdout: human, json, junit or markdown (default human)
  --output <format>=<file>       also write the result as json, junit, markdown or human; repeatable
  -h, --help                     this text

Exit codes: 0 every check passed; 1 a check failed (the line says which and what was found); 2 bad usage.

Example (what the deploy workflow runs after pulumi up):
  node tools/bin.js smoke --url https://api.staging.example.com --expect-sha "$GITHUB_SHA" \\
    --output junit=reports/smoke.xml --output markdown=reports/smoke.md`;

const MAX_BODY_BYTES = 64 * 1024;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 4_000;
/** An attempt needs at least this long to mean anything. */
const MIN_ATTEMPT_MS = 200;
const DURATION = /^(\d{1,7})(ms|s|m)$/;
/** The longest --deadline and --request-timeout: a smoke test that has not passed in 30 minutes will not. */
export const MAX_DEADLINE_MS = 30 * 60_000;
export const MAX_REQUEST_TIMEOUT_MS = 60_000;
const SHA = /^[0-9a-f]{7,64}$/i;

/** A duration in milliseconds, the way a message says it: `30m`, `60s`, `500ms`. */
function spelled(ms: number): string {
    return ms % 60_000 === 0 && ms >= 5 * 60_000 ? `${ms / 60_000}m` : ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/** `500ms`, `30s`, `2m` in milliseconds, more than 0 and at most `maxMs` (the error states the maximum). */
export function parseDuration(text: string, option: string, maxMs: number): number {
    const match = DURATION.exec(text.trim());
    if (!match) throw new UsageError(`${option} takes a duration such as 500ms, 30s or 2m; got ${describeFound(text)}`);
    const value = Number(match[1]) * (match[2] === "ms" ? 1 : match[2] === "s" ? 1_000 : 60_000);
    // Only a text of the duration's shape gets here, which may be quoted.
    if (value <= 0) throw new UsageError(`${option} must be more than 0; got ${text.trim()}`);
    if (value > maxMs) throw new UsageError(`${option} must be at most ${spelled(maxMs)}; got ${text.trim()}`);
    return value;
}

/** A URL as it may be shown: scheme, host, port and path; never credentials, a query string or a fragment. */
export function shownUrl(url: URL): string {
    return `${url.protocol}//${url.host}${url.pathname}`;
}

/** A MIME type without its parameters, when it has a MIME type's shape; else only that it has another. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$/;

/** What a response carried, for a message: its content type and size, never a character of its body. */
export function describeAnswer(response: Response, bytes: number, truncated = false): string {
    const header = response.headers.get("content-type");
    const type = header === null ? "no content type" : MEDIA_TYPE.test(header.split(";")[0].trim()) ? header.split(";")[0].trim().toLowerCase() : "a content type that is not a MIME type";
    return `${type}, ${truncated ? "more than " : ""}${bytes} bytes`;
}

/** Why a request got no answer (fetch's error), in words of our own. */
export function requestProblem(error: unknown, timedOut: string): string {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError") return timedOut;
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === "string" && /^[A-Z0-9_]{1,40}$/.test(cause.code) ? cause.code : undefined;
    return code ? `connection failed (${code})` : "connection failed";
}

export interface SmokeOptions {
    readonly baseUrl: URL;
    readonly expectSha: string;
    /** The build the sha was looked up for, when it came from the ledger. */
    readonly build?: { readonly service: string; readonly digest: string };
    readonly deadlineMs: number;
    readonly requestTimeoutMs: number;
}

interface Answer {
    readonly status?: number;
    readonly body?: string;
    /** The content type and size of the body, as a message may say them (describeAnswer). */
    readonly described?: string;
    /** The body was longer than MAX_BODY_BYTES and cut there. */
    readonly truncated?: boolean;
    /** Why there was no answer: timeout, refused, ... */
    readonly problem?: string;
}

/**
 * The body of a response, at most `maxBytes` of it (after decompression: a gzip bomb stops there too);
 * `truncated` when there was more, which is then never read.
 */
export async function readBounded(response: Response, maxBytes = MAX_BODY_BYTES): Promise<{ readonly body: Buffer; readonly truncated: boolean }> {
    if (!response.body) return { body: Buffer.alloc(0), truncated: false };
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
            chunks.push(value.subarray(0, maxBytes - (size - value.byteLength)));
            await reader.cancel();
            return { body: Buffer.concat(chunks), truncated: true };
        }
        chunks.push(value);
    }
    return { body: Buffer.concat(chunks), truncated: false };
}

async function get(url: URL, timeoutMs: number): Promise<Answer> {
    try {
        const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { "user-agent": "platform-smoke" } });
        const { body, truncated } = await readBounded(response);
        return { status: response.status, body: body.toString("utf8"), truncated, described: describeAnswer(response, body.byteLength, truncated) };
    } catch (error) {
        return { problem: requestProblem(error, `no answer within ${timeoutMs} ms`) };
    }
}

interface Verdict {
    readonly ok: boolean;
    readonly detail: string;
    /** The endpoint is optional and absent. */
    readonly skip?: boolean;
}

/** Retries `judge(get(path))` with backoff until it passes, says it never will, or the deadline passes. */
async function probe(name: string, url: URL, options: SmokeOptions, deadline: number, judge: (answer: Answer) => Verdict): Promise<Check> {
    const started = Date.now();
    let backoff = FIRST_BACKOFF_MS;
    let attempts = 0;
    const failed = (detail: string): Check => {
        const durationMs = Date.now() - started;
        return { name, status: "failed", detail: `${detail} (${attempts} attempt${attempts === 1 ? "" : "s"})`, durationMs };
    };
    for (;;) {
        attempts += 1;
        const timeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(options.requestTimeoutMs, deadline - Date.now()));
        const answer = await get(url, timeoutMs);
        // The last attempt may be cut short by the deadline: say so, rather than quote the shorter limit.
        const verdict = answer.problem !== undefined && timeoutMs < options.requestTimeoutMs && answer.problem.startsWith("no answer")
            ? { ok: false, detail: `${url.pathname}: no answer within ${options.requestTimeoutMs} ms or before the deadline` }
            : judge(answer);
        const durationMs = Date.now() - started;
        if (verdict.skip) return { name, status: "skipped", detail: verdict.detail, durationMs };
        if (verdict.ok) return { name, status: "passed", detail: verdict.detail, durationMs };
        // Another attempt only with time left for an answer: a request cut short would only say "no answer".
        const wait = Math.min(backoff, deadline - Date.now() - MIN_ATTEMPT_MS);
        if (wait < 0) return failed(verdict.detail);
        await new Promise((resolve) => setTimeout(resolve, wait));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
}

function statusDetail(path: string, answer: Answer): string {
    return answer.problem !== undefined ? `${path}: ${answer.problem}` : `${path} answered ${answer.status}, expected 200`;
}

function healthJudge(path: string, optional: boolean): (answer: Answer) => Verdict {
    return (answer) => {
        if (answer.status === 200) return { ok: true, detail: `${path} answered 200` };
        if (optional && answer.status === 404) return { ok: true, skip: true, detail: `${path} is not served (404)` };
        return { ok: false, detail: statusDetail(path, answer) };
    };
}

function versionJudge(expected: string): (answer: Answer) => Verdict {
    return (answer) => {
        if (answer.status !== 200) return { ok: false, detail: statusDetail("/version", answer) };
        let sha: unknown;
        try {
            if (answer.truncated) throw new Error("too large");
            sha = (JSON.parse(answer.body ?? "") as { sha?: unknown }).sha;
        } catch {
            // What came, never what it said: a body may be anything, a login page with a token included.
            return { ok: false, detail: `/version answered ${answer.status} with ${answer.described ?? "a body"}: not JSON` };
        }
        if (typeof sha !== "string" || sha === "") return { ok: false, detail: "/version has no \"sha\"" };
        if (sha.toLowerCase() === expected.toLowerCase()) return { ok: true, detail: `/version sha is ${expected}` };
        return { ok: false, detail: `/version sha is ${SHA.test(sha) ? sha : describeFound(sha)}, expected ${expected}` };
    };
}

/** Runs every check at once, against one deadline. */
export async function smoke(options: SmokeOptions): Promise<CheckReport> {
    const deadline = Date.now() + options.deadlineMs;
    const at = (path: string): URL => new URL(`${options.baseUrl.pathname.replace(/\/$/, "")}${path}`, options.baseUrl);
    const checks = await Promise.all([
        probe("GET /healthz", at("/healthz"), options, deadline, healthJudge("/healthz", false)),
        probe("GET /readyz", at("/readyz"), options, deadline, healthJudge("/readyz", false)),
        probe("GET /livez", at("/livez"), options, deadline, healthJudge("/livez", true)),
        probe("GET /version", at("/version"), options, deadline, versionJudge(options.expectSha)),
    ]);
    const notes = options.build ? [`${options.build.service}@${options.build.digest} was built from ${options.expectSha} (release ledger)`] : [];
    const shown = shownUrl(options.baseUrl);
    const report = checkReport("smoke", shown, checks, notes, `smoke passed: ${shown} runs ${options.expectSha}`);
    return { ...report, expected: { sha: options.expectSha, ...options.build } };
}

/** The commit a published digest was built from, by the ledger; a digest the flow never published is bad input. */
function shaFromLedger(projectDir: string, service: string, digest: string): string {
    const sha = buildShaOf(readProjectLedger(projectDir), service, digest);
    if (sha === undefined) throw new InputFileError(ledgerFileOf(projectDir), `no published entry for ${service}@${digest.slice(0, 19)}…: give --expect-sha`);
    return sha;
}

function parseSmokeOptions(argv: string[]) {
    const values = parseOptions(argv, {
        url: { type: "string" },
        "expect-sha": { type: "string" },
        service: { type: "string" },
        digest: { type: "string" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        deadline: { type: "string", default: "120s" },
        "request-timeout": { type: "string", default: "5s" },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    if (values.url === undefined) throw new UsageError("smoke needs --url <base URL>");
    const byBuild = values.service !== undefined || values.digest !== undefined;
    if ((values["expect-sha"] === undefined) === !byBuild) throw new UsageError("smoke needs --expect-sha <commit sha>, or --service and --digest (not both)");
    if (byBuild) {
        if (values.service === undefined || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.service)) throw new UsageError(`--service takes a service name; got ${describeFound(values.service)}`);
        if (!isSha256Digest(values.digest)) throw new UsageError(`--digest takes sha256:<64 lower-case hex>; got ${describeFound(values.digest)}`);
    }
    let baseUrl: URL;
    try {
        baseUrl = new URL(values.url);
    } catch {
        throw new UsageError(`--url takes an http:// or https:// URL; got ${describeFound(values.url)}`);
    }
    if (baseUrl.protocol !== "http:" && baseUrl.protocol !== "https:") throw new UsageError(`--url takes an http:// or https:// URL; got ${describeFound(values.url)}`);
    if (baseUrl.username !== "" || baseUrl.password !== "") throw new UsageError("--url must not carry credentials");
    if (values["expect-sha"] !== undefined && !SHA.test(values["expect-sha"])) throw new UsageError(`--expect-sha takes a commit sha (7 to 64 hex digits); got ${describeFound(values["expect-sha"])}`);
    const build = byBuild ? { service: values.service as string, digest: values.digest as string } : undefined;
    const expectSha = build ? shaFromLedger(path.resolve(values["project-dir"] ?? "."), build.service, build.digest) : (values["expect-sha"] as string);
    return {
        smoke: { baseUrl, expectSha, build, deadlineMs: parseDuration(values.deadline ?? "120s", "--deadline", MAX_DEADLINE_MS), requestTimeoutMs: parseDuration(values["request-timeout"] ?? "5s", "--request-timeout", MAX_REQUEST_TIMEOUT_MS) },
        choice: formatChoice(values.format, values.output ?? [], CHECK_FORMATS, "human"),
    };
}

export function smokeCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, SMOKE_HELP, async (args) => {
        const { smoke: options, choice } = parseSmokeOptions(args);
        const report = await smoke(options);
        emitRendered(report, choice, CHECK_RENDERERS);
        return report.exitCode;
    });
}
