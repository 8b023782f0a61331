import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { noWildcardIamActions } from "./no-wildcard-iam-actions";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noWildcardIamActions, resource));
const invoker = (member: unknown): TestResource => ({ type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", name: "api-invoker", props: { name: "api", location: "europe-west1", role: "roles/run.invoker", member } });

describe("policy no-wildcard-iam-actions on GCP", function () {
    it("passes grants to named principals", function () {
        assert.deepEqual(messages(invoker("serviceAccount:web@acme-platform-prod.iam.gserviceaccount.com")), []);
        assert.deepEqual(messages({ type: "gcp:projects/iAMBinding:IAMBinding", name: "viewers", props: { project: "p", role: "roles/viewer", members: ["group:eng@acme.example", "domain:acme.example"] } }), []);
        assert.deepEqual(messages({ type: "gcp:pubsub/topicIAMPolicy:TopicIAMPolicy", name: "events", props: { topic: "events", policyData: JSON.stringify({ bindings: [{ role: "roles/pubsub.publisher", members: ["serviceAccount:api@p.iam.gserviceaccount.com"] }] }) } }), []);
    });

    it("flags any role granted to allUsers or allAuthenticatedUsers, by member, binding or policy, on any resource", function () {
        assert.deepEqual(messages(invoker("allUsers")), ["IAM member api-invoker grants roles/run.invoker to allUsers: anyone on the internet gets it"]);
        assert.deepEqual(messages({ type: "gcp:cloudrun/iamMember:IamMember", name: "v1", props: { service: "api", location: "europe-west1", role: "roles/run.invoker", member: " allUsers " } }), [
            "IAM member v1 grants roles/run.invoker to allUsers: anyone on the internet gets it",
        ]);
        assert.deepEqual(messages({ type: "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding", name: "pull", props: { repository: "services", role: "roles/artifactregistry.reader", members: ["allAuthenticatedUsers"] } }), [
            "IAM binding pull grants roles/artifactregistry.reader to allAuthenticatedUsers: anyone with a Google account gets it",
        ]);
        const policyData = JSON.stringify({ bindings: [{ role: "roles/pubsub.publisher", members: ["allUsers", "user:ana@acme.example"] }] });
        assert.deepEqual(messages({ type: "gcp:pubsub/topicIAMPolicy:TopicIAMPolicy", name: "events", props: { topic: "events", policyData } }), [
            "IAM policy events (policyData) binding 0 grants roles/pubsub.publisher to allUsers: anyone on the internet gets it",
        ]);
    });

    it("names a role only when it has a role's shape, and never echoes other text", function () {
        const custom = { type: "gcp:projects/iAMMember:IAMMember", name: "public", props: { project: "p", role: "projects/acme-platform-prod/roles/deployer", member: "allUsers" } };
        assert.deepEqual(messages(custom), ["IAM member public grants projects/acme-platform-prod/roles/deployer to allUsers: anyone on the internet gets it"]);
        const odd = { type: "gcp:projects/iAMMember:IAMMember", name: "public", props: { project: "p", role: `roles/x y ${"z".repeat(50_000)}`, member: "allUsers" } };
        assert.deepEqual(messages(odd), ["IAM member public grants a role to allUsers: anyone on the internet gets it"]);
    });

    it("flags an IAM policy it cannot read", function () {
        assert.deepEqual(messages({ type: "gcp:projects/iAMPolicy:IAMPolicy", name: "project", props: { project: "p", policyData: "[]" } }), [
            "IAM policy project (policyData) is not a JSON IAM policy, so it cannot be checked for grants to allUsers or allAuthenticatedUsers",
        ]);
    });

    it("leaves Cloud Storage grants to no-public-data-stores", function () {
        assert.deepEqual(messages({ type: "gcp:storage/bucketIAMMember:BucketIAMMember", name: "public", props: { bucket: "b", role: "roles/storage.objectViewer", member: "allUsers" } }), []);
    });

    it("evaluates during a preview: a member computed by another resource is no allUsers, a literal one beside it still is", function () {
        assert.deepEqual(checkResource(noWildcardIamActions, invoker(UNKNOWN)), []);
        const binding = { type: "gcp:projects/iAMBinding:IAMBinding", name: "viewers", props: { project: "p", role: "roles/viewer", members: [UNKNOWN, "allAuthenticatedUsers"] } };
        assert.deepEqual(messages(binding), ["IAM binding viewers grants roles/viewer to allAuthenticatedUsers: anyone with a Google account gets it"]);
    });

    it("is critical, mandatory in every tier, and exemptable", function () {
        assert.deepEqual(verdictsOn(noWildcardIamActions, [invoker("allUsers")]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
