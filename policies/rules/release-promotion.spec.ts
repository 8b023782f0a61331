import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toPolicyResources } from "../../engine/resource-views";
import { renderedStack } from "../../test/support/stacks";
import { checkStack, UNKNOWN, violationMessages } from "../test-support/policy-harness";
import { LedgerEntry, LedgerError, parseLedger, readLedger, RELEASE_LEDGER_FILE, ReleaseLedger } from "../lib/release-ledger";
import { ResourceUnderTest } from "../lib/rule";
import { releasePromotion, releasePromotionRule } from "./release-promotion";

const PROD_API = "sha256:c2c4220412f068944be237fa885e20fb144076abe7a1d51ec56a015ce0da1287";
const CANDIDATE = `sha256:${"4e".repeat(32)}`;
const AT = "2026-12-08T10:00:00Z";

async function stackResources(stack: string): Promise<ResourceUnderTest[]> {
    return toPolicyResources((await renderedStack(stack)).resources);
}

/** The stack's resources with api's Deployment (and its migration Job, if any) on another digest. */
function runningApi(resources: readonly ResourceUnderTest[], digest: unknown): ResourceUnderTest[] {
    return resources.map((resource) => {
        if (resource.type !== "kubernetes:apps/v1:Deployment" || (resource.props.metadata as { name?: string }).name !== "api") return resource;
        const props = JSON.parse(JSON.stringify(resource.props)) as { spec: { template: { spec: { containers: { image: unknown }[] } } } };
        const container = props.spec.template.spec.containers[0];
        container.image = digest === UNKNOWN ? UNKNOWN : String(container.image).replace(PROD_API, String(digest));
        return { ...resource, props: props as unknown as Record<string, unknown> };
    });
}

function ledgerWith(...extra: LedgerEntry[]): ReleaseLedger {
    const committed = readLedger();
    return { ...committed, entries: [...committed.entries, ...extra] };
}

const published: LedgerEntry = { event: "published", service: "api", digest: CANDIDATE, sha: "9f8e7d6", at: AT };
const verifiedIn = (stack: string): LedgerEntry => ({ event: "verified", service: "api", digest: CANDIDATE, sha: "9f8e7d6", stack, at: AT });

describe("policy release-promotion", function () {
    it("the committed stacks run what the committed ledger vouches for", async function () {
        for (const [stack, tier] of [["staging", "staging"], ["prod", "prod"], ["gcp-staging", "staging"], ["gcp-prod", "prod"]] as const) {
            assert.deepEqual(checkStack(releasePromotionRule, await stackResources(stack), { tier, stack }), [], stack);
        }
    });

    it("a candidate dev verified may run in staging, not in prod; once staging verified it, prod may run it", async function () {
        const staging = runningApi(await stackResources("staging"), CANDIDATE);
        const prod = runningApi(await stackResources("prod"), CANDIDATE);
        const unverified = releasePromotion(() => ledgerWith(published));
        assert.deepEqual(violationMessages(checkStack(unverified, staging, { tier: "staging", stack: "staging" })), [
            "staging runs api@sha256:4e4e4e4e4e4e…, which dev never verified and prod never ran: promote it from dev once its smoke test passed there (release ledger releases/ledger.json)",
        ]);
        const devProved = releasePromotion(() => ledgerWith(published, verifiedIn("dev")));
        assert.deepEqual(checkStack(devProved, staging, { tier: "staging", stack: "staging" }), []);
        assert.deepEqual(violationMessages(checkStack(devProved, prod, { tier: "prod", stack: "prod" })), [
            "prod runs api@sha256:4e4e4e4e4e4e…, which staging never verified: prod runs only what staging proved (release ledger releases/ledger.json)",
        ]);
        const stagingProved = releasePromotion(() => ledgerWith(published, verifiedIn("dev"), verifiedIn("staging")));
        assert.deepEqual(checkStack(stagingProved, prod, { tier: "prod", stack: "prod" }), []);
        // GCP's chain is its own: AWS staging's proof is no proof for gcp-prod.
        assert.equal(checkStack(stagingProved, runningApi(await stackResources("gcp-prod"), CANDIDATE), { tier: "prod", stack: "gcp-prod" }).length, 1);
    });

    it("dev and local run any build: the rule is disabled there", async function () {
        assert.deepEqual(checkStack(releasePromotionRule, await stackResources("dev"), { tier: "dev", stack: "dev" }), []);
        assert.equal(releasePromotionRule.enforcement.dev, "disabled");
        assert.equal(releasePromotionRule.enforcement.prod, "mandatory");
        assert.equal(releasePromotionRule.enforcement.staging, "mandatory");
    });

    it("fails closed: a missing or inconsistent ledger, or an image by tag, is a violation", async function () {
        const prod = await stackResources("prod");
        const missing = releasePromotion(() => readLedger("/nonexistent/ledger.json"));
        assert.deepEqual(violationMessages(checkStack(missing, prod, { tier: "prod", stack: "prod" })), ["release ledger: the release ledger releases/ledger.json is missing; no digest can be judged, so none may deploy to prod"]);
        const otherProject = releasePromotion(() => ({ ...readLedger(), project: "other" }));
        assert.deepEqual(violationMessages(checkStack(otherProject, prod, { tier: "prod", stack: "prod" })), ['release ledger: it speaks for project "other", and prod belongs to project "platform"; no digest can be judged, so none may deploy']);
        // A verified entry without its published build: one hand-edited line is not a proof.
        assert.throws(() => parseLedger(JSON.stringify({ version: 1, project: "platform", entries: [verifiedIn("staging")] })), LedgerError);
        const byTag = prod.map((resource) => resource.type === "kubernetes:apps/v1:Deployment" ? { ...resource, props: JSON.parse(JSON.stringify(resource.props).replace(`:1.4.2@${PROD_API}`, ":1.4.2")) as Record<string, unknown> } : resource);
        assert.deepEqual(violationMessages(checkStack(releasePromotionRule, byTag, { tier: "prod", stack: "prod" })), ["prod runs api from an image not pinned by a sha256 digest: the release ledger can only vouch for digests"]);
    });

    it("hostile ledgers are refused in one line without echoing their text", function () {
        const canary = "ghp_CANARYledger000000000000000000000000";
        const twice = [published, { ...published, sha: "1111111" }];
        for (const text of ["{", "[]", JSON.stringify({ version: 2 }), JSON.stringify({ version: 1, project: canary, entries: [] }), JSON.stringify({ version: 1, project: "platform", entries: [{ ...published, digest: canary }] }), JSON.stringify({ version: 1, project: "platform", entries: [{ ...published, by: canary }] }), JSON.stringify({ version: 1, project: "platform", entries: [{ ...published, note: "a\u001b[2Jb" }] }), JSON.stringify({ version: 1, project: "platform", entries: twice }), "x".repeat(5 * 1024 * 1024)]) {
            assert.throws(() => parseLedger(text), (error: Error) => error instanceof LedgerError && !error.message.includes(canary) && !error.message.includes("\n"));
        }
    });

    it("a Deployment a preview is about to create (no properties yet) is left to the analysis after up", async function () {
        const resources = (await stackResources("prod")).map((resource) => (resource.type === "kubernetes:apps/v1:Deployment" ? { ...resource, props: {} } : resource));
        assert.deepEqual(checkStack(releasePromotion(() => ledgerWith()), resources, { tier: "prod", stack: "prod" }), []);
    });

    it("reads only a regular file, bounded: a FIFO or a device is refused at once, a BOM is allowed", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-ledger-read-"));
        try {
            const fifo = path.join(dir, "fifo.json");
            execFileSync("mkfifo", [fifo]);
            assert.throws(() => readLedger(fifo), /is not a regular file/);
            assert.throws(() => readLedger("/dev/zero"), /is not a regular file/);
            const bom = path.join(dir, "bom.json");
            fs.writeFileSync(bom, `\uFEFF${fs.readFileSync(RELEASE_LEDGER_FILE, "utf8")}`);
            assert.equal(readLedger(bom).project, "platform");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("an unknown image during preview gives the advisory can't-run result", async function () {
        const [outcome] = checkStack(releasePromotionRule, runningApi(await stackResources("staging"), UNKNOWN), { tier: "staging", stack: "staging" });
        assert.equal(outcome.kind, "unknown");
    });
});
