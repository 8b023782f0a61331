import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStateFile, stackRuleView } from "../engine/state-files";
import { EXEMPTIONS_IN_USE } from "../policies/lib/crossguard";
import { ALL_RULES } from "../policies/rules";
import { auditInput } from "../tools/audit";
import { PolicyPackProcess } from "./support/analyzer-client";
import { referenceFile } from "./support/reference";
import { PROJECT_DIR } from "./support/stacks";

const BIN = path.join(PROJECT_DIR, "tools", "bin.js");
const FIXTURES = ["checkpoint-v3.json", "checkpoint-v4.json", "checkpoint-secrets.json"].map((name) => referenceFile("fixtures", "pulumi", name));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every ciphertext in the secrets fixture. */
function ciphertexts(): string[] {
    const found: string[] = [];
    JSON.stringify(JSON.parse(fs.readFileSync(FIXTURES[2], "utf8")), (key, value: unknown) => {
        if (key === "ciphertext" && typeof value === "string") found.push(value);
        return value;
    });
    return found;
}

describe("the audit command", function () {
    this.timeout(180_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-audit-"));

    it("judges the real state files: unencrypted SNS topics and log groups are mandatory violations (exit 1)", function () {
        const { code, stdout } = run(["audit", ...FIXTURES, "--no-tree"]);
        assert.equal(code, 1);
        assert.match(stdout, /✖ mandatory encryption-at-rest {2}countDown \(aws:sns\/topic:Topic\): SNS topic countDown is not encrypted with KMS \(kmsMasterKeyId is not set\)/);
        assert.match(stdout, /3 stacks, 90 resources: 12 mandatory violations/);
    });

    it("never prints a secret: no ciphertext in any output format", function () {
        const secrets = ciphertexts();
        assert.equal(secrets.length, 10);
        const outputs = ["json", "sarif", "junit", "markdown", "human"].map((format) => `${format}=${path.join(scratch, `audit.${format}`)}`);
        const { code, stdout, stderr } = run(["audit", FIXTURES[2], ...outputs.flatMap((spec) => ["--output", spec])]);
        assert.equal(code, 1, stderr);
        const everything = [stdout, stderr, ...outputs.map((spec) => fs.readFileSync(spec.split("=")[1], "utf8"))].join("\n");
        for (const secret of secrets) assert.ok(!everything.includes(secret.slice(0, 16)), "a ciphertext leaked");
        assert.ok(everything.includes("[secret]"), "secrets show as [secret]");
    });

    it("an unreadable file exits 2 with one line and the other files are still judged", function () {
        const truncated = path.join(scratch, "truncated.json");
        fs.writeFileSync(truncated, fs.readFileSync(FIXTURES[2], "utf8").slice(0, 5000));
        const { code, stdout } = run(["audit", truncated, FIXTURES[0], "--no-tree"]);
        assert.equal(code, 2);
        assert.match(stdout, /cannot read: .*truncated\.json: not valid JSON/);
        assert.match(stdout, /Stack foo/);
        assert.ok(!/\n\s+at /.test(stdout));
    });

    it("bad usage exits 2", function () {
        assert.equal(run(["audit"]).code, 2);
        assert.equal(run(["audit", FIXTURES[0], "--tier", "qa"]).code, 2);
    });

    it("agrees with the policy pack driven as `pulumi policy analyze` drives it", async function () {
        const input = readStateFile(FIXTURES[2]);
        const offline = auditInput(input, { rules: ALL_RULES, now: new Date() })
            .findings.map((finding) => `${finding.rule} | ${finding.urn ?? ""} | ${finding.enforcement} | ${finding.message}`)
            .sort();
        const pack = await PolicyPackProcess.start({ stack: input.stack, project: input.project, preview: false });
        try {
            await pack.configure({});
            const diagnostics = [];
            for (const resource of input.resources) {
                for (const diagnostic of await pack.analyze({ type: resource.type, name: resource.name, urn: resource.urn, props: resource.props })) {
                    diagnostics.push({ ...diagnostic, urn: diagnostic.urn || resource.urn });
                }
            }
            diagnostics.push(...(await pack.analyzeStack(stackRuleView(input.resources).map((resource) => ({ type: resource.type, name: resource.name, urn: resource.urn, props: resource.props })))));
            const overProtocol = diagnostics
                .filter((diagnostic) => diagnostic.policy !== EXEMPTIONS_IN_USE)
                .map((diagnostic) => `${diagnostic.policy} | ${diagnostic.urn} | ${diagnostic.enforcement} | ${diagnostic.message.split("\n").slice(1).join("\n")}`)
                .sort();
            assert.deepEqual(offline, overProtocol);
            assert.ok(offline.length >= 4, "the fixture's unencrypted topics and log groups are found");
        } finally {
            pack.stop();
        }
    });
});
