/**
 * Proof on a real PostgreSQL 16 server that rotating the services' database passwords
 * (`ferrum:postgres.rotation`) costs no client a single failed connection. No mocks of the server: what runs is
 * what ManagedPostgres renders at rotations 0, 1 and 2 (the bootstrap Job's command, env, SQL and Secret, and
 * each service's DATABASE_URL), with the in-cluster host moved to the test server.
 *
 * The services are played by client loops (node-postgres, a fresh connection and a query per attempt, so every
 * attempt authenticates) and by one long-lived connection per service, as Django keeps with CONN_MAX_AGE. A
 * `pulumi up` of a rotation is played in its order: the bootstrap Job runs while the old pods still connect
 * (Pulumi creates the Job before the Secrets and Deployments, which wait for it); then the new pods start with
 * the new DATABASE_URL while the old ones still run; then the old ones stop.
 *
 * Django's side (3.2 with psycopg2 and dj-database-url, from Debian): migrations run through login a create
 * tables the owning role owns, so migrations run through login b after a rotation alter them; and the URL's
 * `options=-c role=...` alone makes a session act as the owner.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { SERVICE_NAMES } from "../../config/catalog";
import { ManagedPostgres } from "../../components/managed-postgres";
import { renderAdminInitScript } from "../../components/managed-postgres/bootstrap-sql";
import { ADMIN_ROLE, loginName, roleName } from "../../components/managed-postgres/naming";
import { type ClientLoop, type LoopResult, moreAttempts, startLoop } from "../helpers/client-loop";
import {
  envWithoutLibpq,
  runCommand,
  startPostgres,
  type CommandResult,
  type PostgresServer,
} from "../helpers/postgres-server";
import { secretness, underMocks } from "../helpers/pulumi";
import { DEBIAN_PYTHON, requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/managed-postgres-rotation.real.test.ts", [
  TOOLS.postgresUser,
  TOOLS.psql,
  TOOLS.python,
  TOOLS.django,
  TOOLS.psycopg2,
  TOOLS.djDatabaseUrl,
]);

/** Where the bootstrap Job and the services reach the in-cluster server, in the rendered objects. */
const CLUSTER_HOST = "postgres.ferrum.svc.cluster.local:5432";
/** The service whose Django migrations the proof runs. */
const DJANGO_SERVICE = "catalog";
/** A service's settings reduced to its database, read through dj-database-url as the reference settings do. */
const SETTINGS_MODULE = [
  "import os",
  "import dj_database_url",
  'SECRET_KEY = "rotation-proof"',
  'INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]',
  "USE_TZ = True",
  'DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], engine="django.db.backends.postgresql", conn_max_age=60)}',
].join("\n");

/** What ManagedPostgres renders at one rotation, as the cluster would receive it. */
interface Rendered {
  readonly rotation: number;
  readonly sql: string;
  readonly command: string[];
  /** The Job container's env: its `env` values, then its Secret (envFrom). */
  readonly jobEnv: Record<string, string>;
  /** Each service's DATABASE_URL. */
  readonly urls: Record<string, string>;
}

let server: PostgresServer;
let workDir: string;
const rendered = new Map<number, Rendered>();
const timings: string[] = [];

async function render(rotation: number): Promise<Rendered> {
  const { result: pg, registrations: r } = await underMocks(
    () =>
      new ManagedPostgres("postgres", {
        backend: {
          kind: "inCluster",
          image: "postgres:16.10-bookworm",
          storageGiB: 10,
          resources: { cpuMillicores: 100, cpuLimitMillicores: 1000, memoryMiB: 208, memoryLimitMiB: 512 },
          protect: false,
        },
        databases: SERVICE_NAMES,
        namespace: "ferrum",
        rotation,
      }),
  );
  const job = r.inputs("kubernetes:batch/v1:Job", "postgres-bootstrap") as any;
  const container = job.spec.template.spec.containers[0];
  const secret = r.inputs("kubernetes:core/v1:Secret", "postgres-bootstrap") as any;
  const sql = (r.inputs("kubernetes:core/v1:ConfigMap", "postgres-bootstrap-sql") as any).data[
    "bootstrap.sql"
  ];
  const urls: Record<string, string> = {};
  for (const s of SERVICE_NAMES) urls[s] = (await secretness(pg.database(s).url)).value;
  return {
    rotation,
    sql,
    command: container.command,
    jobEnv: {
      ...Object.fromEntries(
        (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      ),
      ...secret.stringData,
    },
    urls,
  };
}

const onTestServer = (url: string): string => url.replace(CLUSTER_HOST, `${server.host}:${server.port}`);

/**
 * node-postgres reads `sslmode=prefer` as "require" (libpq falls back to plain, node-postgres does not); the
 * test server has no TLS, so the loops say `disable`. Everything else is the URL as rendered.
 */
const forNodePg = (url: string): string => onTestServer(url).replace("sslmode=prefer", "sslmode=disable");

/** Runs the bootstrap Job's own command with its env, against the test server. */
async function runJob(at: Rendered): Promise<CommandResult> {
  const sqlFile = path.join(workDir, `bootstrap-${at.rotation}.sql`);
  writeFileSync(sqlFile, at.sql);
  const [shell, flag, script] = at.command;
  const env = {
    ...envWithoutLibpq(),
    ...at.jobEnv,
    PGHOST: server.host,
    PGPORT: String(server.port),
    HOME: workDir,
  };
  return runCommand(shell!, [flag!, script!.replace("/bootstrap/bootstrap.sql", sqlFile)], {
    env,
    cwd: workDir,
    timeoutMs: 30_000,
  });
}

async function expectJobSucceeds(at: Rendered): Promise<void> {
  const started = Date.now();
  const run = await runJob(at);
  expect({ rotation: at.rotation, code: run.code, stderr: run.stderr }).toEqual({
    rotation: at.rotation,
    code: 0,
    stderr: "",
  });
  timings.push(`bootstrap Job of rotation ${at.rotation}: ${Date.now() - started} ms`);
}

/** One attempt of a pod: a new connection with `url`, who it is and who it acts as, then close. */
async function connectAndQuery(url: string): Promise<string> {
  const client = new Client({ connectionString: forNodePg(url), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ login: string; acting: string }>(
      "SELECT session_user AS login, current_user AS acting",
    );
    return `${rows[0]!.login} as ${rows[0]!.acting}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The pods of every service on one rotation's URLs: a loop each. */
function startPods(at: Rendered): ClientLoop[] {
  return SERVICE_NAMES.map((s) =>
    startLoop(`${s} on rotation ${at.rotation}`, () => connectAndQuery(at.urls[s]!), { maxMs: 60_000 }),
  );
}

async function everyLoopMoves(loops: readonly ClientLoop[], n = 50): Promise<void> {
  await Promise.all(loops.map((l) => moreAttempts(l, n)));
}

/** The error a fresh connection with `url` fails with, or undefined when it connects. */
async function connectionError(url: string): Promise<string | undefined> {
  try {
    await connectAndQuery(url);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function runDjango(args: readonly string[], url: string): Promise<CommandResult> {
  return runCommand(DEBIAN_PYTHON, args, {
    env: {
      ...envWithoutLibpq(),
      DATABASE_URL: onTestServer(url),
      DJANGO_SETTINGS_MODULE: "rotation_settings",
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONPATH: workDir,
    },
    cwd: workDir,
    timeoutMs: 60_000,
  });
}

async function asSuperuser<T extends object>(sql: string, params: unknown[] = [], db = "postgres") {
  const client = new Client(server.superuserConnection(db));
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-rotation-"));
  writeFileSync(path.join(workDir, "rotation_settings.py"), SETTINGS_MODULE);
  for (const rotation of [0, 1, 2]) rendered.set(rotation, await render(rotation));
  server = await startPostgres();
  // The server's first start: the image's init script creates the admin with the Job's admin password.
  const init = await runCommand("sh", ["-c", renderAdminInitScript(ADMIN_ROLE)], {
    env: {
      ...envWithoutLibpq(),
      POSTGRES_USER: server.superuser,
      FERRUM_ADMIN_PASSWORD: rendered.get(0)!.jobEnv.PGPASSWORD!,
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGPASSWORD: server.superuserPassword,
    },
    timeoutMs: 15_000,
  });
  if (init.code !== 0) throw new Error(`admin init script exited ${init.code}:\n${init.stderr}`);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (timings.length) console.log(`rotation proof, PostgreSQL 16:\n  ${timings.join("\n  ")}`);
});

const at = (rotation: number): Rendered => rendered.get(rotation)!;

describe("rotating the services' database passwords on a real PostgreSQL 16 server", () => {
  test("what the plan renders: rotation 0 logs in as login a, 1 as b, 2 as a again; each step changes only the idle login's password", () => {
    for (const s of SERVICE_NAMES) {
      const logins = [0, 1, 2].map((r) => decodeURIComponent(new URL(at(r).urls[s]!).username));
      expect(logins).toEqual([loginName(s, "a"), loginName(s, "b"), loginName(s, "a")]);
      const key = (slot: string) => `FERRUM_${s.toUpperCase()}_${slot}_PASSWORD`;
      expect(at(1).jobEnv[key("A")]).toBe(at(0).jobEnv[key("A")]);
      expect(at(1).jobEnv[key("B")]).not.toBe(at(0).jobEnv[key("B")]);
      expect(at(2).jobEnv[key("B")]).toBe(at(1).jobEnv[key("B")]);
      expect(at(2).jobEnv[key("A")]).not.toBe(at(1).jobEnv[key("A")]);
    }
  });

  test("two rotations, each played as pulumi up plays it, under client loops: zero failed connections", async () => {
    await expectJobSucceeds(at(0));
    const started = Date.now();
    // Long-lived connections opened on rotation 0 (CONN_MAX_AGE): a password change ends no session.
    const kept = await Promise.all(
      SERVICE_NAMES.map(async (s) => {
        const client = new Client({ connectionString: forNodePg(at(0).urls[s]!) });
        await client.connect();
        return client;
      }),
    );
    const keptLoops = kept.map((client, i) =>
      startLoop(
        `${SERVICE_NAMES[i]} kept connection`,
        async () => {
          const { rows } = await client.query<{ login: string }>("SELECT session_user AS login");
          return rows[0]!.login;
        },
        { pauseMs: 10 },
      ),
    );

    const results: LoopResult[] = [];
    const during: Record<number, number> = {};
    let pods = startPods(at(0));
    await everyLoopMoves(pods);
    for (const rotation of [1, 2]) {
      // 1. The bootstrap Job of the new rotation runs while the old pods keep connecting.
      const before = pods.map((l) => l.count());
      await expectJobSucceeds(at(rotation));
      during[rotation] = pods.reduce((n, l, i) => n + l.count() - before[i]!, 0);
      // 2. The new pods start on the new DATABASE_URL beside the old ones, 3. then the old ones stop.
      const next = startPods(at(rotation));
      await everyLoopMoves([...pods, ...next]);
      results.push(...(await Promise.all(pods.map((l) => l.stop()))));
      pods = next;
      await everyLoopMoves(pods);
    }
    results.push(...(await Promise.all(pods.map((l) => l.stop()))));
    results.push(...(await Promise.all(keptLoops.map((l) => l.stop()))));
    await Promise.all(kept.map((c) => c.end()));

    const failures = results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f.error}`));
    const count = (kind: (r: LoopResult) => boolean) =>
      results.filter(kind).reduce((n, r) => n + r.successes.length, 0);
    const fresh = count((r) => !r.name.includes("kept"));
    timings.push(
      `rotations 0 -> 1 -> 2 in ${Date.now() - started} ms: ${fresh} new connections, each authenticated and queried ` +
        `(${during[1]} and ${during[2]} of them while the Jobs ran), and ${count((r) => r.name.includes("kept"))} ` +
        `queries on the four connections kept open; ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    // The loops were running while each Job changed a password, and every pod acted as its owning role.
    expect(during[1]).toBeGreaterThan(0);
    expect(during[2]).toBeGreaterThan(0);
    // Each rotation's pods logged in as its own login (a, then b, then a again), acting as the owning role.
    for (const r of results.filter((x) => !x.name.includes("kept"))) {
      const [service, , , rotation] = r.name.split(" ");
      const slot = Number(rotation) % 2 === 0 ? "a" : "b";
      expect({ pods: r.name, seen: new Set(r.successes.map((a) => a.value)) }).toEqual({
        pods: r.name,
        seen: new Set([`${loginName(service!, slot)} as ${roleName(service!)}`]),
      });
      expect(r.successes.length).toBeGreaterThanOrEqual(50);
    }
    // And each Job did change a password: the one of the login the next pods use.
    for (const s of SERVICE_NAMES) {
      const password = (r: number) => decodeURIComponent(new URL(at(r).urls[s]!).password);
      expect(new Set([password(0), password(1), password(2)]).size).toBe(3);
    }
  }, 120_000);

  test("the bound: after two rotations the password of rotation 0 is refused; rotation 1's still works until the next", async () => {
    for (const s of SERVICE_NAMES) {
      expect(await connectionError(at(0).urls[s]!)).toBe(
        `password authentication failed for user "${loginName(s, "a")}"`,
      );
      expect(await connectionError(at(1).urls[s]!)).toBeUndefined();
      expect(await connectionError(at(2).urls[s]!)).toBeUndefined();
    }
  });

  test("skipping a step (rotation 0 straight to 2, both passwords changed in one up) fails the old pods: the loops would notice", async () => {
    // Back to rotation 0's passwords, then a jump of two under the old pods.
    await expectJobSucceeds(at(0));
    const pods = startPods(at(0));
    await everyLoopMoves(pods);
    await expectJobSucceeds(at(2));
    await everyLoopMoves(pods);
    const results = await Promise.all(pods.map((l) => l.stop()));
    for (const r of results) {
      const service = r.name.split(" ")[0]!;
      expect(r.failures.length).toBeGreaterThan(0);
      expect(new Set(r.failures.map((f) => f.error))).toEqual(
        new Set([`password authentication failed for user "${loginName(service, "a")}"`]),
      );
    }
    // Leave the server on rotation 2, as the rotations above did.
    expect(await connectionError(at(2).urls.auth!)).toBeUndefined();
  }, 60_000);

  test("Django migrations through login a create tables the owning role owns; after a rotation, migrations through login b alter them", async () => {
    const a = at(0).urls[DJANGO_SERVICE]!;
    const b = at(1).urls[DJANGO_SERVICE]!;
    // Login a needs rotation 0's (= 1's) password: the server is on rotation 2, whose login a has a new one.
    const aNow = at(2).urls[DJANGO_SERVICE]!;
    const login = (url: string) => decodeURIComponent(new URL(url).username);
    expect([login(a), login(aNow), login(b)]).toEqual([
      loginName(DJANGO_SERVICE, "a"),
      loginName(DJANGO_SERVICE, "a"),
      loginName(DJANGO_SERVICE, "b"),
    ]);

    const first = await runDjango(["-m", "django", "migrate", "auth", "0004", "--noinput"], aNow);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
    expect(first.stdout).toContain("Applying auth.0001_initial... OK");
    // auth 0005-0012 alter tables 0001 created (auth_user.last_login, username, first_name, ...).
    const second = await runDjango(["-m", "django", "migrate", "--noinput"], b);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: "" });
    expect(second.stdout).toContain("Applying auth.0008_alter_user_username_max_length... OK");
    expect(second.stdout).toContain("Applying auth.0012_alter_user_first_name_max_length... OK");

    const owners = await asSuperuser<{ owner: string; n: number }>(
      `SELECT pg_get_userbyid(c.relowner) AS owner, count(*)::int AS n FROM pg_class c
         JOIN pg_namespace ns ON ns.oid = c.relnamespace
        WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'S', 'i') GROUP BY 1`,
      [],
      `ferrum_${DJANGO_SERVICE}`,
    );
    expect(owners.map((o) => o.owner)).toEqual([roleName(DJANGO_SERVICE)]);
    expect(owners[0]!.n).toBeGreaterThan(10);
  }, 120_000);

  test("the URL's options=-c role=... alone, through dj-database-url and psycopg2, makes Django's session act as the owning role", async () => {
    // Take away login b's own default role, which the bootstrap sets too, so only the URL decides.
    const loginB = loginName(DJANGO_SERVICE, "b");
    await asSuperuser(`ALTER ROLE ${loginB} RESET role`);
    const probe = [
      "-c",
      [
        "import django",
        "django.setup()",
        "from django.db import connection",
        "cursor = connection.cursor()",
        "cursor.execute('SELECT session_user, current_user')",
        "print(*cursor.fetchone())",
        "print(connection.settings_dict['OPTIONS'])",
      ].join("\n"),
    ];
    const run = await runDjango(probe, at(1).urls[DJANGO_SERVICE]!);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(run.stdout.split("\n")[0]).toBe(`${loginB} ${roleName(DJANGO_SERVICE)}`);
    expect(run.stdout).toContain(`'options': '-c role=${roleName(DJANGO_SERVICE)}'`);
    // Without the option, the same login acts as itself: the option is what did it.
    const bare = at(1).urls[DJANGO_SERVICE]!.replace(/&options=[^&]*/, "");
    const plain = await runDjango(probe, bare);
    expect(plain.stdout.split("\n")[0]).toBe(`${loginB} ${loginB}`);
    // The bootstrap puts the login's default role back (every run sets it).
    await expectJobSucceeds(at(2));
    const [config] = await asSuperuser<{ rolconfig: string[] }>(
      "SELECT rolconfig FROM pg_roles WHERE rolname = $1",
      [loginB],
    );
    expect(config!.rolconfig).toEqual([`role=${roleName(DJANGO_SERVICE)}`]);
  }, 60_000);
});
