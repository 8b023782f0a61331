import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as debuggableModule from "@pulumi/pulumi/runtime/debuggable";
import { renderStack } from "../engine/render";
import { PROJECT_DIR } from "./support/stacks";

const BIN = path.join(PROJECT_DIR, "tools", "bin.js");
const DEFER = path.join(PROJECT_DIR, "tools", "defer-sdk-modules.js");

/** Packages whose files a fresh `node tools/bin.js <args>` had loaded when it exited. */
function packagesLoadedBy(args: string[]): Set<string> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-loader-"));
    const list = path.join(scratch, "loaded.json");
    const recorder = path.join(scratch, "record.js");
    fs.writeFileSync(recorder, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const result = spawnSync(process.execPath, ["--require", recorder, BIN, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 });
    assert.ok(result.status === 0 || result.status === 1, `plan ran (exit ${result.status}): ${result.stderr}`);
    const files = JSON.parse(fs.readFileSync(list, "utf8")) as string[];
    fs.rmSync(scratch, { recursive: true, force: true });
    return new Set(files.map((file) => /.*node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1].replace(/\\/g, "/")).filter((name): name is string => name !== undefined));
}

describe("the tools' start-up", function () {
    this.timeout(180_000);

    it("a plan loads the Pulumi SDK but not what it does not use: TypeScript, npm's Arborist, the JUnit writer, the report validator", function () {
        const loaded = packagesLoadedBy(["plan", "--stack", "dev", "--no-tree"]);
        for (const needed of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/policy", "yaml", "zod"]) assert.ok(loaded.has(needed), `${needed} is loaded`);
        for (const unused of ["typescript", "@npmcli/arborist", "xmlbuilder2", "ajv"]) assert.ok(!loaded.has(unused), `${unused} is not loaded`);
    });

    it("a JUnit report loads its writer when asked for", function () {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-loader-junit-"));
        const loaded = packagesLoadedBy(["plan", "--stack", "dev", "--no-tree", "--output", `junit=${path.join(scratch, "plan.xml")}`]);
        assert.ok(loaded.has("xmlbuilder2"));
        assert.match(fs.readFileSync(path.join(scratch, "plan.xml"), "utf8"), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("with the deferred modules, the SDK still serializes a function and computes a package's code paths", function () {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "platform-loader-project-"));
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "closure-check", version: "1.0.0", dependencies: {} }));
        const script = `
require(${JSON.stringify(DEFER)});
const pulumi = require("@pulumi/pulumi");
const typescriptLoaded = () => Object.keys(require.cache).some((file) => /node_modules[\\\\/]typescript[\\\\/]/.test(file));
(async () => {
    const before = typescriptLoaded();
    const serialized = await pulumi.runtime.serializeFunction((x) => x + 41);
    const after = typescriptLoaded();
    process.chdir(${JSON.stringify(project)});
    const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: [] });
    console.log(JSON.stringify({ before, after, text: serialized.text, exportName: serialized.exportName, paths: paths.size }));
})().catch((error) => { console.error(error); process.exit(1); });`;
        const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
        fs.rmSync(project, { recursive: true, force: true });
        assert.equal(result.status, 0, result.stderr);
        const outcome = JSON.parse(result.stdout) as { before: boolean; after: boolean; text: string; exportName: string; paths: number };
        assert.deepEqual({ before: outcome.before, after: outcome.after }, { before: false, after: true }, "TypeScript loads at the first serialization");
        assert.match(outcome.text, /x \+ 41/);
        assert.match(outcome.text, new RegExp(`exports\\.${outcome.exportName} = `));
        assert.equal(outcome.paths, 0, "a package without dependencies has no code paths to upload");
    });

    it("the render's shortcuts change nothing it reports, and the SDK is as it was afterwards", async function () {
        const sdk = debuggableModule as unknown as { debuggablePromise: unknown };
        const original = sdk.debuggablePromise;
        for (const stack of ["dev", "gcp-dev"]) {
            const fast = await renderStack({ projectDir: PROJECT_DIR, stack });
            assert.equal(sdk.debuggablePromise, original, "debuggablePromise is restored after a render");
            process.env.PLATFORM_DEBUG = "1";
            let traced;
            try {
                traced = await renderStack({ projectDir: PROJECT_DIR, stack });
            } finally {
                delete process.env.PLATFORM_DEBUG;
            }
            // Stack traces on, and the SDK's promise bookkeeping too: the same resources (fewer promises in between
            // can let a sibling register first, so they are compared by URN).
            // As JSON: a component's inputs can hold a live SDK object (a provider), whose promises differ by identity.
            const byUrn = (resources: typeof fast.resources): unknown => JSON.parse(JSON.stringify([...resources].sort((a, b) => a.urn.localeCompare(b.urn))));
            assert.equal(fast.resources.length, traced.resources.length, stack);
            assert.deepEqual(byUrn(fast.resources), byUrn(traced.resources), stack);
            assert.deepEqual(JSON.parse(JSON.stringify(fast.outputs)), JSON.parse(JSON.stringify(traced.outputs)), stack);
        }
    });
});
