/**
 * Proof on real servers that a Django + Celery service runs on the environment the dev stack renders. No
 * mocks and no hand-written env: the offline plan of `dev` (`runPlan("dev")`, secrets in the clear) gives
 * - the catalog's and the auth service's env: the ConfigMap and Secret their web containers take `envFrom`;
 * - PostgreSQL's admin init script, the bootstrap Job's command, its SQL and its Secret (the passwords the
 *   services' DATABASE_URLs carry), run against a real PostgreSQL 16 as the non-superuser admin;
 * - RedisHA's pods (both Redis groups and the Sentinels, with their ACL users), as the plan describes them,
 *   started on Debian's redis-server and redis-sentinel with the cluster's timings (tests/helpers/redis-pods.ts);
 * - the migrate initContainer's command and the Celery worker's command line and liveness command.
 * The one change is where things are: each in-cluster `host:port` becomes 127.0.0.1 and a free port (the
 * first test shows that nothing else differs). Python is Debian's /usr/bin/python3 with python3-django 3.2,
 * python3-celery 5.2, python3-django-redis 5.2, python3-redis 4.3, running tests/fixtures/django.
 *
 * The tests run in order against one set of servers and processes and follow the service's life: migrate,
 * check, serve, fail over. The last test swaps the Sentinel-managed Redis for a TLS-only server and the cache
 * variables for those RedisHA renders for a managed cache (ElastiCache, Azure Managed Redis).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MIGRATE_COMMAND, migrateCommand } from "../../components/django-service/migrate";
import { DEFAULT_DATABASE_SLOTS, serviceDatabases } from "../../components/redis-ha/databases";
import { cacheValues } from "../../components/redis-ha/urls";
import { manifests, runPlan } from "../../harness/planner";
import {
  changedLines,
  Child,
  containerEnvFrom,
  DjangoProcess,
  FIXTURE_DIR,
  makeCertificates,
  manage,
  objectData,
  planObject,
  podContainer,
  Processes,
  PYTHON,
  pythonEnv,
  toLoopback,
  waitForOutput,
  type K8sObject,
  type ProbeReply,
  type TlsFiles,
} from "../helpers/django";
import { connectAs, startPlannedDatabase } from "../helpers/dev-platform";
import type { PostgresServer } from "../helpers/postgres-server";
import { adminLogin, commandAs, onDbAs, type RedisLogin } from "../helpers/redis-platform";
import { RedisPods } from "../helpers/redis-pods";
import { freePorts, LOOPBACK, waitFor, type RespValue } from "../helpers/redis-servers";
import { DJANGO_SERVICE_TOOLS, requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/proof/django.real.test.ts", [
  TOOLS.postgresUser,
  TOOLS.redisServer,
  TOOLS.redisSentinel,
  TOOLS.openssl,
  ...DJANGO_SERVICE_TOOLS,
]);

/** The failover budget of the issue: cache and Celery work again this soon after the master dies. */
const RECOVERY_BUDGET_MS = 30_000;

const processes = new Processes();
let redisPods: RedisPods;
let redisAdmin: RedisLogin;
let workDir: string;
let objects: K8sObject[];
let postgres: PostgresServer;
let tls: TlsFiles;

/** In-cluster `host:port` -> loopback port: PostgreSQL's, and every RedisHA pod's (redisPods.endpoints). */
const endpoints = new Map<string, number>();
let masterName: string;

/** The plan's env of the catalog's and auth's web containers, and the same with endpoints on loopback. */
let planEnv: { catalog: Record<string, string>; auth: Record<string, string> };
let catalogEnv: Record<string, string>;
let authEnv: Record<string, string>;

let catalog: DjangoProcess;
let auth: DjangoProcess;
let worker: Child;

// ---------------------------------------------------------------------------------------------------------
// The plan

const deployment = (service: string): K8sObject => planObject(objects, "Deployment", `${service}-web`);

/** The env a service's containers get: its ConfigMap and Secret on loopback, POD_IP from the "downward API". */
function onLoopback(env: Record<string, string>): Record<string, string> {
  const moved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, toLoopback(v, endpoints)]));
  return { ...moved, POD_IP: LOOPBACK };
}

/** A container's command with `celery` replaced by `python3 -m celery` (python3-celery has no `celery` script). */
function withDebianCelery(argv: readonly string[]): string[] {
  return argv[0] === "celery" ? [PYTHON, "-m", "celery", ...argv.slice(1)] : [...argv];
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL, as the StatefulSet's init script and the bootstrap Job leave it

async function startDatabase(): Promise<void> {
  const database = await startPlannedDatabase(objects, workDir, processes);
  postgres = database.server;
  for (const [from, to] of database.endpoints) endpoints.set(from, to);
}

/** Runs `sql` as the role and database of `env`'s DATABASE_URL. */
async function queryAs<T extends object>(env: Record<string, string>, sql: string): Promise<T[]> {
  const client = await connectAs(env);
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Redis and Sentinel: RedisHA's pods from the plan

/** Starts every RedisHA pod at once; resolves once every group is whole and the Sentinels know it. */
async function startRedisHa(): Promise<void> {
  masterName = planEnv.catalog.REDIS_SENTINEL_MASTER!;
  await redisPods.startAll();
  const master = await agreedMaster(60_000);
  // Writes need a replica in sync (min-replicas-to-write 1): wait out the first full resync of both.
  await waitFor(
    "both replicas of the data master to be in sync",
    async () => (String(await call(master, "INFO", "replication")).match(/state=online/g) ?? []).length === 2,
    30_000,
  );
}

/** One command as the plan's Redis admin. */
const call = (port: number, ...args: string[]): Promise<RespValue> => commandAs(port, redisAdmin, ...args);

/** Port of the data group's master every running Sentinel names, once they agree and know both replicas. */
function agreedMaster(timeoutMs: number, except?: number): Promise<number> {
  const sentinels = redisPods.of("redis-sentinel");
  return waitFor(
    `the Sentinels to agree on a master${except ? ` other than ${except}` : ""}`,
    async () => {
      const seen = await Promise.all(
        sentinels
          .filter((s) => redisPods.running(s.name))
          .map(async (s) => {
            const master = await call(s.port, "SENTINEL", "master", masterName);
            if (!Array.isArray(master)) return undefined;
            const fields = new Map<string, string>();
            for (let i = 0; i < master.length; i += 2) fields.set(String(master[i]), String(master[i + 1]));
            const known = fields.get("num-other-sentinels") === "2" && fields.get("num-slaves") === "2";
            return fields.get("flags") === "master" && known
              ? `${fields.get("ip")}:${fields.get("port")}`
              : undefined;
          }),
      );
      const port = Number(seen[0]?.split(":")[1]);
      return seen.every((m) => m && m === seen[0]) && port !== except ? port : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Port of the cache group's master (REDIS_URL's host), as the first Sentinel that answers names it. */
async function cacheMaster(): Promise<number> {
  const group = new URL(planEnv.catalog.REDIS_URL!).hostname;
  for (const s of redisPods.of("redis-sentinel").filter((p) => redisPods.running(p.name))) {
    const reply = await call(s.port, "SENTINEL", "get-master-addr-by-name", group);
    if (Array.isArray(reply)) return Number(reply[1]);
  }
  throw new Error(`no Sentinel names ${group}'s master`);
}

/** Replies of `commands` run on `port` as the admin after SELECT `db`. */
async function onDb(port: number, db: number, ...commands: string[][]): Promise<RespValue[]> {
  return (await onDbAs(port, redisAdmin, db, ...commands)).slice(2);
}

/** The DB number of a `redis://` or `sentinel://` URL (its first one). */
const dbOf = (url: string): number => Number(/\/(\d+)(?:[?;]|$)/.exec(url)![1]);

// ---------------------------------------------------------------------------------------------------------
// Celery

/** Starts the worker container's own command line (Debian's celery) with `env`; resolves once it is ready. */
async function startWorker(name: string, env: Record<string, string>): Promise<Child> {
  const [cmd, ...args] = withDebianCelery(podContainer(deployment("catalog"), "worker").command);
  const child = processes.spawn(name, cmd!, args, pythonEnv(env), FIXTURE_DIR);
  await waitForOutput(child, /\bready\.\s*$/m, 30_000);
  return child;
}

/**
 * Python for `manage.py shell -c`: tries the cache, Celery's broker (one attempt), its result backend and the
 * events client once each and prints what each said, as JSON.
 */
const REFUSAL_CHECK = [
  "import json",
  "from django.core.cache import cache",
  "from catalog_service import events",
  "from catalog_service.celery import app",
  "def broker():",
  "    with app.connection_for_write() as conn:",
  "        conn.ensure_connection(max_retries=0)",
  "checks = {'cache': lambda: cache.set('k', 1), 'broker': broker,",
  "          'results': lambda: app.backend.client.ping(), 'events': lambda: events.client().ping()}",
  "out = {}",
  "for name, check in checks.items():",
  "    try:",
  "        check()",
  "        out[name] = 'accepted'",
  "    except Exception as exc:",
  "        out[name] = str(exc)",
  "print(json.dumps(out))",
].join("\n");

// ---------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-django-"));
  mkdirSync(path.join(workDir, "tls"));
  objects = manifests(await runPlan("dev"), true) as K8sObject[];
  planEnv = {
    catalog: containerEnvFrom(objects, deployment("catalog"), "web"),
    auth: containerEnvFrom(objects, deployment("auth"), "web"),
  };
  redisPods = await RedisPods.fromPlan(objects, path.join(workDir, "redis"));
  redisAdmin = adminLogin(objects);
  for (const [endpoint, port] of redisPods.endpoints) endpoints.set(endpoint, port);
  // Django processes need the database's port (their env), the worker a writable Redis master too.
  const redisUp = startRedisHa();
  const envReady = startDatabase().then(() => {
    catalogEnv = onLoopback(planEnv.catalog);
    authEnv = onLoopback(planEnv.auth);
  });
  const started = await Promise.allSettled([
    envReady.then(async () => (catalog = await DjangoProcess.start(processes, "catalog", catalogEnv))),
    envReady.then(async () => (auth = await DjangoProcess.start(processes, "auth", authEnv))),
    Promise.all([envReady, redisUp]).then(
      async () => (worker = await startWorker("catalog-worker", catalogEnv)),
    ),
    makeCertificates(path.join(workDir, "tls")).then((files) => (tls = files)),
  ]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all([processes.stopAll(), redisPods.close(), postgres?.stop()]);
    throw failed.reason;
  }
}, 60_000);

/** A plain-HTTP GET of `path` on 127.0.0.1:`port` with the Host header `host`, as a scraper or a client sends it. */
function httpGet(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: LOOPBACK, port, path, method: "GET", headers: { Host: host }, timeout: 10_000 },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
      },
    );
    req.once("timeout", () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.once("error", reject);
    req.end();
  });
}

afterAll(async () => {
  await Promise.all([processes.stopAll(), redisPods?.close(), postgres?.stop()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("a reference Django + Celery service on the env the dev stack renders", () => {
  test("the service gets the plan's env with only the in-cluster endpoints moved to loopback", () => {
    const changed = Object.keys(planEnv.catalog).filter((k) => planEnv.catalog[k] !== catalogEnv[k]);
    expect(changed.sort()).toEqual([
      "CELERY_BROKER_URL",
      "CELERY_RESULT_BACKEND",
      "DATABASE_URL",
      "REDIS_SENTINELS",
    ]);
    for (const key of changed) expect(catalogEnv[key]).not.toMatch(/svc\.cluster\.local/);
    expect(catalogEnv.REDIS_URL).toBe(planEnv.catalog.REDIS_URL); // the master group name stays the host
    // The worker and the migrate initContainer take the very same env.
    for (const container of ["worker", "migrate"])
      expect(containerEnvFrom(objects, deployment("catalog"), container)).toEqual(planEnv.catalog);
    // The DATABASE_URL password is the one the bootstrap Job set.
    const bootstrap = objectData(planObject(objects, "Secret", "postgres-bootstrap"));
    expect(decodeURIComponent(new URL(catalogEnv.DATABASE_URL!).password)).toBe(
      bootstrap.FERRUM_CATALOG_A_PASSWORD,
    );
    // RedisHA's files as each pod got them: every changed line held an in-cluster host or the port/bind it
    // listens on.
    for (const pod of [redisPods.of("redis")[0]!, redisPods.of("redis-sentinel")[0]!]) {
      const volume = [...pod.volumes.entries()].find(([, v]) => v.kind === "configMap")!;
      const data = objectData(
        objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume[1].source)!,
      );
      for (const file of ["init.sh", pod.owner === "redis" ? "redis.conf" : "sentinel.conf"]) {
        const lines = changedLines(data[file]!, redisPods.read(pod.name, volume[0], file));
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(line.before).toMatch(/svc\.cluster\.local|^(port|bind) /);
        expect(redisPods.read(pod.name, volume[0], file)).not.toMatch(/svc\.cluster\.local/);
      }
    }
  });

  test("the migrate initContainer's command, started three times at once, applies every migration exactly once", async () => {
    expect(podContainer(deployment("catalog"), "migrate").command).toEqual(migrateCommand());
    const [python, ...args] = migrateCommand([PYTHON, ...MIGRATE_COMMAND.slice(1)], PYTHON);
    const runs = await Promise.all(
      [1, 2, 3].map((pod) =>
        processes.run(`migrate-${pod}`, python!, args, pythonEnv(catalogEnv), FIXTURE_DIR, 45_000),
      ),
    );
    for (const run of runs) {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
      expect(run.stdout).toContain("migrate: lock held, running");
      expect(run.stdout).not.toMatch(/already exists|Traceback/);
    }
    const applied = runs.filter((r) =>
      r.stdout.includes("Applying catalog_service.0002_seed_products... OK"),
    );
    const idle = runs.filter((r) => r.stdout.includes("No migrations to apply."));
    expect([applied.length, idle.length]).toEqual([1, 2]);

    const duplicates = await queryAs(
      catalogEnv,
      "SELECT app, name, count(*)::int AS n FROM django_migrations GROUP BY app, name HAVING count(*) > 1",
    );
    expect(duplicates).toEqual([]);
    const ours = await queryAs<{ name: string }>(
      catalogEnv,
      "SELECT name FROM django_migrations WHERE app = 'catalog_service' ORDER BY name",
    );
    expect(ours.map((r) => r.name)).toEqual(["0001_initial", "0002_seed_products"]);
    expect(await catalog.value("products.count")).toBe(1);
  });

  test("manage.py check --deploy --fail-level WARNING passes with the rendered settings", async () => {
    const check = await manage(processes, ["check", "--deploy", "--fail-level", "WARNING"], catalogEnv);
    expect({ code: check.code, stderr: check.stderr }).toEqual({ code: 0, stderr: "" });
    // One check silenced on purpose: SECURE_SSL_REDIRECT is off because the ingress enforces HTTPS.
    expect(check.stdout).toContain("System check identified no issues (1 silenced).");
    const silenced = await manage(
      processes,
      ["shell", "-c", "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)"],
      catalogEnv,
    );
    expect(silenced.stdout.trim()).toBe("['security.W008']");
  });

  test("plain HTTP from inside the cluster is served, never redirected; requests the ingress forwarded as HTTPS get HSTS", async () => {
    const web = podContainer(deployment("catalog"), "web");
    for (const probe of [web.livenessProbe, web.readinessProbe, web.startupProbe]) {
      const host = probe.httpGet.httpHeaders.find((h: { name: string }) => h.name === "Host").value;
      const reply = await catalog.value("http", { path: probe.httpGet.path, host });
      expect({ path: probe.httpGet.path, status: reply.status, body: JSON.parse(reply.body) }).toEqual({
        path: probe.httpGet.path,
        status: 200,
        body: { status: "ok" },
      });
    }
    // HTTPS is enforced at the edge: plain HTTP reaching the pod is in-cluster traffic, whatever its Host.
    const apiHost = catalogEnv.DJANGO_ALLOWED_HOSTS!.split(",")[0]!;
    const plain = await catalog.value("http", { path: "/products/?page=2", host: apiHost });
    expect([plain.status, plain.location, plain.hsts]).toEqual([200, null, null]);
    expect(JSON.parse(plain.body).secure).toBe(false);
    const viaIngress = await catalog.value("http", {
      path: "/products/",
      host: apiHost,
      headers: { "X-Forwarded-Proto": "https" },
    });
    expect([viaIngress.status, viaIngress.hsts]).toEqual([
      200,
      "max-age=31536000; includeSubDomains; preload",
    ]);
    expect(JSON.parse(viaIngress.body).secure).toBe(true);
    expect((await catalog.value("http", { path: "/healthz/live", host: "evil.example" })).status).toBe(400);
    expect((await catalog.value("http", { path: "/healthz/live", host: LOOPBACK })).status).toBe(200); // POD_IP
    expect(await catalog.value("reverse", { name: "healthz-ready" })).toBe("/catalog/healthz/ready");
  });

  test("gunicorn over plain HTTP: Prometheus's scrape of the ServiceMonitor's path with its Host header gets 200, and so does a call through the cluster URL", async () => {
    // The ServiceMonitor exists with observability on: Prometheus scrapes <pod IP>:<the port it names>.
    const observed = await runPlan("dev", ["ferrum:observability.enabled=true"]);
    const withMonitors = manifests(observed, true) as K8sObject[];
    const endpoint = planObject(withMonitors, "ServiceMonitor", "catalog").spec.endpoints[0];
    const webContainer = podContainer(planObject(withMonitors, "Deployment", "catalog-web"), "web");
    const containerPort = webContainer.ports.find((p: { name: string }) => p.name === endpoint.port)
      .containerPort as number;
    const clusterUrl = new URL(
      (observed.outputs.find((o) => o.name === "clusterUrls")!.value as Record<string, string>).catalog!,
    );
    expect(clusterUrl.protocol).toBe("http:");

    const [port] = await freePorts(1);
    const server = processes.spawn(
      "catalog-gunicorn",
      PYTHON,
      [
        "-m",
        "gunicorn",
        "catalog_service.wsgi:application",
        "--bind",
        `${LOOPBACK}:${port}`,
        "--workers",
        "1",
      ],
      pythonEnv(catalogEnv),
      FIXTURE_DIR,
    );
    await waitForOutput(server, /Booting worker with pid/, 30_000);
    await waitFor(
      "gunicorn to answer",
      async () => (await httpGet(port!, "/healthz/live", LOOPBACK).catch(() => undefined))?.status === 200,
      15_000,
    );

    const scrape = await httpGet(port!, endpoint.path, `${catalogEnv.POD_IP}:${containerPort}`);
    expect([scrape.status, scrape.location]).toEqual([200, undefined]);
    expect(scrape.body).toMatch(/^django_http_requests_before_middlewares_total \d+/m);

    const call = await httpGet(port!, `${clusterUrl.pathname.replace(/\/$/, "")}/products/`, clusterUrl.host);
    expect([call.status, call.location]).toEqual([200, undefined]);
    expect(JSON.parse(call.body)).toEqual({
      products: [expect.objectContaining({ sku: expect.any(String) })],
      secure: false,
    });
    await server.kill();
  }, 60_000);

  test("the cache works through Sentinel, in the service's cache DB on the cache group, under its key prefix", async () => {
    expect(await catalog.value("cache.set", { key: "greeting", value: "hello" })).toBe(true);
    expect(await catalog.value("cache.get", { key: "greeting" })).toBe("hello");
    const master = await cacheMaster();
    const key = `${catalogEnv.REDIS_KEY_PREFIX}:1:greeting`; // django-redis: <KEY_PREFIX>:<version>:<key>
    expect(await onDb(master, dbOf(catalogEnv.REDIS_URL!), ["EXISTS", key])).toEqual([1]);
  });

  test("a Celery task sent through CELERY_BROKER_URL runs on the worker and its result comes back through CELERY_RESULT_BACKEND", async () => {
    const result = await catalog.value("task.add", { x: 2, y: 3, timeout: 10 });
    expect(result.sum).toBe(5);
    await waitForOutput(worker, /Task catalog_service\.tasks\.add\[[0-9a-f-]+\] succeeded/, 5_000);
    // The queue lives in the service's Celery DB.
    const master = await agreedMaster(15_000);
    expect(
      await onDb(master, dbOf(catalogEnv.CELERY_BROKER_URL!), ["EXISTS", "{catalog}:_kombu.binding.celery"]),
    ).toEqual([1]);
    // The worker container's liveness command finds the worker by the --hostname the pod gives it.
    const liveness = podContainer(deployment("catalog"), "worker").livenessProbe.exec.command as string[];
    const script = liveness[2]!.replace(/^exec celery /, `exec ${PYTHON} -m celery `);
    const ping = await processes.run(
      "liveness",
      "sh",
      ["-c", script],
      pythonEnv(catalogEnv),
      FIXTURE_DIR,
      20_000,
    );
    expect({ code: ping.code, stdout: ping.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(/pong/),
    });
  });

  test("an event the catalog writes to its stream on EVENTS_REDIS_URL is read once by auth's consumer group", async () => {
    const id = await catalog.value("events.publish", { type: "product.created", data: { sku: "FE-0001" } });
    const received = await auth.value("events.consume", { producer: "catalog" });
    expect(received).toEqual([{ id, type: "product.created", source: "catalog", data: { sku: "FE-0001" } }]);
    expect(await auth.value("events.consume", { producer: "catalog", block_ms: 100 })).toEqual([]);
    const master = await agreedMaster(15_000);
    const [groups] = await onDb(master, dbOf(catalogEnv.EVENTS_REDIS_URL!), [
      "XINFO",
      "GROUPS",
      "events:catalog",
    ]);
    expect(groups).toEqual([expect.arrayContaining(["name", "auth", "pending", 0])]);
  });

  test("after both masters are SIGKILLed, the cache, Celery and events work again within 30 s in the same processes", async () => {
    const before = { catalog: await catalog.value("pid"), auth: await auth.value("pid"), worker: worker.pid };
    const oldMaster = await agreedMaster(15_000);
    const oldCacheMaster = await cacheMaster();
    const killedAt = Date.now();
    await Promise.all(
      [oldMaster, oldCacheMaster].map((port) =>
        redisPods.stop(redisPods.pods.find((p) => p.port === port)!.name, "SIGKILL"),
      ),
    );

    // Each path is tried until it works, in the processes started before the kill. Celery's result backend
    // retries a lost connection inside `.get()` (20 times, 1 s apart), so a request may wait out the whole
    // failover: replies get the whole budget, and Celery is tried once the cache works, so that its wait
    // does not hold up the others' timing (its own still counts from the kill).
    const budget = RECOVERY_BUDGET_MS;
    const paths: Record<string, (round: number) => Promise<ProbeReply>> = {
      cache: async (round) => {
        const set = await catalog.request("cache.set", { key: "failover", value: round }, budget);
        if (!set.ok) return set;
        const get = await catalog.request("cache.get", { key: "failover" }, budget);
        return get.ok && get.value !== round ? { ok: false, error: `read ${get.value}` } : get;
      },
      events: async (round) => {
        const sent = await catalog.request("events.publish", { type: "failover", data: { round } }, budget);
        if (!sent.ok) return sent;
        const got = await auth.request("events.consume", { producer: "catalog", block_ms: 200 }, budget);
        const seen = got.ok && got.value.some((e: { id: string }) => e.id === sent.value);
        return got.ok && !seen ? { ok: false, error: "event not delivered" } : got;
      },
      celery: async (round) => {
        const task = await catalog.request("task.add", { x: round, y: 1, timeout: 4 }, budget);
        return task.ok && task.value.sum !== round + 1 ? { ok: false, error: `sum ${task.value.sum}` } : task;
      },
    };
    const recoveredAfterMs: Record<string, number> = {};
    const errorsSeen = new Set<string>();
    for (let round = 1; Date.now() - killedAt < budget; round++) {
      for (const [name, attempt] of Object.entries(paths)) {
        if (name in recoveredAfterMs || (name === "celery" && !("cache" in recoveredAfterMs))) continue;
        const reply = await attempt(round);
        if (reply.ok) recoveredAfterMs[name] = Date.now() - killedAt;
        else errorsSeen.add(`${name}: ${reply.error.slice(0, 200)}`);
      }
      if (Object.keys(recoveredAfterMs).length === Object.keys(paths).length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    console.info(
      `after the masters were killed: recovered after (ms) ${JSON.stringify(recoveredAfterMs)}; errors seen meanwhile:\n` +
        [...errorsSeen].join("\n"),
    );
    expect(Object.keys(recoveredAfterMs).sort()).toEqual(["cache", "celery", "events"]);
    for (const ms of Object.values(recoveredAfterMs)) expect(ms).toBeLessThan(budget);

    // New masters, and nobody was restarted.
    expect(await agreedMaster(5_000, oldMaster)).not.toBe(oldMaster);
    expect(await cacheMaster()).not.toBe(oldCacheMaster);
    expect(worker.running).toBe(true);
    expect({
      catalog: await catalog.value("pid"),
      auth: await auth.value("pid"),
      worker: worker.pid,
    }).toEqual(before);
    expect((await catalog.value("task.add", { x: 40, y: 2, timeout: 10 })).sum).toBe(42);
  }, 60_000);

  test("with the values RedisHA renders for a managed cache (REDIS_SENTINELS empty, rediss://), the same settings run the cache, Celery and events over TLS", async () => {
    const [port] = await freePorts(1);
    const dir = path.join(workDir, "managed");
    mkdirSync(dir);
    const password = "managedCacheToken0123456789abcdef";
    writeFileSync(
      path.join(dir, "redis.conf"),
      [
        "port 0",
        `tls-port ${port}`,
        `bind ${LOOPBACK}`,
        `tls-cert-file ${tls.serverCert}`,
        `tls-key-file ${tls.serverKey}`,
        `tls-ca-cert-file ${tls.caCert}`,
        "tls-auth-clients no",
        `requirepass ${password}`,
        "databases 1", // like a managed cache (cluster mode): DB 0 only
        "maxmemory-policy noeviction",
        'save ""',
      ].join("\n"),
    );
    const server = processes.spawn(
      "managed-redis",
      "redis-server",
      [path.join(dir, "redis.conf")],
      process.env,
      dir,
    );
    const cliEnv = { ...process.env, REDISCLI_AUTH: password };
    const cli = async (...args: string[]): Promise<string> => {
      const tlsArgs = ["--tls", "--cacert", tls.caCert, "-p", String(port!)];
      const result = await processes.run("redis-cli", "redis-cli", [...tlsArgs, ...args], cliEnv, dir, 5_000);
      return result.stdout.trim();
    };
    await waitFor("the TLS-only Redis to answer", async () => (await cli("PING")) === "PONG", 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${server.log()}`);
      },
    );

    // The catalog's env with its cache variables as RedisHA renders them for a managed cache (urls.ts, direct
    // mode). The server's CA stands in for the public CA a managed cache's certificate chains to: the clients
    // find it where they find the system's, through OpenSSL's SSL_CERT_FILE.
    // One TLS-only server stands in for both managed caches (Celery's and the caches').
    const endpoint = { host: LOOPBACK, port: port!, password };
    const target = { kind: "direct", ...endpoint, tls: true, cache: endpoint } as const;
    const values = cacheValues(target, "catalog", serviceDatabases(DEFAULT_DATABASE_SLOTS.catalog!));
    const managed = (trusted: string): Record<string, string> => ({
      ...catalogEnv,
      REDIS_URL: values.url,
      REDIS_SENTINELS: values.sentinels,
      REDIS_SENTINEL_MASTER: values.sentinelMaster,
      REDIS_KEY_PREFIX: values.keyPrefix,
      CELERY_BROKER_URL: values.celeryBrokerUrl,
      CELERY_RESULT_BACKEND: values.celeryResultBackend,
      CELERY_BROKER_TRANSPORT_OPTIONS: values.celeryTransportOptions,
      EVENTS_REDIS_URL: values.eventsUrl,
      SSL_CERT_FILE: trusted,
    });
    expect(managed(tls.caCert)).toMatchObject({ REDIS_SENTINELS: "", REDIS_SENTINEL_MASTER: "" });
    expect(values.url).toMatch(/^rediss:\/\//);

    const env = managed(tls.caCert);
    const [django, managedWorker, refused] = await Promise.all([
      DjangoProcess.start(processes, "catalog-managed", env),
      startWorker("catalog-worker-managed", env),
      manage(processes, ["shell", "-c", REFUSAL_CHECK], managed(tls.otherCaCert)),
    ]);
    expect(await django.value("cache.set", { key: "greeting", value: "over TLS" })).toBe(true);
    expect(await django.value("cache.get", { key: "greeting" })).toBe("over TLS");
    expect((await django.value("task.add", { x: 20, y: 22, timeout: 10 })).sum).toBe(42);
    await waitForOutput(managedWorker, /Task catalog_service\.tasks\.add\[[0-9a-f-]+\] succeeded/, 5_000);
    const eventId = await django.value("events.publish", {
      type: "product.created",
      data: { sku: "FE-0002" },
    });
    expect(eventId).toMatch(/^\d+-\d+$/);
    expect(await cli("XLEN", "events:catalog")).toBe("1");

    // One DB for every service: all but Celery's results (named by task ids) and the shared streams sits
    // under the service's prefix, the broker's queues and bindings included (kombu's global_keyprefix).
    const keys = (await cli("KEYS", "*")).split("\n").filter(Boolean);
    const prefix = values.keyPrefix;
    // Celery's keys sit under the service's name as a cluster hash tag ({catalog}:), the cache under the prefix.
    const celeryPrefix = `{${prefix.replace(/:$/, "")}}:`;
    expect(keys).toEqual(
      expect.arrayContaining([`${prefix}:1:greeting`, `${celeryPrefix}_kombu.binding.celery`]),
    );
    expect(
      keys.filter(
        (k) =>
          !k.startsWith(prefix) && !k.startsWith(celeryPrefix) && !/^(celery-task-meta-|events:)/.test(k),
      ),
    ).toEqual([]);

    // The clients verify the server: trusting another CA, every one of them refuses it.
    const outcome = JSON.parse(refused.stdout.trim().split("\n").pop()!) as Record<string, string>;
    const verifyFailed = expect.stringMatching(/CERTIFICATE_VERIFY_FAILED/);
    expect(outcome).toEqual({
      cache: verifyFailed,
      broker: verifyFailed,
      results: verifyFailed,
      events: verifyFailed,
    });
  }, 60_000);
});
