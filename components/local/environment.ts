import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { topicResourceName } from "../../config/schema";
import { DEVELOPMENT_DEFAULT_MARKER, DEVELOPMENT_DEFAULTS_LABEL } from "../../policies/lib/development-defaults";
import { topicEnvStem } from "../messaging/types";
import { kubernetesLabels, resourceName } from "../naming";
import { UPLOADS_BUCKET_ENV } from "../storage/types";
import {
    GRAFANA_DATASOURCES,
    LOCAL_PORTS,
    LOCALSTACK_ACCOUNT,
    localstackInitScript,
    LOKI_CONFIG,
    OTEL_COLLECTOR_CONFIG,
    SEED_SQL,
    TEMPO_CONFIG,
} from "./config-files";
import { LOCAL_IMAGES, LocalImage } from "./images";
import { LocalEnvironmentArgs, LocalEnvironmentRef } from "./types";

/** The one development password every local container shares; see policies/lib/development-defaults.ts. */
export const LOCAL_PASSWORD = `${DEVELOPMENT_DEFAULT_MARKER}-password`;
/** MinIO's root user: also the AWS access key id the services sign S3, SNS and SQS calls with (LocalStack accepts any). */
const LOCAL_ACCESS_KEY = "platform-local";
const DATABASE = { name: "app", user: "app" } as const;
const UPLOADS_BUCKET = "uploads";
/** Host ports bind to the loopback interface only: nothing on the laptop's network reaches the containers. */
const LOOPBACK = "127.0.0.1";

type Healthcheck = docker.types.input.ContainerHealthcheck;
const healthcheck = (...test: string[]): Healthcheck => ({ tests: ["CMD", ...test], interval: "10s", timeout: "5s", retries: 5, startPeriod: "10s" });

interface ContainerSpec {
    readonly image: pulumi.Input<string>;
    readonly ports?: readonly number[];
    /** Plain settings, NAME -> value. */
    readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Declared development defaults, NAME -> value containing DEVELOPMENT_DEFAULT_MARKER. */
    readonly developmentDefaults?: Readonly<Record<string, string>>;
    readonly command?: readonly string[];
    readonly volumes?: Readonly<Record<string, docker.Volume>>;
    readonly files?: Readonly<Record<string, string>>;
    readonly healthcheck?: Healthcheck;
    readonly dependsOn?: readonly pulumi.Resource[];
    /** Ship the container's stdout and stderr to the collector (Docker's fluentd log driver), tagged with this name. */
    readonly shipLogsAs?: string;
}

/**
 * The platform on a developer's Docker engine: Postgres (seeded), Redis, MinIO for uploads, LocalStack for SNS
 * and SQS, Mailpit, and the OpenTelemetry Collector with Loki, Tempo and Grafana, on one private network with
 * volumes for their data, and every service of the stack built from its source and run beside them with the
 * environment a cloud tier gives it. No cloud account and no credentials: the only secrets are declared
 * development defaults.
 */
export class LocalEnvironment extends pulumi.ComponentResource implements LocalEnvironmentRef {
    readonly endpoints: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: LocalEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:local:Environment", name, {}, opts);
        const env = args.environment;
        const provider = new docker.Provider(`${name}-docker`, {}, { parent: this });
        const child = { parent: this, provider };
        const labels = Object.entries(kubernetesLabels(env)).map(([label, value]) => ({ label, value }));

        const network = new docker.Network(`${name}-network`, { name: resourceName(env), driver: "bridge", labels }, child);
        const volume = (part: string): docker.Volume => new docker.Volume(`${name}-${part}`, { name: resourceName(env, part), labels }, child);
        const images = new Map<LocalImage, docker.RemoteImage>();
        const image = (key: LocalImage): pulumi.Output<string> => {
            let pulled = images.get(key);
            if (!pulled) {
                pulled = new docker.RemoteImage(`${name}-image-${key}`, { name: LOCAL_IMAGES[key], keepLocally: true }, child);
                images.set(key, pulled);
            }
            return pulled.imageId;
        };

        const container = (host: string, spec: ContainerSpec): docker.Container => {
            const defaults = spec.developmentDefaults ?? {};
            const envs = [
                ...Object.entries(spec.env ?? {}).map(([key, value]) => pulumi.interpolate`${key}=${value}`),
                ...Object.entries(defaults).map(([key, value]) => `${key}=${value}`),
            ];
            const containerLabels = Object.keys(defaults).length === 0 ? labels : [...labels, { label: DEVELOPMENT_DEFAULTS_LABEL, value: Object.keys(defaults).sort().join(",") }];
            return new docker.Container(`${name}-${host}`, {
                name: resourceName(env, host),
                hostname: host,
                image: spec.image,
                restart: "unless-stopped",
                networksAdvanced: [{ name: network.name, aliases: [host] }],
                ports: (spec.ports ?? []).map((port) => ({ internal: port, external: port, ip: LOOPBACK })),
                envs,
                command: spec.command ? [...spec.command] : undefined,
                volumes: Object.entries(spec.volumes ?? {}).map(([containerPath, data]) => ({ volumeName: data.name, containerPath })),
                // Scripts (LocalStack's ready hooks, helpers on the PATH) must be executable.
                uploads: Object.entries(spec.files ?? {}).map(([file, content]) => ({ file, content, executable: file.endsWith(".sh") || file.includes("/bin/") })),
                healthcheck: spec.healthcheck,
                labels: containerLabels,
                // The engine itself connects, from the host: to the collector's port published on the loopback.
                // Async, so that a service starts (and logs to its buffer) before the collector answers.
                ...(spec.shipLogsAs === undefined ? {} : {
                    logDriver: "fluentd",
                    logOpts: { "fluentd-address": `${LOOPBACK}:${LOCAL_PORTS.fluentForward}`, "fluentd-async": "true", tag: spec.shipLogsAs },
                }),
                wait: spec.healthcheck !== undefined,
                waitTimeout: 120,
            }, { ...child, dependsOn: [...(spec.dependsOn ?? [])] });
        };

        const postgres = container("postgres", {
            image: image("postgres"),
            ports: [LOCAL_PORTS.postgres],
            env: { POSTGRES_DB: DATABASE.name, POSTGRES_USER: DATABASE.user },
            developmentDefaults: { POSTGRES_PASSWORD: LOCAL_PASSWORD },
            volumes: { "/var/lib/postgresql/data": volume("postgres-data") },
            files: { "/docker-entrypoint-initdb.d/10-seed.sql": SEED_SQL },
            healthcheck: healthcheck("pg_isready", "-U", DATABASE.user, "-d", DATABASE.name),
        });
        const redis = container("redis", {
            image: image("redis"),
            ports: [LOCAL_PORTS.redis],
            command: ["redis-server", "--appendonly", "yes"],
            volumes: { "/data": volume("redis-data") },
            healthcheck: healthcheck("redis-cli", "ping"),
        });
        const minio = container("minio", {
            image: image("minio"),
            ports: [LOCAL_PORTS.s3, LOCAL_PORTS.s3Console],
            command: ["server", "/data", "--console-address", `:${LOCAL_PORTS.s3Console}`],
            env: { MINIO_ROOT_USER: LOCAL_ACCESS_KEY },
            developmentDefaults: { MINIO_ROOT_PASSWORD: LOCAL_PASSWORD },
            volumes: { "/data": volume("minio-data") },
            // The uploads bucket, versioned as in the cloud, created once MinIO answers.
            files: {
                "/usr/local/bin/create-uploads-bucket": [
                    "#!/bin/sh",
                    "set -eu",
                    `until mc alias set local http://127.0.0.1:${LOCAL_PORTS.s3} "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do sleep 1; done`,
                    `mc mb --ignore-existing local/${UPLOADS_BUCKET}`,
                    `mc version enable local/${UPLOADS_BUCKET}`,
                    "",
                ].join("\n"),
            },
            healthcheck: { ...healthcheck("sh", "-c", "mc ready local 2>/dev/null || create-uploads-bucket"), retries: 10 },
        });
        const localstack = container("localstack", {
            image: image("localstack"),
            ports: [LOCAL_PORTS.localstack],
            env: { SERVICES: "sns,sqs", AWS_DEFAULT_REGION: args.region },
            volumes: { "/var/lib/localstack": volume("localstack-data") },
            files: { "/etc/localstack/init/ready.d/10-topics.sh": localstackInitScript(resourceName(env), args.topics, args.maxReceiveCount, args.region) },
            // Healthy once the ready hook (the topics and queues) has run, not merely when the API answers.
            healthcheck: healthcheck("sh", "-c", `curl -fsS http://127.0.0.1:${LOCAL_PORTS.localstack}/_localstack/init/ready | grep -Eq '"completed": ?true'`),
        });
        const mailpit = container("mailpit", {
            image: image("mailpit"),
            ports: [LOCAL_PORTS.smtp, LOCAL_PORTS.mailUi],
            healthcheck: healthcheck("/mailpit", "readyz"),
        });
        // Loki's and Tempo's images carry no shell or HTTP client for a health check; they answer /ready on their ports.
        const loki = container("loki", {
            image: image("loki"),
            ports: [LOCAL_PORTS.loki],
            command: ["-config.file=/etc/loki/platform.yaml"],
            volumes: { "/loki": volume("loki-data") },
            files: { "/etc/loki/platform.yaml": LOKI_CONFIG },
        });
        const tempo = container("tempo", {
            image: image("tempo"),
            ports: [LOCAL_PORTS.tempo],
            command: ["-config.file=/etc/tempo/platform.yaml"],
            volumes: { "/var/tempo": volume("tempo-data") },
            files: { "/etc/tempo/platform.yaml": TEMPO_CONFIG },
        });
        // The collector's image has no shell or HTTP client for a health check; its health_check extension
        // answers on :13133 for a developer's curl.
        const collector = container("otel-collector", {
            image: image("otelCollector"),
            ports: [LOCAL_PORTS.otlpGrpc, LOCAL_PORTS.otlpHttp, LOCAL_PORTS.fluentForward],
            command: ["--config=/etc/otelcol-contrib/platform.yaml"],
            files: { "/etc/otelcol-contrib/platform.yaml": OTEL_COLLECTOR_CONFIG },
            dependsOn: [loki, tempo],
        });
        container("grafana", {
            image: image("grafana"),
            ports: [LOCAL_PORTS.grafana],
            // No login on a laptop: anonymous admin, so that no Grafana password exists at all.
            env: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Admin", GF_AUTH_DISABLE_LOGIN_FORM: "true" },
            volumes: { "/var/lib/grafana": volume("grafana-data") },
            files: { "/etc/grafana/provisioning/datasources/platform.yaml": GRAFANA_DATASOURCES },
            healthcheck: healthcheck("wget", "-q", "-O-", `http://127.0.0.1:${LOCAL_PORTS.grafana}/api/health`),
            dependsOn: [loki, tempo],
        });

        const prefix = resourceName(env);
        const messagingEnv = (service: string): Record<string, string> => {
            const variables: Record<string, string> = {};
            for (const [event, spec] of Object.entries(args.topics)) {
                const topic = `${prefix}-${topicResourceName(event)}`;
                if (spec.publishers.includes(service)) variables[`TOPIC_${topicEnvStem(event)}_ARN`] = `arn:aws:sns:${args.region}:${LOCALSTACK_ACCOUNT}:${topic}`;
                if (spec.subscribers.includes(service)) variables[`QUEUE_${topicEnvStem(event)}_URL`] = `http://localstack:${LOCAL_PORTS.localstack}/${LOCALSTACK_ACCOUNT}/${topic}-${service}`;
            }
            return variables;
        };

        for (const service of args.services) {
            // Built on the laptop from the service's source (or pulled, for a prebuilt image); the container runs
            // the image by its ID, which is content-addressed.
            const built = service.build
                ? new docker.RemoteImage(`${name}-${service.name}-build`, {
                    name: `${prefix}/${service.name}:${args.release.sha.slice(0, 12)}`,
                    build: {
                        context: path.resolve(args.projectRoot, service.build.context),
                        dockerfile: service.build.dockerfile ?? "Dockerfile",
                        target: service.build.target,
                        buildArgs: { BUILD_SHA: args.release.sha, BUILD_DATE: args.release.date, BUILD_ACTOR: args.release.actor },
                    },
                    keepLocally: true,
                }, child)
                : new docker.RemoteImage(`${name}-${service.name}-image`, { name: service.image ?? "", keepLocally: true }, child);
            const secrets = new Set(service.secrets);
            container(service.name, {
                image: built.imageId,
                ports: [service.port],
                env: {
                    PORT: String(service.port),
                    APP_ENV: env.stack,
                    ...service.env,
                    ...(secrets.has("redisUrl") ? { REDIS_URL: `redis://redis:${LOCAL_PORTS.redis}` } : {}),
                    ...(service.storage ? { [UPLOADS_BUCKET_ENV]: UPLOADS_BUCKET, AWS_ENDPOINT_URL_S3: `http://minio:${LOCAL_PORTS.s3}` } : {}),
                    AWS_REGION: args.region,
                    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY,
                    AWS_ENDPOINT_URL_SNS: `http://localstack:${LOCAL_PORTS.localstack}`,
                    AWS_ENDPOINT_URL_SQS: `http://localstack:${LOCAL_PORTS.localstack}`,
                    ...messagingEnv(service.name),
                    SMTP_URL: `smtp://mailpit:${LOCAL_PORTS.smtp}`,
                    OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-collector:${LOCAL_PORTS.otlpHttp}`,
                    OTEL_SERVICE_NAME: service.name,
                    OTEL_TRACES_SAMPLER: "always_on",
                },
                developmentDefaults: {
                    AWS_SECRET_ACCESS_KEY: LOCAL_PASSWORD,
                    ...(secrets.has("databaseUrl") ? { DATABASE_URL: `postgresql://${DATABASE.user}:${LOCAL_PASSWORD}@postgres:${LOCAL_PORTS.postgres}/${DATABASE.name}` } : {}),
                    ...(secrets.has("jwtSecret") ? { JWT_SECRET: `${DEVELOPMENT_DEFAULT_MARKER}-jwt-signing-secret` } : {}),
                },
                healthcheck: healthcheck("node", "-e", `fetch('http://127.0.0.1:${service.port}${service.health.readiness}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`),
                dependsOn: [postgres, redis, minio, localstack, mailpit, collector],
                shipLogsAs: service.name,
            });
        }

        const url = (port: number, suffix = ""): string => `http://${LOOPBACK}:${port}${suffix}`;
        const endpoints: Record<string, string> = {
            grafana: url(LOCAL_PORTS.grafana),
            mail: url(LOCAL_PORTS.mailUi),
            s3Console: url(LOCAL_PORTS.s3Console),
            localstack: url(LOCAL_PORTS.localstack),
            otlp: url(LOCAL_PORTS.otlpHttp),
            ...Object.fromEntries(args.services.map((service) => [service.name, url(service.port)])),
        };
        this.endpoints = pulumi.output(endpoints);
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
