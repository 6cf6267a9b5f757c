/** Keda's arguments: refused with every problem named before anything registers, the component included. */
import { Keda, type KedaArgs } from "../../components/keda";
import { underMocks } from "../helpers/pulumi";
import { expectArgumentsRefused } from "../helpers/refusals";

const REDIS_PODS = { matchLabels: { "app.kubernetes.io/name": "redis" }, ports: [6379, 26379] };

describe("Keda: arguments", () => {
  test("valid arguments register the release and the NetworkPolicy to Redis", async () => {
    const { registrations: r } = await underMocks(
      () => new Keda("keda", { watchNamespace: "ferrum", redisPods: REDIS_PODS }),
    );
    expect(r.resources.map((x) => `${x.type}::${x.name}`).sort()).toEqual([
      "ferrum:index:Keda::keda",
      "kubernetes:helm.sh/v3:Release::keda-release",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::keda-to-redis",
      "pulumi:pulumi:Stack::ferrum-test",
    ]);
  });

  test.each<[string, KedaArgs, string[]]>([
    [
      "a namespace that is no namespace name",
      { watchNamespace: "Ferrum" },
      ['watchNamespace must be a namespace name (got "Ferrum")'],
    ],
    [
      "no Redis port, and a bad namespace",
      { watchNamespace: "", redisPods: { ...REDIS_PODS, ports: [] } },
      [
        'watchNamespace must be a namespace name (got "")',
        "redisPods.ports must list TCP ports from 1 to 65535 (got [])",
      ],
    ],
    [
      "a port out of range",
      { watchNamespace: "ferrum", redisPods: { ...REDIS_PODS, ports: [6379, 70000] } },
      ["redisPods.ports must list TCP ports from 1 to 65535 (got [6379,70000])"],
    ],
  ])("%s is refused with every problem named, and nothing is registered", (_case, args, problems) =>
    expectArgumentsRefused(() => new Keda("keda", args), "Keda keda", problems),
  );
});
