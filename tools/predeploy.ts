import * as fs from "fs";
import * as path from "path";
import { ERROR_BUDGET_WINDOW, errorBudgetRatioQuery, REQUEST_RATE } from "../components/monitoring/rules";
import { ConfigError, parsePlatformConfig, PlatformConfig, stackFileName } from "../config/load";
import { apiKeyOf } from "../config/schema";
import { InputFileError } from "../engine/input-error";
import { readInputText, SIZE_LIMITS } from "../engine/input-files";
import { readStackConfig } from "../engine/stack-files";
import { parseJson } from "../engine/state-files/json-errors";
import { describeFound } from "../policies/lib/found-value";
import { imagePinning } from "../policies/lib/image-reference";
import { LedgerError, readLedger, releaseRefusal, ReleaseLedger } from "../policies/lib/release-ledger";
import { isRecord } from "../policies/lib/values";
import { ALL_RULES } from "../policies/rules";
import { ParityCloud } from "../policies/lib/parity";
import { Check, CHECK_FORMATS, CHECK_RENDERERS, checkReport, CheckReport, emitRendered, formatChoice, isOneOf, runCommand, parseOptions, UsageError } from "./checks";
import { requireReadableStackFiles } from "./stack-input";
import { baselineFileOf, currentBaseline, formatBaseline, PROD_STACKS } from "./parity-baseline";
import { isBlocking } from "./report";
import { ledgerFileOf } from "./ledger-file";
import { planStacks } from "./plan";
import { describePending, namePending, pendingMigrations, SNAPSHOT_ID } from "./migrations/pending";
import { describeAnswer, readBounded, requestProblem, shownUrl } from "./smoke";
import { apiKeyRotation } from "./rotation/api-keys";

export const PREDEPLOY_HELP = `Usage: node tools/bin.js predeploy --stack <stack> (--prometheus-url <url> | --error-budget-file <file>) [options]

What must hold before \`pulumi up\` of a stack, checked in this order:
  config         the stack file is a valid configuration (the same validation the program runs)
  secrets        every secret a service reads is set: platform-managed ones are generated, an
                 apiKeys.<name> must be a secure value in platform:apiKeys
  api-key-rotation
                 each API key's rotation date (platform:apiKeyRotation.<name>: {version, rotateBy}):
                 a warning (a note) from 14 days before rotateBy, a failure the day after it; in staging
                 and prod a key without an entry fails too (docs/runbooks/secrets.md)
  policy         the offline plan of the stack passes the policy pack with the stack's enforcement
  parity         policies/parity/baseline.json is what prod renders today (else: npm run parity:baseline)
  release        each image the stack file runs is one the release ledger (releases/ledger.json) allows:
                 staging a digest dev verified or prod ran, prod a digest staging verified or prod ran
                 before; a missing or inconsistent ledger fails staging and prod
  migrations     the migrations this deploy brings, each by its own declaration: those of
                 services/<service>/db/migrations after the stack's platform:migrationHeads.<service> (every
                 one when it records none), and a contract a stack file sets (services[].migration.contract);
                 in prod, requires_maintenance_window and destructive only inside
                 platform:release.maintenanceWindow, which must then hold the window as an ISO interval, e.g.
                 "CHG-1234 2026-12-06T02:00Z/2026-12-06T04:00Z"; in staging and prod, destructive only after
                 a fresh snapshot of the stack's database (--snapshot <id>)
  error-budget   for each service the stack deploys, the share of 5xx responses over the budget window
                 is within platform:monitoring.errorBudgetPercent, read from the recording rules the
                 program deploys (service:http_requests_5xx:rate5m / service:http_requests:rate5m, summed
                 over the window; only services with requests in the window are asked for)

Over budget, the deploy is frozen: exit 1 with one line such as
  deploy freeze: 0.72% 5xx over 7d > 0.5% budget (api)
Only --override-freeze "<incident id>" lets it through, and the output records the override.

A service the stack deploys with no requests recorded over the window passes outside prod. In prod it
fails closed (exit 1; --override-freeze does not apply), as a broken scrape looks the same:
  error budget: no requests recorded for api over 7d in prod: a broken scrape, or a service that never served (fail closed)
unless the stack's history shows the service is new to it (first deployment); from this command line the
history is unknown, so a new service's first prod deploy is checked with --service <each other service>.
An answer that is not a ratio between 0 and 1 for each service ("NaN", "+Inf", "-5", "", a value that is
not a [<time>, "<ratio>"] pair, a service label that is not a name) is exit 2, e.g.
  error: budget.json: error budget: api: Prometheus answered "+Inf", not a ratio between 0 and 1

Options:
  --stack <stack>                  the stack to deploy (its Pulumi.<stack>.yaml)
  --prometheus-url <url>           the stack's Prometheus (HTTP API), e.g. http://prometheus.monitoring:9090;
                                   shown as scheme, host, port and path only (a query string never)
  --error-budget-file <file>       instead: a saved answer of Prometheus' /api/v1/query to the same query
                                   (curl -G <url>/api/v1/query --data-urlencode query=..., the query as in
                                   docs/runbooks/deploy.md), "-" for stdin
  --window <duration>              the budget window (default ${ERROR_BUDGET_WINDOW}, the rules' own; e.g. 1h, 30m; at most 30d)
  --service <name>                 only this service's budget (repeatable; default every service)
  --namespace <name>               the services' namespace (default apps)
  --override-freeze <incident id>  deploy although the budget is spent, for this incident (recorded)
  --snapshot <id>                  the on-demand snapshot of the stack's database taken for this deploy (an
                                   RDS snapshot identifier, a Cloud SQL backup id); staging and prod need it
                                   when a destructive migration is pending (recorded in the output)
  --only <check,...>               run only these checks (e.g. --only error-budget)
  --project-dir <dir>              folder holding Pulumi.yaml (default: the repository root)
  --format <format>                stdout: human, json, junit or markdown (default human)
  --output <format>=<file>         also write the result in that format; repeatable
  -h, --help                       this text

Exit codes: 0 every check passed (or a freeze was overridden); 1 a check failed, including a deploy
freeze; 2 bad usage, a file that cannot be read, or an error-budget answer that is not ratios.

Example (what the deploy workflow runs before pulumi up):
  node tools/bin.js predeploy --stack prod --prometheus-url "$PROMETHEUS_URL" \\
    --output markdown=reports/predeploy.md --output junit=reports/predeploy.xml`;

export const PREDEPLOY_CHECKS = ["config", "secrets", "api-key-rotation", "policy", "parity", "release", "migrations", "error-budget"] as const;
export type PredeployCheck = (typeof PREDEPLOY_CHECKS)[number];

export type BudgetSource = { readonly prometheusUrl: URL } | { readonly file: string };

export interface PredeployOptions {
    readonly projectDir: string;
    readonly stack: string;
    readonly checks: readonly PredeployCheck[];
    readonly budgetSource?: BudgetSource;
    readonly window: string;
    readonly services: readonly string[];
    readonly namespace: string;
    readonly overrideFreeze?: string;
    readonly now?: Date;
    /**
     * The services this stack has run before; by default what the release ledger says. Unknown (no readable
     * ledger): then a prod service without requests in the window fails closed instead of passing as a first
     * deployment.
     */
    readonly servicesWithHistory?: ReadonlySet<string>;
    /** The snapshot of the stack's database taken for this deploy: a destructive migration in staging or prod needs one. */
    readonly snapshot?: string;
}

const PROMETHEUS_TIMEOUT_MS = 15_000;
/** The longest budget window: beyond what Prometheus usually keeps (15 days by default), and a query over it is slow. */
const MAX_WINDOW_DAYS = 30;
const WINDOW_UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const ISO_MINUTE = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2})?Z";
const WINDOW_INTERVAL = new RegExp(`(${ISO_MINUTE})/(${ISO_MINUTE})`);
const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9 _#:./-]{0,79}$/;
const LABEL_VALUE = /^[a-z0-9-]{1,63}$/;

function timed(name: string, run: () => Omit<Check, "name" | "durationMs">): Check {
    const started = Date.now();
    return { name, ...run(), durationMs: Date.now() - started };
}

async function timedAsync(name: string, run: () => Promise<Omit<Check, "name" | "durationMs">>): Promise<Check> {
    const started = Date.now();
    return { name, ...(await run()), durationMs: Date.now() - started };
}

function loadConfig(options: PredeployOptions): PlatformConfig {
    const raw = readStackConfig(options.projectDir, options.stack);
    return parsePlatformConfig({ stack: options.stack, project: raw.project, values: raw.values, secretKeys: new Set(raw.secretKeys), now: options.now });
}

function secretsCheck(options: PredeployOptions, config: PlatformConfig): Omit<Check, "name"> {
    const raw = readStackConfig(options.projectDir, options.stack);
    const apiKeysKey = `${raw.project}:apiKeys`;
    let declared: Record<string, unknown> = {};
    try {
        const value = raw.values[apiKeysKey] === undefined ? {} : (JSON.parse(raw.values[apiKeysKey]) as unknown);
        declared = isRecord(value) ? value : {};
    } catch {
        declared = {};
    }
    const missing: string[] = [];
    let platform = 0;
    let keys = 0;
    for (const service of config.services) {
        for (const secret of service.secrets) {
            const apiKey = apiKeyOf(secret);
            if (apiKey === undefined) {
                platform += 1;
                continue;
            }
            keys += 1;
            if (!(apiKey in declared)) missing.push(`${service.name} reads ${secret}, which platform:apiKeys does not set`);
            else if (!raw.secretKeys.includes(apiKeysKey)) missing.push(`${service.name} reads ${secret}, which is not a secure value`);
        }
    }
    if (missing.length > 0) return { status: "failed", detail: `${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""}` };
    return { status: "passed", detail: `every secret the services read is set: ${platform} from the platform's secret store, ${keys} API key${keys === 1 ? "" : "s"} as secure values` };
}

async function policyCheck(options: PredeployOptions): Promise<Omit<Check, "name">> {
    const [report] = await planStacks({ projectDir: options.projectDir, stacks: [options.stack], rules: ALL_RULES, now: options.now });
    if (report.error !== undefined) return { status: "failed", detail: `the plan cannot render: ${report.error.split("\n")[0]}` };
    const blocking = report.findings.filter(isBlocking);
    if (blocking.length > 0) return { status: "failed", detail: `${blocking.length} mandatory violation${blocking.length === 1 ? "" : "s"}, first ${blocking[0].rule}: ${blocking[0].message.split("\n")[0]}` };
    return { status: "passed", detail: `${report.resources.length} resources, no mandatory violation (${report.findings.length} advisory)` };
}

/** The stack's cloud's baseline is checked (policies/parity/baseline.json, or baseline-gcp.json for a GCP stack). */
async function parityCheck(options: PredeployOptions, cloud: ParityCloud): Promise<Omit<Check, "name">> {
    const file = baselineFileOf(options.projectDir, cloud);
    const committed = fs.existsSync(file) ? readInputText(file, { maxBytes: SIZE_LIMITS.report }) : undefined;
    if (committed === undefined) return { status: "failed", detail: `${path.relative(options.projectDir, file)} is missing: run npm run parity:baseline` };
    const current = formatBaseline(await currentBaseline(options.projectDir, cloud));
    return committed === current
        ? { status: "passed", detail: `${path.relative(options.projectDir, file)} matches what ${PROD_STACKS[cloud]} renders` }
        : { status: "failed", detail: `${path.relative(options.projectDir, file)} is stale: run npm run parity:baseline and commit it` };
}

/** The project's release ledger, or why it cannot be read (read once per run, for the release check and the budget). */
function ledgerOrProblem(options: PredeployOptions): ReleaseLedger | LedgerError {
    try {
        return readLedger(ledgerFileOf(options.projectDir));
    } catch (error) {
        if (error instanceof LedgerError) return error;
        throw error;
    }
}

/** The release rule on what the stack file runs, as the pack judges the Deployments at `pulumi up`. */
function releaseCheck(options: PredeployOptions, config: PlatformConfig, ledger: ReleaseLedger | LedgerError): Omit<Check, "name"> {
    if (config.tier === "dev" || config.tier === "local") return { status: "passed", detail: `${config.tier} runs any build` };
    if (ledger instanceof LedgerError) return { status: "failed", detail: `release ledger: ${ledger.message} (fail closed)` };
    const judged: string[] = [];
    for (const service of config.services) {
        const pinning = service.image === undefined ? undefined : imagePinning(service.image);
        if (pinning?.kind !== "pinned") return { status: "failed", detail: `${service.name} runs no image pinned by a sha256 digest: the release ledger can only vouch for digests` };
        const refusal = releaseRefusal(ledger, { stack: options.stack, tier: config.tier, cloud: config.cloud, service: service.name, digest: pinning.digest });
        if (refusal !== undefined) return { status: "failed", detail: refusal };
        judged.push(`${service.name}@${pinning.digest.slice(7, 19)}`);
    }
    return { status: "passed", detail: `the release ledger vouches for ${judged.join(", ")}` };
}

/** The services the stack ran before, by the ledger; undefined (unknown) when it cannot be read. */
function servicesWithHistoryIn(ledger: ReleaseLedger | LedgerError, stack: string): ReadonlySet<string> | undefined {
    if (ledger instanceof LedgerError) return undefined;
    return new Set(ledger.entries.filter((entry) => entry.stack === stack && (entry.event === "verified" || entry.event === "adopted")).map((entry) => entry.service));
}

/**
 * The migrations the deploy brings (tools/migrations/pending.ts: the service's migrations after the head the
 * stack file records, and stack-file contracts), each judged by its own contract: in prod, anything but
 * safe_online only inside the declared maintenance window; in staging and prod, destructive only after a
 * fresh snapshot (--snapshot). Fails closed: no recorded head means every migration counts as new.
 */
function migrationsCheck(options: PredeployOptions, config: PlatformConfig, now: Date): Omit<Check, "name"> {
    const { pending, summaries, problems } = pendingMigrations(options.projectDir, config);
    if (problems.length > 0) return { status: "failed", detail: `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}` };
    if (pending.length === 0 && summaries.length === 0) return { status: "passed", detail: "no service runs a migration" };
    let detail = [pending.length === 0 ? "no migration to apply" : pending.map(describePending).join(", "), ...summaries].join("; ");
    const needWindow = pending.filter((entry) => entry.contract !== "safe_online");
    if (config.tier === "prod" && needWindow.length > 0) {
        const declared = config.release.maintenanceWindow;
        const first = namePending(needWindow[0]);
        if (declared === undefined) return { status: "failed", detail: `${first} needs platform:release.maintenanceWindow in prod` };
        const interval = WINDOW_INTERVAL.exec(declared);
        if (!interval) return { status: "failed", detail: `${first}: platform:release.maintenanceWindow states no window as <start>/<end> (ISO, UTC)` };
        const [start, end] = [Date.parse(interval[1]), Date.parse(interval[2])];
        if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return { status: "failed", detail: "platform:release.maintenanceWindow: the window's end is not after its start" };
        if (now.getTime() < start || now.getTime() > end) return { status: "failed", detail: `${first} is allowed only inside the maintenance window ${interval[1]}/${interval[2]}; it is ${now.toISOString()}` };
        detail += `; inside the maintenance window ${interval[1]}/${interval[2]}`;
    }
    const destructive = pending.find((entry) => entry.contract === "destructive");
    if (destructive !== undefined && (config.tier === "staging" || config.tier === "prod")) {
        if (options.snapshot === undefined) return { status: "failed", detail: `${namePending(destructive)} needs a fresh snapshot of ${options.stack}'s database first: take one and give its id with --snapshot <id> (docs/runbooks/deploy.md)` };
        detail += `; after snapshot ${options.snapshot}`;
    }
    return { status: "passed", detail };
}

/** A sample value as Prometheus writes a finite float (Go's strconv), and its special spellings ("NaN", "+Inf", "-Inf"). */
const PROMETHEUS_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const PROMETHEUS_SPECIAL = /^[+-]?(?:Inf|NaN)$/i;

/** A sample value for a message: quoted when it is a float's spelling of bounded length, else only described. */
function describeSampleValue(value: string): string {
    return value.length <= 32 && (PROMETHEUS_FLOAT.test(value) || PROMETHEUS_SPECIAL.test(value)) ? JSON.stringify(value) : describeFound(value);
}

/**
 * The 5xx ratio of each service in a Prometheus instant-query answer (`/api/v1/query`, result type vector),
 * to the budget query. Anything but one sample per service with a service label that is a name and a value
 * [<time>, "<ratio>"], the ratio between 0 and 1, is a bad answer: an InputFileError (exit 2) naming the
 * service and what was wrong, never quoting the answer beyond a float's spelling.
 */
function ratiosOf(answer: unknown, source: string): Map<string, number> {
    const bad = (problem: string): InputFileError => new InputFileError(source, `error budget: ${problem}`);
    const data = isRecord(answer) && answer.status === "success" && isRecord(answer.data) ? answer.data : undefined;
    if (!data || data.resultType !== "vector" || !Array.isArray(data.result)) throw bad("expected a Prometheus query answer: {\"status\": \"success\", \"data\": {\"resultType\": \"vector\", \"result\": [...]}}");
    const ratios = new Map<string, number>();
    data.result.forEach((sample: unknown, index: number) => {
        const at = `result ${index + 1}`;
        if (!isRecord(sample)) throw bad(`${at} is ${describeFound(sample)}, not a sample {"metric": {...}, "value": [<time>, "<ratio>"]}`);
        const label = isRecord(sample.metric) ? sample.metric.service : undefined;
        if (label === undefined) throw bad(`${at} has no service label`);
        if (typeof label !== "string" || !LABEL_VALUE.test(label)) throw bad(`${at}: the service label is not a name (a-z, 0-9, -); found ${describeFound(label, { keyword: true })}`);
        const service = label;
        if (ratios.has(service)) throw bad(`${service} has more than one sample in the answer`);
        const value = sample.value;
        if (value === undefined) throw bad(`${service}: the sample has no value`);
        if (!Array.isArray(value) || value.length !== 2) throw bad(`${service}: the value is ${describeFound(value)}, not a [<time>, "<ratio>"] pair`);
        const [time, text] = value as unknown[];
        if (typeof time !== "number" || !Number.isFinite(time)) throw bad(`${service}: the value's time is ${describeFound(time)}, not seconds since the epoch`);
        if (typeof text !== "string") throw bad(`${service}: the value is ${typeof text === "number" ? `the number ${describeFound(text)}` : describeFound(text)}, not a string (Prometheus writes sample values as strings)`);
        const ratio = PROMETHEUS_FLOAT.test(text) ? Number(text) : Number.NaN;
        if (!(Number.isFinite(ratio) && ratio >= 0 && ratio <= 1)) {
            const hint = text === "NaN" ? " (the budget query leaves out a service without requests rather than answer NaN)" : "";
            throw bad(`${service}: Prometheus answered ${describeSampleValue(text)}, not a ratio between 0 and 1${hint}`);
        }
        ratios.set(service, ratio);
    });
    return ratios;
}

/**
 * The recorded ratio over the window, only for the services that served a request in it. Without the
 * `and`, a service with no requests in the window answers 0/0 = NaN, which a broken value would look like
 * too. With it, such a service is absent from the answer ("no requests recorded"), and every sample that
 * comes back has a request rate summing above 0 and a 5xx rate that is part of it (both recorded as sums of
 * rate(), finite and never negative): a ratio between 0 and 1. So a NaN or an infinity in the answer is a
 * bad answer, never "no requests". The recording rules are unchanged: the filter is only in this query.
 */
export function budgetQuery(options: Pick<PredeployOptions, "window" | "namespace" | "services">): string {
    const services = options.services.length > 0 ? `,service=~"${options.services.join("|")}"` : "";
    const selector = `{namespace="${options.namespace}"${services}}`;
    return `(${errorBudgetRatioQuery(options.window, selector)}) and (sum_over_time(${REQUEST_RATE}${selector}[${options.window}]) > 0)`;
}

/** The Prometheus URL as messages show it: scheme, host, port and path, without a trailing slash. */
function prometheusShown(url: URL): string {
    return shownUrl(url).replace(/\/$/, "");
}

/** Why Prometheus gave no usable answer (a failed check, exit 1): in words of our own, never the body's. */
class NoAnswer extends Error {}

/**
 * Prometheus' answer to the query. An answer that is not JSON is an InputFileError (exit 2) that says what
 * came (status, content type, size), never a character of it: the body may be anything, a proxy's login page
 * with a token in it included. No answer, an HTTP error or a redirect (never followed) is a NoAnswer.
 */
async function queryPrometheus(url: URL, query: string): Promise<unknown> {
    const endpoint = new URL(`${url.pathname.replace(/\/$/, "")}/api/v1/query`, url);
    endpoint.searchParams.set("query", query);
    let response: Response;
    let answer: Awaited<ReturnType<typeof readBounded>>;
    try {
        response = await fetch(endpoint, { signal: AbortSignal.timeout(PROMETHEUS_TIMEOUT_MS), redirect: "manual", headers: { accept: "application/json" } });
        if (response.status >= 300 && response.status < 400) {
            await response.body?.cancel();
            throw new NoAnswer(`HTTP ${response.status}, a redirect (not followed)`);
        }
        if (!response.ok) {
            await response.body?.cancel();
            throw new NoAnswer(`HTTP ${response.status}`);
        }
        answer = await readBounded(response, MAX_ANSWER_BYTES);
    } catch (error) {
        if (error instanceof NoAnswer) throw error;
        throw new NoAnswer(requestProblem(error, `no answer in ${PROMETHEUS_TIMEOUT_MS / 1000} s`));
    }
    if (answer.truncated) throw new NoAnswer(`an answer over ${MAX_ANSWER_BYTES / 2 ** 20} MiB`);
    try {
        return JSON.parse(answer.body.toString("utf8")) as unknown;
    } catch {
        throw new InputFileError(prometheusShown(url), `error budget: Prometheus answered ${response.status} with ${describeAnswer(response, answer.body.byteLength)}: not JSON`);
    }
}

function percent(ratio: number): string {
    return `${(ratio * 100).toFixed(2)}%`;
}

/**
 * Each service the stack deploys (those of --service) is judged: a ratio within the budget passes, over it
 * freezes the deploy. No requests recorded (absent from the answer) passes outside prod; in prod it fails
 * closed unless servicesWithHistory says the stack never ran the service (its first deployment). An answer
 * that is not ratios throws (exit 2), from a file and from Prometheus alike; Prometheus not answering fails.
 */
async function budgetCheck(options: PredeployOptions, config: PlatformConfig | undefined, notes: string[]): Promise<Omit<Check, "name">> {
    const source = options.budgetSource;
    if (source === undefined) return { status: "skipped", detail: "no --prometheus-url or --error-budget-file" };
    const budgetPercent = config?.monitoring.errorBudgetPercent;
    if (config === undefined || budgetPercent === undefined) return { status: "failed", detail: "the budget is unknown: the stack configuration is invalid" };
    const deployed = config.services.map((service) => service.name);
    const notDeployed = options.services.filter((name) => !deployed.includes(name));
    if (notDeployed.length > 0) throw new UsageError(`--service ${notDeployed[0]}: ${options.stack} deploys no such service (it deploys ${deployed.join(", ") || "none"})`);
    const judged = options.services.length > 0 ? deployed.filter((name) => options.services.includes(name)) : deployed;
    let ratios: Map<string, number>;
    if ("file" in source) {
        ratios = ratiosOf(parseJson(readInputText(source.file, { maxBytes: SIZE_LIMITS.report, allowStdin: true }), source.file), source.file);
    } else {
        let answer: unknown;
        try {
            answer = await queryPrometheus(source.prometheusUrl, budgetQuery(options));
        } catch (error) {
            // An answer that is not JSON is a bad answer (exit 2), as from a file; no answer is a failed check.
            if (!(error instanceof NoAnswer)) throw error;
            return { status: "failed", detail: `cannot read the error budget from ${prometheusShown(source.prometheusUrl)}: ${error.message}` };
        }
        ratios = ratiosOf(answer, prometheusShown(source.prometheusUrl));
    }
    const measured = judged.flatMap((service) => {
        const ratio = ratios.get(service);
        return ratio === undefined ? [] : [{ service, ratio }];
    });
    const silent = judged.filter((service) => !ratios.has(service));
    const prod = config.tier === "prod";
    const history = options.servicesWithHistory;
    const firstDeployments = prod && history !== undefined ? silent.filter((service) => !history.has(service)) : [];
    const failClosed = prod ? silent.filter((service) => !firstDeployments.includes(service)) : [];
    const worst = measured.length > 0 ? measured.reduce((a, b) => (b.ratio > a.ratio ? b : a)) : undefined;
    const freeze = worst !== undefined && worst.ratio * 100 > budgetPercent ? `deploy freeze: ${percent(worst.ratio)} 5xx over ${options.window} > ${budgetPercent}% budget (${worst.service})` : undefined;
    if (failClosed.length > 0) {
        const noData = `error budget: no requests recorded for ${failClosed.join(", ")} over ${options.window} in ${config.tier}: a broken scrape, or a service that never served (fail closed)`;
        return { status: "failed", detail: freeze === undefined ? noData : `${noData}; and ${freeze}` };
    }
    if (freeze !== undefined) {
        if (options.overrideFreeze === undefined) return { status: "failed", detail: freeze };
        const actor = process.env.GITHUB_ACTOR ?? process.env.BUILD_ACTOR ?? process.env.USER;
        notes.push(`deploy freeze overridden for incident ${options.overrideFreeze}${actor ? ` by ${actor}` : ""}: ${freeze.slice("deploy freeze: ".length)}`);
        return { status: "overridden", detail: `${freeze}; overridden for incident ${options.overrideFreeze}` };
    }
    const parts: string[] = [];
    if (measured.length > 0) parts.push(`${measured.map((entry) => `${entry.service} ${percent(entry.ratio)}`).join(", ")} 5xx over ${options.window} (budget ${budgetPercent}%)`);
    if (firstDeployments.length > 0) parts.push(`first deployment of ${firstDeployments.join(", ")}: no traffic yet`);
    if (!prod && silent.length > 0) parts.push(`no requests recorded for ${silent.join(", ")} over ${options.window} (allowed outside prod)`);
    if (parts.length === 0) parts.push(`${options.stack} deploys no service`);
    return { status: "passed", detail: parts.join("; ") };
}

export async function predeploy(options: PredeployOptions): Promise<CheckReport> {
    const now = options.now ?? new Date();
    const wanted = (check: PredeployCheck): boolean => options.checks.includes(check);
    const checks: Check[] = [];
    const notes: string[] = [];
    let config: PlatformConfig | undefined;
    let configProblem: string | undefined;
    try {
        config = loadConfig(options);
    } catch (error) {
        if (!(error instanceof ConfigError || error instanceof InputFileError)) throw error;
        const problems = error instanceof ConfigError ? error.problems.map((problem) => `${problem.key}: expected ${problem.expected}; found ${problem.found}`) : [error.message];
        configProblem = `${stackFileName(options.stack)}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`;
    }
    const needsConfig = (name: PredeployCheck, run: (valid: PlatformConfig) => Omit<Check, "name">): void => {
        if (!wanted(name)) return;
        checks.push(config ? timed(name, () => run(config as PlatformConfig)) : { name, status: "skipped", detail: "the stack configuration is invalid" });
    };
    if (wanted("config")) checks.push(config ? { name: "config", status: "passed", detail: `${stackFileName(options.stack)} is valid (tier ${config.tier}, ${config.services.length} services)` } : { name: "config", status: "failed", detail: configProblem ?? "" });
    needsConfig("secrets", (valid) => secretsCheck(options, valid));
    needsConfig("api-key-rotation", (valid) => {
        const { status, detail, warnings } = apiKeyRotation(valid, now);
        notes.push(...warnings);
        return { status, detail };
    });
    if (wanted("policy")) checks.push(await timedAsync("policy", () => policyCheck(options)));
    if (wanted("parity")) checks.push(await timedAsync("parity", () => parityCheck(options, config?.cloud ?? "aws")));
    const ledger = ledgerOrProblem(options);
    needsConfig("release", (valid) => releaseCheck(options, valid, ledger));
    needsConfig("migrations", (valid) => migrationsCheck(options, valid, now));
    if (wanted("error-budget")) checks.push(await timedAsync("error-budget", () => budgetCheck({ ...options, servicesWithHistory: options.servicesWithHistory ?? servicesWithHistoryIn(ledger, options.stack) }, config, notes)));
    const overridden = options.overrideFreeze !== undefined && checks.some((check) => check.status === "overridden");
    const report = checkReport("predeploy", options.stack, checks, notes, `predeploy passed: ${options.stack} may deploy${overridden ? ` (deploy freeze overridden for incident ${options.overrideFreeze})` : ""}`);
    const freeze = checks.find((check) => check.name === "error-budget" && check.status === "failed" && check.detail.startsWith("deploy freeze:"));
    // The freeze line stands alone, as the one line a reader (and the run summary) needs.
    return freeze && report.checks.filter((check) => check.status === "failed").length === 1 ? { ...report, verdict: freeze.detail } : report;
}

function parsePredeployOptions(argv: string[]) {
    const values = parseOptions(argv, {
        stack: { type: "string" },
        "prometheus-url": { type: "string" },
        "error-budget-file": { type: "string" },
        window: { type: "string", default: ERROR_BUDGET_WINDOW },
        service: { type: "string", multiple: true, default: [] },
        namespace: { type: "string", default: "apps" },
        "override-freeze": { type: "string" },
        snapshot: { type: "string" },
        only: { type: "string" },
        "project-dir": { type: "string", default: path.join(__dirname, "..") },
        format: { type: "string" },
        output: { type: "string", multiple: true, default: [] },
    });
    if (values.stack === undefined) throw new UsageError("predeploy needs --stack <stack>");
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(values.stack) || /^\.+$/.test(values.stack)) throw new UsageError(`--stack takes a stack name; got ${describeFound(values.stack)}`);
    const checks = values.only === undefined ? [...PREDEPLOY_CHECKS] : values.only.split(",").map((name) => name.trim());
    for (const check of checks) if (!isOneOf(check, PREDEPLOY_CHECKS)) throw new UsageError(`--only takes checks among ${PREDEPLOY_CHECKS.join(", ")}; got ${describeFound(check, { keyword: true })}`);
    const window = values.window ?? ERROR_BUDGET_WINDOW;
    if (!/^\d{1,4}[mhdw]$/.test(window)) throw new UsageError(`--window takes a Prometheus duration such as 7d, 6h or 30m; got ${describeFound(window)}`);
    const windowMinutes = Number(window.slice(0, -1)) * WINDOW_UNIT_MINUTES[window.slice(-1)];
    if (windowMinutes <= 0) throw new UsageError(`--window must be more than 0; got ${window}`);
    if (windowMinutes > MAX_WINDOW_DAYS * 24 * 60) throw new UsageError(`--window must be at most ${MAX_WINDOW_DAYS}d; got ${window}`);
    const services = [...new Set(values.service ?? [])];
    for (const value of [...services, values.namespace ?? "apps"]) if (!LABEL_VALUE.test(value)) throw new UsageError(`--service and --namespace take names (a-z, 0-9, -); got ${describeFound(value)}`);
    if (values["prometheus-url"] !== undefined && values["error-budget-file"] !== undefined) throw new UsageError("give --prometheus-url or --error-budget-file, not both");
    let budgetSource: BudgetSource | undefined;
    if (values["prometheus-url"] !== undefined) {
        let url: URL;
        try {
            url = new URL(values["prometheus-url"]);
        } catch {
            throw new UsageError(`--prometheus-url takes an http:// or https:// URL; got ${describeFound(values["prometheus-url"])}`);
        }
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--prometheus-url takes an http:// or https:// URL; got ${describeFound(values["prometheus-url"])}`);
        // fetch refuses a URL with credentials; say so here, without echoing them.
        if (url.username !== "" || url.password !== "") throw new UsageError("--prometheus-url must not carry credentials (reach Prometheus through scripts/prometheus-forward.sh)");
        budgetSource = { prometheusUrl: url };
    } else if (values["error-budget-file"] !== undefined) {
        budgetSource = { file: values["error-budget-file"] };
    } else if ((checks as string[]).includes("error-budget")) {
        throw new UsageError("the error-budget check needs --prometheus-url <url> or --error-budget-file <file>");
    }
    const override = values["override-freeze"];
    if (override !== undefined && !INCIDENT_ID.test(override)) throw new UsageError(`--override-freeze takes an incident id (letters, digits, " _#:./-", up to 80); got ${describeFound(override)}`);
    const snapshot = values.snapshot;
    if (snapshot !== undefined && !SNAPSHOT_ID.test(snapshot)) throw new UsageError(`--snapshot takes a snapshot id (letters, digits, "._:-", up to 255); got ${describeFound(snapshot)}`);
    const options: PredeployOptions = {
        projectDir: path.resolve(values["project-dir"] ?? "."),
        stack: values.stack,
        checks: checks as PredeployCheck[],
        budgetSource,
        window,
        services,
        namespace: values.namespace ?? "apps",
        overrideFreeze: override,
        snapshot,
    };
    requireReadableStackFiles(options.projectDir, options.stack);
    return { options, choice: formatChoice(values.format, values.output ?? [], CHECK_FORMATS, "human") };
}

export function predeployCommand(argv: readonly string[]): Promise<number> {
    return runCommand(argv, PREDEPLOY_HELP, async (args) => {
        const { options, choice } = parsePredeployOptions(args);
        const report = await predeploy(options);
        emitRendered(report, choice, CHECK_RENDERERS);
        return report.exitCode;
    });
}
