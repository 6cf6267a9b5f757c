/**
 * The stacks guardrails cover: every `Pulumi.<stack>.yaml` beside Pulumi.yaml, planned offline. Every stack
 * must plan: one that stops composing fails the guardrails instead of being skipped.
 */
import { ROOT, runPlan, stackNames as stacksIn, type PlanResult } from "../planner";

/** Every stack with a `Pulumi.<stack>.yaml`, sorted. */
export function stackNames(root = ROOT): string[] {
  return stacksIn(root);
}

export interface StackPlan {
  readonly stack: string;
  readonly plan: PlanResult;
}

/** Plans `stack`; a stack that cannot be planned throws, naming why. */
export async function planStack(stack: string): Promise<StackPlan> {
  return { stack, plan: await runPlan(stack) };
}
