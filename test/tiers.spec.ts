import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RenderedStack } from "../engine/render";
import { ofType, plainInputs, PROJECT_DIR, renderedStack, single } from "./support/stacks";

type Inputs = Record<string, unknown>;
/** The values of the one release of a chart. */
function chartValues(stack: RenderedStack, chart: string): unknown {
    // The log agent (the collector chart again, in its own namespace) is not the chart's tiered release.
    const releases = ofType(stack, "kubernetes:helm.sh/v3:Release").filter((release) => plainInputs(release).chart === chart && plainInputs(release).namespace !== "log-agent");
    assert.equal(releases.length, 1, `one ${chart} release in ${stack.stack}`);
    return plainInputs(releases[0]).values;
}
const yesNo = (value: unknown): string => (value === true ? "yes" : "no");
const inputsOf = (stack: RenderedStack, type: string): Inputs => plainInputs(single(stack, type));

/** How each README row is read off a rendered stack; a row without an extractor fails the test. */
const EXTRACTORS: Readonly<Record<string, (stack: RenderedStack) => string>> = {
    "availability zones": (stack) => String(ofType(stack, "aws:ec2/subnet:Subnet").length / 2),
    "NAT gateways": (stack) => String(ofType(stack, "aws:ec2/natGateway:NatGateway").length),
    "EKS API endpoint": (stack) => {
        const vpc = inputsOf(stack, "aws:eks/cluster:Cluster").vpcConfig as Inputs;
        return vpc.endpointPublicAccess ? "public and private" : "private";
    },
    "EKS nodes min/desired/max": (stack) => {
        const scaling = inputsOf(stack, "aws:eks/nodeGroup:NodeGroup").scalingConfig as Inputs;
        return `${scaling.minSize}/${scaling.desiredSize}/${scaling.maxSize}`;
    },
    "node instance types": (stack) => (inputsOf(stack, "aws:eks/nodeGroup:NodeGroup").instanceTypes as string[]).join(", "),
    "control-plane log types": (stack) => String((inputsOf(stack, "aws:eks/cluster:Cluster").enabledClusterLogTypes as string[]).length),
    "cluster deletion protection": (stack) => yesNo(inputsOf(stack, "aws:eks/cluster:Cluster").deletionProtection),
    "Postgres instance class": (stack) => String(inputsOf(stack, "aws:rds/instance:Instance").instanceClass),
    "Postgres storage GiB (max)": (stack) => {
        const db = inputsOf(stack, "aws:rds/instance:Instance");
        return `${db.allocatedStorage} (${db.maxAllocatedStorage})`;
    },
    "Postgres Multi-AZ": (stack) => yesNo(inputsOf(stack, "aws:rds/instance:Instance").multiAz),
    "Postgres deletion protection": (stack) => yesNo(inputsOf(stack, "aws:rds/instance:Instance").deletionProtection),
    "Postgres backup retention days": (stack) => String(inputsOf(stack, "aws:rds/instance:Instance").backupRetentionPeriod),
    "Postgres final snapshot": (stack) => yesNo(inputsOf(stack, "aws:rds/instance:Instance").skipFinalSnapshot === false),
    "Redis nodes": (stack) => String(inputsOf(stack, "aws:elasticache/replicationGroup:ReplicationGroup").numCacheClusters),
    "Redis automatic failover": (stack) => {
        const group = inputsOf(stack, "aws:elasticache/replicationGroup:ReplicationGroup");
        assert.equal(group.multiAzEnabled, group.automaticFailoverEnabled, `${stack.stack}: Multi-AZ and failover go together`);
        return yesNo(group.automaticFailoverEnabled);
    },
    "secret recovery window days": (stack) => {
        const windows = new Set(ofType(stack, "aws:secretsmanager/secret:Secret").map((secret) => plainInputs(secret).recoveryWindowInDays));
        assert.equal(windows.size, 1, `${stack.stack}: every secret has the same recovery window`);
        return String([...windows][0]);
    },
    "secret rotation days": (stack) => {
        const periods = new Set(ofType(stack, "random:index/randomPassword:RandomPassword").map((password) => (plainInputs(password).keepers as Inputs).rotationDays));
        assert.equal(periods.size, 1, `${stack.stack}: every generated secret rotates on the same period`);
        return String([...periods][0]);
    },
    "log retention days": (stack) => {
        // The EKS control-plane group and the two RDS export groups all keep logs for the tier's retention.
        const days = ofType(stack, "aws:cloudwatch/logGroup:LogGroup").map((group) => plainInputs(group).retentionInDays);
        assert.equal(days.length, 3, `${stack.stack}: three log groups`);
        assert.equal(new Set(days).size, 1, `${stack.stack}: every log group has the same retention`);
        return String(days[0]);
    },
    "Prometheus retention (volume GiB)": (stack) => {
        const values = chartValues(stack, "kube-prometheus-stack") as { prometheus: { prometheusSpec: { retention: string; storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: string } } } } } } } };
        const spec = values.prometheus.prometheusSpec;
        return `${spec.retention} (${spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage.replace(/Gi$/, "")})`;
    },
    "untagged image expiry days": (stack) => {
        const days = new Set(ofType(stack, "aws:ecr/lifecyclePolicy:LifecyclePolicy").map((policy) => {
            const document = JSON.parse(String(plainInputs(policy).policy)) as { rules: { selection: { countNumber: number } }[] };
            return document.rules[0].selection.countNumber;
        }));
        assert.equal(days.size, 1);
        return String([...days][0]);
    },
    "service replicas": (stack) => {
        const replicas = new Set(ofType(stack, "kubernetes:apps/v1:Deployment").map((deployment) => (plainInputs(deployment).spec as Inputs).replicas));
        assert.equal(replicas.size, 1);
        return String([...replicas][0]);
    },
    "rollout maxUnavailable": (stack) => {
        const values = new Set(ofType(stack, "kubernetes:apps/v1:Deployment").map((deployment) => (((plainInputs(deployment).spec as Inputs).strategy as Inputs).rollingUpdate as Inputs).maxUnavailable));
        assert.equal(values.size, 1);
        return String([...values][0]);
    },
    "uploads noncurrent versions kept days": (stack) => {
        const days = ofType(stack, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
            .filter((lifecycle) => lifecycle.name.endsWith("-uploads-lifecycle"))
            .map((lifecycle) => ((plainInputs(lifecycle).rules as Inputs[])[0].noncurrentVersionExpiration as Inputs).noncurrentDays);
        return days.join(", ");
    },
    "uploads access logs": (stack) => yesNo(ofType(stack, "aws:s3/bucketLogging:BucketLogging").length > 0),
    "nightly snapshots kept days (vault lock)": (stack) => {
        const plans = ofType(stack, "aws:backup/plan:Plan");
        if (plans.length === 0) return "none";
        const days = ((plainInputs(plans[0]).rules as Inputs[])[0].lifecycle as Inputs).deleteAfter;
        return `${String(days)} (${yesNo(ofType(stack, "aws:backup/vaultLockConfiguration:VaultLockConfiguration").length > 0)})`;
    },
    "trace sampling (errors always kept)": (stack) => {
        const config = (chartValues(stack, "opentelemetry-collector") as { config: { processors: { tail_sampling: { policies: { probabilistic?: { sampling_percentage: number } }[] } } } }).config;
        return `${String(config.processors.tail_sampling.policies.find((policy) => policy.probabilistic)?.probabilistic?.sampling_percentage)}%`;
    },
    "log / trace retention days": (stack) => {
        const days = (value: unknown): number => parseInt(String(value), 10) / 24;
        const loki = chartValues(stack, "loki") as { loki: { limits_config: Inputs } };
        const tempo = chartValues(stack, "tempo") as { tempo: Inputs };
        return `${days(loki.loki.limits_config.retention_period)} / ${days(tempo.tempo.retention)}`;
    },
    "PodDisruptionBudgets": (stack) => String(ofType(stack, "kubernetes:policy/v1:PodDisruptionBudget").length),
    "autoscalers": (stack) => String(ofType(stack, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length),
    "registry force delete": (stack) => {
        const values = new Set(ofType(stack, "aws:ecr/repository:Repository").map((repository) => plainInputs(repository).forceDelete));
        assert.equal(values.size, 1);
        return yesNo([...values][0]);
    },
};

interface TableRow {
    readonly property: string;
    readonly byStack: Readonly<Record<string, string>>;
}

function readTierTable(): TableRow[] {
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const table = /<!-- tier-table:start -->\n([\s\S]*?)<!-- tier-table:end -->/.exec(readme);
    if (!table) throw new Error("README.md has no tier table between the tier-table markers");
    const rows = table[1].trim().split("\n").map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
    const [header, , ...body] = rows;
    const stacks = header.slice(1);
    return body.map(([property, ...cells]) => ({ property, byStack: Object.fromEntries(stacks.map((stack, index) => [stack, cells[index]])) }));
}

describe("tier differences documented in README.md", function () {
    const rows = readTierTable();

    it("the README table covers dev, staging and prod and at least 15 properties", function () {
        assert.ok(rows.length >= 15);
        for (const row of rows) assert.deepEqual(Object.keys(row.byStack), ["dev", "staging", "prod"]);
    });

    for (const row of rows) {
        it(`${row.property}: ${Object.entries(row.byStack).map(([stack, value]) => `${stack} ${value}`).join(", ")}`, async function () {
            const extract = EXTRACTORS[row.property];
            assert.ok(extract, `no extractor for README row "${row.property}"`);
            for (const [stack, documented] of Object.entries(row.byStack)) {
                assert.equal(extract(await renderedStack(stack)), documented, `${stack}: ${row.property}`);
            }
        });
    }
});
