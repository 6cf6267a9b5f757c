/**
 * The version calendar at `pulumi up` and `pulumi preview` time, under the real engine only: a stack that
 * runs a version past its end of standard support is refused (EKS has upgraded or will upgrade the control
 * plane, AKS keeps the version only as Premium long-term support), one within 60 days of it deploys with a
 * warning. Never under the mock runtime the tests and the offline plan use, so neither depends on the
 * calendar; the failing 60-day check is `npm run versions:check`, on a schedule in CI.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { deploymentCheck, StackVersions } from "./version-support";

/** Whether the program runs under a Pulumi engine (not the mock runtime of the tests and the offline plan). */
export function underRealEngine(): boolean {
  const monitor = pulumi.runtime.getMonitor();
  return monitor !== undefined && !(monitor instanceof MockMonitor);
}

/** Refused before anything is registered: every version past its date, with its fix. */
export class UnsupportedVersionError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Versions past their end of standard support (${problems.length}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** Warns about versions within 60 days of their date; throws for versions past it. */
export function enforceSupportDates(
  stack: StackVersions,
  today: Date,
  warn: (message: string) => void = (m) => void pulumi.log.warn(m),
): void {
  const { refuse, warn: warnings } = deploymentCheck(stack, today);
  for (const message of warnings) warn(message);
  if (refuse.length) throw new UnsupportedVersionError(refuse);
}
