import { FREEZE_ALERT, PAGE } from "./rules";

/**
 * Alertmanager's configuration, generated here and nowhere else: who is told what, and how.
 *
 * - `page` (severity `page`: budget burning fast, a service down): PagerDuty, which phones the person on
 *   call and escalates, and email to the alert addresses.
 * - `ticket` (everything else, the chart's own Kubernetes alerts included): email, repeated daily.
 * - `watchdog`: the chart's always-firing `Watchdog` alert, every minute, to a dead man's switch outside
 *   the cluster that alerts when it stops arriving (Prometheus, Alertmanager or the cluster is down).
 * - `null`: the chart's `InfoInhibitor`, which exists only to inhibit.
 *
 * No credential is ever in this configuration: Alertmanager reads the PagerDuty integration key and the
 * SMTP password from files (`routing_key_file`, `smtp_auth_password_file`) of a Kubernetes Secret mounted
 * at RECEIVER_SECRETS_DIR, written from the SecretStore. The configuration is the subset of Alertmanager
 * 0.25's format (Debian's `amtool`, which the specs run) that later versions still accept.
 */

export const PAGE_RECEIVER = "page";
export const TICKET_RECEIVER = "ticket";
export const WATCHDOG_RECEIVER = "watchdog";
export const NULL_RECEIVER = "null";

/**
 * The stack's third-party keys (`platform:apiKeys.<name>`, secure, kept in the SecretStore as
 * `api-key-<name>`) that Alertmanager uses: PagerDuty's Events API v2 integration key, and the SMTP
 * relay's password (an API key at SendGrid, Mailgun or Postmark).
 */
export const PAGERDUTY_API_KEY = "pagerduty";
export const SMTP_API_KEY = "smtp";

/** The Kubernetes Secret with the receivers' credentials, in the monitoring namespace. */
export const RECEIVER_SECRET_NAME = "alertmanager-receivers";
/** Where the Prometheus Operator mounts each Secret listed in `alertmanagerSpec.secrets`. */
export const RECEIVER_SECRETS_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET_NAME}`;
/** Keys of that Secret, one file each. */
export const PAGERDUTY_KEY_FILE = "pagerduty-routing-key";
export const SMTP_PASSWORD_FILE = "smtp-password";

/** The Watchdog is re-sent this often; the dead man's switch alerts after a few missed beats. */
export const WATCHDOG_INTERVAL = "1m";

/** An SNS topic Alertmanager publishes to with its own AWS identity (IRSA, SigV4): no credential in a file. */
export interface SnsTarget {
    readonly topicArn: string;
    readonly region: string;
}

/** How email leaves the cluster. */
export type EmailTransport =
    /** An SMTP relay (any cloud): the password, if any, from a file. */
    | { readonly kind: "smtp"; readonly smarthost: string; readonly from: string; readonly username?: string; readonly passwordFile?: string }
    /** The environment's SNS alert topic (AWS), whose email subscriptions are the alert addresses. */
    | ({ readonly kind: "sns" } & SnsTarget);

/** Everything the configuration is generated from; each transport is optional, the routing never is. */
export interface AlertDelivery {
    /** The stack the alerts come from, named in every notification. */
    readonly stack: string;
    /** Addresses that get email (pages and tickets). */
    readonly emails: readonly string[];
    /** How email is sent; absent: no email. */
    readonly email?: EmailTransport;
    /** PagerDuty Events API v2; absent: pages go by email only. */
    readonly pagerDuty?: { readonly routingKeyFile: string };
    /** Where the Watchdog goes: an SNS heartbeat topic watched by a CloudWatch alarm, a ping URL (healthchecks.io, Dead Man's Snitch), or both. */
    readonly deadMansSwitch?: { readonly sns?: SnsTarget; readonly url?: string };
}

/** The parts of Alertmanager's configuration file this platform writes (snake_case, as in the file). */
export interface AlertmanagerConfig {
    readonly global: GlobalConfig;
    readonly route: Route;
    readonly inhibit_rules: readonly InhibitRule[];
    readonly receivers: readonly Receiver[];
    readonly templates: readonly string[];
}

export interface GlobalConfig {
    readonly resolve_timeout: string;
    readonly smtp_smarthost?: string;
    readonly smtp_from?: string;
    readonly smtp_auth_username?: string;
    readonly smtp_auth_password_file?: string;
    readonly smtp_require_tls?: boolean;
}

export interface Route {
    readonly receiver: string;
    readonly matchers?: readonly string[];
    readonly group_by?: readonly string[];
    readonly group_wait?: string;
    readonly group_interval?: string;
    readonly repeat_interval?: string;
    readonly continue?: boolean;
    readonly routes?: readonly Route[];
}

export interface InhibitRule {
    readonly source_matchers?: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal?: readonly string[];
}

export interface Receiver {
    readonly name: string;
    readonly email_configs?: readonly EmailConfig[];
    readonly pagerduty_configs?: readonly PagerDutyConfig[];
    readonly sns_configs?: readonly SnsConfig[];
    readonly webhook_configs?: readonly WebhookConfig[];
}

export interface EmailConfig {
    readonly to: string;
    readonly send_resolved: boolean;
    readonly headers?: Readonly<Record<string, string>>;
}

export interface PagerDutyConfig {
    readonly routing_key_file: string;
    readonly send_resolved: boolean;
    readonly severity: "critical" | "error" | "warning" | "info";
    readonly client: string;
    readonly class?: string;
    readonly group?: string;
    readonly details?: Readonly<Record<string, string>>;
}

export interface SnsConfig {
    readonly topic_arn: string;
    readonly sigv4: { readonly region: string };
    readonly subject: string;
    readonly message?: string;
    readonly send_resolved: boolean;
}

export interface WebhookConfig {
    readonly url: string;
    readonly send_resolved: boolean;
    readonly max_alerts?: number;
}

/** A matcher in Alertmanager's syntax, the value quoted. */
function matcher(label: string, operator: "=" | "=~", value: string): string {
    return `${label}${operator}${JSON.stringify(value)}`;
}

/** Alerts about one service stay one notification: a page names the service that burns or is down. */
const GROUP_BY = ["alertname", "namespace", "service"] as const;
const SERVICE = ["namespace", "service"] as const;

/**
 * The subject of a notification: stack, status, alert and service. SNS refuses subjects of 100 characters
 * or more, so it is cut at 99 (alert names and Kubernetes names are ASCII).
 */
function subject(stack: string, maxLength?: number): string {
    // A label the group lacks prints as nothing: the spaces around it collapse.
    const text = `printf "[%s %s] %s %s %s" ${JSON.stringify(stack)} (.Status | toUpper) .GroupLabels.alertname .GroupLabels.service .GroupLabels.namespace | reReplaceAll " +" " " | reReplaceAll " $" ""`;
    return maxLength === undefined ? `{{ ${text} }}` : `{{ ${text} | reReplaceAll "^(.{0,${maxLength}}).*$" "$1" }}`;
}

/** The plain-text body SNS mails to its subscribers: each alert's summary, description and labels. */
const SNS_MESSAGE = [
    "{{ range .Alerts }}{{ .Status | toUpper }}: {{ .Annotations.summary }}",
    "{{ .Annotations.description }}",
    "{{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}",
    "{{ end }}",
].join("\n");

function emailConfigs(delivery: AlertDelivery): Pick<Receiver, "email_configs" | "sns_configs"> {
    const transport = delivery.email;
    if (transport === undefined || delivery.emails.length === 0) return {};
    if (transport.kind === "sns") {
        return { sns_configs: [{ topic_arn: transport.topicArn, sigv4: { region: transport.region }, subject: subject(delivery.stack, 99), message: SNS_MESSAGE, send_resolved: true }] };
    }
    return { email_configs: [{ to: delivery.emails.join(", "), send_resolved: true, headers: { Subject: subject(delivery.stack) } }] };
}

function smtpGlobals(transport: EmailTransport | undefined): Partial<GlobalConfig> {
    if (transport?.kind !== "smtp") return {};
    return {
        smtp_smarthost: transport.smarthost,
        smtp_from: transport.from,
        ...(transport.username === undefined ? {} : { smtp_auth_username: transport.username }),
        ...(transport.passwordFile === undefined ? {} : { smtp_auth_password_file: transport.passwordFile }),
        smtp_require_tls: true,
    };
}

/** The one function that writes Alertmanager's configuration, for every stack on every cloud. */
export function alertmanagerConfig(delivery: AlertDelivery): AlertmanagerConfig {
    const email = emailConfigs(delivery);
    const pagerDuty: PagerDutyConfig[] = delivery.pagerDuty === undefined ? [] : [{
        routing_key_file: delivery.pagerDuty.routingKeyFile,
        send_resolved: true,
        severity: "critical",
        client: `Alertmanager (${delivery.stack})`,
        class: "{{ .CommonLabels.alertname }}",
        group: "{{ .CommonLabels.namespace }}",
        details: { stack: delivery.stack, summary: "{{ .CommonAnnotations.summary }}", runbook: "docs/runbooks/alerts.md" },
    }];
    const heartbeat = delivery.deadMansSwitch;
    const watchdog: Receiver = {
        name: WATCHDOG_RECEIVER,
        ...(heartbeat?.sns === undefined ? {} : {
            sns_configs: [{ topic_arn: heartbeat.sns.topicArn, sigv4: { region: heartbeat.sns.region }, subject: `Watchdog ${delivery.stack}`, send_resolved: false }],
        }),
        ...(heartbeat?.url === undefined ? {} : { webhook_configs: [{ url: heartbeat.url, send_resolved: false, max_alerts: 1 }] }),
    };

    return {
        global: { resolve_timeout: "5m", ...smtpGlobals(delivery.email) },
        route: {
            receiver: TICKET_RECEIVER,
            group_by: GROUP_BY,
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "24h",
            routes: [
                // First: the Watchdog and the InfoInhibitor carry severity "none" and must reach nobody else.
                { receiver: WATCHDOG_RECEIVER, matchers: [matcher("alertname", "=", "Watchdog")], group_wait: "0s", group_interval: WATCHDOG_INTERVAL, repeat_interval: WATCHDOG_INTERVAL },
                { receiver: NULL_RECEIVER, matchers: [matcher("alertname", "=", "InfoInhibitor")] },
                { receiver: PAGE_RECEIVER, matchers: [matcher("severity", "=", PAGE)], group_wait: "10s", group_interval: "5m", repeat_interval: "1h" },
            ],
        },
        inhibit_rules: [
            // While a service's fast burn pages, its slow-burn and freeze tickets add nothing: the page carries it.
            { source_matchers: [matcher("alertname", "=", "ErrorBudgetFastBurn")], target_matchers: [matcher("alertname", "=~", `ErrorBudgetSlowBurn|${FREEZE_ALERT}`)], equal: SERVICE },
            // The freeze (budget spent, deploys refused) supersedes the slow-burn ticket of the same service.
            { source_matchers: [matcher("alertname", "=", FREEZE_ALERT)], target_matchers: [matcher("alertname", "=", "ErrorBudgetSlowBurn")], equal: SERVICE },
            // A service down pages; the probe tickets of its pods add nothing until it is back.
            { source_matchers: [matcher("alertname", "=", "ServiceDown")], target_matchers: [matcher("alertname", "=~", "HealthProbeFailing|ContainerNotReady")], equal: SERVICE },
            // The chart's own rules (kube-prometheus-stack's defaults, kept): a critical alert silences the
            // warning and info of the same name, a warning the info, and the InfoInhibitor the infos of its namespace.
            { source_matchers: [matcher("severity", "=", "critical")], target_matchers: [matcher("severity", "=~", "warning|info")], equal: ["namespace", "alertname"] },
            { source_matchers: [matcher("severity", "=", "warning")], target_matchers: [matcher("severity", "=", "info")], equal: ["namespace", "alertname"] },
            { source_matchers: [matcher("alertname", "=", "InfoInhibitor")], target_matchers: [matcher("severity", "=", "info")], equal: ["namespace"] },
            { target_matchers: [matcher("alertname", "=", "InfoInhibitor")] },
        ],
        receivers: [
            { name: PAGE_RECEIVER, ...(pagerDuty.length > 0 ? { pagerduty_configs: pagerDuty } : {}), ...email },
            { name: TICKET_RECEIVER, ...email },
            watchdog,
            { name: NULL_RECEIVER },
        ],
        // The chart's default; set here so that Helm's merge of chart and release values changes nothing.
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}
