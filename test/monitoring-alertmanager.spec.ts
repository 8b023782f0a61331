import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parsePlatformConfig } from "../config/load";
import { renderStack, RenderedStack } from "../engine/render";
import {
    AlertmanagerConfig, NULL_RECEIVER, PAGE_RECEIVER, PAGERDUTY_KEY_FILE, RECEIVER_SECRET_NAME, RECEIVER_SECRETS_DIR, Receiver, SMTP_PASSWORD_FILE, TICKET_RECEIVER, WATCHDOG_RECEIVER,
} from "../components/monitoring/alertmanager";
import { AlertRule, AlertRuleGroup } from "../components/monitoring/rules";
import { alertmanagerOrSkip, AlertmanagerTools, monitoringValues, renderedAlertmanagerConfig, runAmtool, startAlertmanager, startSmtpStub, writeConfig } from "./support/alertmanager";
import { RunningService, startStub } from "./support/sample-service";
import { scratchDir } from "./support/scratch";
import { platformRules } from "./support/prometheus";
import { namedBySuffix, ofType, plainInputs, PROJECT_DIR, renderedStack } from "./support/stacks";

/*
 * The Alertmanager configuration the program renders into kube-prometheus-stack's values, judged by the
 * real Alertmanager 0.25 (Debian's prometheus-alertmanager): `amtool check-config` on every stack as its
 * stack file renders it, and on prod and gcp-prod with every receiver configured; `amtool config routes
 * test` with a sample alert of each severity; and a real Alertmanager that delivers to stand-ins of
 * PagerDuty, an SMTP relay, SNS and a dead man's switch, and applies the inhibitions.
 */

const STACKS = ["dev", "staging", "prod", "gcp-dev", "gcp-staging", "gcp-prod"] as const;
const ALERT_EMAILS = ["platform-oncall@example.com", "platform-alerts@example.com"];
/** Stand-ins, never real credentials: what the stack's `secure:` apiKeys would hold. */
const PAGERDUTY_KEY = "PdRoutingKeyOfTheSpec0123456789a";
const SMTP_PASSWORD = "SmtpPasswordOfTheSpec-7f3k";
const DEAD_MANS_SWITCH = "https://hc-ping.com/0b7e4c52-6a55-4f7a-9d1c-2b1c7d9e3f10";

/** PagerDuty, an SMTP relay (SendGrid's shape) and a dead man's switch, as `pulumi config set` would write them. */
function configured(stack: string): Promise<RenderedStack> {
    return renderStack({
        projectDir: PROJECT_DIR,
        stack,
        configOverrides: {
            "platform:apiKeys": JSON.stringify({ pagerduty: PAGERDUTY_KEY, smtp: SMTP_PASSWORD }),
            "platform:monitoring": JSON.stringify({
                alertEmails: ALERT_EMAILS,
                smtp: { smarthost: "smtp.sendgrid.net:587", from: "alertmanager@example.com", username: "apikey" },
                deadMansSwitchUrl: DEAD_MANS_SWITCH,
            }),
        },
        extraSecretKeys: ["platform:apiKeys"],
    });
}

function receiver(config: AlertmanagerConfig, name: string): Receiver {
    const found = config.receivers.find((candidate) => candidate.name === name);
    assert.ok(found, `receiver ${name}`);
    return found;
}

type Labels = Readonly<Record<string, string>>;

/** A sample alert of each kind and the receiver it must reach. */
function samples(stack: RenderedStack): { labels: Labels; receiver: string }[] {
    const groups = (plainInputs(platformRules(stack)).spec as { groups: AlertRuleGroup[] }).groups;
    const platform = groups.flatMap((group) => group.rules).filter((rule): rule is AlertRule => "alert" in rule).map((rule) => ({
        labels: { alertname: rule.alert, ...rule.labels, namespace: "apps", service: "api" },
        receiver: rule.labels.severity === "page" ? PAGE_RECEIVER : TICKET_RECEIVER,
    }));
    // kube-prometheus-stack's own rules carry severities critical, warning, info and none.
    const chart: { labels: Labels; receiver: string }[] = [
        { labels: { alertname: "Watchdog", severity: "none" }, receiver: WATCHDOG_RECEIVER },
        { labels: { alertname: "InfoInhibitor", severity: "none", namespace: "apps" }, receiver: NULL_RECEIVER },
        { labels: { alertname: "KubeletDown", severity: "critical", namespace: "kube-system" }, receiver: TICKET_RECEIVER },
        { labels: { alertname: "KubePodCrashLooping", severity: "warning", namespace: "apps", pod: "api-7d9f" }, receiver: TICKET_RECEIVER },
        { labels: { alertname: "AlertmanagerFailedToSendAlerts", severity: "warning", namespace: "monitoring" }, receiver: TICKET_RECEIVER },
        { labels: { alertname: "CPUThrottlingHigh", severity: "info", namespace: "apps" }, receiver: TICKET_RECEIVER },
        // Loki's ruler sends its log alert to the same Alertmanager (components/telemetry/log-alerts.ts).
        { labels: { alertname: "ServiceErrorLogsHigh", severity: "warning", service_name: "api" }, receiver: TICKET_RECEIVER },
    ];
    return [...platform, ...chart];
}

function labelArgs(labels: Labels): string[] {
    return Object.entries(labels).map(([name, value]) => `${name}=${value}`);
}

describe("Alertmanager's configuration, under the real amtool and Alertmanager", function () {
    this.timeout(300_000);
    let tools: AlertmanagerTools;
    let dir: string;
    const rendered = new Map<string, RenderedStack>();
    const files = new Map<string, string>();

    before(async function () {
        tools = alertmanagerOrSkip(this);
        dir = scratchDir("platform-amtool-");
        for (const stack of STACKS) rendered.set(stack, await renderedStack(stack));
        for (const stack of ["prod", "gcp-prod"]) rendered.set(`${stack} (configured)`, await configured(stack));
        for (const [name, stack] of rendered) files.set(name, writeConfig(dir, name.replace(/\W+/g, "-"), renderedAlertmanagerConfig(stack)));
    });

    it("amtool check-config accepts the configuration every stack renders, on both clouds, as configured or not", function () {
        for (const [name, file] of files) {
            const result = runAmtool(tools, ["check-config", file], dir);
            assert.equal(result.status, 0, `${name}: ${result.output}`);
            assert.match(result.output, /SUCCESS/, name);
            assert.match(result.output, / - 7 inhibit rules\n - 4 receivers/, name);
        }
    });

    it("amtool is not a rubber stamp: a route to a receiver that does not exist is refused", function () {
        const broken = JSON.parse(JSON.stringify(renderedAlertmanagerConfig(rendered.get("prod") as RenderedStack))) as { route: { receiver: string } };
        broken.route.receiver = "nobody";
        const result = runAmtool(tools, ["check-config", writeConfig(dir, "broken", broken)], dir);
        assert.equal(result.status, 1, result.output);
        assert.match(result.output, /undefined receiver "nobody"/);
    });

    it("a sample alert of each severity reaches its receiver (amtool config routes test), the same on every stack", function () {
        for (const [name, file] of files) {
            for (const sample of samples(rendered.get(name) as RenderedStack)) {
                const result = runAmtool(tools, ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${sample.receiver}`, ...labelArgs(sample.labels)], dir);
                assert.equal(result.status, 0, `${name}: ${sample.labels.alertname} (${sample.labels.severity}): ${result.output}`);
                assert.equal(result.stdout.trim(), sample.receiver, `${name}: ${sample.labels.alertname}`);
            }
        }
    });

    it("the routing test is not a rubber stamp: a ticket is not a page", function () {
        const result = runAmtool(tools, ["config", "routes", "test", `--config.file=${files.get("prod")}`, `--verify.receivers=${PAGE_RECEIVER}`, "alertname=ErrorBudgetSlowBurn", "severity=ticket"], dir);
        assert.equal(result.status, 1, result.output);
        assert.match(result.output, /Expected receivers did not match/);
    });

    it("configured: pages go to PagerDuty and email, tickets by email, the Watchdog to the dead man's switch; credentials are files of a mounted Secret", function () {
        for (const name of ["prod (configured)", "gcp-prod (configured)"]) {
            const stack = rendered.get(name) as RenderedStack;
            const config = renderedAlertmanagerConfig(stack);
            assert.deepEqual(receiver(config, PAGE_RECEIVER).pagerduty_configs?.map((entry) => entry.routing_key_file), [`${RECEIVER_SECRETS_DIR}/${PAGERDUTY_KEY_FILE}`], name);
            for (const mailed of [PAGE_RECEIVER, TICKET_RECEIVER]) {
                assert.deepEqual(receiver(config, mailed).email_configs?.map((entry) => entry.to), [ALERT_EMAILS.join(", ")], `${name}: ${mailed}`);
            }
            assert.equal(receiver(config, TICKET_RECEIVER).pagerduty_configs, undefined, `${name}: a ticket pages nobody`);
            assert.deepEqual(receiver(config, WATCHDOG_RECEIVER).webhook_configs?.map((entry) => entry.url), [DEAD_MANS_SWITCH], name);
            assert.equal(config.global.smtp_smarthost, "smtp.sendgrid.net:587");
            assert.equal(config.global.smtp_auth_password_file, `${RECEIVER_SECRETS_DIR}/${SMTP_PASSWORD_FILE}`);
            assert.equal(config.global.smtp_require_tls, true);

            // The values hold paths, never the credentials; the Secret holds them, from the SecretStore.
            const values = monitoringValues(stack);
            const text = JSON.stringify(values);
            assert.ok(!text.includes(PAGERDUTY_KEY) && !text.includes(SMTP_PASSWORD), `${name}: no credential in the chart's values`);
            assert.deepEqual((values.alertmanager as { alertmanagerSpec: { secrets: string[] } }).alertmanagerSpec.secrets, [RECEIVER_SECRET_NAME]);
            const secret = namedBySuffix(stack, "kubernetes:core/v1:Secret", "-monitoring-alertmanager-receivers");
            const stringData = secret.inputs.stringData as { value?: Record<string, string> };
            assert.ok(stringData && "4dabf18193072939515e22adb298388d" in stringData, `${name}: the receivers' Secret data is a secret`);
            assert.deepEqual(plainInputs(secret).stringData, { [PAGERDUTY_KEY_FILE]: PAGERDUTY_KEY, [SMTP_PASSWORD_FILE]: SMTP_PASSWORD });
            assert.equal((plainInputs(secret).metadata as { namespace: string }).namespace, "monitoring");
            const release = ofType(stack, "kubernetes:helm.sh/v3:Release").find((resource) => plainInputs(resource).chart === "kube-prometheus-stack");
            assert.ok(release?.dependencies.includes(secret.urn), `${name}: the chart waits for the Secret it mounts`);
            const stored = ofType(stack, stack.stack.startsWith("gcp") ? "gcp:secretmanager/secretVersion:SecretVersion" : "aws:secretsmanager/secretVersion:SecretVersion").filter((version) => version.name.endsWith("-api-key-pagerduty"));
            assert.equal(stored.length, 1, `${name}: the key is kept in the SecretStore`);
        }
    });

    it("on AWS, email goes through the alert topic and the Watchdog to a heartbeat topic that a CloudWatch alarm watches, as Alertmanager's own IAM role", function () {
        const stack = rendered.get("prod") as RenderedStack;
        const config = renderedAlertmanagerConfig(stack);
        const alerts = namedBySuffix(stack, "aws:sns/topic:Topic", "-monitoring-alerts");
        const heartbeat = namedBySuffix(stack, "aws:sns/topic:Topic", "-monitoring-heartbeat");
        for (const mailed of [PAGE_RECEIVER, TICKET_RECEIVER]) {
            assert.deepEqual(receiver(config, mailed).sns_configs?.map((entry) => [entry.topic_arn, entry.sigv4.region]), [[alerts.outputs.arn, "eu-west-1"]], mailed);
        }
        assert.deepEqual(receiver(config, WATCHDOG_RECEIVER).sns_configs?.map((entry) => entry.topic_arn), [heartbeat.outputs.arn]);
        assert.equal(receiver(config, PAGE_RECEIVER).pagerduty_configs, undefined, "no PagerDuty key in Pulumi.prod.yaml: pages go by email");

        const alarm = plainInputs(namedBySuffix(stack, "aws:cloudwatch/metricAlarm:MetricAlarm", "-monitoring-alertmanager-heartbeat"));
        assert.deepEqual([alarm.namespace, alarm.metricName, alarm.comparisonOperator, alarm.threshold, alarm.treatMissingData], ["AWS/SNS", "NumberOfMessagesPublished", "LessThanThreshold", 1, "breaching"]);
        assert.deepEqual(alarm.dimensions, { TopicName: heartbeat.outputs.name });
        assert.deepEqual(alarm.alarmActions, [alerts.outputs.arn]);

        const role = plainInputs(namedBySuffix(stack, "aws:iam/role:Role", "-monitoring-alertmanager-role"));
        assert.match(String(role.assumeRolePolicy), /"system:serviceaccount:monitoring:kube-prometheus-stack-alertmanager"/);
        const policy = JSON.parse(String(plainInputs(namedBySuffix(stack, "aws:iam/rolePolicy:RolePolicy", "-monitoring-alertmanager-policy")).policy)) as { Statement: { Action: string[]; Resource: string[] }[] };
        assert.deepEqual(policy.Statement.map((statement) => statement.Action), [["sns:Publish"], ["kms:GenerateDataKey", "kms:Decrypt"]]);
        assert.deepEqual(policy.Statement[0].Resource, [alerts.outputs.arn, heartbeat.outputs.arn]);
        const serviceAccount = (monitoringValues(stack).alertmanager as { serviceAccount: { name: string; annotations: Record<string, string> } }).serviceAccount;
        assert.equal(serviceAccount.name, "kube-prometheus-stack-alertmanager");
        assert.match(serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\/platform-prod-monitoring-alertmanager-role/);
    });

    it("on GCP, the Cloud Monitoring channels are real e-mail channels and every alert policy notifies all of them", function () {
        const stack = rendered.get("gcp-prod") as RenderedStack;
        const channels = ofType(stack, "gcp:monitoring/notificationChannel:NotificationChannel");
        assert.deepEqual(channels.map((channel) => [plainInputs(channel).type, (plainInputs(channel).labels as Labels).email_address]), ALERT_EMAILS.map((email) => ["email", email]));
        const names = channels.map((channel) => channel.outputs.name);
        for (const name of names) assert.match(String(name), /^projects\/acme-platform-prod\/notificationChannels\/\d+$/);
        const policies = ofType(stack, "gcp:monitoring/alertPolicy:AlertPolicy");
        assert.ok(policies.length >= 8);
        for (const policy of policies) assert.deepEqual(plainInputs(policy).notificationChannels, names, policy.name);
        // Alertmanager has no GCP transport: without an SMTP relay, PagerDuty or a ping URL in the stack file, its receivers are empty.
        assert.deepEqual(renderedAlertmanagerConfig(stack).receivers.map((entry) => Object.keys(entry)), [["name"], ["name"], ["name"], ["name"]]);
    });

    describe("a real Alertmanager running prod's routing, with stand-ins of PagerDuty, SMTP, SNS and the dead man's switch", function () {
        let pagerDuty: RunningService;
        let sns: RunningService;
        let ping: RunningService;
        let smtp: Awaited<ReturnType<typeof startSmtpStub>>;
        const received = { pagerDuty: [] as Record<string, unknown>[], sns: [] as URLSearchParams[], ping: [] as Record<string, unknown>[] };
        let alertmanager: Awaited<ReturnType<typeof startAlertmanager>> | undefined;

        /** Everything read into a request body, then answered. */
        const collecting = (answer: (body: string) => [number, string, string]) => startStub((request, response) => {
            let body = "";
            request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
            request.on("end", () => {
                const [status, type, text] = answer(body);
                response.writeHead(status, { "content-type": type });
                response.end(text);
            });
        });

        before(async function () {
            pagerDuty = await collecting((body) => {
                received.pagerDuty.push(JSON.parse(body) as Record<string, unknown>);
                return [202, "application/json", JSON.stringify({ status: "success", message: "Event processed" })];
            });
            sns = await collecting((body) => {
                received.sns.push(new URLSearchParams(body));
                return [200, "text/xml", `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${received.sns.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r${received.sns.length}</RequestId></ResponseMetadata></PublishResponse>`];
            });
            ping = await collecting((body) => {
                received.ping.push(JSON.parse(body) as Record<string, unknown>);
                return [200, "text/plain", "OK"];
            });
            smtp = await startSmtpStub();
        });

        /**
         * A real Alertmanager running a stack's rendered configuration with only what a test must change:
         * where the endpoints and the mounted files are, plain SMTP on loopback, seconds instead of minutes of grouping.
         */
        async function startWith(name: string): Promise<NonNullable<typeof alertmanager>> {
            const home = path.join(dir, name.replace(/\W+/g, "-"));
            const secrets = path.join(home, "secrets");
            fs.mkdirSync(secrets, { recursive: true });
            fs.writeFileSync(path.join(secrets, PAGERDUTY_KEY_FILE), PAGERDUTY_KEY);
            fs.writeFileSync(path.join(secrets, SMTP_PASSWORD_FILE), SMTP_PASSWORD);
            const config = renderedAlertmanagerConfig(rendered.get(name) as RenderedStack);
            const fast = { group_wait: "1s", group_interval: "1s" };
            const local = {
                ...config,
                global: config.global.smtp_smarthost === undefined ? config.global : { ...config.global, smtp_smarthost: `127.0.0.1:${smtp.port}`, smtp_require_tls: false, smtp_auth_password_file: path.join(secrets, SMTP_PASSWORD_FILE) },
                route: { ...config.route, ...fast, routes: config.route.routes?.map((route) => ({ ...route, ...fast })) },
                receivers: config.receivers.map((entry) => ({
                    ...entry,
                    ...(entry.pagerduty_configs ? { pagerduty_configs: entry.pagerduty_configs.map((pd) => ({ ...pd, routing_key_file: path.join(secrets, PAGERDUTY_KEY_FILE), url: `${pagerDuty.url}/v2/enqueue` })) } : {}),
                    ...(entry.sns_configs ? { sns_configs: entry.sns_configs.map((topic) => ({ ...topic, api_url: sns.url })) } : {}),
                    ...(entry.webhook_configs ? { webhook_configs: entry.webhook_configs.map((hook) => ({ ...hook, url: `${ping.url}/ping` })) } : {}),
                })),
            };
            alertmanager = await startAlertmanager(tools, writeConfig(home, "alertmanager", local), home, {
                AWS_ACCESS_KEY_ID: "spec-access-key-id",
                AWS_SECRET_ACCESS_KEY: "spec-secret-access-key",
                AWS_EC2_METADATA_DISABLED: "true",
            });
            return alertmanager;
        }

        afterEach(async function () {
            await alertmanager?.stop();
            alertmanager = undefined;
            received.pagerDuty.length = 0;
            received.sns.length = 0;
            received.ping.length = 0;
        });

        after(async function () {
            await Promise.all([pagerDuty, sns, ping, smtp].map((stub) => stub?.stop()));
        });

        const alert = (labels: Labels) => ({ labels, annotations: { summary: `${labels.alertname} of ${labels.service ?? labels.namespace ?? "the cluster"}` }, startsAt: new Date().toISOString() });

        async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
            const deadline = Date.now() + 30_000;
            for (;;) {
                const value = await check();
                if (value !== undefined) return value;
                if (Date.now() > deadline) throw new Error(`${what} did not happen in 30 s; Alertmanager's log:\n${alertmanager?.log() ?? ""}`);
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
        }

        it("configured prod: a page to PagerDuty with the key from its file and by email, a ticket by email, the Watchdog to the heartbeat topic and the ping URL; the freeze alert is inhibited by a fast burn and inhibits the slow burn", async function () {
            const running = await startWith("prod (configured)");
            const apps = (alertname: string, severity: string, service: string) => ({ alertname, severity, namespace: "apps", service });
            const sent: Labels[] = [
                apps("ErrorBudgetFastBurn", "page", "api"),
                apps("ErrorBudgetSlowBurn", "ticket", "api"),
                apps("ErrorBudgetExhausted", "ticket", "api"),
                apps("ErrorBudgetExhausted", "ticket", "worker"),
                apps("ErrorBudgetSlowBurn", "ticket", "worker"),
                { alertname: "Watchdog", severity: "none" },
                { alertname: "InfoInhibitor", severity: "none", namespace: "apps" },
                { alertname: "KubePodCrashLooping", severity: "warning", namespace: "apps", pod: "api-7d9f" },
            ];
            const posted = await fetch(`${running.url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sent.map(alert)) });
            assert.equal(posted.status, 200, await posted.text());

            // Inhibitions, as Alertmanager itself reports them.
            type Reported = { labels: Labels; status: { inhibitedBy: string[] } };
            const reported = await until("all eight alerts listed", async () => {
                const alerts = await (await fetch(`${running.url}/api/v2/alerts`)).json() as Reported[];
                return alerts.length === sent.length ? alerts : undefined;
            });
            const inhibited = reported.filter((entry) => entry.status.inhibitedBy.length > 0).map((entry) => `${entry.labels.alertname} ${entry.labels.service ?? entry.labels.namespace ?? ""}`.trim()).sort();
            assert.deepEqual(inhibited, ["ErrorBudgetExhausted api", "ErrorBudgetSlowBurn api", "ErrorBudgetSlowBurn worker", "InfoInhibitor apps"]);

            // The page: PagerDuty, with the routing key read from the mounted file.
            const event = await until("a PagerDuty event", () => received.pagerDuty[0]);
            assert.equal(event.routing_key, PAGERDUTY_KEY);
            assert.equal(event.event_action, "trigger");
            const payload = event.payload as { severity: string; class: string; custom_details: Record<string, string> };
            assert.deepEqual([payload.severity, payload.class, payload.custom_details.stack], ["critical", "ErrorBudgetFastBurn", "prod"]);

            // Email: the page and the two tickets that are not inhibited, logged in with the password from its file.
            const subjects = await until("three e-mails", () => {
                const found = smtp.mails.map((mail) => /^Subject: (.*)$/m.exec(mail.data)?.[1] ?? "");
                return found.length >= 3 ? found.sort() : undefined;
            });
            assert.deepEqual(subjects, ["[prod FIRING] ErrorBudgetExhausted worker apps", "[prod FIRING] ErrorBudgetFastBurn api apps", "[prod FIRING] KubePodCrashLooping apps"]);
            for (const mail of smtp.mails) {
                assert.deepEqual([mail.username, mail.password, mail.from], ["apikey", SMTP_PASSWORD, "alertmanager@example.com"]);
                assert.deepEqual([...mail.to].sort(), [...ALERT_EMAILS].sort());
            }

            // The Watchdog: the heartbeat topic (SigV4-signed Publish) and the dead man's switch's ping URL.
            const published = await until("a heartbeat on SNS", () => received.sns[0]);
            assert.deepEqual([published.get("Action"), published.get("Subject")], ["Publish", "Watchdog prod"]);
            assert.match(String(published.get("TopicArn")), /^arn:aws:sns:eu-west-1:\d{12}:platform-prod-monitoring-heartbeat/);
            const pinged = await until("a ping", () => received.ping[0]);
            assert.deepEqual((pinged.alerts as { labels: Labels }[]).map((entry) => entry.labels.alertname), ["Watchdog"]);
            assert.equal(received.pagerDuty.length, 1, "only the page reached PagerDuty");
            const heartbeatArn = namedBySuffix(rendered.get("prod (configured)") as RenderedStack, "aws:sns/topic:Topic", "-monitoring-heartbeat").outputs.arn;
            assert.equal(published.get("TopicArn"), heartbeatArn);
        });

        it("prod as its stack file renders it: email through the alert topic, one SNS Publish per notification, with a subject SNS accepts (under 100 characters)", async function () {
            const running = await startWith("prod");
            const longService = `api-${"x".repeat(60)}`;
            const posted = await fetch(`${running.url}/api/v2/alerts`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify([{ alertname: "ServiceDown", severity: "page", namespace: "apps", service: longService }, { alertname: "ContainerNotReady", severity: "ticket", namespace: "apps", service: "worker" }].map(alert)),
            });
            assert.equal(posted.status, 200, await posted.text());
            const alertsArn = namedBySuffix(rendered.get("prod") as RenderedStack, "aws:sns/topic:Topic", "-monitoring-alerts").outputs.arn;
            const mails = await until("two e-mails through the alert topic", () => {
                const found = received.sns.filter((entry) => entry.get("TopicArn") === alertsArn);
                return found.length >= 2 ? found : undefined;
            });
            const subjects = mails.map((entry) => String(entry.get("Subject"))).sort();
            assert.equal(subjects[1], "[prod FIRING] ServiceDown " + `${longService} apps`.slice(0, 99 - "[prod FIRING] ServiceDown ".length));
            assert.equal(subjects[0], "[prod FIRING] ContainerNotReady worker apps");
            for (const subject of subjects) assert.ok(subject.length < 100, subject);
            const message = String(mails.find((entry) => String(entry.get("Subject")).includes("ServiceDown"))?.get("Message"));
            assert.match(message, /^FIRING: ServiceDown of api-x+\n/);
            assert.match(message, /alertname=ServiceDown namespace=apps service=api-x+ severity=page/);
            assert.equal(received.pagerDuty.length, 0, "no PagerDuty key in Pulumi.prod.yaml: nothing goes there");
        });
    });
});

describe("Alertmanager in CI", function () {
    it(".ci/run installs Debian's prometheus-alertmanager after requiring the real parts, before npm test", function () {
        const lines = fs.readFileSync(path.join(PROJECT_DIR, ".ci", "run"), "utf8").split("\n");
        const required = lines.findIndex((line) => /^export PLATFORM_ENGINE_SPECS=required$/.test(line));
        const install = lines.findIndex((line) => /^bash scripts\/alertmanager\.sh --for-tests\b/.test(line));
        const test = lines.findIndex((line) => /^npm test$/.test(line));
        assert.ok(required >= 0 && required < install && install < test, "export PLATFORM_ENGINE_SPECS=required, then bash scripts/alertmanager.sh --for-tests, then npm test");
        const script = fs.readFileSync(path.join(PROJECT_DIR, "scripts", "alertmanager.sh"), "utf8");
        assert.match(script, /install_debian_packages alertmanager .* "amtool prometheus-alertmanager" prometheus-alertmanager/);
    });
});

describe("Alertmanager's settings in the stack file (platform:monitoring, platform:apiKeys)", function () {
    const base = {
        "aws:region": "eu-west-1",
        "platform:services": JSON.stringify([{ name: "api", image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api@sha256:${"c".repeat(64)}`, port: 8080, health: { liveness: "/healthz", readiness: "/readyz" } }]),
    };
    const parse = (values: Readonly<Record<string, string>>, secretKeys: readonly string[] = []) =>
        parsePlatformConfig({ stack: "prod", project: "platform", values: { ...base, ...values }, secretKeys: new Set(secretKeys), detectedRelease: { sha: "0123456789abcdef0123456789abcdef01234567", date: "2026-12-01T00:00:00Z", actor: "spec" } });
    const problems = (values: Readonly<Record<string, string>>, secretKeys: readonly string[] = []): string[] => {
        try {
            parse(values, secretKeys);
        } catch (error) {
            if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.key}: expected ${problem.expected}; found ${problem.found}`);
            throw error;
        }
        return [];
    };
    const monitoring = (extra: Record<string, unknown>) => JSON.stringify({ alertEmails: ALERT_EMAILS, ...extra });

    it("takes an SMTP relay and a ping URL as plain settings, and the keys as secure apiKeys", function () {
        const config = parse({
            "platform:monitoring": monitoring({ smtp: { smarthost: "smtp.sendgrid.net:587", from: "alertmanager@example.com", username: "apikey" }, deadMansSwitchUrl: DEAD_MANS_SWITCH }),
            "platform:apiKeys": JSON.stringify({ pagerduty: PAGERDUTY_KEY, smtp: SMTP_PASSWORD }),
        }, ["platform:apiKeys"]);
        assert.deepEqual(config.monitoring.smtp, { smarthost: "smtp.sendgrid.net:587", from: "alertmanager@example.com", username: "apikey" });
        assert.equal(config.monitoring.deadMansSwitchUrl, DEAD_MANS_SWITCH);
        assert.deepEqual(Object.keys(config.apiKeys), ["pagerduty", "smtp"]);
    });

    it("refuses a secure value in platform:monitoring, which is written into Alertmanager's configuration as it is", function () {
        const found = problems({ "platform:monitoring": monitoring({ deadMansSwitchUrl: DEAD_MANS_SWITCH }) }, ["platform:monitoring"]);
        assert.deepEqual(found, ["platform:monitoring: expected plain settings (they are written into Alertmanager's configuration as they are): the PagerDuty integration key goes in platform:apiKeys.pagerduty and the SMTP password in platform:apiKeys.smtp, both secure; found a secret value (not shown)"]);
    });

    it("refuses a PagerDuty key in plaintext, a relay that is not host:port and a ping URL that is not https", function () {
        assert.deepEqual(problems({ "platform:monitoring": monitoring({}), "platform:apiKeys": JSON.stringify({ pagerduty: PAGERDUTY_KEY }) }), [
            "platform:apiKeys.pagerduty: expected a secure value (pulumi config set --secret --path 'apiKeys.pagerduty' --stack prod); found plaintext",
        ]);
        assert.deepEqual(problems({ "platform:monitoring": monitoring({ smtp: { smarthost: "smtp.sendgrid.net", from: "alertmanager@example.com" }, deadMansSwitchUrl: "http://hc-ping.com/x" }) }).map((problem) => problem.split(":")[1]), [
            "monitoring.smtp.smarthost",
            "monitoring.deadMansSwitchUrl",
        ]);
    });
});
