import { strict as assert } from "assert";
import { MAX_KEY_ROTATION_DAYS } from "../lib/guardrails";
import { cryptoKey } from "../test-support/gcp-fixtures";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { durationDays, kmsKeyRotation } from "./kms-key-rotation";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(kmsKeyRotation, resource));

describe("policy kms-key-rotation on GCP", function () {
    it(`passes a key that rotates every 30 days, and one at exactly ${MAX_KEY_ROTATION_DAYS} days (fractional seconds included)`, function () {
        assert.deepEqual(messages(cryptoKey()), []);
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: "7776000s" })), []);
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: "7776000.5s", purpose: undefined })), []);
    });

    it("flags a key without rotation, and one that rotates less often than every 90 days", function () {
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: undefined })), ["Cloud KMS key data does not rotate its key material (rotationPeriod is unset)"]);
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: "7862400s" })), ["Cloud KMS key data rotates every 91 days (rotationPeriod 7862400s); at most 90 days are allowed"]);
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: "31536000s" })), ["Cloud KMS key data rotates every 365 days (rotationPeriod 31536000s); at most 90 days are allowed"]);
    });

    it("flags a rotationPeriod that is no duration, without echoing it", function () {
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: "90d" })), ['Cloud KMS key data has a rotationPeriod that is not a duration in seconds (such as "7776000s")']);
        assert.deepEqual(messages(cryptoKey({ rotationPeriod: `${"9".repeat(100_000)}s` })), ['Cloud KMS key data has a rotationPeriod that is not a duration in seconds (such as "7776000s")']);
    });

    it("leaves alone keys that Cloud KMS cannot rotate: asymmetric signing and decryption, MAC and raw keys", function () {
        for (const purpose of ["ASYMMETRIC_SIGN", "ASYMMETRIC_DECRYPT", "MAC", "RAW_ENCRYPT_DECRYPT"]) assert.deepEqual(messages(cryptoKey({ purpose, rotationPeriod: undefined })), [], purpose);
    });

    it("reads Cloud KMS durations", function () {
        assert.deepEqual(["86400s", "7776000s", "0.5s", " 172800s ", "1d", "s", "86400", 86400].map(durationDays), [1, 90, 0, 2, undefined, undefined, undefined, undefined]);
    });

    it("reports the advisory can't-run result while the period is unknown during preview", function () {
        const [outcome] = checkResource(kmsKeyRotation, cryptoKey({ rotationPeriod: UNKNOWN }));
        assert.equal(outcome.kind, "unknown");
    });

    it("is mandatory in staging and prod, advisory in dev, and exemptable", function () {
        assert.deepEqual(verdictsOn(kmsKeyRotation, [cryptoKey({ rotationPeriod: undefined })]), { severity: "medium", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
