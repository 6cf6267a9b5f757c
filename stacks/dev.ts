/**
 * The dev stack: an existing single-node k3s cluster, everything in-cluster. Composes the namespace,
 * ManagedPostgres, RedisHA, ObjectStore and one DjangoService per catalog entry.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { platformNamespace } from "../components/cluster/namespace";
import type { EmailConnection, PaymentsConnection } from "../components/connections";
import { DjangoService, RoutingArgs } from "../components/django-service";
import { ManagedPostgres } from "../components/managed-postgres";
import { bucketPrefix, ObjectStore, serviceBuckets } from "../components/object-store";
import { RedisHA } from "../components/redis-ha";
import type { StackOutputs } from "./index";

/** The cluster's provider: the configured kubeconfig and context, or the ambient ones. */
export function clusterProvider(config: LoadedConfig): k8s.Provider {
  return new k8s.Provider("k3s", {
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    ...(config.kubeContext ? { context: config.kubeContext } : {}),
    enableServerSideApply: true,
  });
}

export function emailConnection(config: LoadedConfig): EmailConnection | undefined {
  if (config.email.host === "") return undefined;
  return { ...config.email, password: config.secrets.emailPassword };
}

export function paymentsConnection(config: LoadedConfig): PaymentsConnection | undefined {
  const secretKey = config.secrets.yookassaSecretKey;
  return secretKey ? { shopId: config.payments.shopId, secretKey } : undefined;
}

export function devStack(config: LoadedConfig): StackOutputs {
  const provider = clusterProvider(config);
  const providers = { providers: { kubernetes: provider } };
  const namespace = platformNamespace(
    "namespace",
    {
      name: config.namespace,
      ingressNamespace: config.ingressNamespace,
      monitoringNamespace: config.monitoringNamespace,
    },
    { provider },
  );
  const ns = config.namespace;
  const after = { ...providers, dependsOn: [namespace] };

  const postgres = new ManagedPostgres(
    "postgres",
    {
      backend: {
        kind: "inCluster",
        image: config.postgres.image,
        storageGiB: config.postgres.storageGiB,
        storageClass: config.postgres.storageClass || undefined,
        resources: config.postgres.resources,
        protect: config.protect,
      },
      databases: config.services.map((s) => s.name),
      namespace: ns,
    },
    after,
  );

  const redis = new RedisHA(
    "redis",
    {
      backend: {
        kind: "inCluster",
        image: config.redis.image,
        maxmemoryMiB: config.redis.maxmemoryMiB,
        storageGiB: config.redis.storageGiB,
        storageClass: config.redis.storageClass || undefined,
        protect: config.protect,
      },
      namespace: ns,
      services: config.services.map((s) => s.name),
    },
    after,
  );

  const os = config.objectStore;
  const objectStore = new ObjectStore(
    "object-store",
    {
      backend: {
        kind: "inCluster",
        image: os.image,
        clientImage: os.clientImage,
        storageGiB: os.storageGiB,
        storageClass: os.storageClass || undefined,
        resources: os.resources,
        region: os.region,
        protect: config.protect,
      },
      namespace: ns,
      buckets: serviceBuckets(bucketPrefix(config.project, config.stack), config.services),
    },
    after,
  );

  const routing: RoutingArgs = { kind: "traefik", entryPoints: ["websecure"], tls: {} };
  const email = emailConnection(config);
  const payments = paymentsConnection(config);
  const services = config.services.map(
    (service) =>
      new DjangoService(
        service.name,
        {
          service,
          namespace: ns,
          apiHost: config.apiHost,
          database: postgres.database(service.name),
          cache: redis.forService(service.name),
          storage: objectStore.forService(service.name),
          email,
          payments: service.payments ? payments : undefined,
          routing,
          serviceMonitor: config.observability.enabled,
        },
        { ...providers, dependsOn: [namespace, postgres.bootstrap, redis, objectStore.bootstrap] },
      ),
  );

  const outputs: StackOutputs = {
    namespace: ns,
    apiUrls: Object.fromEntries(services.map((s, i) => [config.services[i].name, s.url])),
    clusterUrls: Object.fromEntries(services.map((s, i) => [config.services[i].name, s.clusterUrl])),
    postgres: { host: postgres.host, port: postgres.port, adminUsername: postgres.adminUsername },
    postgresAdminPassword: postgres.adminPassword,
    redis: { sentinels: redis.sentinels, masterName: redis.masterName },
    redisPassword: redis.password,
    objectStoreEndpoint: objectStore.endpoint,
    buckets: Object.fromEntries(config.services.map((s) => [s.name, objectStore.forService(s.name).bucket])),
    databaseUrls: pulumi.secret(
      Object.fromEntries(config.services.map((s) => [s.name, postgres.database(s.name).url])),
    ),
  };
  return outputs;
}
