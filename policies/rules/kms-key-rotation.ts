import { MAX_KEY_ROTATION_DAYS } from "../lib/guardrails";
import { ResourceRule, STRICT_OUTSIDE_DEV } from "../lib/rule";

const KEY = "aws:kms/key:Key";
const CLOUD_KMS_KEY = "gcp:kms/cryptoKey:CryptoKey";
const SECONDS_PER_DAY = 86_400;
/** Cloud KMS's duration format: decimal seconds with up to 9 fractional digits, then `s` (`7776000s`). Bounded, so linear. */
const DURATION = /^(\d{1,15})(?:\.\d{1,9})?s$/;

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

/** Whole days of a Cloud KMS duration, or undefined when it is not one. */
export function durationDays(value: unknown): number | undefined {
    if (typeof value !== "string") return undefined;
    const match = DURATION.exec(value.trim());
    return match ? Number(match[1]) / SECONDS_PER_DAY : undefined;
}

function cloudKmsViolations(name: string, props: Record<string, unknown>): string[] {
    // Cloud KMS rotates symmetric encryption keys only (purpose ENCRYPT_DECRYPT, the default): asymmetric, MAC and raw keys cannot rotate automatically.
    const purpose = props.purpose;
    if (purpose !== undefined && purpose !== null && purpose !== "ENCRYPT_DECRYPT") return [];
    const period = props.rotationPeriod;
    if (period === undefined || period === null || period === "") return [`Cloud KMS key ${name} does not rotate its key material (rotationPeriod is unset)`];
    const days = durationDays(period);
    if (days === undefined) return [`Cloud KMS key ${name} has a rotationPeriod that is not a duration in seconds (such as "7776000s")`];
    if (days > MAX_KEY_ROTATION_DAYS) return [`Cloud KMS key ${name} rotates every ${Math.round(days * 10) / 10} days (rotationPeriod ${String(period).trim()}); at most ${MAX_KEY_ROTATION_DAYS} days are allowed`];
    return [];
}

/**
 * Symmetric customer-managed keys rotate their key material automatically: AWS KMS keys with
 * enableKeyRotation (keys that KMS cannot rotate pass, see rotationNotSupported; replica keys take rotation
 * from their primary and imported-material keys, aws.kms.ExternalKey, cannot rotate automatically: neither is
 * judged), and Cloud KMS keys of purpose ENCRYPT_DECRYPT with a rotationPeriod of at most MAX_KEY_ROTATION_DAYS.
 */
export const kmsKeyRotation: ResourceRule = {
    kind: "resource",
    name: "kms-key-rotation",
    description: `Symmetric customer-managed keys rotate automatically: AWS KMS keys have key rotation on, Cloud KMS keys rotate at least every ${MAX_KEY_ROTATION_DAYS} days.`,
    severity: "medium",
    rationale:
        "Rotation bounds how much data one version of the key material protects and is what auditors (CIS AWS 3.6, CIS GCP 1.10, PCI DSS) ask for; it costs nothing and needs no change in the key's users.",
    remediation: `Set enableKeyRotation: true on the aws.kms.Key (components/platform.ts does for the environment's key); rotationPeriodInDays may shorten the default year. On a gcp.kms.CryptoKey set rotationPeriod to at most ${MAX_KEY_ROTATION_DAYS} days in seconds, e.g. "${MAX_KEY_ROTATION_DAYS * SECONDS_PER_DAY}s".`,
    resourceTypes: [KEY, CLOUD_KMS_KEY],
    enforcement: STRICT_OUTSIDE_DEV,
    exemptable: true,
    check({ type, name, props }) {
        if (type === CLOUD_KMS_KEY) return cloudKmsViolations(name, props);
        if (props.enableKeyRotation === true || rotationNotSupported(props) !== undefined) return [];
        return [`KMS key ${name} does not rotate its key material (enableKeyRotation is not true)`];
    },
};
