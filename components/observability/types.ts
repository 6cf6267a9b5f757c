/** Observability's arguments: where logs live, and the typed targets of the exporters. */
import type * as pulumi from "@pulumi/pulumi";
import type { SslMode } from "../connections";

/**
 * Where an exporter's credential comes from. Either a key of a Secret that already exists in the platform
 * namespace (the exporters run there, and a Pod reads Secrets of its own namespace only), or a secret value
 * the component stores in a Secret of its own. Never a Helm value, a ConfigMap or an annotation.
 */
export type Credential =
  | { readonly kind: "secretKey"; readonly secretName: pulumi.Input<string>; readonly key: string }
  | { readonly kind: "value"; readonly value: pulumi.Output<string> };

/** Loki on a PersistentVolumeClaim, single binary: dev and any cluster without object storage. */
export interface FilesystemLogs {
  readonly kind: "filesystem";
  /** Size of Loki's volume. @default 10 */
  readonly storageGiB?: number;
}

/** Loki in simple scalable mode on an S3 bucket, reached through IRSA (no static keys). */
export interface S3Logs {
  readonly kind: "s3";
  readonly bucket: pulumi.Input<string>;
  readonly region: string;
  /** IAM role the `loki` ServiceAccount assumes; see `awsLogStorage`. */
  readonly roleArn: pulumi.Input<string>;
}

/** Loki in simple scalable mode on an Azure Blob container, reached through workload identity. */
export interface AzureBlobLogs {
  readonly kind: "azureBlob";
  readonly storageAccount: pulumi.Input<string>;
  readonly container: pulumi.Input<string>;
  /** Client id of the user-assigned identity federated with the `loki` ServiceAccount. */
  readonly clientId: pulumi.Input<string>;
}

export type LogStorage = FilesystemLogs | S3Logs | AzureBlobLogs;

/** Redis as redis_exporter scrapes it: every Redis and Sentinel pod, or a managed cache's one endpoint. */
export type RedisTarget =
  | {
      readonly kind: "sentinel";
      /** The master group the Sentinels monitor. */
      readonly masterName: string;
      /** Stable DNS names of the Redis pods (RedisHA.redisHosts). */
      readonly redisHosts: readonly string[];
      /** Stable DNS names of the cache group's pods (RedisHA.cacheHosts). @default [] */
      readonly cacheHosts?: readonly string[];
      /** Stable DNS names of the Sentinel pods (RedisHA.sentinelHosts). */
      readonly sentinelHosts: readonly string[];
      /** @default 6379 */
      readonly redisPort?: number;
      /** @default 26379 */
      readonly sentinelPort?: number;
      /** The exporter's ACL user, the same on every Redis and Sentinel (RedisHA.exporter). @default - the default user */
      readonly username?: string;
      /** Its password. */
      readonly password: Credential;
    }
  | {
      readonly kind: "direct";
      readonly host: pulumi.Input<string>;
      readonly port: number;
      /** The managed caches speak TLS only. */
      readonly tls: true;
      readonly password: Credential;
    };

/** The PostgreSQL server postgres_exporter connects to (in the cluster or managed). */
export interface PostgresTarget {
  readonly host: pulumi.Input<string>;
  readonly port: number;
  /** A login that may connect to `database` (the platform's admin; `pg_monitor` adds the detailed stats). */
  readonly user: string;
  readonly password: Credential;
  readonly sslMode: SslMode;
  /** @default "postgres" */
  readonly database?: string;
}

/** One Celery service's broker, as its workers see it. Both values carry the Redis password: secret. */
export interface CeleryTarget {
  /** The Django service (catalog name); the exporter is `celery-exporter-<service>`. */
  readonly service: string;
  /** `CELERY_BROKER_URL` (secret). */
  readonly brokerUrl: pulumi.Output<string>;
  /** `CELERY_BROKER_TRANSPORT_OPTIONS` (secret JSON object). */
  readonly transportOptions: pulumi.Output<string>;
  /** Queues reported even before a worker announces them. @default ["celery"] */
  readonly queues?: readonly string[];
}

export interface ObservabilityArgs {
  /**
   * Namespace of Prometheus, Grafana, Loki, Fluent Bit and Tempo; created here. The platform's NetworkPolicies
   * admit it to the web pods (`ferrum:monitoringNamespace`).
   */
  readonly namespace: string;
  /** Namespace of the services, Redis and PostgreSQL. The exporters run there, beside the Secrets they read. */
  readonly platformNamespace: string;
  /** Install Tempo and add it to Grafana. @default false */
  readonly tracing?: boolean;
  /** Where Loki keeps the logs. @default - { kind: "filesystem", storageGiB: 10 } */
  readonly logs?: LogStorage;
  /** Days Loki keeps logs (its compactor deletes older chunks). @default 14 */
  readonly logRetentionDays?: number;
  /** Size of Prometheus's volume. @default 20 */
  readonly metricsStorageGiB?: number;
  /** Days Prometheus keeps samples. @default 15 */
  readonly metricsRetentionDays?: number;
  /** StorageClass of every volume of the stack. @default - the cluster's default class */
  readonly storageClass?: string;
  /** Redis to export. @default - no redis_exporter */
  readonly redis?: RedisTarget;
  /** PostgreSQL to export. @default - no postgres_exporter */
  readonly postgres?: PostgresTarget;
  /** One celery-exporter per Celery service. @default [] */
  readonly celery?: readonly CeleryTarget[];
  /** Grafana's admin login; its password is generated. @default "admin" */
  readonly grafanaAdminUser?: string;
}
