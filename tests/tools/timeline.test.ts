/**
 * The first-`up` timeline on small hand-built plans (earliest starts, the parent gate, a dependency on a
 * component, the critical chain, the sum, cycles) and the create-time table's rules.
 */
import { createTime, OTHER_RESOURCE_MINUTES } from "../../harness/create-times";
import { renderTimeline, timeline } from "../../harness/timeline";
import type { GraphResource } from "../../harness/wait-graph";

const urn = (name: string) => `urn:pulumi:s::p::${name}`;

/** A resource by short name; `minutes` is read by the test's create times, not the real table. */
function r(
  name: string,
  o: { component?: boolean; parent?: string; waitsFor?: string[]; provider?: string; minutes?: number } = {},
): GraphResource {
  return {
    urn: urn(name),
    type: o.component ? "test:index:Component" : "test:index:Res",
    name,
    ...(o.parent ? { parent: urn(o.parent) } : {}),
    custom: !o.component,
    waitsFor: (o.waitsFor ?? []).map(urn),
    inputs: { minutes: o.minutes ?? 0 },
    options: o.provider ? { provider: urn(o.provider) } : {},
  };
}
const times = (x: GraphResource) => ({
  minutes: x.custom ? Number(x.inputs?.minutes) : 0,
  what: x.custom ? "test" : "component",
});
const chainOf = (t: ReturnType<typeof timeline>) =>
  t.chain.map((l) => [l.resource.name, l.start, l.finish, l.via ?? null]);

describe("the schedule", () => {
  test("each resource starts when the last thing it waits for is created; independent ones run together", () => {
    const t = timeline(
      [
        r("vpc", { minutes: 1 }),
        r("nat", { waitsFor: ["vpc"], minutes: 2 }),
        r("eks", { waitsFor: ["vpc"], minutes: 10 }),
        r("nodes", { waitsFor: ["eks", "nat"], minutes: 4 }),
        r("bucket", { minutes: 0.5 }),
      ],
      times,
    );
    const at = (n: string) => {
      const s = t.schedule.get(urn(n))!;
      return [s.start, s.finish];
    };
    expect([at("vpc"), at("nat"), at("eks"), at("nodes"), at("bucket")]).toEqual([
      [0, 1],
      [1, 3],
      [1, 11],
      [11, 15],
      [0, 0.5],
    ]);
    expect(t.totalMinutes).toBe(15);
    expect(t.sumMinutes).toBe(17.5);
    expect(chainOf(t)).toEqual([
      ["vpc", 0, 1, null],
      ["eks", 1, 11, "dependency"],
      ["nodes", 11, 15, "dependency"],
    ]);
  });

  test("the parent gate: a child of a component starts only after the component's dependencies", () => {
    // db waits for nothing itself, but its component depends on ns, which waits for the cluster.
    const plan = [
      r("cluster", { minutes: 10 }),
      r("ns", { waitsFor: ["cluster"], minutes: 0.05 }),
      r("postgres", { component: true, waitsFor: ["ns"] }),
      r("inner", { component: true, parent: "postgres" }),
      r("db", { parent: "inner", minutes: 20 }),
    ];
    const t = timeline(plan, times);
    expect(t.schedule.get(urn("db"))).toMatchObject({ start: 10.05, finish: 30.05 });
    expect(t.schedule.get(urn("postgres"))).toMatchObject({ start: 10.05, finish: 10.05, minutes: 0 });
    expect(t.totalMinutes).toBe(30.05);
    expect(chainOf(t)).toEqual([
      ["cluster", 0, 10, null],
      ["ns", 10, 10.05, "dependency"],
      ["postgres", 10.05, 10.05, "dependency"],
      ["inner", 10.05, 10.05, "parent"],
      ["db", 10.05, 30.05, "parent"],
    ]);
    // Without the component's dependency, the database starts at once.
    const free = timeline(
      plan.map((x) => (x.name === "postgres" ? { ...x, waitsFor: [] } : x)),
      times,
    );
    expect(free.totalMinutes).toBe(20);
  });

  test("a dependency on a component waits for every resource in it, not for the component alone", () => {
    const t = timeline(
      [
        r("store", { component: true }),
        r("bucket", { parent: "store", minutes: 1 }),
        r("job", { parent: "store", waitsFor: ["bucket"], minutes: 2 }),
        r("app", { waitsFor: ["store"], minutes: 3 }),
      ],
      times,
    );
    expect(t.schedule.get(urn("app"))).toMatchObject({ start: 3, finish: 6 });
    expect(chainOf(t)).toEqual([
      ["bucket", 0, 1, null],
      ["job", 1, 3, "dependency"],
      ["app", 3, 6, "dependency"],
    ]);
  });

  test("a provider is waited for like a dependency", () => {
    const t = timeline(
      [
        r("cluster", { minutes: 8 }),
        r("k8s", { waitsFor: ["cluster"], minutes: 0.05 }),
        r("deploy", { provider: "k8s", minutes: 3 }),
      ],
      times,
    );
    expect(chainOf(t).map((l) => [l[0], l[3]])).toEqual([
      ["cluster", null],
      ["k8s", "dependency"],
      ["deploy", "provider"],
    ]);
    expect(t.totalMinutes).toBe(11.05);
  });

  test("sums of hundredths stay exact, so a bound such as 'at most 1.5 minutes' holds", () => {
    const plan = Array.from({ length: 30 }, (_, i) =>
      r(`s${i}`, { waitsFor: i ? [`s${i - 1}`] : [], minutes: 0.05 }),
    );
    const t = timeline(plan, times);
    expect(t.totalMinutes).toBe(1.5);
    expect(t.sumMinutes).toBe(1.5);
    expect(t.chain).toHaveLength(30);
  });

  test("a chain of 20,000 waits is scheduled without overflowing the stack", () => {
    const plan = Array.from({ length: 20_000 }, (_, i) =>
      r(`s${i}`, { waitsFor: i ? [`s${i - 1}`] : [], minutes: 1 }),
    );
    expect(timeline(plan.reverse(), times).totalMinutes).toBe(20_000);
  });

  test("a cycle of waits is refused, naming it", () => {
    expect(() =>
      timeline(
        [r("a", { waitsFor: ["b"] }), r("b", { waitsFor: ["c"] }), r("c", { waitsFor: ["a"] })],
        times,
      ),
    ).toThrow(
      "the plan's waits form a cycle, which the engine could never finish: test:index:Res a -> test:index:Res b -> test:index:Res c -> test:index:Res a",
    );
  });

  test("the rendering: the estimate, the sum, and each link with its start, finish and how it waits", () => {
    const text = renderTimeline(
      "prod",
      timeline(
        [
          r("cluster", { minutes: 10 }),
          r("postgres", { component: true, waitsFor: ["cluster"] }),
          r("db", { parent: "postgres", minutes: 20 }),
        ],
        times,
      ),
    );
    expect(text).toContain("Estimated first `pulumi up` of prod: 30.00 minutes\n");
    expect(text).toContain("all create times added up: 30.00 minutes");
    expect(text).toContain(`    0.00  10.00${" ".repeat(16)}test:index:Res        cluster  [test]\n`);
    expect(text).toContain(
      "   10.00  10.00  (dependency)  test:index:Component  postgres  [component: its children start here]",
    );
    expect(text).toContain("   10.00  30.00  (parent)      test:index:Res        db  [test]");
  });
});

describe("the create-time table", () => {
  const res = (type: string, inputs: Record<string, unknown> = {}, name = "x"): GraphResource => ({
    urn: urn(name),
    type,
    name,
    custom: true,
    inputs,
  });
  const labels = (l: Record<string, string>) => ({ metadata: { labels: l } });

  test.each([
    ["EKS cluster", 10, res("aws:eks/cluster:Cluster")],
    ["EKS node group", 4, res("aws:eks/nodeGroup:NodeGroup")],
    ["EKS add-on", 1, res("aws:eks/addon:Addon", { addonName: "vpc-cni" })],
    ["CoreDNS add-on", 1.5, res("aws:eks/addon:Addon", { addonName: "coredns" })],
    ["EBS CSI add-on", 1.5, res("aws:eks/addon:Addon", { addonName: "aws-ebs-csi-driver" })],
    ["RDS Multi-AZ", 20, res("aws:rds/instance:Instance", { multiAz: true })],
    ["RDS single-AZ (not in the table)", 0.05, res("aws:rds/instance:Instance", { multiAz: false })],
    ["ElastiCache", 12, res("aws:elasticache/replicationGroup:ReplicationGroup")],
    ["NAT gateway", 2, res("aws:ec2/natGateway:NatGateway")],
    ["AKS", 8, res("azure-native:containerservice:ManagedCluster")],
    [
      "Flexible Server, zone-redundant HA",
      15,
      res("azure-native:dbforpostgresql:Server", { highAvailability: { mode: "ZoneRedundant" } }),
    ],
    [
      "Flexible Server without HA (not in the table)",
      0.05,
      res("azure-native:dbforpostgresql:Server", { highAvailability: { mode: "Disabled" } }),
    ],
    ["Flexible Server database", 0.75, res("azure-native:dbforpostgresql:Database")],
    ["Flexible Server configuration", 0.75, res("azure-native:dbforpostgresql:Configuration")],
    ["Azure Managed Redis", 15, res("azure-native:redisenterprise:RedisEnterprise")],
    ["Traefik release", 3, res("kubernetes:helm.sh/v3:Release", { chart: "traefik" })],
    [
      "Traefik from an OCI chart",
      3,
      res("kubernetes:helm.sh/v3:Release", { chart: "oci://ghcr.io/traefik/helm/traefik" }),
    ],
    ["other Helm release", 1.5, res("kubernetes:helm.sh/v3:Release", { chart: "metrics-server" })],
    ["web Deployment by name", 3, res("kubernetes:apps/v1:Deployment", {}, "auth-web")],
    [
      "web Deployment by label",
      3,
      res("kubernetes:apps/v1:Deployment", labels({ "app.kubernetes.io/component": "web" })),
    ],
    [
      "other Deployment",
      1.5,
      res("kubernetes:apps/v1:Deployment", labels({ "app.kubernetes.io/component": "beat" }), "auth-beat"),
    ],
    [
      "Redis StatefulSet",
      3,
      res("kubernetes:apps/v1:StatefulSet", labels({ "app.kubernetes.io/name": "redis" })),
    ],
    [
      "MinIO StatefulSet",
      3,
      res("kubernetes:apps/v1:StatefulSet", labels({ "app.kubernetes.io/name": "minio" })),
    ],
    [
      "other StatefulSet",
      1.5,
      res("kubernetes:apps/v1:StatefulSet", labels({ "app.kubernetes.io/name": "nats" })),
    ],
    ["Job", 1, res("kubernetes:batch/v1:Job")],
    ["anything else", OTHER_RESOURCE_MINUTES, res("kubernetes:core/v1:ConfigMap")],
    ["a component", 0, { ...res("ferrum:index:ManagedPostgres"), custom: false }],
  ])("%s: %p minutes", (_what, minutes, resource) => {
    expect(createTime(resource).minutes).toBe(minutes);
  });

  test("'anything else' is seconds: 0.05 minutes", () => {
    expect(OTHER_RESOURCE_MINUTES).toBe(0.05);
  });
});
