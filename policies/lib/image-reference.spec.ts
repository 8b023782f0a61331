import { strict as assert } from "assert";
import { parseAll } from "@swimlane/docker-reference";
import { imagePinning, ImagePinning, parseImageReference, quoteReference, REFERENCE_MAX_LENGTH } from "./image-reference";

const HEX64 = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
const F64 = "f".repeat(64);

/** What a parse says, in one comparable line: `invalid`, `id <digest>` or `<domain> <repository> <tag> <digest>`. */
function summary(text: string): string {
    const parsed = parseImageReference(text);
    if (!parsed.ok) return "invalid";
    if ("imageId" in parsed) return `id ${parsed.imageId}`;
    const { domain, repository, tag, digest } = parsed.reference;
    return `${domain} ${repository} ${tag ?? "-"} ${digest ?? "-"}`;
}

/** The same line from @swimlane/docker-reference, the parser this one replaces (a dev dependency, kept as the oracle). */
function librarySummary(text: string): string {
    try {
        const reference = parseAll(text);
        if (reference.type === "digest") return `id ${reference.digest}`;
        return `${reference.domain} ${reference.repository} ${reference.tag ?? "-"} ${reference.digest ?? "-"}`;
    } catch {
        return "invalid";
    }
}

/** Median milliseconds per call of `parse` over `texts`, repeated until the sample is long enough to time. */
function msPerCall(parse: (text: string) => unknown, texts: readonly string[], rounds = 7): number {
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
        const started = process.hrtime.bigint();
        for (const text of texts) parse(text);
        samples.push(Number(process.hrtime.bigint() - started) / 1e6 / texts.length);
    }
    return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)];
}

/** Deterministic pseudo-random numbers (mulberry32), so that a failing case can be replayed. */
function random(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state + 0x6d2b79f5) | 0;
        let value = Math.imul(state ^ (state >>> 15), 1 | state);
        value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
        return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
}

describe("image references", function () {
    describe("the grammar @swimlane/docker-reference implemented, kept", function () {
        // The library's own test vectors (tests/*.spec.ts of @swimlane/docker-reference 2.0.1), through parseAll.
        const cases: readonly (readonly [string, string])[] = [
            ["redis", "docker.io library/redis - -"],
            ["redis:latest", "docker.io library/redis latest -"],
            ["docker.io/library/redis:latest", "docker.io library/redis latest -"],
            [`redis@sha256:${HEX64}`, `docker.io library/redis - sha256:${HEX64}`],
            ["dmcgowan/myapp:latest", "docker.io dmcgowan/myapp latest -"],
            [HEX64, `id sha256:${HEX64}`],
            [`sha256:${HEX64}`, `id sha256:${HEX64}`],
            [HEX64.slice(0, 63), `docker.io library/${HEX64.slice(0, 63)} - -`],
            ["index.docker.io/debian", "docker.io library/debian - -"],
            ["index.docker.io/docker/docker", "docker.io docker/docker - -"],
            ["127.0.0.1:5000/library/debian", "127.0.0.1:5000 library/debian - -"],
            ["thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev - -"],
            ["test.com:5000/repo", "test.com:5000 repo - -"],
            ["test:5000/repo:tag", "test:5000 repo tag -"],
            [`test:5000/repo:tag@sha256:${F64}`, `test:5000 repo tag sha256:${F64}`],
            ["lowercase:Uppercase", "docker.io library/lowercase Uppercase -"],
            ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com bar/baz/quux some-long-tag -"],
            ["b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io test.example.com/my-app test.example.com -"],
            [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${"f".repeat(128)}`, `xn--7o8h.com myimage xn--7o8h.com sha512:${"f".repeat(128)}`],
            ["foo_bar.com:8080", "docker.io library/foo_bar.com 8080 -"],
            ["localhost/app", "localhost app - -"],
            ["a-b--c___d/e", "invalid"],
            ["https://github.com/docker/docker", "invalid"],
            ["docker/Docker", "invalid"],
            ["-docker", "invalid"],
            ["docker///docker", "invalid"],
            [":justtag", "invalid"],
            [`@sha256:${F64}`, "invalid"],
            [`repo@sha256:${"f".repeat(34)}`, "invalid"],
            [`validname@invaliddigest:${F64}`, "invalid"],
            ["Uppercase:tag", "invalid"],
            [`${new Array(129).fill("a").join("/")}:tag`, "invalid"],
            ["aa/asdf$$^/aa", "invalid"],
        ];
        for (const [text, expected] of cases) {
            it(`${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} -> ${expected.length > 60 ? `${expected.slice(0, 60)}…` : expected}`, function () {
                assert.equal(summary(text), expected);
                assert.equal(librarySummary(text), expected);
            });
        }

        it("agrees with the library on thousands of generated references and near-misses (short enough for the library to answer)", function () {
            const next = random(20261202);
            const tokens = ["a", "b", "z", "0", "7", "A", ".", "-", "--", "_", "__", "/", "/", "/", ":", ":", "@", "x.io", "docker.io/", ":5000/", "v1"];
            const digests = [`@sha256:${HEX64}`, `@sha256:${HEX64.slice(1)}`, `@sha256:${HEX64.toUpperCase()}`, `@sha512:${"e".repeat(128)}`, `@md5:${"e".repeat(32)}`, "@sha256:3f9a1c", "@"];
            const disagreements: string[] = [];
            for (let index = 0; index < 4000; index++) {
                let text = "";
                const length = 1 + Math.floor(next() * 7);
                for (let token = 0; token < length; token++) text += tokens[Math.floor(next() * tokens.length)];
                // The library is exponential in the length of a name that fails: keep names short enough for it.
                if (text.length > 10) continue;
                if (next() < 0.3) text += digests[Math.floor(next() * digests.length)];
                if (summary(text) !== librarySummary(text)) disagreements.push(`${JSON.stringify(text)}: ${summary(text)} != ${librarySummary(text)}`);
            }
            assert.deepEqual(disagreements, []);
        });
    });

    describe("pinning", function () {
        const kinds = (texts: readonly string[]): ImagePinning["kind"][] => texts.map((text) => imagePinning(text).kind);

        it("tells pinned, unpinned, weak digests, image IDs and invalid references apart", function () {
            assert.deepEqual(kinds([`ghcr.io/acme/api:1.4.2@sha256:${HEX64}`, "nginx:1.27", `nginx@sha512:${"a".repeat(128)}`, `nginx@sha256:${HEX64.toUpperCase()}`, HEX64, "nginx:"]), [
                "pinned",
                "unpinned",
                "weak-digest",
                "weak-digest",
                "image-id",
                "invalid",
            ]);
        });

        it("says why a reference is invalid, without repeating it", function () {
            const problem = (text: string): string => {
                const pinning = imagePinning(text);
                return pinning.kind === "invalid" ? pinning.problem : pinning.kind;
            };
            assert.equal(problem("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:"), "invalid reference format: empty tag");
            assert.equal(problem("ghcr.io/acme/api@sha256:3f9a1c"), "invalid reference format: the digest is not <algorithm>:<32 or more hex digits>");
            assert.equal(problem(`nginx@sha256:${"a".repeat(63)}`), "invalid checksum digest length");
            assert.equal(problem(`nginx@sha1:${"a".repeat(40)}`), "unsupported digest algorithm");
            assert.equal(problem("Nginx:1.27"), "invalid reference format: repository name must be lowercase");
            assert.equal(problem(""), "repository name must have at least one component");
            assert.equal(problem("a".repeat(100_000)), `longer than any valid reference (100000 characters; at most ${REFERENCE_MAX_LENGTH})`);
        });

        it("quotes a long reference cut short, with its length", function () {
            assert.equal(quoteReference("nginx:1.27"), '"nginx:1.27"');
            assert.equal(quoteReference(`${"a".repeat(300)}:`), `"${"a".repeat(160)}…" (301 characters)`);
        });
    });

    describe("time: invalid references of realistic length are answered as fast as valid ones", function () {
        // The library backtracks exponentially on these (measured: > 120 s each for the registry hosts below,
        // 37 s for `abcdefghijklmnop:`); the parser here is linear. Times are compared with a baseline measured
        // here, on valid references of the same lengths, never with a wall-clock limit.
        const valid = [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:v1",
            `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service@sha256:${HEX64}`,
            "registry.example.com/platform/checkout-service:2.4.1",
            "abcdefghijklmnopqrstuvwx:1",
        ];
        const invalid = [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service:",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/service@sha256:3f9a1c",
            "registry.example.com/platform/checkout-service:",
            "abcdefghijklmnopqrstuvwx:",
            `${"a".repeat(250)}:`,
            `${"a".repeat(200)}@sha256:${"3f9a1c".repeat(5)}`,
            `${"a/".repeat(120)}b:`,
            `${"a-".repeat(120)}:`,
        ];

        it("answers each as a violation, in about the time of a valid reference", function () {
            for (const text of invalid) assert.equal(imagePinning(text).kind, "invalid", text);
            const baseline = msPerCall(imagePinning, valid);
            const pathological = msPerCall(imagePinning, invalid);
            console.log(`      valid ${(baseline * 1000).toFixed(1)} µs per call, invalid ${(pathological * 1000).toFixed(1)} µs per call`);
            assert.ok(pathological < baseline * 20, `invalid references take ${pathological} ms per call, valid ones ${baseline} ms`);
        });

        it("would have caught the library: the same measure on it is far above its own baseline", function () {
            // 10 letters keep the library's blow-up to tens of milliseconds.
            const baseline = msPerCall((text) => librarySummary(text), ["abcdefghij:1"], 3);
            const pathological = msPerCall((text) => librarySummary(text), ["abcdefghij:"], 3);
            assert.ok(pathological > baseline * 20, `library: ${pathological} ms invalid vs ${baseline} ms valid`);
            assert.ok(msPerCall(imagePinning, ["abcdefghij:"]) < msPerCall(imagePinning, ["abcdefghij:1"]) * 20);
        });

        it("stays linear up to the cap and answers longer text without scanning it", function () {
            const perCharacter = (length: number): number => msPerCall(imagePinning, [`${"a".repeat(length)}:`]) / length;
            assert.ok(perCharacter(REFERENCE_MAX_LENGTH - 1) < perCharacter(64) * 20);
            assert.ok(msPerCall(imagePinning, ["a".repeat(1_000_000)]) < msPerCall(imagePinning, [valid[0]]) * 20);
        });
    });
});
