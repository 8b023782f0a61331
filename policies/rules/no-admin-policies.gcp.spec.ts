import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { noAdminPolicies } from "./no-admin-policies";

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noAdminPolicies, resource));
const CI = "serviceAccount:ci@acme-platform-prod.iam.gserviceaccount.com";
const projectMember = (role: unknown, member: unknown = CI): TestResource => ({ type: "gcp:projects/iAMMember:IAMMember", name: "ci", props: { project: "acme-platform-prod", role, member } });

describe("policy no-admin-policies on GCP", function () {
    it("passes predefined roles scoped to the job", function () {
        for (const role of ["roles/cloudsql.client", "roles/secretmanager.secretAccessor", "roles/container.developer", "roles/ownerish", "roles/viewer"]) assert.deepEqual(messages(projectMember(role)), [], role);
        assert.deepEqual(messages({ type: "gcp:serviceaccount/iAMMember:IAMMember", name: "wi", props: { serviceAccountId: "projects/p/serviceAccounts/api@p.iam.gserviceaccount.com", role: "roles/iam.workloadIdentityUser", member: "serviceAccount:p.svc.id.goog[apps/api]" } }), []);
    });

    it("flags roles/owner and roles/editor granted by a project, folder or organization member or binding", function () {
        assert.deepEqual(messages(projectMember("roles/owner")), [`IAM member ci grants roles/owner to ${CI}, which gives full control of every resource, IAM included`]);
        assert.deepEqual(messages({ type: "gcp:folder/iAMBinding:IAMBinding", name: "eng", props: { folder: "folders/1234567", role: "roles/editor", members: ["group:eng@acme.example", "user:ana@acme.example", "user:bo@acme.example", "user:cy@acme.example"] } }), [
            "IAM binding eng grants roles/editor to group:eng@acme.example, user:ana@acme.example, user:bo@acme.example and 1 more, which gives write access to almost every resource",
        ]);
        assert.deepEqual(messages({ type: "gcp:organizations/iAMMember:IAMMember", name: "sec", props: { orgId: "123456789", role: " roles/iam.securityAdmin ", member: "group:sec@acme.example" } }), [
            "IAM member sec grants roles/iam.securityAdmin to group:sec@acme.example, which gives every IAM policy it can read, enough to grant itself any other role",
        ]);
    });

    it("flags an administrator role in a project IAM policy's bindings, and on any other resource's IAM", function () {
        const policyData = JSON.stringify({ bindings: [{ role: "roles/viewer", members: ["group:all@acme.example"] }, { role: "roles/resourcemanager.projectIamAdmin", members: [CI] }] });
        assert.deepEqual(messages({ type: "gcp:projects/iAMPolicy:IAMPolicy", name: "project", props: { project: "acme-platform-prod", policyData } }), [
            `IAM policy project (policyData) binding 1 grants roles/resourcemanager.projectIamAdmin to ${CI}, which gives the project's IAM policy, enough to grant itself any other role`,
        ]);
        assert.deepEqual(messages({ type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", name: "api", props: { name: "api", location: "europe-west1", role: "roles/owner", member: CI } }).length, 1);
    });

    it("names members only when they have a principal's shape", function () {
        assert.deepEqual(messages(projectMember("roles/owner", "user:ana smith <ana@acme.example>")), ["IAM member ci grants roles/owner to a member, which gives full control of every resource, IAM included"]);
    });

    it("leaves unreadable IAM policies to no-wildcard-iam-actions", function () {
        assert.deepEqual(messages({ type: "gcp:projects/iAMPolicy:IAMPolicy", name: "project", props: { project: "p", policyData: "roles/owner" } }), []);
    });

    it("reports the advisory can't-run result while the role is unknown during preview, and judges a known role whose member is not known yet", function () {
        const [outcome] = checkResource(noAdminPolicies, projectMember(UNKNOWN));
        assert.equal(outcome.kind, "unknown");
        assert.deepEqual(messages(projectMember("roles/cloudsql.client", UNKNOWN)), []);
        assert.deepEqual(messages(projectMember("roles/owner", UNKNOWN)), ["IAM member ci grants roles/owner to members known only at deployment, which gives full control of every resource, IAM included"]);
    });

    it("is critical, mandatory in every tier, and exemptable", function () {
        assert.deepEqual(verdictsOn(noAdminPolicies, [projectMember("roles/editor")]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
