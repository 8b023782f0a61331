import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runDocker } from "../tools/docker-cli";
import { scratchDir } from "./support/scratch";
import { runTool } from "./support/tools-cli";

/** A stand-in docker client: a bash script, for what a real one cannot be made to do on demand. */
function stubDocker(script: string): string {
    const file = path.join(scratchDir("platform-docker-stub-"), "docker");
    fs.writeFileSync(file, `#!/usr/bin/env bash\n${script}\n`, { mode: 0o755 });
    return file;
}

/*
 * `build` and `publish` refuse bad input before any docker call, in one line and exit 2, without echoing what
 * they were given; a missing docker client is one line too. Their run on a real daemon and registry is the
 * rehearsal's first step (npm run rehearse).
 */

const DIGEST = `sha256:${"a".repeat(64)}`;
const CANARY = "ghp_CANARYbuild000000000000000000000000x";

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

    it("docker's output reaches stderr a whole line at a time, scrubbed and escaped: a token split across writes is still masked", async function () {
        const token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        const docker = stubDocker(`printf 'token=${token.slice(0, 16)}' >&2; sleep 0.3; printf '${token.slice(16)}\\n\\033[2Jcleared' >&2; exit 1`);
        const run = await runTool(["build", "--service", "api", "--sha", "abcdef0", "--date", "2026-12-08T10:00:00Z"], { env: { PLATFORM_DOCKER: docker } });
        assert.equal(run.status, 2);
        assert.ok(!run.stderr.includes(token.slice(4, 30)), run.stderr);
        assert.ok(!run.stderr.includes("\u001b"), "control characters are escaped");
        assert.match(run.stderr, /\nerror: docker: docker build of local\/api:abcdef0 failed \(exit 1\)/);
    });

    it("a client that leaves a child behind is killed with its whole group at the deadline", async function () {
        const docker = stubDocker("sleep 300; echo never");
        const started = Date.now();
        const previous = process.env.PLATFORM_DOCKER;
        process.env.PLATFORM_DOCKER = docker;
        try {
            const run = await runDocker(["version"], { timeoutMs: 500 });
            assert.notEqual(run.status, 0);
        } finally {
            if (previous === undefined) delete process.env.PLATFORM_DOCKER;
            else process.env.PLATFORM_DOCKER = previous;
        }
        assert.ok(Date.now() - started < 10_000, `returned after ${Date.now() - started} ms`);
    });
});
