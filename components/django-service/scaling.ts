/**
 * Queue-scaled Celery workers (`ferrum:services.<name>.worker.kind: deployment`): the KEDA trigger that
 * scales a service's worker Deployment on the length of its Celery queue in Redis. Pure: builds the
 * ScaledObject's and TriggerAuthentication's specs from where the queue lives.
 *
 * KEDA (components/keda) reads the queue with its Redis scalers, as pinned in components/keda/chart.ts:
 * `redis-sentinel` asks the Sentinels for the master (`addresses`, `sentinelMaster`, `databaseIndex`), `redis`
 * reads a managed cache's one TLS endpoint (`address`, `enableTLS`). Both run `LLEN` on `listName` (through a
 * Lua script that also counts sets and hashes) and take the passwords from a TriggerAuthentication
 * (`password`, `sentinelPassword`), which reads them from a Secret: never a literal in the ScaledObject.
 */
import * as pulumi from "@pulumi/pulumi";

/** Celery's default queue (`task_default_queue`): the Redis list the broker pushes tasks onto. */
export const CELERY_QUEUE = "celery";

/** Seconds between KEDA's reads of the queue length. */
export const POLLING_INTERVAL_SECONDS = 15;
/** Seconds an empty queue must stay empty before KEDA scales to `minReplicas` when that is 0. */
export const COOLDOWN_SECONDS = 300;

/** Where one service's Celery queue lives, as its broker sees it. */
export type CeleryQueue =
  | {
      readonly kind: "sentinel";
      /** `host:port,...` of every Sentinel (REDIS_SENTINELS). */
      readonly sentinels: pulumi.Input<string>;
      readonly masterName: string;
      /** The service's Celery DB. */
      readonly database: number;
      /** Secret: the password of Redis and of Sentinel. */
      readonly password: pulumi.Output<string>;
    }
  | {
      readonly kind: "direct";
      readonly host: pulumi.Input<string>;
      readonly port: number;
      /** kombu's `global_keyprefix`: the queue's key is this prefix and the queue's name. */
      readonly keyPrefix: string;
      /** Secret: the cache's AUTH token or access key. */
      readonly password: pulumi.Output<string>;
    };

export interface ScalingSettings {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** KEDA's `listLength`: queued tasks per worker it aims for. */
  readonly tasksPerReplica: number;
}

/** The Redis key of the queue: kombu prefixes every key with `global_keyprefix` on a managed cache. */
export function queueKey(q: CeleryQueue): string {
  return q.kind === "direct" ? `${q.keyPrefix}${CELERY_QUEUE}` : CELERY_QUEUE;
}

/** The KEDA trigger reading the queue's length. */
export function queueTrigger(q: CeleryQueue, tasksPerReplica: number, authenticationName: string) {
  const common = {
    listName: queueKey(q),
    listLength: String(tasksPerReplica),
    // Any queued task wakes a worker scaled to zero.
    activationListLength: "0",
  };
  const metadata =
    q.kind === "sentinel"
      ? {
          ...common,
          addresses: q.sentinels,
          sentinelMaster: q.masterName,
          databaseIndex: String(q.database),
        }
      : {
          ...common,
          address: pulumi.interpolate`${q.host}:${q.port}`,
          databaseIndex: "0",
          // The certificate is checked against the system's CAs, as the services' clients check it.
          enableTLS: "true",
        };
  return {
    type: q.kind === "sentinel" ? "redis-sentinel" : "redis",
    metadata,
    authenticationRef: { name: authenticationName },
  };
}

/** The keys of the trigger's Secret, each a TriggerAuthentication parameter of the same name. */
export function authParameters(q: CeleryQueue): string[] {
  return q.kind === "sentinel" ? ["password", "sentinelPassword"] : ["password"];
}

/** The TriggerAuthentication's spec: every parameter from the Secret `secretName`. */
export function triggerAuthenticationSpec(q: CeleryQueue, secretName: pulumi.Input<string>) {
  return {
    secretTargetRef: authParameters(q).map((parameter) => ({ parameter, name: secretName, key: parameter })),
  };
}

/** The ScaledObject's spec for the worker Deployment `deploymentName`. */
export function scaledObjectSpec(
  q: CeleryQueue,
  s: ScalingSettings,
  deploymentName: pulumi.Input<string>,
  authenticationName: string,
) {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicaCount: s.minReplicas,
    maxReplicaCount: s.maxReplicas,
    pollingInterval: POLLING_INTERVAL_SECONDS,
    cooldownPeriod: COOLDOWN_SECONDS,
    triggers: [queueTrigger(q, s.tasksPerReplica, authenticationName)],
  };
}
