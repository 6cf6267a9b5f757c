/** What every component's refusal of bad arguments must look like (lib/problems.ts). */
import { ProblemsError } from "../../lib/problems";
import { refusal } from "./pulumi";

/**
 * Builds `body` under the mocks and expects the one error type, headed `Invalid arguments of <component> <name>
 * (N problems):` with every problem on its own `  - ` line, and no resource registered, the component included.
 */
export async function expectArgumentsRefused(
  body: () => unknown,
  component: string,
  problems: readonly string[],
): Promise<void> {
  const { error, registered } = await refusal(body);
  expect(error).toBeInstanceOf(ProblemsError);
  const n = problems.length;
  expect(error?.message).toBe(
    `Invalid arguments of ${component} (${n} problem${n === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
  );
  expect(registered).toEqual([]);
}
