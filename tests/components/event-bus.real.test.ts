/**
 * The event bus's permissions on a real nats-server (Debian's 2.9), started from what the dev plan renders
 * with the event bus on: nats.conf from the NATS release's values as the chart renders it (the users and
 * their permissions, JetStream's store limits), the passwords from the Secret the server reads, and each
 * service's NATS_USER / NATS_PASSWORD from the env its web container gets. Nothing is hand-written.
 *
 * Each service owns one stream (`EVENTS_<SERVICE>`) and reads any stream through a durable consumer named
 * after itself. It can use its own stream end to end; it is refused, by the server, deleting or changing
 * another's stream, touching another's consumer, publishing another's events or reading another's replies.
 * Never skipped in CI: with CI=true a missing nats-server fails the suite.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { eventStream, fileStoreMaxMiB, inboxPrefix } from "../../components/event-bus";
import { manifests, resourceEntries, runPlan } from "../../harness/planner";
import { containerEnvFrom, objectData, planObject, type K8sObject } from "../helpers/django";
import { NatsClient, NatsError, startNats, type NatsServer } from "../helpers/nats";

const version = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
const installed = version.status === 0;
const inCI = process.env.CI === "true";
const suite = installed || inCI ? describe : describe.skip;
if (!installed && !inCI) {
  console.warn("nats-server not found: skipping; install it with apt-get install -y nats-server");
}

const EVENT_BUS = ["ferrum:eventBus.enabled=true"];
let dir: string;
let server: NatsServer;
let values: Record<string, any>;
const clients = new Map<string, NatsClient>();

/** The service's client, as its pods connect: NATS_USER and NATS_PASSWORD from its env, its inbox prefix. */
const as = (service: string): NatsClient => clients.get(service)!;

const refused = (subject: string) =>
  expect.objectContaining({
    constructor: NatsError,
    message: `Permissions Violation for Publish to "${subject}"`,
  });

suite("EventBus on a real nats-server: each service its own JetStream API subjects", () => {
  beforeAll(async () => {
    const plan = await runPlan("dev", EVENT_BUS);
    const release = (resourceEntries(plan, true) as any[]).find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "event-bus-nats",
    );
    values = release.inputs.values;
    const objects = manifests(plan, true) as K8sObject[];
    const passwords = objectData(planObject(objects, "Secret", "event-bus-passwords"));
    dir = mkdtempSync(path.join(tmpdir(), "ferrum-nats-"));
    server = await startNats(values, passwords, dir);
    for (const service of ["auth", "catalog", "user"]) {
      const env = containerEnvFrom(objects, planObject(objects, "Deployment", `${service}-web`), "web");
      expect(env.NATS_USER).toBe(service);
      clients.set(
        service,
        await NatsClient.connect(server.port, env.NATS_USER!, env.NATS_PASSWORD!, inboxPrefix(service)),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("nats-server is installed (apt-get install -y nats-server)", () => {
    expect(version.error?.message ?? "").toBe("");
    expect(version.stdout).toMatch(/^nats-server: v2\./);
  });

  test("a wrong password is refused", async () => {
    await expect(NatsClient.connect(server.port, "auth", "not-the-password", "_INBOX.auth")).rejects.toThrow(
      "Authorization Violation",
    );
  });

  test("a service uses its own stream: creates it, publishes, reads it through its consumer, acks", async () => {
    const auth = as("auth");
    const created = await auth.request(`$JS.API.STREAM.CREATE.${eventStream("auth")}`, {
      name: eventStream("auth"),
      subjects: ["events.auth.>"],
      storage: "file",
    });
    expect(created.error).toBeUndefined();
    const ack = await auth.request("events.auth.user_registered", { id: 7 });
    expect(ack).toEqual({ stream: "EVENTS_AUTH", seq: 1 });

    const consumer = await auth.request(`$JS.API.CONSUMER.CREATE.EVENTS_AUTH.auth`, {
      stream_name: "EVENTS_AUTH",
      config: { name: "auth", durable_name: "auth", ack_policy: "explicit" },
    });
    expect(consumer.error).toBeUndefined();
    const msg = await auth.requestMsg(
      "$JS.API.CONSUMER.MSG.NEXT.EVENTS_AUTH.auth",
      JSON.stringify({ batch: 1 }),
    );
    expect([msg.subject, JSON.parse(msg.data)]).toEqual(["events.auth.user_registered", { id: 7 }]);
    await auth.publish(msg.reply!, "+ACK");
    const info = await auth.request("$JS.API.CONSUMER.INFO.EVENTS_AUTH.auth");
    expect([info.ack_floor.stream_seq, info.num_ack_pending]).toEqual([1, 0]);
    const stream = await auth.request("$JS.API.STREAM.INFO.EVENTS_AUTH");
    expect(stream.state.messages).toBe(1);
  });

  test("another service reads that stream through its own durable consumer", async () => {
    const catalog = as("catalog");
    const names = await catalog.request("$JS.API.STREAM.NAMES", { subject: "events.auth.user_registered" });
    expect(names.streams).toEqual(["EVENTS_AUTH"]);
    const consumer = await catalog.request("$JS.API.CONSUMER.CREATE.EVENTS_AUTH.catalog.events.auth.>", {
      stream_name: "EVENTS_AUTH",
      config: {
        name: "catalog",
        durable_name: "catalog",
        ack_policy: "explicit",
        filter_subject: "events.auth.>",
      },
    });
    expect(consumer.error).toBeUndefined();
    const msg = await catalog.requestMsg(
      "$JS.API.CONSUMER.MSG.NEXT.EVENTS_AUTH.catalog",
      JSON.stringify({ batch: 1 }),
    );
    expect(JSON.parse(msg.data)).toEqual({ id: 7 });
    await catalog.publish(msg.reply!, "+ACK");
    const info = await catalog.request("$JS.API.CONSUMER.INFO.EVENTS_AUTH.catalog");
    expect(info.num_ack_pending).toBe(0);
    const account = await catalog.request("$JS.API.INFO");
    expect(account.streams).toBe(1);
  });

  test("a service is refused deleting, purging, changing or recreating another's stream", async () => {
    const catalog = as("catalog");
    for (const op of ["DELETE", "PURGE", "UPDATE", "CREATE", "MSG.DELETE"]) {
      const subject = `$JS.API.STREAM.${op}.EVENTS_AUTH`;
      await expect(
        catalog.request(subject, { name: "EVENTS_AUTH", subjects: ["events.auth.>"], seq: 1 }),
      ).rejects.toEqual(refused(subject));
    }
    // The owner's stream is untouched.
    const stream = await as("auth").request("$JS.API.STREAM.INFO.EVENTS_AUTH");
    expect([stream.config.subjects, stream.state.messages]).toEqual([["events.auth.>"], 1]);
  });

  test("a service is refused touching another's consumer, even on its own stream", async () => {
    const user = as("user");
    await expect(user.request("$JS.API.CONSUMER.DELETE.EVENTS_AUTH.catalog")).rejects.toEqual(
      refused("$JS.API.CONSUMER.DELETE.EVENTS_AUTH.catalog"),
    );
    await expect(user.request("$JS.API.CONSUMER.MSG.NEXT.EVENTS_AUTH.catalog", { batch: 1 })).rejects.toEqual(
      refused("$JS.API.CONSUMER.MSG.NEXT.EVENTS_AUTH.catalog"),
    );
    await expect(
      user.request("$JS.API.CONSUMER.CREATE.EVENTS_AUTH.auth", {
        stream_name: "EVENTS_AUTH",
        config: { name: "auth", durable_name: "auth", ack_policy: "explicit" },
      }),
    ).rejects.toEqual(refused("$JS.API.CONSUMER.CREATE.EVENTS_AUTH.auth"));
    // auth owns EVENTS_AUTH, but catalog's consumer on it is catalog's.
    await expect(as("auth").request("$JS.API.CONSUMER.DELETE.EVENTS_AUTH.catalog")).rejects.toEqual(
      refused("$JS.API.CONSUMER.DELETE.EVENTS_AUTH.catalog"),
    );
    await expect(as("user").publish("$JS.ACK.EVENTS_AUTH.catalog.1.1.1.1.0", "+ACK")).rejects.toEqual(
      refused("$JS.ACK.EVENTS_AUTH.catalog.1.1.1.1.0"),
    );
    const info = await as("catalog").request("$JS.API.CONSUMER.INFO.EVENTS_AUTH.catalog");
    expect(info.name).toBe("catalog");
  });

  test("no service reaches the rest of the API, another's events or another's replies", async () => {
    const user = as("user");
    for (const subject of [
      "$JS.API.STREAM.LIST",
      "$JS.API.ACCOUNT.PURGE",
      "$JS.API.STREAM.CREATE.EVENTS_X",
    ]) {
      await expect(user.request(subject, {})).rejects.toEqual(refused(subject));
    }
    await expect(user.publish("events.auth.user_registered", "{}")).rejects.toEqual(
      refused("events.auth.user_registered"),
    );
    await expect(user.publish("_INBOX.auth.forged.1", "{}")).rejects.toEqual(refused("_INBOX.auth.forged.1"));
    for (const subject of ["_INBOX.>", "_INBOX.auth.>"]) {
      await expect(user.subscribe(subject, () => undefined)).rejects.toThrow(
        `Permissions Violation for Subscription to "${subject}"`,
      );
    }
    // ...while every service reads everyone's events live.
    await expect(user.subscribe("events.>", () => undefined)).resolves.toBeGreaterThan(0);
  });

  test("JetStream's file store stops at 80% of the volume, as the values set it", async () => {
    const storageGiB = Number(String(values.config.jetstream.fileStore.pvc.size).replace(/Gi$/, ""));
    const jsz = await server.monitor("jsz");
    expect(jsz.config.max_storage).toBe(fileStoreMaxMiB(storageGiB) * 1024 * 1024);
    expect(jsz.config.max_storage).toBeLessThan(storageGiB * 1024 ** 3);
  });
});
