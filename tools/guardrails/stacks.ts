/**
 * The stacks guardrails cover: every `Pulumi.<stack>.yaml` beside Pulumi.yaml, planned offline. A stack whose
 * cloud the program does not compose yet is reported as such, without running it: a program that throws
 * under the mock runtime leaves rejected promises behind that crash the process and leak into the next plan.
 */
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { loadStackConfig, ROOT, runPlan, type PlanResult } from "../planner";

/** Every stack with a `Pulumi.<stack>.yaml`, sorted. */
export function stackNames(root = ROOT): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * Clouds whose `case` in stacks/index.ts throws "... is not composed yet ..." instead of composing a stack.
 * Pure: takes that file's text.
 */
export function uncomposedClouds(stacksIndexSource: string): string[] {
  const re = /case\s+"([\w-]+)"\s*:\s*throw\s+new\s+[\w.]+\(\s*`[^`]*is not composed yet/g;
  return [...stacksIndexSource.matchAll(re)].map((m) => m[1]);
}

export type StackPlan =
  | { readonly stack: string; readonly plan: PlanResult }
  | { readonly stack: string; readonly notComposed: string };

/** Plans `stack`, or says that its cloud is not composed yet; other failures throw. */
export async function planStack(stack: string, root = ROOT): Promise<StackPlan> {
  const cloud = loadStackConfig(stack, [], root).values["ferrum:cloud"];
  if (uncomposedClouds(readFileSync(path.join(root, "stacks/index.ts"), "utf8")).includes(cloud)) {
    return { stack, notComposed: `ferrum:cloud ${cloud} is not composed yet (stacks/index.ts)` };
  }
  return { stack, plan: await runPlan(stack) };
}
