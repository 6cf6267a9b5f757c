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
/** The master group name Sentinel monitors (`REDIS_SENTINEL_MASTER`). */
export const MASTER_NAME = "ferrum";
export const CLUSTER_DOMAIN = "cluster.local";

/** Kubernetes object names derived from the component's name (which must be a DNS label). */
export interface KubernetesNames {
  /** Redis StatefulSet; its pods are `<redis>-<ordinal>`. */
  readonly redis: string;
  readonly redisHeadless: string;
  /** Sentinel StatefulSet; its pods are `<sentinel>-<ordinal>`. */
  readonly sentinel: string;
  readonly sentinelHeadless: string;
}

export function kubernetesNames(name: string): KubernetesNames {
  return {
    redis: name,
    redisHeadless: `${name}-headless`,
    sentinel: `${name}-sentinel`,
    sentinelHeadless: `${name}-sentinel-headless`,
  };
}

/** The stable FQDN of pod `ordinal` of StatefulSet `statefulSet` governed by `headless`. */
export function podHost(statefulSet: string, headless: string, namespace: string, ordinal: number): string {
  return `${statefulSet}-${ordinal}.${headless}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** Where every pod is reached, by ordinal; Redis pod 0 is the initial master. */
export interface Topology {
  readonly masterName: string;
  readonly redis: readonly Endpoint[];
  readonly sentinels: readonly Endpoint[];
}

export function topology(name: string, namespace: string, replicas: number, sentinels: number): Topology {
  const n = kubernetesNames(name);
  const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
  return {
    masterName: MASTER_NAME,
    redis: range(replicas).map((i) => ({
      host: podHost(n.redis, n.redisHeadless, namespace, i),
      port: REDIS_PORT,
    })),
    sentinels: range(sentinels).map((i) => ({
      host: podHost(n.sentinel, n.sentinelHeadless, namespace, i),
      port: SENTINEL_PORT,
    })),
  };
}
