import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";

const KEY = "aws:kms/key:Key";

/**
 * Why a key cannot rotate automatically, or undefined when it can: KMS rotates only symmetric encryption
 * keys (SYMMETRIC_DEFAULT, the default spec, with usage ENCRYPT_DECRYPT) whose key material it generated
 * in its own key store. Asymmetric (RSA_*, ECC_*, SM2, ML_DSA_*) and HMAC keys, and keys in a custom (CloudHSM)
 * or external key store, cannot.
 */
export function rotationNotSupported(props: Record<string, unknown>): string | undefined {
    const spec = props.customerMasterKeySpec;
    if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") return `a ${spec} key`;
    const usage = props.keyUsage;
    if (typeof usage === "string" && usage !== "ENCRYPT_DECRYPT") return `a ${usage} key`;
    if (typeof props.customKeyStoreId === "string" && props.customKeyStoreId !== "") return "a key in a custom key store";
    if (typeof props.xksKeyId === "string" && props.xksKeyId !== "") return "a key in an external key store";
    return undefined;
}

/**
 * Symmetric customer-managed KMS keys rotate their key material automatically (enableKeyRotation). Keys that
 * KMS cannot rotate pass (see rotationNotSupported). Replica keys take rotation from their primary and
 * imported-material keys (aws.kms.ExternalKey) cannot rotate automatically: neither is judged.
 */
export const kmsKeyRotation: ResourceRule = {
    kind: "resource",
    name: "kms-key-rotation",
    description: "Symmetric customer-managed KMS keys have automatic key rotation on.",
    severity: "medium",
    rationale:
        "Rotation bounds how much data one version of the key material protects and is what auditors (CIS AWS 3.6, PCI DSS) ask for; it costs nothing and needs no change in the key's users.",
    remediation: "Set enableKeyRotation: true on the aws.kms.Key (components/platform.ts does for the environment's key); rotationPeriodInDays may shorten the default year.",
    resourceTypes: [KEY],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check({ name, props }) {
        if (props.enableKeyRotation === true || rotationNotSupported(props) !== undefined) return [];
        return [`KMS key ${name} does not rotate its key material (enableKeyRotation is not true)`];
    },
};
