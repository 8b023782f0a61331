import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { passphraseFromEnvironment } from "../engine/passphrase";
import { readStackConfig } from "../engine/stack-files";
import { cliOrSkip, engineEnv, runPulumi } from "./support/pulumi-cli";
import { PROJECT_DIR } from "./support/stacks";

/** A stack file whose `secure:` values the real CLI encrypted with the passphrase provider (see its README). */
const FIXTURE = path.join(__dirname, "fixtures", "passphrase-stack");
const PASSPHRASE = "correct-horse";

describe("secure values: the passphrase provider, offline", function () {
    this.timeout(120_000);

    it("decrypts the values the real CLI encrypted, nested paths included, and keeps their keys secret", function () {
        const config = readStackConfig(FIXTURE, "dev", PASSPHRASE);
        assert.equal(config.values["pp:dbPassword"], "S3cret-Value!");
        assert.deepEqual(JSON.parse(config.values["pp:nested"]), { token: "tok-123" });
        assert.deepEqual(config.secretKeys, ["pp:dbPassword", "pp:nested"]);
    });

    it("refuses a wrong passphrase in one line, and uses placeholders without one", function () {
        assert.throws(() => readStackConfig(FIXTURE, "dev", "wrong horse"), /Pulumi\.dev\.yaml: incorrect passphrase \(PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE\)/);
        assert.equal(readStackConfig(FIXTURE, "dev", undefined).values["pp:dbPassword"], "<secure value of pp:dbPassword>");
    });

    it("reads the passphrase as the CLI does: the variable first, else the file it names, trimmed", function () {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "platform-passphrase-")), "phrase");
        fs.writeFileSync(file, `${PASSPHRASE}\n`);
        assert.equal(passphraseFromEnvironment({ PULUMI_CONFIG_PASSPHRASE_FILE: file }), PASSPHRASE);
        assert.equal(passphraseFromEnvironment({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: file }), "");
        assert.equal(passphraseFromEnvironment({}), undefined);
    });

    describe("through the real CLI and plan", function () {
        const canary = "CanaryPassphraseSecret0123456789";
        let project: string | undefined;
        const env = (): NodeJS.ProcessEnv => ({ ...process.env, NO_COLOR: "1", PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });

        before(function () {
            const cli = cliOrSkip(this);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-passphrase-project-"));
            for (const entry of ["index.ts", "components", "config", "services", "package.json", "tsconfig.json", "node_modules", "Pulumi.yaml"]) fs.symlinkSync(path.join(PROJECT_DIR, entry), path.join(dir, entry));
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
            const cliEnv = engineEnv(cli, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${dir}` });
            for (const args of [["stack", "init", "dev", "--secrets-provider", "passphrase"], ["config", "set", "--secret", "jwtSecret", canary]]) {
                const result = runPulumi(cli, args, { cwd: dir, env: cliEnv });
                assert.equal(result.status, 0, `pulumi ${args.join(" ")}: ${result.stderr}`);
            }
            project = dir;
        });

        it("plan decrypts the CLI's ciphertext with the passphrase, and the value reaches no output", function () {
            const dir = project as string;
            const stackFile = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");
            assert.match(stackFile, /encryptionsalt: v1:/);
            assert.ok(!stackFile.includes(canary), "the CLI wrote ciphertext");
            const json = path.join(dir, "plan.json");
            const result = spawnSync(process.execPath, [path.join(PROJECT_DIR, "tools", "bin.js"), "plan", "--project-dir", dir, "--stack", "dev", "--output", `json=${json}`], { encoding: "utf8", env: env(), timeout: 120_000 });
            assert.ok(result.status === 0 || result.status === 1, result.stderr);
            for (const text of [result.stdout, result.stderr, fs.readFileSync(json, "utf8")]) assert.ok(!text.includes(canary.slice(6, 20)), "no part of the secret in any output");
        });

        it("a decrypted value is validated like any other: too short a secret is a config error, with no value", function () {
            const dir = project as string;
            const cli = cliOrSkip(this);
            const set = runPulumi(cli, ["config", "set", "--secret", "jwtSecret", "short-secret"], { cwd: dir, env: engineEnv(cli, { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, PULUMI_BACKEND_URL: `file://${dir}` }) });
            assert.equal(set.status, 0, set.stderr);
            const run = (withPassphrase: boolean) =>
                spawnSync(process.execPath, [path.join(PROJECT_DIR, "tools", "bin.js"), "plan", "--project-dir", dir, "--stack", "dev", "--no-tree"], {
                    encoding: "utf8",
                    env: withPassphrase ? env() : { ...process.env, NO_COLOR: "1", PULUMI_CONFIG_PASSPHRASE: undefined },
                    timeout: 120_000,
                });
            const decrypted = run(true);
            assert.equal(decrypted.status, 2);
            assert.match(decrypted.stdout, /platform:jwtSecret: expected at least 16 characters; found a secret value \(not shown\)/);
            assert.ok(!decrypted.stdout.includes("short-secret") && !decrypted.stderr.includes("short-secret"));
            const placeholder = run(false);
            assert.doesNotMatch(placeholder.stdout, /platform:jwtSecret/, "without the passphrase the placeholder stands in");
        });
    });
});
