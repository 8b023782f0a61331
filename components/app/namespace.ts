import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesLabels } from "../naming";
import { AppNamespaceArgs } from "./types";

/**
 * The services' namespace: Pod Security "restricted" enforced, and a default-deny network policy for
 * both directions with only DNS allowed; each service adds the rules it needs.
 */
export class AppNamespace extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:app:AppNamespace", name, args, opts);
        const k8sOpts = { parent: this, provider: args.kubernetesProvider };
        const namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: {
                name: args.name,
                labels: kubernetesLabels(args.environment, {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                }),
            },
        }, k8sOpts);
        this.name = namespace.metadata.name;

        new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: { name: "default-deny", namespace: this.name, labels: kubernetesLabels(args.environment) },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }, k8sOpts);

        new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, {
            metadata: { name: "allow-dns", namespace: this.name, labels: kubernetesLabels(args.environment) },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{
                    to: [{
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                }],
            },
        }, k8sOpts);

        // cert-manager answers HTTP-01 challenges from solver pods in this namespace; the ingress controller
        // must reach them or no certificate is ever issued.
        new k8s.networking.v1.NetworkPolicy(`${name}-allow-acme-solver`, {
            metadata: { name: "allow-acme-http01-solver", namespace: this.name, labels: kubernetesLabels(args.environment) },
            spec: {
                podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.ingressNamespace } } }],
                    ports: [{ protocol: "TCP", port: 8089 }],
                }],
            },
        }, k8sOpts);

        this.registerOutputs({ name: this.name });
    }
}
