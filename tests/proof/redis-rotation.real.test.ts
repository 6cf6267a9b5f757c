/**
 * Proof on real servers that every Redis password rotates with no failed request: the dev plan's RedisHA
 * (every pod from the plan, on Debian's redis-server and redis-sentinel; tests/helpers/redis-pods.ts) goes
 * through README's two steps, each a new plan of `dev` applied as `pulumi up` would apply it: the users Secret
 * refreshed in every pod's volume (nothing restarts), then the plan's users Job run against the live servers,
 * then the services' pods rolled onto their new Secret.
 * 1. `ferrum:redis.rotation.generation` 2: every user gets a new password; the servers accept both.
 * 2. `ferrum:redis.rotation.acceptPrevious` false: the servers refuse the previous ones.
 *
 * Two clients run all along and count what they do: a service's Django process and its Celery worker (cache,
 * Celery round trip, an event, rolled from the old env to the new one between the steps), and a client that
 * opens new connections for every operation (asks a Sentinel for each master, logs in to it, writes and reads
 * in the service's DBs) with whichever password its pod has. Not one operation fails.
 */
import { manifests, runPlan } from "../../harness/planner";
import { objectData, planObject, type Child, type DjangoProcess, type K8sObject } from "../helpers/django";
import {
  commandAs,
  dbOf,
  infoAs,
  onDbAs,
  RedisPlatform,
  urlLogin,
  type RedisLogin,
} from "../helpers/redis-platform";
import { RespError, type RespValue } from "../helpers/redis-servers";

const GENERATION_2 = ["ferrum:redis.rotation.generation=2"];
const RETIRED = [...GENERATION_2, "ferrum:redis.rotation.acceptPrevious=false"];

let platform: RedisPlatform;
/** The plan of each step. */
const plans: Record<"before" | "rotated" | "retired", readonly K8sObject[]> = {
  before: [],
  rotated: [],
  retired: [],
};
let env: Record<string, string>;
let django: DjangoProcess;
let worker: Child;

/** A loop that keeps doing one operation until stopped, counting operations and keeping every failure. */
class ClientLoop {
  ops = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private paused = false;
  private done?: Promise<void>;
  private current: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly operation: () => Promise<void>,
  ) {}

  start(): void {
    this.done = (async () => {
      while (!this.stopped) {
        if (this.paused) {
          await new Promise((r) => setTimeout(r, 25));
          continue;
        }
        try {
          this.current = this.operation();
          await this.current;
          this.ops++;
        } catch (err) {
          this.failures.push(`${this.name} op ${this.ops + this.failures.length + 1}: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
  }

  /** Resolves once the operation under way (if any) has finished, whatever its outcome. */
  async idle(): Promise<void> {
    await this.current.catch(() => undefined);
  }

  /** Holds the loop after the operation under way; `resume()` lets it go on. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.idle();
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

const ok = (what: string, reply: RespValue | undefined): RespValue | undefined => {
  if (reply instanceof RespError) throw new Error(`${what}: ${reply.message}`);
  return reply;
};

/** Asks the Sentinels in turn, as clients do, for `group`'s master: the first that answers. */
async function masterOf(group: string, login: RedisLogin, first: number): Promise<number> {
  const sentinels = platform.pods.of("redis-sentinel");
  const errors: string[] = [];
  for (let i = 0; i < sentinels.length; i++) {
    const sentinel = sentinels[(first + i) % sentinels.length]!;
    try {
      const reply = ok(
        sentinel.name,
        await commandAs(sentinel.port, login, "SENTINEL", "get-master-addr-by-name", group),
      );
      return Number((reply as string[])[1]);
    } catch (err) {
      errors.push(String(err));
    }
  }
  throw new Error(`no Sentinel named ${group}'s master: ${errors.join("; ")}`);
}

/** The connecting client: every operation on new connections, as a pod with the current env would make them. */
function connectingClient(): ClientLoop {
  let n = 0;
  return new ClientLoop("connecting client", async () => {
    n++;
    const login: RedisLogin = urlLogin(env.CELERY_BROKER_URL!);
    for (const [group, db] of [
      ["ferrum", dbOf(env.CELERY_BROKER_URL!)],
      ["ferrum-cache", dbOf(env.REDIS_URL!)],
    ] as const) {
      const port = await masterOf(group, login, n);
      const key = group === "ferrum" ? `{catalog}:rotation-${n}` : `catalog::rotation-${n}`;
      const replies = await onDbAs(port, login, db, ["SET", key, String(n), "EX", "60"], ["GET", key]);
      for (const r of replies) ok(`${group} on ${port}`, r);
      if (replies[3] !== String(n)) throw new Error(`${group}: read ${JSON.stringify(replies[3])}`);
    }
  });
}

/** The service's own client: cache, a Celery round trip and an event, in whichever Django process is current. */
function serviceClient(): ClientLoop {
  let n = 0;
  return new ClientLoop("Django and Celery", async () => {
    n++;
    const set = await django.request("cache.set", { key: "rotation", value: n });
    if (!set.ok) throw new Error(set.error);
    const got = await django.value("cache.get", { key: "rotation" });
    if (got !== n) throw new Error(`cache read ${got}`);
    const sum = await django.value("task.add", { x: n, y: 1, timeout: 15 });
    if (sum.sum !== n + 1) throw new Error(`task answered ${JSON.stringify(sum)}`);
    await django.value("events.publish", { type: "rotation", data: { n } });
  });
}

let loops: ClientLoop[];

/** Applies a later plan as `pulumi up` would: the users Secret in every pod, then the users Job. */
async function apply(objects: readonly K8sObject[]): Promise<string> {
  platform.adopt(objects);
  const job = await platform.pods.runJob(planObject(objects as K8sObject[], "Job", "redis-users-bootstrap"));
  if (job.code !== 0) throw new Error(`the users Job exited ${job.code}:\n${job.stdout}${job.stderr}`);
  return job.stdout;
}

/**
 * SIGTERM to the process, as the kubelet sends it to a container's first process (Celery's warm shutdown
 * finishes the tasks under way), then its exit; SIGKILL to its whole group after 30 s.
 */
async function terminate(child: Child): Promise<void> {
  const exited = new Promise<void>((resolve) => child.process.once("exit", () => resolve()));
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => void child.kill(), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Rolls the service onto `objects`' env as a Deployment's rolling update does: the new pod starts, traffic moves
 * to it, the old pod finishes what it is doing and is stopped (SIGTERM). The connecting client's pod rolls at
 * the same moment, between two of its operations.
 *
 * The service's own loop holds while the old Celery worker stops: kombu 5.2 takes a task off the queue with
 * BRPOP, so a worker stopping at that instant can lose the one task it was handed (a Celery matter, whatever
 * the passwords; a worker is stopped the same way without a rotation). Its web requests never hold.
 */
async function roll(objects: readonly K8sObject[]): Promise<void> {
  const next = platform.serviceEnv("catalog", objects);
  const [newDjango, newWorker] = await Promise.all([
    platform.django("catalog-next", next),
    platform.worker("catalog", "catalog-worker-next", next),
  ]);
  const [oldWorker, oldDjango] = [worker, django];
  [django, worker, env] = [newDjango, newWorker, next];
  const service = loops[1]!;
  await service.pause();
  await terminate(oldWorker);
  service.resume();
  await Promise.all([loops[0]!.idle(), terminate(oldDjango.child)]);
}

beforeAll(async () => {
  platform = await RedisPlatform.plan();
  try {
    plans.before = platform.objects;
    // One plan at a time: the mock runtime is one per process.
    plans.rotated = manifests(await runPlan("dev", GENERATION_2), true) as K8sObject[];
    plans.retired = manifests(await runPlan("dev", RETIRED), true) as K8sObject[];
    await platform.startRedis();
    env = platform.serviceEnv("catalog");
    [django, worker] = await Promise.all([
      platform.django("catalog", env),
      platform.worker("catalog", "catalog-worker", env),
    ]);
    loops = [connectingClient(), serviceClient()];
    for (const loop of loops) loop.start();
  } catch (err) {
    await platform.close();
    throw err;
  }
}, 180_000);

afterAll(async () => {
  for (const loop of loops ?? []) await loop.stop();
  await platform?.close();
});

/** The service's password in a plan: the one its URLs carry. */
const firstPassword = (objects: readonly K8sObject[], service: string): string =>
  urlLogin(platform.serviceEnv(service, objects).CELERY_BROKER_URL!).password;

/** A user's current password in a plan: the service's from its env, an internal user's from the users Job's Secret. */
function plaintext(objects: readonly K8sObject[], user: string): string {
  if (user.startsWith("ferrum-")) return firstPassword(objects, user.slice("ferrum-".length));
  return objectData(planObject(objects as K8sObject[], "Secret", "redis-users-job"))[user]!.split("\n")[0]!;
}

describe("rotating every Redis password: two steps, clients running throughout, no failure", () => {
  test("the first deploy's users Job changes nothing and the clients run", async () => {
    expect(await apply(plans.before)).toMatch(/credentials applied\n$/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(loops.map((l) => [l.name, l.ops > 0, l.failures])).toEqual(loops.map((l) => [l.name, true, []]));
  });

  test("step 1, generation 2: the servers accept both passwords; the service rolls onto the new one", async () => {
    const [before, after] = [firstPassword(plans.before, "catalog"), firstPassword(plans.rotated, "catalog")];
    expect(after).not.toBe(before);
    const jobOutput = await apply(plans.rotated);
    expect(jobOutput).toContain("users applied");
    // Both passwords are accepted now, on every server.
    for (const pod of platform.pods.pods)
      for (const password of [before, after])
        expect(await commandAs(pod.port, { username: "ferrum-catalog", password }, "PING")).toBe("PONG");
    await new Promise((r) => setTimeout(r, 2_000));
    await roll(plans.rotated);
    await new Promise((r) => setTimeout(r, 2_000));
  }, 120_000);

  test("step 2, the previous passwords retired: every server refuses them, for every user", async () => {
    await apply(plans.retired);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const pod of platform.pods.pods) {
      for (const user of [
        "redis-admin",
        "redis-replication",
        "redis-sentinel",
        "redis-probe",
        "ferrum-catalog",
      ]) {
        if (pod.owner.endsWith("sentinel") && user === "redis-replication") continue;
        // The server's users directory holds one line per user now: the current password or its hash.
        expect({
          pod: pod.name,
          user,
          lines: platform.pods.read(pod.name, "users", user).split("\n").length,
        }).toEqual({
          pod: pod.name,
          user,
          lines: 1,
        });
        const [old, current] = [plaintext(plans.before, user), plaintext(plans.retired, user)];
        expect(old).not.toBe(current);
        const said = async (password: string): Promise<unknown> => {
          const reply = await commandAs(pod.port, { username: user, password }, "AUTH", user, password);
          return reply instanceof RespError ? reply.message : reply;
        };
        expect({ pod: pod.name, user, old: await said(old), current: await said(current) }).toEqual({
          pod: pod.name,
          user,
          old: "WRONGPASS invalid username-password pair or user is disabled.",
          current: "OK",
        });
      }
    }
  }, 60_000);

  test("the internal users work on their new passwords: probes pass, and a restarted replica and Sentinel rejoin", async () => {
    for (const pod of platform.pods.pods)
      expect({ pod: pod.name, code: await platform.pods.probe(pod.name, "readinessProbe") }).toEqual({
        pod: pod.name,
        code: 0,
      });
    const master = await platform.master("ferrum");
    const replica = platform.pods.of("redis").find((p) => p.port !== master)!;
    const sentinel = platform.pods.of("redis-sentinel")[1]!;
    await Promise.all([
      platform.pods.stop(replica.name, "SIGTERM"),
      platform.pods.stop(sentinel.name, "SIGTERM"),
    ]);
    await Promise.all([platform.pods.start(replica.name), platform.pods.start(sentinel.name)]);
    await platform.settled();
    expect((await infoAs(replica.port, platform.admin, "replication")).master_link_status).toBe("up");
  }, 120_000);

  test("the clients ran through both steps without one failed operation", async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    for (const loop of loops) await loop.stop();
    console.info(`operations during the rotation: ${loops.map((l) => `${l.name} ${l.ops}`).join(", ")}`);
    expect(loops.map((l) => [l.name, l.failures])).toEqual(loops.map((l) => [l.name, []]));
    for (const loop of loops) expect(loop.ops).toBeGreaterThan(20);
  });
});
