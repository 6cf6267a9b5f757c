/**
 * At-least-once delivery of Celery tasks, decided in one place: from a service's two task limits (the hard
 * time limit and the longest ETA) come the time limits the workers enforce, the visibility timeout of the Redis
 * broker, and the grace period of every pod that runs a worker. The env contract carries the first three to
 * the service's settings (README, "Celery: at-least-once delivery"); pods.ts takes the grace periods from here.
 * Pure.
 *
 * Why these relations hold:
 * - Tasks are acknowledged after they ran (`task_acks_late`), so a task whose worker goes away mid-run is
 *   delivered again. A worker told to stop (SIGTERM: a rollout, a scale-down, a node drain) finishes the
 *   tasks it runs first; the kubelet waits `terminationGracePeriodSeconds` before it kills. The grace period
 *   is the time limit plus a margin, so a stopped worker always gets to finish, or to kill at the time limit.
 * - A worker killed outright (SIGKILL, a lost node) leaves its messages unacknowledged in Redis; the transport
 *   delivers them again once they are older than the visibility timeout. A message with an ETA or countdown is
 *   taken from the queue at once and held, unacknowledged, until it is due and has run: the timeout must exceed
 *   the longest ETA plus the time limit, or Redis hands the message to a second worker while the first one
 *   still holds it, and it runs twice.
 */
import type { WorkerSettings } from "../../config/types";

/** Seconds between the end of the last task and the worker's exit: closing connections, restoring messages. */
export const WORKER_SHUTDOWN_MARGIN_SECONDS = 15;
/** Seconds past the longest ETA plus the time limit before Redis redelivers an unacknowledged message. */
export const VISIBILITY_MARGIN_SECONDS = 60;
/**
 * Seconds the web container waits on SIGTERM's way (preStop) while Traefik and kube-proxy drop the pod from
 * their endpoints: a request routed to it meanwhile is still served, not answered with a 502.
 */
export const WEB_PRESTOP_SECONDS = 10;
/** Seconds gunicorn gives in-flight requests after SIGTERM (its `graceful_timeout` default). */
export const WEB_SHUTDOWN_SECONDS = 30;

export interface CeleryDelivery {
  /** `task_time_limit`: the worker kills a task running longer. */
  readonly taskTimeLimitSeconds: number;
  /** `task_soft_time_limit`: SoftTimeLimitExceeded is raised in the task first, so it can clean up. */
  readonly taskSoftTimeLimitSeconds: number;
  /** `broker_transport_options.visibility_timeout`: longer than the longest ETA plus the time limit. */
  readonly visibilityTimeoutSeconds: number;
  /** `terminationGracePeriodSeconds` of a pod running a worker: the time limit plus the shutdown margin. */
  readonly workerGracePeriodSeconds: number;
}

/** The delivery settings of one service's worker. */
export function celeryDelivery(
  w: Pick<WorkerSettings, "taskTimeLimitSeconds" | "maxEtaSeconds">,
): CeleryDelivery {
  const limit = w.taskTimeLimitSeconds;
  // A tenth of the limit (at most 30 s, at least 1 s) to clean up between the soft and the hard limit.
  const cleanup = Math.max(1, Math.min(30, Math.floor(limit / 10)));
  return {
    taskTimeLimitSeconds: limit,
    taskSoftTimeLimitSeconds: limit - cleanup,
    visibilityTimeoutSeconds: w.maxEtaSeconds + limit + VISIBILITY_MARGIN_SECONDS,
    workerGracePeriodSeconds: limit + WORKER_SHUTDOWN_MARGIN_SECONDS,
  };
}

/** `terminationGracePeriodSeconds` of a web pod: the preStop delay counts against it, then gunicorn drains. */
export const WEB_GRACE_PERIOD_SECONDS = WEB_PRESTOP_SECONDS + WEB_SHUTDOWN_SECONDS;

/** The env contract's delivery variables (ConfigMap: nothing secret). */
export function deliveryEnv(d: CeleryDelivery): Record<string, string> {
  return {
    CELERY_TASK_TIME_LIMIT: String(d.taskTimeLimitSeconds),
    CELERY_TASK_SOFT_TIME_LIMIT: String(d.taskSoftTimeLimitSeconds),
    CELERY_VISIBILITY_TIMEOUT: String(d.visibilityTimeoutSeconds),
  };
}
