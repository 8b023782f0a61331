import { strict as assert } from "assert";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";

/**
 * `pulumi policy publish policies` ships this folder alone, and the service installs only its
 * package.json dependencies: the pack must load without anything from the rest of the repository.
 */
const PACK_DIR = __dirname;
const PACKAGE = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
const DEPENDENCIES = new Set(Object.keys(PACKAGE.dependencies ?? {}));
const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/** The specs' harness: in the pack beside its tests, never loaded by the pack itself. */
const TEST_SUPPORT_DIR = "test-support";

/** Every .ts file of the pack: the sources that ship and run, or (`specs`) the specs and their harness. Installed packages excluded. */
function packSources(dir = PACK_DIR, specs = false): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (entry.name === "node_modules") return [];
            if (entry.name === TEST_SUPPORT_DIR && dir === PACK_DIR) return specs ? fs.readdirSync(file).filter((name) => name.endsWith(".ts")).map((name) => path.join(file, name)) : [];
            return packSources(file, specs);
        }
        const isSpec = entry.name.endsWith(".spec.ts");
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && isSpec === specs ? [file] : [];
    });
}

/** Module specifiers of a source: imports, re-exports, `import x = require()`, `require()` and `import()`. */
function importsOf(source: string): string[] {
    return ts.preProcessFile(source, true, true).importedFiles.map((imported) => imported.fileName);
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
function packageOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function resolvesInside(from: string, specifier: string): boolean {
    const target = path.resolve(path.dirname(from), specifier);
    if (path.relative(PACK_DIR, target).startsWith("..")) return false;
    return ["", ".ts", ".json", "/index.ts"].some((suffix) => fs.existsSync(target + suffix) && fs.statSync(target + suffix).isFile());
}

/** What would keep a source from loading on its own, one line per import. */
function importProblems(file: string, source: string): string[] {
    const where = path.relative(PACK_DIR, file);
    return importsOf(source).flatMap((specifier) => {
        if (specifier.startsWith(".")) return resolvesInside(file, specifier) ? [] : [`${where}: "${specifier}" does not resolve inside policies/`];
        if (specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(packageOf(specifier))) return [];
        return DEPENDENCIES.has(packageOf(specifier)) ? [] : [`${where}: "${specifier}" is not in policies/package.json dependencies`];
    });
}

describe("the policy pack ships on its own", function () {
    const sources = packSources();

    it("finds the pack's sources", function () {
        assert.ok(sources.includes(path.join(PACK_DIR, "index.ts")));
        assert.ok(sources.some((file) => file.endsWith(path.join("rules", "no-plaintext-secrets.ts"))));
        assert.ok(!sources.some((file) => file.endsWith(".spec.ts")));
    });

    it("imports nothing outside policies/, and only packages its package.json depends on or Node built-ins", function () {
        assert.deepEqual(sources.flatMap((file) => importProblems(file, fs.readFileSync(file, "utf8"))), []);
    });

    it("keeps its specs' harness in the pack: specs reach outside policies/ only to render the program's stacks and for the vendored Kubernetes schemas", function () {
        const outside = packSources(PACK_DIR, true).flatMap((file) =>
            importsOf(fs.readFileSync(file, "utf8")).filter((specifier) => specifier.startsWith(".") && !resolvesInside(file, specifier)).map((specifier) => path.relative(PACK_DIR, path.resolve(path.dirname(file), specifier))),
        );
        assert.deepEqual([...new Set(outside)].sort(), ["../engine/render", "../engine/resource-views", "../test/support/kubernetes-schemas", "../test/support/stacks"]);
    });

    it("the check itself catches an import from the repository and an undeclared package", function () {
        const file = path.join(PACK_DIR, "lib", "example.ts");
        const source = [
            'import { renderStack } from "../../engine/render";',
            'import { z } from "zod";',
            'import * as fs from "node:fs";',
            'import { gunzipSync } from "zlib";',
            'import { PolicyPack } from "@pulumi/policy";',
            'import { isRecord } from "./rule";',
            'export { ALL_RULES } from "../rules";',
            'const parity = require("../../config/load");',
        ].join("\n");
        assert.deepEqual(importProblems(file, source), [
            'lib/example.ts: "../../engine/render" does not resolve inside policies/',
            'lib/example.ts: "zod" is not in policies/package.json dependencies',
            'lib/example.ts: "../../config/load" does not resolve inside policies/',
        ]);
    });

    it("has a self-contained tsconfig.json that only transpiles (type-checking is the root project's job)", function () {
        const file = path.join(PACK_DIR, "tsconfig.json");
        const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
        assert.equal(error, undefined);
        assert.equal((config as { extends?: unknown }).extends, undefined);
        const parsed = ts.parseJsonConfigFileContent(config, ts.sys, PACK_DIR, undefined, file);
        assert.deepEqual(parsed.errors, []);
        const options = parsed.options;
        assert.equal(options.noCheck, true);
        assert.equal(options.strict, true);
        assert.equal(options.module, ts.ModuleKind.CommonJS);
        assert.ok(options.target !== undefined && options.target >= ts.ScriptTarget.ES2020);
        assert.deepEqual(options.types, ["node"]);
        assert.deepEqual([options.esModuleInterop, options.skipLibCheck, options.resolveJsonModule], [true, true, true]);
        assert.deepEqual(parsed.fileNames.filter((name) => name.endsWith(".spec.ts") || path.relative(PACK_DIR, name).startsWith("..")), []);
    });

    it("brings its own TypeScript: the runner otherwise falls back to its vendored TypeScript 3.8, which cannot load the pack", function () {
        // noCheck needs TypeScript 5.5 or later; ts-node is what the runner registers it with.
        const [major, minor] = (PACKAGE.dependencies?.typescript ?? "0.0").replace(/^[^\d]*/, "").split(".").map(Number);
        assert.ok(major > 5 || (major === 5 && minor >= 5), `typescript ${PACKAGE.dependencies?.typescript}`);
        assert.ok(DEPENDENCIES.has("ts-node"));
    });
});
