import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as pulumi from "@pulumi/pulumi";
import * as policyProxy from "@pulumi/policy/proxy";
import { generateExport } from "../bench/generate-export";
import { SECRET_MASK } from "../policies/lib/values";
import { InputFileError } from "../engine/input-error";
import {
    ARCHIVE_SIG,
    ASSET_SIG,
    AuditInput,
    BYTES_SIG,
    FLOAT_SIG,
    fromStateDocument,
    MAX_VALUE_DEPTH,
    needsPreviewSemantics,
    parseStateDocument,
    readStateFile,
    RESOURCE_REFERENCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    stackRuleView,
    UNKNOWN_SENTINELS,
    UNKNOWN_VALUE,
} from "../engine/state-files";
import { evaluate } from "../policies/lib/evaluate";
import { ResourceRule, RuleContext } from "../policies/lib/rule";
import { ALL_RULES } from "../policies/rules";
import { auditInput } from "../tools/audit";
import { formatHuman } from "../tools/format/human";
import { formatJunit } from "../tools/format/junit";
import { formatMarkdown } from "../tools/format/markdown";
import { formatSarif } from "../tools/format/sarif";
import { styleFor } from "../tools/format/style";
import { buildReport } from "../tools/report";
import {
    deploymentSchemaErrors,
    FIELDS_NEWER_THAN_SCHEMA,
    FIXTURES,
    fixtureDocument,
    fixturePath,
    fixtureText,
    forSchema,
    leaks,
    secretContents,
    secretFragments,
    serialized,
} from "./support/state-fixtures";

const STACK = "urn:pulumi:prod::platform::";
const CONTEXT: RuleContext = { stack: "prod", tier: "prod", now: new Date("2026-11-24T12:00:00Z") };

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function secret(ciphertext: string): Json {
    return { [SIG_KEY]: SECRET_SIG, ciphertext };
}

function exportOf(resources: Json[], version: 3 | 4 = 3): string {
    return JSON.stringify({ version, deployment: { manifest: { time: "2026-01-01T00:00:00Z", magic: "", version: "v3.270.0" }, resources } });
}

function resource(type: string, name: string, fields: { [key: string]: Json } = {}): { [key: string]: Json } {
    return { urn: `${STACK}${type}::${name}`, custom: true, type, ...fields };
}

function read(text: string): AuditInput {
    return parseStateDocument(text, "state.json");
}

function problem(action: () => unknown): string {
    try {
        action();
    } catch (error) {
        assert.ok(error instanceof InputFileError, `expected an InputFileError, got ${String(error)}`);
        assert.ok(!error.message.includes("\n"), `one line expected: ${error.message}`);
        return error.message;
    }
    assert.fail("expected the reader to refuse the input");
}

/** A rule that reads one property, to see what rules see. */
function probeRule(property: string, seen: unknown[] = []): ResourceRule {
    return {
        kind: "resource",
        name: "probe",
        description: "reads a property",
        severity: "low",
        rationale: "test",
        remediation: "none",
        resourceTypes: ["*"],
        enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" },
        exemptable: false,
        check: (subject) => {
            const value = subject.props[property];
            seen.push(value);
            return value === undefined ? [] : [`${property} is ${String(value)}`];
        },
    };
}

describe("state files: wire constants", () => {
    it("are the SDK's signatures, unknown sentinels and secret mask", () => {
        assert.equal(SIG_KEY, pulumi.runtime.specialSigKey);
        assert.equal(SECRET_SIG, pulumi.runtime.specialSecretSig);
        assert.equal(ASSET_SIG, pulumi.runtime.specialAssetSig);
        assert.equal(ARCHIVE_SIG, pulumi.runtime.specialArchiveSig);
        assert.equal(RESOURCE_REFERENCE_SIG, pulumi.runtime.specialResourceSig);
        assert.equal(UNKNOWN_VALUE, pulumi.runtime.unknownValue);
        const proxy = policyProxy as unknown as Record<string, unknown>;
        const sdkSentinels = ["Boolean", "Number", "String", "Array", "Asset", "Archive", "Object"].map((kind) => proxy[`unknown${kind}Value`]);
        assert.deepEqual([...UNKNOWN_SENTINELS].sort(), (sdkSentinels as string[]).sort());
    });
});

describe("state files: the real Pulumi checkpoints", () => {
    for (const name of FIXTURES) {
        it(`reads ${name}.json: 30 resources of stack foo, names from the URNs`, () => {
            const input = readStateFile(fixturePath(name));
            assert.equal(input.kind, "checkpoint");
            assert.equal(input.stack, "foo");
            assert.equal(input.project, "countdown");
            assert.equal(input.source, fixturePath(name));
            assert.equal(input.resources.length, 30);
            assert.deepEqual(input.notes, []);
            assert.equal(input.unknownValues, 0);
            const latest = (fixtureDocument(name).checkpoint as { latest: { resources: { urn: string; type: string; parent?: string }[] } }).latest;
            assert.deepEqual(input.resources.map((resource) => resource.urn), latest.resources.map((state) => state.urn));
            assert.deepEqual(input.resources.map((resource) => resource.type), latest.resources.map((state) => state.type));
            assert.deepEqual(input.resources.map((resource) => resource.parent), latest.resources.map((state) => state.parent));
            for (const resource of input.resources) assert.equal(resource.name, resource.urn.slice(resource.urn.lastIndexOf("::") + 2));
        });
    }

    it("gives rules the inputs as props and keeps the outputs for stack rules", () => {
        const input = readStateFile(fixturePath("checkpoint-v3"));
        const role = input.resources.find((resource) => resource.type === "aws:iam/role:Role")!;
        assert.ok(!("arn" in role.props), "inputs have no arn");
        assert.match(role.outputs.arn as string, /^arn:aws:iam::/);
        assert.equal(typeof role.props.assumeRolePolicy, "string");
        assert.ok(role.custom);
        assert.deepEqual(stackRuleView(input.resources)[3].props, input.resources[3].outputs);
        const component = input.resources.find((resource) => resource.type === "cloud:topic:Topic")!;
        assert.deepEqual([component.props, component.outputs, component.custom], [{}, {}, false]);
    });

    it("turns the 10 secrets of checkpoint-secrets.json into [secret], at the paths that held them", () => {
        const input = readStateFile(fixturePath("checkpoint-secrets"));
        const role = "urn:pulumi:foo::countdown::aws:iam/role:Role::countDown_watcher-iamrole";
        const lambda = "urn:pulumi:foo::countdown::aws:lambda/function:Function::countDown_watcher";
        const permission = "urn:pulumi:foo::countdown::aws:lambda/permission:Permission::countDown_watcher";
        const timer = "urn:pulumi:foo::countdown::cloud:timer:Timer::heartbeat";
        assert.deepEqual(Object.fromEntries(input.secretPaths), {
            [role]: ["assumeRolePolicy"],
            [lambda]: ["deadLetterConfig[0].targetArn"],
            [permission]: ["action", "function", "sourceArn"],
            [timer]: ["scheduleExpression"],
        });
        assert.deepEqual(Object.fromEntries(input.outputSecretPaths), { [role]: ["assumeRolePolicy", "uniqueId"], [lambda]: ["deadLetterConfig[0].targetArn"], [permission]: ["action"] });

        // Each path resolves to the placeholder, where the same checkpoint without secrets holds a real value.
        const plain = readStateFile(fixturePath("checkpoint-v3"));
        const at = (value: unknown, segments: (string | number)[]): unknown => segments.reduce<unknown>((node, segment) => (node as Record<string | number, unknown>)[segment], value);
        const segmentsOf = (secretPath: string): (string | number)[] => secretPath.split(/\.|\[(\d+)\]/).filter(Boolean).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
        let count = 0;
        for (const [paths, view] of [[input.secretPaths, "props"], [input.outputSecretPaths, "outputs"]] as const) {
            for (const [urn, secretPaths] of paths) {
                const index = input.resources.findIndex((resource) => resource.urn === urn);
                for (const secretPath of secretPaths) {
                    count++;
                    assert.equal(at(input.resources[index][view], segmentsOf(secretPath)), SECRET_MASK, `${urn} ${view} ${secretPath}`);
                    assert.equal(typeof at(plain.resources[index][view], segmentsOf(secretPath)), "string");
                }
            }
        }
        assert.equal(count, 10);
    });

    it("never lets a ciphertext of checkpoint-secrets.json into the result", () => {
        const ciphertexts = secretContents(fixtureDocument("checkpoint-secrets"));
        assert.equal(ciphertexts.length, 10);
        const text = serialized(readStateFile(fixturePath("checkpoint-secrets")));
        assert.deepEqual(leaks(text, secretFragments(ciphertexts)), []);
        assert.equal(text.split(`"${SECRET_MASK}"`).length - 1, 10);
    });

    it("reads the same deployment as `pulumi stack export` output, version 3 and 4", () => {
        const v3 = fixtureDocument("checkpoint-v3");
        const v4 = fixtureDocument("checkpoint-v4");
        const asExport = (document: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
            JSON.stringify({ version: document.version, ...extra, deployment: (document.checkpoint as { latest: unknown }).latest });
        const three = read(asExport(v3));
        const four = read(asExport(v4, { features: v4.features }));
        assert.equal(three.kind, "stack-export-v3");
        assert.equal(four.kind, "stack-export-v4");
        assert.deepEqual(four.resources, three.resources);
        assert.deepEqual(three.resources, readStateFile(fixturePath("checkpoint-v3")).resources);
    });

    it("feeds the pack's rules without an error, and no finding quotes a ciphertext", () => {
        const input = readStateFile(fixturePath("checkpoint-secrets"));
        const evaluation = evaluate(input.resources, { context: CONTEXT, rules: ALL_RULES, preview: needsPreviewSemantics(input), stackResources: stackRuleView(input.resources) });
        const messages = evaluation.findings.map((finding) => finding.message);
        assert.ok(!messages.some((message) => message.includes("could not evaluate")), messages.join("\n"));
        assert.deepEqual(leaks(messages.join("\n"), secretFragments(secretContents(fixtureDocument("checkpoint-secrets")))), []);
    });
});

describe("state files: what the analyzer hands a policy", () => {
    it("drops top-level `__` keys (SkipInternalKeys) and keeps nested ones", () => {
        const input = read(exportOf([resource("aws:s3/bucket:Bucket", "b", { inputs: { __defaults: ["bucket"], bucket: "b", tags: { __owner: "me" } }, outputs: { __meta: "{}", arn: "arn" } })]));
        assert.deepEqual(input.resources[0].props, { bucket: "b", tags: { __owner: "me" } });
        assert.deepEqual(input.resources[0].outputs, { arn: "arn" });
    });

    it("replaces resource references by their ID (or URN), decodes special floats and byte strings, keeps assets", () => {
        const asset = { [SIG_KEY]: ASSET_SIG, hash: "abc", text: "exports.handler = () => 1;" };
        const input = read(
            exportOf([
                resource("aws:lambda/function:Function", "f", {
                    inputs: {
                        role: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: `${STACK}aws:iam/role:Role::r`, id: "r-123", packageVersion: "7.48.0" },
                        component: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: `${STACK}platform:app:Service::s` },
                        nan: { [SIG_KEY]: FLOAT_SIG, value: "7ff8000000000001" },
                        infinity: { [SIG_KEY]: FLOAT_SIG, value: "7ff0000000000000" },
                        bytes: { [SIG_KEY]: BYTES_SIG, value: Buffer.from("héllo").toString("base64") },
                        code: { [SIG_KEY]: ARCHIVE_SIG, assets: { "index.js": asset } },
                    },
                }),
            ]),
        );
        const props = input.resources[0].props;
        assert.equal(props.role, "r-123");
        assert.equal(props.component, `${STACK}platform:app:Service::s`);
        assert.ok(Number.isNaN(props.nan));
        assert.equal(props.infinity, Infinity);
        assert.equal(props.bytes, "héllo");
        assert.deepEqual(props.code, { [SIG_KEY]: ARCHIVE_SIG, assets: { "index.js": asset } });
    });

    it("makes every secret envelope [secret] whatever it holds, and records its path", () => {
        const input = read(
            exportOf([
                resource("kubernetes:core/v1:Secret", "s", {
                    inputs: {
                        stringData: secret("v1:abc:CIPHERTEXT-ONE"),
                        plaintextExport: { [SIG_KEY]: SECRET_SIG, plaintext: '"PLAINTEXT-TWO"' },
                        wire: { [SIG_KEY]: SECRET_SIG, value: { nested: "VALUE-THREE" } },
                        malformed: { [SIG_KEY]: SECRET_SIG },
                        list: [{ "odd key": [secret("CIPHERTEXT-FOUR")] }],
                    },
                }),
            ]),
        );
        assert.deepEqual(input.resources[0].props, { stringData: "[secret]", plaintextExport: "[secret]", wire: "[secret]", malformed: "[secret]", list: [{ "odd key": ["[secret]"] }] });
        assert.deepEqual(input.secretPaths.get(`${STACK}kubernetes:core/v1:Secret::s`), ["stringData", "plaintextExport", "wire", "malformed", 'list[0]["odd key"][0]']);
        assert.deepEqual(leaks(serialized(input), ["CIPHERTEXT-ONE", "PLAINTEXT-TWO", "VALUE-THREE", "CIPHERTEXT-FOUR"]), []);
    });

    it("reaches rules with [secret] in place of the value", () => {
        const seen: unknown[] = [];
        const input = read(exportOf([resource("aws:rds/instance:Instance", "db", { inputs: { password: secret("v1:x:y") } })]));
        evaluate(input.resources, { context: CONTEXT, rules: [probeRule("password", seen)] });
        assert.deepEqual(seen, ["[secret]"]);
    });

    it("keeps unknowns as the sentinel the SDK's proxy catches: a rule meeting one reports the advisory can't-run result", () => {
        const input = read(exportOf([resource("aws:s3/bucket:Bucket", "b", { inputs: { arn: UNKNOWN_VALUE, nested: [{ count: "3eeb2bf0-c639-47a8-9e75-3b44932eb421" }] } })]));
        assert.equal(input.unknownValues, 2);
        assert.ok(needsPreviewSemantics(input));
        const evaluation = evaluate(input.resources, { context: CONTEXT, rules: [probeRule("arn")], preview: needsPreviewSemantics(input) });
        assert.equal(evaluation.findings.length, 1);
        assert.equal(evaluation.findings[0].enforcement, "advisory");
        assert.match(evaluation.findings[0].message, /can't run policy 'probe'.*during preview: string value at \.arn can't be known during preview/);
    });

    it("analyses the stack and provider resources but not those pending deletion", () => {
        const input = read(
            exportOf([
                { urn: `${STACK}pulumi:pulumi:Stack::platform-prod`, custom: false, type: "pulumi:pulumi:Stack" },
                resource("pulumi:providers:aws", "default", { id: "p-1", inputs: { region: "eu-west-1" } }),
                resource("aws:s3/bucket:Bucket", "old", { delete: true }),
                resource("aws:s3/bucket:Bucket", "old", { provider: `${STACK}pulumi:providers:aws::default::p-1`, propertyDependencies: { bucket: null, tags: [`${STACK}x:y:Z::z`] } }),
            ]),
        );
        assert.deepEqual(input.resources.map((resource) => resource.type), ["pulumi:pulumi:Stack", "pulumi:providers:aws", "aws:s3/bucket:Bucket"]);
        assert.deepEqual(input.notes, ["1 resource is pending deletion and not audited, as `pulumi policy analyze` skips them"]);
        assert.equal(input.skippedResources, 1);
        // The report counts what it skipped and carries the note to every format.
        const report = buildReport("audit", [auditInput(input, { rules: ALL_RULES, now: new Date() })], ALL_RULES);
        assert.equal(report.stacks[0].skippedResources, 1);
        assert.match(formatHuman(report, styleFor(undefined, false)), /3 resources audited, 1 skipped.*\n(?:.*\n)* {2}note: 1 resource is pending deletion and not audited/);
        assert.match(formatMarkdown(report), /1 resource is pending deletion and not audited/);
        assert.match(formatSarif(report), /"text": "stack prod: 1 resource is pending deletion and not audited/);
        assert.match(formatJunit(report), /note: 1 resource is pending deletion and not audited/);
        assert.deepEqual(input.resources[2].propertyDependencies, { bucket: [], tags: [`${STACK}x:y:Z::z`] });
        assert.equal(input.resources[2].provider, `${STACK}pulumi:providers:aws::default::p-1`);
        assert.equal(input.resources[1].id, "p-1");
    });

    it("takes a name containing `::` whole, and the stack and project from the URNs", () => {
        const input = read(exportOf([{ urn: "urn:pulumi:staging::shop::platform:index:Platform$aws:s3/bucket:Bucket::odd::name", custom: true, type: "aws:s3/bucket:Bucket" }]));
        assert.deepEqual([input.stack, input.project, input.resources[0].name], ["staging", "shop", "odd::name"]);
    });

    it("shares unchanged values with the parsed document and never modifies it", () => {
        const document = JSON.parse(exportOf([resource("aws:s3/bucket:Bucket", "b", { inputs: { tags: { a: "b" }, password: secret("CIPHER"), deep: { list: [1, 2] } } })])) as {
            deployment: { resources: { inputs: Record<string, unknown> }[] };
        };
        const before = JSON.stringify(document);
        const input = fromStateDocument(document, "state.json");
        assert.equal(JSON.stringify(document), before);
        const inputs = document.deployment.resources[0].inputs;
        assert.equal(input.resources[0].props.tags, inputs.tags);
        assert.equal(input.resources[0].props.deep, inputs.deep);
        assert.notEqual(input.resources[0].props, inputs);
    });

    it("keeps a `__proto__` key as data, never as a prototype", () => {
        // JSON.parse makes `__proto__` an own data property; the reader must keep it one when it copies.
        const token = JSON.stringify(secret("PROTO-CIPHER"));
        const text = exportOf([resource("aws:s3/bucket:Bucket", "b", { inputs: { tags: "TAGS" } })]).replace('"TAGS"', `{"__proto__": {"polluted": "yes", "token": ${token}}, "x": 1}`);
        const input = read(text);
        const tags = input.resources[0].props.tags as Record<string, unknown>;
        assert.equal(Object.getPrototypeOf(tags), Object.prototype);
        assert.deepEqual(Object.getOwnPropertyDescriptor(tags, "__proto__")?.value, { polluted: "yes", token: "[secret]" });
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        assert.deepEqual(input.secretPaths.get(`${STACK}aws:s3/bucket:Bucket::b`), ['tags["__proto__"].token']);
    });

    it("reads values nested up to MAX_VALUE_DEPTH levels and refuses deeper ones with one line", () => {
        // `levels` objects, the outermost being the props object.
        const nest = (levels: number): Json => {
            let value: Json = "leaf";
            for (let level = 0; level < levels; level++) value = { a: value };
            return value;
        };
        const ok = read(exportOf([resource("x:y:Z", "z", { inputs: nest(MAX_VALUE_DEPTH) as { [key: string]: Json } })]));
        assert.equal(ok.resources.length, 1);
        const message = problem(() => read(exportOf([resource("x:y:Z", "z", { inputs: nest(MAX_VALUE_DEPTH + 1) as { [key: string]: Json } })])));
        assert.match(message, /^state\.json: `deployment\.resources\[0\]\.inputs\.a\.a\.a.*…` \(urn:pulumi:prod::platform::x:y:Z::z\) is nested more than 1000 levels deep/);
    });
});

describe("state files: `pulumi preview --json` output", () => {
    const urn = (type: string, name: string): string => `${STACK}platform:index:Platform$${type}::${name}`;
    const state = (type: string, name: string, inputs: { [key: string]: Json }, outputs: { [key: string]: Json } = inputs): Json => ({
        urn: urn(type, name),
        custom: true,
        type,
        inputs,
        outputs,
        parent: `${STACK}platform:index:Platform::platform-prod`,
    });
    /** The digest shape of pulumi/pulumi pkg/display PreviewDigest: secrets already `[secret]`, unknowns the sentinel. */
    const digest = (withSames: boolean): string =>
        JSON.stringify({
            config: { "platform:tier": "prod", "platform:dbPassword": "[secret]" },
            steps: [
                { op: "same", urn: `${STACK}pulumi:pulumi:Stack::platform-prod`, oldState: { urn: `${STACK}pulumi:pulumi:Stack::platform-prod`, custom: false, type: "pulumi:pulumi:Stack" }, newState: { urn: `${STACK}pulumi:pulumi:Stack::platform-prod`, custom: false, type: "pulumi:pulumi:Stack" }, detailedDiff: null },
                ...(withSames ? [{ op: "same", urn: urn("aws:kms/key:Key", "key"), newState: state("aws:kms/key:Key", "key", { enableKeyRotation: true }), detailedDiff: null }] : []),
                { op: "create", urn: urn("aws:rds/instance:Instance", "db"), provider: "urn:...::default::04da6b54-80e4-46f7-96ec-b56ff0331ba9", newState: state("aws:rds/instance:Instance", "db", { password: "[secret]", storageEncrypted: true }, { password: "[secret]", arn: UNKNOWN_VALUE, endpoint: UNKNOWN_VALUE }), detailedDiff: null },
                { op: "update", urn: urn("aws:s3/bucket:Bucket", "logs"), oldState: state("aws:s3/bucket:Bucket", "logs", { acl: "public-read" }), newState: state("aws:s3/bucket:Bucket", "logs", { acl: "private", policy: UNKNOWN_VALUE }), diffReasons: ["acl"], detailedDiff: { acl: { kind: "update", inputDiff: true } } },
                { op: "create-replacement", urn: urn("aws:ecr/repository:Repository", "api"), newState: state("aws:ecr/repository:Repository", "api", { imageTagMutability: "IMMUTABLE" }), detailedDiff: null },
                { op: "replace", urn: urn("aws:ecr/repository:Repository", "api"), newState: state("aws:ecr/repository:Repository", "api", { imageTagMutability: "IMMUTABLE" }), replaceReasons: ["name"], detailedDiff: null },
                { op: "delete-replaced", urn: urn("aws:ecr/repository:Repository", "api"), oldState: state("aws:ecr/repository:Repository", "api", { imageTagMutability: "MUTABLE" }), detailedDiff: null },
                { op: "delete", urn: urn("aws:sns/topic:Topic", "gone"), oldState: state("aws:sns/topic:Topic", "gone", {}), detailedDiff: null },
            ],
            diagnostics: [{ message: "a warning", severity: "warning" }],
            duration: 1234567890,
            changeSummary: { create: 1, update: 1, replace: 1, delete: 1, same: withSames ? 2 : 1 },
        });

    it("reads each resource's new state once, deletes left out, secrets and unknowns as the engine printed them", () => {
        const input = read(digest(false));
        assert.equal(input.kind, "preview");
        assert.equal(input.stack, "prod");
        assert.deepEqual(
            input.resources.map((resource) => [resource.op, resource.type]),
            [["same", "pulumi:pulumi:Stack"], ["create", "aws:rds/instance:Instance"], ["update", "aws:s3/bucket:Bucket"], ["replace", "aws:ecr/repository:Repository"]],
        );
        assert.deepEqual(input.resources[2].props, { acl: "private", policy: UNKNOWN_VALUE });
        assert.deepEqual(Object.fromEntries(input.secretPaths), { [urn("aws:rds/instance:Instance", "db")]: ["password"] });
        assert.deepEqual(Object.fromEntries(input.outputSecretPaths), { [urn("aws:rds/instance:Instance", "db")]: ["password"] });
        assert.equal(input.unknownValues, 4);
        assert.ok(needsPreviewSemantics(input));
        assert.deepEqual(input.notes, ["the preview lists only resources that change; unchanged resources are not audited (run `pulumi preview --json --show-sames` to include them)"]);
    });

    it("says nothing about missing resources when the preview ran with --show-sames", () => {
        const input = read(digest(true));
        assert.deepEqual(input.notes, []);
        assert.equal(input.resources.length, 5);
    });

    it("runs rules with the unknown-checking proxy: an unknown is the advisory can't-run result", () => {
        const input = read(digest(false));
        const evaluation = evaluate(input.resources, { context: CONTEXT, rules: [probeRule("policy")], preview: needsPreviewSemantics(input) });
        assert.deepEqual(evaluation.findings.map((finding) => [finding.resourceName, finding.enforcement]), [["logs", "advisory"]]);
    });

    it("refuses a stream of engine events with a line that says what it is", () => {
        const events = [{ sequence: 0, timestamp: 1, preludeEvent: { config: {} } }, { sequence: 1, timestamp: 1, summaryEvent: {} }].map((event) => JSON.stringify(event)).join("\n");
        assert.match(problem(() => read(events)), /holds a stream of engine events, one JSON object per line/);
    });
});

describe("state files: the Pulumi deployment schema", () => {
    /** Deterministic values the schema's property-value grammar accepts, with the view the analyzer gives of each. */
    function schemaValues(seed: number): { value: Json; view: unknown; secrets: number }[] {
        let state = seed;
        const next = (): number => {
            state = (state * 1103515245 + 12345) % 2147483648;
            return state / 2147483648;
        };
        const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
        const asset = (): Json => pick<Json>([{ [SIG_KEY]: ASSET_SIG, hash: "h" }, { [SIG_KEY]: ASSET_SIG, text: "t" }, { [SIG_KEY]: ASSET_SIG, path: "./p" }, { [SIG_KEY]: ASSET_SIG, uri: "https://example.com/a" }]);
        const generate = (depth: number): { value: Json; view: unknown; secrets: number } => {
            const kind = depth > 4 ? pick(["string", "number", "bool", "null"]) : pick(["string", "number", "bool", "null", "unknown", "array", "object", "object", "secret", "asset", "archive", "reference", "float", "bytes"]);
            switch (kind) {
                case "string":
                    return { value: pick(["", "a", "[secret]x", "04da6b54", "ünï"]), view: undefined, secrets: 0 };
                case "number":
                    return { value: pick([0, -1.5, 1e300, 42]), view: undefined, secrets: 0 };
                case "bool":
                    return { value: next() < 0.5, view: undefined, secrets: 0 };
                case "null":
                    return { value: null, view: undefined, secrets: 0 };
                case "unknown":
                    return { value: UNKNOWN_VALUE, view: undefined, secrets: 0 };
                case "secret": {
                    const envelope: { [key: string]: Json } = next() < 0.5 ? { ciphertext: `CANARY-${Math.floor(next() * 1e9)}-CIPHER` } : { plaintext: `"CANARY-${Math.floor(next() * 1e9)}-PLAIN"` };
                    return { value: { [SIG_KEY]: SECRET_SIG, ...envelope }, view: SECRET_MASK, secrets: 1 };
                }
                case "asset":
                    return { value: asset(), view: undefined, secrets: 0 };
                case "archive":
                    return { value: pick<Json>([{ [SIG_KEY]: ARCHIVE_SIG, hash: "h" }, { [SIG_KEY]: ARCHIVE_SIG, path: "./dir" }, { [SIG_KEY]: ARCHIVE_SIG, assets: { "a.txt": asset(), nested: { [SIG_KEY]: ARCHIVE_SIG, uri: "https://example.com/z.zip" } } }]), view: undefined, secrets: 0 };
                case "reference":
                    return next() < 0.5
                        ? { value: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: `${STACK}a:b:C::c`, id: "id-1", packageVersion: "1.0.0" }, view: "id-1", secrets: 0 }
                        : { value: { [SIG_KEY]: RESOURCE_REFERENCE_SIG, urn: `${STACK}a:b:C::c` }, view: `${STACK}a:b:C::c`, secrets: 0 };
                case "float":
                    return { value: { [SIG_KEY]: FLOAT_SIG, value: "fff0000000000000" }, view: -Infinity, secrets: 0 };
                case "bytes":
                    return { value: { [SIG_KEY]: BYTES_SIG, value: Buffer.from("bytes").toString("base64") }, view: "bytes", secrets: 0 };
                case "array": {
                    const items = Array.from({ length: Math.floor(next() * 4) }, () => generate(depth + 1));
                    return { value: items.map((item) => item.value), view: items.map((item) => (item.view === undefined ? item.value : item.view)), secrets: items.reduce((sum, item) => sum + item.secrets, 0) };
                }
                default: {
                    const entries = Array.from({ length: Math.floor(next() * 4) }, (_unused, index) => [pick(["k", "tags", "odd key", "__nested"]) + index, generate(depth + 1)] as const);
                    return {
                        value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
                        view: Object.fromEntries(entries.map(([key, item]) => [key, item.view === undefined ? item.value : item.view])),
                        secrets: entries.reduce((sum, [, item]) => sum + item.secrets, 0),
                    };
                }
            }
        };
        return Array.from({ length: 12 }, () => generate(0));
    }

    it("accepts the real checkpoints as the schema does (once the fields it lags on are set aside)", () => {
        for (const name of FIXTURES) {
            const latest = (fixtureDocument(name).checkpoint as { latest: Record<string, unknown> }).latest;
            // The schema validates version 3 deeply and lets any other version through: judge v4 as v3.
            assert.deepEqual(deploymentSchemaErrors({ version: 3, deployment: forSchema(latest) }), [], name);
            assert.equal(read(JSON.stringify({ version: 3, deployment: latest })).resources.length, 30);
        }
    });

    it("would reject what real exports carry, which the reader accepts", () => {
        const latest = (fixtureDocument("checkpoint-v4").checkpoint as { latest: { resources: Record<string, unknown>[] } }).latest;
        assert.ok(latest.resources.some((state) => "refreshBeforeUpdate" in state));
        assert.notDeepEqual(deploymentSchemaErrors({ version: 3, deployment: latest }), []);
        const secrets = (fixtureDocument("checkpoint-secrets").checkpoint as { latest: Record<string, unknown> }).latest;
        assert.notDeepEqual(deploymentSchemaErrors({ version: 3, deployment: secrets }), [], "null property dependency lists");
        const generated = generateExport(40);
        assert.ok(FIELDS_NEWER_THAN_SCHEMA.some((field) => field in generated.deployment.resources[5]));
        assert.notDeepEqual(deploymentSchemaErrors(generated), []);
        assert.equal(read(JSON.stringify(generated)).resources.length, 40);
    });

    it("accepts the benchmark exports, which the schema accepts", () => {
        const generated = generateExport(300);
        assert.deepEqual(deploymentSchemaErrors({ ...generated, deployment: forSchema(generated.deployment as unknown as Record<string, unknown>) }), []);
        const input = read(JSON.stringify(generated));
        assert.equal(input.resources.length, 300);
        assert.deepEqual(leaks(serialized(input), secretFragments(secretContents(generated))), []);
    });

    it("accepts every value of the schema's property grammar and gives the analyzer's view of it", () => {
        for (let seed = 1; seed <= 60; seed++) {
            const values = schemaValues(seed);
            const resources = values.map((item, index) => ({ urn: `${STACK}a:b:C::r${index}`, custom: true, type: "a:b:C", inputs: { p: item.value }, outputs: { p: item.value } }));
            const document = { version: 3, deployment: { manifest: { time: "2026-01-01T00:00:00Z", magic: "", version: "" }, resources } };
            assert.deepEqual(deploymentSchemaErrors(document), [], `seed ${seed}`);
            const input = read(JSON.stringify(document));
            input.resources.forEach((subject, index) => {
                const expected = values[index].view === undefined ? values[index].value : values[index].view;
                assert.deepStrictEqual(subject.props, { p: expected }, `seed ${seed}, value ${index}`);
                assert.deepStrictEqual(subject.outputs, { p: expected });
                assert.equal(input.secretPaths.get(subject.urn)?.length ?? 0, values[index].secrets);
            });
            assert.ok(!serialized(input).includes("CANARY-"), `seed ${seed}`);
        }
    });
});

describe("state files: input it refuses, one line each", () => {
    it("names what it expected and what it found", () => {
        const expected = "expected a Pulumi stack export (version 3 or 4), a checkpoint or `pulumi preview --json` output";
        assert.equal(problem(() => read("[1, 2]")), `state.json: ${expected}; found a JSON array`);
        assert.equal(problem(() => read('"text"')), `state.json: ${expected}; found a JSON string`);
        assert.equal(problem(() => read("null")), `state.json: ${expected}; found null`);
        assert.equal(problem(() => read('{"name": "x", "odd key": 1}')), `state.json: ${expected}; found an object with keys \`name\` and 1 other`);
        assert.equal(problem(() => read(JSON.stringify({ manifest: {}, resources: [] }))), "state.json: holds a deployment without its envelope; expected the whole `pulumi stack export` output, `{\"version\": 3, \"deployment\": {...}}`");
    });

    it("reads versions 3 and 4 only", () => {
        const withVersion = (version: Json): string => JSON.stringify({ version, deployment: { resources: [] } });
        assert.equal(problem(() => read(withVersion(7))), "state.json: unsupported deployment version 7 (this tool reads 3 and 4)");
        assert.equal(problem(() => read(withVersion(2))), "state.json: deployment version 2 is older than this tool reads (3 and 4); export the stack again with a current Pulumi CLI");
        assert.equal(problem(() => read(withVersion("3"))), "state.json: `version` is a string; expected a deployment version, 3 or 4");
        assert.equal(problem(() => read(withVersion(3.5))), "state.json: `version` is a number (3.5); expected a deployment version, 3 or 4");
        assert.equal(problem(() => read(JSON.stringify({ deployment: {} }))), "state.json: has no `version`; expected a deployment version, 3 or 4");
        assert.equal(problem(() => read(JSON.stringify({ version: 9, checkpoint: {} }))), "state.json: unsupported checkpoint version 9 (this tool reads 3 and 4)");
    });

    it("locates broken JSON without quoting it", () => {
        const text = fixtureText("checkpoint-secrets");
        const cut = text.indexOf("ciphertext") + 20;
        const truncated = problem(() => read(text.slice(0, cut)));
        assert.match(truncated, new RegExp(`^state\\.json: not valid JSON: Unterminated string at position ${cut} \\(line \\d+, column \\d+\\); the file looks truncated$`));
        assert.equal(problem(() => read('{\n  "version": 3,\n  "deployment": {"a": tru}\n}')), "state.json: not valid JSON: Unexpected token at position 40 (line 3, column 23)");
        assert.equal(problem(() => read("")), "state.json: not valid JSON: Unexpected end of JSON input at position 0 (line 1, column 1); the file looks truncated");
    });

    it("names the resource and field that is wrong", () => {
        assert.equal(problem(() => read(exportOf([{ type: "a:b:C" }]))), "state.json: `deployment.resources[0]` has no `urn`; every resource needs one");
        assert.equal(problem(() => read(exportOf([{ urn: "not-a-urn", type: "a:b:C" }]))), "state.json: `deployment.resources[0].urn` is not a Pulumi URN (expected urn:pulumi:<stack>::<project>::<type>::<name>)");
        assert.equal(problem(() => read(exportOf([{ urn: `${STACK}a:b:C::c` }]))), "state.json: `deployment.resources[0]` (urn:pulumi:prod::platform::a:b:C::c) has no `type`");
        assert.equal(problem(() => read(exportOf([resource("a:b:C", "c", { inputs: [1] })]))), "state.json: `deployment.resources[0].inputs` is an array; expected an object of properties");
        assert.equal(problem(() => read(exportOf([resource("a:b:C", "c", { parent: 5 })]))), "state.json: `deployment.resources[0].parent` is a number; expected a string");
        assert.equal(problem(() => read(JSON.stringify({ version: 3, deployment: { resources: {} } }))), "state.json: `deployment.resources` is an object; expected an array of resources");
        assert.equal(
            problem(() => read(exportOf([resource("a:b:C", "c", { inputs: { x: { [SIG_KEY]: "0000000000000000000000000000dead", secretish: "HIDDEN" } } })]))),
            "state.json: `deployment.resources[0].inputs.x` has an unrecognized signature 0000000000000000000000000000dead; the engine itself cannot read this value",
        );
        assert.match(problem(() => read(exportOf([resource("a:b:C", "c"), { urn: "urn:pulumi:dev::platform::a:b:C::d", type: "a:b:C" }]))), /holds resources of more than one stack \(platform\/prod and platform\/dev\); audit one stack at a time$/);
    });
});

describe("state files: reading files", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "state-files-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, content: string | Buffer): string => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    };

    it("reads UTF-8 with a BOM, UTF-16 (as PowerShell redirects write it) and gzip", () => {
        const text = fixtureText("checkpoint-v3");
        const utf16be = Buffer.from(`\ufeff${text}`, "utf16le").swap16();
        for (const [name, content] of [
            ["bom.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
            ["utf16le.json", Buffer.from(`\ufeff${text}`, "utf16le")],
            ["utf16be.json", utf16be],
            ["state.json.gz", zlib.gzipSync(text)],
        ] as const) {
            assert.equal(readStateFile(write(name, content)).resources.length, 30, name);
        }
    });

    it("says what is wrong with a file it cannot read", () => {
        const missing = path.join(dir, "missing.json");
        assert.equal(problem(() => readStateFile(missing)), `${missing}: no such file`);
        assert.equal(problem(() => readStateFile(dir)), `${dir}: is a directory; expected a regular file`);
        const empty = write("empty.json", "");
        assert.equal(problem(() => readStateFile(empty)), `${empty}: is empty; expected a Pulumi stack export (version 3 or 4), a checkpoint or \`pulumi preview --json\` output`);
        const corrupt = write("corrupt.json.gz", zlib.gzipSync(fixtureText("checkpoint-v3")).subarray(0, 500));
        assert.equal(problem(() => readStateFile(corrupt)), `${corrupt}: is gzip-compressed but cannot be decompressed (corrupt or truncated)`);
    });

    it("takes the stack name from the options when the file has no resources", () => {
        const file = write("empty-stack.json", JSON.stringify({ version: 3, deployment: { manifest: {} } }));
        assert.equal(readStateFile(file).stack, "unknown");
        assert.equal(readStateFile(file, { stack: "dev" }).stack, "dev");
        const checkpoint = write("checkpoint.json", JSON.stringify({ version: 3, checkpoint: { stack: "organization/platform/staging", latest: null } }));
        assert.deepEqual([readStateFile(checkpoint).stack, readStateFile(checkpoint).notes], ["staging", ["the checkpoint holds no deployment (the stack has never been updated)"]]);
    });
});
