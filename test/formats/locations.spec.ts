import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMPONENT_SOURCES, componentSourceOf, qualifiedTypeOf } from "../../tools/format/locations";
import { PROJECT_DIR } from "../support/stacks";

/** Every `super("platform:...")` under components/, by type, with the file that declares it. */
function declaredComponents(): Map<string, string> {
    const found = new Map<string, string>();
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".ts")) {
                for (const match of fs.readFileSync(full, "utf8").matchAll(/super\(\s*"(platform:[^"]+)"/g)) {
                    found.set(match[1], path.relative(PROJECT_DIR, full).split(path.sep).join("/"));
                }
            }
        }
    };
    walk(path.join(PROJECT_DIR, "components"));
    return found;
}

describe("formats: component source locations", function () {
    it("maps every component type to the file on disk that declares it", function () {
        for (const [type, file] of Object.entries(COMPONENT_SOURCES)) {
            const full = path.join(PROJECT_DIR, file);
            assert.ok(fs.existsSync(full), `${file} (for ${type}) does not exist`);
            assert.ok(fs.readFileSync(full, "utf8").includes(`super("${type}"`), `${file} does not declare ${type}`);
        }
    });

    it("knows every component declared under components/", function () {
        const declared = declaredComponents();
        assert.ok(declared.size > 0);
        assert.deepEqual(Object.fromEntries([...declared.entries()].sort()), Object.fromEntries(Object.entries(COMPONENT_SOURCES).sort()));
    });

    it("reads the qualified type of a URN, even when the name holds '::'", function () {
        assert.deepEqual(qualifiedTypeOf("urn:pulumi:prod::platform::platform:index:Platform$platform:data:Postgres$aws:rds/instance:Instance::a::b"), [
            "platform:index:Platform",
            "platform:data:Postgres",
            "aws:rds/instance:Instance",
        ]);
        assert.deepEqual(qualifiedTypeOf("not a urn"), []);
    });

    it("picks the innermost platform component of a resource, or the component itself", function () {
        assert.deepEqual(componentSourceOf("urn:pulumi:prod::platform::platform:index:Platform$platform:data:Postgres$aws:rds/instance:Instance::platform-prod-db"), {
            component: "platform:data:Postgres",
            file: "components/postgres/aws.ts",
        });
        assert.deepEqual(componentSourceOf("urn:pulumi:prod::platform::platform:index:Platform$platform:app:Service::platform-prod-api"), {
            component: "platform:app:Service",
            file: "components/app/service.ts",
        });
        assert.deepEqual(componentSourceOf("urn:pulumi:prod::platform::platform:index:Platform$aws:kms/key:Key::platform-prod"), {
            component: "platform:index:Platform",
            file: "components/platform.ts",
        });
        assert.equal(componentSourceOf("urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod"), undefined);
        assert.equal(componentSourceOf("urn:pulumi:prod::platform::pulumi:providers:aws::default"), undefined);
        assert.equal(componentSourceOf("urn:pulumi:prod::platform::platform:unknown:Thing::x"), undefined);
    });
});
