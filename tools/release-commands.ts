import { predeployCommand } from "./predeploy";
import { promoteCommand } from "./promote";
import { smokeCommand } from "./smoke";

/** The release commands beside `plan` and `audit`; each parses its own options and has its own --help. */
export const RELEASE_COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
    predeploy: predeployCommand,
    promote: promoteCommand,
    smoke: smokeCommand,
};
