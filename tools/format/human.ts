import { PlanResource, StackPlan } from "../plan";
import { Style } from "./style";

function countByType(resources: readonly PlanResource[]): string {
    const counts = new Map<string, number>();
    for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
    return [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([type, count]) => `${count} ${type}`)
        .join(", ");
}

/**
 * The resource tree of one stack: each component with its direct resources counted by type, nested
 * components indented below it.
 */
export function renderResourceTree(plan: StackPlan, style: Style): string[] {
    const children = new Map<string, PlanResource[]>();
    for (const resource of plan.resources) {
        if (!resource.parent) continue;
        const siblings = children.get(resource.parent) ?? [];
        siblings.push(resource);
        children.set(resource.parent, siblings);
    }
    const descendants = (urn: string): number =>
        (children.get(urn) ?? []).reduce((total, child) => total + 1 + descendants(child.urn), 0);

    const lines: string[] = [];
    const walk = (component: PlanResource, depth: number): void => {
        const indent = "  ".repeat(depth);
        const own = children.get(component.urn) ?? [];
        const leaves = own.filter((resource) => resource.custom || (children.get(resource.urn) ?? []).length === 0);
        const components = own.filter((resource) => !leaves.includes(resource));
        lines.push(`${indent}${style.bold(component.type)} ${component.name} ${style.dim(`(${descendants(component.urn)} resources)`)}`);
        if (leaves.length > 0) lines.push(`${indent}  ${style.dim(countByType(leaves))}`);
        for (const child of components) walk(child, depth + 1);
    };
    for (const root of plan.resources.filter((resource) => !resource.parent)) walk(root, 1);
    return lines;
}

export function formatPlanHuman(plans: readonly StackPlan[], style: Style): string {
    const lines: string[] = [];
    for (const plan of plans) {
        lines.push(style.bold(`Stack ${plan.stack}`));
        if (plan.error) {
            lines.push(style.red(`  cannot render: ${plan.error.replace(/\n/g, "\n  ")}`), "");
            continue;
        }
        lines.push(...renderResourceTree(plan, style));
        const custom = plan.resources.filter((resource) => resource.custom).length;
        lines.push(`  ${plan.resources.length} resources to create (${custom} cloud resources and providers, ${plan.resources.length - custom} components), rendered in ${Math.round(plan.durationMs)} ms`, "");
    }
    const failed = plans.filter((plan) => plan.error);
    const total = plans.reduce((sum, plan) => sum + plan.resources.length, 0);
    const summary = `${plans.length} stack${plans.length === 1 ? "" : "s"}, ${total} resources; ${failed.length === 0 ? "all rendered" : `${failed.length} failed to render (${failed.map((plan) => plan.stack).join(", ")})`}`;
    lines.push(failed.length === 0 ? style.green(summary) : style.red(summary));
    return lines.join("\n");
}
