/**
 * Structural checks of a plan's wait graph (harness/wait-graph.ts) for tests: each throws with every
 * offending resource and the chain of waits that makes it offend, and throws too when a selector matches
 * nothing (a check of nothing would pass whatever the program does).
 *
 *     expectNoWait(plan, ofType(T.rdsInstance), ofType(T.eksCluster, T.namespace));
 *     expectWaitsFor(plan, ofType(T.ingressRoute, T.middleware), isRelease("traefik"));
 *     expectOnlyWaiters(plan, isRelease("traefik"), ofType(T.ingressRoute, T.middleware));
 */
import { formatPath, label, WaitGraph, type GraphResource, type WaitStep } from "../../harness/wait-graph";

export type Selector = (r: GraphResource) => boolean;

/** A plan (the planner's result), resources.json's entries or a graph already built. */
export type PlanLike =
  { readonly resources: readonly GraphResource[] } | readonly GraphResource[] | WaitGraph;

const graphs = new WeakMap<readonly GraphResource[], WaitGraph>();

/** The plan's wait graph, built once per plan. */
export function waitGraph(plan: PlanLike): WaitGraph {
  if (plan instanceof WaitGraph) return plan;
  const resources = "resources" in plan ? plan.resources : (plan as readonly GraphResource[]);
  let graph = graphs.get(resources);
  if (!graph) graphs.set(resources, (graph = new WaitGraph(resources)));
  return graph;
}

export const ofType =
  (...types: string[]): Selector =>
  (r) =>
    types.includes(r.type);

export const named =
  (type: string, name: string): Selector =>
  (r) =>
    r.type === type && r.name === name;

/** A Helm release (or v4 Chart) of the chart `chart` ("traefik", "oci://.../traefik" alike). */
export const isRelease =
  (chart: string): Selector =>
  (r) =>
    ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"].includes(r.type) &&
    String(r.inputs?.chart ?? "")
      .split("/")
      .pop() === chart;

function matching(graph: WaitGraph, select: Selector, role: string): GraphResource[] {
  const found = graph.resources.filter(select);
  if (!found.length)
    throw new Error(`no resource of the plan matches ${role}: the check would check nothing`);
  return found;
}

/** Every resource matching `from` that waits, directly or not, for one matching `to`, with its path. */
export function waitsBetween(plan: PlanLike, from: Selector, to: Selector): WaitStep[][] {
  const graph = waitGraph(plan);
  matching(graph, from, "`from`");
  matching(graph, to, "`to`");
  return graph.findWaits(from, to);
}

/** Fails when a resource matching `from` waits for one matching `to`, showing each such chain of waits. */
export function expectNoWait(plan: PlanLike, from: Selector, to: Selector): void {
  const paths = waitsBetween(plan, from, to);
  if (paths.length)
    throw new Error(
      `${paths.length} resource(s) wait for what they must not:\n\n${paths.map(formatPath).join("\n\n")}`,
    );
}

/** Fails when a resource matching `from` does not wait for any resource matching `to`, naming each. */
export function expectWaitsFor(plan: PlanLike, from: Selector, to: Selector): void {
  const graph = waitGraph(plan);
  matching(graph, to, "`to`");
  const missing = matching(graph, from, "`from`").filter((r) => !graph.pathToAny(r.urn, to));
  if (missing.length)
    throw new Error(
      `${missing.length} resource(s) do not wait for what they need:\n${missing.map((r) => `  ${label(r)}`).join("\n")}`,
    );
}

/**
 * Fails when anything not matching `allowed` waits, directly or not, for a resource matching `target`,
 * showing each such chain of waits.
 */
export function expectOnlyWaiters(plan: PlanLike, target: Selector, allowed: Selector): void {
  const graph = waitGraph(plan);
  const offenders: WaitStep[][] = [];
  for (const t of matching(graph, target, "`target`"))
    for (const urn of graph.waitersOf(t.urn)) {
      const waiter = graph.get(urn);
      if (!allowed(waiter)) offenders.push(graph.pathBetween(urn, t.urn)!);
    }
  if (offenders.length)
    throw new Error(
      `${offenders.length} resource(s) wait for ${[...new Set(offenders.map((p) => label(p[p.length - 1].resource)))].join(", ")} without needing to:\n\n${offenders.map(formatPath).join("\n\n")}`,
    );
}
