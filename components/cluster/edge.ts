/**
 * The edge every stack serves its public hosts through: HTTPS enforced (plain HTTP on Traefik's `web` entry
 * point is redirected, except what a more specific route serves there: the ACME HTTP-01 challenge), and the
 * certificate from `ferrum:tls`:
 *
 * - `acme`: cert-manager (Helm chart, pinned) with a Let's Encrypt ClusterIssuer solving HTTP-01 through
 *   Traefik's Kubernetes Ingress provider, and one Certificate for every public host, installed as Traefik's
 *   default certificate (a TLSStore named `default`), so every route with `tls: {}` serves it. Neither object
 *   is awaited: the host's DNS record may not point at the load balancer yet on the first `up`, and Traefik
 *   serves its own certificate until the issued one appears.
 * - `acm`: TLS ends at the NLB, Traefik's websecure port receives plain HTTP, and a headers middleware on every
 *   route says X-Forwarded-Proto https, which it was up to the load balancer; otherwise Django's HTTPS
 *   redirect would answer every request with a redirect to itself.
 * - `selfSigned` (k3s): Traefik's default certificate.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ACME_SERVERS, type TlsSettings } from "../../config/tls";
import { labels } from "../../lib/labels";
import type { RoutingArgs } from "../django-service/routing";
import { restrictedNamespace } from "./namespace";

export const CERT_MANAGER_CHART = {
  chart: "cert-manager",
  version: "v1.21.1",
  repo: "https://charts.jetstack.io",
} as const;

/** The IngressClass Traefik serves the ACME solver's Ingress under (its Kubernetes Ingress provider). */
export const TRAEFIK_INGRESS_CLASS = "traefik";
/** The Secret the issued certificate lands in, beside Traefik. */
export const PUBLIC_TLS_SECRET = "ferrum-public-tls";
export const REDIRECT_MIDDLEWARE = "redirect-to-https";
export const FORWARDED_HTTPS_MIDDLEWARE = "forwarded-https";
/** Lower than any route's default priority (the length of its rule): anything more specific wins on :80. */
export const REDIRECT_PRIORITY = 1;

export interface EdgeArgs {
  /** `ferrum:tls`: where the certificate comes from (cert-manager and ACME, ACM at the load balancer, a Secret). */
  readonly tls: TlsSettings;
  /** Every host the platform serves publicly: the routes' hosts, and the certificate's names. */
  readonly hosts: readonly string[];
  /** The platform namespace: the redirect route and the headers middleware live beside the services' routes. */
  readonly namespace: pulumi.Input<string>;
  /** Traefik's namespace: the certificate and Traefik's default TLS store live there. */
  readonly ingressNamespace: string;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** What the Traefik objects wait for: the namespace, and Traefik's CRDs where the stack installs Traefik. */
  readonly dependsOn: pulumi.Resource[];
  /**
   * Traefik as the stack installs it (none on k3s): the routes, the certificate and the TLS store need its
   * CRDs (and its namespace); nothing else waits for it.
   */
  readonly traefik: pulumi.Resource[];
  /**
   * The cluster's Kubernetes minor, whose Pod Security Standards cert-manager's namespace enforces.
   * @default TARGET_KUBERNETES_MINOR
   */
  readonly kubernetesMinor?: string;
}

export interface Edge {
  /** How the services' routes are served: entry point, TLS, the middlewares the edge adds. */
  readonly routing: RoutingArgs;
  /** Every object that installs a CRD here (cert-manager), for the structural tests. */
  readonly crdInstallers: pulumi.Resource[];
}

/** `Host(a) || Host(b)`. */
export const hostsRule = (hosts: readonly string[]): string =>
  hosts.map((h) => `Host(\`${h}\`)`).join(" || ");

export function edge(name: string, a: EdgeArgs): Edge {
  const meta = (n: string, namespace: pulumi.Input<string>) => ({
    name: n,
    namespace,
    labels: labels({ name: n, component: "ingress" }),
  });
  const k8sOpts = { provider: a.provider, dependsOn: a.dependsOn };

  new k8s.apiextensions.CustomResource(
    `${name}-redirect-middleware`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "Middleware",
      metadata: meta(REDIRECT_MIDDLEWARE, a.namespace),
      spec: { redirectScheme: { scheme: "https", permanent: true } },
    },
    k8sOpts,
  );
  new k8s.apiextensions.CustomResource(
    `${name}-http-redirect`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "IngressRoute",
      metadata: meta("http-to-https", a.namespace),
      spec: {
        entryPoints: ["web"],
        routes: [
          {
            kind: "Rule",
            match: hostsRule(a.hosts),
            priority: REDIRECT_PRIORITY,
            middlewares: [{ name: REDIRECT_MIDDLEWARE }],
            // The middleware answers every request; Traefik's internal noop service is never reached.
            services: [{ kind: "TraefikService", name: "noop@internal" }],
          },
        ],
      },
    },
    k8sOpts,
  );

  if (a.tls.source === "acm") {
    new k8s.apiextensions.CustomResource(
      `${name}-forwarded-https`,
      {
        apiVersion: "traefik.io/v1alpha1",
        kind: "Middleware",
        metadata: meta(FORWARDED_HTTPS_MIDDLEWARE, a.namespace),
        spec: { headers: { customRequestHeaders: { "X-Forwarded-Proto": "https" } } },
      },
      k8sOpts,
    );
    // Traefik's websecure port takes plain HTTP from the NLB: the routes carry no TLS section.
    return {
      routing: {
        kind: "traefik",
        entryPoints: ["websecure"],
        middlewares: [FORWARDED_HTTPS_MIDDLEWARE],
        crds: a.traefik,
      },
      crdInstallers: [],
    };
  }
  if (a.tls.source === "selfSigned") {
    return {
      routing: { kind: "traefik", entryPoints: ["websecure"], tls: {}, crds: a.traefik },
      crdInstallers: [],
    };
  }

  // Nothing but the cluster: cert-manager needs neither Traefik nor the platform's namespace. Its pods and
  // the HTTP-01 solver pods it starts in Traefik's namespace pass the restricted standard (the chart's
  // securityContext values; pkg/issuer/acme/http/pod.go for the solver).
  const certManagerNamespace = restrictedNamespace(
    `${name}-cert-manager-namespace`,
    "cert-manager",
    a.kubernetesMinor,
    {
      provider: a.provider,
    },
  );
  const certManager = new k8s.helm.v3.Release(
    `${name}-cert-manager`,
    {
      chart: CERT_MANAGER_CHART.chart,
      version: CERT_MANAGER_CHART.version,
      repositoryOpts: { repo: CERT_MANAGER_CHART.repo },
      namespace: certManagerNamespace.metadata.name,
      createNamespace: false,
      atomic: true,
      values: {
        crds: { enabled: true, keep: true },
        replicaCount: 2,
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      },
    },
    { provider: a.provider },
  );
  const awaitNot = { "pulumi.com/skipAwait": "true" };
  const issuer = new k8s.apiextensions.CustomResource(
    `${name}-acme-issuer`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: {
        name: "letsencrypt",
        labels: labels({ name: "letsencrypt", component: "ingress" }),
        annotations: awaitNot,
      },
      spec: {
        acme: {
          email: a.tls.email,
          server: ACME_SERVERS[a.tls.server],
          privateKeySecretRef: { name: "letsencrypt-account" },
          solvers: [{ http01: { ingress: { ingressClassName: TRAEFIK_INGRESS_CLASS } } }],
        },
      },
    },
    { provider: a.provider, dependsOn: [certManager] },
  );
  new k8s.apiextensions.CustomResource(
    `${name}-certificate`,
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { ...meta("ferrum-public", a.ingressNamespace), annotations: awaitNot },
      spec: {
        secretName: PUBLIC_TLS_SECRET,
        dnsNames: [...a.hosts],
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt" },
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      },
    },
    { provider: a.provider, dependsOn: [certManager, issuer, ...a.traefik] },
  );
  new k8s.apiextensions.CustomResource(
    `${name}-tls-store`,
    {
      apiVersion: "traefik.io/v1alpha1",
      kind: "TLSStore",
      metadata: meta("default", a.ingressNamespace),
      spec: { defaultCertificate: { secretName: PUBLIC_TLS_SECRET } },
    },
    { provider: a.provider, dependsOn: a.traefik },
  );
  return {
    routing: { kind: "traefik", entryPoints: ["websecure"], tls: {}, crds: a.traefik },
    crdInstallers: [certManager],
  };
}
