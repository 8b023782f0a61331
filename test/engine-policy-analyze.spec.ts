import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateExport, GeneratedExport, GeneratedResource } from "../bench/generate-export";
import { readStateFile } from "../engine/state-files";
import { EXEMPTION_PREFIX } from "../policies/lib/exemptions";
import { ALL_RULES } from "../policies/rules";
import { auditInput } from "../tools/audit";
import { StackReport } from "../tools/report";
import { analyze, assertSameVerdicts, AUDIT_BIN, engineAttribution, exemptionsListingLevel, offlineVerdicts } from "./support/engine-verdicts";
import { cliOrSkip, PulumiCli } from "./support/pulumi-cli";
import { FIXTURES, fixtureDocument } from "./support/state-fixtures";
import { PROJECT_DIR } from "./support/stacks";

/**
 * The offline `audit` against the real engine: `pulumi policy analyze --file <export> --policy-pack policies
 * --json` (CLI >= 3.249) on the same state file must give the same verdicts — rule, resource, enforcement
 * level and message — with and without a --policy-pack-config, with exemptions in use.
 */

interface Case {
    readonly name: string;
    readonly file: string;
    readonly packConfig?: Record<string, unknown>;
    /** Rules the case exists for: each must report at least one verdict. */
    readonly expectRules?: readonly string[];
    readonly expectExemptions?: number;
    /** Run the `audit` command (JSON output, exit code) instead of `auditInput`. */
    readonly viaCommand?: boolean;
    /** The CLI's pack loads its TypeScript with ts-node, exactly as run-policy-pack registers it (see the launcher). */
    readonly packAsPulumiRuns?: boolean;
}

function deploymentOf(document: GeneratedExport): GeneratedResource[] {
    return document.deployment.resources;
}

function withResource(document: GeneratedExport, type: string, change: (resource: GeneratedResource) => void): GeneratedExport {
    const copy = JSON.parse(JSON.stringify(document)) as GeneratedExport;
    const target = deploymentOf(copy).find((resource) => resource.type === type);
    assert.ok(target, `the generated export has a ${type}`);
    change(target);
    return copy;
}

type Json = Record<string, unknown>;

function containerOf(resource: GeneratedResource, field: "inputs" | "outputs"): Json {
    const spec = (resource[field] as Json).spec as Json;
    const podSpec = (spec.template as Json).spec as Json;
    return (podSpec.containers as Json[])[0];
}

function bothStates(resource: GeneratedResource, change: (props: Json) => void): void {
    change(resource.inputs as Json);
    change(resource.outputs as Json);
}

describe("audit agrees with `pulumi policy analyze --file` (the real Pulumi engine)", function () {
    this.timeout(600_000);
    let cli: PulumiCli;
    let scratch: string;

    before(function () {
        cli = cliOrSkip(this);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-engine-analyze-"));
    });

    after(function () {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    function write(name: string, document: unknown): string {
        const file = path.join(scratch, name);
        fs.writeFileSync(file, JSON.stringify(document));
        return file;
    }

    /** The offline side: `auditInput` in-process, or the `audit` command itself (`--format json`) with its exit code. */
    function offlineAudit(testCase: Case, configFile: string | undefined): { report: StackReport; exitCode?: number } {
        if (!testCase.viaCommand) return { report: auditInput(readStateFile(testCase.file), { rules: ALL_RULES, packConfig: testCase.packConfig, tier: "prod", now: new Date() }) };
        const args = [AUDIT_BIN, "audit", testCase.file, "--tier", "prod", "--format", "json", ...(configFile ? ["--policy-pack-config", configFile] : [])];
        const result = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
        const document = JSON.parse(result.stdout) as { stacks: StackReport[] };
        assert.equal(document.stacks.length, 1, result.stderr);
        return { report: document.stacks[0], exitCode: result.status ?? undefined };
    }

    function agree(testCase: Case): void {
        const configFile = testCase.packConfig ? write(`${testCase.name}.config.json`, testCase.packConfig) : undefined;
        const engine = analyze(cli, testCase.file, configFile, { packAsPulumiRuns: testCase.packAsPulumiRuns });
        assert.ok(engine.summary, `policy analyze printed no summary event:\n${engine.stderr}`);
        // The CLI starts the pack without a stack for --file, so the pack applies prod enforcement to any file.
        const { report, exitCode } = offlineAudit(testCase, configFile);
        const offline = offlineVerdicts(report, engineAttribution(testCase.file), exemptionsListingLevel(testCase.packConfig));
        assertSameVerdicts(engine.verdicts, offline);
        const mandatory = offline.some((verdict) => verdict.enforcement === "mandatory" || verdict.enforcement === "remediate");
        assert.equal(engine.code === 0, !mandatory, `exit code ${engine.code} with ${mandatory ? "" : "no "}mandatory verdicts:\n${engine.stderr}`);
        if (exitCode !== undefined) assert.equal(exitCode, engine.code === 0 ? 0 : 1, "`audit` exits 1 exactly when `policy analyze` fails");
        for (const rule of testCase.expectRules ?? []) {
            assert.ok(engine.verdicts.some((verdict) => verdict.rule === rule), `the engine reported no ${rule} verdict`);
        }
        if (testCase.expectExemptions !== undefined) assert.equal(report.exemptions.length, testCase.expectExemptions);
    }

    describe("the real state files (pulumi/pulumi testdata), as `pulumi stack export` writes them", function () {
        for (const fixture of FIXTURES) {
            it(`${fixture}: same verdicts`, function () {
                const { checkpoint } = fixtureDocument(fixture) as { checkpoint: { latest: unknown } };
                const file = write(`${fixture}.export.json`, { version: 3, deployment: checkpoint.latest });
                agree({ name: fixture, file, expectRules: ["encryption-at-rest"] });
            });
        }
    });

    describe("a stack the CLI is not told about: an exported dev stack", function () {
        // `policy analyze --file` starts the pack with no stack, so enforcement is prod's (the strictest) for
        // any file; `audit` takes the tier from the file's URNs unless given --tier. The verdicts are equal with
        // `audit --tier prod`; the default differs in enforcement only, and this spec keeps that visible.
        it("same verdicts as `audit --tier prod`; `audit`'s default judges with dev's enforcement instead", function () {
            const dev = JSON.parse(JSON.stringify(generateExport(90)).split("urn:pulumi:prod::").join("urn:pulumi:dev::")) as GeneratedExport;
            const file = write("generated-dev.json", dev);
            agree({ name: "dev", file, expectRules: ["image-pinned-by-digest", "environment-parity"] });
            const byDefault = auditInput(readStateFile(file), { rules: ALL_RULES, now: new Date() });
            assert.equal(byDefault.tier, "dev");
            const advisoryInDev = byDefault.findings.filter((finding) => finding.rule === "image-pinned-by-digest");
            assert.ok(advisoryInDev.length > 0 && advisoryInDev.every((finding) => finding.enforcement === "advisory"));
        });
    });

    describe("a generated prod export and variants seeded with mistakes", function () {
        const base = generateExport(90);

        it("the generated export: same verdicts", function () {
            agree({ name: "generated", file: write("generated.json", base), expectRules: ["image-pinned-by-digest"], packAsPulumiRuns: true });
        });

        it("an image pinned by tag only, a plaintext password, a public RDS instance: same verdicts", function () {
            let seeded = withResource(base, "kubernetes:apps/v1:Deployment", (deployment) => {
                for (const field of ["inputs", "outputs"] as const) {
                    const container = containerOf(deployment, field);
                    container.image = "nginx:1.27";
                    container.env = [...(container.env as Json[]), { name: "DB_PASSWORD", value: "correct-horse-battery-staple-42" }];
                }
            });
            seeded = withResource(seeded, "aws:rds/instance:Instance", (instance) =>
                bothStates(instance, (props) => {
                    props.password = "correct-horse-battery-staple-42";
                    props.publiclyAccessible = true;
                }),
            );
            agree({ name: "seeded", file: write("seeded.json", seeded), viaCommand: true, expectRules: ["image-pinned-by-digest", "no-plaintext-secrets", "no-public-data-stores", "credentials-from-secret-store"] });
        });

        it("with a --policy-pack-config: `all` advisory, per-rule levels, a disabled rule: same verdicts", function () {
            const file = write("generated-config.json", base);
            agree({
                name: "all-advisory",
                file,
                viaCommand: true,
                packConfig: { all: "advisory", "image-pinned-by-digest": "mandatory", "encryption-at-rest": { enforcementLevel: "disabled" } },
                expectRules: ["image-pinned-by-digest"],
            });
            agree({ name: "all-mandatory", file, packConfig: { all: "mandatory", "containers-run-as-non-root": "advisory" } });
        });

        it("with exemptions in use (resource tags and annotations, pack config, one expired): same verdicts", function () {
            let exempted = withResource(base, "kubernetes:apps/v1:Deployment", (deployment) =>
                bothStates(deployment, (props) => {
                    const metadata = props.metadata as Json;
                    metadata.annotations = { [`${EXEMPTION_PREFIX}workload-probes-and-limits`]: "2099-12-31 vendor image without probes, replaced in Q1" };
                    const container = ((((props.spec as Json).template as Json).spec as Json).containers as Json[])[0];
                    container.image = "nginx:1.27";
                    delete container.livenessProbe;
                    delete container.readinessProbe;
                }),
            );
            exempted = withResource(exempted, "aws:rds/instance:Instance", (instance) =>
                bothStates(instance, (props) => {
                    props.storageEncrypted = false;
                    props.tags = { ...(props.tags as Json), [`${EXEMPTION_PREFIX}encryption-at-rest`]: "2020-01-31 migration window for the legacy snapshot" };
                }),
            );
            const deployment = deploymentOf(exempted).find((resource) => resource.type === "kubernetes:apps/v1:Deployment");
            assert.ok(deployment);
            agree({
                name: "exempted",
                viaCommand: true,
                file: write("exempted.json", exempted),
                packConfig: { "image-pinned-by-digest": { exemptions: [{ resource: deployment.urn, reason: "third-party image mirrored next sprint", expires: "2099-06-30" }] } },
                expectExemptions: 2,
            });
        });
    });
});
