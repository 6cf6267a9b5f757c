/**
 * What the exporters are pointed at, as plain data: redis_exporter's scrape targets, celery-exporter's
 * transport options, postgres_exporter's data source. Pure.
 */
import type { SslMode } from "../connections";

/** One target of the multi-target redis_exporter, scraped at `/scrape?target=<url>`. */
export interface RedisScrapeTarget {
  /** The `instance` label: the pod's name (`redis-0`, `redis-sentinel-1`) or `primary`. */
  readonly instance: string;
  /** The `redis_role` label. */
  readonly role: "server" | "sentinel";
  readonly url: string;
}

/** The first DNS label of a host name: the pod's name for a StatefulSet pod's stable name. */
export const shortHost = (host: string): string => host.split(".")[0]!;

/** Every Redis pod (of both groups) and every Sentinel pod, each its own target (`redis://host:port`). */
export function sentinelScrapeTargets(
  redisHosts: readonly string[],
  sentinelHosts: readonly string[],
  redisPort: number,
  sentinelPort: number,
  cacheHosts: readonly string[] = [],
): RedisScrapeTarget[] {
  return [
    ...[...redisHosts, ...cacheHosts].map((h) => ({
      instance: shortHost(h),
      role: "server" as const,
      url: `redis://${h}:${redisPort}`,
    })),
    ...sentinelHosts.map((h) => ({
      instance: shortHost(h),
      role: "sentinel" as const,
      url: `redis://${h}:${sentinelPort}`,
    })),
  ];
}

/** A managed cache's endpoint: TLS (`rediss://`), the server's certificate verified. */
export const directScrapeUrl = (host: string, port: number): string => `rediss://${host}:${port}`;

/**
 * CELERY_BROKER_TRANSPORT_OPTIONS (a JSON object) as celery-exporter's `CE_BROKER_TRANSPORT_OPTION`:
 * `key=value` pairs separated by spaces (click splits a multiple option's environment variable on
 * whitespace), each value JSON-encoded (the exporter JSON-decodes values, so strings stay strings and
 * `sentinel_kwargs` stays an object). JSON.stringify emits no whitespace; the values here (master names,
 * key prefixes, generated passwords) have none either.
 */
export function celeryTransportOptionEnv(optionsJson: string): string {
  const options = JSON.parse(optionsJson) as Record<string, unknown>;
  return Object.entries(options)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(" ");
}

/** postgres_exporter's `DATA_SOURCE_URI`: `host:port/database?sslmode=...` (user and password apart). */
export function postgresDataSourceUri(
  host: string,
  port: number,
  database: string,
  sslMode: SslMode,
): string {
  return `${host}:${port}/${database}?sslmode=${sslMode}`;
}
