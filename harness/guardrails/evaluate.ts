/**
 * Runs rules over a set of resources, the way the policy engine does: each resource rule on every resource,
 * each stack rule once on all of them. Pure.
 */
import { RULES } from "../../policy/rules";
import type { GuardedResource, Rule, Violation } from "../../policy/resource";

export function evaluate(resources: readonly GuardedResource[], rules: readonly Rule[] = RULES): Violation[] {
  return rules.flatMap((rule): Violation[] =>
    rule.scope === "resource"
      ? resources.flatMap((r) => rule.check(r).map((message) => ({ rule: rule.name, urn: r.urn, message })))
      : rule.check(resources).map((f) => ({ rule: rule.name, ...f })),
  );
}
