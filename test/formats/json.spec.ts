import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { formatJson } from "../../tools/format/json";
import { Report } from "../../tools/report";
import { PROJECT_DIR } from "../support/stacks";
import { auditReport, cleanReport, failedReport, INPUT_CANARY, realReport, reportWithFindings } from "./fixtures";

const SCHEMA_FILE = path.join(PROJECT_DIR, "docs", "report.schema.json");

function validator(): (document: unknown) => string[] {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object);
    return (document) => (validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`));
}

/** Every key of every object in a JSON value, in document order, as JSON paths of keys only. */
function keyOrders(value: unknown, out: string[][] = []): string[][] {
    if (Array.isArray(value)) value.forEach((item) => keyOrders(item, out));
    else if (typeof value === "object" && value !== null) {
        out.push(Object.keys(value));
        Object.values(value).forEach((child) => keyOrders(child, out));
    }
    return out;
}

/** The same object with its keys inserted in reverse order, recursively. */
function reversedKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reversedKeys);
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(Object.entries(value).reverse().map(([key, child]) => [key, reversedKeys(child)]));
}

describe("formats: json", function () {
    const validate = validator();

    it("is the report itself, 2-space indented, with a trailing newline", function () {
        const report = reportWithFindings();
        const text = formatJson(report);
        assert.ok(text.endsWith("}\n"));
        assert.ok(text.startsWith('{\n  "command": "plan",'));
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
    });

    it("sorts every object's keys and keeps arrays in order", function () {
        const report = reportWithFindings();
        const document = JSON.parse(formatJson(report)) as Report;
        for (const keys of keyOrders(document)) assert.deepEqual(keys, [...keys].sort());
        assert.deepEqual(document.stacks.map((stack) => stack.stack), ["prod", "staging", "dev"]);
        assert.deepEqual(document.rules.map((rule) => rule.name), report.rules.map((rule) => rule.name));
    });

    it("gives the same bytes whatever order the keys were built in", function () {
        const report = reportWithFindings();
        assert.equal(formatJson(reversedKeys(report) as Report), formatJson(report));
    });

    it("passes the masked inputs through as they are", function () {
        const text = formatJson(reportWithFindings());
        assert.ok(text.includes('"password": "[secret]"'));
        assert.ok(text.includes(INPUT_CANARY));
    });

    for (const [name, build] of [
        ["findings, exemptions, a preview unknown, a failed stack, diff and parity", reportWithFindings],
        ["no findings at all", cleanReport],
        ["only a failed stack", failedReport],
        ["an audit", auditReport],
    ] as const) {
        it(`validates against docs/report.schema.json: ${name}`, function () {
            assert.deepEqual(validate(JSON.parse(formatJson(build()))), []);
        });
    }

    it("validates against docs/report.schema.json: the real dev stack, rendered and judged", async function () {
        const report = await realReport();
        assert.equal(report.stacks[0].error, undefined, report.stacks[0].error);
        assert.ok(report.stacks[0].resources.length > 50);
        assert.deepEqual(validate(JSON.parse(formatJson(report))), []);
    });

    it("has a schema that rejects a broken report", function () {
        const good = JSON.parse(formatJson(reportWithFindings())) as Record<string, unknown> & { stacks: Record<string, unknown>[]; summary: Record<string, unknown> };
        const broken: [string, unknown][] = [
            ["no summary", { ...good, summary: undefined }],
            ["an unknown schema version", { ...good, schemaVersion: 2 }],
            ["an unknown command", { ...good, command: "apply" }],
            ["a property the schema does not know", { ...good, extra: true }],
            ["a finding with an unknown enforcement", { ...good, stacks: [{ ...good.stacks[0], findings: [{ rule: "x", severity: "high", enforcement: "blocking", message: "m" }] }] }],
            ["an exemption without expiry", { ...good, stacks: [{ ...good.stacks[0], exemptions: [{ rule: "x", urn: "urn:pulumi:a::b::c::d", reason: "r", source: "resource", message: "m" }] }] }],
            ["a stack without resources", { ...good, stacks: [{ ...good.stacks[0], resources: undefined }] }],
            ["an exit code that does not exist", { ...good, summary: { ...good.summary, exitCode: 3 } }],
            ["a parity row with an object value", { ...good, parity: [{ path: "a", values: { prod: { nested: 1 } }, status: "same" }] }],
        ];
        for (const [what, document] of broken) {
            assert.notDeepEqual(validate(JSON.parse(JSON.stringify(document))), [], `accepted ${what}`);
        }
    });

    it("documents every property of the schema", function () {
        const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
        const missing: string[] = [];
        const walk = (node: unknown, where: string): void => {
            if (typeof node !== "object" || node === null) return;
            const record = node as Record<string, unknown>;
            for (const [name, property] of Object.entries((record.properties ?? {}) as Record<string, Record<string, unknown>>)) {
                const documented = typeof property.description === "string" || (typeof property.$ref === "string" && typeof (schema.$defs as Record<string, Record<string, unknown>>)[property.$ref.replace("#/$defs/", "")]?.description === "string");
                if (!documented) missing.push(`${where}.${name}`);
            }
            for (const [key, child] of Object.entries(record)) walk(child, `${where}.${key}`);
        };
        walk(schema, "$");
        assert.deepEqual(missing, []);
    });
});
