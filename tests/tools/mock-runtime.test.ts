/**
 * What the mock runtime records of each registration's request: the dependency list as the engine gets it
 * (a `dependsOn` on a component expanded into its resources), input dependencies by input, a custom
 * resource's provider and a component's providers; and the wait graph read back from those records.
 */
import * as pulumi from "@pulumi/pulumi";
import { WaitGraph } from "../../harness/wait-graph";
import { underMocks, type Registrations } from "../helpers/pulumi";

class Comp extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions, make: (self: Comp) => void) {
    super("test:index:Comp", name, {}, opts);
    make(this);
    this.registerOutputs({});
  }
}
/** A custom resource of a made-up provider (the mocks echo its inputs). */
class Res extends pulumi.CustomResource {
  constructor(
    type: string,
    name: string,
    props: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
  ) {
    super(type, name, props, opts);
  }
}
class Provider extends pulumi.ProviderResource {
  constructor(pkg: string, name: string, props: Record<string, unknown> = {}) {
    super(pkg, name, props);
  }
}
const res = (name: string, props: Record<string, unknown> = {}, opts: pulumi.CustomResourceOptions = {}) =>
  new Res("test:index:Res", name, props, opts);

let reg: Registrations;
beforeAll(async () => {
  ({ registrations: reg } = await underMocks(() => {
    let slow: pulumi.CustomResource | undefined;
    const store = new Comp("store", {}, (self) => {
      slow = res("slow", {}, { parent: self });
      res("fast", {}, { parent: self });
      new Comp("store-inner", { parent: self }, (inner) => res("inner-child", {}, { parent: inner }));
    });
    res("after-store", {}, { dependsOn: [store] });
    res("reads-slow", { source: slow!.id });
    const provider = new Provider("kubernetes", "k8s");
    new Comp("app", { dependsOn: [store], providers: { kubernetes: provider } }, (self) => {
      res("app-child", {}, { parent: self });
      new Res("kubernetes:core/v1:ConfigMap", "app-config", {}, { parent: self });
    });
    // A provider built from a slow resource's output (a cluster's kubeconfig), given to a component only.
    const late = new Provider("kubernetes", "late-k8s", { kubeconfig: slow!.id });
    new Comp("gated", { providers: { kubernetes: late } }, (self) =>
      res("gated-child", {}, { parent: self }),
    );
    new Comp("free", {}, (self) => res("free-child", {}, { parent: self }));
  }));
});

const urnOf = (name: string) => reg.resources.find((r) => r.name === name)!.urn;
const one = (name: string) => reg.resources.find((r) => r.name === name)!;

test("a dependsOn on a component is recorded as the engine gets it: every resource in it, not the component", () => {
  const expected = ["slow", "fast", "inner-child"].map(urnOf).sort();
  expect([...one("after-store").waitsFor].sort()).toEqual(expected);
  expect([...one("after-store").options.dependsOn!].sort()).toEqual(expected);
  expect(one("after-store").waitsFor).not.toContain(urnOf("store"));
  expect(one("after-store").inputDependencies).toBeUndefined();
});

test("an input dependency is in waitsFor and, by input, in inputDependencies, not in options.dependsOn", () => {
  expect(one("reads-slow").waitsFor).toEqual([urnOf("slow")]);
  expect(one("reads-slow").inputDependencies).toEqual({ source: [urnOf("slow")] });
  expect(one("reads-slow").options.dependsOn).toBeUndefined();
});

test("a component's providers and a custom resource's provider are recorded by URN", () => {
  expect(one("app").options.providers).toEqual({ kubernetes: urnOf("k8s") });
  expect(one("app").waitsFor.sort()).toEqual(["slow", "fast", "inner-child"].map(urnOf).sort());
  expect(one("app-config").options.provider).toBe(urnOf("k8s"));
  expect(one("app-child").waitsFor).toEqual([]);
});

test("a child of a component that waits is sent only after what its component waits for", () => {
  const order = reg.resources.map((r) => r.name);
  expect(order.indexOf("app-child")).toBeGreaterThan(order.indexOf("app"));
  expect(order.indexOf("app")).toBeGreaterThan(order.indexOf("slow"));
});

test("a component's providers gate it: it is sent only once the provider is created", () => {
  const order = reg.resources.map((r) => r.name);
  expect(order.indexOf("late-k8s")).toBeGreaterThan(order.indexOf("slow"));
  expect(order.indexOf("gated")).toBeGreaterThan(order.indexOf("late-k8s"));
  expect(order.indexOf("gated-child")).toBeGreaterThan(order.indexOf("late-k8s"));
  // Constructed after it, a component without the provider is not held back.
  expect(order.indexOf("free-child")).toBeLessThan(order.indexOf("late-k8s"));
  expect(one("gated").waitsFor).toEqual([]);
  expect(one("gated").options.providers).toEqual({ kubernetes: urnOf("late-k8s") });
});

test("the wait graph read back from the records: a child waits for its component's dependencies", () => {
  const graph = new WaitGraph(reg.resources);
  expect(
    graph.pathBetween(urnOf("app-child"), urnOf("inner-child"))!.map((s) => [s.resource.name, s.kind]),
  ).toEqual([
    ["app-child", "parent"],
    ["app", "dependency"],
    ["inner-child", undefined],
  ]);
  expect(graph.waitsOn(urnOf("app-child"), urnOf("k8s"))).toBe(true);
  expect(graph.waitsOn(urnOf("reads-slow"), urnOf("fast"))).toBe(false);
  expect(
    graph.pathBetween(urnOf("gated-child"), urnOf("slow"))!.map((s) => [s.resource.name, s.kind]),
  ).toEqual([
    ["gated-child", "parent"],
    ["gated", "provider"],
    ["late-k8s", "dependency"],
    ["slow", undefined],
  ]);
  expect(graph.waitsOn(urnOf("free-child"), urnOf("slow"))).toBe(false);
});

test("FERRUM_SPEED=off: the program runs with Pulumi's own stack frames; on (the default), none are recorded", async () => {
  const statics = pulumi.Resource as unknown as { callsites(): unknown[] };
  const pulumis = statics.callsites;
  const limit = Error.stackTraceLimit;
  const seen = async (speed: string | undefined) => {
    const saved = process.env.FERRUM_SPEED;
    if (speed === undefined) delete process.env.FERRUM_SPEED;
    else process.env.FERRUM_SPEED = speed;
    try {
      const { result } = await underMocks(() => ({
        limit: Error.stackTraceLimit,
        pulumisCallsites: statics.callsites === pulumis,
      }));
      return result;
    } finally {
      if (saved === undefined) delete process.env.FERRUM_SPEED;
      else process.env.FERRUM_SPEED = saved;
    }
  };
  expect(await seen("off")).toEqual({ limit, pulumisCallsites: true });
  expect(await seen(undefined)).toEqual({ limit: 0, pulumisCallsites: false });
  expect(await seen("on")).toEqual({ limit: 0, pulumisCallsites: false });
  // Restored after either.
  expect([Error.stackTraceLimit, statics.callsites === pulumis]).toEqual([limit, true]);
});
