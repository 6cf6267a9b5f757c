import * as pulumi from "@pulumi/pulumi";
import {
  EventBus,
  eventStream,
  inboxPrefix,
  NATS_CHART,
  natsAuthorization,
  natsPasswordEnv,
  type EventBusArgs,
} from "../../components/event-bus";
import { isSecretEnvelope, redact, secretness, secretValues, refusal, underMocks } from "../helpers/pulumi";
import { ProblemsError } from "../../lib/problems";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SERVICES = ["auth", "user", "content", "catalog"];
const args = (extra: Partial<EventBusArgs> = {}): EventBusArgs => ({
  namespace: "ferrum",
  services: SERVICES,
  ...extra,
});
const build = (extra: Partial<EventBusArgs> = {}) => underMocks(() => new EventBus("events", args(extra)));
const values = (r: Awaited<ReturnType<typeof build>>["registrations"]) =>
  (redact(r.get(RELEASE, "events-nats").inputs, true) as any).values;

describe("EventBus: NATS with JetStream", () => {
  test("the pinned chart under the fixed release name nats, in the platform namespace", async () => {
    const { registrations: r } = await build();
    const rel = redact(r.get(RELEASE, "events-nats").inputs, true) as any;
    expect([rel.chart, rel.version, rel.repositoryOpts.repo, rel.name, rel.namespace]).toEqual([
      "nats",
      "1.3.13",
      "https://nats-io.github.io/k8s/helm/charts/",
      "nats",
      "ferrum",
    ]);
    expect(NATS_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("JetStream on a file store volume; one server by default, a cluster of 3 on request", async () => {
    const single = values((await build({ storageGiB: 5, storageClass: "local-path" })).registrations);
    expect(single.config.jetstream).toEqual({
      enabled: true,
      memoryStore: { enabled: false },
      fileStore: {
        enabled: true,
        dir: "/data",
        pvc: { enabled: true, size: "5Gi", storageClassName: "local-path" },
        // 80% of the volume: the store stops at its limit before the disk is full.
        maxSize: "4096Mi",
      },
    });
    expect(single.config.cluster).toEqual({ enabled: false, replicas: 1 });
    const cluster = values((await build({ replicas: 3 })).registrations);
    expect(cluster.config.cluster).toEqual({ enabled: true, replicas: 3 });
  });

  test("auth on: a user per service whose password is an env reference, read from a Secret", async () => {
    const { registrations: r } = await build();
    const v = values(r);
    expect(v.config.merge.authorization.users.map((u: any) => [u.user, u.password])).toEqual(
      SERVICES.map((s) => [s, `<< $NATS_PASSWORD_${s.toUpperCase()} >>`]),
    );
    const secret = r.get("kubernetes:core/v1:Secret", "events-passwords");
    const secretName = (secret.state.metadata as any).name;
    expect(v.container.env.NATS_PASSWORD_AUTH).toEqual({
      valueFrom: { secretKeyRef: { name: secretName, key: "NATS_PASSWORD_AUTH" } },
    });
    const data = secret.inputs.stringData;
    expect(isSecretEnvelope(data) || isSecretEnvelope((data as any).NATS_PASSWORD_AUTH)).toBe(true);
    expect(Object.keys(redact(data, true) as object).sort()).toEqual(SERVICES.map(natsPasswordEnv).sort());
  });

  test("no password in the release's values (nor anywhere outside a Secret)", async () => {
    const { registrations: r } = await build();
    const secrets = new Set<string>();
    for (const res of r.resources) secretValues(res.inputs, false, secrets);
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    const rel = r.get(RELEASE, "events-nats");
    expect(secretValues(rel.inputs.values).size).toBe(0);
    for (const res of r.resources) {
      const visible = JSON.stringify(redact(res.inputs));
      expect([...secrets].filter((s) => visible.includes(s))).toEqual([]);
    }
  });

  test("forService: NATS_URL in the ConfigMap, the service's own user and secret password in the Secret", async () => {
    const { result: bus } = await build();
    const auth = bus.forService("auth");
    expect(Object.keys(auth.config)).toEqual(["NATS_URL"]);
    expect(Object.keys(auth.secret)).toEqual(["NATS_USER", "NATS_PASSWORD"]);
    const url = await secretness(pulumi.output(auth.config.NATS_URL!));
    expect(url).toEqual({ secret: false, value: "nats://nats.ferrum.svc.cluster.local:4222" });
    expect(await secretness(auth.secret.NATS_USER!)).toEqual({ secret: true, value: "auth" });
    const pw = await secretness(auth.secret.NATS_PASSWORD!);
    expect(pw.secret).toBe(true);
    expect(pw.value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await secretness(bus.forService("user").secret.NATS_PASSWORD!)).value).not.toBe(pw.value);
    expect(() => bus.forService("billing")).toThrow(
      "EventBus has no user for billing; it has auth, user, content, catalog",
    );
  });

  test("restricted security context; a PodMonitor and a NetworkPolicy only with a monitoring namespace", async () => {
    const plain = await build();
    const v = values(plain.registrations);
    expect(v.podTemplate.merge.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    for (const c of [v.container, v.reloader, v.promExporter])
      expect(c.merge.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    expect(v.promExporter.podMonitor.enabled).toBe(false);
    expect(plain.registrations.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);

    const watched = await build({ monitoringNamespace: "monitoring" });
    expect(values(watched.registrations).promExporter.podMonitor.enabled).toBe(true);
    const np = redact(
      watched.registrations.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")[0]!.inputs,
      true,
    ) as any;
    expect(np.spec.podSelector.matchLabels).toEqual({
      "app.kubernetes.io/part-of": "ferrum",
      "app.kubernetes.io/component": "event-bus",
    });
    expect(np.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 7777 }]);
  });

  test("protect reaches the release", async () => {
    const { registrations: r } = await build({ protect: true });
    expect(r.get(RELEASE, "events-nats").options.protect).toBe(true);
  });

  test.each([
    [
      "two servers",
      { replicas: 2 },
      "replicas must be 1 or at least 3 (got 2): a JetStream cluster needs a majority to survive the loss of a server",
    ],
    ["no services", { services: [] }, "services must name at least one service"],
    [
      "a service twice",
      { services: ["auth", "auth"] },
      'services must be unique DNS labels (got ["auth","auth"])',
    ],
    ["no volume", { storageGiB: 0 }, "storageGiB must be a whole number of at least 1 (got 0)"],
  ])("%s is refused before anything registers", async (_case, extra, message) => {
    const { error, registered } = await refusal(() => new EventBus("events", args(extra)));
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error?.message).toBe(`Invalid arguments of EventBus events (1 problem):\n  - ${message}`);
    expect(registered).toEqual([]);
  });
});

describe("NATS users (pure)", () => {
  test("a service publishes under its own subjects and reads everyone's events", () => {
    const [auth] = natsAuthorization(["auth"]).users;
    expect(auth!.permissions.publish.allow).toContain("events.auth.>");
    expect(auth!.permissions.publish.allow).not.toContain("events.>");
    expect(auth!.permissions.subscribe.allow).toContain("events.>");
    expect(natsPasswordEnv("my-svc")).toBe("NATS_PASSWORD_MY_SVC");
  });

  test("the JetStream API: its own stream, its own consumers on any stream, never a wildcard over the API", () => {
    const [catalog] = natsAuthorization(["catalog"]).users;
    expect(catalog!.permissions.publish.allow).toEqual([
      "events.catalog.>",
      "$JS.API.INFO",
      "$JS.API.STREAM.NAMES",
      "$JS.API.STREAM.CREATE.EVENTS_CATALOG",
      "$JS.API.STREAM.UPDATE.EVENTS_CATALOG",
      "$JS.API.STREAM.PURGE.EVENTS_CATALOG",
      "$JS.API.STREAM.DELETE.EVENTS_CATALOG",
      "$JS.API.STREAM.MSG.GET.EVENTS_CATALOG",
      "$JS.API.STREAM.MSG.DELETE.EVENTS_CATALOG",
      "$JS.API.STREAM.INFO.*",
      "$JS.API.CONSUMER.CREATE.*.catalog",
      "$JS.API.CONSUMER.CREATE.*.catalog.>",
      "$JS.API.CONSUMER.DURABLE.CREATE.*.catalog",
      "$JS.API.CONSUMER.INFO.*.catalog",
      "$JS.API.CONSUMER.DELETE.*.catalog",
      "$JS.API.CONSUMER.MSG.NEXT.*.catalog",
      "$JS.ACK.*.catalog.>",
      "$JS.FC.*.catalog.>",
    ]);
    // Replies come to its own inboxes only; nobody may publish into an inbox (a forged reply).
    expect(catalog!.permissions.subscribe.allow).toEqual(["events.>", "_INBOX.catalog.>"]);
    expect([eventStream("my-svc"), inboxPrefix("my-svc")]).toEqual(["EVENTS_MY_SVC", "_INBOX.my-svc"]);
  });
});
