/**
 * redis.conf and sentinel.conf, rendered. Pure: hosts, ports, names and timings are parameters, so the
 * real-server test renders the same files with loopback addresses.
 *
 * Neither file holds a secret or anything specific to one pod. The init containers (scripts.ts) copy them
 * into a writable in-memory volume and append the password and the pod's own announce address there
 * (Sentinel rewrites its file as the topology changes; Redis too, when Sentinel reconfigures it).
 */
import type { Endpoint } from "./types";

/** Listen on every IPv4 address, and on IPv6 where the pod has it (`-` makes an address optional). */
export const LISTEN_ALL = "* -::*";

/** Sentinel timings of the cluster; the real-server test passes shorter ones. */
export const DEFAULT_DOWN_AFTER_MILLISECONDS = 10_000;
export const DEFAULT_FAILOVER_TIMEOUT_MILLISECONDS = 60_000;

export interface RedisConfParams {
  readonly port: number;
  /** Addresses to listen on. @default LISTEN_ALL */
  readonly bind?: string;
  readonly maxmemoryMiB: number;
  readonly databases: number;
  /**
   * Replicas that must be connected (lag at most 10 s) for the master to accept writes: a master cut off from
   * its replicas stops taking writes that a failover on the other side would discard. 0 turns it off.
   */
  readonly minReplicasToWrite: number;
}

export function renderRedisConf(p: RedisConfParams): string {
  return lines([
    "# Ferrum RedisHA redis.conf, rendered by components/redis-ha/config-files.ts.",
    "# The init container appends requirepass, masterauth, replica-announce-ip and replicaof at start;",
    "# the data directory is the working directory.",
    `port ${p.port}`,
    `bind ${p.bind ?? LISTEN_ALL}`,
    "daemonize no",
    'logfile ""',
    `databases ${p.databases}`,
    "",
    "# One instance holds every service's cache, Celery queues and event streams: evicting keys would drop",
    "# queued tasks, so writes fail at the limit instead.",
    `maxmemory ${p.maxmemoryMiB}mb`,
    "maxmemory-policy noeviction",
    "",
    "# Persistence: the append-only file, fsync'd every second; no periodic RDB snapshots.",
    "appendonly yes",
    "appendfsync everysec",
    'save ""',
    "",
    "# Replication",
    "replica-read-only yes",
    "replica-serve-stale-data yes",
    "repl-diskless-sync yes",
    `min-replicas-to-write ${p.minReplicasToWrite}`,
    "min-replicas-max-lag 10",
    "tcp-keepalive 60",
  ]);
}

export interface SentinelConfParams {
  readonly port: number;
  /** Addresses to listen on. @default LISTEN_ALL */
  readonly bind?: string;
  readonly masterName: string;
  /** The initial master (Redis pod 0). */
  readonly master: Endpoint;
  readonly quorum: number;
  /** How long the master may be unreachable before a Sentinel deems it down. @default 10000 */
  readonly downAfterMilliseconds?: number;
  /** @default 60000 */
  readonly failoverTimeoutMilliseconds?: number;
}

export function renderSentinelConf(p: SentinelConfParams): string {
  const m = p.masterName;
  return lines([
    "# Ferrum RedisHA sentinel.conf, rendered by components/redis-ha/config-files.ts.",
    "# The init container appends requirepass, sentinel auth-pass and sentinel announce-ip at start, and points",
    "# `sentinel monitor` at the current master when another Sentinel knows it. Sentinel rewrites this file.",
    `port ${p.port}`,
    `bind ${p.bind ?? LISTEN_ALL}`,
    "daemonize no",
    'logfile ""',
    "",
    "# Pods are known by their stable DNS names, not by their IPs, which change on every restart.",
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    "",
    `sentinel monitor ${m} ${p.master.host} ${p.master.port} ${p.quorum}`,
    `sentinel down-after-milliseconds ${m} ${p.downAfterMilliseconds ?? DEFAULT_DOWN_AFTER_MILLISECONDS}`,
    `sentinel failover-timeout ${m} ${p.failoverTimeoutMilliseconds ?? DEFAULT_FAILOVER_TIMEOUT_MILLISECONDS}`,
    `sentinel parallel-syncs ${m} 1`,
  ]);
}

const lines = (ls: readonly string[]): string => `${ls.join("\n")}\n`;
