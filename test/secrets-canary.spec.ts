import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Report } from "../tools/report";
import { fake, fragments } from "../policies/test-support/fake-secrets";
import { passphraseStack } from "./support/passphrase-encrypt";
import { RunningService, startStub } from "./support/sample-service";
import { fixtureDocument } from "./support/state-fixtures";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/**
 * The guarantee of issue "no route to any output": canary secrets planted in every input the tools read
 * (stack files, state files, a previous report, pack config, invalid config) never appear, whole or in
 * part, in stdout, stderr or any file written, in any format, whatever route they take (report inputs,
 * the --against diff, config errors, YAML warnings, findings).
 */

const BIN = path.join(PROJECT_DIR, "tools", "bin.js");
const FORMATS = ["human", "json", "sarif", "junit", "markdown"] as const;

const pemBody = fake("MIIE", 120, "CanaryPemBody0123456789").match(/.{1,64}/g)?.join("\n") ?? "";
const CANARY = {
    awsKey: fake("AKIA", 16, "CANARY0AWS0KEY00"),
    awsKeyInMapKey: fake("AKIA", 16, "CANARY0MAP0KEY00"),
    github: fake("ghp_", 36, "CanaryGithub0"),
    githubInComment: fake("ghp_", 36, "CanaryComment0"),
    urlPassword: "CanaryUrlPass0123",
    pemBody,
    secureCiphertext: "v1:Q2FuYXJ5Tm9uY2U=:v1:CanarySecureCipher0000000000",
    badConfigPassword: "CanaryBadCfgPw0rd",
    badConfigToken: fake("ghp_", 36, "CanaryBadCfg0"),
    yamlWarningLine: "CanaryYamlLine0000",
    packConfigToken: fake("ghp_", 36, "CanaryPackCfg0"),
    packConfigLevel: fake("AKIA", 16, "CANARY0LEVEL0000"),
    stateUrlPassword: "CanaryStateUrlPw00",
    statePlaintext: "CanaryStatePlain0000",
    stateCiphertext: "CanaryStateCiphertext0000000000000==",
    stateNamedPassword: "CanaryStateNamedPw00",
    previousReportKey: fake("AKIA", 16, "CANARY0PREV0REPT"),
    previousReportToken: fake("ghp_", 36, "CanaryPrevReport0"),
} as const;

interface Run {
    readonly label: string;
    readonly code: number | null;
    readonly texts: Readonly<Record<string, string>>;
}

function run(label: string, args: string[], outputDir: string): Run {
    fs.mkdirSync(outputDir, { recursive: true });
    const outputs = FORMATS.map((format) => `--output=${format}=${path.join(outputDir, `report.${format}`)}`);
    const result = spawnSync(process.execPath, [BIN, ...args, "--format", "json", ...outputs], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        timeout: 300_000,
        maxBuffer: 64 * 2 ** 20,
    });
    const texts: Record<string, string> = { stdout: result.stdout, stderr: result.stderr };
    for (const format of FORMATS) {
        const file = path.join(outputDir, `report.${format}`);
        if (fs.existsSync(file)) texts[format] = fs.readFileSync(file, "utf8");
    }
    return { label, code: result.status, texts };
}

/** Every canary fragment of 8 characters found in any text of the run. */
function leaks(result: Run): string[] {
    const found: string[] = [];
    for (const [name, secret] of Object.entries(CANARY)) {
        const pieces = name === "pemBody" ? secret.split("\n").flatMap((line) => fragments(line.replace(/^MIIE/, ""), 10)) : fragments(secret, 8);
        for (const [where, text] of Object.entries(result.texts)) {
            const piece = pieces.find((fragment) => text.includes(fragment));
            if (piece !== undefined) found.push(`${result.label}: ${name} in ${where} ("${piece.slice(0, 3)}…")`);
        }
    }
    return found;
}

function projectWith(dir: string, stackFiles: Record<string, string>): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of ["index.ts", "components", "config", "services", "package.json", "tsconfig.json", "node_modules", "Pulumi.yaml"]) {
        fs.symlinkSync(path.join(PROJECT_DIR, entry), path.join(dir, entry));
    }
    for (const [name, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const WORKER_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/dev/worker:1.4.2@sha256:53b73b80c384489d29b45db0b701a8b6f62ac352dcd49d106ab3a2308d07a64b";

/** A dev-tier stack that renders, with canaries in env values, a comment, a `secure:` value, a YAML warning. */
const CANARY_STACK = `# deploy token for the pipeline: ${CANARY.githubInComment}
config:
  aws:region: eu-west-1
  platform:tier: dev
  platform:jwtSecret:
    secure: ${CANARY.secureCiphertext}
  platform:services:
    - name: api
      image: ${WORKER_IMAGE}
      port: 8080
      env:
        LOG_LEVEL: info
        UPSTREAM_URL: "postgres://app:${CANARY.urlPassword}@db.internal/app"
        AWS_KEY_ID: ${CANARY.awsKey}
        SIGNING_PEM: |
          -----BEGIN RSA PRIVATE KEY-----
          ${pemBody.split("\n").join("\n          ")}
          -----END RSA PRIVATE KEY-----
        GITHUB_HELPER: ${CANARY.github}
      health:
        liveness: /healthz
        readiness: /readyz
`;

/** A stack whose config is invalid in ways that put canaries where the errors look. */
const BAD_STACK = `config:
  aws:region: eu-west-1
  platform:tier: dev
  platform:postgres:
    storageGb: "postgres://app:${CANARY.badConfigPassword}@db.internal/app"
  platform:cluster:
    endpointAccess: ${CANARY.badConfigToken}
  platform:network:
    ${CANARY.awsKeyInMapKey}: 1
  platform:costCentre: !!str ${CANARY.yamlWarningLine}
  platform:registry: { untaggedImageExpiryDays: 3, untaggedImageExpiryDays: 4 }
`;

describe("secrets: no route to any output (canaries)", function () {
    this.timeout(600_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-canary-"));
    const project = projectWith(path.join(scratch, "project"), { "Pulumi.canary.yaml": CANARY_STACK, "Pulumi.badcanary.yaml": BAD_STACK });
    const packConfig = path.join(scratch, "pack-config.json");
    fs.writeFileSync(
        packConfig,
        JSON.stringify({ "registry-immutable-tags": { enforcementLevel: "advisory", exemptions: [{ resource: "anything", reason: `ticket says ${CANARY.packConfigToken}`, expires: "2099-01-01" }] } }),
    );
    const runs: Run[] = [];
    let planReport: Report | undefined;

    before(function () {
        const planned = run("plan", ["plan", "--project-dir", project, "--stack", "canary", "--policy-pack-config", packConfig], path.join(scratch, "plan"));
        runs.push(planned);
        planReport = JSON.parse(planned.texts.stdout) as Report;
    });

    it("plan renders the canary stack and reports its plaintext credentials as findings, never as values", function () {
        const planned = runs[0];
        assert.equal(planned.code, 1, planned.texts.stderr);
        const messages = (planReport?.stacks[0].findings ?? []).map((finding) => finding.message).join("\n");
        assert.match(messages, /Pulumi\.canary\.yaml:1: .*GitHub token/, "the comment's token is found");
        assert.deepEqual(leaks(planned), []);
        for (const format of ["json", "sarif"] as const) assert.doesNotThrow(() => JSON.parse(planned.texts[format]), `${format} still parses after masking`);
    });

    it("the JSON report masks every flagged input with a fingerprint, and keeps ordinary values", function () {
        const deployment = planReport?.stacks[0].resources.find((resource) => resource.type === "kubernetes:apps/v1:Deployment");
        assert.ok(deployment, "the api Deployment is reported");
        const text = JSON.stringify(deployment.inputs);
        assert.match(text, /"name":"AWS_KEY_ID","value":"\[secret:[0-9a-f]{12}\]"/);
        assert.match(text, /"name":"UPSTREAM_URL","value":"\[secret:[0-9a-f]{12}\]"/);
        assert.match(text, /"name":"LOG_LEVEL","value":"info"/);
    });

    it("--against a previous report that holds raw credentials shows changes, never values", function () {
        const previous = JSON.parse(runs[0].texts.json) as { stacks: { resources: { type: string; inputs: Record<string, unknown> }[] }[] };
        const deployment = previous.stacks[0].resources.find((resource) => resource.type === "kubernetes:apps/v1:Deployment");
        assert.ok(deployment);
        // An older or hand-made report: raw values where this version writes fingerprints, a credential as a key.
        const container = (((deployment.inputs.spec as Record<string, unknown>).template as Record<string, unknown>).spec as { containers: { env: { name: string; value?: string }[] }[] }).containers[0];
        container.env.push({ name: "OLD_KEY", value: CANARY.previousReportKey });
        deployment.inputs[CANARY.previousReportToken] = "was a key";
        const previousFile = path.join(scratch, "previous.json");
        fs.writeFileSync(previousFile, JSON.stringify(previous));
        const against = run("against", ["plan", "--project-dir", project, "--stack", "canary", "--against", previousFile], path.join(scratch, "against"));
        runs.push(against);
        assert.equal(against.code, 1, against.texts.stderr);
        const report = JSON.parse(against.texts.stdout) as Report;
        const changes = report.diff?.[0].changed.flatMap((change) => change.changedInputs ?? []) ?? [];
        assert.ok(changes.some((change) => change.secret === true && change.after === undefined), "the removed secret shows as a secret change");
        assert.match(against.texts.human, /secret value removed/);
        assert.deepEqual(leaks(against), []);
    });

    it("invalid config names keys and shapes, never the values, in every format", function () {
        const bad = run("invalid config", ["plan", "--project-dir", project, "--stack", "badcanary"], path.join(scratch, "bad"));
        runs.push(bad);
        assert.equal(bad.code, 2, bad.texts.stderr);
        assert.match(bad.texts.human, /cannot render/);
        assert.deepEqual(leaks(bad), []);
    });

    it("a pack config with a credential where a level belongs is refused without echoing it", function () {
        const invalid = path.join(scratch, "invalid-pack-config.json");
        fs.writeFileSync(invalid, JSON.stringify({ "image-pinned-by-digest": CANARY.packConfigLevel, all: { enforcementLevel: CANARY.packConfigToken } }));
        const refused = run("invalid pack config", ["plan", "--project-dir", project, "--stack", "canary", "--policy-pack-config", invalid], path.join(scratch, "pack"));
        runs.push(refused);
        assert.equal(refused.code, 2);
        assert.match(refused.texts.stderr, /expected an enforcement level \(advisory, mandatory, remediate, disabled\); found text of 20 characters/);
        assert.deepEqual(leaks(refused), []);
    });

    it("audit of a state file with plaintext credentials and secret envelopes prints neither", function () {
        const document = fixtureDocument("checkpoint-secrets") as { checkpoint: { latest: { resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] } } };
        const resources = document.checkpoint.latest.resources;
        const custom = resources.find((resource) => resource.type === "aws:sns/topic:Topic");
        assert.ok(custom, "the fixture has a custom resource");
        const envelope = (payload: Record<string, string>): Record<string, string> => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ...payload });
        custom.inputs = {
            ...custom.inputs,
            connection: `postgres://app:${CANARY.stateUrlPassword}@db.internal/app`,
            adminPassword: CANARY.stateNamedPassword,
            token: envelope({ plaintext: JSON.stringify(CANARY.statePlaintext) }),
        };
        custom.outputs = { ...custom.outputs, token: envelope({ ciphertext: CANARY.stateCiphertext }), adminPassword: CANARY.stateNamedPassword };
        const stateFile = path.join(scratch, "state.json");
        fs.writeFileSync(stateFile, JSON.stringify(document));
        const audited = run("audit", ["audit", stateFile], path.join(scratch, "audit"));
        runs.push(audited);
        assert.ok(audited.code === 0 || audited.code === 1, audited.texts.stderr);
        assert.deepEqual(leaks(audited), []);
    });

    it("covered every format on every route", function () {
        for (const result of runs) {
            for (const format of FORMATS) assert.ok(result.label.startsWith("invalid pack") || format in result.texts, `${result.label} wrote ${format}`);
        }
        assert.equal(runs.length, 5);
    });
});

/**
 * The release commands and `docs`, held to the same guarantee, in every format they write. Canaries sit
 * where each command echoes what it was given or what it met: a control sequence right before a token (so
 * that escaping it for display would put a letter before the token), a newline in $GITHUB_ACTOR, a URL's
 * userinfo, query and fragment, a response body that is not JSON, and a `secure:` value of five characters.
 */
describe("secrets: no route through the release commands (canaries)", function () {
    this.timeout(300_000);
    const RELEASE_FORMATS = ["human", "json", "junit", "markdown"] as const;
    const TOKEN = {
        imagesKey: fake("ghp_", 36, "Cq7ImgKeyZx3"),
        actor: fake("ghp_", 36, "Cq7ActNlZx3"),
        actorEscape: fake("AKIA", 16, "CQ7ACTESCZX3W0"),
        urlQuery: fake("ghp_", 36, "Cq7UrlQryZx3"),
        urlFragment: "Cq7UrlFrgZx3W0",
        urlUserinfo: "Cq7UrlUsrZx3W0",
        versionBody: fake("ghp_", 36, "Cq7VerBdyZx3"),
        prometheusBody: "CnryPromBodyZ9QxW07",
        docsDir: fake("ghp_", 36, "Cq7DocDirZx3"),
        override: fake("ghp_", 36, "Cq7OvrRdZx3"),
    } as const;
    const SHORT_SECRET = "Q#zWv";
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-release-canaries-"));
    let stub: RunningService | undefined;

    before(async function () {
        stub = await startStub((request, response) => {
            const url = request.url ?? "/";
            if (url.startsWith("/api/v1/query")) {
                response.writeHead(200, { "content-type": "application/json" });
                response.end(`${TOKEN.prometheusBody} ${TOKEN.versionBody}`);
            } else if (url.startsWith("/version")) {
                response.writeHead(200, { "content-type": "application/json" });
                response.end(JSON.stringify({ sha: `\u001b[2J${TOKEN.versionBody}`, service: "api" }));
            } else {
                response.writeHead(200, { "content-type": "text/plain" });
                response.end("ok");
            }
        });
    });
    after(async function () {
        await stub?.stop();
    });

    /** The command with every format written as a file, once per stdout format (JSON escapes differently from the others). */
    async function releaseRun(label: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, formats: readonly string[] = RELEASE_FORMATS, stdoutFormats: readonly string[] = ["human", "json"]): Promise<Run> {
        const outputDir = path.join(scratch, label.replace(/[^a-z0-9]+/gi, "-"));
        fs.mkdirSync(outputDir, { recursive: true });
        const outputs = formats.map((format) => `--output=${format}=${path.join(outputDir, `report.${format}`)}`);
        const texts: Record<string, string> = {};
        let code: number | null = null;
        for (const format of formats.length > 0 ? stdoutFormats : ["human"]) {
            const result = await runTool([...args, ...(formats.length > 0 ? ["--format", format, ...outputs] : [])], { env: { GITHUB_ACTOR: undefined, BUILD_ACTOR: undefined, ...env } });
            code = result.status;
            texts[`stdout (${format})`] = result.stdout;
            texts[`stderr (${format})`] = result.stderr;
        }
        for (const format of formats) {
            const file = path.join(outputDir, `report.${format}`);
            if (fs.existsSync(file)) texts[format] = fs.readFileSync(file, "utf8");
        }
        return { label, code, texts };
    }

    function releaseLeaks(result: Run): string[] {
        const found: string[] = [];
        for (const [name, secret] of Object.entries(TOKEN)) {
            for (const [where, text] of Object.entries(result.texts)) {
                const piece = fragments(secret.replace(/^(ghp_|AKIA)/, ""), 8).find((fragment) => text.includes(fragment));
                if (piece !== undefined) found.push(`${result.label}: ${name} in ${where} ("${piece.slice(0, 3)}…")`);
            }
        }
        for (const [where, text] of Object.entries(result.texts)) if (text.includes(SHORT_SECRET)) found.push(`${result.label}: the 5-character secret in ${where}`);
        return found;
    }

    it("promote: a token after a control sequence in an --images key reaches no output", async function () {
        const project = path.join(scratch, "promote-project");
        fs.mkdirSync(path.join(project, "releases"), { recursive: true });
        for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", path.join("releases", "ledger.json")]) fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(project, file));
        const images = path.join(scratch, "dev-images.json");
        fs.writeFileSync(images, JSON.stringify({ [`api\u001b[2J${TOKEN.imagesKey}`]: `${WORKER_IMAGE}` }));
        const result = await releaseRun("promote", ["promote", "--from", "dev", "--to", "staging", "--images", images, "--project-dir", project]);
        assert.notEqual(result.code, 0, JSON.stringify(result.texts));
        assert.deepEqual(releaseLeaks(result), []);
    });

    it("predeploy: an actor with a newline or an escape before a token, recorded with a freeze override, reaches no output", async function () {
        const budget = path.join(scratch, "budget.json");
        const sampleOf = (service: string, ratio: string) => ({ metric: { namespace: "apps", service }, value: [1764670000, ratio] });
        fs.writeFileSync(budget, JSON.stringify({ status: "success", data: { resultType: "vector", result: [sampleOf("api", "0.001"), sampleOf("worker", "0.02")] } }));
        const args = ["predeploy", "--stack", "prod", "--only", "error-budget", "--error-budget-file", budget, "--override-freeze", "INC-4711"];
        for (const [label, actor] of [["predeploy actor newline", `ops\n${TOKEN.actor}`], ["predeploy actor escape", `ops\u001b[31m${TOKEN.actorEscape}`]] as const) {
            const result = await releaseRun(label, args, { GITHUB_ACTOR: actor });
            assert.equal(result.code, 0, JSON.stringify(result.texts));
            assert.match(result.texts.json ?? "", /deploy freeze overridden for incident INC-4711 by ops/);
            assert.deepEqual(releaseLeaks(result), []);
        }
    });

    it("predeploy: neither a Prometheus URL's userinfo, query or fragment nor a body that is not JSON reaches any output", async function () {
        const { port } = stub as RunningService;
        const url = `http://127.0.0.1:${port}/?access_token=${TOKEN.urlQuery}#${TOKEN.urlFragment}`;
        const result = await releaseRun("predeploy prometheus", ["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", url]);
        assert.notEqual(result.code, 0, JSON.stringify(result.texts));
        assert.deepEqual(releaseLeaks(result), []);
        const override = await releaseRun("predeploy override", ["predeploy", "--stack", "prod", "--only", "error-budget", "--prometheus-url", url, "--override-freeze", TOKEN.override]);
        assert.deepEqual(releaseLeaks(override), []);
    });

    it("smoke: a --url's userinfo, query and fragment, and a token in /version's answer, reach no output", async function () {
        const { port } = stub as RunningService;
        const smokeArgs = (url: string) => ["smoke", "--url", url, "--expect-sha", "0123456789abcdef0123456789abcdef01234567", "--deadline", "2s", "--request-timeout", "1s"];
        const result = await releaseRun("smoke", smokeArgs(`http://127.0.0.1:${port}/base/?access_token=${TOKEN.urlQuery}#${TOKEN.urlFragment}`));
        assert.equal(result.code, 1, JSON.stringify(result.texts));
        assert.match(result.texts.json ?? "", new RegExp(`"subject": "http://127\\.0\\.0\\.1:${port}/base/"`));
        assert.deepEqual(releaseLeaks(result), []);
        const withUserinfo = await releaseRun("smoke userinfo", smokeArgs(`http://reader:${TOKEN.urlUserinfo}@127.0.0.1:${port}/base/`));
        assert.equal(withUserinfo.code, 2, JSON.stringify(withUserinfo.texts));
        assert.deepEqual(releaseLeaks(withUserinfo), []);
    });

    it("docs: a project folder whose name holds a token after a control sequence is named without it", async function () {
        const dir = path.join(scratch, `docs-\u001b[2J${TOKEN.docsDir}`);
        fs.mkdirSync(dir, { recursive: true });
        const result = await releaseRun("docs", ["docs", "--project-dir", dir], {}, []);
        assert.equal(result.code, 2, JSON.stringify(result.texts));
        assert.deepEqual(releaseLeaks(result), []);
    });

    it("plan: a decrypted secure: value of five characters is masked where it is produced, in every format and in --against", async function () {
        const encrypted = passphraseStack("canary-passphrase");
        const stackWith = (logLevel: string): string =>
            `encryptionsalt: ${encrypted.encryptionSalt}\n${fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(/^( {8}LOG_LEVEL:) info$/m, `$1 ${logLevel}`)}`;
        const before = projectWith(path.join(scratch, "short-before"), { "Pulumi.dev.yaml": stackWith("info") });
        const after = projectWith(path.join(scratch, "short-after"), { "Pulumi.dev.yaml": stackWith(`\n          secure: ${encrypted.encrypt(SHORT_SECRET)}`) });
        assert.match(fs.readFileSync(path.join(after, "Pulumi.dev.yaml"), "utf8"), /LOG_LEVEL: \n {10}secure: v1:/);
        const env = { PULUMI_CONFIG_PASSPHRASE: "canary-passphrase" };
        const previous = path.join(scratch, "short-previous.json");
        const first = await runTool(["plan", "--project-dir", before, "--stack", "dev", "--no-tree", "--output", `json=${previous}`], { env });
        assert.ok(first.status === 0 || first.status === 1, first.stderr);
        const result = await releaseRun("plan short secret", ["plan", "--project-dir", after, "--stack", "dev", "--against", previous], env, FORMATS, ["json"]);
        assert.ok(result.code === 0 || result.code === 1, JSON.stringify(result.texts["stderr (human)"]));
        assert.match(result.texts.human ?? "", /env\[\d\]\.value: secret value changed/);
        assert.deepEqual(releaseLeaks(result), []);
    });
});
