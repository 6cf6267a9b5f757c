/**
 * A real `nats-server` (Debian's) for the real-server tests, started from the nats.conf the NATS chart
 * renders out of the plan's release values, and a minimal NATS protocol client (CONNECT, PUB, SUB, MSG and
 * HMSG, PING/PONG, `-ERR`) so the tests need no npm NATS package. Listens on 127.0.0.1 free ports only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import * as path from "node:path";
import { freePort, LOOPBACK, waitFor } from "./redis-servers";

// ---------------------------------------------------------------------------------------------------------
// nats.conf as the chart renders it

/**
 * The part of nats.conf the NATS chart (1.x) renders from these values: `config.merge` merged at the top
 * (the authorization block), JetStream's store (`store_dir`, `max_memory_store` 0 without a memory store,
 * `max_file_store` from `fileStore.maxSize`, or the volume's size without one), the client port and the
 * monitoring port. Like the chart's `nats.formatConfig`: JSON, then `"<< X >>"` unquoted to `X` (the
 * password variables). Ports and the store directory are moved to loopback and a temp dir.
 */
export function renderNatsConf(
  values: Record<string, any>,
  where: { port: number; httpPort: number; storeDir: string },
): string {
  const js = values.config?.jetstream ?? {};
  const fileStore = js.fileStore ?? {};
  const config: Record<string, unknown> = {
    host: LOOPBACK,
    port: where.port,
    http: `${LOOPBACK}:${where.httpPort}`,
    ...(js.enabled
      ? {
          jetstream: {
            max_memory_store: js.memoryStore?.enabled ? `<< ${js.memoryStore.maxSize} >>` : 0,
            ...(fileStore.enabled
              ? {
                  store_dir: where.storeDir,
                  ...(fileStore.maxSize || fileStore.pvc?.enabled
                    ? { max_file_store: `<< ${fileStore.maxSize || fileStore.pvc.size} >>` }
                    : {}),
                }
              : { max_file_store: 0 }),
          },
        }
      : {}),
    ...(values.config?.merge ?? {}),
  };
  return JSON.stringify(config, null, 2).replace(/"<<\s+(.*?)\s+>>"/g, "$1");
}

// ---------------------------------------------------------------------------------------------------------
// The server

export interface NatsServer {
  readonly port: number;
  readonly httpPort: number;
  /** Everything the server logged so far. */
  log(): string;
  /** The monitoring endpoint's JSON (`/jsz`, `/varz`). */
  monitor(endpoint: string): Promise<any>;
  stop(): Promise<void>;
}

/** `nats-server -c <conf>` in `dir` with `env` (the password variables), once it accepts connections. */
export async function startNats(
  values: Record<string, any>,
  env: Record<string, string>,
  dir: string,
): Promise<NatsServer> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, "nats.conf");
  writeFileSync(conf, renderNatsConf(values, { port, httpPort, storeDir: path.join(dir, "jetstream") }));
  const child: ChildProcess = spawn("nats-server", ["-c", conf], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited = false;
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const onExit = (): void => void child.kill("SIGKILL");
  process.once("exit", onExit);
  const server: NatsServer = {
    port,
    httpPort,
    log: () => output,
    async monitor(endpoint) {
      const res = await fetch(`http://${LOOPBACK}:${httpPort}/${endpoint}`);
      return res.json();
    },
    async stop() {
      process.removeListener("exit", onExit);
      if (!exited) child.kill("SIGTERM");
      await exit;
    },
  };
  try {
    await waitFor(
      "nats-server to accept connections",
      async () => {
        if (exited) throw new Error(`nats-server exited:\n${output}`);
        return /Server is ready/.test(output);
      },
      15_000,
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// The client

/** A message a subscription received. */
export interface NatsMessage {
  readonly subject: string;
  readonly reply?: string;
  /** Header block (`NATS/1.0 ...`), when the message had one. */
  readonly headers?: string;
  readonly data: string;
}

/** A refusal the server sent (`-ERR 'Permissions Violation for Publish to "x"'`). */
export class NatsError extends Error {}

type Handler = (msg: NatsMessage) => void;

/**
 * One connection as a user. Requests go to `<inboxPrefix>.<random>.<n>`; a request the server refuses rejects
 * with the server's `-ERR` text at once, rather than timing out.
 */
export class NatsClient {
  private buf = Buffer.alloc(0);
  private nextSid = 1;
  private nextReq = 1;
  private readonly subs = new Map<number, Handler>();
  private readonly errorWaiters = new Set<(err: string) => void>();
  private readonly pongWaiters: (() => void)[] = [];
  private readonly inbox: string;
  /** Every `-ERR` the server sent on this connection. */
  readonly errors: string[] = [];

  private constructor(
    private readonly socket: Socket,
    inboxPrefix: string,
  ) {
    this.inbox = `${inboxPrefix}.${randomBytes(6).toString("hex")}`;
    socket.on("data", (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
  }

  /** Connects as `user` and waits for the server's PONG (so a refused login rejects here). */
  static async connect(port: number, user: string, pass: string, inboxPrefix: string): Promise<NatsClient> {
    const socket = createConnection({ host: LOOPBACK, port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const client = new NatsClient(socket, inboxPrefix);
    const connect = {
      verbose: false,
      pedantic: false,
      user,
      pass,
      headers: true,
      no_responders: true,
      protocol: 1,
    };
    socket.write(`CONNECT ${JSON.stringify(connect)}\r\n`);
    await client.flush();
    return client;
  }

  private parse(): void {
    for (;;) {
      const eol = this.buf.indexOf("\r\n");
      if (eol < 0) return;
      const line = this.buf.toString("utf8", 0, eol);
      const [op = ""] = line.split(" ", 1);
      if (op === "MSG" || op === "HMSG") {
        const parts = line.split(" ");
        const total = Number(parts[parts.length - 1]);
        const headerLen = op === "HMSG" ? Number(parts[parts.length - 2]) : 0;
        const reply = parts.length === (op === "HMSG" ? 6 : 5) ? parts[3] : undefined;
        if (this.buf.length < eol + 2 + total + 2) return;
        const body = this.buf.subarray(eol + 2, eol + 2 + total);
        this.buf = this.buf.subarray(eol + 2 + total + 2);
        const msg: NatsMessage = {
          subject: parts[1]!,
          reply,
          headers: op === "HMSG" ? body.toString("utf8", 0, headerLen) : undefined,
          data: body.toString("utf8", headerLen),
        };
        this.subs.get(Number(parts[2]))?.(msg);
        continue;
      }
      this.buf = this.buf.subarray(eol + 2);
      if (op === "PING") this.socket.write("PONG\r\n");
      else if (op === "PONG") this.pongWaiters.shift()?.();
      else if (op === "-ERR") {
        const text = line.slice(5).replace(/^'|'$/g, "");
        this.errors.push(text);
        for (const w of [...this.errorWaiters]) w(text);
      }
    }
  }

  /** PING, and wait for the PONG: everything sent before has been processed by the server. */
  flush(timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no PONG from nats-server")), timeoutMs);
      const onError = (err: string): void => {
        if (/Authorization Violation/i.test(err)) {
          clearTimeout(timer);
          reject(new NatsError(err));
        }
      };
      this.errorWaiters.add(onError);
      this.pongWaiters.push(() => {
        clearTimeout(timer);
        this.errorWaiters.delete(onError);
        resolve();
      });
      this.socket.write("PING\r\n");
    });
  }

  /** SUB, then a flush; rejects with the server's refusal when the subject is not the user's to subscribe to. */
  async subscribe(subject: string, handler: Handler): Promise<number> {
    const sid = this.nextSid++;
    this.subs.set(sid, handler);
    const refused = this.refusalOf(`Subscription to "${subject}"`);
    this.socket.write(`SUB ${subject} ${sid}\r\n`);
    try {
      await Promise.race([this.flush(), refused.promise]);
    } finally {
      refused.cancel();
    }
    return sid;
  }

  /** PUB, then a flush; rejects with the server's refusal when the subject is not the user's to publish to. */
  async publish(subject: string, data = "", reply?: string): Promise<void> {
    const refused = this.refusalOf(`Publish to "${subject}"`);
    this.socket.write(`PUB ${subject}${reply ? ` ${reply}` : ""} ${Buffer.byteLength(data)}\r\n${data}\r\n`);
    try {
      await Promise.race([this.flush(), refused.promise]);
    } finally {
      refused.cancel();
    }
  }

  /** A request and its reply's JSON (JetStream API, a JetStream publish); rejects when refused. */
  async request(subject: string, body: unknown = "", timeoutMs = 5_000): Promise<any> {
    const msg = await this.requestMsg(
      subject,
      typeof body === "string" ? body : JSON.stringify(body),
      timeoutMs,
    );
    return msg.data ? JSON.parse(msg.data) : {};
  }

  /** A request and its first reply, as a message (a pull request's delivered message). */
  requestMsg(subject: string, data: string, timeoutMs = 5_000): Promise<NatsMessage> {
    const reply = `${this.inbox}.${this.nextReq++}`;
    const refused = this.refusalOf(`Publish to "${subject}"`);
    return new Promise<NatsMessage>((resolve, reject) => {
      const sid = this.nextSid++;
      const timer = setTimeout(
        () => done(new Error(`no reply to ${subject} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (err: Error | undefined, msg?: NatsMessage): void => {
        clearTimeout(timer);
        refused.cancel();
        this.subs.delete(sid);
        this.socket.write(`UNSUB ${sid}\r\n`);
        if (err) reject(err);
        else resolve(msg!);
      };
      this.subs.set(sid, (msg) => done(undefined, msg));
      refused.promise.catch((err: Error) => done(err));
      this.socket.write(
        `SUB ${reply} ${sid}\r\nPUB ${subject} ${reply} ${Buffer.byteLength(data)}\r\n${data}\r\n`,
      );
    });
  }

  /** A promise that rejects when the server sends a permissions violation naming `what`. */
  private refusalOf(what: string): { promise: Promise<never>; cancel(): void } {
    let cancel = (): void => undefined;
    const promise = new Promise<never>((_resolve, reject) => {
      const waiter = (err: string): void => {
        if (err.includes(what)) {
          this.errorWaiters.delete(waiter);
          reject(new NatsError(err));
        }
      };
      this.errorWaiters.add(waiter);
      cancel = () => this.errorWaiters.delete(waiter);
    });
    promise.catch(() => undefined);
    return { promise, cancel };
  }

  close(): void {
    this.socket.destroy();
  }
}
