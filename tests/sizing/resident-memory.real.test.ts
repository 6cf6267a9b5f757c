/**
 * The memory each server of the dev stack really holds, measured on real servers started from the dev plan
 * (PostgreSQL 16 bootstrapped with the plan's init script and SQL; Redis and Sentinel on the plan's
 * redis.conf and sentinel.conf; the reference Django service and its Celery worker and beat on the plan's
 * env and command lines), each after a representative workload, read from /proc (tests/helpers/memory.ts).
 *
 * Each measurement must stay below the memory request the dev plan gives that container, and below what
 * sizing/resident-memory.json records (the unit test tests/sizing/dev-budget.test.ts checks the requests
 * against those records and the node budget). After a deliberate change, re-record with
 * `UPDATE_SIZING=1 CI=true npx jest tests/sizing/resident-memory.real.test.ts`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { manifests, runPlan } from "../../tools/planner";
import { DevPlatform } from "../helpers/dev-platform";
import {
  Child,
  DjangoProcess,
  FIXTURE_DIR,
  manage,
  planObject,
  podContainer,
  Processes,
  PYTHON,
  pythonEnv,
  waitForOutput,
  type K8sObject,
} from "../helpers/django";
import { processTree, quantityMiB, residentMemory, type ResidentMemory } from "../helpers/memory";
import { info, pipeline, ProcessGroup, RespError, waitFor } from "../helpers/redis-servers";
import { RECORD_FILE, type ResidentRecord, type SizedServer } from "../../lib/dev-budget";

const UPDATE = process.env.UPDATE_SIZING === "1";
const processes = new Processes();
const group = new ProcessGroup();
let workDir: string;
let objects: K8sObject[];
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

/** A connection as a service's own role (its DATABASE_URL). */
async function connectAs(env: Record<string, string>): Promise<Client> {
  const url = new URL(env.DATABASE_URL!);
  const client = new Client({
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
  });
  await client.connect();
  return client;
}

const withDebianCelery = (argv: readonly string[]): string[] =>
  argv[0] === "celery" ? [PYTHON, "-m", "celery", ...argv.slice(1)] : [...argv];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-sizing-"));
  objects = manifests(await runPlan("dev"), true) as K8sObject[];
  platform = await DevPlatform.start(objects, workDir, processes, group);
  catalogEnv = platform.serviceEnv("catalog");
  const migrate = await manage(processes, ["migrate", "--noinput"], catalogEnv, 60_000);
  if (migrate.code !== 0) throw new Error(`migrate exited ${migrate.code}:\n${migrate.stderr}`);
}, 120_000);

afterAll(async () => {
  await processes.stopAll();
  await platform?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (UPDATE && Object.keys(measured).length === 6) {
    const servers = Object.fromEntries(
      Object.entries(measured).map(([k, m]) => [
        k,
        // 10% above what was measured, to the next 8 MiB: room for the measurement's own noise.
        {
          residentMiB: Math.ceil((m!.residentMiB * 1.1) / 8) * 8,
          measuredMiB: m!.residentMiB,
          workload: m!.workload,
        },
      ]),
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
    const services = ["auth", "user", "content", "catalog"];
    const clients: Client[] = [];
    try {
      for (const s of services)
        for (let i = 0; i < 3; i++) clients.push(await connectAs(platform.serviceEnv(s)));
      await Promise.all(
        services.map(async (_s, i) => {
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

  test("Redis: the master and both replicas with the dataset at 90% of maxmemory (cache, queues, streams)", async () => {
    const port = platform.masterPort;
    const auth = ["AUTH", platform.redisPassword];
    const maxmemory = Number((await info(port, "memory", platform.redisPassword)).maxmemory);
    const value = "x".repeat(1024);
    // Cache keys (DB 1, 3, ...), Celery queue lists (DB 2, 4, ...), event streams (DB 0), in turn.
    for (let batch = 0; batch < 2000; batch++) {
      const used = Number((await info(port, "memory", platform.redisPassword)).used_memory);
      if (used >= 0.9 * maxmemory) break;
      const db = batch % 9;
      const commands: string[][] = [auth, ["SELECT", String(db)]];
      for (let i = 0; i < 200; i++) {
        const key = `load:${batch}:${i}`;
        if (db === 0)
          commands.push(["XADD", `events:load${batch % 4}`, "*", "type", "loaded", "data", value]);
        else if (db % 2 === 1) commands.push(["SET", key, value, "EX", "3600"]);
        else commands.push(["LPUSH", `celery${batch % 3}`, value]);
      }
      const replies = await pipeline(port, commands, 10_000);
      const refused = replies.find((r) => r instanceof RespError);
      if (refused) throw new Error(`the master refused a write: ${(refused as RespError).message}`);
    }
    expect(Number((await info(port, "memory", platform.redisPassword)).used_memory)).toBeGreaterThanOrEqual(
      0.9 * maxmemory,
    );
    // Steady state: replicas caught up, no rewrite or save running.
    await waitFor(
      "the replicas to catch up and no background save",
      async () => {
        const repl = await info(port, "replication", platform.redisPassword);
        const persistence = await info(port, "persistence", platform.redisPassword);
        const offsets = [1, 2].map((i) => /offset=(\d+)/.exec(repl[`slave${i - 1}`] ?? "")?.[1]);
        return (
          offsets.every((o) => o === repl.master_repl_offset) &&
          persistence.aof_rewrite_in_progress === "0" &&
          persistence.rdb_bgsave_in_progress === "0"
        );
      },
      60_000,
      500,
    );
    let largest: ResidentMemory | undefined;
    for (const pod of platform.redis) {
      const pid = Number((await info(pod.port, "server", platform.redisPassword)).process_id);
      const memory = residentMemory([pid]);
      if (!largest || memory.residentMiB > largest.residentMiB) largest = memory;
    }
    check(
      "redis",
      largest!,
      requestMiB("StatefulSet", "redis", "redis"),
      "master and 2 replicas in sync, dataset at 90% of maxmemory (1 KiB cache values, Celery list items, stream entries), no rewrite running",
    );
  }, 180_000);

  test("Sentinel: each of the three, watching the master", async () => {
    let largest: ResidentMemory | undefined;
    for (const s of platform.sentinels) {
      const pid = Number((await info(s.port, "server", platform.redisPassword)).process_id);
      const memory = residentMemory([pid]);
      if (!largest || memory.residentMiB > largest.residentMiB) largest = memory;
    }
    check(
      "sentinel",
      largest!,
      requestMiB("StatefulSet", "redis-sentinel", "sentinel"),
      "three Sentinels monitoring the master with two replicas",
    );
  }, 60_000);

  test("Celery worker: its command line, 100 tasks through the broker", async () => {
    const [cmd, ...args] = withDebianCelery(
      podContainer(planObject(objects, "Deployment", "catalog-web"), "worker").command,
    );
    const worker: Child = processes.spawn("catalog-worker", cmd!, args, pythonEnv(catalogEnv), FIXTURE_DIR);
    await waitForOutput(worker, /\bready\.\s*$/m, 60_000);
    django = await DjangoProcess.start(processes, "catalog-web", catalogEnv);
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
    const beatArgs = args.map((a) => (a.startsWith("/tmp/") ? path.join(workDir, path.basename(a)) : a));
    const beat = processes.spawn("catalog-beat", cmd!, beatArgs, pythonEnv(catalogEnv), FIXTURE_DIR);
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
