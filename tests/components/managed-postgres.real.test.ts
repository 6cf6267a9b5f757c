/**
 * Proof on a real PostgreSQL 16 server that the managed-postgres bootstrap does what it claims: the image's
 * init script creates a non-superuser admin, and the bootstrap SQL, run by psql as that admin, gives every
 * service its own login role and database that no other service can reach. Idempotent, and it rotates
 * passwords. No mocks.
 *
 * The tests run in order against one server and follow the Job's life: init script, a failed run, the
 * successful run, re-runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Client, type DatabaseError } from "pg";
import { SERVICE_NAMES } from "../../catalog";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import { ADMIN_ROLE, databaseName, passwordEnvVar, roleName } from "../../components/managed-postgres/naming";
import {
  envWithoutLibpq,
  runCommand,
  startPostgres,
  type CommandResult,
  type PostgresServer,
  type RoleConnection,
} from "../helpers/postgres-server";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/managed-postgres.real.test.ts", [TOOLS.postgresUser, TOOLS.psql]);

/** A password with the characters that break naive quoting: quote, space, backslash, colon, at, percent. */
const awkwardPassword = (): string => `p'w \\:@%${randomBytes(9).toString("base64url")}`;

const ADMIN_PASSWORD = awkwardPassword();
const passwords = new Map<string, string>(SERVICE_NAMES.map((s) => [s, awkwardPassword()]));
/** SERVICE_NAMES in the order the script handles them. */
const SORTED_SERVICES = [...SERVICE_NAMES].sort();

let server: PostgresServer;
let workDir: string;
let initScriptPath: string;
let bootstrapSqlPath: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-bootstrap-"));
  initScriptPath = path.join(workDir, "10-ferrum-admin.sh");
  bootstrapSqlPath = path.join(workDir, "bootstrap.sql");
  writeFileSync(initScriptPath, renderAdminInitScript(ADMIN_ROLE));
  writeFileSync(bootstrapSqlPath, renderBootstrapSql(SERVICE_NAMES));
  server = await startPostgres();
}, 30_000);

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

const asSuperuser = (database?: string): RoleConnection => server.superuserConnection(database);
const asAdmin = (): RoleConnection => ({
  ...server.superuserConnection(),
  user: ADMIN_ROLE,
  password: ADMIN_PASSWORD,
});
const asService = (
  service: string,
  database = databaseName(service),
  password = passwords.get(service)!,
): RoleConnection => ({
  ...server.superuserConnection(database),
  user: roleName(service),
  password,
});

async function query<T extends object>(
  conn: RoleConnection,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client(conn);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The error a connection attempt fails with, or undefined if it connects. */
async function connectionError(conn: RoleConnection): Promise<DatabaseError | undefined> {
  const client = new Client(conn);
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (err) {
    return err as DatabaseError;
  }
}

/** Runs the init script as the postgres image would: sh, with POSTGRES_USER and FERRUM_ADMIN_PASSWORD. */
function runAdminInitScript(): Promise<CommandResult> {
  const env = {
    ...envWithoutLibpq(),
    POSTGRES_USER: server.superuser,
    FERRUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    // What the image's local socket gives it for free: a route to the server and the superuser's password.
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGPASSWORD: server.superuserPassword,
  };
  return runCommand("sh", [initScriptPath], { env, timeoutMs: 15_000 });
}

/** `psql -X -f bootstrap.sql` as the admin, with the given password env vars (and no others). */
function runBootstrap(passwordEnv: Record<string, string>): Promise<CommandResult> {
  const env = { ...server.libpqEnv(asAdmin()), ...passwordEnv };
  return runCommand("psql", ["-X", "-f", bootstrapSqlPath], { env, timeoutMs: 15_000 });
}

const allPasswordEnv = (): Record<string, string> =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [passwordEnvVar(s), passwords.get(s)!]));

const withoutKey = (env: Record<string, string>, key: string): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter(([k]) => k !== key));

interface ServiceObjects {
  readonly role: string | null;
  readonly roleOid: number | null;
  readonly database: string | null;
  readonly databaseOid: number | null;
  readonly owner: string | null;
}

/** The service's role and database as the catalog sees them (nulls when missing). */
async function serviceObjects(service: string): Promise<ServiceObjects> {
  const [row] = await query<ServiceObjects>(
    asSuperuser(),
    `SELECT r.rolname AS role, r.oid::int AS "roleOid", d.datname AS database, d.oid::int AS "databaseOid",
            pg_get_userbyid(d.datdba) AS owner
       FROM (SELECT $1::name AS role, $2::name AS db) want
       LEFT JOIN pg_roles r ON r.rolname = want.role
       LEFT JOIN pg_database d ON d.datname = want.db`,
    [roleName(service), databaseName(service)],
  );
  return row!;
}

const expectBootstrapFailed = (result: CommandResult): void => {
  expect({ code: result.code, signal: result.signal }).not.toEqual({ code: 0, signal: null });
  expect(result.stderr).toMatch(/ERROR/);
};

const expectBootstrapSucceeded = (result: CommandResult): void => {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
};

// ---------------------------------------------------------------------------------------------------------

describe("managed-postgres bootstrap on a real PostgreSQL 16 server", () => {
  test("the server under test is PostgreSQL 16 (whose CREATEROLE rules the script is written for)", async () => {
    const [row] = await query<{ v: number }>(
      asSuperuser(),
      "SELECT current_setting('server_version_num')::int AS v",
    );
    expect(Math.floor(row!.v / 10_000)).toBe(16);
  });

  test("the image's init script creates the admin with LOGIN CREATEDB CREATEROLE and NOT SUPERUSER, idempotently", async () => {
    for (let run = 1; run <= 2; run++) {
      const result = await runAdminInitScript();
      expect({ run, code: result.code, stderr: result.stderr }).toEqual({ run, code: 0, stderr: "" });
    }
    const roles = await query(
      asSuperuser(),
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = $1",
      [ADMIN_ROLE],
    );
    expect(roles).toEqual([
      { rolsuper: false, rolcreatedb: true, rolcreaterole: true, rolcanlogin: true, rolbypassrls: false },
    ]);
    const [me] = await query<{ user: string }>(asAdmin(), 'SELECT current_user AS "user"');
    expect(me!.user).toBe(ADMIN_ROLE);
  });

  test("a missing password env var fails the script before it creates anything for that service", async () => {
    const missing = "content";
    const result = await runBootstrap(withoutKey(allPasswordEnv(), passwordEnvVar(missing)));
    expectBootstrapFailed(result);
    expect(result.stderr).toContain("FERRUM_CONTENT_PASSWORD must be set and non-empty");

    const stopAt = SORTED_SERVICES.indexOf(missing);
    for (const [i, service] of SORTED_SERVICES.entries()) {
      const objects = await serviceObjects(service);
      const created = { role: objects.role !== null, database: objects.database !== null };
      // ON_ERROR_STOP: the services before the missing one were done, nothing from it onwards.
      expect({ service, ...created }).toEqual({ service, role: i < stopAt, database: i < stopAt });
    }
  });

  test("an empty password env var fails the script the same way", async () => {
    const result = await runBootstrap({ ...allPasswordEnv(), [passwordEnvVar("content")]: "" });
    expectBootstrapFailed(result);
    expect(result.stderr).toContain("FERRUM_CONTENT_PASSWORD must be set and non-empty");
    expect(await serviceObjects("content")).toMatchObject({ role: null, database: null });
  });

  test("as the non-superuser admin the script exits 0 and each service role owns its own database", async () => {
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv()));
    for (const service of SERVICE_NAMES) {
      const objects = await serviceObjects(service);
      expect(objects).toMatchObject({
        role: roleName(service),
        database: databaseName(service),
        owner: roleName(service),
      });
    }
  });

  test("PUBLIC holds no privilege on any service database", async () => {
    const grants = await query(
      asSuperuser(),
      `SELECT d.datname, acl.privilege_type FROM pg_database d, aclexplode(d.datacl) acl
        WHERE d.datname = ANY($1) AND acl.grantee = 0`,
      [SERVICE_NAMES.map(databaseName)],
    );
    expect(grants).toEqual([]);
  });

  test("running the script again exits 0 and keeps the same roles and databases", async () => {
    const before = await Promise.all(SERVICE_NAMES.map(serviceObjects));
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv()));
    const after = await Promise.all(SERVICE_NAMES.map(serviceObjects));
    expect(after).toEqual(before);
  });

  test.each(SERVICE_NAMES.map((s) => [s]))(
    "the %s role connects to its own database and creates a table in schema public",
    async (service) => {
      const conn = asService(service);
      const table = `probe_${service}`;
      await query(conn, `CREATE TABLE ${table} (id int PRIMARY KEY)`);
      const rows = await query(
        conn,
        `SELECT current_database() AS db, schemaname, tableowner FROM pg_tables WHERE tablename = $1`,
        [table],
      );
      expect(rows).toEqual([
        { db: databaseName(service), schemaname: "public", tableowner: roleName(service) },
      ]);
    },
  );

  const crossPairs = SERVICE_NAMES.flatMap((a) =>
    SERVICE_NAMES.filter((b) => b !== a).map((b) => [a, b] as const),
  );

  test("there are 12 cross-service pairs", () => {
    expect(crossPairs).toHaveLength(12);
  });

  test.each(crossPairs)("the %s role is refused a connection to the %s database", async (service, other) => {
    const err = await connectionError(asService(service, databaseName(other)));
    expect(err).toBeDefined();
    expect(err!.message).toBe(`permission denied for database "${databaseName(other)}"`);
    expect(err!.detail).toMatch(/CONNECT privilege/);
  });

  test("re-running with a changed password rotates it: the new password works, the old one is refused", async () => {
    const service = "auth";
    const oldPassword = passwords.get(service)!;
    const newPassword = awkwardPassword();
    passwords.set(service, newPassword);
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv()));

    expect(await connectionError(asService(service, databaseName(service), newPassword))).toBeUndefined();
    const refused = await connectionError(asService(service, databaseName(service), oldPassword));
    expect(refused?.message).toBe(`password authentication failed for user "${roleName(service)}"`);
    // The other services keep theirs.
    expect(await connectionError(asService("user"))).toBeUndefined();
  });
});
