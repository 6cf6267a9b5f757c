/**
 * What the platform (platform.ts) derives from config and hands its components: the cluster's Kubernetes
 * minor, the in-cluster Redis backend, the monitoring and queue views of RedisHA, and the email and payments
 * connections. Pure but for reading the components' outputs.
 */
import type { EmailConnection, PaymentsConnection } from "../components/connections";
import type { CeleryQueue } from "../components/django-service/scaling";
import type { RedisTarget } from "../components/observability";
import type { RedisBackend, RedisHA } from "../components/redis-ha";
import { celeryDirectTransportOptions } from "../components/redis-ha/urls";
import type { LoadedConfig } from "../config/types";

/**
 * The Kubernetes minor whose Pod Security Standards the stack's namespaces enforce: the cluster's own in the
 * clouds; on k3s undefined, the minor the program is validated against.
 */
export function clusterMinor(config: LoadedConfig): string | undefined {
  return config.cloud === "aws"
    ? config.aws.kubernetesVersion
    : config.cloud === "azure"
      ? config.azure.kubernetesVersion
      : undefined;
}

/** redis_exporter's view of RedisHA: every Redis and Sentinel pod as its own user, or the managed cache's endpoint. */
export function redisTarget(redis: RedisHA): RedisTarget {
  const password = { kind: "value" as const, value: redis.exporter.password };
  return redis.endpoint
    ? { kind: "direct", host: redis.endpoint.host, port: redis.endpoint.port, tls: true, password }
    : {
        kind: "sentinel",
        masterName: redis.masterName,
        redisHosts: redis.redisHosts,
        cacheHosts: redis.cacheHosts,
        sentinelHosts: redis.sentinelHosts,
        username: redis.exporter.username,
        password,
      };
}

/** The in-cluster Redis backend as ferrum:redis sets it; `defaultStorageClass` where it names none. */
export function inClusterRedis(config: LoadedConfig, defaultStorageClass?: string): RedisBackend {
  const r = config.redis;
  return {
    kind: "inCluster",
    image: r.image,
    maxmemoryMiB: r.maxmemoryMiB,
    cache: r.cache,
    rotation: r.rotation,
    storageGiB: r.storageGiB,
    storageClass: r.storageClass || defaultStorageClass,
    protect: config.protect,
  };
}

/** Where `service`'s Celery queue lives in RedisHA, for KEDA's Redis scalers. */
export function celeryQueue(redis: RedisHA, service: string): CeleryQueue {
  if (redis.endpoint) {
    // kombu's global_keyprefix on a managed cache, as RedisHA renders it into the transport options.
    const options = JSON.parse(celeryDirectTransportOptions(service)) as { global_keyprefix: string };
    return {
      kind: "direct",
      host: redis.endpoint.host,
      port: redis.endpoint.port,
      keyPrefix: options.global_keyprefix,
      password: redis.password,
    };
  }
  return {
    kind: "sentinel",
    sentinels: redis.sentinels,
    masterName: redis.masterName,
    database: redis.databases[service]!.celery,
    password: redis.password,
  };
}

export function emailConnection(config: LoadedConfig): EmailConnection | undefined {
  if (config.email.host === "") return undefined;
  return { ...config.email, password: config.secrets.emailPassword };
}

export function paymentsConnection(config: LoadedConfig): PaymentsConnection | undefined {
  const secretKey = config.secrets.yookassaSecretKey;
  return secretKey ? { shopId: config.payments.shopId, secretKey } : undefined;
}
