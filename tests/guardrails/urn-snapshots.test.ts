/**
 * Every URN recorded in harness/urns/<stack>.json (the snapshot taken before the restructure of issue 17) is
 * still in today's plan of that stack: a resource's own URN, or the target of one of its aliases resolved as
 * the engine resolves them (name, type, parent, project and stack of each alias spec, and the aliases a
 * resource inherits from its parents'). Any other URN would be a resource `pulumi up` deletes. Stricter than
 * the stacks guardrail, which fails on stateful resources only.
 */
import { readSnapshot } from "../../harness/guardrails/urn-snapshot";
import { planStack } from "../../harness/guardrails/stacks";
import {
  plannedUrns,
  unresolvedUrns,
  type RegisteredResource,
  type UrnSnapshot,
} from "../../harness/guardrails/urns";
import type { PlanResult } from "../../harness/planner";

const STACKS = ["dev", "prod", "prod-azure"];
const plans = new Map<string, PlanResult>();

beforeAll(async () => {
  for (const stack of STACKS) plans.set(stack, (await planStack(stack)).plan);
}, 120_000);

function snapshotOf(stack: string): UrnSnapshot {
  const snapshot = readSnapshot(stack);
  if (!snapshot) throw new Error(`${stack}: harness/urns/${stack}.json is missing`);
  return snapshot;
}

function planOf(stack: string): PlanResult {
  const plan = plans.get(stack);
  if (!plan) throw new Error(`${stack} was not planned`);
  return plan;
}

describe.each(STACKS)("stack %s", (stack) => {
  test("every URN of its snapshot is a planned resource's URN or an alias of one", () => {
    const snapshot = snapshotOf(stack);
    expect(snapshot.resources.length).toBeGreaterThan(100);
    expect(unresolvedUrns(snapshot, plannedUrns(planOf(stack).resources))).toEqual([]);
  });
});

describe("the check itself", () => {
  /** Today's plan of `stack` with the aliases of the resources `strip` picks removed. */
  const withoutAliases = (stack: string, strip: (r: RegisteredResource) => boolean) =>
    planOf(stack).resources.map((r) =>
      strip(r) ? { ...r, options: { ...r.options, aliases: undefined } } : r,
    );

  test("fails, naming the old URN, when a renamed resource loses its alias (prod: a zone's subnet)", () => {
    const planned = plannedUrns(
      withoutAliases(
        "prod",
        (r) => r.type === "aws:ec2/subnet:Subnet" && r.name === "ferrum-prod-vpc-private-b",
      ),
    );
    expect(unresolvedUrns(snapshotOf("prod"), planned)).toEqual([
      "urn:pulumi:prod::ferrum::ferrum:aws:Network$aws:ec2/subnet:Subnet::ferrum-prod-vpc-private-1",
    ]);
  });

  test("fails for it and all its children when a moved component loses its alias to the old parent (prod-azure: the VNet)", () => {
    const planned = plannedUrns(withoutAliases("prod-azure", (r) => r.name === "ferrum-prod-azure-vnet"));
    expect(unresolvedUrns(snapshotOf("prod-azure"), planned)).toEqual([
      "urn:pulumi:prod-azure::ferrum::azure-native:network:VirtualNetwork$azure-native:network:Subnet::ferrum-prod-azure-endpoints",
      "urn:pulumi:prod-azure::ferrum::azure-native:network:VirtualNetwork$azure-native:network:Subnet::ferrum-prod-azure-nodes",
      "urn:pulumi:prod-azure::ferrum::azure-native:network:VirtualNetwork$azure-native:network:Subnet::ferrum-prod-azure-postgres",
      "urn:pulumi:prod-azure::ferrum::azure-native:network:VirtualNetwork::ferrum-prod-azure-vnet",
    ]);
  });
});
