import { strict as assert } from "assert";
import { zoneIdPrefix } from "../engine/mocks";

describe("the runtime mocks", function () {
    it("derive availability-zone ids from the region, as AWS names them", function () {
        assert.deepEqual(
            ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1", "ca-central-1", "us-gov-west-1"].map(zoneIdPrefix),
            ["use1", "euw1", "euc1", "apse2", "apne1", "cac1", "usgw1"],
        );
    });
});
