/**
 * Proof on a real PostgreSQL 16 server that the migrate initContainer's wrapper serializes migrations: the
 * real lock script, run by Debian's python3 with Django 3.2 and psycopg2, taking the lock through Django's own
 * database connection (a minimal settings module reading DATABASE_URL, as a service's does), against one
 * service's database reached through `databaseUrl(...)`. No mocks.
 *
 * The script imports no database driver itself, so an image whose Django runs on psycopg 3 takes the lock the
 * same way; Django 3.2 (Debian's) cannot use psycopg 3, so that part rests on reasoning, not on a run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { MIGRATE_LOCK_SCRIPT, migrateCommand } from "../../components/django-service/migrate";
import { databaseName, databaseUrl, roleName } from "../../components/managed-postgres/naming";
import {
  envWithoutLibpq,
  runCommand,
  startPostgres,
  type CommandResult,
  type PostgresServer,
} from "../helpers/postgres-server";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/django-service-migrate.real.test.ts", [
  TOOLS.postgresUser,
  TOOLS.python,
  TOOLS.psycopg2,
]);

/** Debian's python3 (python3-django, python3-psycopg2); the `python3` on PATH may be a pyenv build without them. */
const PYTHON = "/usr/bin/python3";
/** What Django's connection reports to the server, so the test can tell who holds the lock. */
const APPLICATION_NAME = "ferrum-migrate-lock-test";
/** A service's settings, reduced to the database: DATABASE_URL through dj-database-url, as the services read it. */
const SETTINGS_MODULE = [
  "import os",
  "import dj_database_url",
  'SECRET_KEY = "migrate-lock-test"',
  "INSTALLED_APPS = []",
  "USE_TZ = True",
  'DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], engine="django.db.backends.postgresql")}',
  `DATABASES["default"]["OPTIONS"] = {"application_name": "${APPLICATION_NAME}"}`,
].join("\n");
const SERVICE = "catalog";
/** URL-hostile on purpose: `databaseUrl` must encode it and libpq decode it. */
const SERVICE_PASSWORD = `p@ss:w/rd?#%'${randomBytes(9).toString("base64url")}`;

let server: PostgresServer;
let workDir: string;
let env: NodeJS.ProcessEnv;
const stray: ChildProcess[] = [];

beforeAll(async () => {
  await expectPythonWithPsycopg2();
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-migrate-"));
  // The settings module sits in the working directory, as a service's package sits beside manage.py.
  writeFileSync(path.join(workDir, "lock_settings.py"), SETTINGS_MODULE);
  server = await startPostgres();
  await createServiceDatabase();
  const url = databaseUrl({
    user: roleName(SERVICE),
    password: SERVICE_PASSWORD,
    host: server.host,
    port: server.port,
    database: databaseName(SERVICE),
    sslMode: "disable",
  });
  env = {
    ...envWithoutLibpq(),
    DATABASE_URL: url,
    DJANGO_SETTINGS_MODULE: "lock_settings",
    PYTHONDONTWRITEBYTECODE: "1",
  };
}, 30_000);

afterAll(async () => {
  for (const child of stray) killGroup(child);
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

async function expectPythonWithPsycopg2(): Promise<void> {
  const probe = await runCommand(PYTHON, ["-c", "import django, dj_database_url, psycopg2"]).catch(
    (err: Error) => ({ code: -1, stderr: err.message }),
  );
  if (probe.code !== 0)
    throw new Error(
      `${PYTHON} cannot import Django, dj-database-url and psycopg2 (apt-get install python3-django python3-dj-database-url python3-psycopg2): ${probe.stderr}`,
    );
}

async function asSuperuser<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(server.superuserConnection());
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** What the bootstrap Job leaves behind for one service: a login role owning its database. */
function createServiceDatabase(): Promise<void> {
  return asSuperuser(async (client) => {
    const role = await client.query<{ sql: string }>(
      "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql",
      [roleName(SERVICE), SERVICE_PASSWORD],
    );
    await client.query(role.rows[0]!.sql);
    const db = await client.query<{ sql: string }>(
      "SELECT format('CREATE DATABASE %I OWNER %I', $1::text, $2::text) AS sql",
      [databaseName(SERVICE), roleName(SERVICE)],
    );
    await client.query(db.rows[0]!.sql);
  });
}

/** Runs `command` under the migrate lock wrapper, exactly as the initContainer would. */
function runMigrate(command: readonly string[], timeoutMs = 20_000): Promise<CommandResult> {
  const [python, ...args] = migrateCommand(command, PYTHON);
  return runCommand(python!, args, { env, cwd: workDir, timeoutMs });
}

/** `sh -c`: append "<id> start <epoch>", sleep 1 s, append "<id> end <epoch>" to `file`. */
function recordingCommand(id: string, file: string): string[] {
  const stamp = `"${id} $1 $(date +%s.%N)" >> '${file}'`;
  return ["sh", "-c", `set -e; stamp() { echo ${stamp}; }; stamp start; sleep 1; stamp end`];
}

interface Interval {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

function readIntervals(file: string): Interval[] {
  const stamps = new Map<string, { start?: number; end?: number }>();
  for (const line of readFileSync(file, "utf8").trim().split("\n")) {
    const [id, kind, at] = line.split(" ") as [string, "start" | "end", string];
    stamps.set(id, { ...stamps.get(id), [kind]: Number(at) });
  }
  return [...stamps].map(([id, { start, end }]) => ({ id, start: start ?? NaN, end: end ?? NaN }));
}

/** Pairs of intervals that overlap in time. */
function overlappingPairs(intervals: readonly Interval[]): string[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  return sorted
    .slice(1)
    .flatMap((next, i) => (next.start < sorted[i]!.end ? [`${sorted[i]!.id}/${next.id}`] : []));
}

/** Polls pg_locks until `done` settles; returns the most sessions seen waiting on an advisory lock at once. */
async function maxAdvisoryWaiters(done: Promise<unknown>): Promise<number> {
  let finished = false;
  const finish = (): void => void (finished = true);
  done.then(finish, finish);
  return asSuperuser(async (client) => {
    let max = 0;
    while (!finished) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
          WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`,
        [databaseName(SERVICE)],
      );
      max = Math.max(max, rows[0]!.n);
      await new Promise((r) => setTimeout(r, 50));
    }
    return max;
  });
}

/** Advisory locks currently held or awaited in the service database. */
const advisoryLocks = (): Promise<number> =>
  asSuperuser(async (client) => {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1",
      [databaseName(SERVICE)],
    );
    return rows[0]!.n;
  });

/** Starts the wrapper in its own process group (a pod) and resolves once it reports holding the lock. */
function startHolder(command: readonly string[]): Promise<ChildProcess> {
  const [python, ...args] = migrateCommand(command, PYTHON);
  const child = spawn(python!, args, {
    env,
    cwd: workDir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  stray.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no "lock held" within 10 s; output:\n${out}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("migrate: lock held")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`wrapper exited ${code} before holding the lock:\n${out}`)),
    );
  });
}

function killGroup(child: ChildProcess): void {
  try {
    // Only a live child: a dead one's process-group id may already belong to someone else.
    if (child.pid && child.exitCode === null && child.signalCode === null)
      process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await fn();
  return { result, ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------

describe("the migrate lock wrapper on a real PostgreSQL 16 server", () => {
  test("DATABASE_URL from databaseUrl (URL-hostile password) reaches the service's database as its role under psycopg2", async () => {
    const script =
      "import os, psycopg2; c = psycopg2.connect(os.environ['DATABASE_URL']).cursor(); c.execute('SELECT current_user, current_database()'); print(*c.fetchone())";
    const result = await runCommand(PYTHON, ["-c", script], { env, timeoutMs: 10_000 });
    expect({ code: result.code, out: result.stdout.trim() }).toEqual({
      code: 0,
      out: `${roleName(SERVICE)} ${databaseName(SERVICE)}`,
    });
  });

  test("three concurrent migrations all exit 0 and run one at a time: their [start, end] intervals do not overlap", async () => {
    const file = path.join(workDir, "locked.log");
    const runs = Promise.all(["a", "b", "c"].map((id) => runMigrate(recordingCommand(id, file))));
    const waiters = await maxAdvisoryWaiters(runs);
    const results = await runs;

    expect(results.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(
      Array(3).fill({ code: 0, stderr: "" }),
    );
    const intervals = readIntervals(file);
    expect(intervals).toHaveLength(3);
    for (const i of intervals) expect(i.end - i.start).toBeGreaterThanOrEqual(1);
    expect(overlappingPairs(intervals)).toEqual([]);
    // Serialized by the lock, not by luck: the server saw the other two waiting for it.
    expect(waiters).toBe(2);
  });

  test("control: the same three commands without the wrapper do overlap, so the check above can fail", async () => {
    const file = path.join(workDir, "unlocked.log");
    const results = await Promise.all(
      ["a", "b", "c"].map((id) => {
        const [sh, ...args] = recordingCommand(id, file);
        return runCommand(sh!, args, { env, timeoutMs: 10_000 });
      }),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(overlappingPairs(readIntervals(file))).not.toEqual([]);
  });

  test("the wrapped command's non-zero exit code is propagated", async () => {
    const result = await runMigrate(["sh", "-c", "echo migrating; exit 7"]);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain("migrating");
  });

  test("the lock is released afterwards: a fourth run completes promptly and no advisory lock remains", async () => {
    expect(await advisoryLocks()).toBe(0);
    const { result, ms } = await timed(() => runMigrate(["true"], 10_000));
    expect(result.code).toBe(0);
    expect(ms).toBeLessThan(3_000);
  });

  test("the lock is held by Django's own connection (the settings' DATABASES), and the script imports no driver", async () => {
    const holder = await startHolder(["sleep", "30"]);
    const holders = await asSuperuser(async (client) => {
      const { rows } = await client.query<{ application_name: string; usename: string }>(
        `SELECT a.application_name, a.usename FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted`,
      );
      return rows;
    });
    killGroup(holder);
    expect(holders).toEqual([{ application_name: APPLICATION_NAME, usename: roleName(SERVICE) }]);
    for (let i = 0; i < 50 && (await advisoryLocks()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    // Whatever driver the image's Django uses takes the lock: psycopg2 here, psycopg 3 from Django 4.2 on.
    expect(MIGRATE_LOCK_SCRIPT).not.toMatch(/psycopg|DATABASE_URL/);
  });

  test("a wrapper killed while holding the lock (a dying pod) releases it with its connection", async () => {
    const holder = await startHolder(["sleep", "30"]);
    expect(await advisoryLocks()).toBe(1);
    killGroup(holder);

    const { result, ms } = await timed(() => runMigrate(["true"], 10_000));
    expect(result.code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    expect(await advisoryLocks()).toBe(0);
  });
});
