/**
 * What each resource of a plan waits for before the engine creates it, as a graph: the structural checks
 * ("RDS never waits for the cluster") and the first-`up` timeline (harness/timeline.ts) both read it. Pure:
 * it takes the planner's records or resources.json's entries alike.
 *
 * A resource waits for (each an edge, measured with @pulumi/pulumi 3.248; see harness/mock-runtime.ts):
 * - `dependency`: every URN of the engine's request (`waitsFor`: explicit and input dependencies, a
 *   component already expanded by the SDK into its custom resources). A URN naming a local component is
 *   expanded here the same way, so hand-built graphs and resources.json behave alike.
 * - `provider`: its provider (a custom resource), or a component's `providers`: the SDK sends nothing
 *   for a component before each of its providers is created, so a Kubernetes provider built from a cluster's
 *   kubeconfig, handed to a component as `providers`, holds every child of it (an RDS instance too) until the
 *   cluster is created.
 * - `deletedWith`: the SDK awaits that resource's URN too.
 * - `parent`: the Node SDK registers a child only once its parent's URN resolves. A custom parent's URN
 *   resolves when it is created; a component's once its own request is sent, which is after everything the
 *   component waits for. So a component is a node that takes no time, reached when all of its own waits are
 *   over; its children wait for it, and so, recursively, for every dependency of every component above them.
 *   A `dependsOn` on a component delays every child of it, cloud resources included.
 *
 * A component is "registered" (its children may start), never "complete": a wait for a whole component is
 * the dependency expansion above, as the engine's request spells it.
 */

/** What the graph reads of a resource. */
export interface GraphResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly custom: boolean;
  readonly remote?: boolean;
  /** The request's dependency list; absent means none. */
  readonly waitsFor?: readonly string[];
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly options?: {
    readonly provider?: string;
    readonly providers?: Readonly<Record<string, string>>;
    readonly deletedWith?: string;
  };
}

export type WaitKind = "dependency" | "provider" | "deletedWith" | "parent";

export interface WaitEdge {
  /** The URN waited for. */
  readonly to: string;
  readonly kind: WaitKind;
}

/** One step of a path: `resource` waits for the next step's resource by `kind` (absent on the last). */
export interface WaitStep {
  readonly resource: GraphResource;
  readonly kind?: WaitKind;
}

/** A local component: no provider creates it, and it takes no time. */
export const isComponent = (r: GraphResource): boolean => !r.custom && !r.remote;

export class WaitGraph {
  readonly resources: readonly GraphResource[];
  private readonly byUrn = new Map<string, GraphResource>();
  private readonly children = new Map<string, GraphResource[]>();
  private readonly edgeCache = new Map<string, readonly WaitEdge[]>();
  private waiterIndex: Map<string, string[]> | undefined;

  constructor(resources: readonly GraphResource[]) {
    this.resources = resources;
    for (const r of resources) {
      if (this.byUrn.has(r.urn)) throw new Error(`the plan holds ${r.urn} twice`);
      this.byUrn.set(r.urn, r);
    }
    for (const r of resources) {
      if (r.parent === undefined) continue;
      const siblings = this.children.get(r.parent);
      if (siblings) siblings.push(r);
      else this.children.set(r.parent, [r]);
    }
    for (const r of resources) this.edges(r.urn); // every URN referenced must be in the plan: fail early
  }

  /** The resource with `urn`; throws naming it when the plan does not hold it. */
  get(urn: string): GraphResource {
    const r = this.byUrn.get(urn);
    if (!r) throw new Error(`the plan holds no resource ${urn}`);
    return r;
  }

  has(urn: string): boolean {
    return this.byUrn.has(urn);
  }

  /**
   * What `urn` waits for directly, each URN once, under the first of its kinds in the order dependency,
   * provider, deletedWith, parent.
   */
  edges(urn: string): readonly WaitEdge[] {
    const cached = this.edgeCache.get(urn);
    if (cached) return cached;
    const r = this.get(urn);
    const edges = new Map<string, WaitKind>();
    const add = (to: string, kind: WaitKind) => {
      if (to === urn || edges.has(to)) return;
      if (!this.byUrn.has(to))
        throw new Error(`${r.type} ${r.name} waits (${kind}) for ${to}, which the plan does not hold`);
      edges.set(to, kind);
    };
    for (const d of r.waitsFor ?? []) for (const u of this.expand(d, urn)) add(u, "dependency");
    if (r.options?.provider) add(r.options.provider, "provider");
    for (const p of Object.values(r.options?.providers ?? {})) add(p, "provider");
    if (r.options?.deletedWith) add(r.options.deletedWith, "deletedWith");
    if (r.parent !== undefined) add(r.parent, "parent");
    const list = [...edges].map(([to, kind]) => ({ to, kind }));
    this.edgeCache.set(urn, list);
    return list;
  }

  /**
   * A dependency on `urn` as the SDK sends it: a custom or remote resource is itself; a local component is
   * its custom and remote resources, through nested components, never into a custom resource's children,
   * and never `exclude` (the resource that waits) nor anything under it.
   */
  private expand(urn: string, exclude: string): string[] {
    const r = this.byUrn.get(urn);
    if (!r || !isComponent(r)) return [urn];
    const out: string[] = [];
    const walk = (c: string) => {
      for (const child of this.children.get(c) ?? []) {
        if (child.urn === exclude) continue;
        if (isComponent(child)) walk(child.urn);
        else out.push(child.urn);
      }
    };
    walk(urn);
    return out;
  }

  /** Whether `from` waits, directly or through others, for `to`. */
  waitsOn(from: string, to: string): boolean {
    return this.pathBetween(from, to) !== undefined;
  }

  /**
   * A shortest chain of waits from `from` to `to` (both included), or undefined when `from` never waits for
   * `to`. Each step says how its resource waits for the next one.
   */
  pathBetween(from: string, to: string): WaitStep[] | undefined {
    this.get(to);
    return this.pathToAny(from, (r) => r.urn === to);
  }

  /** A shortest chain of waits from `from` to the nearest resource matching `to`, or undefined. */
  pathToAny(from: string, to: (r: GraphResource) => boolean): WaitStep[] | undefined {
    this.get(from);
    const via = new Map<string, { prev: string; kind: WaitKind } | null>([[from, null]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      for (const e of this.edges(queue[i])) {
        if (via.has(e.to)) continue;
        via.set(e.to, { prev: queue[i], kind: e.kind });
        if (to(this.get(e.to))) return this.unwind(via, e.to);
        queue.push(e.to);
      }
    }
    return undefined;
  }

  private unwind(via: Map<string, { prev: string; kind: WaitKind } | null>, end: string): WaitStep[] {
    const steps: WaitStep[] = [{ resource: this.get(end) }];
    for (let v = via.get(end); v; v = via.get(v.prev))
      steps.unshift({ resource: this.get(v.prev), kind: v.kind });
    return steps;
  }

  /** Every resource that waits, directly or through others, for `urn`. */
  waitersOf(urn: string): Set<string> {
    this.get(urn);
    if (!this.waiterIndex) {
      this.waiterIndex = new Map();
      for (const r of this.resources)
        for (const e of this.edges(r.urn)) {
          const waiters = this.waiterIndex.get(e.to);
          if (waiters) waiters.push(r.urn);
          else this.waiterIndex.set(e.to, [r.urn]);
        }
    }
    const seen = new Set<string>();
    const stack = [urn];
    while (stack.length) {
      for (const w of this.waiterIndex.get(stack.pop()!) ?? []) {
        if (seen.has(w)) continue;
        seen.add(w);
        stack.push(w);
      }
    }
    return seen;
  }

  /**
   * For each resource matching `from` that waits for any resource matching `to`: a shortest path to the
   * nearest one. Empty when no such wait exists.
   */
  findWaits(from: (r: GraphResource) => boolean, to: (r: GraphResource) => boolean): WaitStep[][] {
    return this.resources
      .filter(from)
      .map((r) => this.pathToAny(r.urn, to))
      .filter((p): p is WaitStep[] => p !== undefined);
  }
}

/** `type name` of a resource, as the tree prints it. */
export const label = (r: GraphResource): string => `${r.type} ${r.name}`;

/**
 * A path for a failure message, one resource a line, each after how the one above waits for it:
 *
 *     aws:rds/instance:Instance postgres-instance
 *       -> (parent) ferrum:index:ManagedPostgres postgres
 *       -> (dependency) kubernetes:core/v1:Namespace namespace
 */
export function formatPath(path: readonly WaitStep[]): string {
  return path
    .map((s, i) => (i === 0 ? label(s.resource) : `  -> (${path[i - 1].kind}) ${label(s.resource)}`))
    .join("\n");
}
