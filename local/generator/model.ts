/**
 * The local services without Kubernetes, as both generated files describe them: docker-compose.yml (Docker
 * Compose) and docker-stack.yml (`docker stack deploy` on a Swarm). services.ts builds one model of every service
 * from the components' renderers; render.ts writes it for Compose and swarm.ts for Swarm. Pure types and names.
 */
import * as path from "path";
import type { FerrumConfig } from "../../config";
import { SENTINEL_PORT } from "../../components/redis-ha/naming";
import { DEFAULT_SENTINELS } from "../../components/redis-ha/settings";
import type { Endpoint } from "../../components/redis-ha/types";
import type { CredentialSlot } from "../../lib/rotation";

/** The command that regenerates every generated file (README, Makefile and test messages name it). */
export const REGENERATE_COMMAND = "npm run compose";
/** The folder of the local stack: the generated files below and the `.env` they read live here. */
export const LOCAL_ROOT = path.resolve(__dirname, "..");
export const COMPOSE_FILE = "docker-compose.yml";
/** The Swarm stack file, for `docker stack deploy` (swarm.ts). */
export const STACK_FILE = "docker-stack.yml";
/** Directory (beside the compose file) of the generated files the containers mount. */
export const GENERATED_DIR = "compose";
/** How messages name everything `npm run compose` writes. */
export const GENERATED_FILES = `${COMPOSE_FILE}, ${STACK_FILE} and ${GENERATED_DIR}/`;

/** Compose service names, which are also the containers' DNS names on the local network. */
export const HOSTS = {
  traefik: "traefik",
  postgres: "postgres",
  postgresBootstrap: "postgres-bootstrap",
  redis: "redis",
  redisCache: "redis-cache",
  minio: "minio",
  minioBootstrap: "minio-bootstrap",
} as const;

/** Three Sentinels as on k3s: REDIS_SENTINELS and the Celery URL lists keep their length, the quorum its value. */
export const SENTINEL_COUNT = DEFAULT_SENTINELS;
export const sentinelHost = (ordinal: number): string => `sentinel-${ordinal}`;
export function sentinelEndpoints(): Endpoint[] {
  return Array.from({ length: SENTINEL_COUNT }, (_, i) => ({ host: sentinelHost(i), port: SENTINEL_PORT }));
}

/** The named volume of Sentinel `ordinal`'s state (Sentinel rewrites its config as it learns). */
export const sentinelVolume = (ordinal: number): string => `sentinel-${ordinal}-state`;

/** The named volumes of the local stacks: what PostgreSQL, Redis's data group, the Sentinels and MinIO keep. */
export function localVolumes(): string[] {
  return [
    "postgres-data",
    "redis-data",
    ...sentinelEndpoints().map((_, i) => sentinelVolume(i)),
    "minio-data",
  ];
}

/** The services of one Django service: web is the service's own name (its DNS name, as on k3s). */
export const djangoServiceNames = (service: string) =>
  ({
    migrate: `${service}-migrate`,
    web: service,
    worker: `${service}-worker`,
    beat: `${service}-beat`,
  }) as const;

/**
 * The stack's overlay network, named explicitly so Traefik's Swarm provider finds it whatever the stack is called
 * (a stack would otherwise prefix it: `<stack>_<network>`).
 */
export const SWARM_NETWORK = "ferrum";

/** Each catalog service's name and the containers that share its environment (`x-environments`). */
export function sharedByContainers(config: Pick<FerrumConfig, "services">): Map<string, string[]> {
  return new Map(config.services.map((s) => [s.name, Object.values(djangoServiceNames(s.name))]));
}

/** Directories of compose/ that the containers mount. */
export const PATHS = {
  initdb: `${GENERATED_DIR}/postgres/initdb`,
  pgBootstrap: `${GENERATED_DIR}/postgres/bootstrap`,
  redis: `${GENERATED_DIR}/redis`,
  mcBootstrap: `${GENERATED_DIR}/minio/bootstrap`,
  policies: `${GENERATED_DIR}/minio/policies`,
  swarm: `${GENERATED_DIR}/swarm`,
} as const;

/** One generated file, its path relative to the repository root (POSIX separators). */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
  /** Mode 0755 rather than 0644 (the PostgreSQL image runs executable init scripts, sources the others). */
  readonly executable: boolean;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type ComposeService = Record<string, Json>;

/**
 * The `environment` of a Django container while the model is built: the YAML documents replace it by an alias
 * of the service's entry under `x-environments`, shared by its migrate, web, worker and beat containers.
 */
export const ENV_PLACEHOLDER = "<environment>";
/** The same for a Django container's Swarm `secrets` (`x-secrets`). */
export const SECRETS_PLACEHOLDER = "<secrets>";

/** A directory of compose/ mounted read-only: a bind mount for Compose, one config a file for Swarm. */
export interface Mount {
  /** Relative to the repository root: `compose/redis`. */
  readonly dir: string;
  /** The directory in the container. */
  readonly target: string;
}

/** CPU and memory of a container, as the Kubernetes side states them (a request is optional here). */
export interface Resources {
  readonly cpuLimitMillicores: number;
  readonly memoryLimitMiB: number;
  readonly cpuMillicores?: number;
  readonly memoryMiB?: number;
}

/**
 * Swarm's order of a rolling update: `start-first` (the new task is healthy before the old one stops: no gap,
 * two tasks side by side for a moment) only where two side by side are harmless; `stop-first` for what must
 * never run twice (two PostgreSQL servers on one data volume, two beats sending every task twice).
 */
export type UpdateOrder = "start-first" | "stop-first";

/** What a Swarm stack needs to know of a service beyond its compose definition. */
export type SwarmTraits = {
  /** compose/ directories the service mounts (compose's `volumes` carries them as bind mounts too). */
  readonly mounts: readonly Mount[];
  /** @default - no limits (Traefik, as in docker-compose.yml and on k3s) */
  readonly resources?: Resources;
  /**
   * `manager`: the Swarm API is served by managers only (Traefik's provider reads it). `data`: the node labelled
   * for the data volumes, which are local to a node. @default - any node
   */
  readonly placement?: "manager" | "data";
  /**
   * The command to run where docker-compose.yml relies on the image's ENTRYPOINT and CMD: Swarm's entrypoint
   * wrapper replaces the ENTRYPOINT, and with it the image's CMD. @default - compose's entrypoint and command
   */
  readonly command?: readonly string[];
  /**
   * Ports published through Swarm's routing mesh, `PUBLISHED:TARGET` (Swarm binds every node; there is no host
   * address). @default - none
   */
  readonly ports?: readonly string[];
} & (
  | { readonly kind: "oneShot" }
  | { readonly kind: "server"; readonly order: UpdateOrder; readonly replicas: number }
);

/** One local service: its compose definition (variables as tokens, variables.ts) and its Swarm traits. */
export interface LocalService {
  readonly name: string;
  readonly compose: ComposeService;
  readonly swarm: SwarmTraits;
}

/**
 * The one credential slot of the local stack (lib/rotation.ts): its credentials come from `.env` and never
 * rotate, so each service gets one database login (`ferrum_<svc>_a`) and one object-store user.
 */
export const COMPOSE_SLOT: CredentialSlot = "a";
