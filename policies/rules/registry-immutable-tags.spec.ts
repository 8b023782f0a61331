import { strict as assert } from "assert";
import { checkResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { registryImmutableTags } from "./registry-immutable-tags";

const repository = (props: Record<string, unknown>) => ({ type: "aws:ecr/repository:Repository", name: "api", props: { name: "platform/prod/api", ...props } });

describe("policy registry-immutable-tags", function () {
    it("passes an IMMUTABLE repository", function () {
        assert.deepEqual(checkResource(registryImmutableTags, repository({ imageTagMutability: "IMMUTABLE" })), []);
    });

    it("flags MUTABLE, and the provider default (absent) which is MUTABLE", function () {
        assert.deepEqual(violationMessages(checkResource(registryImmutableTags, repository({ imageTagMutability: "MUTABLE" }))), [
            "repository api allows tags to be overwritten (imageTagMutability MUTABLE)",
        ]);
        assert.deepEqual(violationMessages(checkResource(registryImmutableTags, repository({}))), [
            "repository api allows tags to be overwritten (imageTagMutability MUTABLE)",
        ]);
    });

    describe("Artifact Registry", function () {
        const gcpRepository = (props: Record<string, unknown>) => ({
            type: "gcp:artifactregistry/repository:Repository",
            name: "services",
            props: { repositoryId: "platform-prod-services", location: "europe-west1", format: "DOCKER", kmsKeyName: "projects/p/locations/europe-west1/keyRings/platform/cryptoKeys/data", ...props },
        });

        it("passes a Docker repository with immutable tags", function () {
            assert.deepEqual(checkResource(registryImmutableTags, gcpRepository({ dockerConfig: { immutableTags: true } })), []);
        });

        it("flags a Docker repository whose tags can move: immutableTags false, or no dockerConfig (the default is mutable)", function () {
            assert.deepEqual(violationMessages(checkResource(registryImmutableTags, gcpRepository({ dockerConfig: { immutableTags: false } }))), [
                "Artifact Registry repository services allows tags to be overwritten (dockerConfig.immutableTags is false)",
            ]);
            assert.deepEqual(violationMessages(checkResource(registryImmutableTags, gcpRepository({ format: "docker", mode: "STANDARD_REPOSITORY" }))), [
                "Artifact Registry repository services allows tags to be overwritten (dockerConfig.immutableTags is unset, which is false)",
            ]);
        });

        it("leaves alone repositories without Docker tags of their own: other formats, remote and virtual repositories", function () {
            assert.deepEqual(checkResource(registryImmutableTags, gcpRepository({ format: "NPM" })), []);
            assert.deepEqual(checkResource(registryImmutableTags, gcpRepository({ mode: "REMOTE_REPOSITORY", remoteRepositoryConfig: { dockerRepository: { publicRepository: "DOCKER_HUB" } } })), []);
            assert.deepEqual(checkResource(registryImmutableTags, gcpRepository({ mode: "VIRTUAL_REPOSITORY" })), []);
        });

        it("is mandatory in staging and prod, advisory in dev, and exemptable", function () {
            assert.deepEqual(verdictsOn(registryImmutableTags, [gcpRepository({})]), { severity: "high", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
        });
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(registryImmutableTags, { type: "aws:s3/bucket:Bucket", props: { imageTagMutability: "MUTABLE" } }), []);
    });

    it("reports the advisory can't-run result for an unknown value during preview", function () {
        const [outcome] = checkResource(registryImmutableTags, repository({ imageTagMutability: UNKNOWN }));
        assert.equal(outcome.kind, "unknown");
        assert.match(outcome.message, /^can't run policy 'registry-immutable-tags' from policy pack 'platform-policies@v0\.1\.0' during preview: string value at \.imageTagMutability can't be known during preview$/);
    });

    it("honours an exemption with reason and expiry, and not an expired one", function () {
        const marker = (value: string) => repository({ imageTagMutability: "MUTABLE", tags: { "policy.platform/exempt-registry-immutable-tags": value } });
        const [active] = checkResource(registryImmutableTags, marker("2027-03-31 mirror of an upstream registry that re-tags"));
        assert.equal(active.kind, "exempted");
        assert.deepEqual(violationMessages(checkResource(registryImmutableTags, marker("2026-11-23 mirror of an upstream registry that re-tags"))), [
            "repository api allows tags to be overwritten (imageTagMutability MUTABLE) (exemption expired on 2026-11-23: mirror of an upstream registry that re-tags)",
        ]);
        assert.deepEqual(violationMessages(checkResource(registryImmutableTags, marker("soon because"))), [
            "repository api allows tags to be overwritten (imageTagMutability MUTABLE) (exemption ignored: expiry \"soon\" is not a date (YYYY-MM-DD))",
        ]);
    });

    it("is mandatory in staging and prod, advisory in dev", function () {
        assert.deepEqual(verdictsOn(registryImmutableTags, [repository({})]), { severity: "high", enforcement: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
