/**
 * The one typed, validated view of stack config. Every problem is collected and reported at once, naming
 * the key, the value received and how to fix it, before any resource is registered.
 *
 * `parseConfig` is pure (raw `ferrum:key -> text` map in, settings or problems out) and is what the tests
 * and the offline plan exercise; `loadConfig` reads the engine's config and adds the secrets as Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { CATALOG, SERVICE_NAMES, ServiceDefinition } from "./catalog";
import { DEFAULT_REDIS_IMAGE } from "../components/redis-ha/types";
import { scheduleProblems } from "../components/managed-postgres/schedule";
import {
  DEFAULT_MC_IMAGE,
  DEFAULT_MINIO_IMAGE,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  DEFAULT_OBJECT_STORE_RESOURCES,
  DEFAULT_REGION,
  defaultObjectsHost,
} from "../components/object-store/naming";
import { AwsSettings, readAwsSettings } from "./aws";
import { AZURE_LOCATION_KEY, AzureSettings, azureStackProblems, readAzureSettings } from "./azure";
import { foreignKeyProblems, requiredForCloud, unusedSettingProblems } from "./scope";
import { type DeployerSettings, readDeployer } from "./deployer";
import { readTls, type TlsSettings } from "./tls";
import { type ImageSettings, readImages } from "./images";
import { DIGEST, parseImage } from "../lib/images";
import { MAX_ROTATION } from "../lib/rotation";
import { ProblemsError } from "../lib/problems";
import {
  fullKey,
  Json,
  ObjectReader,
  ConfigProblems,
  RawConfig,
  rawToObject,
  setCommand,
  show,
} from "./reader";

export const CLOUDS = ["k3s", "aws", "azure"] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Keys whose values are objects (set with `pulumi config set --path`); the rest are scalars typed in Pulumi.yaml. */
export const STRUCTURED_KEYS = [
  "services",
  "postgres",
  "redis",
  "objectStore",
  "observability",
  "eventBus",
  "aws",
  "azure",
  "deployer",
  "tls",
] as const;

/** Config keys that hold secrets; each is required only when the setting that needs it is present. */
export const SECRET_KEYS = [
  "emailPassword",
  "yookassaSecretKey",
  "clusterKubeconfig",
  "imageRegistryPassword",
  "imagePullSecret",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * What the repository's Pulumi ESC environment definitions (deployments/esc/) hold for each secret until
 * `esc env set ... --secret` replaces it. A secret with this value is refused: an environment created from the
 * file and never filled in deploys nothing.
 */
export const ESC_PLACEHOLDER = "REPLACE-with-esc-env-set";

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

export interface EventBusSettings {
  readonly enabled: boolean;
  /** NATS servers: 1, or a JetStream cluster of 3 or more. */
  readonly replicas: number;
  /** Each server's JetStream file store volume. */
  readonly storageGiB: number;
}

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
  /** `ferrum:eventBus`: NATS with JetStream beside Redis Streams, opt-in. */
  readonly eventBus: EventBusSettings;
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

export const DEFAULT_POSTGRES_IMAGE = "postgres:16.10-bookworm";

/** Defaults of `ferrum:postgres.backup`: every night at 02:00 UTC, kept two weeks (as long as RDS keeps its own). */
export const POSTGRES_BACKUP_DEFAULTS: PostgresBackupSettings = {
  enabled: true,
  schedule: "0 2 * * *",
  retentionDays: 14,
};

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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** registry/repo[:tag][@sha256:digest], with a tag or a digest required. */
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

const rule = (pattern: RegExp, expectation: string, example: string) => ({ pattern, expectation, example });

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

function readResources(r: ObjectReader, defaults: ResourceSpec): ResourceSpec {
  const spec = {
    cpuMillicores: r.integer("cpuMillicores", defaults.cpuMillicores, 10, 64000),
    cpuLimitMillicores: r.integer("cpuLimitMillicores", defaults.cpuLimitMillicores, 10, 64000),
    memoryMiB: r.integer("memoryMiB", defaults.memoryMiB, 16, 262144),
    memoryLimitMiB: r.integer("memoryLimitMiB", defaults.memoryLimitMiB, 16, 262144),
  };
  r.rejectUnknown();
  if (spec.cpuMillicores > spec.cpuLimitMillicores) {
    r.problems.add(
      `${r.path}.cpuLimitMillicores`,
      `must be at least cpuMillicores (got ${spec.cpuLimitMillicores} < ${spec.cpuMillicores}); set it with: ${r.problems.set(`${r.path}.cpuLimitMillicores`, spec.cpuMillicores)}`,
    );
  }
  if (spec.memoryMiB > spec.memoryLimitMiB) {
    r.problems.add(
      `${r.path}.memoryLimitMiB`,
      `must be at least memoryMiB (got ${spec.memoryLimitMiB} < ${spec.memoryMiB}); set it with: ${r.problems.set(`${r.path}.memoryLimitMiB`, spec.memoryMiB)}`,
    );
  }
  return spec;
}

/** Defaults of a worker's placement and task limits (README, "Celery: at-least-once delivery"). */
export const WORKER_DEFAULTS_SCALING = {
  kind: "sidecar",
  minReplicas: 1,
  maxReplicas: 5,
  tasksPerReplica: 5,
  taskTimeLimitSeconds: 300,
  maxEtaSeconds: 3600,
} as const;

/** Fields of `worker` that only a service running Celery can use (the resources are accepted everywhere). */
const CELERY_ONLY_WORKER_FIELDS = [
  "kind",
  "minReplicas",
  "maxReplicas",
  "tasksPerReplica",
  "taskTimeLimitSeconds",
  "maxEtaSeconds",
] as const;

function readWorker(r: ObjectReader, def: ServiceDefinition, resources: ResourceSpec): WorkerSettings {
  const d = WORKER_DEFAULTS_SCALING;
  if (!def.celery) {
    const celeryServices = CATALOG.filter((s) => s.celery).map((s) => s.name);
    for (const field of CELERY_ONLY_WORKER_FIELDS) {
      if (r.value[field] === undefined) continue;
      r.problems.add(
        `${r.path}.${field}`,
        `does nothing on this stack (got ${show(r.value[field])}): ${def.name} runs no Celery worker, only ${celeryServices.join(", ")} do (catalog.ts); remove it with: ${r.problems.remove(`${r.path}.${field}`)}`,
      );
    }
  }
  const kind = r.oneOf("kind", WORKER_KINDS, d.kind);
  const minReplicas = r.integer("minReplicas", d.minReplicas, 0, 50);
  const maxReplicas = r.integer("maxReplicas", d.maxReplicas, 1, 50);
  if (minReplicas > maxReplicas) {
    r.problems.add(
      `${r.path}.maxReplicas`,
      `must be at least minReplicas (got ${maxReplicas} < ${minReplicas}); set it with: ${r.problems.set(`${r.path}.maxReplicas`, minReplicas)}`,
    );
  }
  const scaling = {
    kind,
    minReplicas,
    maxReplicas,
    tasksPerReplica: r.integer("tasksPerReplica", d.tasksPerReplica, 1, 10000),
    // At most an hour: the pods' grace period follows it, and a node drain waits that long.
    taskTimeLimitSeconds: r.integer("taskTimeLimitSeconds", d.taskTimeLimitSeconds, 10, 3600),
    // At most a week: the broker's visibility timeout follows it, and a message lost with its worker comes
    // back only after that timeout.
    maxEtaSeconds: r.integer("maxEtaSeconds", d.maxEtaSeconds, 0, 604800),
  };
  // readResources rejects unknown keys, now knowing the fields read above.
  return { ...scaling, ...readResources(r, resources) };
}

function readService(
  r: ObjectReader,
  def: ServiceDefinition,
  registry: string,
  tag: string,
  cloud: Cloud,
): ServiceSettings {
  const key = `${r.path}.image`;
  const derived = `${registry}/${def.imageRepository}:${tag}`;
  const image = r.string(
    "image",
    derived,
    rule(IMAGE, "an image reference with a tag or digest", `${registry}/${def.imageRepository}:1.0.0`),
  );
  if (!/[:@][^/]+$/.test(image) && !r.has("digest")) {
    r.problems.invalid(key, "an image reference with a tag or digest", image, `${image}:1.0.0`);
  } else if (cloud !== "k3s" && image !== derived && /:latest$/.test(image)) {
    // A derived image's tag is ferrum:imageTag, which is checked (and named) on its own.
    r.problems.invalid(
      key,
      "pinned to a version or digest in a cloud stack, not :latest",
      image,
      image.replace(/:latest$/, ":1.0.0"),
    );
  }
  const minReplicas = r.integer("minReplicas", 1, 1, 50);
  const maxReplicas = r.integer("maxReplicas", 5, 1, 50);
  if (minReplicas > maxReplicas) {
    r.problems.add(
      `${r.path}.maxReplicas`,
      `must be at least minReplicas (got ${maxReplicas} < ${minReplicas}); set it with: ${r.problems.set(`${r.path}.maxReplicas`, minReplicas)}`,
    );
  }
  const settings: ServiceSettings = {
    ...def,
    image,
    minReplicas,
    maxReplicas,
    targetCpuPercent: r.integer("targetCpuPercent", 70, 10, 100),
    web: readResources(r.object("web"), defaultSizes(cloud).web),
    worker: readWorker(r.object("worker"), def, defaultSizes(cloud).worker),
    beat: readResources(r.object("beat"), defaultSizes(cloud).beat),
    buildContext: r.string("buildContext", ""),
  };
  const digest = readDigest(r, settings);
  r.rejectUnknown();
  return digest ? { ...settings, image: `${image}@${digest}` } : settings;
}

/**
 * `services.<name>.digest`: the digest the image runs by, appended to its reference (derived or set). Not
 * beside a digest in `image`, and not beside a build context, whose build decides the digest.
 */
function readDigest(r: ObjectReader, s: ServiceSettings): string | undefined {
  const key = `${r.path}.digest`;
  const digest = r.string("digest", "", {
    pattern: new RegExp(`^$|${DIGEST.source}`),
    expectation: "an image digest, sha256: and 64 lowercase hex digits",
    example: "sha256:<digest>",
  });
  if (digest === "") return undefined;
  if (s.buildContext !== "") {
    r.problems.add(
      key,
      `does nothing on this stack (got ${JSON.stringify(digest)}): ${s.name} is built from buildContext and runs the digest its build pushes; remove it with: ${r.problems.remove(key)}`,
    );
    return undefined;
  }
  if (parseImage(s.image).digest !== undefined) {
    r.problems.add(
      key,
      `conflicts with the digest in ${fullKey(`${r.path}.image`)} (got ${JSON.stringify(digest)} beside ${JSON.stringify(s.image)}): give the digest in one place; remove it with: ${r.problems.remove(key)}`,
    );
    return undefined;
  }
  return digest;
}

/**
 * `ferrum:objectsHost`: the object store's public host on k3s and Azure, `objects.<apiHost's domain>` unless
 * set. It needs a route of its own, so it must differ from the API host. The AWS stack has no use for it (S3's
 * regional endpoint and CloudFront serve browsers there): setting it there is a mistake worth naming.
 */
function readObjectsHost(top: ObjectReader, cloud: Cloud, apiHost: string): string {
  const derived = defaultObjectsHost(apiHost);
  const set = top.string(
    "objectsHost",
    SCALAR_DEFAULTS.objectsHost,
    rule(
      /^$|^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      "a lowercase DNS name",
      derived,
    ),
  );
  if (cloud === "aws") {
    if (set !== "") {
      top.problems.add(
        "objectsHost",
        `does nothing on this stack (got ${JSON.stringify(set)}): signed URLs name S3's regional endpoint and CloudFront serves the public prefix on AWS; remove it with: ${top.problems.remove("objectsHost")}`,
      );
    }
    return "";
  }
  const host = set || derived;
  if (host === apiHost) {
    const got = set
      ? JSON.stringify(set)
      : `nothing, so ${JSON.stringify(derived)} derived from ferrum:apiHost`;
    top.problems.add(
      "objectsHost",
      `must differ from ferrum:apiHost (${apiHost}), whose routes own that host (got ${got}); set it with: ${top.problems.set("objectsHost", `objects.${apiHost}`)}`,
    );
  }
  return host;
}

/** Secret keys this config needs, decided by the plain settings alone (so the plan can fill placeholders). */
export function requiredSecretKeys(
  settings: Pick<FerrumConfig, "email" | "payments" | "cloud" | "aws" | "images">,
): SecretKey[] {
  const keys: SecretKey[] = [];
  if (settings.email.user !== "") keys.push("emailPassword");
  if (settings.payments.shopId !== "") keys.push("yookassaSecretKey");
  if (settings.cloud === "aws" && settings.aws.existingCluster) keys.push("clusterKubeconfig");
  if (settings.images.username !== "") keys.push("imageRegistryPassword");
  return keys;
}

export interface ParseResult {
  readonly config?: FerrumConfig;
  readonly problems: readonly string[];
}

export interface ParseOptions {
  readonly project?: string;
  /** Full keys the offline plan got with `-c`: their fixes correct the `-c`, not the stack file. */
  readonly overrides?: ReadonlySet<string>;
}

/** Every top-level `ferrum:` key the program reads. */
export const FERRUM_KEYS: readonly string[] = [
  "cloud",
  ...Object.keys(SCALAR_DEFAULTS),
  ...STRUCTURED_KEYS,
  ...SECRET_KEYS,
];

/**
 * Validates raw config as the engine holds it (`namespace:key -> text`, every namespace, structured values
 * as JSON), the stack file's and an ESC environment's alike. Pure but for reading the provider SDKs' key
 * lists from node_modules.
 */
export function parseConfig(raw: RawConfig, stack: string, options: ParseOptions = {}): ParseResult {
  const project = options.project ?? "ferrum";
  const problems = new ConfigProblems({ stack, overrides: options.overrides });
  const top = new ObjectReader(problems, "", rawToObject(raw, problems, STRUCTURED_KEYS));
  const d = SCALAR_DEFAULTS;

  if (raw[fullKey("cloud")] === undefined) {
    problems.add(
      "cloud",
      `must be set in every stack file: it decides what the stack deploys to, and without it the stack would deploy as k3s to whatever cluster your kubeconfig points at (got nothing); set it with: ${problems.set("cloud", "<k3s|aws|azure>")}`,
    );
  }
  const cloud = top.oneOf("cloud", CLOUDS, "k3s");
  const registry = top.string(
    "imageRegistry",
    d.imageRegistry,
    rule(
      /^[a-z0-9]([a-z0-9.\-/:]*[a-z0-9])?$/,
      "a registry host with an optional path, no tag",
      "ghcr.io/ferrum",
    ),
  );
  const tag = top.string(
    "imageTag",
    d.imageTag,
    rule(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag", "1.0.0"),
  );
  if (cloud !== "k3s" && tag === "latest")
    top.problems.invalid("imageTag", "a version in a cloud stack, not latest", tag, "1.0.0");

  const servicesReader = top.object("services");
  const services = CATALOG.map((def) =>
    readService(servicesReader.object(def.name), def, registry, tag, cloud),
  );
  for (const name of servicesReader.keys()) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      problems.add(
        `services.${name}`,
        `is not a service of the catalog (got ${JSON.stringify(name)}); the services are ${SERVICE_NAMES.join(", ")}`,
      );
    }
  }

  const pg = top.object("postgres");
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
    storageClass: pg.string(
      "storageClass",
      "",
      rule(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, "a StorageClass name", "local-path"),
    ),
    resources: readResources(pg.object("resources"), defaultSizes(cloud).postgres),
    backup: readPostgresBackup(pg.object("backup"), cloud),
    rotation: pg.integer("rotation", 0, 0, MAX_ROTATION),
  };
  pg.rejectUnknown();

  const rd = top.object("redis");
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
    storageClass: rd.string(
      "storageClass",
      "",
      rule(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, "a StorageClass name", "local-path"),
    ),
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
    problems.add(
      "redis.storageGiB",
      `must hold at least twice maxmemoryMiB for the append-only file and its rewrite (got ${redis.storageGiB} GiB for ${redis.maxmemoryMiB} MiB); set it with: ${problems.set("redis.storageGiB", Math.ceil((2 * redis.maxmemoryMiB) / 1024))}`,
    );
  }

  const os = top.object("objectStore");
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
    storageClass: os.string(
      "storageClass",
      "",
      rule(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, "a StorageClass name", "local-path"),
    ),
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

  const obs = top.object("observability");
  const observability = { enabled: obs.boolean("enabled", false), tracing: obs.boolean("tracing", false) };
  obs.rejectUnknown();
  const eb = top.object("eventBus");
  const eventBus: EventBusSettings = {
    enabled: eb.boolean("enabled", false),
    replicas: eb.integer("replicas", 1, 1, 9),
    storageGiB: eb.integer("storageGiB", 10, 1, 16384),
  };
  eb.rejectUnknown();
  if (eventBus.replicas === 2) {
    problems.add(
      "eventBus.replicas",
      `must be 1 or at least 3, so a JetStream cluster keeps a majority when a server is lost (got 2); set it with: ${problems.set("eventBus.replicas", 3)}`,
    );
  }
  const aws = readAwsSettings(top.object("aws"));
  const azure = readAzureSettings(top.object("azure"), { stack, location: raw[AZURE_LOCATION_KEY] });
  const images = readImages(
    top,
    {
      cloud,
      services,
      servicesRaw: servicesReader.value,
      acrLoginServer: `${azure.acrName.toLowerCase()}.azurecr.io`,
      pullSecretSet: raw[fullKey("imagePullSecret")] !== undefined,
    },
    registry,
  );
  const cloudKnown = !problems.has("cloud");
  const tls = readTls(top.object("tls"), { cloud, awsRegion: raw["aws:region"] });
  // Only a stack that creates its cluster decides who may reach its API; on k3s or an existing cluster the
  // deployer reaches it already (a setting there is refused as doing nothing, config/scope.ts).
  const createsCluster = (cloud === "aws" && !aws.existingCluster) || cloud === "azure";
  const deployerReader = top.object("deployer");
  const deployer =
    cloudKnown && createsCluster
      ? readDeployer(deployerReader, {
          cloud,
          networkCidr: cloud === "aws" ? aws.vpcCidr : azure.vnetCidr,
          required: true,
        })
      : undefined;

  const apiHost = top.string("apiHost", d.apiHost, rule(DNS_NAME, "a lowercase DNS name", d.apiHost));
  const config: FerrumConfig = {
    project,
    stack,
    cloud,
    protect: cloud !== "k3s",
    namespace: top.string(
      "namespace",
      d.namespace,
      rule(DNS_LABEL, "a DNS label (lowercase letters, digits, '-')", d.namespace),
    ),
    apiHost,
    objectsHost: readObjectsHost(top, cloud, apiHost),
    kubeconfig: top.string("kubeconfig", d.kubeconfig),
    kubeContext: top.string("kubeContext", d.kubeContext),
    ingressNamespace: top.string(
      "ingressNamespace",
      d.ingressNamespace,
      rule(DNS_LABEL, "a namespace name", d.ingressNamespace),
    ),
    monitoringNamespace: top.string(
      "monitoringNamespace",
      d.monitoringNamespace,
      rule(DNS_LABEL, "a namespace name", d.monitoringNamespace),
    ),
    services,
    images,
    postgres,
    redis,
    objectStore,
    email: {
      host: top.string(
        "emailHost",
        d.emailHost,
        rule(/^$|^[a-z0-9.-]+$/, "an SMTP host name", "smtp.example.com"),
      ),
      port: top.integer("emailPort", d.emailPort, 1, 65535),
      useTls: top.boolean("emailUseTls", d.emailUseTls),
      user: top.string("emailUser", d.emailUser),
    },
    payments: {
      shopId: top.string(
        "yookassaShopId",
        d.yookassaShopId,
        rule(/^$|^\d+$/, "a numeric YooKassa shop id", "123456"),
      ),
    },
    observability,
    eventBus,
    aws,
    azure,
    tls,
    ...(deployer ? { deployer } : {}),
  };
  for (const s of SECRET_KEYS) {
    // Secrets are read by loadConfig; here only marked known, and an ESC definition's placeholder refused.
    if (top.string(s, "") === ESC_PLACEHOLDER) {
      problems.add(
        s,
        `is still the placeholder of the ESC environment definition it came from (got ${JSON.stringify(ESC_PLACEHOLDER)}), not a secret; set the real one in the environment the stack imports: esc env set <org>/<project>/<environment> <path> '<value>' --secret (the paths are in deployments/esc/), or in the stack: ${problems.set(s, "<value>", true)}`,
      );
    }
  }
  top.rejectUnknown();
  if (config.email.user !== "" && config.email.host === "") {
    problems.invalid("emailHost", "set when emailUser is set", "", "smtp.example.com");
  }
  const paying = CATALOG.filter((s) => s.payments).map((s) => s.name);
  if (paying.length && config.payments.shopId === "" && !problems.has("yookassaShopId")) {
    problems.add(
      "yookassaShopId",
      `must be set: ${paying.join(", ")} takes payments through YooKassa (catalog.ts) (got ""); set it with: ${problems.set("yookassaShopId", "<shop-id>")}, and its secret key with: ${problems.set("yookassaSecretKey", "<value>", true)}`,
    );
  }
  // What a stack of its cloud must have, and what it would ignore, only once the cloud itself is known.
  foreignKeyProblems(raw, cloudKnown ? cloud : undefined, FERRUM_KEYS, problems);
  if (cloudKnown) {
    unusedSettingProblems(top.value, config, d, problems);
    requiredForCloud(raw, config, problems);
    if (cloud === "azure") azureStackProblems(azure, problems);
  }
  return problems.list.length ? { problems: problems.list.map((p) => p.message) } : { config, problems: [] };
}

/**
 * The name stacks/ and the harness knew the refusal of bad config by: the one error type, lib/problems.ts's
 * ProblemsError, whose subject defaults to "Invalid configuration".
 */
export { ProblemsError as ConfigError } from "../lib/problems";

export function missingSecretsMessage(stack: string, keys: readonly SecretKey[]): string[] {
  return keys.map(
    (k) =>
      `${fullKey(k)} is required by this stack's settings but not set; set it with: ${setCommand({ stack }, k, "<value>", true)}`,
  );
}

/** Reads and validates the engine's config; secrets come back as secret Outputs. Throws ProblemsError. */
export function loadConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const result = parseConfig(raw, pulumi.getStack(), { project: pulumi.getProject() });
  if (!result.config) throw new ProblemsError(result.problems);
  const cfg = new pulumi.Config("ferrum");
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  const missing: SecretKey[] = [];
  for (const key of requiredSecretKeys(result.config)) {
    const value = cfg.getSecret(key);
    if (value === undefined) missing.push(key);
    else secrets[key] = value;
  }
  if (missing.length) throw new ProblemsError(missingSecretsMessage(result.config.stack, missing));
  // Opt-in: set or not, with no plain setting that asks for it.
  const pullSecret = result.config.images.pullSecrets.dockerConfig
    ? cfg.getSecret("imagePullSecret")
    : undefined;
  if (pullSecret) secrets.imagePullSecret = pullSecret;
  return { ...result.config, secrets };
}

export type { Json };
