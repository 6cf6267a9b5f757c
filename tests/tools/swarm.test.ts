/**
 * docker-stack.yml, the Docker Swarm proof of concept: generated from the same model as docker-compose.yml, at
 * parity with it and with the k3s dev plan (services, environment keys, routes), with Swarm's rollout, restart,
 * resource and placement settings, no key Swarm ignores, no variable that needs a `.env`, and no credential.
 * docker-compose's own reading of the file runs in swarm.real.test.ts, the entrypoint wrapper under real shells
 * in swarm-entrypoint.real.test.ts.
 */
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { expectedComposeServices } from "../helpers/compose";
import { CATALOG, WEB_PORT } from "../../config/catalog";
import type { FerrumConfig } from "../../config";
import { migrateCommand } from "../../components/django-service/migrate";
import { WEB_MIN_READY_SECONDS } from "../../components/django-service/pods";
import { routeRule } from "../../components/django-service/routing";
import { INTERNAL_USERS, serviceUser } from "../../components/redis-ha/acl";
import { TEMPLATE_DIR, USERS_DIR } from "../../components/redis-ha/pod-specs";
import { USERS_DIR_ENV } from "../../components/redis-ha/scripts";
import { credentialProblems, REFERENCES } from "../../local/generator/audit";
import { ENTRYPOINT_FILE, ENTRYPOINT_PATH, TEMPLATED_ENV } from "../../local/generator/entrypoint";
import { interpolate, referencedNames, references } from "../../local/generator/interpolate";
import { djangoServiceNames, STACK_FILE } from "../../local/generator/model";
import { renderCompose } from "../../local/generator/render";
import { loadComposeConfig } from "../../local/generator/source";
import {
  configName,
  DATA_NODE_LABEL,
  renderSwarm,
  RenderedSwarm,
  STACK_NAME,
  STACK_VERSION,
} from "../../local/generator/swarm";
import {
  CONVERTED_DESPITE_DOCS,
  SWARM_IGNORED_KEYS,
  swarmKeyProblems,
} from "../../local/generator/swarm-keys";
import { composeVariables, redisUserVar } from "../../local/generator/variables";
import { cryptoRandom, renderEnvFile } from "../../local/make-env";
import { manifests } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

const ROOT = path.resolve(__dirname, "../..");
/** Where `npm run compose` writes (local/). */
const LOCAL = path.join(ROOT, "local");

let config: FerrumConfig;
let swarm: RenderedSwarm;
/** The fresh docker-stack.yml, parsed as docker reads it (YAML 1.1, aliases resolved), not interpolated. */
let stack: any;
/** docker-compose.yml, parsed, not interpolated. */
let compose: any;
/** The k3s dev plan's objects. */
let objects: any[];

beforeAll(async () => {
  config = loadComposeConfig();
  swarm = await renderSwarm(config);
  stack = parse(swarm.files[0]!.content, { version: "1.1" });
  compose = parse((await renderCompose(config)).files[0]!.content);
  objects = manifests(await sharedPlan("dev"), true);
});

const k3sNamed = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) ?? fail(`no ${kind} ${name} in the plan`);
const k3sContainer = (deployment: string, name: string) =>
  k3sNamed("Deployment", deployment).spec.template.spec.containers.find((c: any) => c.name === name);
/** The k3s ConfigMap and Secret keys a service's containers read (envFrom). */
function k3sEnvKeys(s: string): string[] {
  const [cm, sec] = k3sContainer(`${s}-web`, "web").envFrom;
  return [
    ...Object.keys(k3sNamed("ConfigMap", cm.configMapRef.name).data),
    ...Object.keys(k3sNamed("Secret", sec.secretRef.name).stringData),
  ].sort();
}
const celeryServices = CATALOG.filter((s) => s.celery).map((s) => s.name);
const services = (): [string, any][] => Object.entries(stack.services);
const envKeys = (env: Record<string, string>) =>
  Object.keys(env)
    .filter((k) => k !== TEMPLATED_ENV)
    .sort();
/** Traefik's labels of a service: compose's container labels, Swarm's service labels. */
const traefikOf = (labels: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith("traefik.")));

describe("docker-stack.yml is generated beside docker-compose.yml", () => {
  test("the committed file and the wrapper equal a fresh render; the header names the regenerate command", () => {
    for (const f of swarm.files)
      expect([f.path, readFileSync(path.join(LOCAL, f.path), "utf8")]).toEqual([f.path, f.content]);
    expect(swarm.files.map((f) => f.path)).toEqual([STACK_FILE, ENTRYPOINT_FILE]);
    expect(swarm.files[0]!.content.split("\n")[0]).toBe(
      "# GENERATED FILE: do not edit. Regenerate with: npm run compose (local/generator/swarm.ts)",
    );
    expect(stack.version).toBe(STACK_VERSION);
  });
});

describe("parity: the k3s plan, docker-compose.yml and docker-stack.yml", () => {
  test("the same services as docker-compose.yml, each with its k3s counterpart (Traefik comes with k3s)", () => {
    expect(Object.keys(stack.services)).toEqual(expectedComposeServices());
    expect(Object.keys(stack.services)).toEqual(Object.keys(compose.services));
    for (const kind of ["postgres", "redis", "redis-cache", "redis-sentinel", "minio"])
      expect(k3sNamed("StatefulSet", kind)).toBeDefined();
    const jobs = objects
      .filter((o) => o.kind === "Job")
      .map((o) => o.metadata.name)
      .sort();
    expect(jobs).toEqual([
      expect.stringMatching(/^object-store-bootstrap-/),
      expect.stringMatching(/^postgres-bootstrap-/),
      // It brings running servers' users in line with a rotated users Secret. Locally nothing rotates in place:
      // every Redis and Sentinel start loads the users (the next test), as in docker-compose.yml.
      expect.stringMatching(/^redis-users-bootstrap-/),
    ]);
    expect(Object.keys(stack.services).filter((n) => /users/.test(n))).toEqual([]);
    for (const s of CATALOG) {
      const n = djangoServiceNames(s.name);
      const pod = k3sNamed("Deployment", `${s.name}-web`).spec.template.spec;
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(["migrate"]);
      expect(stack.services[n.migrate]).toBeDefined();
      expect(stack.services[n.web]).toBeDefined();
      expect(stack.services[n.worker] !== undefined).toBe(
        pod.containers.some((c: any) => c.name === "worker"),
      );
      expect(stack.services[n.beat] !== undefined).toBe(
        objects.some((o) => o.kind === "Deployment" && o.metadata.name === `${s.name}-beat`),
      );
    }
  });

  test.each(CATALOG.map((s) => s.name))(
    "%s: every container's environment has exactly the keys of docker-compose.yml's and of the k3s ConfigMap + Secret",
    (s) => {
      const n = djangoServiceNames(s);
      const containers = [n.migrate, n.web, ...(celeryServices.includes(s) ? [n.worker, n.beat] : [])];
      for (const c of containers) {
        expect([c, envKeys(stack.services[c].environment)]).toEqual([c, k3sEnvKeys(s)]);
        expect([c, envKeys(stack.services[c].environment)]).toEqual([
          c,
          Object.keys(compose.services[c].environment).sort(),
        ]);
      }
    },
  );

  test("the data services' environments have docker-compose.yml's keys", () => {
    for (const [name, svc] of services()) {
      if (!svc.environment) continue;
      expect([name, envKeys(svc.environment)]).toEqual([
        name,
        Object.keys(compose.services[name].environment).sort(),
      ]);
    }
  });

  test("Redis: each server and Sentinel loads the k3s pod's ACL rules and every user of the k3s users Secret, each password a Swarm secret", () => {
    const usersSecret = k3sNamed("Secret", "redis-users").stringData;
    const users = Object.keys(usersSecret).sort();
    expect(users).toEqual(
      [...Object.values(INTERNAL_USERS), ...CATALOG.map((s) => serviceUser(s.name))].sort(),
    );
    const passwords = users.map(redisUserVar).sort();
    const local = [
      ["redis", "redis", "data.acl"],
      ["redis-cache", "redis-cache", "cache.acl"],
      ...["sentinel-0", "sentinel-1", "sentinel-2"].map((n) => [n, "redis-sentinel", "sentinel.acl"]),
    ] as const;
    expect(local.map(([n]) => n)).toEqual(
      Object.keys(stack.services).filter((n) => /^(redis|sentinel)/.test(n)),
    );
    for (const [name, statefulSet, acl] of local) {
      const svc = stack.services[name];
      const template = k3sNamed("StatefulSet", statefulSet).spec.template.spec.volumes.find(
        (v: any) => v.name === "template",
      ).configMap.name;
      // The rules the stack ships are the k3s pod's, byte for byte.
      const shipped = svc.configs.find((c: any) => c.target === `/opt/ferrum/${acl}`);
      const file = stack.configs[shipped.source].file;
      expect([name, readFileSync(path.join(LOCAL, file), "utf8")]).toEqual([
        name,
        k3sNamed("ConfigMap", template).data["users.acl"],
      ]);
      // docker-compose.yml's command: every password written into the in-memory users directory, then the init
      // script on the template and those rules.
      expect([name, svc.command]).toEqual([name, compose.services[name].command]);
      expect(svc.command[2]).toContain(`${TEMPLATE_DIR}/${acl} `);
      for (const u of users)
        expect(svc.command[2]).toContain(`printf '%s\\n' "$$${redisUserVar(u)}" > '${USERS_DIR}/${u}'`);
      expect([name, svc.volumes.filter((v: any) => v.type === "tmpfs").map((v: any) => v.target)]).toEqual([
        name,
        expect.arrayContaining([path.dirname(USERS_DIR)]),
      ]);
      expect([name, svc.secrets.map((x: any) => x.source).sort()]).toEqual([name, passwords]);
      expect([name, svc.environment[TEMPLATED_ENV].split(" ").sort()]).toEqual([name, passwords]);
      expect([name, svc.environment[USERS_DIR_ENV]]).toEqual([name, USERS_DIR]);
    }
    // The Sentinels' state on their own volumes, as on their k3s volume claims; the cache keeps nothing.
    expect(
      k3sNamed("StatefulSet", "redis-sentinel").spec.volumeClaimTemplates.map((v: any) => v.metadata.name),
    ).toEqual(["state"]);
    for (const i of [0, 1, 2])
      expect(stack.services[`sentinel-${i}`].volumes).toContain(`sentinel-${i}-state:/data`);
    expect(k3sNamed("StatefulSet", "redis-cache").spec.volumeClaimTemplates).toBeUndefined();
    expect(stack.services["redis-cache"].volumes.filter((v: unknown) => typeof v === "string")).toEqual([]);
    expect(Object.keys(stack.volumes)).toEqual(Object.keys(compose.volumes));
  });

  test.each(CATALOG.map((s) => s.name))(
    "%s: its containers read its own Redis user's password and no other service's",
    (s) => {
      const n = djangoServiceNames(s);
      const own = redisUserVar(serviceUser(s));
      const redisSecrets = (svc: string) =>
        stack.services[svc].secrets
          .map((x: any) => x.source)
          .filter((x: string) => x.endsWith("_REDIS_PASSWORD"));
      for (const c of [n.migrate, n.web, ...(celeryServices.includes(s) ? [n.worker, n.beat] : [])])
        expect([c, redisSecrets(c)]).toEqual([c, [own]]);
      const url = new URL(stack.services[s].environment.REDIS_URL);
      expect([url.username, url.password]).toEqual([serviceUser(s), `~~${own}~~`]);
    },
  );

  test.each(CATALOG.map((s) => s.name))(
    "%s: the route of the k3s IngressRoute, in deploy.labels, as docker-compose.yml's labels, with the port",
    (s) => {
      const def = CATALOG.find((d) => d.name === s)!;
      const route = k3sNamed("IngressRoute", s).spec;
      const labels: Record<string, string> = stack.services[s].deploy.labels;
      expect(labels[`traefik.http.routers.${s}.rule`]).toBe(route.routes[0].match);
      expect(route.routes[0].match).toBe(routeRule(config.apiHost, def.routePrefix));
      expect(route.routes[0].match).toContain(`!PathPrefix(\`/${s}/metrics\`)`);
      expect(labels[`traefik.http.middlewares.${s}-strip-prefix.stripprefix.prefixes`]).toBe(
        k3sNamed("Middleware", `${s}-strip-prefix`).spec.stripPrefix.prefixes.join(","),
      );
      expect(labels[`traefik.http.routers.${s}.entrypoints`]).toBe(route.entryPoints.join(","));
      expect(labels[`traefik.http.routers.${s}.tls`]).toBe("true");
      expect(labels[`traefik.http.services.${s}.loadbalancer.server.port`]).toBe(String(WEB_PORT));
      expect(traefikOf(labels)).toEqual({
        ...traefikOf(compose.services[s].labels),
        "traefik.swarm.lbswarm": "true",
      });
      // On the service only: Traefik's Swarm provider reads service labels, never the containers'.
      expect(traefikOf(stack.services[s].labels)).toEqual({});
    },
  );

  test("only the web services and the object store are routed; the object store keeps the host, as on k3s", () => {
    const routed = services()
      .filter(([, s]) => s.deploy.labels["traefik.enable"] === "true")
      .map(([n]) => n);
    expect(routed).toEqual(["minio", ...CATALOG.map((s) => s.name)]);
    const k3sRoute = k3sNamed("IngressRoute", "object-store").spec;
    expect(stack.services.minio.deploy.labels).toMatchObject({
      "traefik.http.routers.object-store.rule": k3sRoute.routes[0].match,
      "traefik.http.routers.object-store.entrypoints": k3sRoute.entryPoints.join(","),
      "traefik.http.services.object-store.loadbalancer.server.port": String(
        k3sRoute.routes[0].services[0].port,
      ),
      "traefik.http.services.object-store.loadbalancer.passhostheader": "true",
    });
    for (const [, svc] of services())
      if (svc.deploy.labels["traefik.enable"] === "true")
        expect(
          Object.keys(svc.deploy.labels).filter((k) => k.endsWith(".loadbalancer.server.port")),
        ).toHaveLength(1);
  });

  test("Traefik: the Swarm provider on a manager, the overlay network, websecure, and HTTP redirected as k3s does", () => {
    const t = stack.services.traefik;
    expect(t.command).toEqual(
      expect.arrayContaining([
        "--providers.swarm=true",
        "--providers.swarm.exposedByDefault=false",
        "--providers.swarm.network=ferrum",
        "--entryPoints.websecure.address=:443",
        "--entryPoints.web.http.redirections.entryPoint.to=websecure",
        "--entryPoints.web.http.redirections.entryPoint.scheme=https",
      ]),
    );
    expect(t.command.filter((c: string) => c.startsWith("--providers.docker"))).toEqual([]);
    expect(t.deploy.placement.constraints).toEqual(["node.role == manager"]);
    expect(t.volumes).toEqual(["/var/run/docker.sock:/var/run/docker.sock:ro"]);
    expect(stack.networks).toEqual({ ferrum: { name: "ferrum", driver: "overlay" } });
    for (const [name, svc] of services()) expect([name, svc.networks]).toEqual([name, ["ferrum"]]);
    // k3s redirects the hosts it serves; Traefik's web entry point redirects every request, as in compose.
    const redirect = k3sNamed("IngressRoute", "http-to-https").spec;
    expect(redirect.entryPoints).toEqual(["web"]);
    expect(redirect.routes[0].match).toBe(`Host(\`${config.apiHost}\`) || Host(\`${config.objectsHost}\`)`);
    expect(compose.services.traefik.command.filter((c: string) => c.startsWith("--entryPoints"))).toEqual(
      t.command.filter((c: string) => c.startsWith("--entryPoints")),
    );
    expect(interpolate(t.ports, {})).toEqual(["80:80", "443:443"]);
  });

  test("commands: migrate, worker and beat run the k3s containers' commands, web gunicorn, all through the wrapper", () => {
    for (const s of CATALOG) {
      const n = djangoServiceNames(s.name);
      const run = (svc: string) => interpolate(stack.services[svc], {});
      expect(run(n.migrate).entrypoint).toEqual(["sh", ENTRYPOINT_PATH]);
      expect(run(n.migrate).command).toEqual(migrateCommand());
      expect(run(n.web).command).toEqual([
        "gunicorn",
        `${s.djangoPackage}.wsgi:application`,
        "--bind",
        "0.0.0.0:8000",
      ]);
      if (!s.celery) continue;
      expect(run(n.worker).command).toEqual(k3sContainer(`${s.name}-web`, "worker").command);
      expect(run(n.beat).command).toEqual(k3sContainer(`${s.name}-beat`, "beat").command);
      expect(run(n.worker).healthcheck.test).toEqual([
        "CMD",
        "sh",
        ENTRYPOINT_PATH,
        ...k3sContainer(`${s.name}-web`, "worker").livenessProbe.exec.command,
      ]);
    }
    expect(stack.services.postgres.command).toEqual(["docker-entrypoint.sh", "postgres"]);
    expect(stack.services.minio.command).toEqual(["minio", ...compose.services.minio.command]);
    expect(stack.services["minio-bootstrap"].command).toEqual(compose.services["minio-bootstrap"].entrypoint);
  });
});

describe("Swarm's deploy settings", () => {
  const order = (name: string) => stack.services[name].deploy.update_config?.order;

  test("rolling updates: start-first only for the stateless services, stop-first for PostgreSQL, both Redis groups and the Sentinels, MinIO, beat", () => {
    const startFirst = services()
      .filter(([n]) => order(n) === "start-first")
      .map(([n]) => n);
    expect(startFirst).toEqual([
      "traefik",
      ...CATALOG.flatMap((s) => {
        const n = djangoServiceNames(s.name);
        return s.celery ? [n.web, n.worker] : [n.web];
      }),
    ]);
    for (const n of [
      "postgres",
      "redis",
      "redis-cache",
      "sentinel-0",
      "sentinel-1",
      "sentinel-2",
      "minio",
      ...celeryServices.map((s) => `${s}-beat`),
    ])
      expect([n, order(n)]).toEqual([n, "stop-first"]);
    // The k3s counterparts: a StatefulSet replaces a pod after deleting it; beat's Deployment recreates.
    expect(k3sNamed("Deployment", "auth-beat").spec.strategy).toEqual({ type: "Recreate" });
    expect(k3sNamed("Deployment", "auth-web").spec.strategy.rollingUpdate).toEqual({
      maxSurge: 1,
      maxUnavailable: 0,
    });
  });

  test("every update: one task at a time, monitored for the web Deployment's minReadySeconds, rolled back on failure", () => {
    expect(k3sNamed("Deployment", "auth-web").spec.minReadySeconds).toBe(WEB_MIN_READY_SECONDS);
    for (const [name, svc] of services()) {
      if (svc.deploy.mode === "replicated-job") continue;
      expect([name, svc.deploy.update_config]).toEqual([
        name,
        {
          parallelism: 1,
          order: order(name),
          monitor: `${WEB_MIN_READY_SECONDS}s`,
          failure_action: "rollback",
        },
      ]);
      expect([name, svc.deploy.rollback_config]).toEqual([
        name,
        { parallelism: 1, order: order(name), monitor: `${WEB_MIN_READY_SECONDS}s` },
      ]);
      expect([name, svc.deploy.restart_policy]).toEqual([name, { condition: "any", delay: "5s" }]);
    }
  });

  test("the one-shots are replicated jobs that retry on failure (no init containers, no ordering in Swarm)", () => {
    const jobs = services()
      .filter(([, s]) => s.deploy.mode === "replicated-job")
      .map(([n]) => n);
    expect(jobs).toEqual(Object.keys(compose.services).filter((n) => compose.services[n].restart === "no"));
    expect(jobs).toEqual([
      "postgres-bootstrap",
      "minio-bootstrap",
      ...CATALOG.map((s) => `${s.name}-migrate`),
    ]);
    for (const j of jobs) {
      expect(stack.services[j].deploy).toMatchObject({
        replicas: 1,
        restart_policy: { condition: "on-failure", delay: "5s", max_attempts: 60 },
      });
      // Swarm refuses an update config on a job.
      expect(stack.services[j].deploy.update_config).toBeUndefined();
    }
  });

  test("resources: the k3s containers' requests and limits; web replicas at the HPA's floor", () => {
    const swarmOf = (r: any) => ({
      limits: { cpus: String(parseInt(r.limits.cpu) / 1000), memory: r.limits.memory.replace("Mi", "M") },
      reservations: {
        cpus: String(parseInt(r.requests.cpu) / 1000),
        memory: r.requests.memory.replace("Mi", "M"),
      },
    });
    const sts = (n: string) => k3sNamed("StatefulSet", n).spec.template.spec.containers[0].resources;
    expect(stack.services.postgres.deploy.resources).toEqual(swarmOf(sts("postgres")));
    expect(stack.services.redis.deploy.resources).toEqual(swarmOf(sts("redis")));
    expect(stack.services["redis-cache"].deploy.resources).toEqual(swarmOf(sts("redis-cache")));
    expect(stack.services["sentinel-0"].deploy.resources).toEqual(swarmOf(sts("redis-sentinel")));
    expect(stack.services.minio.deploy.resources).toEqual(swarmOf(sts("minio")));
    const job = (prefix: string) =>
      objects.find((o) => o.kind === "Job" && o.metadata.name.startsWith(`${prefix}-`)).spec.template.spec
        .containers[0].resources;
    expect(stack.services["postgres-bootstrap"].deploy.resources).toEqual(swarmOf(job("postgres-bootstrap")));
    expect(stack.services["minio-bootstrap"].deploy.resources).toEqual(
      swarmOf(job("object-store-bootstrap")),
    );
    for (const s of config.services) {
      expect(stack.services[s.name].deploy.resources).toEqual(
        swarmOf(k3sContainer(`${s.name}-web`, "web").resources),
      );
      expect(stack.services[s.name].deploy.replicas).toBe(s.minReplicas);
      if (s.celery) {
        expect(stack.services[`${s.name}-worker`].deploy.resources).toEqual(
          swarmOf(k3sContainer(`${s.name}-web`, "worker").resources),
        );
        expect(stack.services[`${s.name}-beat`].deploy.resources).toEqual(
          swarmOf(k3sContainer(`${s.name}-beat`, "beat").resources),
        );
      }
    }
    for (const [name, svc] of services())
      if (name !== "traefik")
        expect([name, svc.deploy.resources?.limits !== undefined]).toEqual([name, true]);
  });

  test("placement: every service with a named volume (PostgreSQL, Redis's data group, the Sentinels, MinIO) on the node labelled for data", () => {
    const placed = services()
      .filter(([, s]) => s.deploy.placement)
      .map(([n, s]) => [n, s.deploy.placement.constraints]);
    const data = [`node.labels.${DATA_NODE_LABEL} == true`];
    expect(placed).toEqual([
      ["traefik", ["node.role == manager"]],
      ["postgres", data],
      ["redis", data],
      ["sentinel-0", data],
      ["sentinel-1", data],
      ["sentinel-2", data],
      ["minio", data],
    ]);
    // The rule itself: a named volume is local to one node, so whatever mounts one must stay there.
    const named = (svc: any) =>
      (svc.volumes ?? []).filter((v: unknown) => typeof v === "string" && !v.startsWith("/")).length > 0;
    const onData = placed.filter(([, c]) => JSON.stringify(c) === JSON.stringify(data)).map(([n]) => n);
    expect(
      services()
        .filter(([, s]) => named(s))
        .map(([n]) => n),
    ).toEqual(onData);
    expect(stack.services.postgres.volumes).toEqual(["postgres-data:/var/lib/postgresql/data"]);
    expect(stack.services.minio.volumes).toEqual(["minio-data:/data"]);
  });

  test("what the pods keep: read-only root, tmpfs where compose has one, all capabilities dropped, the same users", () => {
    for (const [name, svc] of services()) {
      const c = compose.services[name];
      for (const key of ["user", "read_only", "cap_drop", "stop_grace_period", "working_dir"])
        expect([name, key, svc[key]]).toEqual([name, key, c[key]]);
      const tmpfs = (svc.volumes ?? []).filter((v: any) => v.type === "tmpfs").map((v: any) => v.target);
      expect([name, tmpfs]).toEqual([name, c.tmpfs ?? []]);
    }
  });
});

describe("what Swarm does not have: no key it ignores, no .env", () => {
  test("no service has a key Swarm ignores or refuses, or one the v3.10 schema does not know", () => {
    expect(swarmKeyProblems(stack.services)).toEqual([]);
    const ignored = SWARM_IGNORED_KEYS.map((k) => k.key);
    for (const [name, svc] of services())
      expect([name, Object.keys(svc).filter((k) => ignored.includes(k))]).toEqual([name, []]);
    // The list covers what compose uses and Swarm does not apply, and never a key Swarm converts.
    expect(ignored).toEqual(
      expect.arrayContaining(["depends_on", "restart", "mem_limit", "security_opt", "tmpfs", "build"]),
    );
    for (const k of CONVERTED_DESPITE_DOCS) expect(ignored).not.toContain(k);
  });

  test("bad cases: a key Swarm ignores, refuses or does not know is named with what to use instead", () => {
    const broken = { auth: { ...stack.services.auth, depends_on: ["postgres"], mem_limit: "512m", cpus: 1 } };
    expect(swarmKeyProblems(broken)).toEqual([
      "services.auth.depends_on: docker stack deploy ignores it; use restart policies: a service retries until what it needs is up",
      "services.auth.mem_limit: docker stack deploy refuses the file; use deploy.resources",
      "services.auth.cpus: not a key of the v3.10 schema; docker stack deploy rejects the file",
    ]);
  });

  test("every variable has a default: with no environment at all the file resolves, and no credential is one", () => {
    const text = swarm.files[0]!.content;
    const refs = references(text);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^\$\{[A-Z_0-9]+:-[^}]*\}$/);
    // interpolate throws on a required reference left unset; a bare `${NAME}` would resolve to "" silently,
    // which the pattern above refuses.
    const resolved = interpolate(stack, {});
    const secrets = new Set(
      composeVariables(config)
        .filter((v) => v.kind === "secret")
        .map((v) => v.name),
    );
    for (const name of referencedNames(text)) expect([name, secrets.has(name)]).toEqual([name, false]);
    expect(resolved.services.auth.image).toBe(config.services.find((s) => s.name === "auth")!.image);
  });
});

describe("credentials: Swarm secrets, never in the file", () => {
  const secretNames = () =>
    new Set(
      composeVariables(config)
        .filter((v) => v.kind === "secret")
        .map((v) => v.name),
    );

  test("the audit finds nothing: every credential is a ~~NAME~~ token of a secret variable", () => {
    expect(credentialProblems(stack, secretNames(), REFERENCES.swarm)).toEqual([]);
  });

  test("bad cases: a literal, a URL password, and a secret interpolated from the shell are each caught", () => {
    const broken = (edit: (s: any) => void) => {
      const s = JSON.parse(JSON.stringify(stack));
      edit(s);
      return credentialProblems(s, secretNames(), REFERENCES.swarm);
    };
    expect(broken((s) => (s.services.minio.environment.MINIO_ROOT_PASSWORD = "minio123minio123"))).toEqual([
      expect.stringContaining("services.minio.environment.MINIO_ROOT_PASSWORD holds"),
    ]);
    expect(
      broken((s) => (s.services.user.environment.EVENTS_REDIS_URL = "redis://ferrum-user:letmein@ferrum/0")),
    ).toEqual([expect.stringContaining('the URL\'s password "letmein"')]);
    expect(
      broken(
        (s) =>
          (s.services.redis.environment.FERRUM_REDIS_ADMIN_PASSWORD =
            "${FERRUM_REDIS_ADMIN_PASSWORD:?run make env}"),
      ),
    ).toEqual([
      expect.stringContaining("services.redis.environment.FERRUM_REDIS_ADMIN_PASSWORD holds"),
      expect.stringContaining("interpolates the secret FERRUM_REDIS_ADMIN_PASSWORD into the file"),
    ]);
  });

  test("each token is wired: listed in FERRUM_TEMPLATED_ENV, mounted as a secret owned by the container's user", () => {
    for (const [name, svc] of services()) {
      const env: Record<string, string> = svc.environment ?? {};
      const tokens = Object.entries(env).filter(([, v]) => /~~[A-Z0-9_]+~~/.test(v));
      const listed = (env[TEMPLATED_ENV] ?? "").split(" ").filter(Boolean);
      expect([name, listed]).toEqual([name, tokens.map(([k]) => k)]);
      const used = [
        ...new Set(tokens.flatMap(([, v]) => [...v.matchAll(/~~([A-Z0-9_]+)~~/g)].map((m) => m[1]))),
      ];
      const [uid = "0", gid = uid] = (svc.user ?? "").split(":").filter(Boolean);
      expect([name, svc.secrets ?? []]).toEqual([
        name,
        used.map((s) => ({ source: s, target: s, uid, gid, mode: 0o400 })),
      ]);
      for (const s of used)
        expect([s, secretNames().has(s), stack.secrets[s]]).toEqual([s, true, { external: true }]);
      const wrapped = tokens.length > 0;
      expect([name, svc.entrypoint?.[1] === ENTRYPOINT_PATH]).toEqual([name, wrapped]);
      if (wrapped && svc.healthcheck)
        expect(svc.healthcheck.test.slice(0, 3)).toEqual(["CMD", "sh", ENTRYPOINT_PATH]);
    }
    expect(swarm.secrets).toEqual(Object.keys(stack.secrets));
    expect(swarm.secrets).toHaveLength(secretNames().size);
  });

  test("no value of a generated .env appears in docker-stack.yml or the wrapper", () => {
    const env = renderEnvFile(composeVariables(config), cryptoRandom);
    const values = env
      .split("\n")
      .filter((l) => /^FERRUM_[A-Z0-9_]+=/.test(l))
      .map((l) => l.slice(l.indexOf("=") + 1));
    expect(values.length).toBeGreaterThanOrEqual(20);
    const text = swarm.files.map((f) => f.content).join("\n");
    expect(values.filter((v) => text.includes(v))).toEqual([]);
  });
});

describe("configs: the files of compose/, shipped by Swarm", () => {
  test("every mounted file of docker-compose.yml is a config at the same path in the same services", () => {
    for (const [name, svc] of services()) {
      const binds: string[] = (compose.services[name].volumes ?? []).filter((v: string) =>
        v.startsWith("./compose/"),
      );
      const targets = (svc.configs ?? []).map((c: any) => c.target);
      for (const b of binds) {
        const [dir, target] = b.slice(2).split(":");
        for (const f of readdirSync(path.join(LOCAL, dir!)))
          expect([name, targets]).toEqual([name, expect.arrayContaining([`${target}/${f}`])]);
      }
      for (const c of svc.configs ?? []) {
        const def = stack.configs[c.source];
        expect(def.file.startsWith("./compose/")).toBe(true);
        const content = readFileSync(path.join(LOCAL, def.file), "utf8");
        expect(def.name).toBe(configName({ path: def.file.slice(2), content, executable: false }));
      }
    }
    expect(stack.services.postgres.configs).toContainEqual({
      source: "postgres-initdb-10-ferrum-admin.sh",
      target: "/docker-entrypoint-initdb.d/10-ferrum-admin.sh",
      mode: 0o555,
    });
  });

  test("a config's name changes with its content (Swarm cannot update one in place) and stays within 64 characters", () => {
    const a = configName({
      path: "compose/redis/redis.conf",
      content: "port 6379\n",
      executable: false,
    });
    const b = configName({
      path: "compose/redis/redis.conf",
      content: "port 6380\n",
      executable: false,
    });
    expect(a).toMatch(new RegExp(`^${STACK_NAME}-redis-redis\\.conf-[0-9a-f]{10}$`));
    expect(a).not.toBe(b);
    for (const def of Object.values<any>(stack.configs)) expect(def.name.length).toBeLessThanOrEqual(64);
  });
});

describe("make targets", () => {
  const makefile = readFileSync(path.join(ROOT, "Makefile"), "utf8");
  const recipe = (target: string) => {
    const m = new RegExp(`^${target}:([^\\n]*)\\n((?:\\t[^\\n]*\\n)*)`, "m").exec(makefile);
    return m
      ? {
          deps: m[1]!.trim(),
          lines: m[2]!
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean),
        }
      : undefined;
  };

  test("swarm-deploy creates the secrets from .env, then deploys the stack file; swarm-rm removes the stack", () => {
    expect(makefile).toContain(`SWARM_STACK := ${STACK_NAME}\n`);
    expect(recipe("swarm-secrets")).toEqual({
      deps: "env",
      lines: ["node build/run.js local/swarm-secrets.ts"],
    });
    expect(recipe("swarm-deploy")).toEqual({
      deps: "swarm-secrets",
      lines: [
        `docker stack deploy --compose-file local/${STACK_FILE} --prune --with-registry-auth $(SWARM_STACK)`,
      ],
    });
    expect(recipe("swarm-rm")).toEqual({ deps: "", lines: ["docker stack rm $(SWARM_STACK)"] });
  });
});
