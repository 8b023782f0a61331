import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PAGERDUTY_KEY_FILE, RECEIVER_SECRETS_DIR, SMTP_PASSWORD_FILE } from "../components/monitoring/alertmanager";
import { fragments } from "../policies/test-support/fake-secrets";
import { Report } from "../tools/report";
import { passphraseStack } from "./support/passphrase-encrypt";
import { scratchDir } from "./support/scratch";
import { PROJECT_DIR } from "./support/stacks";
import { runTool } from "./support/tools-cli";

/*
 * Alertmanager's credentials (PagerDuty's integration key, the SMTP relay's password) set the only way the
 * README says, `pulumi config set --secret --path apiKeys.pagerduty`, in prod-tier stacks on both clouds:
 * the offline plan decrypts them (passphrase stacks), renders them into the SecretStore and the Secret
 * Alertmanager mounts, and shows Alertmanager's configuration with file paths. No piece of either canary
 * reaches stdout, stderr or any report, in any format; and the stacks still pass the pack.
 */

const PASSPHRASE = "correct horse battery staple";
const CANARY = {
    pagerDuty: "PdCanaryKey7f3kQ9zWv2mX8bN4cL6t",
    smtp: "SmtpCanaryPw-4hJ8sD2fK9qL",
} as const;
const FORMATS = ["human", "json", "sarif", "junit", "markdown"] as const;

/** A copy of a real stack file, made a passphrase stack holding the alerting keys and settings. */
function alertingStack(base: string, tier: string): string {
    const passphrase = passphraseStack(PASSPHRASE);
    const document = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${base}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const monitoring = (document.config["platform:monitoring"] ?? {}) as Record<string, unknown>;
    document.config["platform:tier"] = tier;
    document.config["platform:monitoring"] = {
        ...monitoring,
        smtp: { smarthost: "smtp.sendgrid.net:587", from: "alertmanager@example.com", username: "apikey" },
        deadMansSwitchUrl: "https://hc-ping.com/0b7e4c52-6a55-4f7a-9d1c-2b1c7d9e3f10",
    };
    document.config["platform:apiKeys"] = { pagerduty: { secure: passphrase.encrypt(CANARY.pagerDuty) }, smtp: { secure: passphrase.encrypt(CANARY.smtp) } };
    return stringify({ encryptionsalt: passphrase.encryptionSalt, ...document }, { lineWidth: 0 });
}

function projectWith(dir: string, stackFiles: Record<string, string>): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of ["index.ts", "components", "config", "services", "package.json", "tsconfig.json", "node_modules", "Pulumi.yaml", "policies"]) {
        if (fs.existsSync(path.join(PROJECT_DIR, entry))) fs.symlinkSync(path.join(PROJECT_DIR, entry), path.join(dir, entry));
    }
    for (const [name, text] of Object.entries(stackFiles)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

function leaks(texts: Readonly<Record<string, string>>): string[] {
    const found: string[] = [];
    for (const [name, secret] of Object.entries(CANARY)) {
        for (const [where, text] of Object.entries(texts)) {
            const piece = fragments(secret, 8).find((fragment) => text.includes(fragment));
            if (piece !== undefined) found.push(`${name} in ${where} ("${piece.slice(0, 3)}…")`);
        }
    }
    return found;
}

describe("Alertmanager's credentials: no route to any output of the plan (canaries)", function () {
    this.timeout(300_000);
    const scratch = scratchDir("platform-alerting-canary-");
    const project = projectWith(path.join(scratch, "project"), {
        "Pulumi.alertingprod.yaml": alertingStack("prod", "prod"),
        "Pulumi.alertinggcp.yaml": alertingStack("gcp-prod", "prod"),
    });

    for (const stack of ["alertingprod", "alertinggcp"]) {
        it(`${stack}: decrypted, rendered into the SecretStore and Alertmanager's Secret, shown as file paths only; passes the pack`, async function () {
            const outputs = path.join(scratch, stack);
            fs.mkdirSync(outputs);
            const result = await runTool(
                ["plan", "--project-dir", project, "--stack", stack, "--format", "json", ...FORMATS.map((format) => `--output=${format}=${path.join(outputs, `report.${format}`)}`)],
                { env: { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE }, timeoutMs: 240_000 },
            );
            const texts: Record<string, string> = { stdout: result.stdout, stderr: result.stderr };
            for (const format of FORMATS) texts[format] = fs.readFileSync(path.join(outputs, `report.${format}`), "utf8");
            assert.equal(result.status, 0, `a prod-tier stack with alerting configured passes the pack: ${result.stderr.slice(-2000)}`);
            assert.deepEqual(leaks(texts), []);

            const report = JSON.parse(result.stdout) as Report;
            const resources = report.stacks[0].resources;
            const release = resources.find((resource) => resource.type === "kubernetes:helm.sh/v3:Release" && resource.inputs.chart === "kube-prometheus-stack");
            const config = ((release?.inputs.values as Record<string, unknown>).alertmanager as { config: { global: Record<string, unknown>; receivers: { name: string; pagerduty_configs?: { routing_key_file: string }[] }[] } }).config;
            assert.equal(config.global.smtp_auth_password_file, `${RECEIVER_SECRETS_DIR}/${SMTP_PASSWORD_FILE}`, "the plan shows Alertmanager's configuration");
            assert.deepEqual(config.receivers.find((receiver) => receiver.name === "page")?.pagerduty_configs?.map((entry) => entry.routing_key_file), [`${RECEIVER_SECRETS_DIR}/${PAGERDUTY_KEY_FILE}`]);
            const secret = resources.find((resource) => resource.type === "kubernetes:core/v1:Secret" && resource.name.endsWith("-monitoring-alertmanager-receivers"));
            assert.equal(secret?.inputs.stringData, "[secret]", "the Secret Alertmanager mounts is masked whole");
            const stored = resources.filter((resource) => /secrets?[mM]anager\/secretVersion:SecretVersion$/.test(resource.type) && /-api-key-(pagerduty|smtp)$/.test(resource.name));
            assert.equal(stored.length, 2, "both keys are kept in the SecretStore");
            for (const version of stored) assert.ok(Object.values(version.inputs).includes("[secret]"), `${version.name} holds its value masked`);
        });
    }
});
