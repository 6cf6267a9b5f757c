/**
 * Real Redis and Sentinel processes for the real-server tests: Debian's `redis-server` and `redis-sentinel`
 * on free loopback ports, each in its own directory, all killed by `stopAll()` (and by a process exit hook
 * should the test process end first), plus a minimal RESP client so the tests need no npm Redis package.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import * as path from "node:path";

export const LOOPBACK = "127.0.0.1";

// ---------------------------------------------------------------------------------------------------------
// RESP

/** An error reply (`-ERR ...`, `-NOAUTH ...`), returned rather than thrown so tests can assert on it. */
export class RespError {
  constructor(readonly message: string) {}
  /** The error code: the reply's first word (`NOAUTH`, `WRONGPASS`, `ERR`, ...). */
  get code(): string {
    return this.message.split(" ")[0]!;
  }
}

export type RespValue = string | number | null | RespError | RespValue[];

function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`, ...args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`)];
  return Buffer.from(parts.join(""));
}

/** Parses one RESP2 reply at `offset`; undefined when `buf` does not hold all of it yet. */
function parseReply(buf: Buffer, offset: number): { value: RespValue; next: number } | undefined {
  const eol = buf.indexOf("\r\n", offset);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString("utf8", offset + 1, eol);
  const after = eol + 2;
  switch (type) {
    case "+":
      return { value: line, next: after };
    case "-":
      return { value: new RespError(line), next: after };
    case ":":
      return { value: Number(line), next: after };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buf.length < after + length + 2) return undefined;
      return { value: buf.toString("utf8", after, after + length), next: after + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** Sends `commands` on one connection, pipelined, and resolves with their replies in order. */
export function pipeline(
  port: number,
  commands: readonly (readonly string[])[],
  timeoutMs = 5_000,
): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let buf = Buffer.alloc(0);
    const replies: RespValue[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error(`no reply from port ${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.on("connect", () => socket.write(Buffer.concat(commands.map(encodeCommand))));
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed = parseReply(buf, 0);
      while (parsed) {
        replies.push(parsed.value);
        buf = buf.subarray(parsed.next);
        if (replies.length === commands.length) return finish();
        parsed = parseReply(buf, 0);
      }
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () =>
      finish(
        new Error(`port ${port} closed the connection after ${replies.length} of ${commands.length} replies`),
      ),
    );
  });
}

/**
 * One command, after `AUTH password` when a password is given. Resolves with the command's reply, or with
 * the AUTH error when authentication failed.
 */
export async function command(port: number, args: readonly string[], password?: string): Promise<RespValue> {
  if (password === undefined) return (await pipeline(port, [args]))[0]!;
  const [auth, reply] = await pipeline(port, [["AUTH", password], args]);
  return auth instanceof RespError ? auth : reply!;
}

/** `INFO <section>` as a map of its `key:value` lines. */
export async function info(port: number, section: string, password: string): Promise<Record<string, string>> {
  const reply = await command(port, ["INFO", section], password);
  if (typeof reply !== "string")
    throw new Error(`INFO ${section} on port ${port} answered ${JSON.stringify(reply)}`);
  const entries = reply.split("\r\n").filter((l) => l.includes(":") && !l.startsWith("#"));
  return Object.fromEntries(entries.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

// ---------------------------------------------------------------------------------------------------------
// Processes

/** A free TCP port on the loopback interface (the kernel picks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** A running redis-server or redis-sentinel. */
export interface ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  /** Sends `signal` and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
  /** What the process wrote to stdout and stderr so far. */
  log(): string;
}

/** Polls `probe` until it returns something other than undefined/false; rejects after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Every process a test started; `stopAll()` kills them all. */
export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();
  private readonly onExit = (): void => {
    for (const child of this.children) child.kill("SIGKILL");
  };

  constructor() {
    process.once("exit", this.onExit);
  }

  /**
   * Starts `binary config --daemonize no` in `dir` (its working directory, where Redis keeps its data) and
   * waits until it answers on `port` (PONG, or NOAUTH: it is listening), or until `ready` says so (a server
   * that speaks TLS only cannot be asked in plaintext).
   */
  async start(
    name: string,
    binary: "redis-server" | "redis-sentinel",
    config: string,
    port: number,
    dir: string,
    ready?: () => Promise<boolean>,
  ): Promise<ServerProcess> {
    const logFile = path.join(dir, `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(binary, [config, "--daemonize", "no"], { cwd: dir, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    this.children.add(child);
    let exited = false;
    const exit = new Promise<void>((resolve) =>
      child.once("exit", () => {
        exited = true;
        this.children.delete(child);
        resolve();
      }),
    );
    const log = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
    const server: ServerProcess = {
      name,
      port,
      dir,
      get running() {
        return !exited;
      },
      log,
      async kill(signal = "SIGKILL") {
        if (exited) return;
        child.kill(signal);
        await exit;
      },
    };
    try {
      await waitFor(
        `${name} to listen on ${port}`,
        async () => {
          if (exited) throw new Error(`${name} exited:\n${log()}`);
          if (ready) return ready();
          const reply = await command(port, ["PING"]);
          return reply === "PONG" || (reply instanceof RespError && reply.code === "NOAUTH");
        },
        10_000,
        50,
      );
    } catch (err) {
      await server.kill();
      throw new Error(`${name} did not start: ${String(err)}\n--- log ---\n${log()}`);
    }
    return server;
  }

  /** Kills every process still running and waits for them. Safe to call more than once. */
  async stopAll(): Promise<void> {
    const waits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    );
    await Promise.all(waits);
    process.removeListener("exit", this.onExit);
  }
}

/** Exit code and output of a finished child process. */
export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sh script args...` with exactly `env` (plus PATH) and reports its exit code and output. */
export function runShell(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", [script, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `sh -c <command>` (a probe's exec command) with `env` (plus PATH); resolves with its exit code. */
export async function runProbe(
  commandLine: readonly string[],
  env: Record<string, string>,
): Promise<number | null> {
  const [shell, flag, script] = commandLine;
  if (shell !== "sh" || flag !== "-c" || script === undefined)
    throw new Error(`not an sh -c command: ${JSON.stringify(commandLine)}`);
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: "ignore",
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
}
