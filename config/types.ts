/**
 * The typed view of stack config that parseConfig (config/index.ts) returns: what every stack, component and
 * generator reads. Types only, and the closed lists they are built from: components import these, never the
 * reader.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AwsSettings } from "./aws";
import type { AzureSettings } from "./azure";
import type { ServiceDefinition } from "./catalog";
import type { DeployerSettings } from "./deployer";
import type { ImageSettings } from "./images";
import type { SecretKey } from "./keys";
import type { TlsSettings } from "./tls";
import type { BackingSettings } from "./backings";

export const CLOUDS = ["k3s", "aws", "azure"] as const;
export type Cloud = (typeof CLOUDS)[number];

export interface ResourceSpec {
  readonly cpuMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryMiB: number;
  readonly memoryLimitMiB: number;
}

/** Where a service's Celery worker runs: in each web pod, or as its own Deployment scaled on queue length. */
export const WORKER_KINDS = ["sidecar", "deployment"] as const;
export type WorkerKind = (typeof WORKER_KINDS)[number];

/**
 * A service's Celery worker: its resources, where it runs, and the task limits its at-least-once delivery is
 * built from (components/django-service/delivery.ts derives the time limits, the broker's visibility timeout
 * and the pods' grace period from these two numbers).
 */
export interface WorkerSettings extends ResourceSpec {
  /** `sidecar` (default): a container of each web pod; `deployment`: its own Deployment, scaled by KEDA. */
  readonly kind: WorkerKind;
  /** With `deployment`: the fewest workers KEDA keeps (0 scales to zero on an empty queue). */
  readonly minReplicas: number;
  /** With `deployment`: the most workers KEDA starts. */
  readonly maxReplicas: number;
  /** With `deployment`: queued tasks per worker KEDA aims for (the Redis scaler's `listLength`). */
  readonly tasksPerReplica: number;
  /** Hard time limit of every task: the worker kills a task that runs longer. */
  readonly taskTimeLimitSeconds: number;
  /** The longest ETA, countdown or retry delay a task of this service is sent with. */
  readonly maxEtaSeconds: number;
}

export interface ServiceSettings extends ServiceDefinition {
  /**
   * Image reference with a tag or digest, as config names it (`services.<name>.image`, or
   * `<imageRegistry>/<imageRepository>:<imageTag>`), with `services.<name>.digest` appended. A cloud stack
   * pulls it through its own registry (config/images.ts).
   */
  readonly image: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** HPA target: average CPU utilisation of the web container, percent of its request. */
  readonly targetCpuPercent: number;
  readonly web: ResourceSpec;
  readonly worker: WorkerSettings;
  readonly beat: ResourceSpec;
  /** Docker build context of the service's image: built and pushed to the stack's registry when set. */
  readonly buildContext: string;
}

/** `ferrum:postgres.backup`: logical backups of the in-cluster server into the object store (k3s stacks). */
export interface PostgresBackupSettings {
  /** A CronJob dumps every service database; off leaves the server without any backup. */
  readonly enabled: boolean;
  /** CronJob schedule, in the cluster's time zone (UTC). */
  readonly schedule: string;
  /** Days a backup is kept in the backups bucket before its lifecycle rule deletes it. */
  readonly retentionDays: number;
}

export interface PostgresSettings {
  /** Official PostgreSQL 16 image, pinned. */
  readonly image: string;
  readonly storageGiB: number;
  /** StorageClass of the data volume; empty means the cluster default (k3s: local-path). */
  readonly storageClass: string;
  readonly resources: ResourceSpec;
  readonly backup: PostgresBackupSettings;
  /**
   * Rotations of the services' login passwords done so far (lib/rotation.ts): login `a` when even, `b` when odd.
   * Raised by one per `pulumi up`, it regenerates the idle login's password and moves the services onto it.
   */
  readonly rotation: number;
}

export interface RedisSettings {
  /** Official Redis 7 image, pinned. */
  readonly image: string;
  /** `maxmemory` of each data pod: Celery's queues and results and the event streams of all services. */
  readonly maxmemoryMiB: number;
  /** Each Redis pod's volume (append-only file); at least twice maxmemory. */
  readonly storageGiB: number;
  /** StorageClass of the volumes; empty means the cluster default. */
  readonly storageClass: string;
  /** The cache group: Django's caches, evicted under pressure (`ferrum:redis.cache`). */
  readonly cache: { readonly maxmemoryMiB: number; readonly replicas: number };
  /** Rotation of every Redis ACL user's password (`ferrum:redis.rotation`). */
  readonly rotation: { readonly generation: number; readonly acceptPrevious: boolean };
}

export interface ObjectStoreSettings {
  /** S3-compatible server image (MinIO's last community release by default), pinned. */
  readonly image: string;
  /** Image with the MinIO client for the bootstrap Job, pinned. */
  readonly clientImage: string;
  readonly storageGiB: number;
  /** StorageClass of the data volume; empty means the cluster default. */
  readonly storageClass: string;
  readonly region: string;
  readonly resources: ResourceSpec;
  /** Days a replaced or deleted object version is kept (the buckets' lifecycle rule), as on AWS S3. */
  readonly noncurrentVersionDays: number;
  /**
   * Rotations of the in-cluster server's per-service secret keys done so far (lib/rotation.ts): each service has
   * users `a` and `b`, and uses `a` when even, `b` when odd.
   */
  readonly rotation: number;
}

export type { EventBusSettings } from "./backings";

export interface FerrumConfig {
  readonly project: string;
  readonly stack: string;
  readonly cloud: Cloud;
  /** Stateful resources are `protect`ed and deletion-protected: on in every cloud stack. */
  readonly protect: boolean;
  readonly namespace: string;
  readonly apiHost: string;
  /**
   * Host browsers reach the in-cluster object store on (its own route on the ingress). Empty in config means
   * `objects.` + the API host's domain; resolved here. Not used on AWS, where S3 and CloudFront serve browsers.
   */
  readonly objectsHost: string;
  readonly kubeconfig: string;
  readonly kubeContext: string;
  readonly ingressNamespace: string;
  readonly monitoringNamespace: string;
  readonly services: readonly ServiceSettings[];
  /** Where the services' images come from: registry, login, the cloud's cache, pull secrets. */
  readonly images: ImageSettings;
  readonly postgres: PostgresSettings;
  readonly redis: RedisSettings;
  readonly objectStore: ObjectStoreSettings;
  readonly email: {
    readonly host: string;
    readonly port: number;
    readonly useTls: boolean;
    readonly user: string;
  };
  readonly payments: { readonly shopId: string };
  readonly observability: { readonly enabled: boolean; readonly tracing: boolean };
  /** The opt-in backing services' settings by their `ferrum:` key (`eventBus`: NATS with JetStream), config/backings. */
  readonly backings: BackingSettings;
  /** `ferrum:aws`, read in every stack (defaults), used by the AWS stack. */
  readonly aws: AwsSettings;
  /** `ferrum:azure` (and `azure-native:location`), read in every stack (defaults), used by the Azure stack. */
  readonly azure: AzureSettings;
  /** `ferrum:tls`: where the public hosts' certificate comes from. */
  readonly tls: TlsSettings;
  /** `ferrum:deployer`: where `pulumi up` runs; present on the stacks that create their cluster. */
  readonly deployer?: DeployerSettings;
}

/** The config plus the secrets it requires, as secret Outputs. */
export interface LoadedConfig extends FerrumConfig {
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
}

/** Where a restored RDS instance comes from: a point in time of the original's automated backups, or a snapshot. */
export type RdsRestoreSource =
  | { readonly kind: "pointInTime"; /** UTC, RFC 3339 (`2026-12-01T09:30:00Z`). */ readonly time: string }
  | { readonly kind: "latestRestorableTime" }
  | { readonly kind: "snapshot"; /** A snapshot identifier or ARN. */ readonly snapshotIdentifier: string };
