import { describeThroughEngine } from "../support/engine-program";

describeThroughEngine("prod");
