/**
 * The restore drill of the in-cluster PostgreSQL, on real servers. Each script runs as rendered
 * (components/managed-postgres/backup-scripts.ts) under the shell of the image it ships in (dash for the
 * PostgreSQL image, bash-as-sh for the mc image), with a PATH holding only what that image offers it.
 *
 * What each proof covers, and what it does not:
 * - Dump, drop, restore on PostgreSQL 15 (Debian's server and client tools: Debian's pg_dump 15 refuses a 16
 *   server, and the npm PostgreSQL 16 ships no client tools): rows, sequences, owners, grants, default
 *   privileges and the database's own owner and ACL come back identical, restored by the non-superuser admin.
 *   Not covered: pg_dump and pg_restore 16 themselves (the Job runs the 16 tools of its image).
 * - The same dump restored into PostgreSQL 16 by its non-superuser admin (PostgreSQL 16's stricter CREATEROLE
 *   rules): the scratch database, SET ROLE, the grants replayed by the owner, the swap (close, end sessions,
 *   rename) all pass as that admin, and the result equals the database made natively on 16. The client there is
 *   pg_restore 15, which restores into a newer server.
 * - Upload and download against s3rver in the @20minutes fork (4.0.4), which holds the backup user's generated
 *   keys and checks every request's SigV4 signature against them, through curl's SigV4 behind a stand-in for
 *   `mc` (tests/helpers/mc-stand-in.js): object names, order (LATEST last), bytes, and the refusals. An unknown
 *   access key id and a wrong secret key with the right key id are both refused: each script gives up after its
 *   60 listings with its own message and exit code 1, nothing lands in the bucket or the work dir, and the
 *   object requests the scripts never reach (the PUT, signed over its payload, and the GET) are refused as well.
 *   s3rver 3.7.1, used here before, checked only that the key id exists, so a wrong secret key went unnoticed.
 *   Not covered: the real `mc` (that it takes the same command lines rests on its source at the pinned tag, not
 *   on a run; its requests are signed by minio-go, the stand-in's by curl), MinIO's own checks (bucket policies,
 *   which s3rver does not enforce, are tested in tests/components/object-store-policy.test.ts), and a cluster.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SERVICE_NAMES } from "../../config/catalog";
import {
  renderDownloadScript,
  renderDumpScript,
  renderRestoreScript,
  renderUploadScript,
  STAMP_REGEX,
} from "../../components/managed-postgres/backup-scripts";
import { renderAdminInitScript, renderBootstrapSql } from "../../components/managed-postgres/bootstrap-sql";
import {
  ADMIN_ROLE,
  databaseName,
  loginName,
  passwordEnvVar,
  roleName,
} from "../../components/managed-postgres/naming";
import { CREDENTIAL_SLOTS } from "../../lib/rotation";
import {
  databaseState,
  imageBins,
  rows,
  runInImage,
  type Image,
  type ScriptRun,
} from "../helpers/backup-drill";
import {
  envWithoutLibpq,
  runCommand,
  startPostgres,
  type PostgresServer,
  type RoleConnection,
} from "../helpers/postgres-server";
import { freePort, LOOPBACK } from "../helpers/redis-servers";

/* eslint-disable @typescript-eslint/no-require-imports */
const S3rver = require("@20minutes/s3rver") as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};
// The server checks each request's SigV4 signature against the secret key its account registry holds for the
// request's access key id: the backup user's generated keys are registered there, as MinIO would hold them.
const AWSAccount = require("@20minutes/s3rver/lib/models/account") as new (
  id: number,
  name: string,
) => { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
/* eslint-enable @typescript-eslint/no-require-imports */

const PG15_BIN = "/usr/lib/postgresql/15/bin";

/** What the drill needs from Debian (.ci/run installs it): a missing one fails in CI and skips elsewhere. */
const NEEDED = [
  `${PG15_BIN}/pg_dump`,
  `${PG15_BIN}/initdb`,
  "/usr/bin/dash",
  "/usr/bin/bash",
  "/usr/bin/curl",
];
const missing = NEEDED.filter((f) => !existsSync(f));
const inCI = process.env.CI === "true";
const suite = missing.length === 0 || inCI ? describe : describe.skip;
if (missing.length && !inCI) {
  console.warn(
    `skipping the restore drill: ${missing.join(", ")} missing; install them with apt-get install -y postgresql postgresql-client curl dash`,
  );
}
const SERVICE = "catalog";
const DB = databaseName(SERVICE);
const ROLE = roleName(SERVICE);
const BUCKET = "ferrum-dev-backups";
const EMPTY_BUCKET = "ferrum-other-backups";
const ROWS = 200_000;

const ADMIN_PASSWORD = randomBytes(18).toString("base64url");
/** Every login's password, by its env var (`FERRUM_CATALOG_A_PASSWORD`). */
const PASSWORDS = Object.fromEntries(
  SERVICE_NAMES.flatMap((s) =>
    CREDENTIAL_SLOTS.map((slot) => [passwordEnvVar(s, slot), randomBytes(18).toString("base64url")]),
  ),
);
const ACCESS_KEY = randomBytes(10).toString("hex").toUpperCase();
const SECRET_KEY = randomBytes(20).toString("base64url");
/** Another secret key, sent with the backup user's own access key id. */
const WRONG_SECRET_KEY = `not-${SECRET_KEY}`;
/** What the store answers a request whose SigV4 signature is not the one of the key id's secret key. */
const SIGNATURE_REFUSED =
  "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. " +
  "Check your key and signing method.";

let pg15: PostgresServer;
let pg16: PostgresServer;
let s3: InstanceType<typeof S3rver> | undefined;
let account: InstanceType<typeof AWSAccount> | undefined;
let s3Url: string;
let root: string;
let bins: Record<Image, string>;
let s3Dir: string;
const timings: [string, number][] = [];

const admin = (server: PostgresServer): RoleConnection => ({
  ...server.superuserConnection(),
  user: ADMIN_ROLE,
  password: ADMIN_PASSWORD,
});
/** The service as its pods connect: login a, acting as the owning role (the login's default role). */
const service = (server: PostgresServer, db = DB): RoleConnection => ({
  ...server.superuserConnection(db),
  user: loginName(SERVICE, "a"),
  password: PASSWORDS[passwordEnvVar(SERVICE, "a")]!,
});

/** The image's init script and the bootstrap SQL, as on k3s: the admin, then each service's role and database. */
async function bootstrap(server: PostgresServer, dir: string): Promise<void> {
  const init = path.join(dir, "init.sh");
  const sql = path.join(dir, "bootstrap.sql");
  writeFileSync(init, renderAdminInitScript(ADMIN_ROLE));
  writeFileSync(sql, renderBootstrapSql(SERVICE_NAMES));
  const initRun = await runCommand("sh", [init], {
    env: {
      ...envWithoutLibpq(),
      POSTGRES_USER: server.superuser,
      FERRUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PGHOST: server.host,
      PGPORT: String(server.port),
      PGPASSWORD: server.superuserPassword,
    },
    timeoutMs: 15_000,
  });
  expect({ code: initRun.code, stderr: initRun.stderr }).toEqual({ code: 0, stderr: "" });
  const run = await runCommand("psql", ["-X", "-f", sql], {
    env: { ...server.libpqEnv(admin(server)), ...PASSWORDS },
    timeoutMs: 15_000,
  });
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
}

/** What a service's migrations would leave: tables, a sequence, a view, a schema, a function, grants. */
async function populate(server: PostgresServer): Promise<void> {
  await rows(
    service(server),
    `CREATE TABLE product (id bigserial PRIMARY KEY, name text NOT NULL, price numeric(10, 2), added date NOT NULL);
     INSERT INTO product (name, price, added)
       SELECT 'product ' || g, (g % 1000) * 1.25, date '2026-01-01' + (g % 365) FROM generate_series(1, ${ROWS}) g;
     CREATE INDEX product_name ON product (name);
     CREATE VIEW cheap_product AS SELECT id, name FROM product WHERE price < 10;
     COMMENT ON TABLE product IS 'the catalog''s products';
     CREATE SCHEMA reporting;
     CREATE TABLE reporting.daily (day date PRIMARY KEY, total numeric NOT NULL);
     INSERT INTO reporting.daily SELECT added, sum(price) FROM product GROUP BY added;
     CREATE FUNCTION reporting.grand_total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(price) FROM public.product';
     REVOKE ALL ON FUNCTION reporting.grand_total() FROM PUBLIC;
     GRANT SELECT ON product TO ${roleName("auth")};
     GRANT USAGE ON SCHEMA reporting TO ${roleName("user")};
     ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO ${roleName("user")};`,
  );
}

const postgresEnv = (server: PostgresServer, work: string, extra: Record<string, string> = {}) => ({
  PGHOST: server.host,
  PGPORT: String(server.port),
  PGUSER: ADMIN_ROLE,
  PGPASSWORD: ADMIN_PASSWORD,
  PGDATABASE: "postgres",
  PGSSLMODE: "prefer",
  PGCONNECT_TIMEOUT: "10",
  FERRUM_WORK_DIR: work,
  HOME: root,
  ...extra,
});
const storeEnv = (work: string, extra: Record<string, string> = {}) => ({
  FERRUM_BACKUP_URL: s3Url,
  FERRUM_BACKUP_BUCKET: BUCKET,
  FERRUM_BACKUP_ACCESS_KEY_ID: ACCESS_KEY,
  FERRUM_BACKUP_SECRET_ACCESS_KEY: SECRET_KEY,
  MC_CONFIG_DIR: path.join(work, ".mc"),
  MC_STAND_IN_LOG: path.join(work, "mc.log"),
  FERRUM_WORK_DIR: work,
  HOME: root,
  ...extra,
});
const restoreEnv = (backup = "latest") => ({
  FERRUM_RESTORE_SERVICE: SERVICE,
  FERRUM_RESTORE_BACKUP: backup,
});

const newWorkDir = (name: string): string => {
  const dir = path.join(root, name);
  mkdirSync(dir);
  return dir;
};
const timed = (step: string, run: ScriptRun): ScriptRun => {
  timings.push([step, run.ms]);
  return run;
};
/** restore.sh of the latest backup in `work`, as the restore Job runs it, into `server`. */
const restoreInto = (server: PostgresServer, work: string): Promise<ScriptRun> =>
  runInImage("postgres", bins, renderRestoreScript(SERVICE_NAMES), postgresEnv(server, work, restoreEnv()));
const expectSuccess = (run: ScriptRun): void =>
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
const mcCalls = (work: string): string[] =>
  readFileSync(path.join(work, "mc.log"), "utf8").split("\n").filter(Boolean);
/** The object's bytes as the s3rver file store keeps them. */
const storedObject = (bucket: string, key: string): string =>
  readFileSync(path.join(s3Dir, bucket, `${key}._S3rver_object`), "utf8");
/** Keys in the s3rver bucket (its file store keeps one `<key>._S3rver_object` per object). */
const storedKeys = (bucket: string): string[] => {
  const base = path.join(s3Dir, bucket);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  return walk(base)
    .filter((f) => f.endsWith("._S3rver_object"))
    .map((f) => path.relative(base, f).replace(/\._S3rver_object$/, ""))
    .sort();
};

beforeAll(async () => {
  if (missing.length && !inCI) return;
  expect(missing).toEqual([]);
  root = mkdtempSync(path.join(tmpdir(), "ferrum-drill-"));
  bins = imageBins(root, PG15_BIN);
  const previous = process.env.FERRUM_PG_BIN;
  process.env.FERRUM_PG_BIN = PG15_BIN;
  try {
    pg15 = await startPostgres();
  } finally {
    if (previous === undefined) delete process.env.FERRUM_PG_BIN;
    else process.env.FERRUM_PG_BIN = previous;
  }
  pg16 = await startPostgres();
  s3Dir = path.join(root, "s3");
  account = new AWSAccount(123456789012, "ferrum-backups");
  account.createKeyPair(ACCESS_KEY, SECRET_KEY);
  const port = await freePort();
  s3 = new S3rver({
    address: LOOPBACK,
    port,
    silent: true,
    directory: s3Dir,
    // Path-style, as MinIO without MINIO_DOMAIN (and `mc alias set --path on`).
    vhostBuckets: false,
    configureBuckets: [{ name: BUCKET }, { name: EMPTY_BUCKET }],
  });
  await s3.run();
  s3Url = `http://${LOOPBACK}:${port}`;
  for (const server of [pg15, pg16]) await bootstrap(server, root);
  await populate(pg15);
  await populate(pg16);
}, 120_000);

afterAll(async () => {
  await s3?.close();
  account?.revokeAccessKey(ACCESS_KEY);
  await pg15?.stop();
  await pg16?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  if (timings.length) {
    console.log(
      `restore drill, ${ROWS} rows in ${DB}:\n${timings.map(([s, ms]) => `  ${s}: ${ms}${s.startsWith("(") ? "" : " ms"}`).join("\n")}`,
    );
  }
});

suite("the restore drill: dump, upload, drop, download, restore", () => {
  const dumpDir = (): string => path.join(root, "dump");
  let stamp: string;
  let before: Awaited<ReturnType<typeof databaseState>>;

  test("the servers are PostgreSQL 15 (Debian, with pg_dump 15) and 16 (the version in the cluster)", async () => {
    const version = async (s: PostgresServer) =>
      Math.floor(
        (
          await rows<{ v: number }>(
            s.superuserConnection(),
            "SELECT current_setting('server_version_num')::int AS v",
          )
        )[0]!.v / 10_000,
      );
    expect([await version(pg15), await version(pg16)]).toEqual([15, 16]);
  });

  test("dump.sh, under dash as the non-superuser admin, dumps every service database, sums them and writes STAMP last", async () => {
    before = await databaseState((db) => pg15.superuserConnection(db), DB);
    const work = newWorkDir("dump");
    const run = timed(
      "dump (dump.sh, 4 databases)",
      await runInImage("postgres", bins, renderDumpScript(SERVICE_NAMES), postgresEnv(pg15, work)),
    );
    expectSuccess(run);
    stamp = readFileSync(path.join(work, "STAMP"), "utf8").trim();
    expect(stamp).toMatch(STAMP_REGEX);
    const files = readdirSync(path.join(work, stamp)).sort();
    expect(files).toEqual([...SERVICE_NAMES.map((s) => `${databaseName(s)}.dump`), "SHA256SUMS"].sort());
    expect(run.stdout).toContain(`backup ${stamp}: 4 database(s) dumped`);
    expect(dumpDir()).toBe(work);
  });

  test("upload.sh, under bash as sh with mc, puts the dumps and sums under postgres/<stamp>/ and then LATEST", async () => {
    const run = timed(
      "upload (upload.sh)",
      await runInImage("mc", bins, renderUploadScript(), storeEnv(dumpDir())),
    );
    expectSuccess(run);
    expect(storedKeys(BUCKET)).toEqual(
      [
        "postgres/LATEST",
        `postgres/${stamp}/SHA256SUMS`,
        ...SERVICE_NAMES.map((s) => `postgres/${stamp}/${databaseName(s)}.dump`),
      ].sort(),
    );
    const copies = mcCalls(dumpDir()).filter((c) => c.startsWith("cp "));
    expect(copies.at(-1)).toBe(`cp --quiet ${dumpDir()}/STAMP backup/${BUCKET}/postgres/LATEST`);
    expect(copies).toHaveLength(SERVICE_NAMES.length + 2);
  });

  test("the admin drops the service database (the disaster)", async () => {
    const started = performance.now();
    await rows(admin(pg15), `DROP DATABASE ${DB} WITH (FORCE)`);
    timings.push(["drop database", Math.round(performance.now() - started)]);
    expect(
      await rows(pg15.superuserConnection(), "SELECT 1 FROM pg_database WHERE datname = $1", [DB]),
    ).toEqual([]);
  });

  test("download.sh fetches the latest backup's dump, byte for byte what was uploaded", async () => {
    const work = newWorkDir("download");
    const run = timed(
      "download (download.sh, latest)",
      await runInImage("mc", bins, renderDownloadScript(SERVICE_NAMES), storeEnv(work, restoreEnv())),
    );
    expectSuccess(run);
    expect(run.stdout).toContain(`downloaded ${DB}.dump of backup ${stamp}`);
    const downloaded = readFileSync(path.join(work, `${DB}.dump`));
    const uploaded = readFileSync(path.join(dumpDir(), stamp, `${DB}.dump`));
    expect({ size: downloaded.length, equal: downloaded.equals(uploaded) }).toEqual({
      size: uploaded.length,
      equal: true,
    });
    timings.push([`(size of ${DB}.dump, bytes)`, uploaded.length]);
    expect(readFileSync(path.join(work, "BACKUP"), "utf8")).toBe(`${stamp}\n`);
  });

  test("restore.sh, under dash as the non-superuser admin, brings back rows, owners and grants identical", async () => {
    const work = path.join(root, "download");
    const run = timed("restore (restore.sh, no database to replace)", await restoreInto(pg15, work));
    expectSuccess(run);
    expect(run.stdout).toContain(`restored ${DB} from backup ${stamp} (there was no ${DB} to replace)`);
    const after = await databaseState((db) => pg15.superuserConnection(db), DB);
    expect(after).toEqual(before);
    expect((after.contents["public.product"] as { count: string }).count).toBe(String(ROWS));
    expect(after.relations.map((r: any) => r.owner)).toEqual(after.relations.map(() => ROLE));
    // The service connects with its own password, and another service still cannot.
    expect(await rows(service(pg15), "SELECT count(*)::int AS n FROM cheap_product")).toEqual([
      { n: 8 * 200 },
    ]);
  });

  test("restoring over a live, damaged database swaps it out: the backup's rows come back, the damaged copy is kept closed", async () => {
    await rows(service(pg15), "DELETE FROM product WHERE id > 1000");
    const work = path.join(root, "download");
    const run = timed("restore (restore.sh, replacing a live database)", await restoreInto(pg15, work));
    expectSuccess(run);
    const replaced = /kept, closed to connections, as (\S+):/.exec(run.stdout)?.[1];
    expect(replaced).toMatch(new RegExp(`^${DB}_before_\\d{8}T\\d{6}Z$`));
    expect(await databaseState((db) => pg15.superuserConnection(db), DB)).toEqual(before);
    const [kept] = await rows<{ allow: boolean; owner: string }>(
      pg15.superuserConnection(),
      "SELECT datallowconn AS allow, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
      [replaced],
    );
    expect(kept).toEqual({ allow: false, owner: ROLE });
  });
});

suite("the same dump restored into PostgreSQL 16 by its non-superuser admin", () => {
  test("the swap and the grants work under PostgreSQL 16's CREATEROLE rules; the result equals the database made on 16", async () => {
    const native = await databaseState((db) => pg16.superuserConnection(db), DB);
    const work = path.join(root, "download");
    const run = timed("restore into PostgreSQL 16 (restore.sh, replacing)", await restoreInto(pg16, work));
    expectSuccess(run);
    const [me] = await rows<{ rolsuper: boolean }>(
      pg16.superuserConnection(),
      "SELECT rolsuper FROM pg_roles WHERE rolname = $1",
      [ADMIN_ROLE],
    );
    expect(me).toEqual({ rolsuper: false });
    expect(await databaseState((db) => pg16.superuserConnection(db), DB)).toEqual(native);
  });
});

suite("refusals", () => {
  test("upload.sh refuses a work dir without STAMP (a dump that did not finish)", async () => {
    const work = newWorkDir("no-stamp");
    const run = await runInImage("mc", bins, renderUploadScript(), storeEnv(work));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no finished dump in ${work} (STAMP is missing): nothing to upload`);
    expect(readdirSync(work)).toEqual([]);
  });

  test("dump.sh with a wrong password fails and leaves no STAMP", async () => {
    const work = newWorkDir("bad-password");
    const run = await runInImage(
      "postgres",
      bins,
      renderDumpScript(SERVICE_NAMES),
      postgresEnv(pg15, work, { PGPASSWORD: "not-the-password" }),
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`password authentication failed for user "${ADMIN_ROLE}"`);
    expect(readdirSync(work).filter((f) => f === "STAMP")).toEqual([]);
  });

  test("an unknown access key is refused by the store: upload.sh gives up after its 60 tries, having copied nothing", async () => {
    const work = path.join(root, "dump");
    rmSync(path.join(work, "mc.log"));
    const run = await runInImage(
      "mc",
      bins,
      renderUploadScript(),
      storeEnv(work, { FERRUM_BACKUP_ACCESS_KEY_ID: "NOSUCHKEY0000000000" }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("InvalidAccessKeyId");
    expect(run.stderr).toContain(`bucket ${BUCKET} at ${s3Url} is not reachable after 5 minutes`);
    const calls = mcCalls(work);
    expect(calls.filter((c) => c.startsWith("ls "))).toHaveLength(60);
    expect(calls.filter((c) => c.startsWith("cp "))).toEqual([]);
  });

  test("download.sh of a backup that does not exist fails and lists the backups there are", async () => {
    const work = newWorkDir("missing-backup");
    const run = await runInImage(
      "mc",
      bins,
      renderDownloadScript(SERVICE_NAMES),
      storeEnv(work, restoreEnv("20200101T000000Z")),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `backup 20200101T000000Z has no ${DB}.dump; the backups in ${BUCKET}/postgres/ are:`,
    );
    expect(run.stderr).toContain(`LATEST`);
    expect(readdirSync(work).filter((f) => !f.startsWith(".mc") && f !== "mc.log")).toEqual([]);
  });

  test("download.sh from a bucket no backup has finished in says so", async () => {
    const work = newWorkDir("empty-bucket");
    const run = await runInImage(
      "mc",
      bins,
      renderDownloadScript(SERVICE_NAMES),
      storeEnv(work, { ...restoreEnv(), FERRUM_BACKUP_BUCKET: EMPTY_BUCKET }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the bucket ${EMPTY_BUCKET} has no postgres/LATEST: no backup has finished yet`,
    );
  });

  test.each([
    [
      "",
      "FERRUM_RESTORE_SERVICE is not set: start a restore with scripts/postgres-restore.sh <service> [<backup>]",
    ],
    ["billing", 'FERRUM_RESTORE_SERVICE must be one of auth, catalog, content, user (got "billing")'],
  ])("both restore steps refuse the service %j before touching anything", async (name, message) => {
    const work = newWorkDir(`service-${name || "unset"}`);
    for (const [image, script, env] of [
      ["mc", renderDownloadScript(SERVICE_NAMES), storeEnv(work)],
      ["postgres", renderRestoreScript(SERVICE_NAMES), postgresEnv(pg15, work)],
    ] as const) {
      const run = await runInImage(image, bins, script, { ...env, FERRUM_RESTORE_SERVICE: name });
      expect({ image, code: run.code, stderr: run.stderr.trim() }).toEqual({
        image,
        code: 2,
        stderr: message,
      });
    }
  });

  test("restore.sh refuses a dump that does not match its sum, and the live database stays as it was", async () => {
    const work = newWorkDir("corrupt");
    const source = path.join(root, "download");
    for (const f of ["SHA256SUMS", "BACKUP"])
      writeFileSync(path.join(work, f), readFileSync(path.join(source, f)));
    const dump = readFileSync(path.join(source, `${DB}.dump`));
    dump[dump.length - 10] ^= 0xff;
    writeFileSync(path.join(work, `${DB}.dump`), dump);
    const live = await databaseState((db) => pg15.superuserConnection(db), DB);
    const run = await restoreInto(pg15, work);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${DB}.dump of backup`);
    expect(run.stderr).toContain("does not match its SHA-256 sum: refusing to restore it");
    expect(await databaseState((db) => pg15.superuserConnection(db), DB)).toEqual(live);
  });
});

suite("a wrong secret key with the backup user's access key id", () => {
  const wrongSecret = (work: string, extra: Record<string, string> = {}) =>
    storeEnv(work, { ...extra, FERRUM_BACKUP_SECRET_ACCESS_KEY: WRONG_SECRET_KEY });
  /** What a script's 60 listings and then the script itself print when every listing is refused. */
  const refusedSixtyTimes = (): string =>
    `mc: <ERROR> Unable to list backup/${BUCKET}/. ${SIGNATURE_REFUSED}\n`.repeat(60) +
    `bucket ${BUCKET} at ${s3Url} is not reachable after 5 minutes\n`;
  const uploaded = (): string => readFileSync(path.join(root, "dump", "STAMP"), "utf8");

  test("upload.sh is refused at its first request: it gives up after its 60 tries and the bucket is unchanged", async () => {
    // A finished dump of its own, so an upload that got through would add objects and move LATEST.
    const work = newWorkDir("wrong-secret-upload");
    const other = "20200102T030405Z";
    mkdirSync(path.join(work, other));
    writeFileSync(path.join(work, other, `${DB}.dump`), "a dump");
    writeFileSync(path.join(work, other, "SHA256SUMS"), "");
    writeFileSync(path.join(work, "STAMP"), `${other}\n`);
    const keys = storedKeys(BUCKET);
    const run = await runInImage("mc", bins, renderUploadScript(), wrongSecret(work));
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: refusedSixtyTimes(),
    });
    const calls = mcCalls(work);
    expect(calls.filter((c) => c.startsWith("ls "))).toHaveLength(60);
    expect(calls.filter((c) => !c.startsWith("ls ") && !c.startsWith("alias set "))).toEqual([]);
    expect(storedKeys(BUCKET)).toEqual(keys);
    expect(storedObject(BUCKET, "postgres/LATEST")).toBe(uploaded());
  });

  test("download.sh is refused at its first request: it gives up after its 60 tries and downloads nothing", async () => {
    const work = newWorkDir("wrong-secret-download");
    const run = await runInImage(
      "mc",
      bins,
      renderDownloadScript(SERVICE_NAMES),
      wrongSecret(work, restoreEnv()),
    );
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: refusedSixtyTimes(),
    });
    const calls = mcCalls(work);
    expect(calls.filter((c) => c.startsWith("ls "))).toHaveLength(60);
    expect(calls.filter((c) => !c.startsWith("ls ") && !c.startsWith("alias set "))).toEqual([]);
    expect(readdirSync(work).filter((f) => !f.startsWith(".mc") && f !== "mc.log")).toEqual([]);
  });

  test("the PUT and the GET the scripts never reach are refused too, and pass with the right secret key", async () => {
    // The scripts stop at the listing; the object requests (a PUT signed over its payload, a GET) are checked
    // here with the same client, the right key first so a refusal can only come from the secret key.
    const work = newWorkDir("wrong-secret-objects");
    const mc = (env: Record<string, string>, ...args: string[]) =>
      runCommand(path.join(bins.mc, "mc"), args, { env, timeoutMs: 15_000 });
    const file = path.join(work, "probe");
    writeFileSync(file, "probe");
    const results: Record<string, unknown> = {};
    for (const [name, env] of [
      ["right", storeEnv(work)],
      ["wrong", wrongSecret(work)],
    ] as const) {
      const alias = await mc(
        env,
        "alias",
        "set",
        "backup",
        s3Url,
        ACCESS_KEY,
        env.FERRUM_BACKUP_SECRET_ACCESS_KEY,
        "--api",
        "s3v4",
        "--path",
        "on",
      );
      expect(alias.code).toBe(0);
      const put = await mc(env, "cp", "--quiet", file, `backup/${BUCKET}/probe/${name}`);
      const target = path.join(work, `LATEST-${name}`);
      const get = await mc(env, "cp", "--quiet", `backup/${BUCKET}/postgres/LATEST`, target);
      results[name] = {
        put: { code: put.code, stderr: put.stderr },
        get: { code: get.code, stderr: get.stderr },
        downloaded: existsSync(target) ? readFileSync(target, "utf8") : undefined,
      };
    }
    expect(results).toEqual({
      right: {
        put: { code: 0, stderr: "" },
        get: { code: 0, stderr: "" },
        downloaded: uploaded(),
      },
      wrong: {
        put: { code: 1, stderr: `mc: <ERROR> Failed to copy ${file}. ${SIGNATURE_REFUSED}\n` },
        get: {
          code: 1,
          stderr: `mc: <ERROR> Unable to read from backup/${BUCKET}/postgres/LATEST. ${SIGNATURE_REFUSED}\n`,
        },
        downloaded: undefined,
      },
    });
    expect(storedKeys(BUCKET).filter((k) => k.startsWith("probe/"))).toEqual(["probe/right"]);
  });
});
