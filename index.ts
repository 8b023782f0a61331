import * as path from "path";
import { LocalEnvironment } from "./components/local/environment";
import { Platform } from "./components/platform";
import { loadPlatformConfig } from "./config/load";
import { platformName } from "./components/secrets/platform-secrets";

// Validate the whole stack configuration before any resource exists.
const config = loadPlatformConfig();
const name = platformName(config.project, config.stack);
// The local tier runs on a developer's Docker (components/local), every other tier in the cloud.
const local = config.tier === "local"
    ? new LocalEnvironment(name, {
        environment: { project: config.project, stack: config.stack, tier: config.tier, costCentre: config.costCentre },
        services: config.services,
        projectRoot: path.resolve(__dirname),
        release: config.release,
        topics: config.messaging.topics,
        maxReceiveCount: config.messaging.maxReceiveCount,
        region: config.region,
    })
    : undefined;
// Each kind of environment exports its own outputs (an undefined output would only be warned about). Marked as an
// ES module's exports (non-enumerable, so no output), so that importing the program yields these outputs and no
// `default` beside them, as requiring it does in `pulumi up`.
export = Object.defineProperty(local
    ? {
        tier: config.tier,
        /** What to open on the laptop: Grafana, the mail catcher, the S3 console, the services. */
        localEndpoints: local.endpoints,
    }
    : cloudOutputs(new Platform(name, { config })), "__esModule", { value: true });

function cloudOutputs(platform: Platform) {
    return {
        tier: config.tier,
        registryUrls: platform.registryUrls,
        clusterName: platform.clusterName,
        kubeconfig: platform.kubeconfig,
        postgresEndpoint: platform.postgresEndpoint,
        redisEndpoint: platform.redisEndpoint,
        secretArns: platform.secretArns,
        alertTopicArn: platform.alertDestination,
        /** The running image of each service, by digest: roll back by putting a previous value in the stack config. */
        serviceImages: platform.serviceImages,
    };
}
