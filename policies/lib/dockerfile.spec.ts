import { strict as assert } from "assert";
import * as path from "path";
import { projectDirectory, pulledImages } from "./dockerfile";

const images = (text: string, buildArgs: Record<string, string> = {}) =>
    pulledImages(text, new Map(Object.entries(buildArgs))).map((image) => `${image.line} ${image.instruction} ${image.kind} ${image.reference ?? image.written}`);

describe("Dockerfile images", function () {
    it("reads FROM, COPY --from and RUN --mount from=, with stages, scratch and stage indexes", function () {
        const text = ["FROM golang:1.23 AS build", "FROM scratch", "COPY --from=build /app /app", "COPY --from=0 /x /x", "COPY --from=alpine:3.20 /etc/ssl /etc/ssl", "RUN --mount=type=cache,target=/root --mount=from=busybox,target=/b true"].join("\n");
        assert.deepEqual(images(text), ["1 FROM image golang:1.23", "2 FROM scratch scratch", "3 COPY --from stage build", "4 COPY --from stage 0", "5 COPY --from image alpine:3.20", "6 RUN --mount from image busybox"]);
    });

    it("joins continuation lines (with the escape directive's character) and skips comments and heredoc bodies", function () {
        const backtick = ["# escape=`", "FROM `", "  # a comment inside the instruction", "  mcr.microsoft.com/windows/nanoserver:ltsc2022"].join("\r\n");
        assert.deepEqual(images(backtick), ["2 FROM image mcr.microsoft.com/windows/nanoserver:ltsc2022"]);
        const heredoc = ["FROM alpine:3.20", "RUN <<-EOT bash", "\tFROM nginx:latest", "\tEOT", "COPY <<A <<B /dst/", "FROM a:1", "A", "FROM b:1", "B", "FROM debian:12"].join("\n");
        assert.deepEqual(images(heredoc), ["1 FROM image alpine:3.20", "10 FROM image debian:12"]);
    });

    it("substitutes ARGs declared before the first FROM, overridden by build args only when declared", function () {
        const text = ["ARG REGISTRY=docker.io", "ARG TAG", "FROM ${REGISTRY}/library/node:${TAG:-20-alpine}", "FROM $UNDECLARED", "ARG LATE=x", "FROM ${LATE}"].join("\n");
        assert.deepEqual(images(text), ["3 FROM image docker.io/library/node:20-alpine", "4 FROM unresolved $UNDECLARED", "6 FROM unresolved ${LATE}"]);
        assert.deepEqual(images(text, { TAG: "22", UNDECLARED: "evil", LATE: "y" }).slice(0, 2), ["3 FROM image docker.io/library/node:22", "4 FROM unresolved $UNDECLARED"]);
    });

    it("reads a large generated Dockerfile in time proportional to its size", function () {
        // The fastest of five runs per size, and wide room for a busy machine (another spec worker, garbage
        // collection): linear is 32x here, quadratic 1024x; the bound sits between them at 256x.
        const time = (lines: number): number => {
            const text = "FROM alpine:3.20 AS s\nRUN <<EOF\nx\nEOF\n".repeat(lines);
            return Math.min(
                ...[0, 1, 2, 3, 4].map(() => {
                    const started = process.hrtime.bigint();
                    pulledImages(text, new Map());
                    return Number(process.hrtime.bigint() - started) / 1e6;
                }),
            );
        };
        time(500);
        const small = time(1000);
        const large = time(32000);
        assert.ok(large < small * 32 * 8 + 25, `32x the lines: ${small.toFixed(2)} ms -> ${large.toFixed(2)} ms, not about 32x`);
    });

    it("finds the project folder from the pack's folder, as the CLI runs the pack", function () {
        const project = path.resolve(__dirname, "..", "..");
        assert.equal(projectDirectory(path.join(project, "policies")), project);
        assert.equal(projectDirectory(project), project);
    });
});
