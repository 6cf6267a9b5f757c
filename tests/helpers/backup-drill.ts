/**
 * What the backup proofs need around the real servers: each script run by the shell of the image it ships in,
 * with a PATH holding only the commands that image has for it (`mc` being tests/helpers/mc-stand-in.js); and a
 * snapshot of a database's rows, owners and grants to compare before and after a restore.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import type { RoleConnection } from "./postgres-server";

/** The images the scripts run in, and the shell each image's /bin/sh is. */
export const IMAGE_SHELLS = {
  /** postgres:16-bookworm: Debian, /bin/sh is dash. */
  postgres: "/usr/bin/dash",
  /** quay.io/minio/mc: Red Hat's ubi9-micro, /bin/sh is bash (run as `sh`, so in POSIX mode). */
  mc: "/usr/bin/bash",
} as const;
export type Image = keyof typeof IMAGE_SHELLS;

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * A bin dir per image with only what the scripts may call there. The PostgreSQL image: the PostgreSQL client
 * programs (from `pgBin`) and coreutils. The mc image: mc (the stand-in) and coreutils. `sleep` is a no-op in
 * both, so the scripts' bounded waits are counted, not waited out.
 */
export function imageBins(root: string, pgBin: string): Record<Image, string> {
  const dirs = { postgres: path.join(root, "bin-postgres"), mc: path.join(root, "bin-mc") };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir);
    writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(dir, "sleep"), 0o755);
  }
  for (const tool of ["psql", "pg_dump", "pg_restore", "pg_isready"]) {
    symlinkSync(path.join(pgBin, tool), path.join(dirs.postgres, tool));
  }
  for (const tool of ["date", "mkdir", "sha256sum", "cat"]) {
    symlinkSync(path.join("/usr/bin", tool), path.join(dirs.postgres, tool));
  }
  const standIn = path.resolve(__dirname, "mc-stand-in.js");
  writeFileSync(path.join(dirs.mc, "mc"), `#!/bin/sh\nexec '${process.execPath}' '${standIn}' "$@"\n`);
  chmodSync(path.join(dirs.mc, "mc"), 0o755);
  return dirs;
}

/** Runs `script` with `image`'s shell invoked as `sh`, with exactly `env` (plus PATH = that image's bin dir). */
export function runInImage(
  image: Image,
  bins: Record<Image, string>,
  script: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ScriptRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-script-"));
  const file = path.join(dir, "script.sh");
  writeFileSync(file, script, { mode: 0o555 });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(IMAGE_SHELLS[image], [file], {
      argv0: "sh",
      env: { PATH: bins[image], ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/** Rows of a query as one connection sees them. */
export async function rows<T extends object>(
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

/**
 * A database as a restore must reproduce it: every relation, schema, function and default privilege with its
 * owner and ACL, the database's own owner and ACL, and each table's rows (count and digest, in key order) and
 * each sequence's position. Read by the superuser, so nothing is hidden.
 */
export async function databaseState(superuser: (db?: string) => RoleConnection, db: string) {
  const conn = superuser(db);
  const [database] = await rows(
    superuser(),
    `SELECT pg_get_userbyid(datdba) AS owner, datacl::text AS acl, datallowconn AS "allowConnections"
       FROM pg_database WHERE datname = $1`,
    [db],
  );
  const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`;
  const relations = await rows(
    conn,
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
            c.relacl::text AS acl, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${userSchemas} ORDER BY 1, 2`,
  );
  const schemas = await rows(
    conn,
    `SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, n.nspacl::text AS acl
       FROM pg_namespace n WHERE ${userSchemas} ORDER BY 1`,
  );
  const functions = await rows(
    conn,
    `SELECT n.nspname AS schema, p.proname AS name, pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${userSchemas} ORDER BY 1, 2`,
  );
  const defaultAcls = await rows(
    conn,
    `SELECT pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclobjtype AS type,
            d.defaclacl::text AS acl
       FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ORDER BY 1, 2, 3`,
  );
  const tables = relations.filter((r: any) => r.kind === "r") as { schema: string; name: string }[];
  const contents: Record<string, unknown> = {};
  for (const t of tables) {
    const [row] = await rows<{ count: string; digest: string }>(
      conn,
      `SELECT count(*) AS count, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest
         FROM "${t.schema}"."${t.name}" t`,
    );
    contents[`${t.schema}.${t.name}`] = row;
  }
  const sequences = relations.filter((r: any) => r.kind === "S") as { schema: string; name: string }[];
  for (const s of sequences) {
    const [row] = await rows(conn, `SELECT last_value, is_called FROM "${s.schema}"."${s.name}"`);
    contents[`${s.schema}.${s.name}`] = row;
  }
  return { database, relations, schemas, functions, defaultAcls, contents };
}
