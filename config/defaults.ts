/**
 * Defaults the config reader resolves and the components fall back on: the one place each lives. A leaf: it
 * imports types only, so components and config alike may import it.
 */
import type { Cloud, PostgresBackupSettings, ResourceSpec } from "./types";

/**
 * Defaults of every scalar key. Pulumi.yaml declares the same defaults for the CLI; a test keeps the two equal.
 * `ferrum:cloud` has none: every stack file must say where it deploys.
 */
export const SCALAR_DEFAULTS = {
  namespace: "ferrum",
  apiHost: "api.ferrum.local",
  objectsHost: "",
  kubeconfig: "",
  kubeContext: "",
  imageRegistry: "ghcr.io/ferrum",
  imageTag: "0.1.0",
  imageRegistryUsername: "",
  ingressNamespace: "kube-system",
  monitoringNamespace: "monitoring",
  emailHost: "",
  emailPort: 587,
  emailUseTls: true,
  emailUser: "",
  yookassaShopId: "",
} as const;

export const DEFAULT_POSTGRES_IMAGE = "postgres:16.10-bookworm";

/** Defaults of `ferrum:postgres.backup`: every night at 02:00 UTC, kept two weeks (as long as RDS keeps its own). */
export const POSTGRES_BACKUP_DEFAULTS: PostgresBackupSettings = {
  enabled: true,
  schedule: "0 2 * * *",
  retentionDays: 14,
};

/** The official Redis 7 image, pinned (Debian bookworm variant: it has `sh`, `timeout` and `getent`). */
export const DEFAULT_REDIS_IMAGE = "redis:7.4.6-bookworm";

/**
 * The last community release of the MinIO server (2025-09-07; the October 2025 security release shipped as
 * source only). Docker Hub removed `minio/minio` in September 2026: the image comes from MinIO's quay.io.
 */
export const DEFAULT_MINIO_IMAGE = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";

/** The last community release of the MinIO client, `mc` (2025-08-13), from quay.io as the server is. */
export const DEFAULT_MC_IMAGE = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";

export const DEFAULT_REGION = "us-east-1";

/** Days a replaced or deleted object version is kept before the lifecycle rule removes it (as on AWS S3). */
export const DEFAULT_NONCURRENT_VERSION_DAYS = 90;

export const DEFAULT_OBJECT_STORE_RESOURCES: ResourceSpec = {
  cpuMillicores: 100,
  cpuLimitMillicores: 1000,
  memoryMiB: 256,
  memoryLimitMiB: 1024,
};

/**
 * The default public host of the object store: `objects.` in place of the API host's first label when it has
 * a parent domain of two labels or more (`api.ferrum.example.com` -> `objects.ferrum.example.com`, so one
 * wildcard certificate covers both), `objects.<apiHost>` otherwise.
 */
export function defaultObjectsHost(apiHost: string): string {
  const labels = apiHost.split(".");
  return labels.length >= 3 ? `objects.${labels.slice(1).join(".")}` : `objects.${apiHost}`;
}

/** The default requests and limits of one cloud class. */
export interface DefaultSizes {
  readonly web: ResourceSpec;
  readonly worker: ResourceSpec;
  readonly beat: ResourceSpec;
  readonly postgres: ResourceSpec;
  /** `ferrum:redis.maxmemoryMiB`: Redis's requests follow from it (components/redis-ha/sizing.ts). */
  readonly redisMaxmemoryMiB: number;
  /**
   * `ferrum:redis.cache.{maxmemoryMiB,replicas}`: Django's caches. One pod on k3s, whose single node a
   * replica could not outlive anyway; a restarted cache pod starts empty, which a cache may.
   */
  readonly redisCache: { readonly maxmemoryMiB: number; readonly replicas: number };
}

/**
 * Default requests and limits. On k3s they are sized for the smallest node the dev stack supports (2 vCPUs,
 * 4 GiB with k3s itself and one rollout surge pod: README, "Sizing the dev node"); each memory request stays
 * at least the resident memory a real server of that kind was measured holding after a representative
 * workload (harness/sizing/resident-memory.json). tests/sizing/dev-budget.test.ts checks both. The clouds' nodes take
 * production sizes.
 */
export const DEFAULT_SIZES: Readonly<Record<"k3s" | "cloud", DefaultSizes>> = {
  k3s: {
    web: { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 96, memoryLimitMiB: 512 },
    worker: { cpuMillicores: 50, cpuLimitMillicores: 500, memoryMiB: 128, memoryLimitMiB: 512 },
    beat: { cpuMillicores: 10, cpuLimitMillicores: 200, memoryMiB: 80, memoryLimitMiB: 256 },
    postgres: { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 208, memoryLimitMiB: 512 },
    redisMaxmemoryMiB: 64,
    redisCache: { maxmemoryMiB: 32, replicas: 2 },
  },
  cloud: {
    web: { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 384, memoryLimitMiB: 768 },
    worker: { cpuMillicores: 100, cpuLimitMillicores: 500, memoryMiB: 256, memoryLimitMiB: 512 },
    beat: { cpuMillicores: 20, cpuLimitMillicores: 200, memoryMiB: 128, memoryLimitMiB: 256 },
    postgres: { cpuMillicores: 250, cpuLimitMillicores: 1000, memoryMiB: 512, memoryLimitMiB: 1024 },
    redisMaxmemoryMiB: 256,
    redisCache: { maxmemoryMiB: 64, replicas: 2 },
  },
};

export const defaultSizes = (cloud: Cloud): DefaultSizes => DEFAULT_SIZES[cloud === "k3s" ? "k3s" : "cloud"];

/** Defaults of a worker's placement and task limits (README, "Celery: at-least-once delivery"). */
export const WORKER_DEFAULTS_SCALING = {
  kind: "sidecar",
  minReplicas: 1,
  maxReplicas: 5,
  tasksPerReplica: 5,
  taskTimeLimitSeconds: 300,
  maxEtaSeconds: 3600,
} as const;
