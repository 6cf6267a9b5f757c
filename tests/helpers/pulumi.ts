/**
 * Unit tests under Pulumi's mock runtime: the same MockRuntime the offline plan uses, one fresh runtime per
 * call, every registration recorded with its inputs and options.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockRuntime, PlanResource, runProgram } from "../../harness/mock-runtime";
import { isSecretEnvelope, redact, secretValues } from "../../harness/envelope";
import { resolveOutput, runPlan, PlanResult } from "../../harness/planner";

/** What a test run registered, with lookups by type and name. */
export class Registrations {
  constructor(readonly resources: PlanResource[]) {}

  ofType(type: string): PlanResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of `type` named `name`; throws, listing what exists, when absent. */
  get(type: string, name: string): PlanResource {
    const found = this.resources.find((r) => r.type === type && r.name === name);
    if (!found) {
      const names = this.ofType(type).map((r) => r.name);
      throw new Error(`no ${type} named ${name}; registered: ${names.join(", ") || "none of that type"}`);
    }
    return found;
  }

  /** Inputs of a resource with secrets shown in the clear (use `isSecretEnvelope` on raw inputs to test secrecy). */
  inputs(type: string, name: string): Record<string, unknown> {
    return redact(this.get(type, name).inputs, true) as Record<string, unknown>;
  }

  /** Kubernetes objects of a kind (by their `kind` input), outputs with secrets shown. */
  kind(kind: string): Record<string, unknown>[] {
    return this.resources
      .filter((r) => r.type.startsWith("kubernetes:") && r.state.kind === kind)
      .map((r) => redact(r.state, true) as Record<string, unknown>);
  }
}

/**
 * Runs `body` (which registers resources) under a fresh mock runtime and waits for every registration.
 * Config, when given, is set as the engine would (`ferrum:key -> text`), with `secretKeys` marked secret.
 */
export async function underMocks<T>(
  body: () => T | Promise<T>,
  options: { stack?: string; config?: Record<string, string>; secretKeys?: string[] } = {},
): Promise<{ result: T; registrations: Registrations; runtime: MockRuntime }> {
  const runtime = new MockRuntime(options.stack ?? "test");
  await runtime.install("ferrum");
  pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
  const result = await runProgram(async () => body());
  return { result, registrations: new Registrations(runtime.resources), runtime };
}

/**
 * Runs `body` under mocks where it should refuse: the error it threw (undefined when it did not) and every
 * resource registered besides the stack, which a refusal leaves empty.
 */
export async function refusal(
  body: () => unknown,
  options: { stack?: string; config?: Record<string, string>; secretKeys?: string[] } = {},
): Promise<{ error: Error | undefined; registered: PlanResource[] }> {
  let error: Error | undefined;
  const { registrations } = await underMocks(async () => {
    try {
      await body();
    } catch (e) {
      error = e as Error;
    }
  }, options);
  return { error, registered: registrations.resources.filter((r) => r.type !== "pulumi:pulumi:Stack") };
}

/** Whether an Output is secret, and its value. */
export async function secretness<T>(o: pulumi.Input<T>): Promise<{ secret: boolean; value: T }> {
  const out = pulumi.output(o);
  const [secret, value] = await Promise.all([pulumi.isSecret(out), resolveOutput(out)]);
  return { secret, value: value as T };
}

export { isSecretEnvelope, redact, secretValues, runPlan };
export type { PlanResult, PlanResource };
