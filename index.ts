import { Platform } from "./components/platform";
import { loadPlatformConfig } from "./config/load";

// Validate the whole stack configuration before any resource exists.
const config = loadPlatformConfig();
const platform = new Platform(`${config.project}-${config.stack}`, { config });

export const tier = config.tier;
export const registryUrls = platform.registryUrls;
export const clusterName = platform.clusterName;
export const kubeconfig = platform.kubeconfig;
export const postgresEndpoint = platform.postgresEndpoint;
export const redisEndpoint = platform.redisEndpoint;
export const secretArns = platform.secretArns;
export const alertTopicArn = platform.alertDestination;
/** The running image of each service, by digest: roll back by putting a previous value in the stack config. */
export const serviceImages = platform.serviceImages;
