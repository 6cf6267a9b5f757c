/**
 * Pod templates of a Django service: the web pod (migrate initContainer, web container, Celery worker sidecar
 * where the catalog says so and the worker is not a Deployment of its own), the worker pod and the beat pod.
 * Pure: builds plain specs from the service's settings. Grace periods come from delivery.ts.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PROBE_PATHS, WEB_PORT } from "../../config/catalog";
import type { ServiceSettings } from "../../config/types";
import { containerSecurityContext, podSecurityContext, resources } from "../../lib/security";
import { celeryDelivery, WEB_GRACE_PERIOD_SECONDS, WEB_PRESTOP_SECONDS } from "./delivery";
import { POD_IP_ENV } from "./env";
import { migrateCommand } from "./migrate";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The service images run as this non-root user (the convention of the services' Dockerfiles). */
export const APP_UID = 10001;

/** Where Celery beat keeps its schedule (a shelve file: the dbm module may add a suffix). */
export const BEAT_SCHEDULE = "/tmp/celerybeat-schedule";

/**
 * How long a new web pod must stay ready before a rollout counts it available and moves on (the web
 * Deployment's minReadySeconds; the Swarm stack's update monitor period).
 */
export const WEB_MIN_READY_SECONDS = 10;

/** Beat only sends tasks: it stops at once on SIGTERM (Kubernetes' default grace period). */
export const BEAT_GRACE_PERIOD_SECONDS = 30;

export interface PodInputs {
  readonly service: ServiceSettings;
  /** The image every container runs: the configured one, or the digest a build pushed. */
  readonly image: pulumi.Input<string>;
  readonly configMapName: pulumi.Input<string>;
  readonly secretName: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
  /** Host header of the kubelet's probes: an allowed host of Django's. */
  readonly probeHost: string;
  /** `kubernetes.io/dockerconfigjson` Secrets the kubelet pulls the image with. @default - none */
  readonly imagePullSecrets?: readonly string[];
}

function baseContainer(name: string, i: PodInputs, spec: ServiceSettings["web"]): Container {
  return {
    name,
    image: i.image,
    envFrom: [{ configMapRef: { name: i.configMapName } }, { secretRef: { name: i.secretName } }],
    env: [{ name: POD_IP_ENV, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
    resources: resources(spec),
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
}

function httpProbe(path: string, host: string, periodSeconds: number, failureThreshold: number) {
  return {
    httpGet: { path, port: "http", httpHeaders: [{ name: "Host", value: host }] },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 3,
  };
}

function podSpec(
  i: PodInputs,
  gracePeriodSeconds: number,
  containers: Container[],
  initContainers: Container[] = [],
): PodSpec {
  return {
    serviceAccountName: i.serviceAccountName,
    automountServiceAccountToken: false,
    ...(i.imagePullSecrets?.length ? { imagePullSecrets: i.imagePullSecrets.map((name) => ({ name })) } : {}),
    securityContext: podSecurityContext(APP_UID),
    terminationGracePeriodSeconds: gracePeriodSeconds,
    ...(initContainers.length ? { initContainers } : {}),
    containers,
    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
  };
}

/** The Celery command line for this service. */
export function celeryCommand(i: PodInputs, role: "worker" | "beat"): string[] {
  const app = i.service.djangoPackage;
  return role === "worker"
    ? [
        "celery",
        "--app",
        app,
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--hostname",
        `${i.service.name}@%h`,
      ]
    : ["celery", "--app", app, "beat", "--loglevel", "INFO", "--schedule", BEAT_SCHEDULE];
}

/** Whether the web pod carries the worker: a Celery service whose worker is not a Deployment of its own. */
export const hasWorkerSidecar = (s: ServiceSettings): boolean => s.celery && s.worker.kind === "sidecar";

/** The Celery worker container, the same in a web pod (sidecar) and in a worker pod. */
function workerContainer(i: PodInputs): Container {
  return {
    ...baseContainer("worker", i, i.service.worker),
    command: celeryCommand(i, "worker"),
    livenessProbe: {
      // Through the broker: tolerant (3 minutes) so a Sentinel failover never restarts the worker.
      exec: {
        command: [
          "sh",
          "-c",
          `exec celery --app ${i.service.djangoPackage} inspect ping --destination ${i.service.name}@"$HOSTNAME" --timeout 10`,
        ],
      },
      periodSeconds: 60,
      timeoutSeconds: 20,
      failureThreshold: 3,
      initialDelaySeconds: 30,
    },
  };
}

/** The grace period of a pod running a worker: long enough for its longest task (delivery.ts). */
export const workerGracePeriodSeconds = (s: ServiceSettings): number =>
  celeryDelivery(s.worker).workerGracePeriodSeconds;

export function webPodSpec(i: PodInputs): PodSpec {
  const web: Container = {
    ...baseContainer("web", i, i.service.web),
    ports: [{ name: "http", containerPort: WEB_PORT }],
    // Liveness never touches the database: a database outage must not restart every pod.
    livenessProbe: httpProbe(PROBE_PATHS.liveness, i.probeHost, 10, 3),
    readinessProbe: httpProbe(PROBE_PATHS.readiness, i.probeHost, 5, 3),
    startupProbe: httpProbe(PROBE_PATHS.liveness, i.probeHost, 5, 24),
    // Keep serving while the endpoint removal reaches Traefik and kube-proxy; SIGTERM comes after. The
    // kubelet's own sleep action: no `sleep` binary needed in the image.
    lifecycle: { preStop: { sleep: { seconds: WEB_PRESTOP_SECONDS } } },
  };
  const migrate: Container = { ...baseContainer("migrate", i, i.service.web), command: migrateCommand() };
  if (!hasWorkerSidecar(i.service)) return podSpec(i, WEB_GRACE_PERIOD_SECONDS, [web], [migrate]);
  // The worker gets SIGTERM at once (it has no preStop) and may finish its longest task.
  const grace = Math.max(WEB_GRACE_PERIOD_SECONDS, workerGracePeriodSeconds(i.service));
  return podSpec(i, grace, [web, workerContainer(i)], [migrate]);
}

/** The pod of a worker Deployment (`worker.kind: deployment`): the worker container alone. */
export function workerPodSpec(i: PodInputs): PodSpec {
  return podSpec(i, workerGracePeriodSeconds(i.service), [workerContainer(i)]);
}

export function beatPodSpec(i: PodInputs): PodSpec {
  const dir = BEAT_SCHEDULE.slice(0, BEAT_SCHEDULE.lastIndexOf("/"));
  const file = BEAT_SCHEDULE.slice(BEAT_SCHEDULE.lastIndexOf("/") + 1);
  return podSpec(i, BEAT_GRACE_PERIOD_SECONDS, [
    {
      ...baseContainer("beat", i, i.service.beat),
      command: celeryCommand(i, "beat"),
      // Beat rewrites its schedule at least every few minutes (sync every 180 s, a loop of at most 300 s): a
      // schedule untouched for 15 minutes means a stuck scheduler. Touches neither the broker nor the database.
      livenessProbe: {
        exec: { command: ["sh", "-c", `find ${dir} -maxdepth 1 -name '${file}*' -mmin -15 | grep -q .`] },
        initialDelaySeconds: 120,
        periodSeconds: 60,
        timeoutSeconds: 10,
        failureThreshold: 3,
      },
    },
  ]);
}
