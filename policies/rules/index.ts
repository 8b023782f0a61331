import { Rule } from "../lib/rule";
import { registryImmutableTags } from "./registry-immutable-tags";
import { imagePinnedByDigest } from "./image-pinned-by-digest";
import { encryptionAtRest } from "./encryption-at-rest";
import { encryptionInTransit } from "./encryption-in-transit";
import { noPublicDataStores } from "./no-public-data-stores";
import { deletionProtectionAndBackups } from "./deletion-protection-and-backups";
import { databaseBackupsRetained } from "./database-backups-retained";
import { workloadProbesAndLimits } from "./workload-probes-and-limits";
import { containersRunAsNonRoot } from "./containers-run-as-non-root";
import { workloadHardening } from "./workload-hardening";
import { clusterEndpointPrivate } from "./cluster-endpoint-private";
import { noWildcardIamActions } from "./no-wildcard-iam-actions";
import { noAdminPolicies } from "./no-admin-policies";
import { cacheAuthentication } from "./cache-authentication";
import { kmsKeyRotation } from "./kms-key-rotation";
import { ssmSecureString } from "./ssm-secure-string";
import { s3PublicAccessBlockDeclared } from "./s3-public-access-block-declared";
import { createPolicyExemptionsValid } from "./policy-exemptions-valid";
import { environmentParityRule } from "./environment-parity";
import { releasePromotionRule } from "./release-promotion";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { credentialsFromSecretStore } from "./credentials-from-secret-store";

/** Every rule of the pack, in the order reports list them. */
export const ALL_RULES: readonly Rule[] = [
    registryImmutableTags,
    imagePinnedByDigest,
    encryptionAtRest,
    encryptionInTransit,
    noPublicDataStores,
    deletionProtectionAndBackups,
    databaseBackupsRetained,
    workloadProbesAndLimits,
    containersRunAsNonRoot,
    workloadHardening,
    clusterEndpointPrivate,
    noWildcardIamActions,
    noAdminPolicies,
    cacheAuthentication,
    kmsKeyRotation,
    ssmSecureString,
    s3PublicAccessBlockDeclared,
    environmentParityRule,
    releasePromotionRule,
    noPlaintextSecrets,
    credentialsFromSecretStore,
    // Reads the registry lazily: it checks markers against every rule here, itself included.
    createPolicyExemptionsValid(() => ALL_RULES),
];
