import { strict as assert } from "assert";
import { checkResource, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { MAX_POLICY_DOCUMENT_CHARS } from "../lib/iam-documents";
import { noWildcardIamActions } from "./no-wildcard-iam-actions";

const BUCKET = "arn:aws:s3:::platform-prod-uploads";
const document = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const READ_UPLOADS = { Sid: "ReadUploads", Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [BUCKET, `${BUCKET}/*`] };

const policy = (policyDocument: unknown, type = "aws:iam/policy:Policy", name = "uploads"): TestResource => ({ type, name, props: { name: "platform-prod-uploads", policy: policyDocument } });
// A role as components/cluster/aws.ts renders it: a trust policy, here with an inline policy besides.
const role = (inlinePolicies: Record<string, unknown>[]): TestResource => ({
    type: "aws:iam/role:Role",
    name: "api",
    props: {
        assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }),
        inlinePolicies,
        tags: { environment: "prod", project: "platform" },
    },
});

const messages = (resource: TestResource): string[] => violationMessages(checkResource(noWildcardIamActions, resource));

describe("policy no-wildcard-iam-actions", function () {
    it("passes policies that name their actions, on every policy resource type, and the cluster's roles", function () {
        for (const type of ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]) {
            assert.deepEqual(checkResource(noWildcardIamActions, policy(document(READ_UPLOADS), type)), [], type);
        }
        // Partial wildcards name a family of actions and pass.
        assert.deepEqual(messages(policy(document({ Effect: "Allow", Action: "s3:Get*", Resource: "*" }))), []);
        assert.deepEqual(messages(role([{ name: "uploads", policy: document(READ_UPLOADS) }])), []);
        // A role with a trust policy only, as components/cluster/aws.ts renders them; trust policies are out of scope.
        assert.deepEqual(messages({ type: "aws:iam/role:Role", name: "nodes", props: { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }) } }), []);
        assert.deepEqual(messages({ type: "aws:iam/role:Role", name: "nodes", props: { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:*" }) } }), []);
    });

    it("flags * and <service>:* in an Allow statement, as a string or in a list, in any case", function () {
        assert.deepEqual(messages(policy(document({ Effect: "Allow", Action: "*", Resource: "*" }))), ["IAM policy uploads statement 0 allows wildcard actions *"]);
        assert.deepEqual(messages(policy(document(READ_UPLOADS, { Sid: "Admin", Effect: "Allow", Action: ["s3:GetObject", "S3:*", "iam:*"], Resource: "*" }))), [
            "IAM policy uploads statement Admin allows wildcard actions S3:*, iam:*",
        ]);
        assert.deepEqual(messages(policy(document({ Effect: "allow", Action: "DynamoDB:*", Resource: "*" }), "aws:iam/rolePolicy:RolePolicy", "api-dynamo")), [
            "role policy api-dynamo statement 0 allows wildcard actions DynamoDB:*",
        ]);
        // A single statement object instead of a list.
        assert.deepEqual(messages(policy(JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "*", Resource: "*" } }), "aws:iam/userPolicy:UserPolicy", "ci")), [
            "user policy ci statement 0 allows wildcard actions *",
        ]);
    });

    it("passes wildcards in Deny statements", function () {
        assert.deepEqual(messages(policy(document(READ_UPLOADS, { Sid: "NoIam", Effect: "Deny", Action: "iam:*", Resource: "*" }))), []);
    });

    it("flags Allow with NotAction, whatever it lists", function () {
        assert.deepEqual(messages(policy(document({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }), "aws:iam/groupPolicy:GroupPolicy", "developers")), [
            "group policy developers statement 0 combines Allow with NotAction (iam:*, organizations:*), which grants every action not listed",
        ]);
        assert.deepEqual(messages(policy(document({ Sid: "AllButDelete", Effect: "Allow", NotAction: "s3:DeleteBucket", Resource: BUCKET }))), [
            "IAM policy uploads statement AllButDelete combines Allow with NotAction (s3:DeleteBucket), which grants every action not listed",
        ]);
        assert.deepEqual(messages(policy(document({ Effect: "Deny", NotAction: "s3:GetObject", Resource: BUCKET }))), []);
    });

    it("checks each inline policy of a role and names it", function () {
        assert.deepEqual(messages(role([{ name: "uploads", policy: document(READ_UPLOADS) }, { name: "admin", policy: document({ Effect: "Allow", Action: "*", Resource: "*" }) }, { policy: document({ Effect: "Allow", Action: "sqs:*", Resource: "*" }) }])), [
            "role api inline policy admin statement 0 allows wildcard actions *",
            "role api inline policy #2 statement 0 allows wildcard actions sqs:*",
        ]);
        // An empty inline policy block is how a role says it has none.
        assert.deepEqual(messages(role([{}])), []);
    });

    it("accepts a policy given as an object (PolicyDocument) as well as a JSON string", function () {
        assert.deepEqual(messages(policy({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:*", Resource: "*" }] })), ["IAM policy uploads statement 0 allows wildcard actions ec2:*"]);
    });

    it("flags a policy document that does not parse, because it cannot be checked", function () {
        assert.deepEqual(messages(policy('{"Version": "2012-10-17", "Statement": [')), ["IAM policy uploads is not a valid JSON policy document, so it cannot be checked for wildcard actions"]);
        assert.deepEqual(messages(policy('"just a string"')), ["IAM policy uploads is not a valid JSON policy document, so it cannot be checked for wildcard actions"]);
        assert.deepEqual(messages(role([{ name: "broken", policy: "{Statement: []}" }])), ["role api inline policy broken is not a valid JSON policy document, so it cannot be checked for wildcard actions"]);
    });

    it("does not parse a document longer than the cap, and reports it instead", function () {
        const padded = document({ Effect: "Allow", Action: "s3:GetObject", Resource: BUCKET }).replace("{", `{"Padding": "${"x".repeat(MAX_POLICY_DOCUMENT_CHARS)}", `);
        assert.deepEqual(messages(policy(padded)), [
            `IAM policy uploads is ${padded.length} characters long, more than the ${MAX_POLICY_DOCUMENT_CHARS} this pack reads (and more than AWS accepts), so it cannot be checked for wildcard actions`,
        ]);
    });

    it("parses at most the cap in all per resource: a role's inline policies past it are reported unread", function () {
        const padded = document({ Effect: "Allow", Action: "s3:GetObject", Resource: BUCKET }).replace("{", `{"Padding": "${"x".repeat(MAX_POLICY_DOCUMENT_CHARS / 2)}", `);
        assert.deepEqual(messages(role([{ name: "a", policy: padded }, { name: "b", policy: document(READ_UPLOADS) }, { name: "c", policy: padded }])), [
            `role api inline policy c comes after ${MAX_POLICY_DOCUMENT_CHARS} characters of this resource's other policy documents, more than this pack reads (and more than AWS accepts), so it cannot be checked for wildcard actions`,
        ]);
    });

    it("leaves managed policy attachments out of scope", function () {
        const attachment: TestResource = { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", props: { role: "api", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } };
        assert.deepEqual(checkResource(noWildcardIamActions, attachment), []);
    });

    it("reports the advisory can't-run result for a policy unknown during preview", function () {
        const expectUnknown = (resource: TestResource, path: string): void => {
            const outcomes = checkResource(noWildcardIamActions, resource);
            assert.equal(outcomes.length, 1);
            assert.equal(outcomes[0].kind, "unknown");
            assert.equal(outcomes[0].message, `can't run policy 'no-wildcard-iam-actions' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .${path} can't be known during preview`);
        };
        expectUnknown(policy(UNKNOWN), "policy");
        expectUnknown(role([{ name: "uploads", policy: UNKNOWN }]), "inlinePolicies.0.policy");
    });

    it("honours an exemption with reason and expiry", function () {
        const resource = policy(document({ Effect: "Allow", Action: "s3:*", Resource: BUCKET }));
        const marked: TestResource = { ...resource, props: { ...resource.props, tags: { "policy.platform/exempt-no-wildcard-iam-actions": "2026-12-31 break-glass bucket admin, reviewed in SEC-140" } } };
        const [outcome] = checkResource(noWildcardIamActions, marked);
        assert.equal(outcome.kind, "exempted");
        assert.equal(outcome.message, "IAM policy uploads statement 0 allows wildcard actions s3:*");
    });

    it("is critical, mandatory in every tier and exemptable", function () {
        assert.deepEqual(verdictsOn(noWildcardIamActions, [policy(document({ Effect: "Allow", Action: "*", Resource: "*" }))]), { severity: "critical", enforcement: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
