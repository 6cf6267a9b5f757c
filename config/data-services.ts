/**
 * The data services' settings: `ferrum:postgres`, `ferrum:redis`, `ferrum:objectStore` and
 * `ferrum:observability`. Each reader rejects its own unknown keys.
 */
import { scheduleProblems } from "../lib/cron-schedule";
import { MAX_ROTATION } from "../lib/rotation";
import {
  DEFAULT_MC_IMAGE,
  DEFAULT_MINIO_IMAGE,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  DEFAULT_OBJECT_STORE_RESOURCES,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_REDIS_IMAGE,
  DEFAULT_REGION,
  defaultSizes,
  POSTGRES_BACKUP_DEFAULTS,
} from "./defaults";
import type { ObjectReader } from "./reader";
import { readResources } from "./resources";
import { rule, storageClassRule } from "./rules";
import type {
  Cloud,
  FerrumConfig,
  ObjectStoreSettings,
  PostgresBackupSettings,
  PostgresSettings,
  RedisSettings,
} from "./types";

/** `ferrum:postgres`: the in-cluster server's image, volume and resources, its backups, the logins' rotation. */
export function readPostgres(pg: ObjectReader, cloud: Cloud): PostgresSettings {
  const postgres: PostgresSettings = {
    image: pg.string(
      "image",
      DEFAULT_POSTGRES_IMAGE,
      rule(
        /^[a-z0-9./-]+(:16[A-Za-z0-9_.-]*)(@sha256:[a-f0-9]{64})?$|^[a-z0-9./-]+@sha256:[a-f0-9]{64}$/,
        "a PostgreSQL 16 image pinned by a 16.x tag or digest",
        DEFAULT_POSTGRES_IMAGE,
      ),
    ),
    storageGiB: pg.integer("storageGiB", 20, 1, 16384),
    storageClass: pg.string("storageClass", "", storageClassRule()),
    resources: readResources(pg.object("resources"), defaultSizes(cloud).postgres),
    backup: readPostgresBackup(pg.object("backup"), cloud),
    rotation: pg.integer("rotation", 0, 0, MAX_ROTATION),
  };
  pg.rejectUnknown();
  return postgres;
}

/** `ferrum:postgres.backup`, read in every stack; set in a cloud stack, where the managed server backs itself up, it is refused. */
function readPostgresBackup(r: ObjectReader, cloud: Cloud): PostgresBackupSettings {
  const d = POSTGRES_BACKUP_DEFAULTS;
  if (cloud !== "k3s" && r.keys().length > 0) {
    r.problems.add(
      r.path,
      `does nothing on this stack (got ${JSON.stringify(r.value)}): it backs up the in-cluster PostgreSQL of k3s stacks, and a cloud stack's managed server keeps its own point-in-time backups (ferrum:aws.rds.backupRetentionDays, ferrum:azure.postgres.backupRetentionDays); remove it with: ${r.problems.remove(r.path)}`,
    );
    return d;
  }
  const schedule = r.string("schedule", d.schedule);
  const problems = scheduleProblems(schedule);
  if (problems.length) {
    r.problems.add(
      `${r.path}.schedule`,
      `must be a CronJob schedule (got ${JSON.stringify(schedule)}: ${problems.join("; ")}); set it with: ${r.problems.set(`${r.path}.schedule`, `'${d.schedule}'`)}`,
    );
  }
  const settings = {
    enabled: r.boolean("enabled", d.enabled),
    schedule: problems.length ? d.schedule : schedule.trim(),
    retentionDays: r.integer("retentionDays", d.retentionDays, 1, 3650),
  };
  r.rejectUnknown();
  return settings;
}

/** `ferrum:redis`: both groups' image, memory and volumes, and the ACL users' rotation. */
export function readRedis(rd: ObjectReader, cloud: Cloud): RedisSettings {
  const redis: RedisSettings = {
    image: rd.string(
      "image",
      DEFAULT_REDIS_IMAGE,
      rule(
        /^[a-z0-9./-]+(:7[A-Za-z0-9_.-]*)(@sha256:[a-f0-9]{64})?$|^[a-z0-9./-]+@sha256:[a-f0-9]{64}$/,
        "a Redis 7 image pinned by a 7.x tag or digest",
        DEFAULT_REDIS_IMAGE,
      ),
    ),
    maxmemoryMiB: rd.integer("maxmemoryMiB", defaultSizes(cloud).redisMaxmemoryMiB, 32, 65536),
    storageGiB: rd.integer("storageGiB", 2, 1, 16384),
    storageClass: rd.string("storageClass", "", storageClassRule()),
    cache: (() => {
      const c = rd.object("cache");
      const cache = {
        maxmemoryMiB: c.integer("maxmemoryMiB", defaultSizes(cloud).redisCache.maxmemoryMiB, 32, 65536),
        replicas: c.integer("replicas", defaultSizes(cloud).redisCache.replicas, 1, 9),
      };
      c.rejectUnknown();
      return cache;
    })(),
    rotation: (() => {
      const r = rd.object("rotation");
      const rotation = {
        generation: r.integer("generation", 1, 1, 1_000_000),
        acceptPrevious: r.boolean("acceptPrevious", true),
      };
      r.rejectUnknown();
      return rotation;
    })(),
  };
  rd.rejectUnknown();
  if (redis.storageGiB * 1024 < 2 * redis.maxmemoryMiB) {
    rd.problems.add(
      "redis.storageGiB",
      `must hold at least twice maxmemoryMiB for the append-only file and its rewrite (got ${redis.storageGiB} GiB for ${redis.maxmemoryMiB} MiB); set it with: ${rd.problems.set("redis.storageGiB", Math.ceil((2 * redis.maxmemoryMiB) / 1024))}`,
    );
  }
  return redis;
}

/** `ferrum:objectStore`: the in-cluster S3 server (k3s and AKS). */
export function readObjectStore(os: ObjectReader): ObjectStoreSettings {
  const pinnedImage = (example: string) =>
    rule(
      /^[a-z0-9][a-z0-9./-]*(:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$/,
      "an image pinned by a tag (not latest) or digest",
      example,
    );
  const objectStore: ObjectStoreSettings = {
    image: os.string("image", DEFAULT_MINIO_IMAGE, pinnedImage(DEFAULT_MINIO_IMAGE)),
    clientImage: os.string("clientImage", DEFAULT_MC_IMAGE, pinnedImage(DEFAULT_MC_IMAGE)),
    storageGiB: os.integer("storageGiB", 20, 1, 16384),
    storageClass: os.string("storageClass", "", storageClassRule()),
    region: os.string(
      "region",
      DEFAULT_REGION,
      rule(/^[a-z]{2}(-[a-z0-9]+)+$/, "a region name", DEFAULT_REGION),
    ),
    resources: readResources(os.object("resources"), DEFAULT_OBJECT_STORE_RESOURCES),
    noncurrentVersionDays: os.integer("noncurrentVersionDays", DEFAULT_NONCURRENT_VERSION_DAYS, 1, 3650),
    rotation: os.integer("rotation", 0, 0, MAX_ROTATION),
  };
  os.rejectUnknown();
  return objectStore;
}

/** `ferrum:observability`: the monitoring stack, opt-in. */
export function readObservability(obs: ObjectReader): FerrumConfig["observability"] {
  const observability = { enabled: obs.boolean("enabled", false), tracing: obs.boolean("tracing", false) };
  obs.rejectUnknown();
  return observability;
}
