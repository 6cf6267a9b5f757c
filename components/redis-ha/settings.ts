/**
 * RedisHA's arguments, validated and with defaults resolved once. Pure. Every problem is collected, then one
 * ProblemsError lists them all, before any resource exists. The managed backends' checks are in managed-settings.ts.
 */
import { invalidArguments, Problems, ProblemsError } from "../../lib/problems";
import { isInt, show } from "./checks";
import { DEFAULT_GENERATION, type PasswordRotation } from "./credentials";
import { DEFAULT_DATABASE_SLOTS, slotProblems } from "./databases";
import {
  azureManagedRedisSettings,
  elastiCacheSettings,
  type AzureManagedRedisSettings,
  type ElastiCacheSettings,
} from "./managed-settings";
import type { InClusterRedis, RedisHAArgs } from "./types";

export const DEFAULT_REPLICAS = 3;
export const DEFAULT_SENTINELS = 3;
export const DEFAULT_QUORUM = 2;
export const DEFAULT_DATABASES = 16;
export const DEFAULT_CACHE_MAXMEMORY_MIB = 64;
export const DEFAULT_CACHE_REPLICAS = 2;
/** The fewest Sentinels that keep a majority after losing one. */
export const MIN_SENTINELS = 3;
export const MIN_MAXMEMORY_MIB = 32;
/** Longest component name: the Sentinel headless Service (`<name>-sentinel-headless`) must stay a DNS label. */
export const MAX_NAME_LENGTH = 40;

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;

/** The in-cluster backend's arguments with every default filled in. */
export interface RedisHASettings {
  readonly kind: "inCluster";
  readonly image: string;
  readonly replicas: number;
  readonly sentinels: number;
  readonly quorum: number;
  readonly maxmemoryMiB: number;
  readonly cacheMaxmemoryMiB: number;
  readonly cacheReplicas: number;
  readonly rotation: Required<PasswordRotation>;
  readonly storageGiB: number;
  readonly storageClass?: string;
  readonly databases: number;
  readonly protect: boolean;
  readonly namespace: string;
  readonly services: readonly string[];
  readonly slots: Readonly<Record<string, number>>;
}

/** Any backend's settings, told apart by `kind`. */
export type ResolvedSettings = RedisHASettings | ElastiCacheSettings | AzureManagedRedisSettings;

/** Validates `args`; throws one ProblemsError listing every problem, or returns the settings with defaults. */
export function resolveSettings(name: string, args: RedisHAArgs): ResolvedSettings {
  const problems = new Problems();
  problems.check(
    DNS_LABEL.test(name) && name.length <= MAX_NAME_LENGTH,
    `the name must be a lowercase DNS label of at most ${MAX_NAME_LENGTH} characters (got ${show(name)})`,
  );
  problems.check(
    DNS_LABEL.test(args.namespace) && args.namespace.length <= 63,
    `namespace must be a lowercase DNS label (got ${show(args.namespace)})`,
  );

  const b = args.backend;
  let settings: ResolvedSettings;
  switch (b.kind) {
    case "inCluster":
      settings = inClusterSettings(b, args, problems);
      break;
    case "elasticache":
      settings = elastiCacheSettings(name, b, args, problems);
      break;
    case "azureManagedRedis":
      settings = azureManagedRedisSettings(b, args, problems);
      break;
    default: {
      // Unreachable for typed callers; a backend built from untyped config could still name another kind.
      const unknown: never = b;
      const kind = (unknown as { kind?: unknown }).kind;
      problems.report(`backend.kind must be inCluster, elasticache or azureManagedRedis (got ${show(kind)})`);
      throw new ProblemsError(problems.messages, invalidArguments("RedisHA", name));
    }
  }

  const services = args.services;
  const bad = services.filter((x) => !SERVICE_NAME.test(x));
  problems.check(bad.length === 0, `services must be lowercase names (got ${bad.map(show).join(", ")})`);
  const dupes = [...new Set(services.filter((x, i) => services.indexOf(x) !== i))];
  problems.check(dupes.length === 0, `services must be unique (${dupes.map(show).join(", ")} repeated)`);
  // Only the in-cluster backend has numbered DBs; a managed cache has DB 0 alone.
  if (settings.kind === "inCluster" && isInt(settings.databases))
    for (const p of slotProblems([...new Set(services)], settings.slots, settings.databases))
      problems.report(p);

  problems.throwIfAny(invalidArguments("RedisHA", name));
  return settings;
}

function inClusterSettings(b: InClusterRedis, args: RedisHAArgs, problems: Problems): RedisHASettings {
  const s: RedisHASettings = {
    kind: "inCluster",
    image: b.image,
    replicas: b.replicas ?? DEFAULT_REPLICAS,
    sentinels: b.sentinels ?? DEFAULT_SENTINELS,
    quorum: b.quorum ?? DEFAULT_QUORUM,
    maxmemoryMiB: b.maxmemoryMiB,
    cacheMaxmemoryMiB: b.cache?.maxmemoryMiB ?? DEFAULT_CACHE_MAXMEMORY_MIB,
    cacheReplicas: b.cache?.replicas ?? DEFAULT_CACHE_REPLICAS,
    rotation: {
      generation: b.rotation?.generation ?? DEFAULT_GENERATION,
      acceptPrevious: b.rotation?.acceptPrevious ?? true,
    },
    storageGiB: b.storageGiB,
    ...(b.storageClass ? { storageClass: b.storageClass } : {}),
    databases: b.databases ?? DEFAULT_DATABASES,
    protect: b.protect,
    namespace: args.namespace,
    services: args.services,
    slots: args.databaseSlots ?? DEFAULT_DATABASE_SLOTS,
  };

  problems.check(
    s.image.trim() !== "",
    `backend.image must name a Redis 7 image, for example DEFAULT_REDIS_IMAGE (got ${show(s.image)})`,
  );
  problems.check(
    isInt(s.replicas) && s.replicas >= 2,
    `backend.replicas must be an integer of at least 2, a master and a replica to promote (got ${s.replicas})`,
  );
  problems.check(
    isInt(s.sentinels) && s.sentinels >= MIN_SENTINELS,
    `backend.sentinels must be an integer of at least ${MIN_SENTINELS} for high availability, so a majority survives the loss of one (got ${s.sentinels})`,
  );
  problems.check(
    isInt(s.quorum) && s.quorum >= 1 && s.quorum <= s.sentinels,
    `backend.quorum must be an integer between 1 and backend.sentinels (${s.sentinels}) (got ${s.quorum})`,
  );
  problems.check(
    isInt(s.maxmemoryMiB) && s.maxmemoryMiB >= MIN_MAXMEMORY_MIB,
    `backend.maxmemoryMiB must be an integer of at least ${MIN_MAXMEMORY_MIB} (got ${s.maxmemoryMiB})`,
  );
  problems.check(
    isInt(s.cacheMaxmemoryMiB) && s.cacheMaxmemoryMiB >= MIN_MAXMEMORY_MIB,
    `backend.cache.maxmemoryMiB must be an integer of at least ${MIN_MAXMEMORY_MIB} (got ${s.cacheMaxmemoryMiB})`,
  );
  problems.check(
    isInt(s.cacheReplicas) && s.cacheReplicas >= 1,
    `backend.cache.replicas must be an integer of at least 1 (got ${s.cacheReplicas})`,
  );
  problems.check(
    isInt(s.rotation.generation) && s.rotation.generation >= 1,
    `backend.rotation.generation must be an integer of at least 1; raise it by one to rotate every password (got ${s.rotation.generation})`,
  );
  const minStorageGiB = Math.max(1, Math.ceil((2 * s.maxmemoryMiB) / 1024));
  problems.check(
    isInt(s.storageGiB) && s.storageGiB >= minStorageGiB,
    `backend.storageGiB must be an integer of at least ${minStorageGiB}, twice backend.maxmemoryMiB, to hold the append-only file and its rewrite (got ${s.storageGiB})`,
  );
  problems.check(
    isInt(s.databases) && s.databases >= 1,
    `backend.databases must be a positive integer (got ${s.databases})`,
  );
  return s;
}
