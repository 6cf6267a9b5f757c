/**
 * Routing of a service's prefix through Traefik (k3s ships Traefik v3; the clouds install it by Helm chart):
 * an IngressRoute for `Host(api) && PathPrefix(/<service>)`, minus the metrics path, and a StripPrefix
 * Middleware, so Django sees paths without the prefix and builds its URLs under it from
 * DJANGO_FORCE_SCRIPT_NAME.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_PATH } from "../../config/catalog";
import type { ServiceSettings } from "../../config/types";

export interface RoutingArgs {
  /** The ingress controller: Traefik, the one the platform runs. */
  readonly kind: "traefik";
  /** Traefik entry points the route listens on (k3s: web = :80, websecure = :443). */
  readonly entryPoints: readonly string[];
  /** Serve TLS: a certificate Secret, or Traefik's default certificate when no name is given. @default - no TLS */
  readonly tls?: { readonly secretName?: string };
  /**
   * Middlewares of the route's namespace applied after the prefix is stripped (the edge's
   * X-Forwarded-Proto when TLS ends at the load balancer). @default - none
   */
  readonly middlewares?: readonly string[];
  /**
   * What the route objects (IngressRoute, Middleware) wait for: the release that installs Traefik's CRDs where
   * the stack installs Traefik. Nothing else of a service waits for it. @default - none (k3s brings the CRDs)
   */
  readonly crds?: readonly pulumi.Resource[];
}

export interface RouteInputs {
  readonly service: ServiceSettings;
  readonly namespace: string;
  readonly apiHost: string;
  readonly serviceName: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly routing: RoutingArgs;
}

/**
 * Traefik's rule for one service: `/auth` and `/auth/...`, never `/authority`, and nothing under
 * `/auth/metrics`: metrics are for Prometheus, which scrapes the pods inside the cluster. The exclusion is a
 * prefix without a trailing slash, so `/auth/metrics/`, `/auth/metrics%2F...` and `/auth/metricsx` stay out
 * too (Traefik matches on the path with unreserved percent-encodings decoded).
 */
export const routeRule = (host: string, prefix: string): string =>
  `Host(\`${host}\`) && (Path(\`${prefix}\`) || PathPrefix(\`${prefix}/\`)) && !PathPrefix(\`${prefix}${METRICS_PATH}\`)`;

export function routeResources(name: string, i: RouteInputs, parent: pulumi.Resource): void {
  const middlewareName = `${i.service.name}-strip-prefix`;
  new k8s.apiextensions.CustomResource(
    `${name}-strip-prefix`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "Middleware",
      metadata: { name: middlewareName, namespace: i.namespace, labels: i.labels },
      spec: { stripPrefix: { prefixes: [i.service.routePrefix] } },
    },
    { parent, dependsOn: [...(i.routing.crds ?? [])] },
  );
  new k8s.apiextensions.CustomResource(
    `${name}-route`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "IngressRoute",
      metadata: { name: i.service.name, namespace: i.namespace, labels: i.labels },
      spec: {
        entryPoints: [...i.routing.entryPoints],
        routes: [
          {
            kind: "Rule",
            match: routeRule(i.apiHost, i.service.routePrefix),
            middlewares: [middlewareName, ...(i.routing.middlewares ?? [])].map((n) => ({ name: n })),
            services: [{ kind: "Service", name: i.serviceName, port: 80 }],
          },
        ],
        ...(i.routing.tls
          ? { tls: i.routing.tls.secretName ? { secretName: i.routing.tls.secretName } : {} }
          : {}),
      },
    },
    { parent, dependsOn: [...(i.routing.crds ?? [])] },
  );
}
