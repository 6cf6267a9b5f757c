/** RedisHA's arguments and the server abstraction its backends share. */
import type * as pulumi from "@pulumi/pulumi";

/** The official Redis 7 image, pinned (Debian bookworm variant: it has `sh`, `timeout` and `getent`). */
export const DEFAULT_REDIS_IMAGE = "redis:7.4.6-bookworm";

/**
 * Redis 7 inside the cluster: a StatefulSet of Redis pods (one master, the rest replicas) watched by a
 * StatefulSet of Sentinels that fail the master over.
 */
export interface InClusterRedis {
  readonly kind: "inCluster";
  /** Official Redis 7 image, pinned. Use {@link DEFAULT_REDIS_IMAGE} unless you have a reason not to. */
  readonly image: string;
  /** Redis pods: one master, the rest replicas. @default 3 */
  readonly replicas?: number;
  /** Sentinel pods; at least 3 so a majority survives the loss of one. @default 3 */
  readonly sentinels?: number;
  /** Sentinels that must agree the master is down before a failover starts. @default 2 */
  readonly quorum?: number;
  /**
   * Redis `maxmemory` in MiB: the dataset (cache, queues, streams) of every service together. With
   * `noeviction`, writes fail once it is reached; the container's memory limit adds headroom (sizing.ts).
   */
  readonly maxmemoryMiB: number;
  /** Size of each Redis pod's data volume (the append-only file), in GiB; at least 2 × maxmemory. */
  readonly storageGiB: number;
  /** StorageClass of the data volumes. @default - the cluster's default class */
  readonly storageClass?: string;
  /** Logical databases (`databases` in redis.conf); every service's DBs must fit. @default 16 */
  readonly databases?: number;
  /** `protect` and retain the Redis StatefulSet (its volume claims) on delete. */
  readonly protect: boolean;
}

/** Where Redis runs. A `managed` member (ElastiCache, Azure Managed Redis: TLS, DB 0 only) comes later. */
export type RedisBackend = InClusterRedis;

export interface RedisHAArgs {
  /** Where Redis runs; decides which resources exist. */
  readonly backend: RedisBackend;
  /** Namespace of the in-cluster resources. */
  readonly namespace: string;
  /** Service names; each gets its own cache DB and its own Celery DB, and shares the events DB. */
  readonly services: readonly string[];
  /**
   * Database slot of each service (slot n: cache DB 2n-1, Celery DB 2n; DB 0 holds the shared events).
   * Slots are append-only: a slot once given is never moved or reused, so adding or removing a service never
   * moves another service's queues or cache.
   * @default DEFAULT_DATABASE_SLOTS (databases.ts)
   */
  readonly databaseSlots?: Readonly<Record<string, number>>;
}

/** A host and port, as Redis and Sentinel announce them. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * What every backend hands the connection code: how clients reach the master. Sentinel is the only member
 * now; a managed cache will add `{ kind: "direct"; host; port; tls; ... }` and its own branch in urls.ts.
 */
export interface SentinelServer {
  readonly kind: "sentinel";
  /** The master group name Sentinel monitors (`REDIS_SENTINEL_MASTER`). */
  readonly masterName: string;
  /** Every Sentinel, by ordinal. */
  readonly sentinels: readonly Endpoint[];
  /** Secret: the password of Redis and of Sentinel. */
  readonly password: pulumi.Output<string>;
}

export type CacheServer = SentinelServer;
