import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import AjvDraft04 from "ajv-draft-04";
import type { Log, Result } from "sarif";
import { findingFingerprint, formatSarif, SECURITY_SEVERITY } from "../../tools/format/sarif";
import { isBlocking, Report } from "../../tools/report";
import { PROJECT_DIR } from "../support/stacks";
import { auditReport, cleanReport, ECR, failedReport, INPUT_CANARY, RDS, realReport, reportWithFindings, resourcesOf } from "./fixtures";

const SCHEMA_FILE = path.join(PROJECT_DIR, "test", "reference", "schemas", "sarif", "sarif-schema-2.1.0.json");

function validator(): (document: unknown) => string[] {
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    // The schema's formats, checked rather than ignored.
    ajv.addFormat("uri", (value: string) => URL.canParse(value));
    ajv.addFormat("uri-reference", (value: string) => URL.canParse(value, "file:///base/") && !/[\s\\]/.test(value));
    ajv.addFormat("date-time", (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value));
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object);
    return (document) => (validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`));
}

function sarifOf(report: Report): Log {
    return JSON.parse(formatSarif(report)) as Log;
}

function resultsOf(log: Log): Result[] {
    return log.runs[0].results ?? [];
}

describe("formats: sarif", function () {
    const validate = validator();

    for (const [name, build] of [
        ["findings, exemptions, a preview unknown and a failed stack", reportWithFindings],
        ["no findings at all", cleanReport],
        ["only a failed stack", failedReport],
        ["an audit of an absolute path", auditReport],
    ] as const) {
        it(`validates against the OASIS SARIF 2.1.0 schema: ${name}`, function () {
            assert.deepEqual(validate(sarifOf(build())), []);
        });
    }

    it("validates against the OASIS SARIF 2.1.0 schema: the real dev stack, rendered and judged", async function () {
        const report = await realReport();
        const log = sarifOf(report);
        assert.deepEqual(validate(log), []);
        assert.equal(resultsOf(log).length, report.stacks[0].findings.length + report.stacks[0].exemptions.length);
    });

    it("uses a validator that does reject invalid SARIF", function () {
        const log = sarifOf(reportWithFindings());
        const results = resultsOf(log);
        assert.notDeepEqual(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...results[0], level: "fatal" }] }] }), []);
        assert.notDeepEqual(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...results[0], locations: [{ physicalLocation: { artifactLocation: { uri: "has space\\x" } } }] }] }] }), []);
        assert.notDeepEqual(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] }), []);
    });

    it("describes the tool and every rule, with help on fixing and exempting", function () {
        const report = reportWithFindings();
        const driver = sarifOf(report).runs[0].tool.driver;
        assert.equal(driver.name, report.tool.name);
        assert.equal(driver.version, report.tool.policyPack);
        assert.ok(driver.informationUri?.startsWith("https://"));
        assert.deepEqual(driver.rules?.map((rule) => rule.id), report.rules.map((rule) => rule.name));
        for (const [index, rule] of report.rules.entries()) {
            const descriptor = driver.rules?.[index];
            assert.ok(descriptor);
            assert.equal(descriptor.shortDescription?.text, rule.description);
            assert.ok(descriptor.fullDescription?.text.includes(rule.rationale));
            for (const text of [descriptor.help?.text ?? "", descriptor.help?.markdown ?? ""]) {
                assert.ok(text.includes(rule.rationale) && text.includes(rule.remediation), `${rule.name}: help lacks rationale or remediation`);
                if (rule.exemptable && rule.kind === "resource") {
                    for (const needle of [`policy.platform/exempt-${rule.name}`, "YYYY-MM-DD <reason>", `{"${rule.name}": {"exemptions": [{"resource": `, '"reason": ', '"expires": "YYYY-MM-DD"']) {
                        assert.ok(text.includes(needle), `${rule.name}: help lacks ${needle}`);
                    }
                } else {
                    assert.match(text, /cannot be exempted/, `${rule.name}: help does not say it cannot be exempted`);
                }
            }
            assert.equal(descriptor.properties?.["security-severity"], SECURITY_SEVERITY[rule.severity]);
            assert.ok(descriptor.properties?.tags?.includes("security"));
            assert.equal(descriptor.defaultConfiguration?.level, rule.severity === "critical" || rule.severity === "high" ? "error" : rule.severity === "medium" ? "warning" : "note");
        }
        assert.deepEqual(SECURITY_SEVERITY, { critical: "9.0", high: "7.5", medium: "5.0", low: "2.0" });
        assert.ok(report.rules.some((rule) => rule.exemptable) && report.rules.some((rule) => !rule.exemptable), "fixture covers both kinds of rule");
    });

    it("has one result per finding, an error when mandatory and a warning when advisory", function () {
        const report = reportWithFindings();
        const results = resultsOf(sarifOf(report)).filter((result) => result.suppressions === undefined);
        const findings = report.stacks.flatMap((stack) => stack.findings);
        assert.equal(results.length, findings.length);
        findings.forEach((finding, index) => {
            assert.equal(results[index].ruleId, finding.rule);
            assert.equal(report.rules[results[index].ruleIndex ?? -1]?.name, finding.rule);
            assert.equal(results[index].message.text, finding.message);
            assert.equal(results[index].level, isBlocking(finding) ? "error" : "warning");
        });
        assert.ok(results.some((result) => result.level === "warning" && result.message.text?.startsWith("can't run policy")), "the preview unknown is a warning");
    });

    it("reports exemptions as results with an accepted suppression", function () {
        const report = reportWithFindings();
        const suppressed = resultsOf(sarifOf(report)).filter((result) => result.suppressions !== undefined);
        assert.deepEqual(
            suppressed.map((result) => [result.ruleId, result.suppressions?.[0].kind, result.suppressions?.[0].status, result.level]),
            [
                ["registry-immutable-tags", "inSource", "accepted", "error"],
                ["encryption-at-rest", "external", "accepted", "error"],
            ],
        );
        assert.match(suppressed[0].suppressions?.[0].justification ?? "", /release tooling re-tags latest \(exempted until 2099-12-31/);
        assert.equal(suppressed[0].locations?.[0].logicalLocations?.[0].fullyQualifiedName, resourcesOf("prod")[ECR].urn);
    });

    it("locates a finding at the stack file, with its URN and its component's source file", function () {
        const results = resultsOf(sarifOf(reportWithFindings()));
        const rds = resourcesOf("prod")[RDS];
        const [onRds] = results.filter((result) => result.locations?.[0].logicalLocations?.[0].fullyQualifiedName === rds.urn);
        assert.deepEqual(onRds.locations?.[0].physicalLocation, { artifactLocation: { uri: "Pulumi.prod.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 1 } });
        assert.deepEqual(onRds.locations?.[0].logicalLocations, [{ fullyQualifiedName: rds.urn, name: rds.name, kind: "resource" }]);
        assert.deepEqual(onRds.relatedLocations?.[0].physicalLocation?.artifactLocation, { uri: "components/postgres/aws.ts", uriBaseId: "%SRCROOT%" });
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "components/postgres/aws.ts")));

        const [stackWide] = results.filter((result) => result.ruleId === "environment-parity");
        assert.equal(stackWide.locations?.[0].physicalLocation?.artifactLocation?.uri, "Pulumi.prod.yaml");
        assert.equal(stackWide.locations?.[0].logicalLocations, undefined);
        assert.equal(stackWide.relatedLocations, undefined);
    });

    it("locates an audit's findings at the audited file", function () {
        const [result] = resultsOf(sarifOf(auditReport()));
        assert.equal(result.locations?.[0].physicalLocation?.artifactLocation?.uri, "file:///var/tmp/state/prod.json");
        assert.equal(result.locations?.[0].physicalLocation?.artifactLocation?.uriBaseId, undefined);
    });

    it("fingerprints a finding by rule, resource and message: stable across runs, distinct between findings", function () {
        const report = reportWithFindings();
        const first = resultsOf(sarifOf(report));
        const again = resultsOf(sarifOf(reportWithFindings()));
        assert.deepEqual(first.map((result) => result.partialFingerprints), again.map((result) => result.partialFingerprints));
        const hashes = first.map((result) => result.partialFingerprints?.primaryLocationLineHash);
        assert.equal(new Set(hashes).size, hashes.length);
        const rds = resourcesOf("prod")[RDS];
        const finding = report.stacks[0].findings[0];
        assert.equal(finding.urn, rds.urn);
        assert.equal(first[0].partialFingerprints?.primaryLocationLineHash, findingFingerprint(finding.rule, rds.urn, finding.message));
        // The same violation, once exempted, keeps its identity: GitHub sees the alert suppressed, not a new one.
        const exemption = report.stacks[0].exemptions[0];
        const exempted = first.find((result) => result.suppressions !== undefined);
        assert.equal(exempted?.partialFingerprints?.primaryLocationLineHash, findingFingerprint(exemption.rule, exemption.urn, exemption.message));
    });

    it("reports a stack that failed as an unsuccessful invocation, not as results", function () {
        const log = sarifOf(reportWithFindings());
        const [invocation] = log.runs[0].invocations ?? [];
        assert.equal(invocation.executionSuccessful, false);
        assert.equal(invocation.exitCode, 2);
        assert.deepEqual(
            invocation.toolExecutionNotifications?.map((notification) => [notification.level, notification.locations?.[0].physicalLocation?.artifactLocation?.uri]),
            [["error", "Pulumi.dev.yaml"]],
        );
        assert.match(invocation.toolExecutionNotifications?.[0].message.text ?? "", /^stack dev: cannot render Pulumi\.dev\.yaml: .*expected a string, got 42/);
        assert.ok(resultsOf(log).every((result) => result.locations?.[0].physicalLocation?.artifactLocation?.uri !== "Pulumi.dev.yaml"));
    });

    it("has an empty, successful run when nothing was found", function () {
        const log = sarifOf(cleanReport());
        assert.deepEqual(log.runs[0].results, []);
        assert.equal(log.runs[0].invocations?.[0].executionSuccessful, true);
        assert.equal(log.runs[0].invocations?.[0].exitCode, 0);
        assert.equal(log.runs.length, 1);
    });

    it("prints no resource input values", function () {
        assert.ok(!formatSarif(reportWithFindings()).includes(INPUT_CANARY));
    });
});
