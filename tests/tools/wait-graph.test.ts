/**
 * The wait graph on small hand-built plans: which edges a resource waits on (dependencies, provider,
 * parent gate, a dependency on a component), the queries, and the structural-check helpers built on them.
 */
import { formatPath, WaitGraph, type GraphResource } from "../../harness/wait-graph";
import { expectNoWait, expectOnlyWaiters, expectWaitsFor, isRelease, named, ofType } from "../helpers/graph";

const COMPONENT = "test:index:Component";
const RES = "test:index:Res";
const urn = (name: string) => `urn:pulumi:s::p::${name}`;

/** A resource of the plan, by short name: `urn` is urn:pulumi:s::p::<name>. */
function r(
  name: string,
  o: {
    component?: boolean;
    type?: string;
    parent?: string;
    waitsFor?: string[];
    provider?: string;
    providers?: Record<string, string>;
    inputs?: Record<string, unknown>;
  } = {},
): GraphResource {
  return {
    urn: urn(name),
    type: o.type ?? (o.component ? COMPONENT : RES),
    name,
    ...(o.parent ? { parent: urn(o.parent) } : {}),
    custom: !o.component,
    waitsFor: (o.waitsFor ?? []).map(urn),
    inputs: o.inputs ?? {},
    options: {
      ...(o.provider ? { provider: urn(o.provider) } : {}),
      ...(o.providers
        ? { providers: Object.fromEntries(Object.entries(o.providers).map(([k, v]) => [k, urn(v)])) }
        : {}),
    },
  };
}

const names = (urns: Iterable<string>) => [...urns].map((u) => u.slice(urn("").length)).sort();
const pathNames = (g: WaitGraph, a: string, b: string) =>
  g.pathBetween(urn(a), urn(b))?.map((s) => [s.resource.name, s.kind ?? null]);

/**
 *   stack
 *   ├── network (component)            vpc, nat (waits for vpc)
 *   ├── cluster (component)            eks (waits for nat), k8s provider (waits for eks)
 *   ├── ns (custom)                    provider k8s
 *   └── postgres (component, dependsOn ns: the request lists ns, providers: k8s)
 *       ├── inner (component)          sg
 *       └── rds (waits for sg)
 *   app (waits for postgres: a component, expanded into sg and rds)
 */
const plan = [
  r("stack", { component: true }),
  r("network", { component: true, parent: "stack" }),
  r("vpc", { parent: "network" }),
  r("nat", { parent: "network", waitsFor: ["vpc"] }),
  r("cluster", { component: true, parent: "stack" }),
  r("eks", { parent: "cluster", waitsFor: ["nat"] }),
  r("k8s", { parent: "cluster", type: "pulumi:providers:kubernetes", waitsFor: ["eks"] }),
  r("ns", { parent: "stack", provider: "k8s" }),
  r("postgres", { component: true, parent: "stack", waitsFor: ["ns"], providers: { kubernetes: "k8s" } }),
  r("inner", { component: true, parent: "postgres" }),
  r("sg", { parent: "inner", waitsFor: ["vpc"] }),
  r("rds", { parent: "postgres", waitsFor: ["sg"] }),
  r("app", { parent: "stack", waitsFor: ["postgres"] }),
];
const graph = new WaitGraph(plan);

describe("the edges a resource waits on", () => {
  test("its dependencies, its provider and its parent, each once, in that order", () => {
    expect(graph.edges(urn("ns")).map((e) => [names([e.to])[0], e.kind])).toEqual([
      ["k8s", "provider"],
      ["stack", "parent"],
    ]);
    expect(graph.edges(urn("nat")).map((e) => [names([e.to])[0], e.kind])).toEqual([
      ["vpc", "dependency"],
      ["network", "parent"],
    ]);
  });

  test("a component waits for its dependencies and its providers before its children may start", () => {
    expect(graph.edges(urn("postgres")).map((e) => [names([e.to])[0], e.kind])).toEqual([
      ["ns", "dependency"],
      ["k8s", "provider"],
      ["stack", "parent"],
    ]);
  });

  test("a dependency on a component is one on its custom resources, through nested components", () => {
    expect(
      names(
        graph
          .edges(urn("app"))
          .filter((e) => e.kind === "dependency")
          .map((e) => e.to),
      ),
    ).toEqual(["rds", "sg"]);
  });

  test("a dependency on a component skips the children of its custom resources, and the waiter itself", () => {
    const g = new WaitGraph([
      r("c", { component: true }),
      r("bucket", { parent: "c" }),
      r("policy", { parent: "bucket" }),
      r("late", { parent: "c", waitsFor: ["c"] }),
    ]);
    expect(names(g.edges(urn("late")).map((e) => e.to))).toEqual(["bucket", "c"]);
    expect(g.edges(urn("late")).map((e) => e.kind)).toEqual(["dependency", "parent"]);
  });

  test("a URN the plan does not hold is refused, naming who waits for it and how", () => {
    expect(() => new WaitGraph([r("a", { waitsFor: ["ghost"] })])).toThrow(
      `test:index:Res a waits (dependency) for ${urn("ghost")}, which the plan does not hold`,
    );
  });
});

describe("the parent gate", () => {
  test("a child waits, through its parent, for the component's dependencies and up the parent chain", () => {
    // sg's own dependency is only vpc, but its parents wait for ns and for the Kubernetes provider.
    expect(graph.waitsOn(urn("sg"), urn("eks"))).toBe(true);
    expect(pathNames(graph, "sg", "eks")).toEqual([
      ["sg", "parent"],
      ["inner", "parent"],
      ["postgres", "provider"],
      ["k8s", "dependency"],
      ["eks", null],
    ]);
    expect(pathNames(graph, "sg", "ns")).toEqual([
      ["sg", "parent"],
      ["inner", "parent"],
      ["postgres", "dependency"],
      ["ns", null],
    ]);
  });

  test("a parent's other children are not waited for", () => {
    expect(graph.waitsOn(urn("sg"), urn("rds"))).toBe(false);
    expect(graph.waitsOn(urn("eks"), urn("k8s"))).toBe(false);
  });
});

describe("queries", () => {
  test("waitsOn is transitive and directed", () => {
    expect(graph.waitsOn(urn("rds"), urn("vpc"))).toBe(true);
    expect(graph.waitsOn(urn("vpc"), urn("rds"))).toBe(false);
    expect(graph.waitsOn(urn("vpc"), urn("vpc"))).toBe(false);
  });

  test("pathBetween is a shortest chain, undefined when there is none", () => {
    expect(pathNames(graph, "rds", "vpc")).toEqual([
      ["rds", "dependency"],
      ["sg", "dependency"],
      ["vpc", null],
    ]);
    expect(graph.pathBetween(urn("vpc"), urn("rds"))).toBeUndefined();
  });

  test("waitersOf: everything that waits for a resource, directly or not", () => {
    expect(names(graph.waitersOf(urn("eks")))).toEqual([
      "app",
      "inner",
      "k8s",
      "ns",
      "postgres",
      "rds",
      "sg",
    ]);
    expect(names(graph.waitersOf(urn("rds")))).toEqual(["app"]);
  });

  test("formatPath shows each resource under how the one above waits for it", () => {
    expect(formatPath(graph.pathBetween(urn("rds"), urn("ns"))!)).toBe(
      [
        "test:index:Res rds",
        "  -> (parent) test:index:Component postgres",
        "  -> (dependency) test:index:Res ns",
      ].join("\n"),
    );
  });
});

describe("the structural-check helpers", () => {
  const byName =
    (...ns: string[]) =>
    (x: GraphResource) =>
      ns.includes(x.name);

  test("expectNoWait passes without a wait and fails with every offending chain", () => {
    expect(() => expectNoWait(plan, byName("vpc", "nat"), byName("eks", "ns"))).not.toThrow();
    expect(() => expectNoWait(plan, byName("rds", "vpc"), byName("eks", "ns"))).toThrow(
      "1 resource(s) wait for what they must not:\n\ntest:index:Res rds\n  -> (parent) test:index:Component postgres\n  -> (dependency) test:index:Res ns",
    );
  });

  test("expectWaitsFor names each resource that does not wait for what it needs", () => {
    expect(() => expectWaitsFor(plan, byName("rds", "sg"), byName("vpc"))).not.toThrow();
    expect(() => expectWaitsFor(plan, byName("rds", "nat"), byName("sg"))).toThrow(
      "1 resource(s) do not wait for what they need:\n  test:index:Res nat",
    );
  });

  test("expectOnlyWaiters fails for a waiter outside the allowed set, with its chain", () => {
    expect(() => expectOnlyWaiters(plan, byName("rds"), byName("app"))).not.toThrow();
    expect(() => expectOnlyWaiters(plan, byName("sg"), byName("rds"))).toThrow(
      "1 resource(s) wait for test:index:Res sg without needing to:\n\ntest:index:Res app\n  -> (dependency) test:index:Res sg",
    );
  });

  test("a selector that matches nothing fails rather than checking nothing", () => {
    expect(() => expectNoWait(plan, byName("typo"), byName("eks"))).toThrow(
      "no resource of the plan matches `from`: the check would check nothing",
    );
    expect(() => expectWaitsFor(plan, byName("rds"), byName("typo"))).toThrow(
      "no resource of the plan matches `to`",
    );
    expect(() => expectOnlyWaiters(plan, byName("typo"), byName("rds"))).toThrow(
      "no resource of the plan matches `target`",
    );
  });

  test("selectors: by type, by type and name, a Helm release by its chart's last path segment", () => {
    const release = (chart: string) =>
      r(`rel-${chart.length}`, { type: "kubernetes:helm.sh/v3:Release", inputs: { chart } });
    expect(isRelease("traefik")(release("oci://ghcr.io/traefik/helm/traefik"))).toBe(true);
    expect(isRelease("traefik")(release("traefik/traefik"))).toBe(true);
    expect(isRelease("traefik")(release("traefik-crds"))).toBe(false);
    expect(isRelease("traefik")(r("x", { inputs: { chart: "traefik" } }))).toBe(false);
    expect(plan.filter(ofType(COMPONENT)).map((x) => x.name)).toEqual([
      "stack",
      "network",
      "cluster",
      "postgres",
      "inner",
    ]);
    expect(plan.filter(named(RES, "sg"))).toHaveLength(1);
  });
});
