/**
 * The memory each server of the dev stack really holds, measured on real servers started from the dev plan
 * (tests/helpers/dev-platform.ts: PostgreSQL 16 bootstrapped with the plan's init script and SQL; every pod of
 * both Redis groups and the Sentinels as the plan describes them, with their ACL users; the reference Django
 * service and its Celery worker and beat on the plan's env and command lines, each service logging in as its
 * own Redis user), each after a representative workload, read from /proc (tests/helpers/memory.ts).
 *
 * Each measurement must stay below the memory request the dev plan gives that container, and below what
 * harness/sizing/resident-memory.json records (the unit test tests/sizing/dev-budget.test.ts checks the requests
 * against those records and the node budget). After a deliberate change, re-record with
 * `UPDATE_SIZING=1 CI=true npx jest tests/sizing/resident-memory.real.test.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { connectAs, DevPlatform } from "../helpers/dev-platform";
import {
  DjangoProcess,
  FIXTURE_DIR,
  manage,
  planObject,
  podContainer,
  PYTHON,
  pythonEnv,
  waitForOutput,
  type K8sObject,
} from "../helpers/django";
import { processTree, quantityMiB, residentMemory, type ResidentMemory } from "../helpers/memory";
import { dbOf, infoAs, onDbAs, urlLogin, type RedisLogin } from "../helpers/redis-platform";
import { RespError, waitFor } from "../helpers/redis-servers";
import { DJANGO_SERVICE_TOOLS, requireTools, TOOLS } from "../helpers/requirements";
import { eventStream } from "../../components/redis-ha/acl";
import { RECORD_FILE, SIZED_SERVERS, type ResidentRecord, type SizedServer } from "../../harness/dev-budget";

requireTools("tests/sizing/resident-memory.real.test.ts", [
  TOOLS.postgresUser,
  TOOLS.redisServer,
  TOOLS.redisSentinel,
  ...DJANGO_SERVICE_TOOLS,
]);

const UPDATE = process.env.UPDATE_SIZING === "1";
/** The services of the dev plan: each has a database, a Celery DB and a cache DB of its own. */
const SERVICES = ["auth", "user", "content", "catalog"] as const;
let objects: readonly K8sObject[];
let platform: DevPlatform;
let catalogEnv: Record<string, string>;
let django: DjangoProcess;
const measured: Partial<Record<SizedServer, ResidentMemory & { workload: string }>> = {};

/** The memory request (MiB) the dev plan gives `container` of `kind` `name`. */
function requestMiB(kind: string, name: string, container: string): number {
  const workload = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!workload) throw new Error(`no ${kind} ${name} in the dev plan`);
  const c = podContainer(workload, container);
  return quantityMiB(c.resources.requests.memory);
}

const recorded = (): ResidentRecord => JSON.parse(readFileSync(RECORD_FILE, "utf8")) as ResidentRecord;

function check(server: SizedServer, memory: ResidentMemory, request: number, workload: string): void {
  measured[server] = { ...memory, workload };
  console.log(
    `${server}: ${memory.residentMiB} MiB resident (${memory.processes} processes), request ${request} MiB`,
  );
  expect([server, memory.residentMiB <= request]).toEqual([server, true]);
  if (!UPDATE)
    expect([server, memory.residentMiB <= recorded().servers[server].residentMiB]).toEqual([server, true]);
}

const withDebianCelery = (argv: readonly string[]): string[] =>
  argv[0] === "celery" ? [PYTHON, "-m", "celery", ...argv.slice(1)] : [...argv];

/** `commands` on `port` as `login` in DB `db`; throws on the first refusal (AUTH's and SELECT's included). */
async function write(port: number, login: RedisLogin, db: number, commands: string[][]): Promise<void> {
  const replies = await onDbAs(port, login, db, ...commands);
  const refused = replies.find((r): r is RespError => r instanceof RespError);
  if (refused) throw new Error(`${login.username} was refused a write in DB ${db}: ${refused.message}`);
}

/** The resident memory of the largest of the servers on `ports` (their pids from INFO server). */
async function largestServer(ports: readonly number[]): Promise<ResidentMemory> {
  let largest: ResidentMemory | undefined;
  for (const port of ports) {
    const pid = Number((await infoAs(port, platform.redis.admin, "server")).process_id);
    const memory = residentMemory([pid]);
    if (!largest || memory.residentMiB > largest.residentMiB) largest = memory;
  }
  return largest!;
}

/** Waits until every replica of the master on `port` has its offset and no rewrite or save runs there. */
function steady(port: number, replicas: number): Promise<boolean> {
  return waitFor(
    `the ${replicas} replicas of ${port} to catch up and no background save`,
    async () => {
      const repl = await infoAs(port, platform.redis.admin, "replication");
      const persistence = await infoAs(port, platform.redis.admin, "persistence");
      const offsets = Array.from(
        { length: replicas },
        (_, i) => /offset=(\d+)/.exec(repl[`slave${i}`] ?? "")?.[1],
      );
      return (
        offsets.every((o) => o === repl.master_repl_offset) &&
        persistence.aof_rewrite_in_progress === "0" &&
        persistence.rdb_bgsave_in_progress === "0"
      );
    },
    60_000,
    500,
  );
}

/** The loopback ports of a StatefulSet's pods. */
const podPorts = (statefulSet: string): number[] => platform.redis.pods.of(statefulSet).map((p) => p.port);

beforeAll(async () => {
  platform = await DevPlatform.start();
  objects = platform.redis.objects;
  catalogEnv = platform.serviceEnv("catalog");
  const migrate = await manage(platform.redis.processes, ["migrate", "--noinput"], catalogEnv, 60_000);
  if (migrate.code !== 0) throw new Error(`migrate exited ${migrate.code}:\n${migrate.stderr}`);
}, 180_000);

afterAll(async () => {
  await platform?.close();
  if (UPDATE && Object.keys(measured).length === Object.keys(SIZED_SERVERS).length) {
    const servers = Object.fromEntries(
      Object.keys(SIZED_SERVERS).map((k) => {
        const m = measured[k as SizedServer]!;
        // 10% above what was measured, to the next 8 MiB: room for the measurement's own noise.
        return [
          k,
          {
            residentMiB: Math.ceil((m.residentMiB * 1.1) / 8) * 8,
            measuredMiB: m.residentMiB,
            workload: m.workload,
          },
        ];
      }),
    );
    const record: ResidentRecord = {
      comment:
        "Resident memory of each dev server after a representative workload, measured by " +
        "tests/sizing/resident-memory.real.test.ts (UPDATE_SIZING=1 rewrites it); residentMiB is the " +
        "measurement plus 10%, rounded up to 8 MiB. Each dev memory request must be at least residentMiB.",
      servers: servers as ResidentRecord["servers"],
    };
    writeFileSync(RECORD_FILE, `${JSON.stringify(record, null, 2)}\n`);
  }
});

describe("resident memory of the dev stack's servers, below their requests", () => {
  test("PostgreSQL: 12 connections (web, worker, beat of 4 services), 4 × 50 MB written and read back by index", async () => {
    const clients: Client[] = [];
    try {
      for (const s of SERVICES)
        for (let i = 0; i < 3; i++) clients.push(await connectAs(platform.serviceEnv(s)));
      await Promise.all(
        SERVICES.map(async (_s, i) => {
          const c = clients[i * 3]!;
          await c.query("CREATE TABLE load (id bigserial PRIMARY KEY, body text NOT NULL)");
          await c.query(
            "INSERT INTO load (body) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 160000) AS g",
          );
        }),
      );
      // Random reads by key on every connection: the tables (200 MB) outgrow shared_buffers (128 MB).
      for (let round = 0; round < 20; round++) {
        await Promise.all(
          clients.map((c) =>
            c.query(
              "SELECT sum(length(body)) FROM load WHERE id = ANY (SELECT (random() * 159999 + 1)::bigint FROM generate_series(1, 2000))",
            ),
          ),
        );
      }
      const backend = (await clients[0]!.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!
        .pid;
      const stat = readFileSync(`/proc/${backend}/stat`, "utf8");
      const postmaster = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const memory = residentMemory(processTree(postmaster));
      check(
        "postgres",
        memory,
        requestMiB("StatefulSet", "postgres", "postgres"),
        "12 connections; 4 tables of 160k rows (~50 MB each) written, then 20 rounds of 2000 random reads by key on each connection",
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 180_000);

  test("Redis data: the master and both replicas with the dataset at 90% of maxmemory, written by each service as its own user (Celery queues and results, event streams)", async () => {
    const admin = platform.redis.admin;
    const port = await platform.redis.master(catalogEnv.REDIS_SENTINEL_MASTER!);
    const maxmemory = Number((await infoAs(port, admin, "memory")).maxmemory);
    expect(maxmemory).toBeGreaterThan(0);
    const value = "x".repeat(1024);
    const writers = SERVICES.map((s) => {
      const env = platform.serviceEnv(s);
      const { global_keyprefix: prefix } = JSON.parse(env.CELERY_BROKER_TRANSPORT_OPTIONS!) as {
        global_keyprefix: string;
      };
      return {
        stream: eventStream(s),
        prefix,
        login: urlLogin(env.CELERY_BROKER_URL!),
        celeryDb: dbOf(env.CELERY_BROKER_URL!),
        eventsDb: dbOf(env.EVENTS_REDIS_URL!),
      };
    });
    // Each service in turn, in what its clients write: lists under kombu's prefix and task results in its
    // Celery DB, entries of its own event stream in the events DB. The lists are not the queue the worker
    // below consumes (`celery`): it would take 1 KiB of garbage for messages.
    for (let batch = 0; batch < 2000; batch++) {
      const used = Number((await infoAs(port, admin, "memory")).used_memory);
      if (used >= 0.9 * maxmemory) break;
      const w = writers[batch % writers.length]!;
      const commands: string[][] = [];
      const kind = Math.floor(batch / writers.length) % 3;
      for (let i = 0; i < 200; i++) {
        if (kind === 0) commands.push(["XADD", w.stream, "*", "type", "loaded", "data", value]);
        else if (kind === 1) commands.push(["LPUSH", `${w.prefix}load${batch % 3}`, value]);
        else commands.push(["SET", `celery-task-meta-load-${batch}-${i}`, value, "EX", "3600"]);
      }
      await write(port, w.login, kind === 0 ? w.eventsDb : w.celeryDb, commands);
    }
    expect(Number((await infoAs(port, admin, "memory")).used_memory)).toBeGreaterThanOrEqual(0.9 * maxmemory);
    await steady(port, podPorts("redis").length - 1);
    check(
      "redis",
      await largestServer(podPorts("redis")),
      requestMiB("StatefulSet", "redis", "redis"),
      "master and 2 replicas in sync, dataset at 90% of maxmemory (1 KiB Celery list items and results, stream entries; each service as its own user), no rewrite running",
    );
  }, 180_000);

  test("Redis cache: the master and its replica after each service, as its own user, wrote twice maxmemory into its cache DB and older entries were evicted", async () => {
    const admin = platform.redis.admin;
    const port = await platform.redis.master(new URL(catalogEnv.REDIS_URL!).hostname);
    const maxmemory = Number((await infoAs(port, admin, "memory")).maxmemory);
    expect(maxmemory).toBeGreaterThan(0);
    const value = "c".repeat(1024);
    const writers = SERVICES.map((s) => {
      const env = platform.serviceEnv(s);
      return { prefix: env.REDIS_KEY_PREFIX!, login: urlLogin(env.REDIS_URL!), db: dbOf(env.REDIS_URL!) };
    });
    // django-redis's keys, <KEY_PREFIX>:<version>:<key>, every entry with an expiry as the settings demand.
    const perBatch = 200;
    const batches = Math.ceil((2 * maxmemory) / (value.length * perBatch));
    for (let batch = 0; batch < batches; batch++) {
      const w = writers[batch % writers.length]!;
      const commands = Array.from({ length: perBatch }, (_, i) => [
        "SET",
        `${w.prefix}:1:load-${batch}-${i}`,
        value,
        "EX",
        "3600",
      ]);
      await write(port, w.login, w.db, commands);
    }
    const stats = await infoAs(port, admin, "stats");
    const memory = await infoAs(port, admin, "memory");
    console.log(
      `cache: ${batches * perBatch} entries of 1 KiB written into maxmemory ${maxmemory / 2 ** 20} MiB; ` +
        `${stats.evicted_keys} evicted, used_memory ${(Number(memory.used_memory) / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(Number(stats.evicted_keys)).toBeGreaterThan(0);
    expect(Number(memory.used_memory)).toBeLessThanOrEqual(maxmemory * 1.05);
    await steady(port, podPorts("redis-cache").length - 1);
    check(
      "redisCache",
      await largestServer(podPorts("redis-cache")),
      requestMiB("StatefulSet", "redis-cache", "redis"),
      "master and its replica in sync after twice maxmemory of 1 KiB entries (each service's cache DB, as its own user) evicted the oldest",
    );
  }, 180_000);

  test("Sentinel: each of the three, watching both groups' masters", async () => {
    check(
      "sentinel",
      await largestServer(podPorts("redis-sentinel")),
      requestMiB("StatefulSet", "redis-sentinel", "sentinel"),
      "three Sentinels monitoring the data group (master and two replicas) and the cache group (master and one replica)",
    );
  }, 60_000);

  test("Celery worker: its command line, 100 tasks through the broker", async () => {
    const worker = await platform.redis.worker("catalog", "catalog-worker", catalogEnv);
    django = await platform.redis.django("catalog-web", catalogEnv);
    for (let i = 0; i < 100; i++)
      expect(await django.value("task.add", { x: i, y: 1, timeout: 20 })).toMatchObject({ sum: i + 1 });
    check(
      "worker",
      residentMemory(processTree(worker.pid)),
      requestMiB("Deployment", "catalog-web", "worker"),
      "the worker container's command (prefork, its --concurrency), 100 tasks run and their results returned",
    );
  }, 180_000);

  test("Django web: one process after serving probes, the cache, the database, events and Celery calls", async () => {
    // Every Redis client of the service logs in as its own user.
    const users = ["REDIS_URL", "EVENTS_REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"].map(
      (v) => urlLogin(catalogEnv[v]!).username,
    );
    expect(users).toEqual(Array(4).fill("ferrum-catalog"));
    for (let i = 0; i < 200; i++) {
      await django.value("http", {
        path: "/healthz/ready",
        host: "catalog.ferrum.svc.cluster.local",
        headers: {},
      });
      await django.value("cache.set", { key: `k${i}`, value: "v".repeat(512) });
      await django.value("cache.get", { key: `k${i}` });
      if (i % 4 === 0) await django.value("products.count");
      if (i % 10 === 0) await django.value("events.publish", { type: "product.viewed", data: { id: i } });
    }
    const pid = await django.value("pid");
    check(
      "web",
      residentMemory(processTree(pid)),
      requestMiB("Deployment", "catalog-web", "web"),
      "one Django process: 200 readiness probes, 400 cache calls, 50 queries, 20 events, 100 Celery calls",
    );
  }, 180_000);

  test("Celery beat: its command line, scheduling for a while", async () => {
    const [cmd, ...args] = withDebianCelery(
      podContainer(planObject(objects, "Deployment", "catalog-beat"), "beat").command,
    );
    const beatArgs = args.map((a) =>
      a.startsWith("/tmp/") ? path.join(platform.redis.workDir, path.basename(a)) : a,
    );
    const beat = platform.redis.processes.spawn(
      "catalog-beat",
      cmd!,
      beatArgs,
      pythonEnv(catalogEnv),
      FIXTURE_DIR,
    );
    await waitForOutput(beat, /beat: Starting/, 60_000);
    await new Promise((r) => setTimeout(r, 5_000));
    check(
      "beat",
      residentMemory(processTree(beat.pid)),
      requestMiB("Deployment", "catalog-beat", "beat"),
      "the beat container's command, 5 s after it started scheduling",
    );
  }, 120_000);
});
