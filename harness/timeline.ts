/**
 * The estimated first `pulumi up` of a plan: every resource starts as soon as everything it waits for
 * (harness/wait-graph.ts) is created, and takes its typical create time (harness/create-times.ts). Unbounded
 * parallelism, as the engine's default (`pulumi up` without `--parallel`), so the estimate is the longest
 * chain of waits: the critical chain. Pure; `npm run plan -- <stack> --timeline` prints it.
 */
import { createTime, type CreateTime } from "./create-times";
import { isComponent, label, WaitGraph, type GraphResource, type WaitKind } from "./wait-graph";

export interface Scheduled {
  readonly resource: GraphResource;
  readonly minutes: number;
  readonly what: string;
  /** When everything it waits for is created. */
  readonly start: number;
  readonly finish: number;
}

/** A link of the critical chain, and how it waits for the link before it (absent on the first). */
export interface ChainLink extends Scheduled {
  readonly via?: WaitKind;
}

export interface Timeline {
  /** The estimated duration: the last finish. */
  readonly totalMinutes: number;
  /** From a resource that waits for nothing to the one that finishes last. */
  readonly chain: readonly ChainLink[];
  /** Every create time added up: the duration with no parallelism at all. */
  readonly sumMinutes: number;
  readonly schedule: ReadonlyMap<string, Scheduled>;
}

/**
 * Sums of hundredths of minutes drift in floating point (0.1 + 0.2); a bound such as "at most 28.5" must
 * hold exactly.
 */
const round = (m: number): number => Math.round(m * 1000) / 1000;

/** Which wait the chain follows when several end at the same minute: the most telling first. */
const PREFERENCE: readonly WaitKind[] = ["dependency", "provider", "deletedWith", "parent"];

export function timeline(
  plan: WaitGraph | readonly GraphResource[],
  times: (r: GraphResource) => CreateTime = (r) => createTime(r),
): Timeline {
  const graph = plan instanceof WaitGraph ? plan : new WaitGraph(plan);
  const schedule = new Map<string, Scheduled>();
  /** Resources being scheduled: the current path of the walk, in order. */
  const visiting = new Set<string>();
  const ancestors = () => [...visiting];

  // Depth-first with an explicit stack: a chain of 10,000 resources must not overflow the call stack.
  const visit = (root: string) => {
    const stack: { urn: string; expanded: boolean }[] = [{ urn: root, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (schedule.has(top.urn)) {
        stack.pop();
        continue;
      }
      const edges = graph.edges(top.urn);
      if (!top.expanded) {
        top.expanded = true;
        visiting.add(top.urn);
        for (const e of edges) {
          if (visiting.has(e.to)) throw new Error(cycleMessage(graph, ancestors(), e.to));
          if (!schedule.has(e.to)) stack.push({ urn: e.to, expanded: false });
        }
        continue;
      }
      const resource = graph.get(top.urn);
      const start = Math.max(0, ...edges.map((e) => schedule.get(e.to)!.finish));
      const t = times(resource);
      schedule.set(top.urn, { resource, ...t, start, finish: round(start + t.minutes) });
      visiting.delete(top.urn);
      stack.pop();
    }
  };
  for (const r of graph.resources) visit(r.urn);

  const all = [...schedule.values()];
  const totalMinutes = Math.max(0, ...all.map((s) => s.finish));
  const sumMinutes = round(all.reduce((sum, s) => sum + s.minutes, 0));
  return { totalMinutes, sumMinutes, chain: criticalChain(graph, schedule, totalMinutes), schedule };
}

function criticalChain(
  graph: WaitGraph,
  schedule: ReadonlyMap<string, Scheduled>,
  totalMinutes: number,
): ChainLink[] {
  // The last to finish; among equals, a resource that takes time rather than a component gate.
  const ends = [...schedule.values()].filter((s) => s.finish === totalMinutes);
  let at: Scheduled | undefined = ends.find((s) => !isComponent(s.resource)) ?? ends[0];
  const chain: ChainLink[] = [];
  while (at) {
    const current: Scheduled = at;
    const previous = graph
      .edges(current.resource.urn)
      .filter((e) => schedule.get(e.to)!.finish === current.start)
      .sort((a, b) => PREFERENCE.indexOf(a.kind) - PREFERENCE.indexOf(b.kind))[0];
    // The first link starts at minute 0: whatever it waits for (its parents) took no time.
    const via = current.start > 0 ? previous : undefined;
    chain.unshift({ ...current, ...(via ? { via: via.kind } : {}) });
    at = via ? schedule.get(via.to) : undefined;
  }
  return chain;
}

function cycleMessage(graph: WaitGraph, path: readonly string[], back: string): string {
  const cycle = [...path.slice(path.indexOf(back)), back].map((u) => label(graph.get(u)));
  return `the plan's waits form a cycle, which the engine could never finish: ${cycle.join(" -> ")}`;
}

const minutes = (m: number): string => m.toFixed(2).padStart(6);

/** What `npm run plan -- <stack> --timeline` prints. */
export function renderTimeline(stack: string, t: Timeline): string {
  const width = Math.max(...t.chain.map((l) => l.resource.type.length));
  const rows = t.chain.map((l) => {
    const how = l.via ? `(${l.via})`.padEnd(14) : "".padEnd(14);
    const note = isComponent(l.resource)
      ? "  [component: its children start here]"
      : l.what === "other"
        ? ""
        : `  [${l.what}]`;
    return `  ${minutes(l.start)} ${minutes(l.finish)}  ${how}${l.resource.type.padEnd(width)}  ${l.resource.name}${note}`;
  });
  return [
    `Estimated first \`pulumi up\` of ${stack}: ${t.totalMinutes.toFixed(2)} minutes`,
    `(every resource starts once all it waits for is created; all create times added up: ${t.sumMinutes.toFixed(2)} minutes)`,
    "",
    "Critical chain (minutes; each line waits for the one above: 'waits by' says how):",
    `   start finish  waits by      resource`,
    ...rows,
    "",
    "Create times are the typical ones harness/create-times.ts lists; resources it does not name take 0.05 minutes.",
  ].join("\n");
}
