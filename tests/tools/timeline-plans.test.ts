/**
 * The first-`up` timeline of the real prod and prod-azure plans: printed (the numbers to improve on), whole
 * (a critical chain of real waits from minute 0 to the estimate), and the same when read back from
 * resources.json, which holds the whole wait graph.
 */
import { renderTimeline, timeline, type Timeline } from "../../harness/timeline";
import { isComponent, WaitGraph, type GraphResource } from "../../harness/wait-graph";
import { resourceEntries, type PlanResult } from "../../harness/planner";
import { sharedPlan } from "../helpers/shared-plans";

const STACKS = ["prod", "prod-azure"] as const;
const plans = new Map<string, PlanResult>();
beforeAll(async () => {
  for (const stack of STACKS) plans.set(stack, await sharedPlan(stack));
});

/** The chain's links as `type name start-finish`, to compare two timelines. */
const links = (t: Timeline) =>
  t.chain.map((l) => `${l.resource.type} ${l.resource.name} ${l.start}-${l.finish}`);

describe.each(STACKS)("%s", (stack) => {
  test("the estimate: a critical chain of real waits from minute 0 to the last finish, under the sum", () => {
    const plan = plans.get(stack)!;
    const graph = new WaitGraph(plan.resources);
    const t = timeline(graph);
    console.log(renderTimeline(stack, t));

    expect(t.chain[0].start).toBe(0);
    expect(t.chain[t.chain.length - 1].finish).toBe(t.totalMinutes);
    for (const [i, link] of t.chain.entries()) {
      expect(link.finish).toBe(Math.round((link.start + link.minutes) * 1000) / 1000);
      if (i === 0) continue;
      expect(link.start).toBe(t.chain[i - 1].finish);
      expect(graph.edges(link.resource.urn)).toContainEqual({
        to: t.chain[i - 1].resource.urn,
        kind: link.via,
      });
    }
    // No resource finishes after the estimate, and each starts no earlier than what it waits for.
    for (const s of t.schedule.values()) {
      expect(s.finish).toBeLessThanOrEqual(t.totalMinutes);
      for (const e of graph.edges(s.resource.urn))
        expect(s.start).toBeGreaterThanOrEqual(t.schedule.get(e.to)!.finish);
    }
    expect(t.sumMinutes).toBeGreaterThan(t.totalMinutes);
    // The cluster and the database are the long creates: the chain passes through one at least.
    expect(t.chain.filter((l) => l.minutes >= 8).length).toBeGreaterThan(0);
    expect(t.chain.some((l) => isComponent(l.resource))).toBe(true);
  });

  test("resources.json alone gives the same graph and timeline", () => {
    const plan = plans.get(stack)!;
    const entries = JSON.parse(JSON.stringify(resourceEntries(plan))) as GraphResource[];
    for (const e of entries) expect(Array.isArray(e.waitsFor)).toBe(true);
    const fromFile = timeline(entries);
    const fromPlan = timeline(plan.resources);
    expect(fromFile.totalMinutes).toBe(fromPlan.totalMinutes);
    expect(fromFile.sumMinutes).toBe(fromPlan.sumMinutes);
    expect(links(fromFile)).toEqual(links(fromPlan));
  });
});
