/**
 * The platform every stack runs on its cluster: the namespace with its NetworkPolicies, ManagedPostgres,
 * RedisHA, ObjectStore and one DjangoService per catalog entry. Stacks differ only in the cluster they hand
 * over and the backends they choose, so every stack's workloads keep the same contract.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { platformNamespace } from "../components/cluster/namespace";
import type { EmailConnection, PaymentsConnection } from "../components/connections";
import { DjangoService, RoutingArgs } from "../components/django-service";
import { EventBus } from "../components/event-bus";
import { ManagedPostgres, PostgresBackend } from "../components/managed-postgres";
import { bucketPrefix, ObjectStore, ObjectStoreBackend, serviceBuckets } from "../components/object-store";
import { Observability, type LogStorage, type RedisTarget } from "../components/observability";
import { RedisBackend, RedisHA } from "../components/redis-ha";

export type StackOutputs = Record<string, pulumi.Input<unknown>>;

export interface PlatformArgs {
  readonly config: LoadedConfig;
  readonly provider: k8s.Provider;
  readonly postgres: PostgresBackend;
  readonly redis: RedisBackend;
  readonly objectStore: ObjectStoreBackend;
  readonly routing: RoutingArgs;
  /** Images to run instead of the configured ones (digests this stack built and pushed), by service. */
  readonly images?: Readonly<Record<string, pulumi.Input<string>>>;
  /** What the workloads wait for besides the namespace (cluster add-ons, storage classes). */
  readonly dependsOn?: pulumi.Resource[];
  /** Where Loki keeps logs when observability is on. @default - a volume in the cluster (filesystem) */
  readonly logStorage?: LogStorage;
}

/** redis_exporter's view of RedisHA: every Redis and Sentinel pod as its own user, or the managed cache's endpoint. */
function redisTarget(redis: RedisHA): RedisTarget {
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

export function emailConnection(config: LoadedConfig): EmailConnection | undefined {
  if (config.email.host === "") return undefined;
  return { ...config.email, password: config.secrets.emailPassword };
}

export function paymentsConnection(config: LoadedConfig): PaymentsConnection | undefined {
  const secretKey = config.secrets.yookassaSecretKey;
  return secretKey ? { shopId: config.payments.shopId, secretKey } : undefined;
}

export function platform(args: PlatformArgs): StackOutputs {
  const { config, provider } = args;
  const ns = config.namespace;
  const providers = { providers: { kubernetes: provider } };
  const namespace = platformNamespace(
    "namespace",
    { name: ns, ingressNamespace: config.ingressNamespace, monitoringNamespace: config.monitoringNamespace },
    { provider, dependsOn: args.dependsOn },
  );
  const after = { ...providers, dependsOn: [namespace] };
  const services = config.services.map((s) => s.name);

  const postgres = new ManagedPostgres(
    "postgres",
    { backend: args.postgres, databases: services, namespace: ns },
    after,
  );
  const redis = new RedisHA("redis", { backend: args.redis, namespace: ns, services }, after);
  const objectStore = new ObjectStore(
    "object-store",
    {
      backend: args.objectStore,
      namespace: ns,
      buckets: serviceBuckets(bucketPrefix(config.project, config.stack), config.services),
    },
    after,
  );

  const observability = config.observability.enabled
    ? new Observability(
        "observability",
        {
          namespace: config.monitoringNamespace,
          platformNamespace: ns,
          tracing: config.observability.tracing,
          logs: args.logStorage,
          redis: redisTarget(redis),
          postgres: {
            host: postgres.host,
            port: postgres.port,
            user: postgres.adminUsername,
            // The server's TLS mode: the one every service's connection uses.
            sslMode: postgres.database(services[0]!).sslMode,
            password: { kind: "value", value: postgres.adminPassword },
          },
          celery: config.services
            .filter((s) => s.celery)
            .map((s) => ({
              service: s.name,
              brokerUrl: redis.forService(s.name).celeryBrokerUrl,
              transportOptions: redis.forService(s.name).celeryTransportOptions,
            })),
        },
        after,
      )
    : undefined;
  // ServiceMonitors and PodMonitors need the CRDs kube-prometheus-stack installs.
  const monitoringCrds = observability ? [observability.prometheusStack] : [];
  const eventBus = config.eventBus.enabled
    ? new EventBus(
        "event-bus",
        {
          namespace: ns,
          services,
          replicas: config.eventBus.replicas,
          storageGiB: config.eventBus.storageGiB,
          monitoringNamespace: observability ? config.monitoringNamespace : undefined,
          protect: config.protect,
        },
        { ...providers, dependsOn: [namespace, ...monitoringCrds] },
      )
    : undefined;

  const email = emailConnection(config);
  const payments = paymentsConnection(config);
  const django = config.services.map(
    (service) =>
      new DjangoService(
        service.name,
        {
          service,
          image: args.images?.[service.name],
          namespace: ns,
          apiHost: config.apiHost,
          database: postgres.database(service.name),
          cache: redis.forService(service.name),
          storage: objectStore.forService(service.name),
          email,
          payments: service.payments ? payments : undefined,
          events: eventBus?.forService(service.name),
          routing: args.routing,
          serviceMonitor: config.observability.enabled,
        },
        {
          ...providers,
          dependsOn: [
            namespace,
            postgres.bootstrap,
            redis,
            objectStore,
            ...monitoringCrds,
            ...(eventBus ? [eventBus] : []),
          ],
        },
      ),
  );

  const byService = <T>(pick: (i: number) => T) => Object.fromEntries(services.map((s, i) => [s, pick(i)]));
  return {
    namespace: ns,
    apiUrls: byService((i) => django[i].url),
    clusterUrls: byService((i) => django[i].clusterUrl),
    postgres: { host: postgres.host, port: postgres.port, adminUsername: postgres.adminUsername },
    postgresAdminPassword: postgres.adminPassword,
    databaseUrls: pulumi.secret(byService((i) => postgres.database(services[i]).url)),
    redis: {
      sentinels: redis.sentinels,
      masterName: redis.masterName,
      cacheMasterName: redis.cacheMasterName,
      adminUser: redis.adminUsername,
    },
    redisPassword: redis.password,
    objectStoreEndpoint: objectStore.endpoint,
    buckets: byService((i) => objectStore.forService(services[i]).bucket),
    ...(observability
      ? {
          grafana: {
            namespace: config.monitoringNamespace,
            service: observability.endpoints.grafanaService,
            adminUser: observability.grafanaAdminUser,
          },
          grafanaAdminPassword: observability.grafanaAdminPassword,
        }
      : {}),
    ...(eventBus ? { natsUrl: eventBus.url } : {}),
  };
}
