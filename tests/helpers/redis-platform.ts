/**
 * The dev plan's RedisHA and its services on loopback, for the Redis proofs (tests/proof/redis-*.real.test.ts):
 * the pods (redis-pods.ts), a service's env as its web container gets it, its Django process and Celery worker
 * (Debian's python3), and an operator's login to look at the servers.
 *
 * Everything comes from the offline plan, whichever RedisHA it describes: the operator's login is the admin
 * user's password where the plan has ACL users, and the single shared password where it has none, so a proof
 * runs (and fails) on the code before per-service users too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { manifests, runPlan } from "../../harness/planner";
import {
  Child,
  containerEnvFrom,
  DjangoProcess,
  FIXTURE_DIR,
  objectData,
  planObject,
  podContainer,
  Processes,
  PYTHON,
  pythonEnv,
  toLoopback,
  waitForOutput,
  type K8sObject,
} from "./django";
import { RedisPods } from "./redis-pods";
import { LOOPBACK, pipeline, RespError, waitFor, type RespValue } from "./redis-servers";

/** A user and password to log in with; no user means the default one (AUTH <password>). */
export interface RedisLogin {
  readonly username?: string;
  readonly password: string;
}

/** One command as `login`; resolves with its reply, or with the AUTH error. */
export async function commandAs(port: number, login: RedisLogin, ...args: string[]): Promise<RespValue> {
  const auth = login.username ? ["AUTH", login.username, login.password] : ["AUTH", login.password];
  const [reply, result] = await pipeline(port, [auth, args]);
  return reply instanceof RespError ? reply : result!;
}

/** `commands` on one connection as `login`, after SELECT `db`; resolves with their replies (AUTH's and SELECT's first). */
export function onDbAs(
  port: number,
  login: RedisLogin,
  db: number,
  ...commands: string[][]
): Promise<RespValue[]> {
  const auth = login.username ? ["AUTH", login.username, login.password] : ["AUTH", login.password];
  return pipeline(port, [auth, ["SELECT", String(db)], ...commands]);
}

/** The login in a `redis://user:pw@...` or `sentinel://user:pw@...` URL (the first of a `;` list). */
export function urlLogin(url: string): RedisLogin {
  const u = new URL(url.split(";")[0]!.replace(/^sentinel:/, "redis:"));
  const username = decodeURIComponent(u.username);
  return { ...(username ? { username } : {}), password: decodeURIComponent(u.password) };
}

/** The DB number of a `redis://` or `sentinel://` URL (its first one). */
export const dbOf = (url: string): number => Number(/\/(\d+)(?:[?;]|$)/.exec(url)![1]);

/** The operator's login of the plan's RedisHA: its admin user, or the one shared password. */
export function adminLogin(objects: readonly K8sObject[]): RedisLogin {
  for (const o of objects) {
    if (o.kind !== "Secret") continue;
    const admin = objectData(o)["redis-admin"];
    if (admin !== undefined && !admin.startsWith("#"))
      return { username: "redis-admin", password: admin.split("\n")[0]! };
  }
  return { password: objectData(planObject(objects, "Secret", "redis-credentials")).password! };
}

/** `INFO <section>` as a map. */
export async function infoAs(
  port: number,
  login: RedisLogin,
  section: string,
): Promise<Record<string, string>> {
  const reply = await commandAs(port, login, "INFO", section);
  if (typeof reply !== "string")
    throw new Error(`INFO ${section} on ${port} answered ${JSON.stringify(reply)}`);
  const lines = reply.split("\r\n").filter((l) => l.includes(":") && !l.startsWith("#"));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

/** The master groups the plan's Sentinels monitor. */
export function masterGroups(objects: readonly K8sObject[]): string[] {
  const conf = Object.values(objectData(planObject(objects, "ConfigMap", "redis-sentinel-config"))).join(
    "\n",
  );
  return [...conf.matchAll(/^sentinel monitor (\S+) /gm)].map((m) => m[1]!);
}

/** Python's `celery` is `python3 -m celery` with Debian's packages (python3-celery has no `celery` script). */
function withDebianCelery(argv: readonly string[]): string[] {
  return argv[0] === "celery" ? [PYTHON, "-m", "celery", ...argv.slice(1)] : [...argv];
}

/** The dev plan's RedisHA, running, and the services that use it. */
export class RedisPlatform {
  readonly processes = new Processes();
  admin: RedisLogin;

  private constructor(
    public objects: readonly K8sObject[],
    readonly pods: RedisPods,
    readonly workDir: string,
  ) {
    this.admin = adminLogin(objects);
  }

  /**
   * A later plan, as `pulumi up` applies it before any Job runs: the pods' mounted ConfigMaps and Secrets
   * refreshed in place, and the operator logging in with the new plan's admin password.
   */
  adopt(objects: readonly K8sObject[]): void {
    this.objects = objects;
    this.pods.update(objects);
    this.admin = adminLogin(objects);
  }

  /** Plans `dev` (with `-c` overrides) and places its Redis pods; nothing runs yet. */
  static async plan(overrides: readonly string[] = []): Promise<RedisPlatform> {
    const objects = manifests(await runPlan("dev", overrides), true) as K8sObject[];
    const workDir = mkdtempSync(path.join(tmpdir(), "ferrum-redis-proof-"));
    return new RedisPlatform(objects, await RedisPods.fromPlan(objects, workDir), workDir);
  }

  /** The env of `service`'s web container, in-cluster endpoints on loopback, POD_IP from the "downward API". */
  serviceEnv(service: string, objects: readonly K8sObject[] = this.objects): Record<string, string> {
    const env = containerEnvFrom(objects, planObject(objects, "Deployment", `${service}-web`), "web");
    const moved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, toLoopback(v, this.pods.endpoints)]),
    );
    return { ...moved, POD_IP: LOOPBACK };
  }

  /** The pod and port of the master every running Sentinel names for `group`, once they all agree. */
  async master(group: string, timeoutMs = 30_000, except?: number): Promise<number> {
    const sentinels = this.pods.pods.filter((p) => p.owner.endsWith("sentinel") && this.pods.running(p.name));
    return waitFor(
      `the Sentinels to agree on ${group}'s master${except ? ` other than ${except}` : ""}`,
      async () => {
        const seen = await Promise.all(
          sentinels.map(async (s) => {
            const reply = await commandAs(s.port, this.admin, "SENTINEL", "get-master-addr-by-name", group);
            return Array.isArray(reply) ? `${String(reply[0])}:${String(reply[1])}` : undefined;
          }),
        );
        const port = Number(seen[0]?.split(":")[1]);
        return seen.every((m) => m && m === seen[0]) && port !== except ? port : undefined;
      },
      timeoutMs,
      200,
    );
  }

  /**
   * Every pod running, every master with all its replicas in sync, every Sentinel agreed on every master and
   * knowing all its replicas and the other Sentinels (without which it could not fail over).
   */
  async startRedis(): Promise<void> {
    await this.pods.startAll();
    await this.settled();
  }

  /** Waits until every group is whole again: see {@link startRedis}. */
  async settled(timeoutMs = 60_000): Promise<void> {
    const sentinels = this.pods.pods.filter((p) => p.owner.endsWith("sentinel"));
    for (const group of masterGroups(this.objects)) {
      const port = await this.master(group, 60_000);
      const replicas = this.pods.of(this.pods.pods.find((p) => p.port === port)!.owner).length - 1;
      await waitFor(
        `${group}'s ${replicas} replicas online`,
        async () => {
          const info = await infoAs(port, this.admin, "replication");
          const online = Object.keys(info).filter(
            (k) => /^slave\d+$/.test(k) && info[k]!.includes("state=online"),
          );
          return online.length === replicas;
        },
        30_000,
        200,
      );
      await waitFor(
        `every Sentinel to know ${group}'s ${replicas} replicas and the ${sentinels.length - 1} other Sentinels`,
        async () => {
          for (const s of sentinels) {
            const reply = await commandAs(s.port, this.admin, "SENTINEL", "master", group);
            if (!Array.isArray(reply)) return false;
            const fields = new Map<string, string>();
            for (let i = 0; i < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
            const whole =
              fields.get("flags") === "master" &&
              fields.get("num-slaves") === String(replicas) &&
              fields.get("num-other-sentinels") === String(sentinels.length - 1);
            if (!whole) return false;
          }
          return true;
        },
        timeoutMs,
        250,
      );
    }
  }

  /** `service`'s Django process (`manage.py probe`) on `env`. */
  django(name: string, env: Record<string, string>): Promise<DjangoProcess> {
    return DjangoProcess.start(this.processes, name, env);
  }

  /** The worker container's own command line (Debian's celery) for `service`, on `env`; resolves once ready. */
  async worker(service: string, name: string, env: Record<string, string>): Promise<Child> {
    const deployment = planObject(this.objects, "Deployment", `${service}-web`);
    const [cmd, ...args] = withDebianCelery(podContainer(deployment, "worker").command);
    const child = this.processes.spawn(name, cmd!, args, pythonEnv(env), FIXTURE_DIR);
    await waitForOutput(child, /\bready\.\s*$/m, 45_000);
    return child;
  }

  async close(): Promise<void> {
    await Promise.all([this.processes.stopAll(), this.pods.close()]);
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
