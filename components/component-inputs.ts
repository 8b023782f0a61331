import * as pulumi from "@pulumi/pulumi";

/**
 * A GCP component's args as the inputs it records in state: without `apis`, the resources its children wait
 * for. They are an ordering, not a setting; recorded, every component would carry a reference to each of the
 * project's APIs, and every reader of the state (a render, a policy, an audit) would rebuild them all.
 */
export function recordedInputs<T extends { readonly apis: readonly pulumi.Resource[] }>(args: T): Omit<T, "apis"> {
    const { apis: _apis, ...inputs } = args;
    return inputs;
}
