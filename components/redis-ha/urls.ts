/**
 * The env values of one service's cache connection (DESIGN.md's REDIS_* / CELERY_* / EVENTS_REDIS_URL rows),
 * built from plain strings. Pure; RedisHA wraps the values carrying the password in secret Outputs.
 *
 * Sentinel mode, as the clients expect it:
 * - `REDIS_URL` = `redis://:<pw>@<master-name>/<db>`: django-redis's SentinelConnectionFactory reads the
 *   host part as the master group name and finds the master through `REDIS_SENTINELS`.
 * - `CELERY_BROKER_URL` and `CELERY_RESULT_BACKEND` = `sentinel://:<pw>@<sentinel>:26379/<db>;...`, one URL
 *   per Sentinel (kombu's Sentinel transport, and Celery's SentinelBackend since 4.x, take this form; the
 *   password and DB of the first URL are used for the master).
 * - `CELERY_BROKER_TRANSPORT_OPTIONS` = `{"master_name": ..., "sentinel_kwargs": {"password": ...}}`: Sentinel
 *   itself requires AUTH. Celery reads the result backend's options from a separate setting
 *   (`result_backend_transport_options`): Django settings must set both from this one variable.
 *
 * Every password is percent-encoded in URLs (clients unquote it); it is the JSON's plain string.
 */
import { EVENTS_DB, ServiceDatabases } from "./databases";
import type { Endpoint } from "./types";

/** A Sentinel-managed master as clients see it, with the password in the clear. */
export interface SentinelTarget {
  readonly kind: "sentinel";
  readonly masterName: string;
  readonly sentinels: readonly Endpoint[];
  readonly password: string;
}

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

/** `redis://:<pw>@<master-name>/<db>`, resolved through the Sentinels. */
export function sentinelRedisUrl(t: SentinelTarget, db: number): string {
  return `redis://:${encodeURIComponent(t.password)}@${t.masterName}/${db}`;
}

/** `sentinel://:<pw>@<sentinel>/<db>;...`, one URL per Sentinel, for kombu and Celery. */
export function celerySentinelUrl(t: SentinelTarget, db: number): string {
  const pw = encodeURIComponent(t.password);
  return t.sentinels.map((s) => `sentinel://:${pw}@${s.host}:${s.port}/${db}`).join(";");
}

/** The transport options JSON Celery needs for the Sentinel URLs (broker and result backend alike). */
export function celerySentinelTransportOptions(t: SentinelTarget): string {
  return JSON.stringify({ master_name: t.masterName, sentinel_kwargs: { password: t.password } });
}

/** Every cache variable of `service`, whose DBs are `dbs`. */
export function cacheValues(target: SentinelTarget, service: string, dbs: ServiceDatabases): CacheValues {
  switch (target.kind) {
    case "sentinel":
      return {
        url: sentinelRedisUrl(target, dbs.cache),
        sentinels: sentinelList(target.sentinels),
        sentinelMaster: target.masterName,
        keyPrefix: keyPrefix(service),
        celeryBrokerUrl: celerySentinelUrl(target, dbs.celery),
        celeryResultBackend: celerySentinelUrl(target, dbs.celery),
        celeryTransportOptions: celerySentinelTransportOptions(target),
        eventsUrl: sentinelRedisUrl(target, EVENTS_DB),
      };
  }
}

/** `REDIS_KEY_PREFIX`: isolation that also holds where a managed cache offers DB 0 only. */
export const keyPrefix = (service: string): string => `${service}:`;
