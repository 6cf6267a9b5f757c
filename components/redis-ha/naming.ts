/**
 * Kubernetes names and stable host names of the Redis and Sentinel pods. Pure.
 *
 * Each StatefulSet is governed by a headless Service with `publishNotReadyAddresses`, so every pod has a DNS
 * name from the moment it has an IP (`<pod>.<headless>.<namespace>.svc.cluster.local`), ready or not: Redis
 * and Sentinel announce these names, and a restarting pod can be found before it passes its probes.
 */
import type { Endpoint } from "./types";

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
/** The master group of the data servers (Celery, events) Sentinel monitors (`REDIS_SENTINEL_MASTER`). */
export const MASTER_NAME = "ferrum";
/** The master group of the cache servers (`REDIS_URL`'s host), monitored by the same Sentinels. */
export const CACHE_MASTER_NAME = "ferrum-cache";
export const CLUSTER_DOMAIN = "cluster.local";

/** Kubernetes object names derived from the component's name (which must be a DNS label). */
export interface KubernetesNames {
  /** Redis StatefulSet; its pods are `<redis>-<ordinal>`. */
  readonly redis: string;
  readonly redisHeadless: string;
  /** Cache StatefulSet; its pods are `<cache>-<ordinal>`. */
  readonly cache: string;
  readonly cacheHeadless: string;
  /** Sentinel StatefulSet; its pods are `<sentinel>-<ordinal>`. */
  readonly sentinel: string;
  readonly sentinelHeadless: string;
}

export function kubernetesNames(name: string): KubernetesNames {
  return {
    redis: name,
    redisHeadless: `${name}-headless`,
    cache: `${name}-cache`,
    cacheHeadless: `${name}-cache-headless`,
    sentinel: `${name}-sentinel`,
    sentinelHeadless: `${name}-sentinel-headless`,
  };
}

/** The stable FQDN of pod `ordinal` of StatefulSet `statefulSet` governed by `headless`. */
export function podHost(statefulSet: string, headless: string, namespace: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}.${headless}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** One master group: its name and its Redis pods by ordinal; pod 0 is the initial master. */
export interface Group {
  readonly masterName: string;
  readonly redis: readonly Endpoint[];
}

/** Where every pod is reached, by ordinal: the data group, the cache group and the Sentinels. */
export interface Topology extends Group {
  readonly cache: Group;
  readonly sentinels: readonly Endpoint[];
}

/** The pod counts of each StatefulSet. */
export interface PodCounts {
  readonly replicas: number;
  readonly cacheReplicas: number;
  readonly sentinels: number;
}

export function topology(name: string, namespace: string, counts: PodCounts): Topology {
  const n = kubernetesNames(name);
  const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
  const pods = (statefulSet: string, headless: string, count: number, port: number): Endpoint[] =>
    range(count).map((i) => ({ host: podHost(statefulSet, headless, namespace, i), port }));
  return {
    masterName: MASTER_NAME,
    redis: pods(n.redis, n.redisHeadless, counts.replicas, REDIS_PORT),
    cache: {
      masterName: CACHE_MASTER_NAME,
      redis: pods(n.cache, n.cacheHeadless, counts.cacheReplicas, REDIS_PORT),
    },
    sentinels: pods(n.sentinel, n.sentinelHeadless, counts.sentinels, SENTINEL_PORT),
  };
}
