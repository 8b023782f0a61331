import { strict as assert } from "assert";
import { platformMocks, zoneIdPrefix } from "../engine/mocks";
import { isSecretEnvelope } from "../engine/secrets";

describe("the runtime mocks", function () {
    it("derive availability-zone ids from the region, as AWS names them", function () {
        assert.deepEqual(
            ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1", "ca-central-1", "us-gov-west-1"].map(zoneIdPrefix),
            ["use1", "euw1", "euc1", "apse2", "apne1", "cac1", "usgw1"],
        );
    });
});

describe("the runtime mocks on Google Cloud", function () {
    const mocks = platformMocks("gcp-prod", "europe-west1", "acme-platform-prod");
    const create = (type: string, name: string, inputs: Record<string, unknown>): { id: string; state: Record<string, unknown> } =>
        mocks.newResource({ type, name, inputs, custom: true, provider: "" }) as { id: string; state: Record<string, unknown> };

    it("list a region's zones as Google names them (europe-west1 has no zone a)", function () {
        assert.deepEqual((mocks.call({ token: "gcp:compute/getZones:getZones", inputs: { region: "europe-west1" }, provider: "" }) as { names: string[] }).names, ["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
        assert.deepEqual((mocks.call({ token: "gcp:compute/getZones:getZones", inputs: { region: "us-central1" }, provider: "" }) as { names: string[] }).names, ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"]);
    });

    it("give Cloud SQL and Memorystore addresses inside the private services range reserved before them", function () {
        create("gcp:compute/globalAddress:GlobalAddress", "psa", { name: "platform-gcp-prod-private-services", address: "10.30.32.0", prefixLength: 20 });
        const sql = create("gcp:sql/databaseInstance:DatabaseInstance", "db", { name: "platform-gcp-prod-postgres", region: "europe-west1", settings: { ipConfiguration: { allocatedIpRange: "platform-gcp-prod-private-services" } } });
        assert.equal(sql.state.privateIpAddress, "10.30.32.3");
        assert.equal(sql.state.connectionName, "acme-platform-prod:europe-west1:platform-gcp-prod-postgres");
        const redis = create("gcp:redis/instance:Instance", "redis", { name: "platform-gcp-prod-redis", reservedIpRange: "platform-gcp-prod-private-services" });
        assert.equal(redis.state.host, "10.30.33.4");
        assert.equal(redis.id, "projects/acme-platform-prod/locations/europe-west1/instances/platform-gcp-prod-redis");
        assert.ok(isSecretEnvelope(redis.state.authString), "the AUTH string is a secret, as the provider marks it");
    });

    it("name service agents and self links as Google does", function () {
        const agent = create("gcp:projects/serviceIdentity:ServiceIdentity", "sql", { service: "sqladmin.googleapis.com", project: "acme-platform-prod" });
        assert.match(String(agent.state.email), /^service-\d{12}@gcp-sa-cloud-sql\.iam\.gserviceaccount\.com$/);
        const network = create("gcp:compute/network:Network", "vpc", { name: "platform-gcp-prod-vpc" });
        assert.equal(network.id, "projects/acme-platform-prod/global/networks/platform-gcp-prod-vpc");
        assert.equal(network.state.selfLink, "https://www.googleapis.com/compute/v1/projects/acme-platform-prod/global/networks/platform-gcp-prod-vpc");
    });

    it("refuse a data source they have no answer for, naming it", function () {
        assert.throws(() => mocks.call({ token: "gcp:compute/getNetwork:getNetwork", inputs: {}, provider: "" }), /no offline answer for the data source gcp:compute\/getNetwork:getNetwork/);
    });
});
