/**
 * Robustness of the state readers: broken, hostile and huge input. Every case must end, quickly, in a result
 * or an InputFileError of one line that names the file, and no secret (ciphertext, plaintext, value) may ever
 * appear in a message or a result.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateExport } from "../bench/generate-export";
import { InputFileError } from "../engine/input-error";
import { AuditInput, fromStateDocument, MAX_VALUE_DEPTH, parseStateDocument, readStateFile, SECRET_SIG, SIG_KEY } from "../engine/state-files";
import { fixtureDocument, fixtureText, leaks, secretContents, secretFragments, secretMarkers, serialized } from "./support/state-fixtures";

const SOURCE = "fuzz.json";
const CANARY = "CANARY-SECRET-7f3a9c";
const FIXTURE_SECRETS = secretContents(fixtureDocument("checkpoint-secrets"));
const FRAGMENTS = [...secretFragments(FIXTURE_SECRETS), CANARY];

type Outcome = { kind: "read"; input: AuditInput } | { kind: "refused"; message: string };

/** Runs a reader, checks the outcome is a result or a one-line InputFileError, and that it took at most `limitMs`. */
function attempt(action: () => AuditInput, limitMs = 2000, fragments: readonly string[] = FRAGMENTS): Outcome {
    const started = process.hrtime.bigint();
    let outcome: Outcome;
    try {
        outcome = { kind: "read", input: action() };
    } catch (error) {
        if (!(error instanceof InputFileError)) throw new Error(`not an InputFileError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        assert.ok(!error.message.includes("\n") && !error.message.includes("\r"), `one line expected: ${error.message}`);
        assert.ok(error.message.startsWith(`${SOURCE}: `) || error.message.includes(": "), error.message);
        assert.ok(error.message.length < 600, `short message expected, got ${error.message.length} characters`);
        outcome = { kind: "refused", message: error.message };
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(elapsed < limitMs, `took ${elapsed.toFixed(0)} ms (limit ${limitMs} ms)`);
    const text = outcome.kind === "read" ? serialized(outcome.input) : outcome.message;
    const leaked = leaks(text, fragments);
    assert.deepEqual(leaked, [], `secret fragments in ${outcome.kind === "read" ? "the result" : `the message: ${outcome.message}`}`);
    return outcome;
}

function fromText(text: string, limitMs?: number): Outcome {
    return attempt(() => parseStateDocument(text, SOURCE), limitMs);
}

function refused(outcome: Outcome): string {
    assert.equal(outcome.kind, "refused", "expected the input to be refused");
    return (outcome as { message: string }).message;
}

/** A deterministic generator of numbers in [0, 1). */
function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 4294967296;
    };
}

/** Paths to every node of a JSON value (iteratively). */
function nodePaths(root: unknown): (string | number)[][] {
    const paths: (string | number)[][] = [];
    const pending: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
    while (pending.length > 0) {
        const { value, path: at } = pending.pop()!;
        if (at.length > 0) paths.push(at);
        if (typeof value !== "object" || value === null) continue;
        for (const [key, child] of Object.entries(value)) pending.push({ value: child, path: [...at, Array.isArray(value) ? Number(key) : key] });
    }
    return paths;
}

/** JSON text of `levels` nested objects or arrays around `leaf` (text: JSON.stringify itself gives up near 4,000 levels). */
function nested(levels: number, leaf: string, kind: "object" | "array"): string {
    return kind === "object" ? `${'{"a":'.repeat(levels)}${leaf}${"}".repeat(levels)}` : `${"[".repeat(levels)}${leaf}${"]".repeat(levels)}`;
}

/** Every string of a document that is not inside a secret envelope. */
function stringsOutsideEnvelopes(root: unknown): Set<string> {
    const found = new Set<string>();
    const pending: unknown[] = [root];
    while (pending.length > 0) {
        const next = pending.pop();
        if (typeof next === "string") found.add(next);
        else if (typeof next === "object" && next !== null && (next as Record<string, unknown>)[SIG_KEY] !== SECRET_SIG) pending.push(...Object.values(next));
    }
    return found;
}

/** The real secrets checkpoint as a stack export: 30 resources, 10 secrets, archives. */
function realExport(): { version: number; deployment: unknown } {
    return { version: 3, deployment: (fixtureDocument("checkpoint-secrets").checkpoint as { latest: unknown }).latest };
}

describe("state files fuzz: truncated files", () => {
    it("refuses the secrets checkpoint cut at 700+ points, inside every ciphertext too, without quoting it", () => {
        const text = fixtureText("checkpoint-secrets");
        const cuts = new Set<number>();
        for (let cut = 0; cut < text.length; cut += 83) cuts.add(cut);
        for (const ciphertext of FIXTURE_SECRETS) {
            for (let start = text.indexOf(ciphertext); start !== -1; start = text.indexOf(ciphertext, start + 1)) {
                for (const offset of [0, 1, Math.floor(ciphertext.length / 2), ciphertext.length - 1, ciphertext.length, ciphertext.length + 1]) cuts.add(start + offset);
            }
        }
        let refusedCount = 0;
        for (const cut of cuts) {
            const outcome = fromText(text.slice(0, cut), 500);
            if (text.slice(0, cut).trim() === text.trim()) continue;
            assert.match(refused(outcome), /^fuzz\.json: (not valid JSON: .* at position \d+ \(line \d+, column \d+\)|is empty|expected a Pulumi stack export .*; found a JSON number)/);
            refusedCount++;
        }
        assert.ok(refusedCount > 700, `${refusedCount} cuts`);
    });

    it("refuses a 2,000-resource export cut at 25 points, each quickly", () => {
        const text = JSON.stringify(generateExport(2000));
        const markers = secretMarkers(secretContents(JSON.parse(text)));
        const next = random(7);
        for (let index = 0; index < 25; index++) {
            const cut = Math.floor(next() * text.length);
            const message = refused(fromText(text.slice(0, cut), 1000));
            assert.match(message, /not valid JSON: .*; the file looks truncated$/);
            assert.deepEqual(leaks(message, markers), []);
        }
    });
});

describe("state files fuzz: versions and shapes", () => {
    it("refuses every version but 3 and 4, for exports and checkpoints", () => {
        for (const version of [-1, 0, 1, 2, 5, 7, 1e308, 3.000001, "3", "4", null, true, [], {}, [3]]) {
            for (const document of [{ version, deployment: { resources: [] } }, { version, checkpoint: { latest: null } }]) {
                assert.match(refused(fromText(JSON.stringify(document))), /version/, JSON.stringify(version));
            }
        }
        for (const version of [3, 4]) assert.equal(fromText(JSON.stringify({ version, deployment: { resources: [] } })).kind, "read");
    });

    it("refuses wrong shapes with a line naming the place", () => {
        const resource = { urn: "urn:pulumi:prod::platform::a:b:C::c", custom: true, type: "a:b:C" };
        const cases: [unknown, RegExp][] = [
            [{ version: 3, deployment: [] }, /`deployment` is an array/],
            [{ version: 3, deployment: "x" }, /`deployment` is a string/],
            [{ version: 3, deployment: { resources: "x" } }, /`deployment.resources` is a string/],
            [{ version: 3, deployment: { resources: [null] } }, /`deployment.resources\[0\]` is null/],
            [{ version: 3, deployment: { resources: [[resource]] } }, /`deployment.resources\[0\]` is an array/],
            [{ version: 3, deployment: { resources: [{ ...resource, urn: 42 }] } }, /`urn` that is a number/],
            [{ version: 3, deployment: { resources: [{ ...resource, urn: "urn:pulumi:prod::only-two" }] } }, /is not a Pulumi URN/],
            [{ version: 3, deployment: { resources: [{ ...resource, type: null }] } }, /has a `type` that is null/],
            [{ version: 3, deployment: { resources: [{ ...resource, type: "" }] } }, /has a `type` that is empty/],
            [{ version: 3, deployment: { resources: [{ ...resource, inputs: "x" }] } }, /`deployment.resources\[0\].inputs` is a string/],
            [{ version: 3, deployment: { resources: [{ ...resource, outputs: [] }] } }, /`deployment.resources\[0\].outputs` is an array/],
            [{ version: 3, deployment: { resources: [{ ...resource, inputs: { [SIG_KEY]: SECRET_SIG, ciphertext: CANARY } }] } }, /is a special value/],
            [{ version: 3, deployment: { resources: [{ ...resource, propertyDependencies: [] }] } }, /`deployment.resources\[0\].propertyDependencies` is an array/],
            [{ version: 3, deployment: { resources: [{ ...resource, propertyDependencies: { a: [1] } }] } }, /not a list of URNs/],
            [{ version: 3, deployment: { resources: [{ ...resource, provider: {} }] } }, /`deployment.resources\[0\].provider` is an object/],
            [{ version: 3, checkpoint: [] }, /`checkpoint` is an array/],
            [{ version: 3, checkpoint: { latest: 5 } }, /`checkpoint.latest` is a number/],
            [{ steps: {} }, /`steps` is an object/],
            [{ steps: [5] }, /`steps\[0\]` is a number/],
            [{ steps: [{ urn: resource.urn }] }, /has no `op`/],
            [{ steps: [{ op: "create", newState: "x" }] }, /`steps\[0\].newState` is a string/],
            [{ steps: [{ op: "create", newState: { type: "a:b:C" } }] }, /has no `urn`/],
            [{ steps: [{ op: "create", urn: resource.urn, newState: { inputs: { deep: { [SIG_KEY]: 5, value: CANARY } } } }] }, /has an unrecognized signature; /],
            [{ version: 3, deployment: { resources: [{ ...resource, inputs: { ref: { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", note: CANARY } } }] } }, /resource reference without a URN/],
            [{ version: 3, deployment: { resources: [{ ...resource, inputs: { f: { [SIG_KEY]: "8ad145fe-0d11-4827-bfd7-1abcbf086f5c", value: CANARY } } }] } }, /special float without its 16 hex digits/],
        ];
        for (const [document, expected] of cases) assert.match(refused(fromText(JSON.stringify(document))), expected, JSON.stringify(document));
    });

    it("survives null, wrong types and missing keys at every node of a real export", function () {
        this.timeout(30000);
        const document = realExport();
        const paths = nodePaths(document);
        assert.ok(paths.length > 600, `${paths.length} nodes`);
        const replacements: unknown[] = [null, [], {}, "x", 0, true, undefined];
        let read = 0;
        let refusals = 0;
        for (const at of paths) {
            const parent = at.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], document) as Record<string | number, unknown>;
            const key = at[at.length - 1];
            const original = parent[key];
            for (const replacement of replacements) {
                if (replacement === undefined) delete parent[key];
                else parent[key] = replacement;
                // The reader never modifies the document, so one document serves every mutation. A mutation
                // that removes an envelope's signature leaves a plain object, no secret (the same ciphertext
                // may sit in another envelope too): look for what is only in envelopes.
                // Whole ciphertexts here (fragments are checked by the truncation cases), for speed.
                const plain = stringsOutsideEnvelopes(document);
                const stillSecret = secretContents(document).filter((secret) => !plain.has(secret));
                const outcome = attempt(() => fromStateDocument(document, SOURCE), 500, [...stillSecret, CANARY]);
                if (outcome.kind === "read") read++;
                else refusals++;
                parent[key] = original;
            }
        }
        assert.ok(read > 0 && refusals > 0, `${read} read, ${refusals} refused`);
    });

    it("survives the same at every node of a preview", () => {
        const urn = "urn:pulumi:prod::platform::aws:rds/instance:Instance::db";
        const document = {
            config: { "platform:password": "[secret]" },
            steps: [
                { op: "same", urn: "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod", newState: { urn: "urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod", type: "pulumi:pulumi:Stack", custom: false } },
                { op: "create", urn, newState: { urn, type: "aws:rds/instance:Instance", custom: true, inputs: { password: "[secret]", tags: { a: "b" } }, outputs: { arn: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, propertyDependencies: { password: [] } } },
                { op: "delete", urn, oldState: { urn, type: "aws:rds/instance:Instance", inputs: { password: { [SIG_KEY]: SECRET_SIG, ciphertext: CANARY } } } },
            ],
            diagnostics: [{ message: "m", severity: "warning" }],
            changeSummary: { create: 1 },
        };
        for (const at of nodePaths(document)) {
            const parent = at.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], document) as Record<string | number, unknown>;
            const key = at[at.length - 1];
            const original = parent[key];
            for (const replacement of [null, [], {}, "x", 0, undefined]) {
                if (replacement === undefined) delete parent[key];
                else parent[key] = replacement;
                attempt(() => fromStateDocument(document, SOURCE), 500);
                parent[key] = original;
            }
        }
    });

    it("refuses random bytes and JSON-ish noise, 300 times", () => {
        const next = random(42);
        const alphabet = '{}[]":,0123456789.eE+-truefalsnl \n\t\\abcxyz\u00e9\u2028';
        for (let index = 0; index < 300; index++) {
            const length = 1 + Math.floor(next() * 200);
            let text = "";
            for (let char = 0; char < length; char++) text += index % 3 === 0 ? String.fromCharCode(Math.floor(next() * 0x3000)) : alphabet[Math.floor(next() * alphabet.length)];
            const outcome = fromText(text, 200);
            if (outcome.kind === "read") assert.fail(`random text read as a state file: ${JSON.stringify(text)}`);
        }
    });

    it("never quotes what sits next to a syntax error (V8 does)", () => {
        for (const text of [`{"token": ${CANARY}}`, `{"version": 3, "deployment": {"resources": [{"inputs": {"p": {"${SIG_KEY}": "${SECRET_SIG}", "ciphertext": "x"}, "q": ${CANARY}}}]}}`]) {
            let v8Message = "";
            try {
                JSON.parse(text);
            } catch (error) {
                v8Message = (error as Error).message;
            }
            assert.ok(v8Message.includes(CANARY.slice(0, 8)), `the runtime's own message quotes the text: ${v8Message}`);
            const message = refused(fromText(text));
            assert.match(message, /^fuzz\.json: not valid JSON: Unexpected token at position \d+ \(line 1, column \d+\)$/);
            assert.ok(!message.includes("CANARY"), message);
        }
        assert.equal(refused(fromText(`{"a": tru ${CANARY} at position 5`)), "fuzz.json: not valid JSON: Unexpected token at position 6 (line 1, column 7)");
    });
});

describe("state files fuzz: depth", () => {
    it("refuses values nested 10,000 levels deep, as objects and as arrays, without overflowing the stack", () => {
        const envelope = JSON.stringify({ [SIG_KEY]: SECRET_SIG, ciphertext: CANARY });
        for (const kind of ["object", "array"] as const) {
            const deep = nested(10000, envelope, kind);
            const exportText = `{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:prod::platform::a:b:C::c", "type": "a:b:C", "inputs": {"deep": ${deep}}}]}}`;
            assert.match(refused(fromText(exportText)), new RegExp(`is nested more than ${MAX_VALUE_DEPTH} levels deep`));
            const previewText = `{"steps": [{"op": "create", "urn": "urn:pulumi:prod::platform::a:b:C::c", "newState": {"type": "a:b:C", "outputs": {"deep": ${deep}}}}]}`;
            assert.match(refused(fromText(previewText)), /`steps\[0\]\.newState\.outputs\.deep/);
        }
    });

    it("reads 10,000 levels where nothing is walked: inside a secret, in the manifest", () => {
        const deep = nested(10000, JSON.stringify(CANARY), "array");
        const text = `{"version": 3, "deployment": {"manifest": {"deep": ${deep}}, "resources": [{"urn": "urn:pulumi:prod::platform::a:b:C::c", "type": "a:b:C", "inputs": {"token": {"${SIG_KEY}": "${SECRET_SIG}", "value": ${deep}}}}]}}`;
        assert.equal(fromText(text).kind, "read");
    });

    it("handles a million unclosed brackets and a million-deep array document", () => {
        assert.match(refused(fromText("[".repeat(1_000_000), 3000)), /Unexpected end of JSON input at position 1000000/);
        assert.match(refused(fromText(`${"[".repeat(1_000_000)}x`, 3000)), /Unexpected token at position 1000000/);
        assert.match(refused(fromText(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`, 3000)), /found a JSON array$/);
    });
});

describe("state files fuzz: size", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "state-fuzz-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads a 50,000-resource export (100+ MB) in bounded time, secrets masked", function () {
        this.timeout(60000);
        const document = generateExport(50000);
        const secrets = secretContents(document.deployment.resources.slice(0, 2000));
        const file = path.join(dir, "export-50000.json");
        fs.writeFileSync(file, JSON.stringify(document));
        const started = Date.now();
        const input = readStateFile(file);
        const elapsed = Date.now() - started;
        assert.equal(input.resources.length, 50000);
        assert.ok(elapsed < 15000, `${elapsed} ms`);
        const sample = JSON.stringify(input.resources.slice(0, 2000));
        assert.deepEqual(leaks(sample, secretMarkers(secrets)), []);
        assert.ok([...input.secretPaths.values()].reduce((sum, paths) => sum + paths.length, 0) > 5000);
    });

    it("reads a 20 MB string value, masks a 20 MB ciphertext, and refuses one cut short without quoting it", () => {
        const big = "A".repeat(21 * 2 ** 20);
        const bigSecret = `${CANARY}${"S".repeat(21 * 2 ** 20)}`;
        const text = JSON.stringify({ version: 3, deployment: { resources: [{ urn: "urn:pulumi:prod::platform::aws:lambda/function:Function::f", custom: true, type: "aws:lambda/function:Function", inputs: { code: big, token: { [SIG_KEY]: SECRET_SIG, ciphertext: bigSecret } } }] } });
        const outcome = fromText(text, 5000);
        assert.equal(outcome.kind, "read");
        const props = (outcome as { input: AuditInput }).input.resources[0].props;
        assert.equal((props.code as string).length, big.length);
        assert.equal(props.token, "[secret]");
        for (const cut of [text.indexOf(big) + 1000, text.indexOf(bigSecret) + 5000]) {
            const message = refused(fromText(text.slice(0, cut), 5000));
            assert.ok(!message.includes("AAAAAAAA") && !message.includes("SSSSSSSS"), message);
        }
        const hugeUrn = JSON.stringify({ version: 3, deployment: { resources: [{ urn: `urn:pulumi:prod::platform::a:b:C::${"n".repeat(21 * 2 ** 20)}` }] } });
        assert.ok(refused(fromText(hugeUrn, 5000)).length < 400);
    });
});
