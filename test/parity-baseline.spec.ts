import { strict as assert } from "assert";
import * as fs from "fs";
import { PARITY_BASELINE_FILES } from "../policies/rules/environment-parity";
import { currentBaseline, formatBaseline, PROD_STACKS } from "../tools/parity-baseline";
import { PROJECT_DIR } from "./support/stacks";

describe("parity baseline", function () {
    for (const cloud of ["aws", "gcp"] as const) {
        const file = PARITY_BASELINE_FILES[cloud].slice(PROJECT_DIR.length + 1);
        it(`the committed ${file} is what ${PROD_STACKS[cloud]} renders today (else: npm run parity:baseline)`, async function () {
            const committed = fs.readFileSync(PARITY_BASELINE_FILES[cloud], "utf8");
            assert.equal(committed, formatBaseline(await currentBaseline(PROJECT_DIR, cloud)), `the parity baseline is stale: run \`npm run parity:baseline\` and commit ${file}`);
        });
    }

    it("the GCP baseline is GCP's: GKE, Cloud SQL and Memorystore properties, not EKS, RDS or ElastiCache ones", function () {
        const gcp = (JSON.parse(fs.readFileSync(PARITY_BASELINE_FILES.gcp, "utf8")) as { generatedFrom: string; fingerprint: Record<string, unknown> });
        assert.equal(gcp.generatedFrom, "Pulumi.gcp-prod.yaml, rendered offline");
        assert.equal(gcp.fingerprint["security.cluster.privateNodes"], true);
        assert.equal(gcp.fingerprint["security.postgres.tls"], true);
        assert.equal(gcp.fingerprint["size.postgres.instanceClass"], "db-custom-4-16384");
        const aws = (JSON.parse(fs.readFileSync(PARITY_BASELINE_FILES.aws, "utf8")) as { fingerprint: Record<string, unknown> });
        assert.equal(aws.fingerprint["size.postgres.instanceClass"], "db.r6g.large");
    });
});
