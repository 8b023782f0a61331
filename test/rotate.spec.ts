import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SECRETS_CHECKSUM_ANNOTATION } from "../components/app/secrets-checksum";
import { nextRotationWindowStart, parsePlatformConfig, rotationWindowStart } from "../config/load";
import { SECRET_SIG, SIG_KEY } from "../engine/state-files";
import { apiKeyRotation } from "../tools/rotation/api-keys";
import { judgePlan, propertyPathSegments } from "../tools/rotation/plan-guard";
import { randomPasswordUrn, stackSecrets } from "../tools/rotation/stack-secrets";
import { rotationCommands } from "../tools/rotate";
import { scratchDir } from "./support/scratch";
import { ofType, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";
import { runTool, ToolRun } from "./support/tools-cli";

/*
 * `node tools/bin.js rotate` (tools/rotate.ts, tools/rotation/): one secret now after a security event, what
 * the rotation windows make due, and the judgement of a rotation's plan; with --run, the real CLI's commands
 * in order (a stub `pulumi` here). Offline without --run; one line and exit 2 on bad input; never a value of
 * a secret in any output. Also the API keys' rotation dates (platform:apiKeyRotation) and their check.
 */

type Json = Record<string, unknown>;
const NOW = new Date();
const PROD_URN = (secret: string): string => randomPasswordUrn("platform", "prod", secret);
/** A value that must never reach any output: planted in states, previews and stack files. */
const CANARY = "rotation-canary-Zq9vX2pL7mK4";

function json(run: ToolRun): Json {
    assert.equal(run.stderr.split("\n").filter((line) => line.startsWith("error:")).length, 0, run.stderr);
    return JSON.parse(run.stdout) as Json;
}

/** One line on stderr and exit 2, quoting none of `hidden`. */
function assertBadInput(run: ToolRun, hidden: readonly string[] = []): void {
    assert.equal(run.status, 2, `${run.stdout}${run.stderr}`);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /^error: /);
    for (const text of hidden) assert.ok(!run.stderr.includes(text), `the error quotes ${JSON.stringify(text)}: ${run.stderr}`);
    assert.ok(!run.stderr.includes("    at "), "no stack trace");
}

/** A project folder with Pulumi.yaml and these stack files (text). */
function project(stacks: Record<string, string>): string {
    const dir = scratchDir("rotate-project-");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const [stack, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    return dir;
}

const prodFile = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
/** prod with a provided JWT secret and an API key, both secure (placeholders offline), and the key's rotation entry. */
const PROD_WITH_KEYS = `${prodFile.trimEnd()}
  platform:jwtSecret:
    secure: v1:${Buffer.from(CANARY).toString("base64")}
  platform:apiKeys:
    stripe:
      secure: v1:${Buffer.from(`${CANARY}-stripe`).toString("base64")}
  platform:apiKeyRotation:
    stripe: { version: 2, rotateBy: "2027-06-30" }
`;

/** A `pulumi stack export` of prod holding the RandomPasswords as the engine stores them (results encrypted). */
function prodExport(keepers: Record<string, Json | undefined>, stack = "prod"): string {
    const resource = (urn: string, type: string, inputs: Json, outputs: Json = {}): Json => ({ urn, type, custom: true, id: "none", inputs, outputs });
    const ciphertext = { [SIG_KEY]: SECRET_SIG, ciphertext: Buffer.from(CANARY).toString("base64") };
    const resources: Json[] = [
        { urn: `urn:pulumi:${stack}::platform::pulumi:pulumi:Stack::platform-${stack}`, type: "pulumi:pulumi:Stack", custom: false },
        ...Object.entries(keepers).filter(([, value]) => value !== undefined).map(([secret, value]) =>
            resource(randomPasswordUrn("platform", stack, secret), "random:index/randomPassword:RandomPassword", { length: 32, keepers: value }, { result: ciphertext, keepers: value })),
        resource(`urn:pulumi:${stack}::platform::platform:index:Platform$platform:secrets:SecretStore$aws:secretsmanager/secretVersion:SecretVersion::platform-${stack}-secrets-postgres-password`, "aws:secretsmanager/secretVersion:SecretVersion", { secretString: ciphertext }),
    ];
    return JSON.stringify({ version: 3, deployment: { manifest: { time: NOW.toISOString(), magic: "x", version: "v3.260.0" }, resources } });
}

const current = (days = 30): Json => ({ rotationWindowStart: rotationWindowStart(NOW, days), rotationDays: String(days) });
const old = (days = 30): Json => ({ rotationWindowStart: "2026-01-01" === rotationWindowStart(NOW, days) ? "2025-12-02" : "2026-01-01", rotationDays: String(days) });

function write(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

/** A step of `pulumi preview --json`, as pkg/display writes it (secrets already `[secret]`). */
function step(op: string, urn: string, extra: Json = {}): Json {
    return { op, urn, oldState: { urn, custom: true, inputs: { secret: "[secret]", planted: CANARY } }, newState: { urn, custom: true, inputs: {} }, ...extra };
}

const STORE = "urn:pulumi:prod::platform::platform:index:Platform$platform:secrets:SecretStore";
const K8S = "urn:pulumi:prod::platform::platform:index:Platform$platform:app:Service";
/** The plan of rotating prod's postgres password: what the engine would do, step by step. */
function postgresRotationPlan(): Json[] {
    const password = PROD_URN("postgres-password");
    return [
        step("update", "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod", { diffReasons: [] }),
        { ...step("update", `${STORE}::platform-prod-secrets`, { diffReasons: ["rotationWindowStart"] }), newState: { custom: false } },
        step("create-replacement", password, { diffReasons: ["keepers"], replaceReasons: ["keepers"], detailedDiff: { "keepers.rotationWindowStart": { kind: "update-replace", inputDiff: true } } }),
        step("replace", password, { diffReasons: ["keepers"], replaceReasons: ["keepers"] }),
        step("update", `${STORE}$aws:secretsmanager/secretVersion:SecretVersion::platform-prod-secrets-postgres-password`, { diffReasons: ["secretString"], detailedDiff: { secretString: { kind: "update", inputDiff: true } } }),
        step("update", "urn:pulumi:prod::platform::platform:index:Platform$platform:data:Postgres$aws:rds/instance:Instance::platform-prod-postgres-db", { diffReasons: ["password"], detailedDiff: { password: { kind: "update", inputDiff: true } } }),
        step("update", `${K8S}$kubernetes:core/v1:Secret::platform-prod-api-secrets`, { diffReasons: ["stringData"], detailedDiff: { "stringData.DATABASE_URL": { kind: "update", inputDiff: true } } }),
        step("update", `${K8S}$kubernetes:apps/v1:Deployment::platform-prod-api-deployment`, { diffReasons: ["spec"], detailedDiff: { [`spec.template.metadata.annotations["${SECRETS_CHECKSUM_ANNOTATION}"]`]: { kind: "update", inputDiff: true } } }),
        step("same", `${K8S}$kubernetes:batch/v1:Job::platform-prod-api-migrate`),
        step("delete-replaced", password),
    ];
}

function preview(steps: Json[]): string {
    return JSON.stringify({ config: {}, steps, diagnostics: [], changeSummary: { update: steps.length }, duration: 1 });
}

/** A `pulumi` stub on PATH: logs each call's argv (one JSON line each), answers preview with $STUB_PREVIEW, export with $STUB_STATE. */
function stubPulumi(): { bin: string; log: string } {
    const dir = scratchDir("rotate-stub-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(log, "");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/usr/bin/env node
const fs = require("fs");
const argv = process.argv.slice(2);
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify(argv) + "\\n");
if (argv[0] === "preview") { process.stdout.write(fs.readFileSync(process.env.STUB_PREVIEW, "utf8")); process.exit(Number(process.env.STUB_PREVIEW_EXIT || 0)); }
if (argv[0] === "stack" && argv[1] === "export") { fs.copyFileSync(process.env.STUB_STATE, argv[argv.indexOf("--file") + 1]); process.exit(0); }
if (argv[0] === "up") { process.stdout.write("Updating (prod)\\n  secret: [secret]\\nResources: 5 changed\\n"); process.exit(Number(process.env.STUB_UP_EXIT || 0)); }
process.exit(9);
`, { mode: 0o755 });
    return { bin, log };
}

function calls(log: string): string[][] {
    return fs.readFileSync(log, "utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as string[]);
}

describe("rotate: a stack's generated secrets, now or when due", function () {
    this.timeout(180_000);

    describe("the stack's secrets, from the stack file alone", function () {
        for (const stack of ["dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"]) {
            it(`${stack}: the store's secrets as the program renders them, each generated one at the URN it registers`, async function () {
                const secrets = stackSecrets(PROJECT_DIR, stack, NOW);
                const rendered = await renderedStack(stack);
                const storeType = stack.startsWith("gcp-") ? "gcp:secretmanager/secret:Secret" : "aws:secretsmanager/secret:Secret";
                const stored = ofType(rendered, storeType).map((resource) => resource.name.replace(`platform-${stack}-secrets-`, "")).sort();
                assert.deepEqual(secrets.secrets.map((secret) => secret.name).sort(), stored);
                const passwords = new Set(ofType(rendered, "random:index/randomPassword:RandomPassword").map((resource) => resource.urn));
                for (const secret of secrets.secrets) assert.ok(secret.urn !== undefined && passwords.has(secret.urn), `${stack}: ${secret.name} at ${secret.urn}`);
                const keepers = plainInputs(ofType(rendered, "random:index/randomPassword:RandomPassword")[0]).keepers as Json;
                assert.equal(keepers.rotationWindowStart, secrets.windowStart);
                assert.equal(secrets.nextWindowStart, nextRotationWindowStart(NOW, secrets.rotationDays));
            });
        }

        it("a provided JWT secret and API keys are listed as provided, with no URN", function () {
            const dir = project({ prod: PROD_WITH_KEYS });
            const secrets = stackSecrets(dir, "prod", NOW);
            assert.deepEqual(secrets.secrets.map((secret) => [secret.name, secret.source, secret.urn === undefined]), [
                ["postgres-password", "generated", false], ["redis-auth-token", "generated", false], ["jwt-secret", "provided", true],
                ["grafana-admin-password", "generated", false], ["api-key-stripe", "provided", true],
            ]);
        });

        it("the windows: a period's windows start from 2026-01-01 and follow one another", function () {
            assert.equal(rotationWindowStart(new Date("2026-01-01T00:00:00Z"), 30), "2026-01-01");
            assert.equal(rotationWindowStart(new Date("2026-01-30T23:59:59Z"), 30), "2026-01-01");
            assert.equal(rotationWindowStart(new Date("2026-01-31T00:00:00Z"), 30), "2026-01-31");
            assert.equal(nextRotationWindowStart(new Date("2026-01-31T00:00:00Z"), 30), "2026-03-02");
            assert.equal(rotationWindowStart(new Date("2026-04-01T00:00:00Z"), 90), "2026-04-01");
        });
    });

    describe("one secret now (--secret): offline, the commands to run", function () {
        it("prints the URN, who takes the new value, and the preview, check and up commands; no credential, no CLI", async function () {
            const run = await runTool(["rotate", "--stack", "prod", "--secret", "postgres-password", "--format", "json"], { env: { PATH: "/nonexistent" } });
            assert.equal(run.status, 0, run.stderr);
            const report = json(run);
            assert.equal(report.mode, "secret");
            assert.deepEqual(report.targets, [PROD_URN("postgres-password")]);
            assert.deepEqual(report.commands, rotationCommands("prod", [PROD_URN("postgres-password")], "replace", "policies"));
            const commands = report.commands as { preview: string[]; up: string[] };
            assert.deepEqual(commands.up.slice(0, 3), ["pulumi", "up", "--yes"]);
            assert.ok(commands.up.includes("--target-dependents") && commands.up.includes("--policy-pack"));
            assert.equal(commands.up[commands.up.indexOf("--target-replace") + 1], PROD_URN("postgres-password"));
            const [secret] = report.secrets as { consumers: string[] }[];
            assert.ok(secret.consumers.some((consumer) => /RDS master password/.test(consumer)));
            assert.ok(secret.consumers.some((consumer) => /api, worker/.test(consumer)));
        });

        it("accepts a service's name for a secret (databaseUrl, redisUrl, jwtSecret) and the human format names the commands", async function () {
            const run = await runTool(["rotate", "--stack", "staging", "--secret", "redisUrl"]);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /requested +redis-auth-token/);
            assert.match(run.stdout, /ROTATE strategy: the previous token stays valid/);
            assert.match(run.stdout, /pulumi preview --json --stack staging .*--target-replace 'urn:pulumi:staging::platform::platform:index:Platform\$platform:secrets:SecretStore\$random:index\/randomPassword:RandomPassword::platform-staging-secrets-redis-auth-token' --target-dependents > preview.json/);
            assert.match(run.stdout, /node tools\/bin\.js rotate --stack staging --check-plan preview\.json --secret redis-auth-token/);
        });

        it("a provided secret is refused (exit 1) with the command that replaces it, and no value of it", async function () {
            const dir = project({ prod: PROD_WITH_KEYS });
            for (const [name, how] of [["apiKeys.stripe", /pulumi config set --secret --path 'apiKeys\.stripe' --stack prod, raise platform:apiKeyRotation\.stripe\.version/], ["jwt-secret", /pulumi config set --secret jwtSecret --stack prod/]] as const) {
                const run = await runTool(["rotate", "--stack", "prod", "--secret", name, "--project-dir", dir]);
                assert.equal(run.status, 1, run.stderr);
                assert.match(run.stderr, /^rotate refused: .* is provided by the stack file, not generated/);
                assert.match(run.stderr, how);
                assert.ok(!`${run.stdout}${run.stderr}`.includes(CANARY) && !`${run.stdout}${run.stderr}`.includes(Buffer.from(CANARY).toString("base64")));
            }
        });

        it("Memorystore's AUTH string (gcp) and a local stack are refused with the reason", async function () {
            const gcp = await runTool(["rotate", "--stack", "gcp-prod", "--secret", "redis-auth-token"]);
            assert.equal(gcp.status, 1);
            assert.match(gcp.stderr, /Memorystore generates its own AUTH string/);
            const local = await runTool(["rotate", "--stack", "local", "--secret", "jwt-secret"]);
            assert.equal(local.status, 1);
            assert.match(local.stderr, /keeps no generated secrets/);
        });

        it("--help says what it does, each mode, and the exit codes", async function () {
            const run = await runTool(["rotate", "--help"]);
            assert.equal(run.status, 0);
            for (const text of ["--secret <name>", "--due", "--check-plan <file>", "--run", "--format <format>", "Exit codes", "docs/runbooks/secrets.md"]) assert.ok(run.stdout.includes(text), text);
        });
    });

    describe("hostile input: one line, exit 2, nothing echoed", function () {
        const token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
        const cases: { name: string; args: string[]; hidden?: string[]; message?: RegExp }[] = [
            { name: "an unknown secret, named back only when it has a keyword's shape", args: ["--stack", "prod", "--secret", "nope"], message: /prod declares postgres-password, redis-auth-token, jwt-secret, grafana-admin-password; got "nope"/ },
            { name: "a pasted token as a secret's name", args: ["--stack", "prod", "--secret", token], hidden: [token, "ghp_"] },
            { name: "a name with a newline and an escape sequence", args: ["--stack", "prod", "--secret", "postgres\n\u001b[31mpassword"], hidden: ["\u001b", "postgres\n"] },
            { name: "a stack that is a path", args: ["--stack", "../../etc/passwd", "--secret", "jwt-secret"], hidden: ["passwd"] },
            { name: "a stack without a stack file", args: ["--stack", "qa", "--secret", "jwt-secret"], message: /no Pulumi\.qa\.yaml/ },
            { name: "an unknown option with a secret for a value", args: ["--stack", "prod", `--password=${token}`], hidden: [token] },
            { name: "a stray argument", args: ["--stack", "prod", "--secret", "jwt-secret", token], hidden: [token], message: /position/ },
            { name: "neither --secret nor --due", args: ["--stack", "prod"], message: /needs --secret <name>/ },
            { name: "both --secret and --due", args: ["--stack", "prod", "--secret", "jwt-secret", "--due"], message: /not both/ },
            { name: "--state without --due", args: ["--stack", "prod", "--secret", "jwt-secret", "--state", "x.json"], message: /--state goes with --due/ },
            { name: "--check-plan with --run", args: ["--stack", "prod", "--secret", "jwt-secret", "--check-plan", "p.json", "--run"], message: /give one/ },
            { name: "a format it does not write", args: ["--stack", "prod", "--secret", "jwt-secret", "--format", "sarif"], message: /--format must be one of human, json, markdown/ },
            { name: "a policy pack that is an option", args: ["--stack", "prod", "--secret", "jwt-secret", "--policy-pack=--yes"], message: /--policy-pack takes a folder/ },
        ];
        for (const testCase of cases) {
            it(testCase.name, async function () {
                const run = await runTool(["rotate", ...testCase.args]);
                assertBadInput(run, testCase.hidden ?? []);
                if (testCase.message) assert.match(run.stderr, testCase.message);
            });
        }

        it("a --state that is not JSON, a preview, another stack's state, a directory or a FIFO: one line naming the file", async function () {
            const dir = scratchDir("rotate-hostile-");
            const garbage = write(dir, "garbage.json", `{"version": 3, "deployment": ${CANARY}`);
            const previewFile = write(dir, "preview.json", preview(postgresRotationPlan()));
            const staging = write(dir, "staging.json", prodExport({ "postgres-password": current() }, "staging"));
            const fifo = path.join(dir, "fifo.json");
            execFileSync("mkfifo", [fifo]);
            for (const file of [garbage, previewFile, staging, dir, fifo]) {
                const run = await runTool(["rotate", "--stack", "prod", "--due", "--state", file]);
                assertBadInput(run, [CANARY]);
            }
        });

        it("a --check-plan that is not a preview (a list, steps without URNs, not JSON): one line", async function () {
            const dir = scratchDir("rotate-hostile-plan-");
            for (const text of ["[]", JSON.stringify({ steps: [{ op: "update" }] }), JSON.stringify({ steps: [{ op: "update", urn: CANARY }] }), `{"steps": [${CANARY}`]) {
                const run = await runTool(["rotate", "--stack", "prod", "--secret", "jwt-secret", "--check-plan", write(dir, "plan.json", text)]);
                assertBadInput(run, [CANARY]);
            }
        });
    });

    describe("due (--due): the state's kept windows against today's", function () {
        it("without --state: the calendar, nothing to run", async function () {
            const run = await runTool(["rotate", "--stack", "prod", "--due", "--format", "json"]);
            assert.equal(run.status, 0, run.stderr);
            const report = json(run);
            assert.deepEqual(report.targets, []);
            assert.equal(report.commands, undefined);
            assert.equal(report.windowStart, rotationWindowStart(NOW, 30));
            assert.ok((report.secrets as { status: string }[]).every((secret) => secret.status === "unknown"));
        });

        it("with --state: an old window is due, today's is current, a missing one is not deployed, an unreadable one is due; the commands target the due", async function () {
            const dir = scratchDir("rotate-due-");
            const state = write(dir, "prod.json", prodExport({ "postgres-password": old(), "redis-auth-token": { rotationWindowStart: { [SIG_KEY]: SECRET_SIG, ciphertext: "AAAA" } }, "jwt-secret": current(), "grafana-admin-password": undefined }));
            const run = await runTool(["rotate", "--stack", "prod", "--due", "--state", state, "--format", "json"]);
            assert.equal(run.status, 0, run.stderr);
            const report = json(run);
            const statuses = Object.fromEntries((report.secrets as { name: string; status: string }[]).map((secret) => [secret.name, secret.status]));
            assert.deepEqual(statuses, { "postgres-password": "due", "redis-auth-token": "due", "jwt-secret": "current", "grafana-admin-password": "not-deployed" });
            assert.deepEqual(report.targets, [PROD_URN("postgres-password"), PROD_URN("redis-auth-token")]);
            assert.deepEqual(report.commands, rotationCommands("prod", [PROD_URN("postgres-password"), PROD_URN("redis-auth-token")], "target", "policies"));
            assert.ok(!run.stdout.includes(CANARY) && !run.stdout.includes(Buffer.from(CANARY).toString("base64")));
        });

        it("a changed period makes a secret of today's window due too; everything current: nothing to run", async function () {
            const dir = scratchDir("rotate-due-period-");
            const changed = await runTool(["rotate", "--stack", "prod", "--due", "--format", "json", "--state", write(dir, "a.json", prodExport({ "postgres-password": { rotationWindowStart: rotationWindowStart(NOW, 30), rotationDays: "90" } }))]);
            assert.deepEqual(json(changed).targets, [PROD_URN("postgres-password")]);
            const none = await runTool(["rotate", "--stack", "prod", "--due", "--state", write(dir, "b.json", prodExport({ "postgres-password": current(), "redis-auth-token": current(), "jwt-secret": current(), "grafana-admin-password": current() }))]);
            assert.equal(none.status, 0);
            assert.match(none.stdout, /prod: no generated secret is due; the next window begins \d{4}-\d{2}-\d{2}/);
        });
    });

    describe("the plan of a rotation (--check-plan), and nothing else", function () {
        const targets = [PROD_URN("postgres-password")];

        it("property paths as the CLI writes them", function () {
            assert.deepEqual(propertyPathSegments(`spec.template.metadata.annotations["${SECRETS_CHECKSUM_ANNOTATION}"]`), ["spec", "template", "metadata", "annotations", SECRETS_CHECKSUM_ANNOTATION]);
            assert.deepEqual(propertyPathSegments("spec.template.spec.containers[0].image"), ["spec", "template", "spec", "containers", "0", "image"]);
            assert.deepEqual(propertyPathSegments('a["b\\"c"]'), ["a", 'b"c']);
            assert.equal(propertyPathSegments("a[0"), undefined);
        });

        it("a rotation's plan passes: the password, the store's version, RDS, the Secret, the checksum, the stack and the store component", function () {
            const judged = judgePlan(JSON.parse(preview(postgresRotationPlan())) as unknown, "p.json", targets);
            assert.deepEqual(judged.refused, []);
            assert.deepEqual(judged.missing, []);
            assert.deepEqual([...new Set(judged.allowed.map((change) => change.what))].sort(), [
                "a Kubernetes Secret's values", "a component's recorded inputs", "a generated secret regenerated", "a new Secrets Manager version",
                "a pod template's secrets checksum (the pods roll)", "the RDS master password", "the stack's outputs",
            ]);
        });

        const refusals: { name: string; change: (steps: Json[]) => Json[]; refusal: RegExp }[] = [
            { name: "a new image riding along (an unreleased stack file)", change: (steps) => [...steps, step("update", `${K8S}$kubernetes:apps/v1:Deployment::platform-prod-worker-deployment`, { diffReasons: ["spec"], detailedDiff: { "spec.template.spec.containers[0].image": { kind: "update" } } })], refusal: /spec\.template\.spec\.containers\.0\.image: not part of a rotation/ },
            { name: "another annotation of the pod template", change: (steps) => [...steps, step("update", `${K8S}$kubernetes:apps/v1:Deployment::platform-prod-worker-deployment`, { detailedDiff: { 'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]': { kind: "add" } } })], refusal: /not part of a rotation/ },
            { name: "a Deployment change without a detailed diff", change: (steps) => [...steps, step("update", `${K8S}$kubernetes:apps/v1:Deployment::platform-prod-worker-deployment`, { diffReasons: ["spec"] })], refusal: /no detailed diff/ },
            { name: "the database replaced", change: (steps) => [...steps, step("replace", "urn:pulumi:prod::platform::platform:index:Platform$platform:data:Postgres$aws:rds/instance:Instance::platform-prod-postgres-db", { diffReasons: ["password"] })], refusal: /replace of a aws:rds\/instance:Instance: a rotation does not replace it/ },
            { name: "the database's class changed with the password", change: (steps) => [...steps, step("update", "urn:pulumi:prod::platform::platform:index:Platform$platform:data:Postgres$aws:rds/instance:Instance::platform-prod-postgres-db", { diffReasons: ["password", "instanceClass"] })], refusal: /instanceClass/ },
            { name: "a resource a rotation never touches", change: (steps) => [...steps, step("create", "urn:pulumi:prod::platform::platform:index:Platform$aws:s3/bucketV2:BucketV2::new-bucket")], refusal: /create of a aws:s3\/bucketV2:BucketV2: not part of a rotation/ },
            { name: "a component deleted", change: (steps) => [...steps, { ...step("delete", `${STORE}::platform-prod-secrets`), newState: undefined, oldState: { custom: false } }], refusal: /a component is deleted/ },
        ];
        for (const refusal of refusals) {
            it(`refused: ${refusal.name}`, async function () {
                const dir = scratchDir("rotate-plan-");
                const file = write(dir, "preview.json", preview(refusal.change(postgresRotationPlan())));
                const run = await runTool(["rotate", "--stack", "prod", "--secret", "postgres-password", "--check-plan", file, "--format", "json"]);
                assert.equal(run.status, 1, `${run.stdout}${run.stderr}`);
                const report = JSON.parse(run.stdout) as { plan: { refused: { refusal: string }[] }; verdict: string };
                assert.match(report.verdict, /^rotate refused: the plan changes more than a rotation: .*release those changes to prod first, then rotate$/);
                assert.ok(report.plan.refused.some((change) => refusal.refusal.test(change.refusal)), JSON.stringify(report.plan.refused));
                assert.ok(!run.stdout.includes(CANARY), "no value from the plan");
            });
        }

        it("refused: a plan that does not regenerate the secret asked for", async function () {
            const dir = scratchDir("rotate-plan-missing-");
            const file = write(dir, "preview.json", preview(postgresRotationPlan()));
            const run = await runTool(["rotate", "--stack", "prod", "--secret", "jwt-secret", "--check-plan", file]);
            assert.equal(run.status, 1);
            assert.match(run.stdout, /rotate refused: the plan does not regenerate platform-prod-secrets-jwt-secret/);
        });

        it("the markdown names each step and its verdict (for the run summary)", async function () {
            const dir = scratchDir("rotate-plan-md-");
            const file = write(dir, "preview.json", preview(postgresRotationPlan()));
            const run = await runTool(["rotate", "--stack", "prod", "--secret", "postgres-password", "--check-plan", file, "--format", "markdown"]);
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout, /\| update urn:pulumi:prod::platform::platform:index:Platform\$platform:data:Postgres\$aws:rds\/instance:Instance::platform-prod-postgres-db \| ✅ the RDS master password \|/);
            assert.match(run.stdout, /\*\*the plan is a rotation of prod: \d+ changes, each part of it\*\*/);
        });
    });

    describe("--run: the real CLI's commands, in order (a stub pulumi)", function () {
        const runWith = async (args: string[], planSteps: Json[], env: Record<string, string> = {}): Promise<{ run: ToolRun; calls: string[][] }> => {
            const stub = stubPulumi();
            const dir = scratchDir("rotate-run-");
            const run = await runTool(["rotate", "--stack", "prod", ...args, "--run", "--format", "json"], {
                env: { PATH: `${stub.bin}:${process.env.PATH ?? ""}`, STUB_LOG: stub.log, STUB_PREVIEW: write(dir, "preview.json", preview(planSteps)), ...env },
            });
            return { run, calls: calls(stub.log) };
        };

        it("a rotation's plan: preview, judged, then up with exactly the same targets and the policy pack; pulumi's output scrubbed to stderr", async function () {
            const { run, calls: made } = await runWith(["--secret", "postgres-password"], postgresRotationPlan());
            assert.equal(run.status, 0, run.stderr);
            const expected = rotationCommands("prod", [PROD_URN("postgres-password")], "replace", "policies");
            assert.deepEqual(made, [expected.preview.slice(1), expected.up.slice(1)]);
            const report = json(run);
            assert.deepEqual(report.ran, [{ command: "pulumi preview", exitCode: 0 }, { command: "pulumi up", exitCode: 0 }]);
            assert.match(String(report.verdict), /prod: rotated 1 secret/);
            assert.match(run.stderr, /Resources: 5 changed/);
        });

        it("a plan with more than a rotation: no up, exit 1", async function () {
            const steps = [...postgresRotationPlan(), step("update", `${K8S}$kubernetes:apps/v1:Deployment::platform-prod-worker-deployment`, { detailedDiff: { "spec.template.spec.containers[0].image": { kind: "update" } } })];
            const { run, calls: made } = await runWith(["--secret", "postgres-password"], steps);
            assert.equal(run.status, 1);
            assert.deepEqual(made.map((call) => call[0]), ["preview"]);
            assert.match(String(json(run).verdict), /nothing changed$/);
        });

        it("a failed preview or up: exit 1, said so", async function () {
            const failedPreview = await runWith(["--secret", "postgres-password"], postgresRotationPlan(), { STUB_PREVIEW_EXIT: "255" });
            assert.equal(failedPreview.run.status, 1);
            assert.deepEqual(failedPreview.calls.map((call) => call[0]), ["preview"]);
            const failedUp = await runWith(["--secret", "postgres-password"], postgresRotationPlan(), { STUB_UP_EXIT: "1" });
            assert.equal(failedUp.run.status, 1);
            assert.match(String(json(failedUp.run).verdict), /pulumi up failed \(exit 1\)/);
        });

        it("--due --run exports the state itself, then rotates what is due with --target (the keepers force the replacement)", async function () {
            const dir = scratchDir("rotate-run-due-");
            const state = write(dir, "state.json", prodExport({ "postgres-password": old(), "redis-auth-token": current(), "jwt-secret": current(), "grafana-admin-password": current() }));
            const { run, calls: made } = await runWith(["--due"], postgresRotationPlan(), { STUB_STATE: state });
            assert.equal(run.status, 0, run.stderr);
            const expected = rotationCommands("prod", [PROD_URN("postgres-password")], "target", "policies");
            assert.deepEqual(made.map((call) => call.slice(0, 2)), [["stack", "export"], ["preview", "--json"], ["up", "--yes"]]);
            assert.deepEqual(made.slice(1), [expected.preview.slice(1), expected.up.slice(1)]);
        });

        it("without a pulumi CLI: exit 2, one line saying how to get one", async function () {
            const dir = project({ prod: prodFile });
            const run = await runTool(["rotate", "--stack", "prod", "--secret", "jwt-secret", "--run", "--project-dir", dir], { env: { PATH: "/nonexistent", PULUMI_TOOLS_DIR: scratchDir("no-cli-") } });
            assertBadInput(run);
            assert.match(run.stderr, /--run needs the pulumi CLI/);
        });
    });
});

describe("API keys carry a version and a rotation date (platform:apiKeyRotation)", function () {
    const BASE = {
        "aws:region": "eu-west-1",
        "platform:services": JSON.stringify([{ name: "api", image: `r/api@sha256:${"a".repeat(64)}`, port: 8080, health: { liveness: "/healthz", readiness: "/readyz" }, secrets: ["apiKeys.stripe"] }]),
        "platform:monitoring": JSON.stringify({ alertEmails: ["ops@example.com"] }),
    };
    const parse = (stack: string, values: Record<string, string>, secretKeys = ["platform:apiKeys"]) =>
        parsePlatformConfig({ stack, project: "platform", values: { ...BASE, ...values }, secretKeys: new Set(secretKeys), detectedRelease: { sha: "0".repeat(40) } });
    const problems = (stack: string, values: Record<string, string>, secretKeys?: string[]): { key: string; expected: string; found: string }[] => {
        try {
            parse(stack, values, secretKeys);
        } catch (error) {
            return (error as { problems: { key: string; expected: string; found: string }[] }).problems;
        }
        return [];
    };
    const KEYS = { "platform:apiKeys": JSON.stringify({ stripe: "sk_live_should_never_show_1", github: "ghp_never_show_2" }) };

    it("valid entries parse; the key itself stays secure", function () {
        const config = parse("prod", { ...KEYS, "platform:apiKeyRotation": JSON.stringify({ stripe: { version: 3, rotateBy: "2027-03-31" } }) });
        assert.deepEqual(config.apiKeyRotation, { stripe: { version: 3, rotateBy: "2027-03-31" } });
    });

    it("clear errors: a date that does not exist, a version of 0, an entry for a key never declared, an unknown field, a secure entry", function () {
        const found = problems("prod", { ...KEYS, "platform:apiKeyRotation": JSON.stringify({ stripe: { version: 0, rotateBy: "2027-02-30" }, github: { version: 1, rotateBy: "31/12/2027", owner: "x" } }) });
        const byKey = Object.fromEntries(found.map((problem) => [problem.key, problem]));
        assert.equal(found.length, Object.keys(byKey).length, `one problem per key: ${JSON.stringify(found)}`);
        assert.match(byKey["platform:apiKeyRotation.stripe.version"].expected, /at least 1/);
        assert.match(byKey["platform:apiKeyRotation.stripe.rotateBy"].expected, /a calendar date that exists, as YYYY-MM-DD/);
        assert.match(byKey["platform:apiKeyRotation.github.rotateBy"].expected, /a date as YYYY-MM-DD, such as 2027-03-31/);
        assert.match(byKey["platform:apiKeyRotation.github.owner"].expected, /one of the known keys \(version, rotateBy\)/);
        assert.equal(byKey["platform:apiKeyRotation.stripe.rotateBy"].found, '"2027-02-30"');
        // Once every entry has its shape, an entry for a key platform:apiKeys does not declare.
        const undeclared = problems("prod", { ...KEYS, "platform:apiKeyRotation": JSON.stringify({ stripe: { version: 1, rotateBy: "2027-01-01" }, mailgun: { version: 1, rotateBy: "2027-01-01" } }) });
        assert.deepEqual(undeclared, [{ key: "platform:apiKeyRotation.mailgun", expected: "an API key that platform:apiKeys declares (stripe, github)", found: '"mailgun"' }]);
        assert.ok(!JSON.stringify(found).includes("should_never_show") && !JSON.stringify(found).includes("never_show_2"));
        const secure = problems("prod", { ...KEYS, "platform:apiKeyRotation": JSON.stringify({ stripe: { version: 1, rotateBy: "2027-01-01" } }) }, ["platform:apiKeys", "platform:apiKeyRotation"]);
        assert.deepEqual(secure.map((problem) => problem.key), ["platform:apiKeyRotation"]);
        assert.match(secure[0].expected, /plain settings/);
    });

    describe("the check predeploy runs: warn before the date, fail after it", function () {
        const at = (day: string): Date => new Date(`${day}T12:00:00Z`);
        const withDate = (rotateBy: string, stack = "prod") => parse(stack, { "platform:apiKeys": JSON.stringify({ stripe: "sk_live_x" }), "platform:apiKeyRotation": JSON.stringify({ stripe: { version: 4, rotateBy } }) });

        it("passes quietly well before the date", function () {
            const result = apiKeyRotation(withDate("2027-03-31"), at("2027-01-01"));
            assert.equal(result.status, "passed");
            assert.deepEqual(result.warnings, []);
            assert.match(result.detail, /1 API key within their rotation dates; next: apiKeys\.stripe by 2027-03-31/);
        });

        it("warns within 14 days, on the day itself too", function () {
            for (const [day, when] of [["2027-03-17", "in 14 days"], ["2027-03-30", "in 1 day"], ["2027-03-31", "today"]]) {
                const result = apiKeyRotation(withDate("2027-03-31"), at(day));
                assert.equal(result.status, "passed", day);
                assert.equal(result.warnings.length, 1, day);
                assert.ok(result.warnings[0].includes(`apiKeys.stripe (version 4) is due for rotation by 2027-03-31, ${when}`), result.warnings[0]);
                assert.match(result.warnings[0], /pulumi config set --secret --path 'apiKeys\.stripe' --stack prod/);
            }
            assert.deepEqual(apiKeyRotation(withDate("2027-03-31"), at("2027-03-16")).warnings, []);
        });

        it("fails the day after, saying how to rotate; never a key", function () {
            const result = apiKeyRotation(withDate("2027-03-31"), at("2027-04-02"));
            assert.equal(result.status, "failed");
            assert.match(result.detail, /^apiKeys\.stripe \(version 4\) was due for rotation by 2027-03-31, 2 days ago: set the new key \(pulumi config set --secret --path 'apiKeys\.stripe' --stack prod\), then raise platform:apiKeyRotation\.stripe\.version and move its rotateBy$/);
            assert.ok(!JSON.stringify(result).includes("sk_live_x"));
        });

        it("predeploy runs it as `api-key-rotation`: a note before the date, exit 1 after it, never a key or its ciphertext", async function () {
            const soon = new Date(NOW.getTime() + 5 * 86_400_000).toISOString().slice(0, 10);
            const past = new Date(NOW.getTime() - 3 * 86_400_000).toISOString().slice(0, 10);
            const withKey = (rotateBy: string): string => project({ prod: PROD_WITH_KEYS.replace('rotateBy: "2027-06-30"', `rotateBy: "${rotateBy}"`) });
            const warned = await runTool(["predeploy", "--stack", "prod", "--project-dir", withKey(soon), "--only", "api-key-rotation", "--format", "json"]);
            assert.equal(warned.status, 0, warned.stdout + warned.stderr);
            const warnedReport = JSON.parse(warned.stdout) as { checks: { name: string; status: string; detail: string }[]; notes: string[] };
            assert.deepEqual(warnedReport.checks.map((check) => [check.name, check.status]), [["api-key-rotation", "passed"]]);
            assert.match(warnedReport.notes.join("\n"), new RegExp(`apiKeys\\.stripe \\(version 2\\) is due for rotation by ${soon}, in 5 days`));
            const failed = await runTool(["predeploy", "--stack", "prod", "--project-dir", withKey(past), "--only", "api-key-rotation"]);
            assert.equal(failed.status, 1, failed.stdout + failed.stderr);
            assert.match(failed.stdout, new RegExp(`predeploy failed: apiKeys\\.stripe \\(version 2\\) was due for rotation by ${past}, 3 days ago`));
            for (const output of [warned.stdout, failed.stdout]) assert.ok(!output.includes(CANARY) && !output.includes(Buffer.from(`${CANARY}-stripe`).toString("base64")));
        });

        it("a key without an entry fails in staging and prod, warns in dev; no keys passes", function () {
            const untracked = (stack: string) => apiKeyRotation(parse(stack, { "platform:apiKeys": JSON.stringify({ stripe: "sk_live_x" }) }), at("2027-01-01"));
            assert.equal(untracked("prod").status, "failed");
            assert.match(untracked("prod").detail, /apiKeys\.stripe has no version and rotation date: set platform:apiKeyRotation\.stripe: \{version: <n>, rotateBy: YYYY-MM-DD\}/);
            assert.equal(untracked("staging").status, "failed");
            assert.equal(untracked("dev").status, "passed");
            assert.equal(untracked("dev").warnings.length, 1);
            const none = apiKeyRotation(parse("dev", { "platform:services": JSON.stringify([{ name: "api", image: "r/api:1", port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } }]) }), at("2027-01-01"));
            assert.deepEqual([none.status, none.detail], ["passed", "no API keys in platform:apiKeys"]);
        });
    });
});
