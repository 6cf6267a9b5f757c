/** The one refusal of bad input: lib/problems.ts's collector and error. */
import * as pulumi from "@pulumi/pulumi";
import { invalidArguments, Problems, ProblemsError } from "../../lib/problems";

describe("Problems and ProblemsError", () => {
  test("nothing collected, nothing thrown", () => {
    const problems = new Problems();
    problems.check(true, "never reported");
    expect(() => problems.throwIfAny("Invalid arguments of X x")).not.toThrow();
    expect(problems.messages).toEqual([]);
  });

  test("every problem in order, in one RunError (printed without a stack trace) naming its subject", () => {
    const problems = new Problems();
    problems.add("replicas", "must be at least 1 (got 0)");
    problems.check(false, 'the name must be a DNS label (got "A")');
    problems.report("service auth has no slot");
    expect(problems.has("replicas")).toBe(true);
    expect(problems.has("name")).toBe(false);
    let error: unknown;
    try {
      problems.throwIfAny(invalidArguments("RedisHA", "redis"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProblemsError);
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect((error as ProblemsError).problems).toEqual([
      "replicas must be at least 1 (got 0)",
      'the name must be a DNS label (got "A")',
      "service auth has no slot",
    ]);
    expect((error as ProblemsError).message).toBe(
      'Invalid arguments of RedisHA redis (3 problems):\n  - replicas must be at least 1 (got 0)\n  - the name must be a DNS label (got "A")\n  - service auth has no slot',
    );
  });

  test("the stack config's refusal keeps its subject: Invalid configuration", () => {
    expect(new ProblemsError(["ferrum:cloud must be set"]).message).toBe(
      "Invalid configuration (1 problem):\n  - ferrum:cloud must be set",
    );
  });
});
