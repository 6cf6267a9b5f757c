/**
 * RedisHA: Redis 7 for every service's cache, Celery broker and result backend, and the shared event streams;
 * highly available through Sentinel in the cluster. Hands each service a typed CacheConnection.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CacheConnection } from "../connections";
import { EVENTS_DB, serviceDatabases, type ServiceDatabases } from "./databases";
import { inClusterRedis } from "./in-cluster";
import { resolveSettings } from "./settings";
import type { CacheServer, RedisHAArgs } from "./types";
import { cacheValues, keyPrefix, sentinelList } from "./urls";

export class RedisHA extends pulumi.ComponentResource {
  /** The master group name (`REDIS_SENTINEL_MASTER`). */
  public readonly masterName: string;
  /** Every Sentinel as `host:port,...` (`REDIS_SENTINELS`). */
  public readonly sentinels: string;
  /** Stable DNS names of the Redis pods, by ordinal (pod 0 is the initial master). */
  public readonly redisHosts: readonly string[];
  /** Stable DNS names of the Sentinel pods, by ordinal. */
  public readonly sentinelHosts: readonly string[];
  /** Secret: the password of Redis and of Sentinel. */
  public readonly password: pulumi.Output<string>;
  /** The DB that every service's event streams share. */
  public readonly eventsDatabase: number;
  /** Each service's cache DB and Celery DB. */
  public readonly databases: Readonly<Record<string, ServiceDatabases>>;
  public readonly redisStatefulSet: k8s.apps.v1.StatefulSet;
  public readonly sentinelStatefulSet: k8s.apps.v1.StatefulSet;
  private readonly server: CacheServer;
  private readonly connections: ReadonlyMap<string, CacheConnection>;

  constructor(name: string, args: RedisHAArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    const settings = resolveSettings(name, args);
    super("ferrum:index:RedisHA", name, {}, opts);

    // The only backend so far; a managed one (TLS, DB 0 only) adds a branch here and a CacheServer member.
    const made = inClusterRedis(name, settings, this);
    this.server = made.server;
    this.redisStatefulSet = made.redis;
    this.sentinelStatefulSet = made.sentinel;
    this.masterName = made.server.masterName;
    this.sentinels = sentinelList(made.server.sentinels);
    this.redisHosts = made.topology.redis.map((e) => e.host);
    this.sentinelHosts = made.topology.sentinels.map((e) => e.host);
    this.password = made.server.password;
    this.eventsDatabase = EVENTS_DB;
    this.databases = Object.fromEntries(
      settings.services.map((s) => [s, serviceDatabases(settings.slots[s]!)]),
    );
    this.connections = new Map(settings.services.map((s) => [s, this.connect(s, this.databases[s]!)]));

    this.registerOutputs({
      masterName: this.masterName,
      sentinels: this.sentinels,
      redisHosts: this.redisHosts,
      password: this.password,
      databases: this.databases,
    });
  }

  /** The cache connection of one service (its own cache DB and Celery DB, the shared events DB). */
  forService(service: string): CacheConnection {
    const c = this.connections.get(service);
    if (!c)
      throw new Error(
        `RedisHA has no databases for ${service}; it has ${[...this.connections.keys()].join(", ")}`,
      );
    return c;
  }

  private connect(service: string, dbs: ServiceDatabases): CacheConnection {
    const server = this.server;
    const values = server.password.apply((password) => cacheValues({ ...server, password }, service, dbs));
    const secret = (pick: (v: ReturnType<typeof cacheValues>) => string): pulumi.Output<string> =>
      pulumi.secret(values.apply(pick));
    return {
      url: secret((v) => v.url),
      sentinels: sentinelList(server.sentinels),
      sentinelMaster: server.masterName,
      keyPrefix: keyPrefix(service),
      celeryBrokerUrl: secret((v) => v.celeryBrokerUrl),
      celeryResultBackend: secret((v) => v.celeryResultBackend),
      celeryTransportOptions: secret((v) => v.celeryTransportOptions),
      eventsUrl: secret((v) => v.eventsUrl),
    };
  }
}
