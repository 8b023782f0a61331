import { describeThroughEngine } from "../support/engine-program";

describeThroughEngine("gcp-prod");
