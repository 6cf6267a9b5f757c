/**
 * Proof on real Celery 5.2 / kombu 5.2 (Debian's, under /usr/bin/python3) and the dev plan's RedisHA (every
 * Redis, cache and Sentinel pod as the plan describes them, on Debian's redis-server and redis-sentinel;
 * tests/helpers/redis-platform.ts) that the platform's settings deliver Celery tasks at least once: the
 * reference service (tests/fixtures/django) runs on the catalog's env as the dev plan renders it (its own ACL
 * user in every URL), with the worker container's own command line, and the pods' grace period as the plan
 * sets it. What happens to a task whose worker goes away mid-task:
 * - stopped as the kubelet stops a container (SIGTERM to its main process, SIGKILL once the pod's grace period
 *   is over): a task that fits the grace period completes, once;
 * - SIGKILLed with its whole process group (an OOM-killed container, a lost node): the task stays
 *   unacknowledged in Redis and a new worker runs it once the visibility timeout has passed (shortened here by
 *   the test, through the same env variable), and never again after that (checked after waiting past the
 *   timeout and the transport's next look);
 * - one pool process killed (the OOM killer's usual pick): the task is requeued at once.
 * Each task writes a line to a journal when it starts and when it ends: the test counts runs from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  FIXTURE_DIR,
  manage,
  planObject,
  podContainer,
  PYTHON,
  pythonEnv,
  waitForOutput,
  type Child,
  type K8sObject,
} from "../helpers/django";
import { dbOf, onDbAs, RedisPlatform, urlLogin } from "../helpers/redis-platform";
import { waitFor } from "../helpers/redis-servers";
import { DJANGO_SERVICE_TOOLS, requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/proof/celery-delivery.real.test.ts", [
  TOOLS.redisServer,
  TOOLS.redisSentinel,
  ...DJANGO_SERVICE_TOOLS,
]);

/** Kubernetes' default grace period, which the worker pods had: the stopped task below runs longer. */
const DEFAULT_GRACE_SECONDS = 30;
/** The visibility timeout this test sets, so that redelivery after a SIGKILL is seen within a minute. */
const TEST_VISIBILITY_TIMEOUT_SECONDS = 8;

let platform: RedisPlatform;
let workDir: string;
let journal: string;
/** The catalog's env as the plan renders it, with the Redis pods and Sentinels moved to loopback. */
let env: Record<string, string>;
/** The data group's master, where the catalog's Celery DB lives (nothing fails over in this file). */
let redisPort: number;

const webDeployment = (): K8sObject => planObject(platform.objects, "Deployment", "catalog-web");

/** The worker container's command with `celery` as Debian runs it (`python3 -m celery`). */
function workerCommand(): string[] {
  const argv = podContainer(webDeployment(), "worker").command as string[];
  return [PYTHON, "-m", ...argv];
}

/** Starts a worker with the plan's command line; resolves once it consumes. */
async function startWorker(name: string, extraEnv: Record<string, string> = {}): Promise<Child> {
  const [cmd, ...args] = workerCommand();
  const child = platform.processes.spawn(name, cmd!, args, pythonEnv({ ...env, ...extraEnv }), FIXTURE_DIR);
  await waitForOutput(child, /\bready\.\s*$/m, 30_000);
  return child;
}

/** Sends `journaled_sleep(journal, runId, seconds)` from a one-shot Django process, as a web worker sends it. */
async function sendTask(runId: string, seconds: number): Promise<void> {
  const script = `from catalog_service.tasks import journaled_sleep; print(journaled_sleep.delay(${JSON.stringify(journal)}, ${JSON.stringify(runId)}, ${seconds}).id)`;
  const sent = await manage(platform.processes, ["shell", "-c", script], env);
  if (sent.code !== 0) throw new Error(`sending ${runId} failed:\n${sent.stdout}${sent.stderr}`);
}

interface JournalEntry {
  readonly event: "start" | "end";
  readonly pid: number;
}

/** The journal's lines of one run. */
function runsOf(runId: string): JournalEntry[] {
  const text = readFileSync(journal, "utf8");
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${runId} `))
    .map((line) => {
      const [, event, pid] = line.split(" ");
      return { event: event as "start" | "end", pid: Number(pid) };
    });
}

const count = (runId: string, event: "start" | "end"): number =>
  runsOf(runId).filter((e) => e.event === event).length;

/** Resolves once `runId` has logged `event` `times` times; fails after `timeoutMs`. */
const journaled = (runId: string, event: "start" | "end", times: number, timeoutMs: number) =>
  waitFor(`${runId} to ${event} ${times}x`, async () => count(runId, event) >= times, timeoutMs, 100);

/**
 * Messages the broker holds unacknowledged: kombu's `unacked` hash, under the catalog's `global_keyprefix` in its
 * Celery DB, read as the catalog's own user.
 */
async function unacked(): Promise<number> {
  const { global_keyprefix: prefix } = JSON.parse(env.CELERY_BROKER_TRANSPORT_OPTIONS!) as {
    global_keyprefix: string;
  };
  const login = urlLogin(env.CELERY_BROKER_URL!);
  const replies = await onDbAs(redisPort, login, dbOf(env.CELERY_BROKER_URL!), ["HLEN", `${prefix}unacked`]);
  expect(replies.slice(0, 2)).toEqual(["OK", "OK"]);
  return Number(replies[2]);
}

/** Waits for `child` to exit by itself for up to `seconds`; then SIGKILLs it, as the kubelet does. */
async function exitWithin(
  child: Child,
  seconds: number,
): Promise<{ exitedBySelf: boolean; afterMs: number }> {
  const started = Date.now();
  while (child.running && Date.now() - started < seconds * 1000) await new Promise((r) => setTimeout(r, 100));
  const exitedBySelf = !child.running;
  if (!exitedBySelf) await child.kill();
  return { exitedBySelf, afterMs: Date.now() - started };
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-celery-"));
  journal = path.join(workDir, "journal.log");
  writeFileSync(journal, "");
  platform = await RedisPlatform.plan();
  try {
    // The worker container takes the web container's env (tests/proof/django.real.test.ts checks it).
    await platform.startRedis();
    env = platform.serviceEnv("catalog");
    redisPort = await platform.master(env.REDIS_SENTINEL_MASTER!);
  } catch (err) {
    await platform.close();
    throw err;
  }
}, 180_000);

afterAll(async () => {
  await platform?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("Celery delivers at least once on the settings the dev stack renders", () => {
  test("Celery and kombu run with late acknowledgement, requeue on a lost process, prefetch 1, the env's time limits and visibility timeout", async () => {
    const script = [
      "import json",
      "from catalog_service.celery import app",
      "c = app.conf",
      "with app.connection_for_write() as conn:",
      "    channel = conn.default_channel",
      "    visibility = channel.visibility_timeout",
      "print(json.dumps({'acks_late': c.task_acks_late, 'reject_on_worker_lost': c.task_reject_on_worker_lost,",
      "    'prefetch': c.worker_prefetch_multiplier, 'time_limit': c.task_time_limit,",
      "    'soft_time_limit': c.task_soft_time_limit, 'visibility_timeout': visibility,",
      "    'result_backend_options': sorted(c.result_backend_transport_options)}))",
    ].join("\n");
    const shell = await manage(platform.processes, ["shell", "-c", script], env);
    expect({ code: shell.code, stderr: shell.stderr }).toEqual({ code: 0, stderr: "" });
    const seen = JSON.parse(shell.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(seen).toEqual({
      acks_late: true,
      reject_on_worker_lost: true,
      prefetch: 1,
      time_limit: Number(env.CELERY_TASK_TIME_LIMIT),
      soft_time_limit: Number(env.CELERY_TASK_SOFT_TIME_LIMIT),
      visibility_timeout: Number(env.CELERY_VISIBILITY_TIMEOUT),
      // The result backend keeps only what it was given (the broker's transport options from the env): no
      // visibility timeout of the broker's.
      result_backend_options: ["global_keyprefix", "master_name", "sentinel_kwargs"],
    });
    // The pod that runs the worker waits for the longest task before it kills.
    const grace = webDeployment().spec.template.spec.terminationGracePeriodSeconds as number;
    expect(grace).toBeGreaterThan(Number(env.CELERY_TASK_TIME_LIMIT));
    expect(Number(env.CELERY_TASK_SOFT_TIME_LIMIT)).toBeLessThan(Number(env.CELERY_TASK_TIME_LIMIT));
  }, 60_000);

  test("a task that fits the grace period completes, once, when its worker is stopped mid-task as the kubelet stops it", async () => {
    const grace = webDeployment().spec.template.spec.terminationGracePeriodSeconds as number;
    const taskSeconds = DEFAULT_GRACE_SECONDS + 5;

    const worker = await startWorker("worker-stopped");
    await sendTask("stopped", taskSeconds);
    await journaled("stopped", "start", 1, 20_000);
    // The kubelet signals the container's main process, not its children, then waits out the grace period.
    process.kill(worker.pid, "SIGTERM");
    const stop = await exitWithin(worker, grace);
    console.info(
      `stopped worker: ${stop.exitedBySelf ? "exited by itself" : "SIGKILLed"} after ${stop.afterMs} ms (grace period ${grace} s)`,
    );

    expect(stop.exitedBySelf).toBe(true);
    expect(runsOf("stopped").map((e) => e.event)).toEqual(["start", "end"]);
    expect(worker.log()).toMatch(/Task catalog_service\.tasks\.journaled_sleep\[[0-9a-f-]+\] succeeded/);
    // Acknowledged: nothing left that Redis could hand out again.
    expect(await unacked()).toBe(0);
    // The task fitted the limits the platform set: it ran within the soft time limit and the grace period.
    expect(taskSeconds).toBeLessThan(Number(env.CELERY_TASK_SOFT_TIME_LIMIT));
    expect(taskSeconds).toBeLessThan(grace);
  }, 90_000);

  test("after SIGKILL of the whole worker process group mid-task, a new worker runs the task once the visibility timeout has passed, and not again", async () => {
    const short = { CELERY_VISIBILITY_TIMEOUT: String(TEST_VISIBILITY_TIMEOUT_SECONDS) };
    const first = await startWorker("worker-killed", short);
    await sendTask("killed", 3);
    await journaled("killed", "start", 1, 20_000);
    await first.kill(); // SIGKILL to the process group: the main process and its pool
    const killedAt = Date.now();
    expect(count("killed", "end")).toBe(0);
    expect(await unacked()).toBe(1);

    // kombu 5.2 looks for expired messages when a worker starts polling, then on every tenth 10-second tick:
    // the replacement worker starts once the timeout has passed, as a pod restarted after it would.
    await new Promise((r) =>
      setTimeout(r, TEST_VISIBILITY_TIMEOUT_SECONDS * 1000 + 500 - (Date.now() - killedAt)),
    );
    expect(await unacked()).toBe(1); // still held for redelivery, not lost
    const second = await startWorker("worker-after-kill", short);
    await journaled("killed", "end", 1, 20_000);
    console.info(`SIGKILLed worker's task completed ${Date.now() - killedAt} ms after the kill`);

    // Past the visibility timeout again, a third worker starts (and so looks for expired messages at once):
    // the acknowledged task stays done.
    const completedAt = Date.now();
    await new Promise((r) => setTimeout(r, (TEST_VISIBILITY_TIMEOUT_SECONDS + 1) * 1000));
    const third = await startWorker("worker-later", short);
    await new Promise((r) => setTimeout(r, 3_000));
    console.info(`runs counted ${Date.now() - completedAt} ms after the completion`);
    expect(runsOf("killed").map((e) => e.event)).toEqual(["start", "start", "end"]);
    expect(await unacked()).toBe(0);
    expect([second.running, third.running]).toEqual([true, true]);
    await Promise.all([second.kill(), third.kill()]);
  }, 120_000);

  test("a pool process killed mid-task (the OOM killer's pick) has its task requeued at once and completed", async () => {
    const worker = await startWorker("worker-lost-process");
    await sendTask("lost-process", 3);
    await journaled("lost-process", "start", 1, 20_000);
    const [{ pid }] = runsOf("lost-process");
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    await journaled("lost-process", "end", 1, 20_000);
    const afterMs = Date.now() - killedAt;
    console.info(`lost pool process's task completed ${afterMs} ms after the kill`);
    // Requeued by the worker itself, long before any visibility timeout.
    expect(afterMs).toBeLessThan(Number(env.CELERY_VISIBILITY_TIMEOUT) * 1000);
    expect(afterMs).toBeLessThan(15_000);
    expect(runsOf("lost-process").map((e) => e.event)).toEqual(["start", "start", "end"]);
    expect(worker.running).toBe(true);
    await worker.kill();
  }, 60_000);
});
