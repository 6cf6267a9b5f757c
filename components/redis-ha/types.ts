/** RedisHA's arguments and the server abstraction its backends share. */
import type * as pulumi from "@pulumi/pulumi";
import type { PasswordRotation } from "./credentials";
import type { AzureManagedRedis, ElastiCacheRedis } from "./managed-types";

/** The cache servers: Django's caches only, evicting the least recently used key under memory pressure. */
export interface InClusterCache {
  /** `maxmemory` of each cache pod, MiB: every service's cache together. @default 64 */
  readonly maxmemoryMiB?: number;
  /** Cache pods: one master, the rest replicas Sentinel can promote. @default 2 */
  readonly replicas?: number;
}

/**
 * Redis 7 inside the cluster: two groups of Redis pods, each a StatefulSet with one master and replicas, both
 * watched by one StatefulSet of Sentinels that fail either master over. The data group holds Celery's queues
 * and results and the event streams (never evicted, persisted); the cache group holds Django's caches (evicted
 * under pressure, not persisted), so a full cache never stops Celery or the streams. Every client logs in as
 * its own ACL user (acl.ts).
 */
export interface InClusterRedis {
  readonly kind: "inCluster";
  /** Official Redis 7 image, pinned. Use config/defaults.ts's `DEFAULT_REDIS_IMAGE` unless you have a reason not to. */
  readonly image: string;
  /** Redis pods: one master, the rest replicas. @default 3 */
  readonly replicas?: number;
  /** Sentinel pods; at least 3 so a majority survives the loss of one. @default 3 */
  readonly sentinels?: number;
  /** Sentinels that must agree the master is down before a failover starts. @default 2 */
  readonly quorum?: number;
  /**
   * `maxmemory` of each data pod, MiB: Celery's queues and results and the event streams of every service
   * together. With `noeviction`, writes fail once it is reached (an alert fires at 80%); the container's
   * memory limit adds headroom (sizing.ts).
   */
  readonly maxmemoryMiB: number;
  /** The cache group. @default { maxmemoryMiB: 64, replicas: 2 } */
  readonly cache?: InClusterCache;
  /** Rotation of every ACL user's password (credentials.ts). @default { generation: 1, acceptPrevious: true } */
  readonly rotation?: PasswordRotation;
  /** Size of each Redis pod's data volume (the append-only file), in GiB; at least 2 × maxmemory. */
  readonly storageGiB: number;
  /** StorageClass of the data pods' and the Sentinels' volumes. @default - the cluster's default class */
  readonly storageClass?: string;
  /** Logical databases (`databases` in redis.conf); every service's DBs must fit. @default 16 */
  readonly databases?: number;
  /** `protect` and retain the Redis StatefulSet (its volume claims) on delete. */
  readonly protect: boolean;
}

/**
 * Where Redis runs: in the cluster with Sentinel, or a managed cache (TLS, DB 0 only, every service isolated
 * by its key prefix). The managed members live in managed-types.ts.
 */
export type RedisBackend = InClusterRedis | ElastiCacheRedis | AzureManagedRedis;

export interface RedisHAArgs {
  /** Where Redis runs; decides which resources exist. */
  readonly backend: RedisBackend;
  /** Namespace of the in-cluster resources (none exist with a managed backend, but it is still checked). */
  readonly namespace: string;
  /**
   * Service names. In the cluster each gets its own cache DB and its own Celery DB, and shares the events DB;
   * on a managed cache every service shares DB 0 and is kept apart by its key prefix.
   */
  readonly services: readonly string[];
  /**
   * Database slot of each service (slot n: cache DB 2n-1, Celery DB 2n; DB 0 holds the shared events).
   * Slots are append-only: a slot once given is never moved or reused, so adding or removing a service never
   * moves another service's queues or cache. Unused by the managed backends (DB 0 only).
   * @default DEFAULT_DATABASE_SLOTS (databases.ts)
   */
  readonly databaseSlots?: Readonly<Record<string, number>>;
}

/** A host and port, as Redis and Sentinel announce them. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** How clients reach the in-cluster masters: through the Sentinels, each service as its own ACL user. */
export interface SentinelServer {
  readonly kind: "sentinel";
  /** The data group's name (`REDIS_SENTINEL_MASTER`). */
  readonly masterName: string;
  /** The cache group's name (`REDIS_URL`'s host). */
  readonly cacheMasterName: string;
  /** Every Sentinel, by ordinal. */
  readonly sentinels: readonly Endpoint[];
  /** Each service's ACL user and its current password (secret). */
  readonly users: ReadonlyMap<string, Login>;
}

/** An ACL user and its password (secret). */
export interface Login {
  readonly username: string;
  readonly password: pulumi.Output<string>;
}

/** A managed cache's one endpoint: TLS only, a password, DB 0 only. Failover keeps the address. */
export interface ManagedEndpoint {
  /** The primary endpoint's DNS name (an output of the cloud resource). */
  readonly host: pulumi.Output<string>;
  readonly port: number;
  /** Secret: the AUTH token or access key. */
  readonly password: pulumi.Output<string>;
}

/**
 * The two managed caches: the one Celery and the streams use (`noeviction`), and the one Django's caches use
 * (`allkeys-lru`). Clients must speak TLS (`rediss://`); the managed backends refuse plaintext.
 */
export interface DirectServer extends ManagedEndpoint {
  readonly kind: "direct";
  readonly tls: true;
  /** The caches' endpoint (REDIS_URL). */
  readonly cache: ManagedEndpoint;
}

/** What every backend hands the connection code; urls.ts renders one branch per member. */
export type CacheServer = SentinelServer | DirectServer;
