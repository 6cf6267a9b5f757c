/**
 * docker-compose.yml and the files it mounts (under compose/), rendered from the same catalog, config and
 * component renderers as the k3s dev stack. Pure: config in, file contents out; local/generate.ts writes them.
 *
 * What comes from where: services.ts builds every service (environment.ts's env, the k3s pod specs' commands and
 * probes, redis.ts's groups and ACL users, routes.ts's labels), mounted-files.ts the files under compose/; this
 * module writes them as compose reads them. swarm.ts writes the same model as a Swarm stack.
 *
 * No credential is ever a literal: a credential is a token while the model is built and a required `${VAR}`
 * reference in the file (variables.ts); audit.ts checks the result before it is returned.
 */
import { parse } from "yaml";
import type { FerrumConfig } from "../../config";
import { PUBLIC_PREFIX } from "../../components/object-store/naming";
import { credentialProblems } from "./audit";
import { resolveStrings, writeDocument } from "./document";
import {
  COMPOSE_FILE,
  djangoServiceNames,
  sharedByContainers,
  GENERATED_DIR,
  GeneratedFile,
  HOSTS,
  Json,
  localVolumes,
  REGENERATE_COMMAND,
} from "./model";
import { mountedFiles } from "./mounted-files";
import { DEFAULT_TRAEFIK_IMAGE } from "./routes";
import { LocalModel, localModel } from "./services";
import { EnvVariable, resolveTokens } from "./variables";

export type { GeneratedFile } from "./model";
export {
  COMPOSE_FILE,
  djangoServiceNames,
  GENERATED_DIR,
  HOSTS,
  REGENERATE_COMMAND,
  SENTINEL_COUNT,
  sentinelHost,
  STACK_FILE,
} from "./model";
export { DEFAULT_TRAEFIK_IMAGE, ENTRY_POINTS } from "./routes";

export interface ComposeOptions {
  /** @default DEFAULT_TRAEFIK_IMAGE */
  readonly traefikImage?: string;
}

export interface RenderedCompose {
  /** docker-compose.yml first, then compose/... in path order. */
  readonly files: readonly GeneratedFile[];
  /** The variables the file references; local/make-env.ts writes the secret ones. */
  readonly variables: readonly EnvVariable[];
}

/** Comments above service keys, for whoever opens the file. */
function comments(config: FerrumConfig): Record<string, string> {
  const c: Record<string, string> = {
    [HOSTS.traefik]:
      " Traefik v3: each web service's labels carry its k3s IngressRoute (routing.ts's rule) and StripPrefix\n" +
      ` Middleware, on websecure with Traefik's default certificate: https://${config.apiHost}/<service>/.`,
    [HOSTS.postgres]:
      " PostgreSQL 16 (config.ts's image). The first start on an empty volume runs compose/postgres/initdb\n" +
      " (renderAdminInitScript): it creates ferrum_admin, the non-superuser admin (CREATEDB CREATEROLE).",
    [HOSTS.postgresBootstrap]:
      " One-shot, the k3s bootstrap Job: renderBootstrapSql's script as ferrum_admin; every `up` re-runs it\n" +
      " (idempotent), and it sets each role's password from .env.",
    [HOSTS.redis]:
      " Redis 7, the data group (Celery, event streams; noeviction): one master and no replica (a replica holds\n" +
      " a copy of the whole dataset; failover is for k3s); redis-cache, the cache group (allkeys-lru). Three\n" +
      " Sentinels (a few MiB each), quorum 2 as on k3s: REDIS_SENTINELS and the Celery URL lists have the same\n" +
      " shape, so settings that read them are exercised as in the cluster. Same rendered configs, ACL users and\n" +
      " init scripts as the k3s pods (min-replicas-to-write 0: there is no replica to wait for); each user's\n" +
      " password comes from .env into an in-memory directory, as the k3s Secret volume.",
    [HOSTS.minio]:
      " S3-compatible object store (MinIO's last community release; only the S3 API, console off). Its labels\n" +
      ` carry the k3s public route: https://${config.objectsHost}/<bucket>/... through Traefik, Host kept, so the\n` +
      " URLs the services sign for browsers verify.",
    [HOSTS.minioBootstrap]:
      " One-shot, the k3s bootstrap Job: renderBootstrapScript's mc script, one versioned bucket, user and\n" +
      " one-bucket policy (compose/minio/policies, renderPolicy) per service, and each bucket's anonymous read\n" +
      ` of ${PUBLIC_PREFIX} (renderPublicReadPolicy).`,
  };
  for (const s of config.services) {
    const n = djangoServiceNames(s.name);
    const then = s.celery ? `${n.web}, its Celery worker (a sidecar on k3s) and its one beat` : n.web;
    c[n.migrate] =
      ` ${s.name} (${s.routePrefix}): ${n.migrate} is the k3s migrate initContainer (advisory lock);\n` +
      ` then ${then}.`;
  }
  return c;
}

function header(config: FerrumConfig): string {
  return [
    ` GENERATED FILE: do not edit. Regenerate with: ${REGENERATE_COMMAND} (local/generate.ts)`,
    ` ${REGENERATE_COMMAND} -- --check fails when this file or ${GENERATED_DIR}/ is stale; so does the test suite.`,
    "",
    ` Local parity with the k3s stack "${config.stack}" without Kubernetes: the same catalog (catalog.ts), config`,
    ` (config.ts over Pulumi.yaml + Pulumi.${config.stack}.yaml), env contract (renderEnv: each service gets the keys of`,
    " its k3s ConfigMap + Secret, pointed at these hosts) and the components' own renderers, whose output",
    ` is under ${GENERATED_DIR}/ and mounted read-only.`,
    "",
    " No credential is in this file: each is a required ${VAR} reference to the git-ignored .env, which",
    " `make up` writes once with random letters and digits (local/make-env.ts). Start: make up. Stop: make down.",
  ].join("\n");
}

/** docker-compose.yml's text for a local model. Throws when it would hold a credential literal. */
export function composeFile(config: FerrumConfig, local: LocalModel): string {
  const byName = new Map(local.variables.map((v) => [v.name, v]));
  const model = resolveStrings(
    {
      "x-environments": local.environments,
      services: Object.fromEntries(local.services.map((s) => [s.name, s.compose])),
      volumes: Object.fromEntries(localVolumes().map((v) => [v, {}])),
    },
    (text) => resolveTokens(text, byName),
  );
  const text = writeDocument(model as Json, {
    header: header(config),
    shared: [
      {
        section: "x-environments",
        comment:
          " Each service's environment: the variables renderEnv puts in its ConfigMap and Secret on k3s (POD_IP,\n" +
          " from the downward API there, is not set), shared by its migrate, web, worker and beat containers.",
        field: "environment",
        anchorSuffix: "env",
      },
    ],
    aliases: sharedByContainers(config),
    notes: comments(config),
  });

  const secretNames = new Set(local.variables.filter((v) => v.kind === "secret").map((v) => v.name));
  const problems = credentialProblems(parse(text) as Parameters<typeof credentialProblems>[0], secretNames);
  if (problems.length)
    throw new Error(`compose: credential literals in the render:\n  - ${problems.join("\n  - ")}`);
  return text;
}

/**
 * docker-compose.yml and the compose/ files for `config` (the dev stack's, in the committed files). Throws when
 * the result would hold a credential literal or a service lacks a Redis database slot.
 */
export async function renderCompose(
  config: FerrumConfig,
  options: ComposeOptions = {},
): Promise<RenderedCompose> {
  const local = await localModel(config, options.traefikImage ?? DEFAULT_TRAEFIK_IMAGE);
  return {
    files: [
      { path: COMPOSE_FILE, content: composeFile(config, local), executable: false },
      ...mountedFiles(config),
    ],
    variables: local.variables,
  };
}
