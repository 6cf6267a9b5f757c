/**
 * Proof on a real PostgreSQL 16 server that the managed-postgres bootstrap does what it claims: the image's
 * init script creates a non-superuser admin, and the bootstrap SQL, run by psql as that admin, gives every
 * service an owning role that cannot log in, its database, and two login roles acting as the owner, that no
 * other service can reach. Idempotent, and it rotates passwords. No mocks.
 *
 * The tests run in order against one server and follow the Job's life: init script, a failed run, the
 * successful run, re-runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { Client, type DatabaseError } from "pg";
import { SERVICE_NAMES } from "../../config/catalog";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import {
  ADMIN_ROLE,
  databaseName,
  loginName,
  passwordEnvVar,
  roleName,
} from "../../components/managed-postgres/naming";
import { CREDENTIAL_SLOTS, type CredentialSlot } from "../../lib/rotation";
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
/** Every login's password, by its env var (`FERRUM_AUTH_A_PASSWORD`). */
const passwords = new Map<string, string>(
  SERVICE_NAMES.flatMap((s) => CREDENTIAL_SLOTS.map((slot) => [passwordEnvVar(s, slot), awkwardPassword()])),
);
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
/** A service's login `slot` (its current password unless given), to its own database unless given. */
const asService = (
  service: string,
  database = databaseName(service),
  slot: CredentialSlot = "a",
  password = passwords.get(passwordEnvVar(service, slot))!,
): RoleConnection => ({
  ...server.superuserConnection(database),
  user: loginName(service, slot),
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

/** `psql -X -f <sql>` as the admin, with the given password env vars (and no others). */
function runBootstrap(
  passwordEnv: Record<string, string>,
  sqlPath = bootstrapSqlPath,
): Promise<CommandResult> {
  const env = { ...server.libpqEnv(asAdmin()), ...passwordEnv };
  return runCommand("psql", ["-X", "-f", sqlPath], { env, timeoutMs: 15_000 });
}

const allPasswordEnv = (): Record<string, string> => Object.fromEntries(passwords);

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
    // Login b's: login a's password is there, yet nothing of the service is created.
    const result = await runBootstrap(withoutKey(allPasswordEnv(), passwordEnvVar(missing, "b")));
    expectBootstrapFailed(result);
    expect(result.stderr).toContain("FERRUM_CONTENT_B_PASSWORD must be set and non-empty");

    const stopAt = SORTED_SERVICES.indexOf(missing);
    for (const [i, service] of SORTED_SERVICES.entries()) {
      const objects = await serviceObjects(service);
      const created = { role: objects.role !== null, database: objects.database !== null };
      // ON_ERROR_STOP: the services before the missing one were done, nothing from it onwards.
      expect({ service, ...created }).toEqual({ service, role: i < stopAt, database: i < stopAt });
    }
  });

  test("an empty password env var fails the script the same way", async () => {
    const result = await runBootstrap({ ...allPasswordEnv(), [passwordEnvVar("content", "a")]: "" });
    expectBootstrapFailed(result);
    expect(result.stderr).toContain("FERRUM_CONTENT_A_PASSWORD must be set and non-empty");
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

  test("the owning role cannot log in; its two logins can, are members of it only, and start every session as it", async () => {
    const roles = await query(
      asSuperuser(),
      `SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolconfig,
              ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid ORDER BY 1)::text[] AS "memberOf"
         FROM pg_roles r WHERE r.rolname LIKE 'ferrum\\_%' AND r.rolname <> $1 ORDER BY r.rolname`,
      [ADMIN_ROLE],
    );
    const attributes = { rolsuper: false, rolcreatedb: false, rolcreaterole: false };
    expect(roles).toEqual(
      SORTED_SERVICES.flatMap((service) => [
        { rolname: roleName(service), rolcanlogin: false, rolconfig: null, memberOf: [], ...attributes },
        ...CREDENTIAL_SLOTS.map((slot) => ({
          rolname: loginName(service, slot),
          rolcanlogin: true,
          rolconfig: [`role=${roleName(service)}`],
          memberOf: [roleName(service)],
          ...attributes,
        })),
      ]),
    );
    const refused = await connectionError({ ...asService("auth"), user: roleName("auth") });
    expect(refused?.message).toBe(`password authentication failed for user "${roleName("auth")}"`);
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
    "the %s logins connect to its own database; a table login a creates belongs to the owning role, and login b alters it",
    async (service) => {
      const table = `probe_${service}`;
      await query(asService(service, undefined, "a"), `CREATE TABLE ${table} (id int PRIMARY KEY)`);
      await query(asService(service, undefined, "b"), `ALTER TABLE ${table} ADD COLUMN name text`);
      const rows = await query(
        asService(service, undefined, "b"),
        `SELECT current_database() AS db, session_user AS login, current_user AS acting, schemaname, tableowner,
                (SELECT count(*)::int FROM information_schema.columns WHERE table_name = $1) AS columns
           FROM pg_tables WHERE tablename = $1`,
        [table],
      );
      expect(rows).toEqual([
        {
          db: databaseName(service),
          login: loginName(service, "b"),
          acting: roleName(service),
          schemaname: "public",
          tableowner: roleName(service),
          columns: 2,
        },
      ]);
    },
  );

  const crossPairs = SERVICE_NAMES.flatMap((a) =>
    SERVICE_NAMES.filter((b) => b !== a).map((b) => [a, b] as const),
  );

  test("there are 12 cross-service pairs", () => {
    expect(crossPairs).toHaveLength(12);
  });

  test.each(crossPairs)(
    "the %s logins are refused a connection to the %s database",
    async (service, other) => {
      for (const slot of CREDENTIAL_SLOTS) {
        const err = await connectionError(asService(service, databaseName(other), slot));
        expect(err).toBeDefined();
        expect(err!.message).toBe(`permission denied for database "${databaseName(other)}"`);
        expect(err!.detail).toMatch(/CONNECT privilege/);
      }
    },
  );

  test("re-running with login b's password changed rotates it: the new one works, the old one is refused, login a is untouched", async () => {
    const service = "auth";
    const key = passwordEnvVar(service, "b");
    const oldPassword = passwords.get(key)!;
    passwords.set(key, awkwardPassword());
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv()));

    expect(await connectionError(asService(service, undefined, "b"))).toBeUndefined();
    const refused = await connectionError(asService(service, undefined, "b", oldPassword));
    expect(refused?.message).toBe(`password authentication failed for user "${loginName(service, "b")}"`);
    // Login a and the other services keep theirs.
    expect(await connectionError(asService(service, undefined, "a"))).toBeUndefined();
    expect(await connectionError(asService("user"))).toBeUndefined();
  });

  test("an owning role that still logs in (a stack from before the login roles) keeps its login until a rotation retires it", async () => {
    // The layout an earlier version of the script left: the owning role itself logged in, with a password.
    const legacyPassword = awkwardPassword();
    await query(
      asAdmin(),
      `ALTER ROLE ${roleName("catalog")} WITH LOGIN PASSWORD '${legacyPassword.replace(/'/g, "''")}'`,
    );
    const legacy = { ...asService("catalog"), user: roleName("catalog"), password: legacyPassword };
    expect(await connectionError(legacy)).toBeUndefined();

    // Rotation 0 ("keep"): pods still on the old login keep connecting while they roll onto login a.
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv()));
    expect(await connectionError(legacy)).toBeUndefined();

    // From rotation 1 on ("retire"): the old login is gone, login a and b are not.
    const retiring = path.join(workDir, "bootstrap-retire.sql");
    writeFileSync(retiring, renderBootstrapSql(SERVICE_NAMES, { ownerLogin: "retire" }));
    expectBootstrapSucceeded(await runBootstrap(allPasswordEnv(), retiring));
    expect((await connectionError(legacy))?.message).toBe(
      `password authentication failed for user "${roleName("catalog")}"`,
    );
    const [owner] = await query(
      asSuperuser(),
      'SELECT rolcanlogin, rolpassword IS NULL AS "noPassword" FROM pg_authid WHERE rolname = $1',
      [roleName("catalog")],
    );
    expect(owner).toEqual({ rolcanlogin: false, noPassword: true });
    for (const slot of CREDENTIAL_SLOTS)
      expect(await connectionError(asService("catalog", undefined, slot))).toBeUndefined();
  });
});
