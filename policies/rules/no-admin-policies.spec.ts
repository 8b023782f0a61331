import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { MAX_POLICY_DOCUMENT_CHARS } from "../lib/iam-documents";
import { adminPolicyName, noAdminPolicies } from "./no-admin-policies";

const document = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const TRUST = document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
const TAGS = { environment: "prod", project: "platform" };

// As components/cluster/aws.ts renders the node role's attachments (policyArn from aws.iam.ManagedPolicy).
const attachment = (policyArn: unknown, type = "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name = "platform-prod-nodes-0"): TestResource => ({
    type,
    name,
    props: { role: "platform-prod-nodes-8c1f2e3", policyArn },
});
const role = (props: Record<string, unknown>): TestResource => ({ type: "aws:iam/role:Role", name: "ci", props: { assumeRolePolicy: TRUST, tags: TAGS, ...props } });

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noAdminPolicies, resource));

describe("policy no-admin-policies", function () {
    it("passes the AWS managed policies the cluster attaches and a role with named managed policies", function () {
        for (const arn of [
            "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ]) {
            assert.deepEqual(checkResource(noAdminPolicies, attachment(arn)), [], arn);
        }
        assert.deepEqual(messages(role({ managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] })), []);
    });

    it("flags AdministratorAccess, PowerUserAccess and IAMFullAccess attached to a role, user or group", function () {
        assert.deepEqual(messages(attachment("arn:aws:iam::aws:policy/AdministratorAccess")), [
            "role policy attachment platform-prod-nodes-0 attaches the AWS managed policy AdministratorAccess, which grants every action on every resource",
        ]);
        assert.deepEqual(messages({ type: "aws:iam/userPolicyAttachment:UserPolicyAttachment", name: "deployer", props: { user: "deployer", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" } }), [
            "user policy attachment deployer attaches the AWS managed policy PowerUserAccess, which grants every action except IAM and Organizations management",
        ]);
        assert.deepEqual(messages({ type: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", name: "ops", props: { group: "ops", policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" } }), [
            "group policy attachment ops attaches the AWS managed policy IAMFullAccess, which grants all of IAM, enough to grant itself any other permission",
        ]);
        assert.deepEqual(messages({ type: "aws:iam/policyAttachment:PolicyAttachment", name: "admins", props: { name: "admins", roles: ["ci"], users: ["alice"], groups: [], policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } }), [
            "policy attachment admins attaches the AWS managed policy AdministratorAccess, which grants every action on every resource",
        ]);
    });

    it("recognises the ARN in every partition, and only the exact policy names", function () {
        for (const partition of ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]) {
            assert.equal(adminPolicyName(`arn:${partition}:iam::aws:policy/AdministratorAccess`), "AdministratorAccess", partition);
        }
        // Look-alikes: a customer-managed policy of the same name, other managed policies, job-function paths.
        assert.equal(adminPolicyName("arn:aws:iam::123456789012:policy/AdministratorAccess"), undefined);
        assert.equal(adminPolicyName("arn:aws:iam::aws:policy/AdministratorAccess-Amplify"), undefined);
        assert.equal(adminPolicyName("arn:aws:iam::aws:policy/job-function/SystemAdministrator"), undefined);
        assert.equal(adminPolicyName("arn:aws:iam::aws:policy/toString"), undefined);
        assert.equal(adminPolicyName(42), undefined);
    });

    it("flags the exclusive attachment resources and Role.managedPolicyArns, one finding per administrator policy", function () {
        assert.deepEqual(messages({
            type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            name: "ci-policies",
            props: { roleName: "ci", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::aws:policy/IAMFullAccess"] },
        }), ["role policy attachments ci-policies attaches the AWS managed policy IAMFullAccess, which grants all of IAM, enough to grant itself any other permission"]);
        for (const [type, target] of [["aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", "userName"], ["aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", "groupName"]]) {
            assert.equal(messages({ type, name: "x", props: { [target]: "x", policyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] } }).length, 1, type);
        }
        assert.deepEqual(messages(role({ managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/PowerUserAccess"] })), [
            "role ci (managedPolicyArns) attaches the AWS managed policy AdministratorAccess, which grants every action on every resource",
            "role ci (managedPolicyArns) attaches the AWS managed policy PowerUserAccess, which grants every action except IAM and Organizations management",
        ]);
    });

    it("flags inline and customer-managed documents that allow * or iam:* on every resource, with or without a condition", function () {
        assert.deepEqual(messages(role({ inlinePolicies: [{ name: "everything", policy: document({ Effect: "Allow", Action: "*", Resource: "*" }) }] })), [
            "role ci inline policy everything statement 0 allows every action on every resource: administrator access",
        ]);
        assert.deepEqual(messages({ type: "aws:iam/userPolicy:UserPolicy", name: "alice", props: { user: "alice", policy: document({ Sid: "Iam", Effect: "Allow", Action: ["s3:GetObject", "IAM:*"], Resource: ["*"] }) } }), [
            "user policy alice statement Iam allows iam:* on every resource, enough to grant itself any other permission",
        ]);
        const withMfa = document({ Effect: "Allow", Action: "*:*", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } });
        assert.deepEqual(messages({ type: "aws:iam/policy:Policy", name: "breakglass", props: { policy: withMfa } }), ["IAM policy breakglass statement 0 allows every action on every resource: administrator access"]);
        assert.deepEqual(messages({ type: "aws:iam/groupPolicy:GroupPolicy", name: "ops", props: { group: "ops", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } } }).length, 1);
    });

    it("passes look-alikes: * on one resource, a Deny of everything, named actions on *", function () {
        const clean = [
            document({ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::platform-prod-uploads/*" }),
            document({ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            document({ Effect: "Allow", Action: ["ec2:DescribeInstances", "iam:GetRole"], Resource: "*" }),
            document({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }),
        ];
        for (const policy of clean) assert.deepEqual(messages({ type: "aws:iam/rolePolicy:RolePolicy", name: "api", props: { role: "api", policy } }), [], policy);
    });

    it("leaves unreadable documents to no-wildcard-iam-actions, and never throws on them", function () {
        const broken = ['{"Version": "2012-10-17", "Statement": [', `{"Statement": ${"[".repeat(50_000)}`, " ".repeat(MAX_POLICY_DOCUMENT_CHARS + 1), "null"];
        for (const policy of broken) assert.deepEqual(checkResource(noAdminPolicies, { type: "aws:iam/policy:Policy", props: { policy } }), []);
    });

    it("reports the advisory can't-run result for an ARN unknown during preview", function () {
        const [outcome] = checkResource(noAdminPolicies, attachment(UNKNOWN));
        assert.equal(outcome.kind, "unknown");
        assert.equal(outcome.message, `can't run policy 'no-admin-policies' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .policyArn can't be known during preview`);
    });

    it("honours an exemption with reason and expiry", function () {
        const exempt = role({ managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"], tags: { ...TAGS, "policy.platform/exempt-no-admin-policies": "2026-12-31 bootstrap role, removed after the account move, SEC-201" } });
        const [outcome] = checkResource(noAdminPolicies, exempt);
        assert.equal(outcome.kind, "exempted");
    });

    it("is critical, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(noAdminPolicies, [attachment("arn:aws:iam::aws:policy/AdministratorAccess")]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
