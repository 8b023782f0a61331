import { strict as assert } from "assert";
import { runTool } from "./support/tools-cli";

/*
 * `build` and `publish` refuse bad input before any docker call, in one line and exit 2, without echoing what
 * they were given; a missing docker client is one line too. Their run on a real daemon and registry is the
 * rehearsal's first step (npm run rehearse).
 */

const DIGEST = `sha256:${"a".repeat(64)}`;
const CANARY = "ghp_CANARYbuild0000000000000000000000000000";

describe("build and publish: bad input", function () {
    this.timeout(60_000);

    const cases: [string, string[], RegExp][] = [
        ["build without a service", ["build"], /^error: --service takes a service name; got nothing/],
        ["build of a service with no Dockerfile", ["build", "--service", "billing"], /^error: no services\/billing\/Dockerfile in /],
        ["build with a token as the commit", ["build", "--service", "api", "--sha", CANARY], /^error: --sha takes a commit sha/],
        ["build with an unpinned base", ["build", "--service", "api", "--sha", "abcdef0", "--base-image", "node:20"], /^error: --base-image takes an image pinned by a sha256 digest/],
        ["build with a control character in the actor", ["build", "--service", "api", "--sha", "abcdef0", "--actor", `x\u001b[2J${CANARY}`], /^error: --actor takes printable text/],
        ["publish with a hostile registry", ["publish", "--service", "api", "--image", "local/api:x", "--sha", "abcdef0", "--registry", `evil.example/${CANARY}`], /^error: --registry takes a registry host\[:port\]/],
        ["publish with a digest as the commit", ["publish", "--service", "api", "--image", "local/api:x", "--sha", DIGEST, "--registry", "127.0.0.1:5000"], /^error: --sha takes a commit sha/],
        ["publish to a stack with a path in its name", ["publish", "--service", "api", "--image", "local/api:x", "--sha", "abcdef0", "--registry", "127.0.0.1:5000", "--stack", "../prod"], /^error: --stack takes a stack name/],
    ];
    for (const [name, args, message] of cases) {
        it(`${name}: exit 2, one line, nothing echoed`, async function () {
            const run = await runTool(args, { env: { PLATFORM_DOCKER: "/nonexistent/docker" } });
            assert.equal(run.status, 2, run.stderr);
            assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
            assert.match(run.stderr, message);
            assert.ok(!run.stderr.includes(CANARY) && !run.stdout.includes(CANARY));
        });
    }

    it("without a docker client: one line naming it, exit 2, no trace", async function () {
        const run = await runTool(["build", "--service", "api", "--sha", "abcdef0", "--date", "2026-12-08T10:00:00Z"], { env: { PLATFORM_DOCKER: "/nonexistent/docker" } });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^building local\/api:abcdef0 from services\/api at abcdef0\.\.\.\nerror: docker: starting \/nonexistent\/docker failed: no docker client on PATH \(or \$PLATFORM_DOCKER\)\n$/);
    });
});
