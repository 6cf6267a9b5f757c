/**
 * Traefik by its Helm chart (k3s bundles it; the clouds install it): the same `traefik.io/v1alpha1` CRDs the
 * services' IngressRoutes use, behind the cloud's load balancer. The only Service of type LoadBalancer of the
 * platform. HTTP on :80 is redirected to HTTPS by a route of the edge (edge.ts), not by the entry point, so
 * the ACME HTTP-01 challenge, served on :80 by a more specific route, passes.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { TRAEFIK_INGRESS_CLASS } from "./edge";
import { restrictedNamespace } from "./namespace";

export const TRAEFIK_CHART = {
  chart: "traefik",
  version: "37.1.2",
  repo: "https://traefik.github.io/charts",
} as const;

export interface TraefikArgs {
  /** The namespace Traefik runs in (created here, restricted). */
  readonly namespace: string;
  /** Annotations of the LoadBalancer Service (NLB on AWS, Azure LB settings on AKS). */
  readonly serviceAnnotations: Record<string, pulumi.Input<string>>;
  /** Where TLS ends: at the load balancer (an ACM certificate) or in Traefik. */
  readonly tlsAtLoadBalancer: boolean;
  /**
   * Serve Kubernetes Ingresses of class `traefik`: cert-manager's HTTP-01 solver answers the ACME challenge
   * through one. @default false
   */
  readonly ingressProvider?: boolean;
  /** The cluster's Kubernetes minor, whose Pod Security Standards its namespace enforces. */
  readonly kubernetesMinor: string;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** What the release waits for: nodes to run on and cluster DNS. */
  readonly dependsOn: pulumi.Resource[];
}

export function traefik(name: string, a: TraefikArgs): k8s.helm.v3.Release {
  // Only the provider: the namespace is an API object, which needs no node.
  const namespace = restrictedNamespace(`${name}-namespace`, a.namespace, a.kubernetesMinor, {
    provider: a.provider,
  });
  return new k8s.helm.v3.Release(
    name,
    {
      chart: TRAEFIK_CHART.chart,
      version: TRAEFIK_CHART.version,
      repositoryOpts: { repo: TRAEFIK_CHART.repo },
      namespace: namespace.metadata.name,
      createNamespace: false,
      atomic: true,
      values: {
        deployment: { replicas: 2 },
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        providers: {
          kubernetesCRD: { enabled: true, allowCrossNamespace: false },
          kubernetesIngress: { enabled: a.ingressProvider ?? false },
        },
        ingressClass: {
          enabled: a.ingressProvider ?? false,
          isDefaultClass: false,
          name: TRAEFIK_INGRESS_CLASS,
        },
        service: {
          type: "LoadBalancer",
          annotations: a.serviceAnnotations,
          spec: { externalTrafficPolicy: "Local" },
        },
        ports: {
          // With TLS ended at the load balancer, Traefik's websecure port receives plain HTTP from it.
          websecure: { tls: { enabled: !a.tlsAtLoadBalancer } },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
          runAsNonRoot: true,
          // The chart sets no seccomp profile, which the restricted standard of its namespace requires.
          seccompProfile: { type: "RuntimeDefault" },
        },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        logs: { access: { enabled: true } },
      },
    },
    { provider: a.provider, dependsOn: a.dependsOn },
  );
}
