/**
 * RedisHA: Redis 7 for every service's cache, Celery broker and result backend, and the shared event streams,
 * in two groups so that a full cache never stops Celery or the streams: Celery and the streams on `noeviction`
 * servers, Django's caches on `allkeys-lru` ones. Highly available through Sentinel in the cluster, every
 * client as its own ACL user; or two managed caches (ElastiCache, Azure Managed Redis) with TLS and DB 0 only.
 * Hands each service a typed CacheConnection in the same env contract either way.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CacheConnection } from "../connections";
import { EVENTS_DB, serviceDatabases, type ServiceDatabases } from "./databases";
import { inClusterRedis } from "./in-cluster";
import { resolveSettings, type ResolvedSettings } from "./settings";
import type { CacheServer, Login, RedisHAArgs } from "./types";
import { cacheValues, DIRECT_DB, keyPrefix, sentinelList, type CacheValues } from "./urls";

/*
 * Cloud backends are loaded only when a stack uses them: their provider SDKs cost every other stack
 * (dev included) a second of start-up otherwise.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** A managed cache's endpoint. */
export interface CacheEndpoint {
  readonly host: pulumi.Output<string>;
  readonly port: number;
}

export class RedisHA extends pulumi.ComponentResource {
  /** The data group's name (`REDIS_SENTINEL_MASTER`); empty with a managed cache. */
  public readonly masterName: string;
  /** The cache group's name (`REDIS_URL`'s host); empty with a managed cache. */
  public readonly cacheMasterName: string;
  /** Every Sentinel as `host:port,...` (`REDIS_SENTINELS`); empty with a managed cache. */
  public readonly sentinels: string;
  /** Stable DNS names of the data group's pods, by ordinal (pod 0 is the initial master); none with a managed cache. */
  public readonly redisHosts: readonly string[];
  /** Stable DNS names of the cache group's pods, by ordinal; none with a managed cache. */
  public readonly cacheHosts: readonly string[];
  /** Stable DNS names of the Sentinel pods, by ordinal; none with a managed cache. */
  public readonly sentinelHosts: readonly string[];
  /** A managed cache's primary endpoint (TLS); absent in the cluster, where Sentinel names the master. */
  public readonly endpoint?: CacheEndpoint;
  /** The operators' ACL user in the cluster (`redis-admin`, every command); empty with a managed cache. */
  public readonly adminUsername: string;
  /** Secret: the operators' password in the cluster, or the managed cache's AUTH token or access key. */
  public readonly password: pulumi.Output<string>;
  /** redis_exporter's login: its own ACL user in the cluster; the token (no user) on a managed cache. */
  public readonly exporter: Login;
  /** The DB that every service's event streams share. */
  public readonly eventsDatabase: number;
  /** Each service's cache DB and Celery DB (both 0 on a managed cache: the key prefix keeps them apart). */
  public readonly databases: Readonly<Record<string, ServiceDatabases>>;
  /** In the cluster: the Redis StatefulSet. */
  public readonly redisStatefulSet?: k8s.apps.v1.StatefulSet;
  /** In the cluster: the cache group's StatefulSet. */
  public readonly cacheStatefulSet?: k8s.apps.v1.StatefulSet;
  /** In the cluster: the Sentinel StatefulSet. */
  public readonly sentinelStatefulSet?: k8s.apps.v1.StatefulSet;
  /** In the cluster: the Job that applies the ACL users to the running servers. */
  public readonly usersJob?: k8s.batch.v1.Job;
  /** The managed cache of Celery and the streams: the ElastiCache replication group or the Azure Managed Redis database. */
  public readonly managedCache?: pulumi.CustomResource;
  /** The managed cache of Django's caches (`allkeys-lru`). */
  public readonly managedLruCache?: pulumi.CustomResource;
  private readonly server: CacheServer;
  private readonly connections: ReadonlyMap<string, CacheConnection>;

  constructor(name: string, args: RedisHAArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate before anything registers, this component included.
    const settings = resolveSettings(name, args);
    super("ferrum:index:RedisHA", name, {}, opts);

    const built = this.build(name, settings);
    this.server = built.server;
    this.redisStatefulSet = built.redisStatefulSet;
    this.cacheStatefulSet = built.cacheStatefulSet;
    this.sentinelStatefulSet = built.sentinelStatefulSet;
    this.usersJob = built.usersJob;
    this.managedCache = built.managedCache;
    this.managedLruCache = built.managedLruCache;
    this.redisHosts = built.redisHosts;
    this.cacheHosts = built.cacheHosts;
    this.sentinelHosts = built.sentinelHosts;
    this.adminUsername = built.admin.username;
    this.password = built.admin.password;
    this.exporter = built.exporter;
    if (this.server.kind === "sentinel") {
      this.masterName = this.server.masterName;
      this.cacheMasterName = this.server.cacheMasterName;
      this.sentinels = sentinelList(this.server.sentinels);
    } else {
      this.masterName = "";
      this.cacheMasterName = "";
      this.sentinels = "";
      this.endpoint = { host: this.server.host, port: this.server.port };
    }
    this.eventsDatabase = this.server.kind === "sentinel" ? EVENTS_DB : DIRECT_DB;
    this.databases = Object.fromEntries(
      settings.services.map((s) => [
        s,
        settings.kind === "inCluster"
          ? serviceDatabases(settings.slots[s]!)
          : { cache: DIRECT_DB, celery: DIRECT_DB },
      ]),
    );
    this.connections = new Map(settings.services.map((s) => [s, this.connect(s, this.databases[s]!)]));

    this.registerOutputs({
      masterName: this.masterName,
      cacheMasterName: this.cacheMasterName,
      sentinels: this.sentinels,
      redisHosts: this.redisHosts,
      cacheHosts: this.cacheHosts,
      adminUsername: this.adminUsername,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
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

  /** The backend's resources; which ones exist is decided here, from the plain settings. */
  private build(name: string, settings: ResolvedSettings): Built {
    switch (settings.kind) {
      case "inCluster": {
        const made = inClusterRedis(name, settings, this);
        return {
          server: made.server,
          redisStatefulSet: made.redis,
          cacheStatefulSet: made.cache,
          sentinelStatefulSet: made.sentinel,
          usersJob: made.usersJob,
          redisHosts: made.topology.redis.map((e) => e.host),
          cacheHosts: made.topology.cache.redis.map((e) => e.host),
          sentinelHosts: made.topology.sentinels.map((e) => e.host),
          admin: made.admin,
          exporter: made.exporter,
        };
      }
      case "elasticache": {
        const made = (require("./elasticache") as typeof import("./elasticache")).elastiCacheRedis(
          name,
          settings,
          this,
        );
        return {
          ...managed(made.server),
          managedCache: made.replicationGroup,
          managedLruCache: made.cacheReplicationGroup,
        };
      }
      case "azureManagedRedis": {
        const made = (
          require("./azure-managed-redis") as typeof import("./azure-managed-redis")
        ).azureManagedRedis(name, settings, this);
        return { ...managed(made.server), managedCache: made.database, managedLruCache: made.cacheDatabase };
      }
    }
  }

  private connect(service: string, dbs: ServiceDatabases): CacheConnection {
    const server = this.server;
    const user = server.kind === "sentinel" ? server.users.get(service)! : undefined;
    const values: pulumi.Output<CacheValues> =
      server.kind === "sentinel"
        ? user!.password.apply((password) =>
            cacheValues(
              {
                kind: "sentinel",
                masterName: server.masterName,
                cacheMasterName: server.cacheMasterName,
                sentinels: server.sentinels,
                username: user!.username,
                password,
              },
              service,
              dbs,
            ),
          )
        : pulumi
            .all([server.host, server.password, server.cache.host, server.cache.password])
            .apply(([host, password, cacheHost, cachePassword]) =>
              cacheValues(
                {
                  kind: "direct",
                  host,
                  port: server.port,
                  tls: true,
                  password,
                  cache: { host: cacheHost, port: server.cache.port, password: cachePassword },
                },
                service,
                dbs,
              ),
            );
    const secret = (pick: (v: CacheValues) => string): pulumi.Output<string> =>
      pulumi.secret(values.apply(pick));
    return {
      url: secret((v) => v.url),
      sentinels: server.kind === "sentinel" ? sentinelList(server.sentinels) : "",
      sentinelMaster: server.kind === "sentinel" ? server.masterName : "",
      keyPrefix: keyPrefix(service),
      celeryBrokerUrl: secret((v) => v.celeryBrokerUrl),
      celeryResultBackend: secret((v) => v.celeryResultBackend),
      celeryTransportOptions: secret((v) => v.celeryTransportOptions),
      eventsUrl: secret((v) => v.eventsUrl),
    };
  }
}

/** What one backend made, in the shape the component exposes. */
interface Built {
  readonly server: CacheServer;
  readonly redisStatefulSet?: k8s.apps.v1.StatefulSet;
  readonly cacheStatefulSet?: k8s.apps.v1.StatefulSet;
  readonly sentinelStatefulSet?: k8s.apps.v1.StatefulSet;
  readonly usersJob?: k8s.batch.v1.Job;
  readonly managedCache?: pulumi.CustomResource;
  readonly managedLruCache?: pulumi.CustomResource;
  readonly redisHosts: readonly string[];
  readonly cacheHosts: readonly string[];
  readonly sentinelHosts: readonly string[];
  readonly admin: Login;
  readonly exporter: Login;
}

/** A managed cache: one endpoint, one token for everyone (no ACL users: README, "Which backends get ACL users"). */
function managed(
  server: Extract<CacheServer, { kind: "direct" }>,
): Omit<Built, "managedCache" | "managedLruCache"> {
  const token: Login = { username: "", password: server.password };
  return { server, redisHosts: [], cacheHosts: [], sentinelHosts: [], admin: token, exporter: token };
}
