import { topicResourceName } from "../../config/schema";
import { TopicSpec } from "../messaging/types";

/**
 * The configuration files the local containers are given (uploaded into them at create time), as text.
 * Kept apart from environment.ts so that each reads as the file it becomes.
 */

/** Ports inside the local network. */
export const LOCAL_PORTS = {
    postgres: 5432,
    redis: 6379,
    s3: 9000,
    s3Console: 9001,
    localstack: 4566,
    smtp: 1025,
    mailUi: 8025,
    otlpGrpc: 4317,
    otlpHttp: 4318,
    fluentForward: 24224,
    loki: 3100,
    tempo: 3200,
    grafana: 3000,
} as const;

/** LocalStack's fixed account. */
export const LOCALSTACK_ACCOUNT = "000000000000";

/** Seeded development data: what a fresh laptop database holds after `pulumi up --stack local`. */
export const SEED_SQL = `-- Development data seeded into a new local database (components/local/config-files.ts).
CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE,
    display_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS tasks (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    title text NOT NULL,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (id, email, display_name) VALUES
    ('00000000-0000-4000-8000-000000000001', 'ada@example.com', 'Ada (seed)'),
    ('00000000-0000-4000-8000-000000000002', 'grace@example.com', 'Grace (seed)')
ON CONFLICT (id) DO NOTHING;
INSERT INTO tasks (id, user_id, title, completed_at) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', 'Try the local stack', now()),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000002', 'Upload a file', NULL)
ON CONFLICT (id) DO NOTHING;
`;

/**
 * A LocalStack "ready" hook that creates, per topic, the SNS topic and per subscriber an SQS queue with a
 * dead-letter queue and a redrive policy, subscribed with raw delivery: the shape components/messaging/aws.ts
 * creates in the cloud, with the same names.
 */
export function localstackInitScript(prefix: string, topics: Readonly<Record<string, TopicSpec>>, maxReceiveCount: number, region: string): string {
    const lines = ["#!/bin/sh", "# Topics and queues of platform:messaging (components/local/config-files.ts).", "set -eu", `export AWS_DEFAULT_REGION=${region}`];
    for (const [event, spec] of Object.entries(topics)) {
        const topic = `${prefix}-${topicResourceName(event)}`;
        lines.push(`topic_arn=$(awslocal sns create-topic --name ${topic} --query TopicArn --output text)`);
        for (const subscriber of spec.subscribers) {
            const queue = `${topic}-${subscriber}`;
            lines.push(
                `awslocal sqs create-queue --queue-name ${queue}-dlq >/dev/null`,
                `dlq_arn=arn:aws:sqs:${region}:${LOCALSTACK_ACCOUNT}:${queue}-dlq`,
                `cat > /tmp/redrive.json <<EOF\n{"RedrivePolicy": "{\\"deadLetterTargetArn\\":\\"$dlq_arn\\",\\"maxReceiveCount\\":\\"${maxReceiveCount}\\"}"}\nEOF`,
                `awslocal sqs create-queue --queue-name ${queue} --attributes file:///tmp/redrive.json >/dev/null`,
                `awslocal sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint arn:aws:sqs:${region}:${LOCALSTACK_ACCOUNT}:${queue} --attributes RawMessageDelivery=true >/dev/null`,
            );
        }
    }
    return `${lines.join("\n")}\n`;
}

/**
 * The collector: OTLP in; traces to Tempo, logs to Loki (its OTLP endpoint); everything kept (sampling is a
 * cloud-tier matter). The services' stdout and stderr come in too, as a cluster's log agent ships them: Docker's
 * fluentd log driver (built into the engine, no host mount, the same on Docker Desktop) sends each line to the
 * Fluent Forward receiver, tagged with the service's name, which becomes the resource's service.name: in the
 * local Grafana, {service_name="api"} holds the api's lines, each linked to its trace by trace_id.
 */
export const OTEL_COLLECTOR_CONFIG = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: 0.0.0.0:${LOCAL_PORTS.otlpGrpc} }
      http: { endpoint: 0.0.0.0:${LOCAL_PORTS.otlpHttp} }
  fluentforward:
    endpoint: 0.0.0.0:${LOCAL_PORTS.fluentForward}
processors:
  batch: {}
  groupbyattrs/container-logs:
    keys: [fluent.tag]
  resource/container-logs:
    attributes:
      - { key: service.name, from_attribute: fluent.tag, action: upsert }
      - { key: deployment.environment, value: local, action: upsert }
      - { key: fluent.tag, action: delete }
exporters:
  otlp/tempo:
    endpoint: tempo:${LOCAL_PORTS.otlpGrpc}
    tls: { insecure: true }
  otlphttp/loki:
    endpoint: http://loki:${LOCAL_PORTS.loki}/otlp
extensions:
  health_check: { endpoint: 0.0.0.0:13133 }
service:
  extensions: [health_check]
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp/tempo] }
    logs: { receivers: [otlp], processors: [batch], exporters: [otlphttp/loki] }
    logs/containers: { receivers: [fluentforward], processors: [groupbyattrs/container-logs, resource/container-logs, batch], exporters: [otlphttp/loki] }
`;

/** Loki on one node with its filesystem on a volume, logs kept a day. */
export const LOKI_CONFIG = `auth_enabled: false
server: { http_listen_port: ${LOCAL_PORTS.loki} }
common:
  path_prefix: /loki
  replication_factor: 1
  ring: { kvstore: { store: inmemory } }
  storage: { filesystem: { chunks_directory: /loki/chunks, rules_directory: /loki/rules } }
schema_config:
  configs:
    - { from: "2024-01-01", store: tsdb, object_store: filesystem, schema: v13, index: { prefix: index_, period: 24h } }
limits_config: { retention_period: 24h, allow_structured_metadata: true }
compactor: { working_directory: /loki/compactor, retention_enabled: true, delete_request_store: filesystem }
`;

/** Tempo, monolithic, blocks on a volume, traces kept a day. */
export const TEMPO_CONFIG = `server: { http_listen_port: ${LOCAL_PORTS.tempo} }
distributor:
  receivers:
    otlp: { protocols: { grpc: { endpoint: 0.0.0.0:${LOCAL_PORTS.otlpGrpc} } } }
storage:
  trace: { backend: local, local: { path: /var/tempo/blocks }, wal: { path: /var/tempo/wal } }
compactor: { compaction: { block_retention: 24h } }
`;

/** Grafana's data sources: Loki and Tempo, logs linked to traces by trace id. */
export const GRAFANA_DATASOURCES = `apiVersion: 1
datasources:
  - name: Loki
    uid: loki
    type: loki
    access: proxy
    url: http://loki:${LOCAL_PORTS.loki}
    jsonData:
      derivedFields:
        - { name: trace_id, matcherRegex: '"trace_id":"(\\w+)"', datasourceUid: tempo, url: "$\${__value.raw}" }
  - name: Tempo
    uid: tempo
    type: tempo
    access: proxy
    url: http://tempo:${LOCAL_PORTS.tempo}
    jsonData:
      tracesToLogsV2: { datasourceUid: loki, filterByTraceID: true }
`;
