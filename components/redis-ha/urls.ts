/**
 * The env values of one service's cache connection (README, "The env contract": the REDIS_* / CELERY_* /
 * EVENTS_REDIS_URL rows), built from plain strings. Pure; RedisHA wraps the values carrying a password in
 * secret Outputs.
 *
 * Sentinel mode (in the cluster), every URL carrying the service's own ACL user (acl.ts):
 * - `REDIS_URL` = `redis://<user>:<pw>@<cache group>/<cache DB>`: django-redis's SentinelConnectionFactory reads
 *   the host part as the master group name (the cache group, `ferrum-cache`) and finds its master through
 *   `REDIS_SENTINELS`.
 * - `CELERY_BROKER_URL` and `CELERY_RESULT_BACKEND` = `sentinel://<user>:<pw>@<sentinel>:26379/<db>;...`, one
 *   URL per Sentinel (kombu's Sentinel transport, and Celery's SentinelBackend since 4.x, take this form; the
 *   user, password and DB of the first URL are used for the master of the data group). Celery 5.2's
 *   SentinelBackend drops the URL's user: settings must give it as `CELERY_REDIS_USERNAME` (README).
 * - `CELERY_BROKER_TRANSPORT_OPTIONS` = `{"master_name": ..., "sentinel_kwargs": {"username": ..., "password":
 *   ...}, "global_keyprefix": "{<service>}:"}`: Sentinel itself requires a login, and every kombu key and
 *   channel sits under the service's prefix, which its ACL user is held to. Celery reads the result backend's
 *   options from a separate setting (`result_backend_transport_options`): Django settings must set both from
 *   this one variable.
 * - `EVENTS_REDIS_URL` = `redis://<user>:<pw>@<data group>/0`.
 *
 * Direct mode (a managed cache: one TLS endpoint, DB 0 only), every service in DB 0 kept apart by its prefix:
 * - `REDIS_URL` = `rediss://:<pw>@<caches' host>:<port>/0` (the `allkeys-lru` cache) and `EVENTS_REDIS_URL` =
 *   the same on Celery's (`noeviction`); django-redis prefixes the cache's keys with `REDIS_KEY_PREFIX`; the
 *   event streams are shared by design. redis-py verifies the server's certificate on `rediss://` by default.
 * - `CELERY_BROKER_URL` and `CELERY_RESULT_BACKEND` = the same URL with `?ssl_cert_reqs=required`: Celery's
 *   Redis result backend refuses a `rediss://` URL without it, and kombu would fall back to no certificate
 *   check (both read `required` as `ssl.CERT_REQUIRED`).
 * - `CELERY_BROKER_TRANSPORT_OPTIONS` = `{"global_keyprefix": "{<service>}:"}`: kombu (5.2 and later) prefixes
 *   every key and Pub/Sub channel of its Redis transport with it (queues, bindings, unacked sets, the pidbox
 *   broadcasts), so no two services share a queue or a remote-control channel. Celery 5.3 and later prefix
 *   the result backend's task, group and chord keys too, when Django settings hand the same JSON to
 *   `result_backend_transport_options`; 5.2 leaves them as they are, named by task UUIDs.
 * - `REDIS_SENTINELS` and `REDIS_SENTINEL_MASTER` are empty.
 *
 * Every user and password is percent-encoded in URLs (clients unquote them); they are the JSON's plain strings.
 */
import { celeryKeyPrefix } from "./acl";
import { EVENTS_DB, ServiceDatabases } from "./databases";
import type { Endpoint } from "./types";

/** The one logical DB of a managed cache (cluster-capable caches offer no other). */
export const DIRECT_DB = 0;

/** The Sentinel-managed masters as one service sees them, with its user and password in the clear. */
export interface SentinelTarget {
  readonly kind: "sentinel";
  /** The data group (Celery, events). */
  readonly masterName: string;
  /** The cache group (Django's caches). */
  readonly cacheMasterName: string;
  readonly sentinels: readonly Endpoint[];
  readonly username: string;
  readonly password: string;
}

/** A managed cache's endpoint as clients see it, with the password in the clear. */
export interface DirectEndpoint {
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

/** The two managed caches as clients see them: Celery's and the streams', and the caches' (`cache`). */
export interface DirectTarget extends DirectEndpoint {
  readonly kind: "direct";
  readonly tls: true;
  readonly cache: DirectEndpoint;
}

/** What the URLs are built from: one member per CacheServer kind. */
export type CacheTarget = SentinelTarget | DirectTarget;

/** Every cache variable of one service, as plain strings. */
export interface CacheValues {
  /** REDIS_URL */
  readonly url: string;
  /** REDIS_SENTINELS */
  readonly sentinels: string;
  /** REDIS_SENTINEL_MASTER */
  readonly sentinelMaster: string;
  /** REDIS_KEY_PREFIX */
  readonly keyPrefix: string;
  /** CELERY_BROKER_URL */
  readonly celeryBrokerUrl: string;
  /** CELERY_RESULT_BACKEND */
  readonly celeryResultBackend: string;
  /** CELERY_BROKER_TRANSPORT_OPTIONS */
  readonly celeryTransportOptions: string;
  /** EVENTS_REDIS_URL */
  readonly eventsUrl: string;
}

/** `host:port,host:port,...` */
export function sentinelList(sentinels: readonly Endpoint[]): string {
  return sentinels.map((s) => `${s.host}:${s.port}`).join(",");
}

const login = (t: SentinelTarget): string =>
  `${encodeURIComponent(t.username)}:${encodeURIComponent(t.password)}`;

/** `redis://<user>:<pw>@<group>/<db>`, resolved through the Sentinels. */
export function sentinelRedisUrl(t: SentinelTarget, group: string, db: number): string {
  return `redis://${login(t)}@${group}/${db}`;
}

/** `sentinel://<user>:<pw>@<sentinel>/<db>;...`, one URL per Sentinel, for kombu and Celery. */
export function celerySentinelUrl(t: SentinelTarget, db: number): string {
  return t.sentinels.map((s) => `sentinel://${login(t)}@${s.host}:${s.port}/${db}`).join(";");
}

/** The transport options JSON Celery needs for the Sentinel URLs (broker and result backend alike). */
export function celerySentinelTransportOptions(t: SentinelTarget, service: string): string {
  return JSON.stringify({
    master_name: t.masterName,
    sentinel_kwargs: { username: t.username, password: t.password },
    global_keyprefix: celeryKeyPrefix(service),
  });
}

/** `rediss://:<pw>@<host>:<port>/<db>`: TLS, the server's certificate verified by the client's defaults. */
export function directRedisUrl(t: DirectEndpoint, db: number): string {
  // redis-py checks the certificate chain on rediss:// but not the host name unless asked.
  return `rediss://:${encodeURIComponent(t.password)}@${t.host}:${t.port}/${db}?ssl_check_hostname=true`;
}

/** The direct URL with the certificate check Celery's result backend insists on, and kombu then applies. */
export function celeryDirectUrl(t: DirectTarget, db: number): string {
  return `${directRedisUrl(t, db)}&ssl_cert_reqs=required`;
}

/**
 * The transport options JSON that keeps a service's Celery keys and channels under its own prefix. The prefix
 * is a Redis Cluster hash tag (`{auth}:`), so on a sharded managed cache (Azure Managed Redis with
 * EnterpriseCluster) all of a service's queue keys land in one slot and Celery's multi-key commands (BRPOP over
 * priority lists, MULTI/EXEC) keep working; on an unsharded cache the braces are just characters.
 */
export function celeryDirectTransportOptions(service: string): string {
  return JSON.stringify({ global_keyprefix: celeryKeyPrefix(service) });
}

/**
 * Every cache variable of `service`. `dbs` are its DBs in the cluster; a managed cache (direct) has DB 0
 * only, whatever `dbs` says.
 */
export function cacheValues(target: CacheTarget, service: string, dbs: ServiceDatabases): CacheValues {
  switch (target.kind) {
    case "sentinel":
      return {
        url: sentinelRedisUrl(target, target.cacheMasterName, dbs.cache),
        sentinels: sentinelList(target.sentinels),
        sentinelMaster: target.masterName,
        keyPrefix: keyPrefix(service),
        celeryBrokerUrl: celerySentinelUrl(target, dbs.celery),
        celeryResultBackend: celerySentinelUrl(target, dbs.celery),
        celeryTransportOptions: celerySentinelTransportOptions(target, service),
        eventsUrl: sentinelRedisUrl(target, target.masterName, EVENTS_DB),
      };
    case "direct":
      return {
        url: directRedisUrl(target.cache, DIRECT_DB),
        sentinels: "",
        sentinelMaster: "",
        keyPrefix: keyPrefix(service),
        celeryBrokerUrl: celeryDirectUrl(target, DIRECT_DB),
        celeryResultBackend: celeryDirectUrl(target, DIRECT_DB),
        celeryTransportOptions: celeryDirectTransportOptions(service),
        eventsUrl: directRedisUrl(target, DIRECT_DB),
      };
  }
}

/** `REDIS_KEY_PREFIX`: isolation that also holds where a managed cache offers DB 0 only. */
export const keyPrefix = (service: string): string => `${service}:`;
