/**
 * The k3s stack's Traefik routes for the local stacks: the IngressRoutes and StripPrefix Middlewares as Traefik
 * labels (the same rule builders, routing.ts's and route.ts's), and Traefik's static configuration. Pure.
 */
import { WEB_PORT } from "../../config/catalog";
import type { ServiceSettings } from "../../config";
import { routeRule } from "../../components/django-service/routing";
import { S3_PORT } from "../../components/object-store/naming";
import { publicRouteRule, ROUTE_NAME } from "../../components/object-store/route";
import { token, VARS } from "./variables";

/** Traefik v3, pinned (k3s ships v3; its CRDs are what the k3s routes use). */
export const DEFAULT_TRAEFIK_IMAGE = "traefik:v3.6.15";

/** The k3s stack's routes listen on `websecure` with Traefik's default certificate (stacks/dev.ts). */
export const ENTRY_POINTS = ["websecure"] as const;

/** Traefik's router, middleware and service labels for one web service: the k3s IngressRoute, as labels. */
export function traefikLabels(
  apiHost: string,
  s: Pick<ServiceSettings, "name" | "routePrefix">,
): Record<string, string> {
  const router = s.name;
  const middleware = `${s.name}-strip-prefix`;
  return {
    "traefik.enable": "true",
    [`traefik.http.routers.${router}.rule`]: routeRule(apiHost, s.routePrefix),
    [`traefik.http.routers.${router}.entrypoints`]: ENTRY_POINTS.join(","),
    [`traefik.http.routers.${router}.tls`]: "true",
    [`traefik.http.routers.${router}.middlewares`]: middleware,
    [`traefik.http.routers.${router}.service`]: router,
    [`traefik.http.middlewares.${middleware}.stripprefix.prefixes`]: s.routePrefix,
    [`traefik.http.services.${router}.loadbalancer.server.port`]: String(WEB_PORT),
  };
}

/**
 * The object store's public endpoint through the local Traefik: the k3s stack's host, on the host port of
 * Traefik's websecure entry point. The port is always written: a signature covers `host:port` whenever the port
 * is not 443, and botocore leaves `:443` out of what it signs, as browsers leave it out of the Host header.
 */
export const composePublicEndpoint = (objectsHost: string): string =>
  `https://${objectsHost}:${token(VARS.httpsPort)}`;

/** Traefik's labels for the object store: the k3s IngressRoute of components/object-store/route.ts, as labels. */
export function objectStoreLabels(objectsHost: string): Record<string, string> {
  return {
    "traefik.enable": "true",
    [`traefik.http.routers.${ROUTE_NAME}.rule`]: publicRouteRule(objectsHost),
    [`traefik.http.routers.${ROUTE_NAME}.entrypoints`]: ENTRY_POINTS.join(","),
    [`traefik.http.routers.${ROUTE_NAME}.tls`]: "true",
    [`traefik.http.routers.${ROUTE_NAME}.service`]: ROUTE_NAME,
    [`traefik.http.services.${ROUTE_NAME}.loadbalancer.server.port`]: String(S3_PORT),
    // S3 signatures cover the host: the server must see the one the browser asked for.
    [`traefik.http.services.${ROUTE_NAME}.loadbalancer.passhostheader`]: "true",
  };
}

/** Whether a label is Traefik's (the routing ones, which Swarm must carry on the service, not the containers). */
export const isTraefikLabel = (key: string): boolean => key.startsWith("traefik.");

/**
 * Traefik's command line: a provider that reads the labels (`docker`: the containers' labels; `swarm`: the
 * services' labels, from a manager's API, reaching them on `network`), then the entry points: web (:80)
 * redirects every request to websecure (:443), as the k3s stack's http-to-https route does.
 */
export function traefikCommand(
  provider: { readonly kind: "docker" } | { readonly kind: "swarm"; readonly network: string },
): string[] {
  const providerFlags =
    provider.kind === "docker"
      ? ["--providers.docker=true", "--providers.docker.exposedByDefault=false"]
      : [
          "--providers.swarm=true",
          "--providers.swarm.exposedByDefault=false",
          `--providers.swarm.network=${provider.network}`,
        ];
  return [
    ...providerFlags,
    "--entryPoints.web.address=:80",
    "--entryPoints.web.http.redirections.entryPoint.to=websecure",
    "--entryPoints.web.http.redirections.entryPoint.scheme=https",
    "--entryPoints.websecure.address=:443",
    "--ping=true",
    "--log.level=INFO",
    "--accessLog=true",
  ];
}
