import { cloudOf } from "../lib/parity";
import { imagePinning } from "../lib/image-reference";
import { LedgerError, readLedger, releaseRefusal, ReleaseLedger } from "../lib/release-ledger";
import { ResourceUnderTest, StackRule, StackViolation } from "../lib/rule";
import { projectOfUrn } from "../lib/pack-context";
import { isRecord } from "../lib/values";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";


/** Each Deployment's service name (metadata.name) and the image of its first container. */
function deployedImages(resources: readonly ResourceUnderTest[]): { service: string; image: unknown; urn: string }[] {
    return resources
        .filter((resource) => resource.type === DEPLOYMENT)
        // A Deployment being created has no state yet when a preview analyses the stack: the engine passes it
        // without its properties. `pulumi up` analyses the stack again once they exist, and predeploy judges
        // the stack file before either.
        .filter((resource) => resource.props.spec !== undefined)
        .map((deployment) => {
            const metadata = isRecord(deployment.props.metadata) ? deployment.props.metadata : {};
            const spec = isRecord(deployment.props.spec) && isRecord(deployment.props.spec.template) && isRecord(deployment.props.spec.template.spec) ? deployment.props.spec.template.spec : {};
            const containers = Array.isArray(spec.containers) ? spec.containers : [];
            const first: unknown = containers[0];
            return { service: typeof metadata.name === "string" ? metadata.name : deployment.name, image: isRecord(first) ? first.image : undefined, urn: deployment.urn };
        });
}

/** Builds the rule around a ledger reader, so that tests can hand it their own. */
export function releasePromotion(ledgerOf: () => ReleaseLedger): StackRule {
    return {
        kind: "stack",
        name: "release-promotion",
        description: "Prod runs only what staging proved; staging runs a candidate dev verified or what prod runs, by the release ledger.",
        severity: "critical",
        rationale:
            "Parity compares how environments are built; which build each runs is a release question. A digest reaches prod only after `pulumi up` and the smoke test passed with it in staging, as recorded by the release flow in releases/ledger.json; a rollback to what prod ran before is always allowed.",
        remediation:
            "Promote the digest through the flow (`node tools/bin.js promote --from staging --to prod`, after staging's deploy recorded it), or roll back to a digest the stack ran before. A missing or invalid releases/ledger.json blocks staging and prod: restore it from main.",
        resourceTypes: [DEPLOYMENT],
        enforcement: { local: "disabled", dev: "disabled", staging: "mandatory", prod: "mandatory" },
        exemptable: false,
        check(resources, context) {
            if (context.tier === "local" || context.tier === "dev") return [];
            const deployments = deployedImages(resources);
            if (deployments.length === 0) return [];
            let ledger: ReleaseLedger;
            try {
                ledger = ledgerOf();
            } catch (error) {
                // Fail closed: without the ledger no digest is proven.
                if (error instanceof LedgerError) return [{ message: `release ledger: ${error.message}; no digest can be judged, so none may deploy to ${context.stack}` }];
                throw error;
            }
            // A ledger of another project vouches for nothing here: fail closed, as without a ledger.
            const project = deployments.map((deployment) => projectOfUrn(deployment.urn)).find((name) => name !== undefined);
            if (project !== undefined && project !== ledger.project) return [{ message: `release ledger: it speaks for project "${ledger.project}", and ${context.stack} belongs to project "${project}"; no digest can be judged, so none may deploy` }];
            const cloud = cloudOf(resources);
            const violations: StackViolation[] = [];
            for (const { service, image, urn } of deployments) {
                const pinning = typeof image === "string" ? imagePinning(image) : undefined;
                if (pinning?.kind !== "pinned") {
                    violations.push({ urn, message: `${context.stack} runs ${service} from an image not pinned by a sha256 digest: the release ledger can only vouch for digests` });
                    continue;
                }
                const refusal = releaseRefusal(ledger, { stack: context.stack, tier: context.tier, cloud, service, digest: pinning.digest });
                if (refusal !== undefined) violations.push({ urn, message: refusal });
            }
            return violations;
        },
    };
}

export const releasePromotionRule = releasePromotion(() => readLedger());
