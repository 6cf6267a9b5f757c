/**
 * The platform every stack runs on its cluster: the namespace with its NetworkPolicies, ManagedPostgres,
 * RedisHA, ObjectStore and one DjangoService per catalog entry. Stacks differ only in the cluster they hand
 * over and the backends they choose, so every stack's workloads keep the same contract.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config/types";
import { platformNamespace } from "../components/cluster/namespace";
import { edge } from "../components/cluster/edge";
import { cacheWarmup, pullSecrets } from "../components/cluster/image-pull";
import { DjangoService } from "../components/django-service";
import { Keda } from "../components/keda";
import { ManagedPostgres, PostgresBackend } from "../components/managed-postgres";
import {
  BACKUPS_KEY,
  bucketName,
  bucketPrefix,
  ObjectStore,
  ObjectStoreBackend,
  serviceBuckets,
} from "../components/object-store";
import { Observability, type LogStorage } from "../components/observability";
import { RedisBackend, RedisHA } from "../components/redis-ha";
import { REDIS_PORT, SENTINEL_PORT } from "../components/redis-ha/naming";
import { buildBackings } from "./backings";
import {
  celeryQueue,
  clusterMinor,
  emailConnection,
  inClusterRedis,
  paymentsConnection,
  redisTarget,
} from "./platform-inputs";

// The stacks build their in-cluster Redis backend with it.
export { inClusterRedis };

export type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** Kubernetes objects that claim a volume, and so wait for the cluster's CSI driver and StorageClass. */
const CLAIMS_VOLUMES = ["kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:PersistentVolumeClaim"];

/** An object store backend as a stack chooses it: the in-cluster one's public endpoint comes from the edge. */
export type StackObjectStore =
  | Exclude<ObjectStoreBackend, { kind: "inCluster" }>
  | Omit<Extract<ObjectStoreBackend, { kind: "inCluster" }>, "publicEndpoint">;

export interface PlatformArgs {
  readonly config: LoadedConfig;
  readonly provider: k8s.Provider;
  readonly postgres: PostgresBackend;
  readonly redis: RedisBackend;
  /** The object store; an in-cluster one gets its public route from the platform (the edge's routing). */
  readonly objectStore: StackObjectStore;
  /**
   * Traefik as the stack installs it (its Helm release, whose CRDs the routes need), or nothing where the
   * cluster brings it (k3s).
   */
  readonly traefik: pulumi.Resource[];
  /**
   * Images to run instead of the configured ones, by service: digests this stack built and pushed, references
   * through the stack's image cache.
   */
  readonly images?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * By service: its cached image by tag, which a Job pulls before the service's pods pull the digest (the
   * cache is filled by tag; components/cluster/image-pull.ts). @default - none (nothing is cached)
   */
  readonly cacheWarmups?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * What volume-backed workloads wait for besides the namespace: the CSI driver and the StorageClass their
   * claims name (EBS CSI and gp3 on EKS, the zone-redundant class on AKS). @default - none (k3s brings both)
   */
  readonly storage?: pulumi.Resource[];
  /**
   * What pods pulling the services' images wait for: the image cache's rule and the nodes' right to fill it
   * (EKS), the kubelet's AcrPull (AKS). @default - none
   */
  readonly imagePull?: pulumi.Resource[];
  /** Where Loki keeps logs when observability is on. @default - a volume in the cluster (filesystem) */
  readonly logStorage?: LogStorage;
}

export function platform(args: PlatformArgs): StackOutputs {
  const { config, provider } = args;
  const ns = config.namespace;
  const providers = { providers: { kubernetes: provider } };
  const namespace = platformNamespace(
    "namespace",
    {
      name: ns,
      ingressNamespace: config.ingressNamespace,
      monitoringNamespace: config.monitoringNamespace,
      // The cluster's own minor in the clouds; on k3s, the one the program is validated against.
      kubernetesMinor: clusterMinor(config),
    },
    // The provider alone: it waits for the deployer's access to the cluster (the clouds' cluster modules).
    { provider },
  );
  const storage = args.storage ?? [];
  /*
   * Components with cloud and Kubernetes children (ManagedPostgres: RDS or Flexible Server and the bootstrap
   * Job; RedisHA: ElastiCache or Azure Managed Redis, or StatefulSets; ObjectStore: S3 and IRSA roles, or
   * MinIO): they get no Kubernetes provider of their own, since the SDK registers no child of a component
   * before the component's providers exist, and the cluster provider exists only once the cluster does (20
   * minutes of RDS would wait for it). Their Kubernetes children get the provider, the namespace and the
   * storage classes here instead; their cloud children start at once.
   */
  const onCluster: pulumi.ComponentResourceOptions = {
    transformations: [
      ({ type, props, opts }) =>
        type.startsWith("kubernetes:")
          ? {
              props,
              opts: pulumi.mergeOptions(opts, {
                provider,
                dependsOn: [namespace, ...(CLAIMS_VOLUMES.includes(type) ? storage : [])],
              }),
            }
          : undefined,
    ],
  };
  // Every public host: the API's, and the in-cluster object store's own (ferrum:objectsHost).
  const publicHosts = [
    config.apiHost,
    ...(args.objectStore.kind === "inCluster" ? [config.objectsHost] : []),
  ];
  const front = edge("edge", {
    tls: config.tls,
    hosts: publicHosts,
    namespace: ns,
    ingressNamespace: config.ingressNamespace,
    provider,
    dependsOn: [namespace, ...args.traefik],
    traefik: args.traefik,
    kubernetesMinor: clusterMinor(config),
  });
  const services = config.services.map((s) => s.name);

  // The in-cluster server backs up into the in-cluster object store; a managed server keeps its own backups.
  const prefix = bucketPrefix(config.project, config.stack);
  const backup = config.postgres.backup;
  const backupsBucket =
    args.postgres.kind === "inCluster" && args.objectStore.kind === "inCluster" && backup.enabled
      ? { bucket: bucketName(prefix, BACKUPS_KEY), retentionDays: backup.retentionDays }
      : undefined;
  const objectStore = new ObjectStore(
    "object-store",
    {
      backend:
        args.objectStore.kind === "inCluster"
          ? {
              ...args.objectStore,
              publicEndpoint: {
                host: config.objectsHost,
                routing: front.routing,
                ingressNamespace: config.ingressNamespace,
              },
            }
          : args.objectStore,
      namespace: ns,
      buckets: serviceBuckets(prefix, config.services),
      backups: backupsBucket,
    },
    onCluster,
  );
  const postgresBackend: PostgresBackend =
    args.postgres.kind === "inCluster" && args.objectStore.kind === "inCluster" && objectStore.backups
      ? {
          ...args.postgres,
          backups: {
            schedule: backup.schedule,
            storage: objectStore.backups,
            clientImage: args.objectStore.clientImage,
            keysReady: objectStore.bootstrap ? [objectStore.bootstrap] : undefined,
          },
        }
      : args.postgres;
  const postgres = new ManagedPostgres(
    "postgres",
    { backend: postgresBackend, databases: services, namespace: ns, rotation: config.postgres.rotation },
    onCluster,
  );
  const redis = new RedisHA("redis", { backend: args.redis, namespace: ns, services }, onCluster);

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
        // Prometheus, Loki and Tempo keep their data on volumes.
        { ...providers, dependsOn: [namespace, ...storage] },
      )
    : undefined;
  // ServiceMonitors and PodMonitors need the CRDs kube-prometheus-stack installs.
  const monitoringCrds = observability ? [observability.prometheusStack] : [];
  // The opt-in backing services (stacks/backings.ts): each keeps its data on volumes.
  const backings = buildBackings(config.backings, {
    namespace: ns,
    services,
    protect: config.protect,
    monitoringNamespace: observability ? config.monitoringNamespace : undefined,
    monitoringCrds,
    opts: { ...providers, dependsOn: [namespace, ...storage] },
  });

  // KEDA, when a service's worker is its own Deployment scaled on queue length.
  const queueScaled = config.services.some((s) => s.celery && s.worker.kind === "deployment");
  const keda = queueScaled
    ? new Keda(
        "keda",
        {
          watchNamespace: ns,
          redisPods: redis.endpoint
            ? undefined
            : { matchLabels: { "app.kubernetes.io/name": "redis" }, ports: [REDIS_PORT, SENTINEL_PORT] },
        },
        { ...providers, dependsOn: [namespace] },
      )
    : undefined;
  const tracing =
    observability && config.observability.tracing
      ? { otlpHttpEndpoint: observability.endpoints.otlpHttpEndpoint }
      : undefined;

  const email = emailConnection(config);
  const payments = paymentsConnection(config);
  // The logins every service pod pulls with: ferrum:imageRegistry's on k3s, ferrum:imagePullSecret anywhere.
  const registryLogin = config.images.pullSecrets.registryLogin;
  const pullWith = pullSecrets(
    "image-pull",
    {
      namespace: ns,
      ...(registryLogin && config.secrets.imageRegistryPassword
        ? {
            registryLogin: {
              host: registryLogin,
              username: config.images.username,
              password: config.secrets.imageRegistryPassword,
            },
          }
        : {}),
      ...(config.secrets.imagePullSecret ? { dockerConfigJson: config.secrets.imagePullSecret } : {}),
    },
    { provider, dependsOn: [namespace] },
  );
  const imagePull = args.imagePull ?? [];
  /*
   * A service whose image comes through the stack's cache waits for a Job that pulled it by tag, and the Job
   * for the cache rule and the nodes' right to fill it: without the rule the pull answers "not found", and the
   * Deployment's rollout would wait out its deadline on a pod in ImagePullBackOff. The rule and the Job take
   * seconds; the service waits for its database bootstrap much longer.
   */
  const warmups = Object.fromEntries(
    Object.entries(args.cacheWarmups ?? {}).map(([service, image]) => [
      service,
      cacheWarmup(
        `${service}-image-cache`,
        { namespace: ns, service, image },
        { provider, dependsOn: [namespace, ...imagePull] },
      ),
    ]),
  );
  const django = config.services.map(
    (service) =>
      new DjangoService(
        service.name,
        {
          service,
          image: args.images?.[service.name],
          imagePullSecrets: pullWith.names,
          namespace: ns,
          apiHost: config.apiHost,
          database: postgres.database(service.name),
          cache: redis.forService(service.name),
          storage: objectStore.forService(service.name),
          email,
          payments: service.payments ? payments : undefined,
          bindings: backings.length
            ? Object.fromEntries(backings.map(([key, b]) => [key, b.forService(service.name)]))
            : undefined,
          routing: front.routing,
          serviceMonitor: config.observability.enabled,
          monitoringCrds,
          tracing,
          queueScaling:
            keda && service.celery && service.worker.kind === "deployment"
              ? { keda: keda.release, queue: celeryQueue(redis, service.name) }
              : undefined,
        },
        {
          ...providers,
          // A service starts against its database (roles created), its cache and its bucket (created by the
          // in-cluster bootstrap Job; S3's with its key and role), and pulls its image where the cluster may
          // (the cache filled, the pull secrets in place).
          // Its routes wait for Traefik and its ServiceMonitor for the monitoring CRDs (routing.crds,
          // monitoringCrds), nothing else of it. The opt-in backing services are not waited for: their clients
          // reconnect (NATS's do), and the event bus's release waits for the monitoring CRDs when it renders a
          // PodMonitor.
          dependsOn: [
            namespace,
            postgres.bootstrap,
            redis,
            objectStore.bootstrap ?? objectStore,
            ...imagePull,
            ...pullWith.secrets,
            ...(warmups[service.name] ? [warmups[service.name]!] : []),
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
    objectStorePublicEndpoint: objectStore.publicEndpoint,
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
    ...Object.assign({}, ...backings.map(([, b]) => b.outputs)),
  };
}
