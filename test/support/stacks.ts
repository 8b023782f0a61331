import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RenderedResource, RenderedStack, renderStack } from "../../engine/render";
import { unwrapSecrets } from "../../engine/secrets";

export const PROJECT_DIR = path.join(__dirname, "..", "..");

/** Every stack the project has a `Pulumi.<stack>.yaml` for. */
export function stackFileStacks(): string[] {
    return fs.readdirSync(PROJECT_DIR).flatMap((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1] ?? []);
}

const cache = new Map<string, Promise<RenderedStack>>();

/** The real program rendered from the real Pulumi.<stack>.yaml, once per test run. */
export function renderedStack(stack: string): Promise<RenderedStack> {
    let rendered = cache.get(stack);
    if (!rendered) {
        rendered = renderStack({ projectDir: PROJECT_DIR, stack });
        cache.set(stack, rendered);
    }
    return rendered;
}

export function ofType(stack: RenderedStack, type: string): RenderedResource[] {
    return stack.resources.filter((resource) => resource.type === type);
}

/** The single resource of a type; fails loudly when there are none or several. */
export function single(stack: RenderedStack, type: string): RenderedResource {
    const found = ofType(stack, type);
    if (found.length !== 1) throw new Error(`expected one ${type} in ${stack.stack}, found ${found.length}`);
    return found[0];
}

/** Inputs as a policy or a reader sees them: secrets unwrapped. */
export function plainInputs(resource: RenderedResource): Record<string, unknown> {
    return unwrapSecrets(resource.inputs) as Record<string, unknown>;
}

export function childrenOf(stack: RenderedStack, parent: RenderedResource): RenderedResource[] {
    return stack.resources.filter((resource) => resource.parent === parent.urn);
}

/** The one resource of a type whose logical name ends with the suffix. */
export function namedBySuffix(stack: RenderedStack, type: string, suffix: string): RenderedResource {
    const found = ofType(stack, type).filter((resource) => resource.name.endsWith(suffix));
    assert.equal(found.length, 1, `one ${type} named *${suffix} in ${stack.stack}`);
    return found[0];
}

/** The plain (non-secret) env of a service's Deployment container. */
export function deploymentEnv(stack: RenderedStack, service: string): Record<string, unknown> {
    const deployment = ofType(stack, "kubernetes:apps/v1:Deployment").find((resource) => (plainInputs(resource).metadata as Record<string, unknown>).name === service);
    assert.ok(deployment, `${service} Deployment`);
    const spec = plainInputs(deployment).spec as { template: { spec: { containers: { env: { name: string; value?: unknown }[] }[] } } };
    return Object.fromEntries(spec.template.spec.containers[0].env.filter((entry) => entry.value !== undefined).map((entry) => [entry.name, entry.value]));
}
