import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imagePinning } from "../../policies/lib/image-reference";
import { POD_TEMPLATE_HASH_LABEL } from "../delivery/canary";
import { kubernetesLabels } from "../naming";
import { secretsDigest, SECRETS_CHECKSUM_ANNOTATION } from "./secrets-checksum";
import { MIGRATION_CONTRACT_LABEL, ServiceArgs } from "./types";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

const HTTP_PORT_NAME = "http";
/** Kubernetes label values: at most 63 characters of [A-Za-z0-9._-]. */
const labelValue = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63).replace(/[^A-Za-z0-9]+$/, "");

/** The hardened container settings every container of a service shares. */
const CONTAINER_SECURITY: k8s.types.input.core.v1.SecurityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * An application service on the cluster: a dedicated service account, secrets through a Kubernetes
 * Secret, a hardened Deployment pinned by digest with probes and resource limits, its network policy,
 * Service, ServiceMonitor, and by tier a PodDisruptionBudget, an autoscaler, an Ingress and a canary
 * rollout (an Argo Rollout of the Deployment); an optional migration Job runs first with the same image.
 */
export class Service extends pulumi.ComponentResource {
    /** The image reference the Deployment runs. */
    readonly image: pulumi.Output<string>;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:app:Service", name, {}, opts);
        const { service, environment: env } = args;
        const k8sOpts = { parent: this, provider: args.kubernetesProvider };
        const image = pulumi.output(args.image);
        this.image = image;

        const selector = { "app.kubernetes.io/name": service.name, "app.kubernetes.io/instance": `${service.name}-${env.stack}` };
        const version = labelValue(service.version ?? versionFromImage(service.image) ?? args.release.sha.slice(0, 12));
        const labels = kubernetesLabels(env, { ...selector, "app.kubernetes.io/version": version, "app.kubernetes.io/component": "service" });
        const metadata = (suffix = ""): k8s.types.input.meta.v1.ObjectMeta => ({ name: `${service.name}${suffix}`, namespace: args.namespace, labels });

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { ...metadata(), annotations: args.serviceAccountAnnotations },
            automountServiceAccountToken: false,
        }, k8sOpts);

        const secretNames = Object.keys(args.secretEnv).sort();
        const secret = secretNames.length === 0 ? undefined : new k8s.core.v1.Secret(`${name}-secrets`, {
            metadata: metadata("-secrets"),
            type: "Opaque",
            stringData: Object.fromEntries(secretNames.map((key) => [key, args.secretEnv[key]])),
        }, k8sOpts);

        // The pods take the Secret's values at start: its digest on the pod template rolls them when one changes.
        // Unsecret: the digest tells nothing of the values, and it must show in the plan to tell a rotation apart.
        const secretsChecksum = secretNames.length === 0 ? undefined : pulumi.unsecret(
            pulumi.all(secretNames.map((key) => args.secretEnv[key])).apply((values) => secretsDigest(secretNames, values)),
        );

        const env_: { name: string; value?: pulumi.Input<string>; valueFrom?: k8s.types.input.core.v1.EnvVarSource }[] = [
            // No BUILD_* here: the image reports its own build (baked at build time), so /version tells the truth
            // for a rolled-back image or one built from another commit than the deploying one.
            { name: "PORT", value: String(service.port) },
            { name: "APP_ENV", value: env.stack },
            ...Object.entries(service.env).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ name: key, value })),
            ...Object.entries(args.platformEnv ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => ({ name: key, value })),
            ...secretNames.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: `${service.name}-secrets`, key } } })),
        ];
        const resources = { requests: { ...service.resources.requests }, limits: { ...service.resources.limits } };
        const tmpVolume = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };
        const podSecurity: k8s.types.input.core.v1.PodSecurityContext = {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
        };
        const podSpec = (containers: Container[], extra: Partial<PodSpec> = {}): PodSpec => ({
            serviceAccountName: service.name,
            // Nothing here talks to the Kubernetes API; IRSA injects its own projected token.
            automountServiceAccountToken: false,
            securityContext: podSecurity,
            containers,
            volumes: [tmpVolume],
            ...extra,
        });
        const dependsOnSecret = secret ? [secret, serviceAccount] : [serviceAccount];

        let migration: k8s.batch.v1.Job | undefined;
        if (service.migration) {
            const { command, contract } = service.migration;
            // A Job's template is immutable, so the Job is a pure function of what the migration runs: image,
            // command and configuration, hashed into its name; redeploying the same image neither re-runs nor
            // replaces the migration.
            const migrationEnv = env_;
            const migrationLabels = {
                ...kubernetesLabels(env, { "app.kubernetes.io/name": service.name, "app.kubernetes.io/component": "migration" }),
                // Its own instance, so the Service, PodDisruptionBudget and autoscaler never select migration pods.
                "app.kubernetes.io/instance": `${service.name}-${env.stack}-migration`,
                [MIGRATION_CONTRACT_LABEL]: contract,
            };
            // Platform variables (bucket, topic, queue names) are outputs: hash their values, not the Output objects.
            const suffix = pulumi.all([image, pulumi.output(migrationEnv)]).apply(([reference, resolvedEnv]) =>
                createHash("sha256").update(JSON.stringify({ reference, command, contract, env: resolvedEnv })).digest("hex").slice(0, 8),
            );
            migration = new k8s.batch.v1.Job(`${name}-migrate`, {
                metadata: { name: pulumi.interpolate`${service.name}-migrate-${suffix}`, namespace: args.namespace, labels: migrationLabels },
                spec: {
                    backoffLimit: 1,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels: migrationLabels },
                        spec: podSpec([{
                            name: "migrate",
                            image,
                            command: [...command],
                            env: migrationEnv,
                            resources,
                            securityContext: CONTAINER_SECURITY,
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }], { restartPolicy: "Never" }),
                    },
                },
            }, { ...k8sOpts, dependsOn: dependsOnSecret });
        }

        const httpGet = (path: string) => ({ path, port: HTTP_PORT_NAME });
        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: metadata(),
            spec: {
                replicas: service.replicas,
                revisionHistoryLimit: 10,
                selector: { matchLabels: selector },
                strategy: {
                    type: "RollingUpdate",
                    rollingUpdate: args.zeroDowntimeRollout ? { maxUnavailable: 0, maxSurge: 1 } : { maxUnavailable: 1, maxSurge: 1 },
                },
                template: {
                    metadata: { labels, ...(secretsChecksum === undefined ? {} : { annotations: { [SECRETS_CHECKSUM_ANNOTATION]: secretsChecksum } }) },
                    spec: podSpec([{
                        name: service.name,
                        image,
                        ports: [{ name: HTTP_PORT_NAME, containerPort: service.port, protocol: "TCP" }],
                        env: env_,
                        resources,
                        securityContext: CONTAINER_SECURITY,
                        startupProbe: { httpGet: httpGet(service.health.startup ?? service.health.liveness), periodSeconds: 5, failureThreshold: 30 },
                        livenessProbe: { httpGet: httpGet(service.health.liveness), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                        readinessProbe: { httpGet: httpGet(service.health.readiness), periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }], {
                        terminationGracePeriodSeconds: 30,
                        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
                    }),
                },
            },
        }, {
            ...k8sOpts,
            dependsOn: migration ? [...dependsOnSecret, migration] : dependsOnSecret,
            // With an autoscaler the replica count is the autoscaler's; with a canary, the Rollout scales the
            // Deployment down to none once its own pods serve: neither is the program's.
            ignoreChanges: args.autoscaling || args.canary ? ["spec.replicas"] : [],
        });

        // The Rollout takes the Deployment's pod template (workloadRef): the template is judged as a Deployment's.
        const scaled = args.canary
            ? new k8s.apiextensions.CustomResource(`${name}-rollout`, {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                metadata: metadata(),
                spec: {
                    replicas: service.replicas,
                    revisionHistoryLimit: 10,
                    selector: { matchLabels: selector },
                    workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: service.name, scaleDown: "progressively" },
                    // Back to one of the last three versions (a rollback) at once, without the canary's steps.
                    rollbackWindow: { revisions: 3 },
                    strategy: {
                        canary: {
                            maxUnavailable: 0,
                            maxSurge: 1,
                            steps: args.canary.steps,
                            analysis: {
                                templates: [{ templateName: args.canary.analysisTemplate }],
                                startingStep: 1,
                                args: [
                                    { name: "namespace", value: args.namespace },
                                    { name: "service", value: service.name },
                                    { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
                                    { name: "stable-hash", valueFrom: { podTemplateHashValue: "Stable" } },
                                ],
                            },
                        },
                    },
                },
            }, { ...k8sOpts, dependsOn: [deployment, ...args.canary.ready], ignoreChanges: args.autoscaling ? ["spec.replicas"] : [] })
            : undefined;

        new k8s.core.v1.Service(`${name}-service`, {
            metadata: metadata(),
            spec: { type: "ClusterIP", selector, ports: [{ name: HTTP_PORT_NAME, port: 80, targetPort: HTTP_PORT_NAME, protocol: "TCP" }] },
        }, k8sOpts);

        const usesPostgres = service.secrets.includes("databaseUrl");
        const usesRedis = service.secrets.includes("redisUrl");
        const dataStorePorts = [...(usesPostgres ? [args.dataStores.postgresPort] : []), ...(usesRedis ? [args.dataStores.redisPort] : [])];
        new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, {
            metadata: metadata(),
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    {
                        from: [
                            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.ingressNamespace } } },
                            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.monitoringNamespace } } },
                            { podSelector: { matchLabels: { "app.kubernetes.io/part-of": env.project } } },
                        ],
                        ports: [{ protocol: "TCP", port: service.port }],
                    },
                ],
                egress: [
                    ...(dataStorePorts.length === 0 ? [] : [{
                        to: args.dataStores.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
                        ports: dataStorePorts.map((port) => ({ protocol: "TCP", port })),
                    }]),
                    ...(args.identityEgress ?? []).map(({ cidr, port }) => ({ to: [{ ipBlock: { cidr } }], ports: [{ protocol: "TCP", port }] })),
                    ...(args.telemetry ? [{
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.telemetry.namespace } } }],
                        ports: args.telemetry.ports.map((port) => ({ protocol: "TCP", port })),
                    }] : []),
                    // HTTPS out for cloud APIs (IRSA) and third-party APIs whose keys the service holds.
                    ...(service.cloudAccess || args.callsCloudApis || service.secrets.some((secret) => secret.startsWith("apiKeys.")) ? [{ ports: [{ protocol: "TCP", port: 443 }] }] : []),
                ],
            },
        }, k8sOpts);

        if (args.podDisruptionBudget) {
            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: metadata(),
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            }, k8sOpts);
        }

        if (args.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                metadata: metadata(),
                spec: {
                    scaleTargetRef: scaled ? { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: service.name } : { apiVersion: "apps/v1", kind: "Deployment", name: service.name },
                    minReplicas: service.replicas,
                    maxReplicas: service.replicas * 3,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                },
            }, { ...k8sOpts, dependsOn: [scaled ?? deployment] });
        }

        if (service.metrics !== false) {
            new k8s.apiextensions.CustomResource(`${name}-monitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: metadata(),
                spec: {
                    selector: { matchLabels: selector },
                    namespaceSelector: { matchNames: [args.namespace] },
                    // Which ReplicaSet a series comes from: the canary analysis compares versions by it.
                    podTargetLabels: [POD_TEMPLATE_HASH_LABEL],
                    endpoints: [{ port: HTTP_PORT_NAME, path: "/metrics", interval: "30s" }],
                },
            }, { ...k8sOpts, dependsOn: args.monitoringReady });
        }

        if (service.hostname) {
            new k8s.networking.v1.Ingress(`${name}-ingress`, {
                metadata: { ...metadata(), annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } },
                spec: {
                    ingressClassName: args.ingressClassName,
                    tls: [{ hosts: [service.hostname], secretName: `${service.name}-tls` }],
                    rules: [{
                        host: service.hostname,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.name, port: { name: HTTP_PORT_NAME } } } }] },
                    }],
                },
            }, k8sOpts);
        }

        this.registerOutputs({ image: this.image });
    }
}

/** The tag of a prebuilt reference (`repo:1.4.2@sha256:...` -> 1.4.2), if it has one. */
function versionFromImage(text: string | undefined): string | undefined {
    if (!text) return undefined;
    const pinning = imagePinning(text);
    return "reference" in pinning ? pinning.reference.tag : undefined;
}
