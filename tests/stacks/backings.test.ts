/**
 * The opt-in backing services, read by config/backings and built by stacks/backings.ts: every one config
 * reads is built, a backing service that is on binds every service and adds its outputs, one that is off
 * leaves no trace, and its settings while off are refused as doing nothing.
 */
import { parseConfig } from "../../config";
import { BACKING_KEYS, BACKING_SETTINGS, settingsOfOffBackings } from "../../config/backings";
import { STRUCTURED_KEYS } from "../../config/keys";
import { BACKINGS } from "../../stacks/backings";
import { REQUIRED_CONFIG } from "../helpers/config";
import { sharedPlan } from "../helpers/shared-plans";

const SERVICES = ["auth", "user", "content", "catalog"];

describe("the registry", () => {
  test("every backing service config reads has a builder, and each is a structured key", () => {
    expect(Object.keys(BACKINGS).sort()).toEqual([...BACKING_KEYS].sort());
    expect(BACKING_KEYS).toEqual(Object.keys(BACKING_SETTINGS));
    for (const key of BACKING_KEYS) expect(STRUCTURED_KEYS).toContain(key);
  });
});

describe("a backing service that is on (the event bus)", () => {
  const on = ["ferrum:eventBus.enabled=true"];

  test("binds every service: NATS_URL in its ConfigMap, its own NATS user and password in its Secret", async () => {
    const plan = await sharedPlan("dev", on);
    for (const service of SERVICES) {
      const config = plan.resources.find(
        (r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name === `${service}-config`,
      )!.inputs as any;
      expect(config.data.NATS_URL).toBe("nats://nats.ferrum.svc.cluster.local:4222");
      const secret = plan.resources.find(
        (r) => r.type === "kubernetes:core/v1:Secret" && r.name === `${service}-secret`,
      )!.inputs as any;
      expect(JSON.stringify(secret.stringData)).toContain("NATS_PASSWORD");
      expect(JSON.stringify(secret.stringData)).toContain("NATS_USER");
    }
    expect(plan.outputs.find((o) => o.name === "natsUrl")).toEqual({
      name: "natsUrl",
      secret: false,
      value: "nats://nats.ferrum.svc.cluster.local:4222",
    });
  });

  test("when off (the committed dev stack), nothing of it is planned", async () => {
    const plan = await sharedPlan("dev");
    expect(plan.resources.filter((r) => r.type === "ferrum:index:EventBus")).toEqual([]);
    expect(plan.outputs.map((o) => o.name)).not.toContain("natsUrl");
    expect(JSON.stringify(plan.resources.map((r) => r.inputs))).not.toContain("NATS_");
  });
});

describe("the settings of a backing service that is off", () => {
  test("are refused as doing nothing, naming the key, the value and the fix", () => {
    const result = parseConfig({ ...REQUIRED_CONFIG.k3s, "ferrum:eventBus": '{"replicas":3}' }, "dev");
    expect(result.problems).toEqual([
      "ferrum:eventBus.replicas does nothing on this stack (got 3): the event bus is off (eventBus.enabled is false); remove it with: pulumi config rm --path 'ferrum:eventBus.replicas' -s dev",
    ]);
  });

  test("only the settings its reader knows: an unknown one is left to the reader's own refusal", () => {
    expect(
      settingsOfOffBackings(
        { eventBus: { enabled: false, replicas: 3, colour: "red" } },
        {
          eventBus: { enabled: false, replicas: 3, storageGiB: 10 },
        },
      ),
    ).toEqual([
      { key: "eventBus.replicas", value: 3, why: "the event bus is off (eventBus.enabled is false)" },
    ]);
  });
});
