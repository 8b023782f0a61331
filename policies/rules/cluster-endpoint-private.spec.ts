import { strict as assert } from "assert";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { PACK_NAME, PACK_VERSION } from "../lib/pack-info";
import { clusterEndpointPrivate } from "./cluster-endpoint-private";

const SUBNETS = ["subnet-c74bbbb8864db8d5d", "subnet-181a33637bdb9b4fd", "subnet-12d380a77b1a71c60"];

// As components/cluster/aws.ts renders it with endpointAccess "private" (staging, prod).
const eks = (vpcConfig: Record<string, unknown> = { subnetIds: SUBNETS, endpointPrivateAccess: true, endpointPublicAccess: false }): TestResource => ({
    type: "aws:eks/cluster:Cluster",
    name: "eks",
    props: { name: "platform-prod-eks", version: "1.32", vpcConfig, tags: { environment: "prod", project: "platform" } },
});
const gke = (privateClusterConfig?: Record<string, unknown>): TestResource => ({
    type: "gcp:container/cluster:Cluster",
    name: "gke",
    props: { name: "platform-prod-gke", location: "europe-west1", ...(privateClusterConfig ? { privateClusterConfig } : {}) },
});

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(clusterEndpointPrivate, resource, options));

describe("policy cluster-endpoint-private", function () {
    it("passes a private EKS endpoint as components/cluster/aws.ts renders it, and a GKE private endpoint", function () {
        assert.deepEqual(checkResource(clusterEndpointPrivate, eks()), []);
        assert.deepEqual(checkResource(clusterEndpointPrivate, gke({ enablePrivateEndpoint: true, enablePrivateNodes: true, masterIpv4CidrBlock: "172.16.0.0/28" })), []);
    });

    it("flags a public EKS endpoint, explicit or by the AWS default", function () {
        // The dev tier's "public-and-private" access, deployed to staging.
        assert.deepEqual(messages(eks({ subnetIds: SUBNETS, endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }), { tier: "staging" }), [
            "EKS cluster eks exposes its API endpoint to the internet (vpcConfig.endpointPublicAccess is true)",
        ]);
        assert.deepEqual(messages(eks({ subnetIds: SUBNETS })), [
            "EKS cluster eks exposes its API endpoint to the internet (vpcConfig.endpointPublicAccess is unset, which AWS treats as true)",
        ]);
    });

    it("flags a GKE cluster without a private endpoint", function () {
        const expected = ["GKE cluster gke exposes its API endpoint to the internet (privateClusterConfig.enablePrivateEndpoint is not true)"];
        assert.deepEqual(messages(gke()), [...expected, "GKE cluster gke gives its nodes public IP addresses (privateClusterConfig.enablePrivateNodes is not true)"]);
        assert.deepEqual(messages(gke({ enablePrivateNodes: true, enablePrivateEndpoint: false })), expected);
    });

    it("reports nothing in dev, where it is advisory", function () {
        assert.deepEqual(checkResource(clusterEndpointPrivate, eks({ subnetIds: SUBNETS, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }), { tier: "dev" }), []);
        assert.deepEqual(checkResource(clusterEndpointPrivate, gke(), { tier: "dev" }), []);
        assert.deepEqual(verdictsOn(clusterEndpointPrivate, [eks({ subnetIds: SUBNETS, endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] })]), { severity: "high", enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });

    it("ignores other resource types", function () {
        assert.deepEqual(checkResource(clusterEndpointPrivate, { type: "aws:eks/nodeGroup:NodeGroup", props: { vpcConfig: { endpointPublicAccess: true } } }), []);
    });

    it("reports the advisory can't-run result for a value unknown during preview", function () {
        const outcomes = checkResource(clusterEndpointPrivate, eks({ subnetIds: SUBNETS, endpointPublicAccess: UNKNOWN }));
        assert.equal(outcomes.length, 1);
        assert.equal(outcomes[0].kind, "unknown");
        assert.equal(
            outcomes[0].message,
            `can't run policy 'cluster-endpoint-private' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: string value at .vpcConfig.endpointPublicAccess can't be known during preview`,
        );
    });

    it("honours an exemption with reason and expiry", function () {
        const resource = eks({ subnetIds: SUBNETS, endpointPublicAccess: true });
        const marked: TestResource = { ...resource, props: { ...resource.props, tags: { "policy.platform/exempt-cluster-endpoint-private": "2026-12-31 CI runners move into the VPC in PLAT-1203" } } };
        const [outcome] = checkResource(clusterEndpointPrivate, marked, { tier: "staging" });
        assert.equal(outcome.kind, "exempted");
    });

    it("is high severity and exemptable", function () {
    });
});
