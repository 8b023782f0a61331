import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { kmsKeyRotation } from "./kms-key-rotation";

const defined = (props: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
const TAGS = { environment: "prod", project: "platform" };

// As components/platform.ts renders the environment's key (the policy abbreviated).
const key = (props: Record<string, unknown> = {}): TestResource => ({
    type: "aws:kms/key:Key",
    name: "platform-key",
    props: defined({
        description: "Encrypts platform prod data at rest",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }] }),
        tags: TAGS,
        ...props,
    }),
});

const messages = (resource: TestResource): string[] => violationMessages(checkResource(kmsKeyRotation, resource));

describe("policy kms-key-rotation", function () {
    it("passes the environment's key as components/platform.ts renders it", function () {
        assert.deepEqual(checkResource(kmsKeyRotation, key()), []);
        assert.deepEqual(messages(key({ rotationPeriodInDays: 90 })), []);
    });

    it("flags a symmetric key with rotation off or left to the default (off)", function () {
        const expected = ["KMS key platform-key does not rotate its key material (enableKeyRotation is not true)"];
        assert.deepEqual(messages(key({ enableKeyRotation: false })), expected);
        assert.deepEqual(messages(key({ enableKeyRotation: undefined })), expected);
        assert.deepEqual(messages(key({ enableKeyRotation: undefined, customerMasterKeySpec: "SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT" })), expected);
    });

    it("passes keys KMS cannot rotate: asymmetric, HMAC, custom and external key stores", function () {
        for (const props of [
            { customerMasterKeySpec: "RSA_4096", keyUsage: "SIGN_VERIFY" },
            { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" },
            { customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" },
            { keyUsage: "KEY_AGREEMENT", customerMasterKeySpec: "ECC_NIST_P384" },
            { customKeyStoreId: "cks-1234567890abcdef0" },
            { customKeyStoreId: "cks-1234567890abcdef0", xksKeyId: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111" },
        ]) {
            assert.deepEqual(messages(key({ enableKeyRotation: undefined, ...props })), [], JSON.stringify(props));
        }
    });

    it("ignores replica and imported-material keys", function () {
        assert.deepEqual(checkResource(kmsKeyRotation, { type: "aws:kms/replicaKey:ReplicaKey", props: { primaryKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/mrk-1" } }), []);
        assert.deepEqual(checkResource(kmsKeyRotation, { type: "aws:kms/externalKey:ExternalKey", props: { enabled: true } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const [outcome] = checkResource(kmsKeyRotation, key({ enableKeyRotation: UNKNOWN }));
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, `can't run policy 'kms-key-rotation' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .enableKeyRotation can't be known during preview`);
    });

    it("honours an exemption with reason and expiry", function () {
        const [outcome] = checkResource(kmsKeyRotation, key({ enableKeyRotation: false, tags: { ...TAGS, "policy.platform/exempt-kms-key-rotation": "2026-12-31 vendor appliance pins the key version, VEND-12" } }));
        assert.equal(outcome.kind, "exempted");
    });

    it("is medium severity, mandatory in staging and prod, advisory in dev, and exemptable", function () {
        assert.deepEqual(verdictsOn(kmsKeyRotation, [key({ enableKeyRotation: false })]), { severity: "medium", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
