/**
 * The local services of one Django service, from the k3s pod specs (webPodSpec, workerPodSpec, beatPodSpec):
 * migrate, web and, with Celery, worker and beat, each running as the k3s pods do. Pure.
 */
import { PROBE_PATHS, WEB_PORT } from "../../config/catalog";
import type { ResourceSpec, ServiceSettings } from "../../config";
import {
  APP_UID,
  beatPodSpec,
  PodInputs,
  webPodSpec,
  workerGracePeriodSeconds,
  workerPodSpec,
} from "../../components/django-service/pods";
import type { Component } from "../../lib/labels";
import {
  ComposeService,
  djangoServiceNames,
  ENV_PLACEHOLDER,
  HOSTS,
  LocalService,
  sentinelEndpoints,
} from "./model";
import {
  completed,
  container,
  healthcheck,
  healthy,
  labels,
  limits,
  plainContainers,
  service,
  startupSeconds,
} from "./parts";
import { traefikLabels } from "./routes";
import { imageVar, token } from "./variables";

/**
 * How Swarm starts a web container: gunicorn serving the service's WSGI application on WEB_PORT, as the image
 * contract says (README). docker-compose.yml and k3s run the image's own CMD; Swarm's entrypoint wrapper
 * replaces the image's ENTRYPOINT, and with it the CMD, so the stack spells the command out.
 */
export const swarmWebCommand = (s: Pick<ServiceSettings, "djangoPackage">): string[] => [
  "gunicorn",
  `${s.djangoPackage}.wsgi:application`,
  "--bind",
  `0.0.0.0:${WEB_PORT}`,
];

/** The services every Django container waits for, as DjangoService waits for the components on k3s. */
function backingServices(): ComposeService {
  return {
    [HOSTS.postgresBootstrap]: completed,
    [HOSTS.redis]: healthy,
    [HOSTS.redisCache]: healthy,
    ...Object.fromEntries(sentinelEndpoints().map((e) => [e.host, healthy])),
    [HOSTS.minioBootstrap]: completed,
  };
}

/** `python -c` readiness check: GET the probe path with the Host header k3s's kubelet would send. */
function webCheck(path: string, host: string): string[] {
  const url = `http://127.0.0.1:${WEB_PORT}${path}`;
  return [
    "python",
    "-c",
    `import urllib.request as r; r.urlopen(r.Request(${JSON.stringify(url)}, headers={"Host": ${JSON.stringify(host)}}), timeout=3)`,
  ];
}

/** The containers of one Django service: migrate, web and, with Celery, worker and beat. */
export function djangoServices(apiHost: string, s: ServiceSettings): LocalService[] {
  const names = djangoServiceNames(s.name);
  const pods: PodInputs = {
    service: s,
    image: s.image,
    configMapName: "",
    secretName: "",
    serviceAccountName: "",
    probeHost: s.name,
  };
  const webPod = webPodSpec(pods);
  const migrate = container(plainContainers(webPod.initContainers), "migrate");
  const podContainers = plainContainers(webPod.containers);
  const web = container(podContainers, "web");
  const beat = container(plainContainers(beatPodSpec(pods).containers), "beat");

  /** One container; what the k3s pods' securityContext and emptyDir give: non-root, read-only root, /tmp only. */
  const django = (
    component: Component,
    resources: ResourceSpec,
    rest: {
      command?: readonly string[];
      depends_on: ComposeService;
      healthcheck?: ComposeService;
      labels?: Record<string, string>;
      restart: "no" | "unless-stopped";
      /** As the pod's terminationGracePeriodSeconds: a worker gets to finish its longest task. */
      stopGraceSeconds?: number;
    },
  ): ComposeService => ({
    image: token(imageVar(s.name)),
    ...(rest.command ? { command: [...rest.command] } : {}),
    user: `${APP_UID}:${APP_UID}`,
    environment: ENV_PLACEHOLDER,
    read_only: true,
    tmpfs: ["/tmp"],
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    ...limits(resources),
    stop_grace_period: `${rest.stopGraceSeconds ?? 30}s`,
    depends_on: rest.depends_on,
    ...(rest.healthcheck ? { healthcheck: rest.healthcheck } : {}),
    labels: labels(s.name, component, rest.labels),
    restart: rest.restart,
  });
  const webProbe = web.readinessProbe ?? {};
  const services: LocalService[] = [
    service(
      names.migrate,
      django("migrate", s.web, { command: migrate.command, depends_on: backingServices(), restart: "no" }),
      { kind: "oneShot", mounts: [], resources: s.web },
    ),
    service(
      names.web,
      django("web", s.web, {
        depends_on: { ...backingServices(), [names.migrate]: completed },
        healthcheck: healthcheck(
          webCheck(webProbe.httpGet?.path ?? PROBE_PATHS.readiness, s.name),
          webProbe,
          startupSeconds(web.startupProbe),
        ),
        labels: traefikLabels(apiHost, s),
        restart: "unless-stopped",
      }),
      // As the HPA's floor on k3s; Swarm does not autoscale.
      {
        kind: "server",
        order: "start-first",
        replicas: s.minReplicas,
        mounts: [],
        resources: s.web,
        command: swarmWebCommand(s),
      },
    ),
  ];
  if (s.celery) {
    // The same container whether it is a sidecar of the web pods or a Deployment of its own on k3s.
    const worker = container(plainContainers(workerPodSpec(pods).containers), "worker");
    const liveness = worker.livenessProbe ?? {};
    services.push(
      service(
        names.worker,
        django("worker", s.worker, {
          command: worker.command,
          depends_on: { ...backingServices(), [names.migrate]: completed },
          ...(liveness.exec ? { healthcheck: healthcheck(liveness.exec.command, liveness) } : {}),
          restart: "unless-stopped",
          stopGraceSeconds: workerGracePeriodSeconds(s),
        }),
        // Two workers side by side for a moment are two consumers of one queue: harmless.
        { kind: "server", order: "start-first", replicas: 1, mounts: [], resources: s.worker },
      ),
    );
    services.push(
      service(
        names.beat,
        django("beat", s.beat, {
          command: beat.command,
          // As on k3s, beat starts once the web tier is up (its Deployment depends on the web Deployment).
          depends_on: { ...backingServices(), [names.web]: healthy },
          restart: "unless-stopped",
        }),
        // Two beats side by side would send every scheduled task twice: the old one stops first (k3s: Recreate).
        { kind: "server", order: "stop-first", replicas: 1, mounts: [], resources: s.beat },
      ),
    );
  }
  return services;
}
