/**
 * The in-cluster server's public endpoint: a Traefik IngressRoute for the object store's own host, sending
 * every path to the S3 port of the server's Service with the client's Host header (S3 signatures cover host
 * and path: a URL signed for `objects.example.com` verifies only when the server sees that host), on the
 * entry points and TLS the API routes use; and a NetworkPolicy admitting the ingress controller's namespace to
 * that port only (the namespace's default deny keeps everything else out).
 *
 * The server takes path-style requests (`https://objects.example.com/<bucket>/<key>`): MINIO_DOMAIN is not
 * set, so one host and one certificate serve every bucket, and no wildcard DNS record is needed.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { labels } from "../../lib/labels";
import type { RoutingArgs } from "../django-service/routing";
import { S3_PORT, SERVER_NAME } from "./naming";
import type { PublicEndpointArgs } from "./types";

/** Name of the IngressRoute and of the NetworkPolicy's suffix. */
export const ROUTE_NAME = "object-store";
export const NETWORK_POLICY_NAME = "allow-ingress-to-object-store";

/** Traefik's rule: the whole host, every path (bucket names are the first path segment). */
export const publicRouteRule = (host: string): string => `Host(\`${host}\`)`;

/**
 * Whether the route serves HTTPS: TLS in Traefik, or the websecure entry point behind a load balancer that
 * ends TLS. The same rule as DjangoService's public URL.
 */
export const servesHttps = (routing: RoutingArgs): boolean =>
  routing.tls !== undefined || routing.entryPoints.includes("websecure");

/** `https://objects.example.com`: the endpoint browsers reach, which signed URLs are made for. */
export const publicEndpointUrl = (p: PublicEndpointArgs): string =>
  `${servesHttps(p.routing) ? "https" : "http"}://${p.host}`;

export interface PublicRouteInputs {
  readonly namespace: string;
  /** The server's Service: the route's backend. */
  readonly serviceName: pulumi.Input<string>;
  /** Labels of the server's pods, which the NetworkPolicy selects. */
  readonly podLabels: Record<string, string>;
  readonly endpoint: PublicEndpointArgs;
  /** `app.kubernetes.io/instance` of the route's objects. */
  readonly instance: string;
}

export function publicRoute(name: string, i: PublicRouteInputs, parent: pulumi.Resource): void {
  const { routing } = i.endpoint;
  new k8s.apiextensions.CustomResource(
    `${name}-route`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "IngressRoute",
      metadata: {
        name: ROUTE_NAME,
        namespace: i.namespace,
        labels: labels({ name: SERVER_NAME, instance: i.instance, component: "ingress" }),
      },
      spec: {
        entryPoints: [...routing.entryPoints],
        routes: [
          {
            kind: "Rule",
            match: publicRouteRule(i.endpoint.host),
            services: [{ kind: "Service", name: i.serviceName, port: S3_PORT, passHostHeader: true }],
          },
        ],
        ...(routing.tls ? { tls: routing.tls.secretName ? { secretName: routing.tls.secretName } : {} } : {}),
      },
    },
    // Only the route waits for Traefik's CRDs; the server and its NetworkPolicy do not.
    { parent, dependsOn: [...(routing.crds ?? [])] },
  );
  new k8s.networking.v1.NetworkPolicy(
    `${name}-allow-ingress`,
    {
      metadata: {
        name: NETWORK_POLICY_NAME,
        namespace: i.namespace,
        labels: labels({ name: NETWORK_POLICY_NAME, component: "network-policy" }),
      },
      spec: {
        podSelector: { matchLabels: i.podLabels },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": i.endpoint.ingressNamespace },
                },
              },
            ],
            ports: [{ protocol: "TCP", port: S3_PORT }],
          },
        ],
      },
    },
    { parent },
  );
}
