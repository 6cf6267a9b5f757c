/**
 * docker-stack.yml: the same local services as docker-compose.yml (services.ts's model, from the same catalog,
 * config and component renderers), written for `docker stack deploy` on a Docker Swarm, as a proof of concept.
 * Pure: config in, file contents out; local/generate.ts writes them with the compose files.
 *
 * What Swarm has instead of what compose uses:
 * - no ordering (`depends_on`), no init containers: each service retries under its restart policy until what it
 *   needs answers; migrate and the bootstraps are replicated jobs, re-run by every deploy;
 * - no `.env`: `docker stack deploy` interpolates the settings (`${NAME:-default}`) from the deploying shell, and
 *   a credential reaches a service as a Swarm secret file, which the entrypoint wrapper (entrypoint.ts) turns into
 *   the env contract's variables; the file holds `~~NAME~~` tokens, never a value;
 * - no bind mounts of compose/: each file there is a Swarm config, named after its content's hash (a config cannot
 *   change in place; a new name rolls the services that mount it, as a renamed ConfigMap rolls pods on k3s);
 * - no `restart`, `mem_limit`, `security_opt`, `tmpfs`: deploy.restart_policy, deploy.resources, tmpfs volumes;
 *   swarm-keys.ts lists what Swarm ignores, and the render refuses a stack that has any of it;
 * - Traefik's Swarm provider on a manager node, reading `deploy.labels`, reaching each service through its VIP.
 */
import { createHash } from "crypto";
import { parse } from "yaml";
import type { FerrumConfig } from "../../config";
import { WEB_MIN_READY_SECONDS } from "../../components/django-service/pods";
import { credentialProblems, REFERENCES } from "./audit";
import { resolveStrings, writeDocument } from "./document";
import {
  ENTRYPOINT_FILE,
  ENTRYPOINT_PATH,
  ENTRYPOINT_SCRIPT,
  TEMPLATED_ENV,
  throughWrapper,
} from "./entrypoint";
import {
  ComposeService,
  djangoServiceNames,
  ENV_PLACEHOLDER,
  GENERATED_DIR,
  GeneratedFile,
  HOSTS,
  Json,
  LocalService,
  localVolumes,
  REGENERATE_COMMAND,
  Resources,
  SECRETS_PLACEHOLDER,
  sharedByContainers,
  STACK_FILE,
  SWARM_NETWORK,
} from "./model";
import { mountedFiles } from "./mounted-files";
import { mountString } from "./parts";
import { DEFAULT_TRAEFIK_IMAGE, isTraefikLabel } from "./routes";
import { LocalModel, localModel } from "./services";
import { swarmKeyProblems } from "./swarm-keys";
import { EnvVariable, reference, resolveTokens, token, tokenNames } from "./variables";

/**
 * The schema version the stack declares: 3.10, the newest that Docker Engine 23 (the first whose
 * `docker stack deploy` runs replicated jobs) validates against.
 */
export const STACK_VERSION = "3.10";
/** The stack's name in the make targets (`docker stack deploy -c docker-stack.yml ferrum`). */
export const STACK_NAME = "ferrum";
/** The node label that places the data services (their volumes are local to a node). */
export const DATA_NODE_LABEL = "ferrum.data";
/** File modes, as Swarm applies them to mounted secrets and configs (written in octal). */
const MODE = { secret: 0o400, config: 0o444, executableConfig: 0o555 } as const;

/** A one-shot's retries: the bootstraps and migrations wait, failing, for the servers to come up. */
const ONE_SHOT_RESTART = { condition: "on-failure", delay: "5s", max_attempts: 60 };

export interface SwarmOptions {
  /** @default DEFAULT_TRAEFIK_IMAGE */
  readonly traefikImage?: string;
}

export interface RenderedSwarm {
  /** docker-stack.yml, then compose/swarm/entrypoint.sh. The other files it ships are the compose render's. */
  readonly files: readonly GeneratedFile[];
  /** The secret variables the stack needs as Swarm secrets (local/swarm-secrets.ts creates them). */
  readonly secrets: readonly string[];
}

/** A stack name for a file under compose/: `compose/redis/redis.conf` → `redis-redis.conf`. */
const configKey = (path: string): string => path.slice(GENERATED_DIR.length + 1).replace(/\//g, "-");

/**
 * The Swarm config's name: its key and a hash of the content, so a changed file is a new config (Swarm cannot
 * update one) and the services that mount it roll. Swarm names hold at most 64 characters.
 */
export function configName(file: GeneratedFile): string {
  const hash = createHash("sha256").update(file.content).digest("hex").slice(0, 10);
  const name = `${STACK_NAME}-${configKey(file.path)}-${hash}`;
  if (name.length > 64)
    throw new Error(`compose: the Swarm config name ${name} is longer than 64 characters`);
  return name;
}

/** Swarm's CPU (decimal cores, a string) and memory (`M`: MiB in Docker's units). */
function swarmResources(r: Resources): Json {
  const cpus = (m: number) => String(m / 1000);
  return {
    limits: { cpus: cpus(r.cpuLimitMillicores), memory: `${r.memoryLimitMiB}M` },
    ...(r.cpuMillicores !== undefined && r.memoryMiB !== undefined
      ? { reservations: { cpus: cpus(r.cpuMillicores), memory: `${r.memoryMiB}M` } }
      : {}),
  };
}

/** `10001:10001` → uid and gid of the container's user (root when compose sets none). */
function owner(compose: ComposeService): { uid: string; gid: string } {
  const [uid = "0", gid = uid] = typeof compose.user === "string" ? compose.user.split(":") : [];
  return { uid, gid };
}

/** Compose keys that carry over as they are, in the stack's order. */
const CARRIED = ["image", "user", "working_dir", "read_only", "cap_drop", "stop_grace_period"] as const;
/** Compose keys rebuilt or replaced for Swarm, each with what takes its place. */
const REPLACED: Record<string, string> = {
  entrypoint: "the wrapper's entrypoint and command",
  command: "the wrapper's entrypoint and command",
  environment: "the same, with FERRUM_TEMPLATED_ENV",
  volumes: "named volumes, tmpfs volumes and configs",
  tmpfs: "tmpfs volumes",
  ports: "the routing mesh's ports",
  healthcheck: "the same, through the wrapper",
  labels: "container labels, and deploy.labels for Traefik",
  depends_on: "restart policies (Swarm has no ordering)",
  restart: "deploy.restart_policy",
  mem_limit: "deploy.resources",
  cpus: "deploy.resources",
  security_opt: "nothing: Swarm has no no-new-privileges",
};

interface Context {
  readonly vars: ReadonlyMap<string, EnvVariable>;
  readonly environments: LocalModel["environments"];
  /** Catalog service of each Django container. */
  readonly catalogService: ReadonlyMap<string, string>;
  readonly files: readonly GeneratedFile[];
}

/** Names of the secret variables whose tokens `env`'s values hold, in order of first use. */
function secretsOf(env: Record<string, string>, vars: ReadonlyMap<string, EnvVariable>): string[] {
  const names = Object.values(env).flatMap(tokenNames);
  return [...new Set(names)].filter((n) => vars.get(n)?.kind === "secret");
}

/** An environment with FERRUM_TEMPLATED_ENV naming the variables that hold a credential's token. */
function templated(
  env: Record<string, string>,
  vars: ReadonlyMap<string, EnvVariable>,
): Record<string, string> {
  const keys = Object.keys(env).filter((k) => secretsOf({ [k]: env[k]! }, vars).length > 0);
  return keys.length ? { ...env, [TEMPLATED_ENV]: keys.join(" ") } : env;
}

/** A service's Swarm secrets: each a file named after its variable, readable by the container's user only. */
const secretMounts = (names: readonly string[], uid: string, gid: string): Json =>
  names.map((s) => ({ source: s, target: s, uid, gid, mode: MODE.secret }));

/** Entrypoint and command of a service without credentials: Swarm's own command, or compose's. */
function unwrapped(c: ComposeService, command: readonly string[] | undefined): ComposeService {
  if (command) return { command: [...command] };
  return {
    ...(c.entrypoint !== undefined ? { entrypoint: c.entrypoint } : {}),
    ...(c.command !== undefined ? { command: c.command } : {}),
  };
}

/** One stack service from a local service: compose's definition, Swarm's traits. */
function swarmService(svc: LocalService, ctx: Context): Json {
  const c = svc.compose;
  const t = svc.swarm;
  for (const key of Object.keys(c))
    if (!(CARRIED as readonly string[]).includes(key) && !(key in REPLACED))
      throw new Error(`compose: ${svc.name}.${key} has no Swarm form in local/generator/swarm.ts yet`);

  const shared = c.environment === ENV_PLACEHOLDER ? ctx.catalogService.get(svc.name) : undefined;
  const env = (shared ? ctx.environments[shared] : c.environment) as Record<string, string> | undefined;
  const secrets = env ? secretsOf(env, ctx.vars) : [];
  const wrapped = secrets.length > 0;
  const command = t.command ?? [
    ...((c.entrypoint as string[] | undefined) ?? []),
    ...((c.command as string[] | undefined) ?? []),
  ];
  if (wrapped && command.length === 0)
    throw new Error(
      `compose: ${svc.name} runs the image's default command, which the Swarm wrapper replaces`,
    );

  const bindMounts = new Set(t.mounts.map(mountString));
  const volumes = [
    ...((c.volumes as string[] | undefined) ?? []).filter((v) => !bindMounts.has(v)),
    ...((c.tmpfs as string[] | undefined) ?? []).map((target) => ({ type: "tmpfs", target })),
  ];
  const mounted = t.mounts.flatMap((m) =>
    ctx.files
      .filter((f) => f.path.startsWith(`${m.dir}/`))
      .map((f) => ({
        source: configKey(f.path),
        target: `${m.target}/${f.path.slice(m.dir.length + 1)}`,
        mode: f.executable ? MODE.executableConfig : MODE.config,
      })),
  );
  const configs = [
    ...(wrapped ? [{ source: configKey(ENTRYPOINT_FILE), target: ENTRYPOINT_PATH, mode: MODE.config }] : []),
    ...mounted,
  ];
  const { uid, gid } = owner(c);
  const labels = (c.labels ?? {}) as Record<string, string>;
  const containerLabels = Object.fromEntries(Object.entries(labels).filter(([k]) => !isTraefikLabel(k)));
  const routed = labels["traefik.enable"] === "true";
  const healthcheck = c.healthcheck as { test: string[] } | undefined;

  const pick = (key: (typeof CARRIED)[number]) => (c[key] !== undefined ? { [key]: c[key] } : {});
  return {
    ...pick("image"),
    ...(wrapped ? { entrypoint: throughWrapper([]), command } : unwrapped(c, t.command)),
    ...pick("user"),
    ...pick("working_dir"),
    ...(shared ? { environment: ENV_PLACEHOLDER } : env ? { environment: templated(env, ctx.vars) } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(configs.length ? { configs } : {}),
    ...(shared
      ? { secrets: SECRETS_PLACEHOLDER }
      : secrets.length
        ? { secrets: secretMounts(secrets, uid, gid) }
        : {}),
    ...(t.ports?.length ? { ports: [...t.ports] } : {}),
    networks: [SWARM_NETWORK],
    ...pick("read_only"),
    ...pick("cap_drop"),
    ...pick("stop_grace_period"),
    ...(healthcheck
      ? {
          healthcheck: {
            ...healthcheck,
            test: wrapped ? ["CMD", ...throughWrapper(healthcheck.test.slice(1))] : healthcheck.test,
          },
        }
      : {}),
    labels: containerLabels,
    deploy: deploy(svc, containerLabels, routed ? labels : {}),
  } as Json;
}

/** Swarm's deploy section: mode and replicas, placement, resources, restarts, rolling updates, service labels. */
function deploy(
  svc: LocalService,
  containerLabels: Record<string, string>,
  routes: Record<string, string>,
): Json {
  const t = svc.swarm;
  const placement =
    t.placement === "manager"
      ? ["node.role == manager"]
      : t.placement === "data"
        ? [`node.labels.${DATA_NODE_LABEL} == true`]
        : [];
  const update =
    t.kind === "server"
      ? {
          parallelism: 1,
          order: t.order,
          // The web Deployment's minReadySeconds: a new task must stay up this long before the next one goes.
          monitor: `${WEB_MIN_READY_SECONDS}s`,
          failure_action: "rollback",
        }
      : undefined;
  return {
    ...(t.kind === "oneShot" ? { mode: "replicated-job", replicas: 1 } : { replicas: t.replicas }),
    ...(placement.length ? { placement: { constraints: placement } } : {}),
    ...(t.resources ? { resources: swarmResources(t.resources) } : {}),
    restart_policy: t.kind === "oneShot" ? ONE_SHOT_RESTART : { condition: "any", delay: "5s" },
    ...(update
      ? {
          update_config: update,
          rollback_config: { parallelism: 1, order: update.order, monitor: update.monitor },
        }
      : {}),
    labels: {
      ...containerLabels,
      ...routes,
      // Traefik sends to the service's VIP: Swarm adds a task to it once healthy, and takes it out 2 s before
      // stopping it (moby's container controller), the drain k3s gets from its preStop sleep.
      ...(Object.keys(routes).length ? { "traefik.swarm.lbswarm": "true" } : {}),
    },
  };
}

/** Comments above service keys, for whoever opens the file. */
function comments(config: FerrumConfig): Record<string, string> {
  const c: Record<string, string> = {
    [HOSTS.traefik]:
      " Traefik v3 with the Swarm provider, on a manager node (the Swarm API is served by managers only). Each\n" +
      " web service's deploy.labels carry its k3s IngressRoute and StripPrefix Middleware, with the port Swarm\n" +
      ` cannot detect: https://${config.apiHost}/<service>/ on websecure, plain HTTP redirected to it.`,
    [HOSTS.postgres]:
      ` PostgreSQL on the node labelled ${DATA_NODE_LABEL}=true (its volume is local to that node); stop-first: two\n` +
      " servers must never open one data directory. The wrapper exports its passwords from the Swarm secrets.",
    [HOSTS.postgresBootstrap]:
      " A replicated job, the k3s bootstrap Job: every deploy re-runs it (idempotent); it waits for PostgreSQL.",
    [HOSTS.redis]:
      " Redis's data group, redis-cache (the cache group) and three Sentinels from the same configs, ACL files and\n" +
      " init scripts as docker-compose.yml and k3s, each file a Swarm config; every ACL user's password a Swarm\n" +
      " secret, which the wrapper exports and the command writes into the in-memory users directory, as in\n" +
      ` docker-compose.yml. Redis and the Sentinels (their state on volumes) on the ${DATA_NODE_LABEL} node; all\n` +
      " stop-first: a Sentinel is a quorum member, a group has one master, and Redis owns its volume.",
    [HOSTS.minio]: ` MinIO on the ${DATA_NODE_LABEL} node, stop-first; its deploy.labels carry the k3s public route.`,
    [HOSTS.minioBootstrap]:
      " A replicated job, the k3s bootstrap Job: buckets, users and policies; every deploy re-runs it.",
  };
  for (const s of config.services) {
    const n = djangoServiceNames(s.name);
    c[n.migrate] =
      ` ${s.name} (${s.routePrefix}): ${n.migrate} is a replicated job in place of the k3s initContainer (Swarm has\n` +
      ` no init containers): web starts beside it; the migration lock keeps concurrent runs apart.`;
  }
  return c;
}

function header(config: FerrumConfig): string {
  return [
    ` GENERATED FILE: do not edit. Regenerate with: ${REGENERATE_COMMAND} (local/generator/swarm.ts)`,
    ` ${REGENERATE_COMMAND} -- --check fails when this file or ${GENERATED_DIR}/ is stale; so does the test suite.`,
    "",
    ` A proof of concept: docker-compose.yml's services on a Docker Swarm (Engine 23 or later), from the same`,
    ` catalog, config (stack "${config.stack}"), env contract and component renderers. Deploy: make swarm-deploy`,
    " (creates the Swarm secrets from .env, then runs docker stack deploy). Remove: make swarm-rm.",
    "",
    " No credential is in this file. A value that holds one carries ~~NAME~~, the Swarm secret NAME, which the",
    ` entrypoint wrapper (${ENTRYPOINT_FILE}) reads from /run/secrets/NAME before it runs the command;`,
    ` ${TEMPLATED_ENV} lists those variables. \${NAME:-default} settings come from the deploying shell: Swarm reads no .env.`,
  ].join("\n");
}

/** docker-stack.yml's text for a local model. Throws when it would hold a credential or a key Swarm ignores. */
export function stackFile(config: FerrumConfig, local: LocalModel): string {
  const vars = new Map(local.variables.map((v) => [v.name, v]));
  const files = [
    ...mountedFiles(config),
    { path: ENTRYPOINT_FILE, content: ENTRYPOINT_SCRIPT, executable: false },
  ];
  const catalogService = new Map(
    config.services.flatMap((s) =>
      Object.values(djangoServiceNames(s.name)).map((n) => [n, s.name] as const),
    ),
  );
  const ctx: Context = { vars, environments: local.environments, catalogService, files };
  const services = Object.fromEntries(local.services.map((s) => [s.name, swarmService(s, ctx)]));
  // A Django service's containers share its environment and its secrets, owned by the app user.
  const django = Object.fromEntries(
    config.services.map((s) => [s.name, local.services.find((l) => l.name === s.name)!.compose]),
  );
  const sharedSecrets = Object.fromEntries(
    Object.entries(local.environments).map(([name, env]) => {
      const { uid, gid } = owner(django[name]!);
      return [name, secretMounts(secretsOf(env, vars), uid, gid)];
    }),
  );
  const sources = (lists: unknown[]): string[] => [
    ...new Set(lists.filter(Array.isArray).flatMap((l: { source: string }[]) => l.map((x) => x.source))),
  ];
  const list = (k: string) => Object.values(services).map((s) => (s as Record<string, Json>)[k]);
  const used = {
    configs: sources(list("configs")),
    secrets: sources([...list("secrets"), ...Object.values(sharedSecrets)]),
  };
  const model = {
    version: STACK_VERSION,
    "x-environments": Object.fromEntries(
      Object.entries(local.environments).map(([name, env]) => [name, templated(env, vars)]),
    ),
    "x-secrets": sharedSecrets,
    services,
    // Named volumes, as in docker-compose.yml.
    volumes: Object.fromEntries(localVolumes().map((v) => [v, {}])),
    networks: { [SWARM_NETWORK]: { name: SWARM_NETWORK, driver: "overlay" } },
    configs: Object.fromEntries(
      used.configs.map((key) => {
        const file = files.find((f) => configKey(f.path) === key)!;
        return [key, { name: configName(file), file: `./${file.path}` }];
      }),
    ),
    secrets: Object.fromEntries(used.secrets.map((s) => [s, { external: true }])),
  };
  // Tokens of settings become `${NAME:-default}`; a credential's token stays for the wrapper.
  const resolved = resolveStrings(model as unknown as Json, (text) =>
    resolveTokens(text, vars, (v) => (v.kind === "secret" ? token(v.name) : reference(v))),
  );
  const text = writeDocument(resolved, {
    header: header(config),
    shared: [
      {
        section: "x-environments",
        comment:
          " Each service's environment, as in docker-compose.yml, shared by its migrate, web, worker and beat\n" +
          ` services; ~~NAME~~ is the Swarm secret NAME, which the entrypoint wrapper fills in.`,
        field: "environment",
        anchorSuffix: "env",
      },
      {
        section: "x-secrets",
        comment:
          " The Swarm secrets each service's containers read, as files owned by the app user (uid 10001).",
        field: "secrets",
        anchorSuffix: "secrets",
      },
    ],
    aliases: sharedByContainers(config),
    notes: comments(config),
    octalModes: true,
  });

  const parsed = parse(text, { version: "1.1" }) as { services: Record<string, Record<string, unknown>> };
  const secretNames = new Set(local.variables.filter((v) => v.kind === "secret").map((v) => v.name));
  const problems = [
    ...credentialProblems(parsed, secretNames, REFERENCES.swarm),
    ...swarmKeyProblems(parsed.services),
  ];
  if (problems.length)
    throw new Error(`compose: ${STACK_FILE} would not deploy as written:\n  - ${problems.join("\n  - ")}`);
  return text;
}

/** docker-stack.yml and the entrypoint wrapper for `config` (the dev stack's, in the committed files). */
export async function renderSwarm(config: FerrumConfig, options: SwarmOptions = {}): Promise<RenderedSwarm> {
  const local = await localModel(config, options.traefikImage ?? DEFAULT_TRAEFIK_IMAGE);
  const text = stackFile(config, local);
  const parsed = parse(text, { version: "1.1" }) as { secrets?: Record<string, unknown> };
  return {
    files: [
      { path: STACK_FILE, content: text, executable: false },
      { path: ENTRYPOINT_FILE, content: ENTRYPOINT_SCRIPT, executable: false },
    ],
    secrets: Object.keys(parsed.secrets ?? {}),
  };
}
