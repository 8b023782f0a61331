/**
 * The release commands beside `plan` and `audit`; each parses its own options and has its own --help.
 * Loaded on use: a `plan` or `audit` run never loads them.
 */
export const RELEASE_COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    build: (argv) => (require("./build") as typeof import("./build")).buildCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    publish: (argv) => (require("./publish") as typeof import("./publish")).publishCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    "migrations-check": (argv) => (require("./migrations-check") as typeof import("./migrations-check")).migrationsCheckCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    predeploy: (argv) => (require("./predeploy") as typeof import("./predeploy")).predeployCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    promote: (argv) => (require("./promote") as typeof import("./promote")).promoteCommand(argv),
    "release-notes": (argv) => (require("./release-notes") as typeof import("./release-notes")).releaseNotesCommand(argv), // eslint-disable-line @typescript-eslint/no-require-imports
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    record: (argv) => (require("./record") as typeof import("./record")).recordCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    rotate: (argv) => (require("./rotate") as typeof import("./rotate")).rotateCommand(argv),
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    smoke: (argv) => (require("./smoke") as typeof import("./smoke")).smokeCommand(argv),
};
