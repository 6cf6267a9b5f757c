/**
 * redis.conf and sentinel.conf, rendered. Pure: hosts, ports, names and timings are parameters, so the
 * real-server tests render the same files with loopback addresses.
 *
 * Neither file holds a secret or anything specific to one pod. The init containers (scripts.ts) copy them into
 * a writable volume and append the ACL users (password hashes from the users Secret), the credentials the
 * server sends (replication, Sentinel) and the pod's own announce address there. Sentinel rewrites its file as
 * the topology changes (it lives on the Sentinel's volume claim, so that state survives a reboot); Redis too,
 * when Sentinel reconfigures it.
 */
import { DEFAULT_USER_LINE, INTERNAL_USERS } from "./acl";
import type { Endpoint } from "./types";

/** Listen on every IPv4 address, and on IPv6 where the pod has it (`-` makes an address optional). */
export const LISTEN_ALL = "* -::*";

/** Sentinel timings of the cluster; the real-server test passes shorter ones. */
export const DEFAULT_DOWN_AFTER_MILLISECONDS = 10_000;
export const DEFAULT_FAILOVER_TIMEOUT_MILLISECONDS = 60_000;

/**
 * What a group of Redis servers holds, which decides eviction and persistence:
 * - `data`: Celery's queues and results and the event streams. Nothing may be evicted (a queued task or an
 *   event would vanish), so writes fail at `maxmemory` instead (`noeviction`, alerted on well before); kept in
 *   an append-only file.
 * - `cache`: Django's caches only. Under memory pressure the least recently used key goes (`allkeys-lru`);
 *   nothing is persisted (a restarted cache starts empty, as any cache may).
 */
export type GroupKind = "data" | "cache";

export interface RedisConfParams {
  readonly kind: GroupKind;
  readonly port: number;
  /** Addresses to listen on. @default LISTEN_ALL */
  readonly bind?: string;
  readonly maxmemoryMiB: number;
  readonly databases: number;
  /**
   * Replicas that must be connected (lag at most 10 s) for the master to accept writes: a master cut off from
   * its replicas stops taking writes that a failover on the other side would discard. 0 turns it off (the
   * cache: a lost write there is a cache miss).
   */
  readonly minReplicasToWrite: number;
}

export function renderRedisConf(p: RedisConfParams): string {
  const memory =
    p.kind === "data"
      ? [
          "# Celery's queues and results and the event streams: evicting a key would drop a queued task or an",
          "# event, so writes fail at the limit instead (an alert fires well before).",
          `maxmemory ${p.maxmemoryMiB}mb`,
          "maxmemory-policy noeviction",
          "",
          "# Persistence: the append-only file, fsync'd every second; no periodic RDB snapshots.",
          "appendonly yes",
          "appendfsync everysec",
          'save ""',
        ]
      : [
          "# Django's caches only: under memory pressure the least recently used key is evicted, in the background.",
          `maxmemory ${p.maxmemoryMiB}mb`,
          "maxmemory-policy allkeys-lru",
          "lazyfree-lazy-eviction yes",
          "",
          "# A cache: nothing persisted.",
          "appendonly no",
          'save ""',
        ];
  return lines([
    `# Ferrum RedisHA redis.conf (${p.kind} group), rendered by components/redis-ha/config-files.ts.`,
    "# The init container appends the ACL users, masteruser/masterauth, replica-announce-ip and replicaof at",
    "# start; the data directory is the working directory.",
    `port ${p.port}`,
    `bind ${p.bind ?? LISTEN_ALL}`,
    "daemonize no",
    'logfile ""',
    `databases ${p.databases}`,
    "",
    "# Every client names its ACL user; the default user is off.",
    DEFAULT_USER_LINE,
    "",
    ...memory,
    "",
    "# Replication",
    "replica-read-only yes",
    "replica-serve-stale-data yes",
    "repl-diskless-sync yes",
    `min-replicas-to-write ${p.minReplicasToWrite}`,
    "min-replicas-max-lag 10",
    `masteruser ${INTERNAL_USERS.replication}`,
    "tcp-keepalive 60",
  ]);
}

/** A master group the Sentinels monitor. */
export interface SentinelGroup {
  readonly masterName: string;
  /** The initial master (the group's pod 0). */
  readonly master: Endpoint;
  readonly quorum: number;
}

export interface SentinelConfParams {
  readonly port: number;
  /** Addresses to listen on. @default LISTEN_ALL */
  readonly bind?: string;
  readonly groups: readonly SentinelGroup[];
  /** How long a master may be unreachable before a Sentinel deems it down. @default 10000 */
  readonly downAfterMilliseconds?: number;
  /** @default 60000 */
  readonly failoverTimeoutMilliseconds?: number;
}

export function renderSentinelConf(p: SentinelConfParams): string {
  const group = (g: SentinelGroup): string[] => [
    "",
    `sentinel monitor ${g.masterName} ${g.master.host} ${g.master.port} ${g.quorum}`,
    `sentinel down-after-milliseconds ${g.masterName} ${p.downAfterMilliseconds ?? DEFAULT_DOWN_AFTER_MILLISECONDS}`,
    `sentinel failover-timeout ${g.masterName} ${p.failoverTimeoutMilliseconds ?? DEFAULT_FAILOVER_TIMEOUT_MILLISECONDS}`,
    `sentinel parallel-syncs ${g.masterName} 1`,
    `sentinel auth-user ${g.masterName} ${INTERNAL_USERS.sentinel}`,
  ];
  return lines([
    "# Ferrum RedisHA sentinel.conf, rendered by components/redis-ha/config-files.ts.",
    "# The init container appends the ACL users, each group's auth-pass, sentinel-pass and announce-ip at start,",
    "# points each `sentinel monitor` at the current master, and carries over the state of the previous run",
    "# (myid, epochs, known replicas and Sentinels). Sentinel rewrites this file.",
    `port ${p.port}`,
    `bind ${p.bind ?? LISTEN_ALL}`,
    "daemonize no",
    'logfile ""',
    "",
    "# Every client names its ACL user; the default user is off. Sentinels log in to each other as",
    `# ${INTERNAL_USERS.sentinel}, and to the Redis servers too.`,
    DEFAULT_USER_LINE,
    `sentinel sentinel-user ${INTERNAL_USERS.sentinel}`,
    "",
    "# Pods are known by their stable DNS names, not by their IPs, which change on every restart.",
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    ...p.groups.flatMap(group),
  ]);
}

const lines = (ls: readonly string[]): string => `${ls.join("\n")}\n`;
