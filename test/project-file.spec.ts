import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";
import { referenceFile } from "./support/reference";
import { PROJECT_DIR, stackFileStacks } from "./support/stacks";

const SCHEMA_FILE = referenceFile("schemas", "pulumi", "project.json");

function projectValidator(): (document: unknown) => string[] {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    return (document) => (validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`));
}

describe("Pulumi.yaml", function () {
    const project = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;

    it("is valid against Pulumi's project schema", function () {
        assert.deepEqual(projectValidator()(project), []);
    });

    it("the schema check can fail: a misspelt runtime key is rejected", function () {
        assert.notDeepEqual(projectValidator()({ ...project, runtime: { name: "nodejs", option: {} } }), []);
    });

    it("declares the nodejs runtime, transpile-only through tsconfig.pulumi.json", function () {
        const runtime = project.runtime as { name: string; options: Record<string, unknown> };
        assert.equal(runtime.name, "nodejs");
        assert.equal(runtime.options.tsconfig, "tsconfig.pulumi.json");
        const tsconfig = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "tsconfig.pulumi.json"), "utf8")) as { extends: string; compilerOptions: Record<string, unknown> };
        assert.equal(tsconfig.extends, "./tsconfig.json");
        assert.equal(tsconfig.compilerOptions.noCheck, true);
    });

    it("has a stack file for every tier", function () {
        for (const stack of ["dev", "staging", "prod"]) assert.ok(fs.existsSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)), stack);
    });

    it("every stack file goes through the real engine (a suite per stack in test/engine-program/)", function () {
        const stackFiles = stackFileStacks();
        const suites = fs.readdirSync(path.join(PROJECT_DIR, "test", "engine-program")).flatMap((file) => /^(.+)\.spec\.ts$/.exec(file)?.[1] ?? []);
        assert.deepEqual(suites.sort(), stackFiles.sort());
        for (const stack of suites) assert.match(fs.readFileSync(path.join(PROJECT_DIR, "test", "engine-program", `${stack}.spec.ts`), "utf8"), new RegExp(`describeThroughEngine\\("${stack}"\\)`), stack);
    });
});
