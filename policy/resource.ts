/**
 * What every guardrail rule looks at: one resource as the policy engine shows it (type, URN, name, inputs,
 * `protect`), whether it comes from `pulumi preview --policy-pack` (policy/adapter.ts) or from the offline plan
 * (plan-adapter.ts). Rules are pure functions of these records, so the policy pack and the test suite run the
 * very same code.
 */

/**
 * Stands for a value the engine cannot know yet during a preview (an output of a resource not yet created).
 * Rules never treat it as a literal: a check that needs the value is skipped, not failed.
 */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** One resource, as a rule sees it. */
export interface GuardedResource {
  readonly urn: string;
  /** Type token, e.g. `aws:rds/instance:Instance`, `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  /** Inputs; secret values already redacted (plan) or unwrapped (engine); unknown values are {@link UNKNOWN}. */
  readonly props: Readonly<Record<string, unknown>>;
  /** The `protect` resource option as the engine receives it (inherited from a parent included). */
  readonly protect: boolean;
  /** URN of the parent resource. @default - none (a top-level resource) */
  readonly parent?: string;
  /** URNs each input property depends on (the engine's property dependencies). @default - none known */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** A rule's finding: a message, and the resource it is about (none: the stack as a whole). */
export interface Finding {
  readonly urn?: string;
  readonly message: string;
}

/** A finding with the rule that produced it. */
export interface Violation extends Finding {
  readonly rule: string;
}

interface RuleBase {
  /** Unique id, as the policy pack reports it (`no-public-data-stores`). */
  readonly name: string;
  /** One sentence: what the rule requires. */
  readonly description: string;
}

/** A rule over one resource at a time (the policy pack's `validateResource`). */
export interface ResourceRule extends RuleBase {
  readonly scope: "resource";
  /** Messages of every violation by `r`; empty when it complies or the rule does not apply to it. */
  check(r: GuardedResource): string[];
}

/** A rule over the whole stack (the policy pack's `validateStack`). */
export interface StackRule extends RuleBase {
  readonly scope: "stack";
  check(resources: readonly GuardedResource[]): Finding[];
}

export type Rule = ResourceRule | StackRule;

/** `type "name"`: how every message names a resource. */
export function label(r: Pick<GuardedResource, "type" | "name">): string {
  return `${r.type} "${r.name}"`;
}

/** A plain object (not an array, not {@link UNKNOWN}), or undefined. */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** An array's items, or none. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * The value at a dotted path (`spec.template.spec`): undefined where a step is missing, {@link UNKNOWN} where
 * a step is unknown during preview (a value under an unknown object is unknown too).
 */
export function at(v: unknown, path: string): unknown {
  let node: unknown = v;
  for (const key of path.split(".")) {
    if (isUnknown(node)) return UNKNOWN;
    const o = obj(node);
    if (!o) return undefined;
    node = o[key];
  }
  return node;
}

/** A known string, or undefined (unknown values, other types). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * Whether the stack runs in a cloud account (AWS or Azure): the production stacks, where stateful resources
 * must be protected and images pinned. The k3s stack has no cloud provider resource.
 */
export function isCloudStack(resources: readonly Pick<GuardedResource, "type">[]): boolean {
  return resources.some((r) => /^(aws|awsx|eks|azure-native|azure|gcp):/.test(r.type));
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** The CIDRs of `lists` (strings or arrays of them) that mean the whole internet. */
export function worldCidrs(...lists: unknown[]): string[] {
  return lists
    .flatMap((l) => (typeof l === "string" ? [l] : arr(l)))
    .filter((c): c is string => WORLD.has(c as string));
}
