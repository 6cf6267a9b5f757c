/**
 * The offline plan: runs the real program for one stack file under Pulumi's mock runtime (no CLI, cluster or
 * cloud credentials) and returns what it registered. harness/plan.ts is its command line; the tests call
 * `runPlan` directly, so both take this one code path.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { parseConfig, requiredSecretKeys, SecretKey } from "../config";
import { INVALID_CONFIGURATION, ProblemsError } from "../lib/problems";
import { fullKey, PROJECT } from "../config/reader";
import { MockRuntime, PlanResource, runProgram } from "./mock-runtime";
import { isSecretEnvelope, redact } from "./envelope";
import * as stackConfig from "./stack-config";
import { PlanConfigError, placeholderFor, type StackConfigInput } from "./stack-config";

export const ROOT = path.resolve(__dirname, "..");

export { PlanConfigError, placeholderFor, type StackConfigInput };

/** Every stack with a `Pulumi.<stack>.yaml` beside Pulumi.yaml, sorted. */
export const stackNames = (root = ROOT): string[] => stackConfig.stackNames(root);

/** Config as the CLI would hand it to the program for `stack` (harness/stack-config.ts). */
export function loadStackConfig(
  stack: string,
  overrides: readonly string[] = [],
  root = ROOT,
): StackConfigInput {
  return stackConfig.loadStackConfig(stack, overrides, root);
}

export interface PlanOutput {
  readonly name: string;
  readonly secret: boolean;
  readonly value: unknown;
}

export interface PlanResult {
  readonly stack: string;
  readonly resources: PlanResource[];
  readonly outputs: PlanOutput[];
  /** Secret config keys filled with placeholders. */
  readonly placeholders: string[];
  /** What the plan could not see (an ESC environment's config). */
  readonly notes: string[];
  readonly runtime: MockRuntime;
}

/** The value of an Output (secret or not), awaited. */
export function resolveOutput<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Runs the program for `stack`, reading Pulumi.yaml and the stack file from `root` (the repository unless a
 * test gives another folder). Bad config rejects with PlanConfigError (every problem listed) and registers
 * nothing.
 */
export async function runPlan(
  stack: string,
  overrides: readonly string[] = [],
  root = ROOT,
): Promise<PlanResult> {
  const input = loadStackConfig(stack, overrides, root);
  const parsed = parseConfig(input.values, stack, { overrides: new Set(input.overrides) });
  if (input.problems.length || !parsed.config)
    throw new PlanConfigError([...input.problems, ...parsed.problems]);

  // Required secrets the stack file does not set get placeholders too: the plan has no secrets of a user's.
  const values = { ...input.values };
  const secretKeys = new Set(input.secretKeys);
  const placeholders = new Set(input.placeholders);
  for (const key of requiredSecretKeys(parsed.config).map((k: SecretKey) => fullKey(k))) {
    if (!(key in values)) {
      values[key] = placeholderFor(key);
      placeholders.add(key);
    }
    secretKeys.add(key);
  }

  const runtime = new MockRuntime(stack);
  await runtime.install(PROJECT);
  pulumi.runtime.setAllConfig(values, [...secretKeys]);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(ROOT, "index")) as () => Promise<Record<string, unknown>>;
  const outputs: PlanOutput[] = [];
  try {
    await runProgram(async () => {
      const result = await program();
      for (const [name, value] of Object.entries(result ?? {})) {
        const out = pulumi.output(value);
        const [secret, resolved] = await Promise.all([pulumi.isSecret(out), resolveOutput(out)]);
        outputs.push({ name, secret, value: resolved });
      }
      return result;
    });
  } catch (err) {
    // The stack's config refused (a component's arguments are the program's own mistake, and stay as thrown).
    if (err instanceof ProblemsError && err.subject === INVALID_CONFIGURATION)
      throw new PlanConfigError(err.problems);
    throw err;
  }
  return {
    stack,
    resources: runtime.resources,
    outputs,
    placeholders: [...placeholders].sort(),
    notes: input.notes,
    runtime,
  };
}

/**
 * resources.json's entries: inputs redacted. `waitsFor`, `inputDependencies`, `options.provider`,
 * `options.providers` and `parent` are everything the engine waits for before creating the resource
 * (harness/wait-graph.ts reads them back).
 */
export function resourceEntries(plan: PlanResult, showSecrets = false): unknown[] {
  return plan.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    custom: r.custom,
    ...(r.remote ? { remote: true } : {}),
    waitsFor: r.waitsFor,
    ...(r.inputDependencies ? { inputDependencies: r.inputDependencies } : {}),
    inputs: redact(r.inputs, showSecrets),
    options: r.options,
  }));
}

/** Kubernetes objects (apiVersion, kind, metadata, body) as the provider would apply them. */
export function manifests(plan: PlanResult, showSecrets = false): Record<string, unknown>[] {
  return plan.resources
    .filter(
      (r) =>
        r.custom &&
        r.type.startsWith("kubernetes:") &&
        typeof r.state.apiVersion === "string" &&
        typeof r.state.kind === "string",
    )
    .map((r) => {
      const { apiVersion, kind, metadata, ...body } = r.state;
      return redact({ apiVersion, kind, metadata, ...body }, showSecrets) as Record<string, unknown>;
    });
}

/** Stack outputs, secret ones redacted. */
export function outputEntries(plan: PlanResult, showSecrets = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of plan.outputs)
    out[o.name] = o.secret && !showSecrets ? "[secret]" : redact(o.value, showSecrets);
  return out;
}

export { isSecretEnvelope };
