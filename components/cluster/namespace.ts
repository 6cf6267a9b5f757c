/**
 * The platform's namespace and its NetworkPolicies (docs/design.md): nothing reaches a pod unless admitted; pods of
 * the namespace reach each other (so Postgres, Redis and object storage are reachable from this namespace
 * only); the web pods are reachable from the ingress controller's and the monitoring namespaces too.
 * The namespace enforces the "restricted" Pod Security Standard, as the Kubernetes minor the stack targets
 * defines it (the cloud cluster's configured version; on k3s the minor the program is validated against):
 * pinned (not `latest`), so a cluster upgrade never tightens the rules under running workloads unannounced;
 * warnings and audit entries use the same version.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WEB_PORT } from "../../config/catalog";
import { podSecurityVersion, TARGET_KUBERNETES_MINOR } from "../../lib/kubernetes-version";
import { labels } from "../../lib/labels";

export interface PlatformNamespaceArgs {
  /** The platform namespace's name. */
  readonly name: string;
  /** Traefik's namespace: the NetworkPolicies admit it to the web pods. */
  readonly ingressNamespace: string;
  /** The monitoring namespace: the NetworkPolicies admit Prometheus to the metrics ports. */
  readonly monitoringNamespace: string;
  /** The Kubernetes minor whose Pod Security Standards apply. @default TARGET_KUBERNETES_MINOR */
  readonly kubernetesMinor?: string;
}

/** Pod Security admission labels: `level` enforced, warned about and audited, at the targeted version. */
export function podSecurityLabels(
  level: "restricted" | "baseline" | "privileged",
  minor: string = TARGET_KUBERNETES_MINOR,
): Record<string, string> {
  const version = podSecurityVersion(minor);
  return Object.fromEntries(
    ["enforce", "warn", "audit"].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, level],
      [`pod-security.kubernetes.io/${mode}-version`, version],
    ]),
  );
}

/**
 * A namespace of a chart the stack installs (Traefik, cert-manager), enforcing the "restricted" Pod Security
 * Standard like the platform's: created here rather than by Helm (`createNamespace`), which would leave it
 * unlabelled and so admit any pod.
 */
export function restrictedNamespace(
  logical: string,
  name: string,
  kubernetesMinor: string | undefined,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    logical,
    {
      metadata: {
        name,
        labels: {
          ...labels({ name, component: "namespace" }),
          ...podSecurityLabels("restricted", kubernetesMinor),
        },
      },
    },
    opts,
  );
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
          ...podSecurityLabels("restricted", args.kubernetesMinor),
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
