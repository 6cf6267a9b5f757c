/**
 * Helpers for the proof that a reference Django + Celery service (tests/fixtures/django) runs on the env the
 * dev stack renders: reading a service's env and the data services' files out of the offline plan, moving
 * in-cluster endpoints to loopback, and running Debian's python3 processes (one-shot commands, a
 * long-running Django process driven over stdin, a Celery worker) that are all killed afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { runCommand, type CommandResult } from "./postgres-server";
import { LOOPBACK } from "./redis-servers";

/** Debian's python3, which sees python3-django, python3-celery and friends (the pyenv `python3` does not). */
export const PYTHON = "/usr/bin/python3";
/** The reference Django project. */
export const FIXTURE_DIR = path.resolve(__dirname, "../fixtures/django");
/** What the probe command prefixes its replies with (catalog_service/management/commands/probe.py). */
const REPLY_MARKER = "@@probe ";

// ---------------------------------------------------------------------------------------------------------
// The plan's objects

/** A Kubernetes object of the plan, as `manifests(plan, true)` gives it (secrets in the clear). */
export type K8sObject = Record<string, any>;

/** The one object of `kind` whose name is `name` or `name-<suffix>` (Pulumi's auto-naming). */
export function planObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter(
    (o) => o.kind === kind && (o.metadata?.name === name || String(o.metadata?.name).startsWith(`${name}-`)),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} named ${name}(-suffix) in the plan, found ${found.length}`);
  return found[0]!;
}

/** A ConfigMap's `data` or a Secret's `stringData` (or decoded `data`). */
export function objectData(object: K8sObject): Record<string, string> {
  if (object.kind === "Secret" && object.stringData) return { ...object.stringData };
  if (object.kind === "Secret" && object.data) {
    return Object.fromEntries(
      Object.entries(object.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString(),
      ]),
    );
  }
  return { ...(object.data ?? {}) };
}

/** A container of a Deployment's pod template (init containers included). */
export function podContainer(deployment: K8sObject, name: string): K8sObject {
  const spec = deployment.spec.template.spec;
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: K8sObject) => c.name === name);
  if (!found) throw new Error(`${deployment.metadata.name} has no container ${name}`);
  return found;
}

/**
 * The env a container of `deployment` receives from its `envFrom` ConfigMaps and Secrets, in order (later
 * sources win, as in Kubernetes). `env` entries (the downward API's POD_IP) are not included.
 */
export function containerEnvFrom(
  objects: readonly K8sObject[],
  deployment: K8sObject,
  container: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of podContainer(deployment, container).envFrom ?? []) {
    const [kind, ref] = source.configMapRef
      ? ["ConfigMap", source.configMapRef]
      : ["Secret", source.secretRef];
    const object = objects.find((o) => o.kind === kind && o.metadata.name === ref.name);
    if (!object)
      throw new Error(`${kind} ${ref.name} referenced by ${deployment.metadata.name} is not in the plan`);
    Object.assign(env, objectData(object));
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------------
// In-cluster endpoints to loopback

/** `host:port` in the cluster -> the loopback port that stands in for it. */
export type EndpointMap = ReadonlyMap<string, number>;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `text` with every in-cluster endpoint of `endpoints` moved to 127.0.0.1 and its loopback port, in each form
 * the plan writes one: `host:port` (URLs, REDIS_SENTINELS), `host port` (redis.conf/sentinel.conf, the init
 * scripts' endpoint words) and `self_host='host'; self_port=port` (the init scripts' own address). A host
 * left without its port afterwards (a message, a DNS wait) becomes 127.0.0.1 too.
 */
export function toLoopback(text: string, endpoints: EndpointMap): string {
  let out = text;
  for (const [endpoint, port] of endpoints) {
    const i = endpoint.lastIndexOf(":");
    const [host, clusterPort] = [endpoint.slice(0, i), endpoint.slice(i + 1)];
    const pattern = new RegExp(`${escapeRegExp(host)}(:|'; self_port=| )${clusterPort}\\b`, "g");
    out = out.replace(pattern, (_m, sep: string) => `${LOOPBACK}${sep}${port}`);
  }
  for (const endpoint of endpoints.keys()) {
    const host = endpoint.slice(0, endpoint.lastIndexOf(":"));
    out = out.replace(new RegExp(`${escapeRegExp(host)}\\b(?![.-])`, "g"), LOOPBACK);
  }
  return out;
}

/** The lines of `after` that differ from `before`'s (same line count expected). */
export function changedLines(before: string, after: string): { before: string; after: string }[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length !== b.length) throw new Error(`line count changed: ${a.length} -> ${b.length}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [{ before: line, after: b[i]! }]));
}

// ---------------------------------------------------------------------------------------------------------
// Processes

/** A child process started by {@link Processes}, in its own process group. */
export class Child {
  private output = "";
  private exitCode: number | null | undefined;
  private readonly exitWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    const append = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    this.process.stdout?.on("data", append);
    this.process.stderr?.on("data", append);
    this.process.once("exit", (code) => {
      this.exitCode = code;
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  /** The operating-system process id. */
  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Everything the process wrote to stdout and stderr so far (the last 200 kB). */
  log(): string {
    return this.output;
  }

  /** SIGKILLs the process and everything it started (its process group) and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      this.process.kill("SIGKILL");
    }
    await exited;
  }
}

/** Every long-running process a test file started; `stopAll()` kills them (and their children) by id. */
export class Processes {
  private readonly children = new Set<Child>();
  private readonly onExit = (): void => {
    for (const child of this.children) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  };

  constructor() {
    process.once("exit", this.onExit);
  }

  /** Starts `command args...` in `cwd` with exactly `env`, stdin a pipe, in a new process group. */
  spawn(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Child {
    const proc = spawn(command, args, { env, cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const child = new Child(name, proc);
    this.children.add(child);
    proc.once("exit", () => this.children.delete(child));
    return child;
  }

  /**
   * Runs `command args...` to completion as {@link spawn} starts it (own process group; stdin closed) and
   * reports its exit code and output. After `timeoutMs` the whole group is SIGKILLed (code null).
   */
  run(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
    timeoutMs: number,
  ): Promise<CommandResult> {
    const child = this.spawn(name, command, args, env, cwd);
    let stdout = "";
    let stderr = "";
    child.process.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.process.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.process.stdin!.end();
    const timer = setTimeout(() => void child.kill(), timeoutMs);
    return new Promise((resolve, reject) => {
      child.process.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.process.once("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** Kills every process still running, with its process group. Safe to call more than once. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((c) => c.kill()));
    process.removeListener("exit", this.onExit);
  }
}

/**
 * The env of a Python process of the proof: `serviceEnv` plus PATH, HOME and HOSTNAME (as a container has
 * them; the worker's liveness command names the worker by `$HOSTNAME`), unbuffered output, and no `.pyc`
 * files written into the fixture (the images run with a read-only root filesystem). Nothing else of the test
 * process's env leaks in.
 */
export function pythonEnv(serviceEnv: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    HOSTNAME: hostname(),
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    ...serviceEnv,
  };
}

/** `python3 manage.py args...` in the fixture with `serviceEnv`, to completion. */
export function manage(
  processes: Processes,
  args: readonly string[],
  serviceEnv: Record<string, string>,
  timeoutMs = 30_000,
): Promise<CommandResult> {
  const name = `manage.py ${args[0] ?? ""}`;
  return processes.run(name, PYTHON, ["manage.py", ...args], pythonEnv(serviceEnv), FIXTURE_DIR, timeoutMs);
}

/** A reply of the probe command: the value, or the error the request raised in the Django process. */
export type ProbeReply = { ok: true; value: any } | { ok: false; error: string };

interface Waiter {
  resolve(reply: ProbeReply): void;
  reject(err: Error): void;
}

/**
 * A long-running Django process (`manage.py probe`) answering JSON requests over stdin: the cache, Celery,
 * events and the URLconf as a web worker uses them, in one process that is never restarted.
 */
export class DjangoProcess {
  private buffer = "";
  private nextId = 1;
  /** Requests awaiting their reply, by id; id 0 is the reply Django sends once it is set up. */
  private readonly waiting = new Map<number, Waiter>();

  private constructor(readonly child: Child) {
    child.process.stdout!.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let eol: number;
      while ((eol = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, eol);
        this.buffer = this.buffer.slice(eol + 1);
        if (!line.startsWith(REPLY_MARKER)) continue;
        const { id, ...reply } = JSON.parse(line.slice(REPLY_MARKER.length)) as ProbeReply & {
          id: number | null;
        };
        const waiter = this.waiting.get(id ?? 0);
        this.waiting.delete(id ?? 0);
        waiter?.resolve(reply as ProbeReply);
      }
    });
    child.process.once("exit", () => {
      const err = new Error(`${child.name} exited:\n${child.log().slice(-6000)}`);
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
    });
  }

  /** Starts `manage.py probe` with `serviceEnv` and waits until Django is set up. */
  static async start(
    processes: Processes,
    name: string,
    serviceEnv: Record<string, string>,
  ): Promise<DjangoProcess> {
    const child = processes.spawn(name, PYTHON, ["manage.py", "probe"], pythonEnv(serviceEnv), FIXTURE_DIR);
    const django = new DjangoProcess(child);
    const ready = await django.reply(0, 30_000);
    if (!ready.ok) throw new Error(`${name} did not start: ${ready.error}\n${child.log()}`);
    return django;
  }

  private reply(id: number, timeoutMs: number): Promise<ProbeReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(`${this.child.name}: no reply within ${timeoutMs} ms\n${this.child.log().slice(-4000)}`),
        );
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /**
   * Sends one request and resolves with its reply, whether the request succeeded or raised. The process
   * answers one request at a time; a reply that comes after `timeoutMs` is dropped.
   */
  async request(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<ProbeReply> {
    if (!this.child.running) throw new Error(`${this.child.name} is not running:\n${this.child.log()}`);
    const id = this.nextId++;
    const reply = this.reply(id, timeoutMs);
    this.child.process.stdin!.write(`${JSON.stringify({ ...args, op, id })}\n`);
    return reply;
  }

  /** Like {@link request}, but throws unless the request succeeded; resolves with its value. */
  async value(op: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<any> {
    const reply = await this.request(op, args, timeoutMs);
    if (!reply.ok) throw new Error(`${this.child.name} ${op}: ${reply.error}`);
    return reply.value;
  }
}

/**
 * Waits until `child`'s output matches `pattern`; rejects at once, with its log, if it exits first, and
 * after `timeoutMs` otherwise.
 */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(child.log())) {
    if (!child.running)
      throw new Error(`${child.name} exited before printing ${pattern}:\n${child.log().slice(-6000)}`);
    if (Date.now() > deadline)
      throw new Error(
        `${child.name} did not print ${pattern} within ${timeoutMs} ms:\n${child.log().slice(-6000)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------------------
// TLS

/** Files of a throwaway certificate authority and a server certificate it signed for 127.0.0.1. */
export interface TlsFiles {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A second CA that signed nothing here: a client trusting only it must refuse the server. */
  readonly otherCaCert: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const result = await runCommand("openssl", args, { cwd, timeoutMs: 15_000 });
  if (result.code !== 0)
    throw new Error(`openssl ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
}

/** Generates a CA, a server key and certificate (SAN IP:127.0.0.1) signed by it, and an unrelated CA, in `dir`. */
export async function makeCertificates(dir: string): Promise<TlsFiles> {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const selfSigned = (name: string, cn: string): string[] => [
    "req",
    "-x509",
    ...key,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "1",
    "-subj",
    `/CN=${cn}`,
  ];
  writeFileSync(path.join(dir, "server.ext"), `subjectAltName=IP:${LOOPBACK}\n`);
  await Promise.all([
    openssl(selfSigned("ca", "ferrum test CA"), dir),
    openssl(selfSigned("other-ca", "another CA"), dir),
    openssl(["req", ...key, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${LOOPBACK}`], dir),
  ]);
  const sign = ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"];
  await openssl([...sign, "-days", "1", "-extfile", "server.ext", "-out", "server.crt"], dir);
  return {
    caCert: path.join(dir, "ca.crt"),
    serverCert: path.join(dir, "server.crt"),
    serverKey: path.join(dir, "server.key"),
    otherCaCert: path.join(dir, "other-ca.crt"),
  };
}
