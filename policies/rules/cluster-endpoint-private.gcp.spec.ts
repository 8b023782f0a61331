import { strict as assert } from "assert";
import { gkeCluster } from "../test-support/gcp-fixtures";
import { checkResource, HarnessOptions, TestResource, UNKNOWN, violationMessages, verdictsOn } from "../test-support/policy-harness";
import { clusterEndpointPrivate } from "./cluster-endpoint-private";

const messages = (resource: TestResource, options?: HarnessOptions): string[] => violationMessages(checkResource(clusterEndpointPrivate, resource, options));
const nodePool = (networkConfig?: Record<string, unknown>): TestResource => ({
    type: "gcp:container/nodePool:NodePool",
    name: "general",
    props: { cluster: "platform-prod", location: "europe-west1", autoscaling: { minNodeCount: 1, maxNodeCount: 3 }, nodeConfig: { machineType: "e2-standard-4" }, ...(networkConfig ? { networkConfig } : {}) },
});

describe("policy cluster-endpoint-private on GKE", function () {
    it("passes a private cluster: private endpoint, private nodes, authorized networks inside the VPC", function () {
        assert.deepEqual(messages(gkeCluster()), []);
        assert.deepEqual(messages(gkeCluster({ masterAuthorizedNetworksConfig: undefined, nodePools: [{ name: "general", networkConfig: { enablePrivateNodes: true } }] })), []);
    });

    it("flags nodes with public IP addresses: private nodes off on the cluster, or a node pool that opts out", function () {
        assert.deepEqual(messages(gkeCluster({ privateClusterConfig: { enablePrivateNodes: false } })), ["GKE cluster cluster gives its nodes public IP addresses (privateClusterConfig.enablePrivateNodes is not true)"]);
        assert.deepEqual(messages(gkeCluster({ nodePools: [{ name: "general" }, { name: "gpu", networkConfig: { enablePrivateNodes: false } }] })), [
            "GKE cluster cluster nodePools[1] gives its nodes public IP addresses (networkConfig.enablePrivateNodes is false)",
        ]);
        assert.deepEqual(messages(nodePool({ enablePrivateNodes: false })), ["GKE node pool general gives its nodes public IP addresses (networkConfig.enablePrivateNodes is false)"]);
    });

    it("passes a node pool that keeps the cluster's private nodes", function () {
        assert.deepEqual(messages(nodePool()), []);
        assert.deepEqual(messages(nodePool({ enablePrivateNodes: true, createPodRange: false })), []);
    });

    it("flags master authorized networks open to every address or to every Google Cloud public IP", function () {
        assert.deepEqual(messages(gkeCluster({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "10.30.0.0/16" }, { cidrBlock: "0.0.0.0/0", displayName: "anyone" }], gcpPublicCidrsAccessEnabled: true } })), [
            "GKE cluster cluster authorizes every address to reach its API endpoint (masterAuthorizedNetworksConfig.cidrBlocks[1] is 0.0.0.0/0)",
            "GKE cluster cluster authorizes every Google Cloud public IP address to reach its API endpoint (masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled is true)",
        ]);
        // A /0 is every address however it is spelt; a /10 is a network.
        assert.deepEqual(messages(gkeCluster({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: " ::/00 " }] } })), [
            "GKE cluster cluster authorizes every address to reach its API endpoint (masterAuthorizedNetworksConfig.cidrBlocks[0] is ::/00)",
        ]);
        assert.deepEqual(messages(gkeCluster({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "100.64.0.0/10" }], gcpPublicCidrsAccessEnabled: false } })), []);
    });

    it("evaluates during a preview: an authorized network computed by another resource is no 0.0.0.0/0", function () {
        assert.deepEqual(checkResource(clusterEndpointPrivate, gkeCluster({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: UNKNOWN, displayName: "nodes" }, UNKNOWN] } })), []);
        assert.deepEqual(messages(gkeCluster({ masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: UNKNOWN }, { cidrBlock: "0.0.0.0/0" }] } })), [
            "GKE cluster cluster authorizes every address to reach its API endpoint (masterAuthorizedNetworksConfig.cidrBlocks[1] is 0.0.0.0/0)",
        ]);
    });

    it("reports nothing in dev (master authorized networks keep its public endpoint narrow), mandatory in staging and prod", function () {
        const open = gkeCluster({ privateClusterConfig: { enablePrivateEndpoint: false, enablePrivateNodes: false }, masterAuthorizedNetworksConfig: { cidrBlocks: [{ cidrBlock: "0.0.0.0/0" }] } });
        assert.deepEqual(messages(open, { tier: "dev" }), []);
        assert.deepEqual(messages(nodePool({ enablePrivateNodes: false }), { tier: "dev" }), []);
        assert.deepEqual(verdictsOn(clusterEndpointPrivate, [open, nodePool({ enablePrivateNodes: false })]), { severity: "high", enforcement: { local: "none", dev: "none", staging: "mandatory", prod: "mandatory" }, exemptable: true });
    });
});
