import { Cloud } from "../../config/schema";
import { awsEnvironment } from "./aws";
import { gcpEnvironment } from "./gcp";
import { CloudFactory } from "./types";

/** The one place that picks a cloud's implementations; adding a cloud is adding a folder of them and a line here. */
export const CLOUD_FACTORIES: Readonly<Record<Cloud, CloudFactory>> = {
    aws: awsEnvironment,
    gcp: gcpEnvironment,
};
