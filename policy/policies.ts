/**
 * The guardrail rules (policy/rules) as Pulumi policies: resource rules become `validateResource`,
 * stack rules `validateStack`, every one mandatory. The test suite runs these same rules over each stack's
 * offline plan (tests/guardrails).
 */
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RULES } from "./rules";
import type { Rule } from "./resource";
import { fromPolicyResource, fromResourceArgs } from "./adapter";

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const base = { name: rule.name, description: rule.description, enforcementLevel: "mandatory" as const };
  if (rule.scope === "resource") {
    return {
      ...base,
      validateResource: (args, reportViolation) => {
        for (const message of rule.check(fromResourceArgs(args))) reportViolation(message);
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      for (const f of rule.check(args.resources.map(fromPolicyResource))) reportViolation(f.message, f.urn);
    },
  };
}

export const policies: Policies = RULES.map(toPolicy);
