/**
 * Container resources of the Redis and Sentinel pods. Pure.
 *
 * Redis's memory limit is `2 × maxmemory + 128 MiB`:
 * - `maxmemory` bounds the dataset, not the process. An AOF rewrite, and the RDB a master streams to a
 *   replica that needs a full resync, run in a forked child that shares pages copy-on-write; under writes
 *   every page the parent touches is copied, so the worst case is a second copy of the dataset (the first
 *   `maxmemory`).
 * - 128 MiB for what Redis does not count in `maxmemory`: replica output buffers while a resync runs,
 *   client buffers, allocator fragmentation and the process itself.
 * The request is `maxmemory + 32 MiB`, what a steady instance holds (measured: a data server at 90% of a 64 MiB
 * maxmemory holds 74 MiB, a cache server evicting at a 32 MiB maxmemory 44 MiB; harness/sizing/resident-memory.json),
 * so the scheduler places the pods by their usual footprint while the limit leaves room for a rewrite. Above the limit the kernel kills Redis
 * mid-rewrite, which is worse than a rewrite that never starts; so the limit is generous.
 */
import type * as k8s from "@pulumi/kubernetes";

type Resources = k8s.types.input.core.v1.ResourceRequirements;

export const FORK_HEADROOM_FACTOR = 2;
export const LIMIT_OVERHEAD_MIB = 128;
export const REQUEST_OVERHEAD_MIB = 32;

export function redisMemoryLimitMiB(maxmemoryMiB: number): number {
  return FORK_HEADROOM_FACTOR * maxmemoryMiB + LIMIT_OVERHEAD_MIB;
}

export function redisMemoryRequestMiB(maxmemoryMiB: number): number {
  return maxmemoryMiB + REQUEST_OVERHEAD_MIB;
}

export function redisResources(maxmemoryMiB: number): Resources {
  return {
    requests: { cpu: "100m", memory: `${redisMemoryRequestMiB(maxmemoryMiB)}Mi` },
    limits: { cpu: "1000m", memory: `${redisMemoryLimitMiB(maxmemoryMiB)}Mi` },
  };
}

/**
 * A cache pod: the same memory formula (a replica's full resync forks the master as an AOF rewrite would), half
 * the CPU of a data pod: it serves GET and SET of small entries and never rewrites an append-only file.
 */
export function cacheResources(maxmemoryMiB: number): Resources {
  return {
    requests: { cpu: "50m", memory: `${redisMemoryRequestMiB(maxmemoryMiB)}Mi` },
    limits: { cpu: "500m", memory: `${redisMemoryLimitMiB(maxmemoryMiB)}Mi` },
  };
}

/** Sentinel holds a few KiB of state; its RSS stays near 10 MiB. */
export const SENTINEL_RESOURCES: Resources = {
  requests: { cpu: "25m", memory: "32Mi" },
  limits: { cpu: "250m", memory: "64Mi" },
};

/** The init containers run sh, cp, sed and redis-cli for a moment. */
export const INIT_RESOURCES: Resources = {
  requests: { cpu: "10m", memory: "16Mi" },
  limits: { cpu: "200m", memory: "64Mi" },
};
