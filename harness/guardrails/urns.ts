/**
 * URN stability. Pulumi knows a resource by its URN (`urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`):
 * change the name, type or parent chain of a resource and `pulumi up` creates a new one and deletes the old
 * one, unless an alias names the old URN. For a database, a bucket or a cluster that replacement loses the
 * data. A snapshot of every stack's URNs (harness/urns/<stack>.json) is compared with the plan: a stateful
 * resource whose URN is gone, with no alias pointing at it, fails; anything else that moved is a warning.
 *
 * The mock runtime builds a child's URN from its parent's type only; the engine uses the parent's whole type
 * chain (and leaves out the root stack's type). URNs here are the engine's, rebuilt from the parent links, so
 * wrapping a component in another one is caught too. Aliases are resolved as the engine resolves them, parent
 * aliases multiplied into the children's. Pure.
 */
import { isStateful } from "../../policy/stateful";

const ROOT_STACK = "pulumi:pulumi:Stack";

/** One line of a snapshot. */
export interface UrnRecord {
  readonly urn: string;
  readonly type: string;
  /** Whether losing it loses state (recorded, since for a StatefulSet it depends on its inputs). */
  readonly stateful: boolean;
}

export interface UrnSnapshot {
  readonly stack: string;
  readonly resources: readonly UrnRecord[];
}

/** What the stability check needs of a registered resource (a PlanResource has it). */
export interface RegisteredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly options: { readonly aliases?: readonly unknown[] };
}

/** A resource of the current plan: its engine URN and every URN its aliases claim. */
export interface PlannedUrn extends UrnRecord {
  readonly name: string;
  readonly aliases: readonly string[];
}

export function qualifiedType(urn: string): string {
  return urn.split("::")[2] ?? "";
}

export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The type chain of the parent, from a URN's qualified type (`A$B$C` -> `A$B`; `C` -> ``). */
function parentChain(urn: string): string {
  const q = qualifiedType(urn);
  return q.includes("$") ? q.slice(0, q.lastIndexOf("$")) : "";
}

function baseType(urn: string): string {
  return qualifiedType(urn).split("$").pop() ?? "";
}

function urnOf(
  stack: string,
  project: string,
  parentUrn: string | undefined,
  type: string,
  name: string,
): string {
  const parentType = parentUrn ? qualifiedType(parentUrn) : "";
  const prefix = parentType && parentType !== ROOT_STACK ? `${parentType}$` : "";
  return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
}

interface AliasSpec {
  readonly name?: string;
  readonly type?: string;
  readonly stack?: string;
  readonly project?: string;
  readonly parenturn?: string;
  readonly noparent?: boolean;
}

/** Engine URNs and alias URNs of everything registered. */
export function plannedUrns(resources: readonly RegisteredResource[]): PlannedUrn[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const engine = new Map<string, string>();
  const aliasMemo = new Map<string, string[]>();
  const [head] = resources;
  if (!head) return [];
  const stack = head.urn.split("::")[0].slice("urn:pulumi:".length);
  const project = head.urn.split("::")[1];

  const engineUrn = (urn: string): string => {
    const known = engine.get(urn);
    if (known) return known;
    const r = byUrn.get(urn);
    // A URN the plan did not register (an alias naming an old parent) is taken as the engine would see it.
    if (!r) return urn;
    const result = urnOf(stack, project, r.parent ? engineUrn(r.parent) : undefined, r.type, r.name);
    engine.set(urn, result);
    return result;
  };

  const aliasesOf = (urn: string): string[] => {
    const memo = aliasMemo.get(urn);
    if (memo) return memo;
    const r = byUrn.get(urn);
    if (!r) return [];
    aliasMemo.set(urn, []); // cycles cannot happen, but never loop
    const parentUrns = r.parent ? [engineUrn(r.parent), ...aliasesOf(r.parent)] : [undefined];
    const out = new Set<string>();
    // The resource's own identity under each of its parent's aliases (the engine's inherited child aliases).
    for (const p of parentUrns) out.add(urnOf(stack, project, p, r.type, r.name));
    for (const raw of r.options.aliases ?? []) {
      const a = raw as { urn?: string; spec?: AliasSpec };
      if (a.urn) {
        out.add(engineUrn(a.urn));
        continue;
      }
      const s = a.spec ?? {};
      // The SDK writes the current parent into an alias that names none; the engine then multiplies the
      // alias's name and type with each alias of that parent (step_generator.go, generateAliases), so a
      // renamed child of a moved parent keeps its URN from before both.
      const parents = s.noparent
        ? [undefined]
        : s.parenturn && s.parenturn !== r.parent
          ? [engineUrn(s.parenturn)]
          : parentUrns;
      for (const p of parents) {
        out.add(urnOf(s.stack || stack, s.project || project, p, s.type || r.type, s.name || r.name));
      }
    }
    out.delete(engineUrn(urn));
    const result = [...out];
    aliasMemo.set(urn, result);
    return result;
  };

  return resources.map((r) => ({
    urn: engineUrn(r.urn),
    type: r.type,
    name: r.name,
    stateful: isStateful({ type: r.type, props: r.inputs }),
    aliases: aliasesOf(r.urn),
  }));
}

/**
 * The snapshot's URNs the plan accounts for neither as a resource's URN nor as the target of one of its
 * aliases: each is a resource Pulumi would delete (and, renamed or moved, create anew). Sorted.
 */
export function unresolvedUrns(snapshot: UrnSnapshot, planned: readonly PlannedUrn[]): string[] {
  const known = new Set(planned.flatMap((p) => [p.urn, ...p.aliases]));
  return snapshot.resources
    .map((r) => r.urn)
    .filter((urn) => !known.has(urn))
    .sort();
}

/** The snapshot of a plan: every engine URN, sorted. */
export function snapshotOf(stack: string, planned: readonly PlannedUrn[]): UrnSnapshot {
  return {
    stack,
    resources: planned
      .map(({ urn, type, stateful }) => ({ urn, type, stateful }))
      .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0)),
  };
}

export interface UrnComparison {
  /** Stateful resources that would be replaced or deleted; and stateful ones the snapshot does not guard yet. */
  readonly failures: string[];
  /** Other resources that would be replaced or deleted; URNs the snapshot lacks. */
  readonly warnings: string[];
}

/** The command that rewrites the snapshot of `stack`. */
export const updateCommand = (stack: string) => `npm run guardrails:urns -- --update ${stack}`;

/** The alias that keeps `old` for a resource now at `now`, in the SDK's syntax. */
function aliasFor(old: string, now: PlannedUrn | undefined, snapshot: UrnSnapshot): string {
  const parts = [`name: ${JSON.stringify(urnName(old))}`];
  if (now && baseType(old) !== now.type) parts.push(`type: ${JSON.stringify(baseType(old))}`);
  if (!now || parentChain(old) !== parentChain(now.urn)) {
    const chain = parentChain(old);
    if (chain === "") parts.push("parent: pulumi.rootStackResource");
    else {
      const owners = snapshot.resources
        .filter((r) => qualifiedType(r.urn) === chain)
        .map((r) => urnName(r.urn));
      const type = chain.split("$").pop();
      parts.push(
        `parent: <the ${type}${owners.length ? ` ${owners.map((o) => JSON.stringify(o)).join(" or ")}` : ""} it belonged to>`,
      );
    }
  }
  return `aliases: [{ ${parts.join(", ")} }]`;
}

/** The new resource most likely to be `old` renamed or moved: same type, and same name or same parent chain. */
function successor(old: UrnRecord, fresh: readonly PlannedUrn[]): PlannedUrn | undefined {
  const sameType = fresh.filter((c) => c.type === old.type);
  return (
    sameType.find((c) => c.name === urnName(old.urn)) ??
    sameType.find((c) => parentChain(c.urn) === parentChain(old.urn)) ??
    (sameType.length === 1 ? sameType[0] : undefined)
  );
}

/** Compares a stack's snapshot with its current plan. */
export function compareUrns(snapshot: UrnSnapshot, planned: readonly PlannedUrn[]): UrnComparison {
  const stack = snapshot.stack;
  const known = new Set(snapshot.resources.map((r) => r.urn));
  const current = new Set(planned.map((p) => p.urn));
  const claimed = new Set(planned.flatMap((p) => p.aliases));
  const fresh = planned.filter((p) => !known.has(p.urn) && !p.aliases.some((a) => known.has(a)));
  const failures: string[] = [];
  const warnings: string[] = [];
  const explained = new Set<string>();

  for (const old of snapshot.resources) {
    if (current.has(old.urn) || claimed.has(old.urn)) continue;
    const stateful = old.stateful || isStateful({ type: old.type, props: {} });
    const next = successor(old, fresh);
    if (next) explained.add(next.urn);
    const what = `${old.type} ${JSON.stringify(urnName(old.urn))}`;
    const moved = next ? `\n  from ${old.urn}\n  to   ${next.urn}` : `\n  was ${old.urn}`;
    if (stateful) {
      failures.push(
        `${stack}: the URN of stateful ${what} ${next ? "changed" : "is gone from the plan"}${moved}\n` +
          `Pulumi identifies resources by URN: \`pulumi up\` would ${next ? `create a new ${old.type} and delete the old one, a replacement that loses its data` : "delete it and its data"} ` +
          "(protect only turns that delete into an error). " +
          `Keep it by giving the ${next ? "new" : "renamed or moved"} resource ${aliasFor(old.urn, next, snapshot)}. ` +
          `If it is meant to go, remove it on purpose and refresh the snapshot: ${updateCommand(stack)}`,
      );
    } else {
      warnings.push(
        `${stack}: ${what} ${next ? `moved to ${next.urn}` : "is gone"}: Pulumi would ${next ? "replace" : "delete"} it` +
          ` (${aliasFor(old.urn, next, snapshot)} keeps it); refresh the snapshot: ${updateCommand(stack)}`,
      );
    }
  }
  for (const p of fresh) {
    if (explained.has(p.urn)) continue;
    if (p.stateful) {
      failures.push(
        `${stack}: stateful ${p.type} ${JSON.stringify(p.name)} (${p.urn}) is not in the URN snapshot, so nothing ` +
          `guards its URN yet; record it: ${updateCommand(stack)}`,
      );
    }
  }
  const unrecorded = fresh.filter((p) => !explained.has(p.urn) && !p.stateful);
  if (unrecorded.length) {
    warnings.push(
      `${stack}: ${unrecorded.length} URN(s) not in the snapshot (${unrecorded
        .slice(0, 3)
        .map((p) => `${p.type} ${JSON.stringify(p.name)}`)
        .join(", ")}${unrecorded.length > 3 ? ", ..." : ""}); refresh it: ${updateCommand(stack)}`,
    );
  }
  return { failures, warnings };
}
