/**
 * The one typed, validated view of stack config. Every problem is collected and reported at once, naming
 * the key, the value received and how to fix it, before any resource is registered.
 *
 * `parseConfig` is pure (raw `ferrum:key -> text` map in, settings or problems out) and is what the tests
 * and the offline plan exercise; `loadConfig` reads the engine's config and adds the secrets as Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { CATALOG, SERVICE_NAMES, ServiceDefinition } from "./catalog";
import { DEFAULT_REDIS_IMAGE } from "./components/redis-ha/types";
import {
  DEFAULT_MC_IMAGE,
  DEFAULT_MINIO_IMAGE,
  DEFAULT_OBJECT_STORE_RESOURCES,
  DEFAULT_REGION,
} from "./components/object-store/naming";
import { AwsSettings, readAwsSettings } from "./lib/config-aws";
import { AZURE_LOCATION_KEY, AzureSettings, readAzureSettings } from "./lib/config-azure";
import {
  fullKey,
  Json,
  ObjectReader,
  Problems,
  RawConfig,
  rawToObject,
  setCommand,
} from "./lib/config-reader";

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
] as const;

/** Config keys that hold secrets; each is required only when the setting that needs it is present. */
export const SECRET_KEYS = ["emailPassword", "yookassaSecretKey", "clusterKubeconfig"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Defaults of every scalar key. Pulumi.yaml declares the same defaults for the CLI; a test keeps the two equal.
 */
export const SCALAR_DEFAULTS = {
  cloud: "k3s",
  namespace: "ferrum",
  apiHost: "api.ferrum.local",
  kubeconfig: "",
  kubeContext: "",
  imageRegistry: "ghcr.io/ferrum",
  imageTag: "0.1.0",
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

export interface ServiceSettings extends ServiceDefinition {
  /** Image reference with a tag or digest. */
  readonly image: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** HPA target: average CPU utilisation of the web container, percent of its request. */
  readonly targetCpuPercent: number;
  readonly web: ResourceSpec;
  readonly worker: ResourceSpec;
  readonly beat: ResourceSpec;
  /** Docker build context of the service's image: built and pushed to the stack's registry when set. */
  readonly buildContext: string;
}

export interface PostgresSettings {
  /** Official PostgreSQL 16 image, pinned. */
  readonly image: string;
  readonly storageGiB: number;
  /** StorageClass of the data volume; empty means the cluster default (k3s: local-path). */
  readonly storageClass: string;
  readonly resources: ResourceSpec;
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
  readonly kubeconfig: string;
  readonly kubeContext: string;
  readonly ingressNamespace: string;
  readonly monitoringNamespace: string;
  readonly services: readonly ServiceSettings[];
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
}

/** The config plus the secrets it requires, as secret Outputs. */
export interface LoadedConfig extends FerrumConfig {
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
}

export const DEFAULT_POSTGRES_IMAGE = "postgres:16.10-bookworm";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** registry/repo[:tag][@sha256:digest], with a tag or a digest required. */
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

const rule = (pattern: RegExp, expectation: string, example: string) => ({ pattern, expectation, example });

const WEB_DEFAULTS: ResourceSpec = {
  cpuMillicores: 250,
  cpuLimitMillicores: 1000,
  memoryMiB: 384,
  memoryLimitMiB: 768,
};
const WORKER_DEFAULTS: ResourceSpec = {
  cpuMillicores: 100,
  cpuLimitMillicores: 500,
  memoryMiB: 256,
  memoryLimitMiB: 512,
};
const BEAT_DEFAULTS: ResourceSpec = {
  cpuMillicores: 20,
  cpuLimitMillicores: 200,
  memoryMiB: 128,
  memoryLimitMiB: 256,
};
const POSTGRES_DEFAULTS: ResourceSpec = {
  cpuMillicores: 250,
  cpuLimitMillicores: 1000,
  memoryMiB: 512,
  memoryLimitMiB: 1024,
};

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
      `must be at least cpuMillicores (got ${spec.cpuLimitMillicores} < ${spec.cpuMillicores}); set it with: ${setCommand(`${r.path}.cpuLimitMillicores`, spec.cpuMillicores)}`,
    );
  }
  if (spec.memoryMiB > spec.memoryLimitMiB) {
    r.problems.add(
      `${r.path}.memoryLimitMiB`,
      `must be at least memoryMiB (got ${spec.memoryLimitMiB} < ${spec.memoryMiB}); set it with: ${setCommand(`${r.path}.memoryLimitMiB`, spec.memoryMiB)}`,
    );
  }
  return spec;
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
  if (!/[:@][^/]+$/.test(image)) {
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
      `must be at least minReplicas (got ${maxReplicas} < ${minReplicas}); set it with: ${setCommand(`${r.path}.maxReplicas`, minReplicas)}`,
    );
  }
  const settings: ServiceSettings = {
    ...def,
    image,
    minReplicas,
    maxReplicas,
    targetCpuPercent: r.integer("targetCpuPercent", 70, 10, 100),
    web: readResources(r.object("web"), WEB_DEFAULTS),
    worker: readResources(r.object("worker"), WORKER_DEFAULTS),
    beat: readResources(r.object("beat"), BEAT_DEFAULTS),
    buildContext: r.string("buildContext", ""),
  };
  r.rejectUnknown();
  return settings;
}

/** Secret keys this config needs, decided by the plain settings alone (so the plan can fill placeholders). */
export function requiredSecretKeys(
  settings: Pick<FerrumConfig, "email" | "payments" | "cloud" | "aws">,
): SecretKey[] {
  const keys: SecretKey[] = [];
  if (settings.email.user !== "") keys.push("emailPassword");
  if (settings.payments.shopId !== "") keys.push("yookassaSecretKey");
  if (settings.cloud === "aws" && settings.aws.existingCluster) keys.push("clusterKubeconfig");
  return keys;
}

export interface ParseResult {
  readonly config?: FerrumConfig;
  readonly problems: readonly string[];
}

/** Validates raw config (as the engine holds it: `ferrum:key -> text`). Pure. */
export function parseConfig(raw: RawConfig, stack: string, project = "ferrum"): ParseResult {
  const problems = new Problems();
  const top = new ObjectReader(problems, "", rawToObject(raw, problems, STRUCTURED_KEYS));
  const d = SCALAR_DEFAULTS;

  const cloud = top.oneOf("cloud", CLOUDS, d.cloud);
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
    resources: readResources(pg.object("resources"), POSTGRES_DEFAULTS),
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
    maxmemoryMiB: rd.integer("maxmemoryMiB", 256, 32, 65536),
    storageGiB: rd.integer("storageGiB", 2, 1, 16384),
    storageClass: rd.string(
      "storageClass",
      "",
      rule(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/, "a StorageClass name", "local-path"),
    ),
    cache: (() => {
      const c = rd.object("cache");
      const cache = {
        maxmemoryMiB: c.integer("maxmemoryMiB", 64, 32, 65536),
        replicas: c.integer("replicas", 2, 1, 9),
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
      `must hold at least twice maxmemoryMiB for the append-only file and its rewrite (got ${redis.storageGiB} GiB for ${redis.maxmemoryMiB} MiB); set it with: ${setCommand("redis.storageGiB", Math.ceil((2 * redis.maxmemoryMiB) / 1024))}`,
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
      `must be 1 or at least 3, so a JetStream cluster keeps a majority when a server is lost (got 2); set it with: ${setCommand("eventBus.replicas", 3)}`,
    );
  }
  const aws = readAwsSettings(top.object("aws"));
  const azure = readAzureSettings(top.object("azure"), { stack, location: raw[AZURE_LOCATION_KEY] });

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
    apiHost: top.string("apiHost", d.apiHost, rule(DNS_NAME, "a lowercase DNS name", d.apiHost)),
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
  };
  for (const s of SECRET_KEYS) top.string(s, ""); // secrets are read by loadConfig; here only marked known
  top.rejectUnknown();
  if (config.email.user !== "" && config.email.host === "") {
    problems.invalid("emailHost", "set when emailUser is set", "", "smtp.example.com");
  }
  return problems.list.length ? { problems: problems.list.map((p) => p.message) } : { config, problems: [] };
}

/** Every problem at once, without a stack trace (RunError), and before anything is registered. */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

export function missingSecretsMessage(stack: string, keys: readonly SecretKey[]): string[] {
  return keys.map(
    (k) =>
      `${fullKey(k)} is required by this stack's settings but not set; set it with: pulumi config set --secret '${fullKey(k)}' <value> -s ${stack}`,
  );
}

/** Reads and validates the engine's config; secrets come back as secret Outputs. Throws ConfigError. */
export function loadConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const result = parseConfig(raw, pulumi.getStack(), pulumi.getProject());
  if (!result.config) throw new ConfigError(result.problems);
  const cfg = new pulumi.Config("ferrum");
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  const missing: SecretKey[] = [];
  for (const key of requiredSecretKeys(result.config)) {
    const value = cfg.getSecret(key);
    if (value === undefined) missing.push(key);
    else secrets[key] = value;
  }
  if (missing.length) throw new ConfigError(missingSecretsMessage(result.config.stack, missing));
  return { ...result.config, secrets };
}

export type { Json };
