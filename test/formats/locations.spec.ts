import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { componentDeclarations, componentSources, componentSourceOf, qualifiedTypeOf, scanComponentSources } from "../../tools/format/locations";
import { PROJECT_DIR } from "../support/stacks";

/** The component classes under components/, counted from their declarations. */
function componentClassCount(): number {
    let count = 0;
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.name.endsWith(".ts")) count += [...fs.readFileSync(full, "utf8").matchAll(/\bextends pulumi\.ComponentResource\b/g)].length;
        }
    };
    walk(path.join(PROJECT_DIR, "components"));
    return count;
}

describe("formats: component source locations", function () {
    it("maps every component type to the file on disk that declares it", function () {
        assert.ok(componentSources().size > 0);
        for (const [type, file] of componentSources()) {
            const full = path.join(PROJECT_DIR, file);
            assert.ok(fs.existsSync(full), `${file} (for ${type}) does not exist`);
            assert.ok(fs.readFileSync(full, "utf8").includes(`super("${type}"`), `${file} does not declare ${type}`);
        }
        assert.equal(componentSources().get("platform:registry:BuiltImage"), "components/registry/image-aws.ts");
        assert.equal(componentSources().get("platform:index:Platform"), "components/platform.ts");
    });

    it("knows every component class under components/ (each passes its type token to super as a literal)", function () {
        assert.equal([...componentDeclarations().values()].flat().length, componentClassCount());
    });

    it("finds a component added to a repository without any table to update", function () {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "components-"));
        try {
            fs.mkdirSync(path.join(root, "components", "queue"), { recursive: true });
            fs.writeFileSync(path.join(root, "components", "queue", "aws.ts"), 'export class AwsQueue extends pulumi.ComponentResource {\n    constructor(name: string) {\n        super(\n            "platform:queue:Queue", name, {});\n    }\n}\n');
            fs.writeFileSync(path.join(root, "components", "naming.ts"), "export const prefix = 'platform';\n");
            assert.deepEqual([...scanComponentSources(root)], [["platform:queue:Queue", "components/queue/aws.ts"]]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
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
        assert.deepEqual(componentSourceOf("urn:pulumi:gcp-prod::platform::platform:index:Platform$platform:data:Postgres$gcp:sql/databaseInstance:DatabaseInstance::platform-gcp-prod-postgres-db"), {
            component: "platform:data:Postgres",
            file: "components/postgres/gcp.ts",
        });
        assert.deepEqual(componentSourceOf("urn:pulumi:gcp-dev::platform::platform:index:Platform$platform:registry:BuiltImage$docker:index/image:Image::x"), {
            component: "platform:registry:BuiltImage",
            file: "components/registry/image-aws.ts",
        }, "a resource of neither cloud's package: the first declaration");
        assert.deepEqual(componentSourceOf("urn:pulumi:gcp-prod::platform::platform:index:Platform$platform:cluster:WorkloadIdentity$gcp:serviceaccount/account:Account::x"), {
            component: "platform:cluster:WorkloadIdentity",
            file: "components/cluster/workload-identity-gcp.ts",
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
