/**
 * The platform's namespace and its NetworkPolicies (DESIGN.md): nothing reaches a pod unless admitted; pods of
 * the namespace reach each other (so Postgres, Redis and object storage are reachable from this namespace
 * only); the web pods are reachable from the ingress controller's and the monitoring namespaces too.
 * The namespace enforces the "restricted" Pod Security Standard.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WEB_PORT } from "../../catalog";
import { labels } from "../../lib/labels";

export interface PlatformNamespaceArgs {
  readonly name: string;
  readonly ingressNamespace: string;
  readonly monitoringNamespace: string;
}

const fromNamespace = (name: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});

export function platformNamespace(
  logical: string,
  args: PlatformNamespaceArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
  const meta = labels({ name: args.name, component: "namespace" });
  const namespace = new k8s.core.v1.Namespace(
    logical,
    {
      metadata: {
        name: args.name,
        labels: {
          ...meta,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    opts,
  );
  const policy = (name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(
      `${logical}-${name}`,
      {
        metadata: {
          name,
          namespace: namespace.metadata.name,
          labels: labels({ name, component: "network-policy" }),
        },
        spec,
      },
      { ...opts, parent: namespace },
    );
  policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
  policy("allow-same-namespace", {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: {} }] }],
  });
  const webPods = {
    matchLabels: { "app.kubernetes.io/part-of": "ferrum", "app.kubernetes.io/component": "web" },
  };
  const webPort = [{ protocol: "TCP", port: WEB_PORT }];
  policy("allow-ingress-to-web", {
    podSelector: webPods,
    policyTypes: ["Ingress"],
    ingress: [{ from: [fromNamespace(args.ingressNamespace)], ports: webPort }],
  });
  policy("allow-monitoring-to-web", {
    podSelector: webPods,
    policyTypes: ["Ingress"],
    ingress: [{ from: [fromNamespace(args.monitoringNamespace)], ports: webPort }],
  });
  return namespace;
}
