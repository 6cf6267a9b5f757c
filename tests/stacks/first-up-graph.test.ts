/**
 * The first `pulumi up` as short as its longest unavoidable chain: the wait graph of each cloud stack's
 * plan (every dependency, provider and parent the engine waits on, harness/wait-graph.ts) has none of the
 * false waits that made prod take about 47 minutes and prod-azure about 36, and its estimated duration
 * (harness/timeline.ts, from the create-time table of harness/create-times.ts) stays within the targets.
 */
import { timeline } from "../../harness/timeline";
import { type PlanResult } from "../../harness/planner";
import {
  expectNoWait,
  expectOnlyWaiters,
  expectWaitsFor,
  isRelease,
  ofType,
  type Selector,
} from "../helpers/graph";
import { sharedPlan } from "../helpers/shared-plans";

const T = {
  eks: "aws:eks/cluster:Cluster",
  aks: "azure-native:containerservice:ManagedCluster",
  rds: "aws:rds/instance:Instance",
  flexible: "azure-native:dbforpostgresql:Server",
  buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  namespace: "kubernetes:core/v1:Namespace",
  traefikObjects: [
    "kubernetes:traefik.io/v1alpha1:IngressRoute",
    "kubernetes:traefik.io/v1alpha1:Middleware",
    "kubernetes:traefik.io/v1alpha1:TLSStore",
  ],
  monitoringObjects: [
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  ],
  certManagerObjects: [
    "kubernetes:cert-manager.io/v1:ClusterIssuer",
    "kubernetes:cert-manager.io/v1:Certificate",
  ],
};

/** A local component "waits" for what its children wait for; nothing waits for a component here. */
const component: Selector = (r) => r.type.startsWith("ferrum:") || r.type === "pulumi:pulumi:Stack";
const either =
  (...selectors: Selector[]): Selector =>
  (r) =>
    selectors.some((s) => s(r));

const plans = new Map<string, PlanResult>();
const WITH_EVERYTHING = [
  "ferrum:observability.enabled=true",
  "ferrum:observability.tracing=true",
  "ferrum:eventBus.enabled=true",
  "ferrum:eventBus.replicas=3",
];
beforeAll(async () => {
  for (const stack of ["prod", "prod-azure"]) {
    plans.set(stack, await sharedPlan(stack));
    plans.set(`${stack} with observability and the event bus`, await sharedPlan(stack, WITH_EVERYTHING));
  }
}, 120_000);
const plan = (name: string) => plans.get(name)!;

describe.each([
  ["prod", T.eks, [T.rds, ...T.buckets], 28.5],
  ["prod-azure", T.aks, [T.flexible], 27.5],
])("%s", (stack, cluster, dataTier, target) => {
  test("no database or bucket waits for the cluster, the namespace or the Traefik release", () => {
    for (const p of [plan(stack), plan(`${stack} with observability and the event bus`)])
      expectNoWait(p, ofType(...dataTier), either(ofType(cluster, T.namespace), isRelease("traefik")));
  });

  test("every IngressRoute, Middleware and TLSStore waits for the Traefik release, and nothing else does", () => {
    const p = plan(stack);
    expectWaitsFor(p, ofType(...T.traefikObjects), isRelease("traefik"));
    // The certificate lands in Traefik's namespace, which the release creates.
    expectOnlyWaiters(
      p,
      isRelease("traefik"),
      either(ofType(...T.traefikObjects, "kubernetes:cert-manager.io/v1:Certificate"), component),
    );
  });

  test("every cert-manager object waits for the cert-manager release, and nothing else does", () => {
    const p = plan(stack);
    expectWaitsFor(p, ofType(...T.certManagerObjects), isRelease("cert-manager"));
    expectOnlyWaiters(p, isRelease("cert-manager"), either(ofType(...T.certManagerObjects), component));
  });

  test("every ServiceMonitor, PodMonitor and PrometheusRule waits for kube-prometheus-stack; besides, only the releases rendering one", () => {
    const p = plan(`${stack} with observability and the event bus`);
    expectWaitsFor(p, ofType(...T.monitoringObjects), isRelease("kube-prometheus-stack"));
    // Charts rendering a monitor of their own need the CRD for their release: NATS (a PodMonitor), Fluent
    // Bit and Tempo (ServiceMonitors). Nothing else waits, services and their Secrets included.
    expectOnlyWaiters(
      p,
      isRelease("kube-prometheus-stack"),
      either(
        ofType(...T.monitoringObjects),
        isRelease("nats"),
        isRelease("fluent-bit"),
        isRelease("tempo"),
        component,
      ),
    );
  });

  test(`the estimated first up takes at most ${target} minutes`, () => {
    const t = timeline(plan(stack).resources);
    expect(t.totalMinutes).toBeLessThanOrEqual(target);
  });
});

test("the remaining chains are the unavoidable ones: the managed database, its bootstrap, the web pods", () => {
  for (const [stack, database] of [
    ["prod", T.rds],
    ["prod-azure", T.flexible],
  ] as const) {
    const chain = timeline(plan(stack).resources).chain.map((l) => l.resource.type);
    expect(chain).toContain(database);
    expect(chain).toContain("kubernetes:batch/v1:Job");
    expect(chain).not.toContain(T.namespace);
  }
});

test("every Kubernetes resource names the stack's cluster provider: none falls back to the ambient kubeconfig", async () => {
  const dev = await sharedPlan("dev", WITH_EVERYTHING.slice(0, 3));
  for (const p of [...plans.values(), dev]) {
    const kubernetes = p.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
    expect(kubernetes.length).toBeGreaterThan(20);
    const providers = new Set(
      p.resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((r) => r.urn),
    );
    expect([...providers].filter((urn) => /::default/.test(urn))).toEqual([]);
    expect(kubernetes.filter((r) => !providers.has(r.options.provider ?? "")).map((r) => r.name)).toEqual([]);
  }
});
