/**
 * The service catalog: the four Django services of the spec and what each needs from the platform.
 * This is the one source of truth for names, routes, Celery and payments; everything that varies per
 * environment (images, resources, autoscaling) comes from stack config (`ferrum:services`) in config.ts.
 */

export const SERVICE_NAMES = ["auth", "user", "content", "catalog"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceDefinition {
  /** Stable key: part of every child resource's name and URN. Never rename. */
  readonly name: ServiceName;
  /** Path prefix under the API host, routed by the ingress and stripped before Django sees the request. */
  readonly routePrefix: string;
  /** Python package of the Django project (settings module, Celery app). */
  readonly djangoPackage: string;
  /** Runs a Celery worker sidecar and a single beat Deployment. */
  readonly celery: boolean;
  /** Takes payments through YooKassa and so receives `YOOKASSA_*`. */
  readonly payments: boolean;
  /** Repository name of the service's image in the registry. */
  readonly imageRepository: string;
  /** Short suffix of the service's own bucket (the full name is prefixed per stack). */
  readonly bucket: string;
  /** What the bucket holds, for humans. */
  readonly bucketPurpose: string;
}

export const CATALOG: readonly ServiceDefinition[] = [
  {
    name: "auth",
    routePrefix: "/auth",
    djangoPackage: "auth_service",
    celery: true,
    payments: false,
    imageRepository: "auth-service",
    bucket: "auth",
    bucketPurpose: "avatars and identity documents",
  },
  {
    name: "user",
    routePrefix: "/user",
    djangoPackage: "user_service",
    celery: false,
    payments: false,
    imageRepository: "user-service",
    bucket: "user",
    bucketPurpose: "user uploads",
  },
  {
    name: "content",
    routePrefix: "/content",
    djangoPackage: "content_service",
    celery: false,
    payments: false,
    imageRepository: "content-service",
    bucket: "content",
    bucketPurpose: "page assets",
  },
  {
    name: "catalog",
    routePrefix: "/catalog",
    djangoPackage: "catalog_service",
    celery: true,
    payments: true,
    imageRepository: "catalog-service",
    bucket: "catalog",
    bucketPurpose: "product images and payment logos",
  },
];

/** Port every service's web container listens on (gunicorn's bind in the service images). */
export const WEB_PORT = 8000;

/** Health endpoints each service image serves: liveness never touches the database, readiness does. */
export const PROBE_PATHS = { liveness: "/healthz/live", readiness: "/healthz/ready" } as const;

/**
 * Where each service image serves Prometheus metrics (django-prometheus), to Prometheus inside the cluster
 * only: no public route reaches it (components/django-service/routing.ts).
 */
export const METRICS_PATH = "/metrics";

export function serviceDefinition(name: ServiceName): ServiceDefinition {
  const found = CATALOG.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service ${name}`);
  return found;
}
