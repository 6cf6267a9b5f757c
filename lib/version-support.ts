/**
 * The guardrail over lib/versions.ts: which versions are within 60 days of the end of their standard support
 * (or past it) on a given day, with the fix for each. Pure and clock-free: the day is always an argument, so
 * the tests inject it and `npm test` never depends on the calendar; `npm run versions:check` passes today, on
 * a schedule in CI; `pulumi up` under the real engine passes today too (index.ts, deploymentCheck).
 */
import type { AwsSettings } from "../config/aws";
import type { AzureSettings } from "../config/azure";
import { fullKey, setCommand } from "../config/reader";
import {
  compareVersions,
  nextVersion,
  releases,
  ResolvedRow,
  ReleaseRow,
  versionTable,
  VersionCloud,
} from "./versions";

/** The guardrail fails this many days before an end of standard support. */
export const WARNING_DAYS = 60;

/** What a stack runs, as config.ts reads it. */
export interface StackVersions {
  readonly stack: string;
  readonly cloud: "k3s" | "aws" | "azure";
  readonly aws: Pick<AwsSettings, "kubernetesVersion" | "rds" | "existingCluster">;
  readonly azure: Pick<AzureSettings, "kubernetesVersion">;
}

export interface SupportProblem {
  /** The release row whose date is near or past. */
  readonly row: ReleaseRow;
  /** Days from the given day to the end of standard support (negative: past). */
  readonly daysLeft: number;
  readonly message: string;
}

/** Whole days from `today` (its UTC date) to the ISO date `end`. */
export function daysUntil(end: string, today: Date): number {
  const [y, m, d] = end.split("-").map(Number);
  const endUtc = Date.UTC(y!, m! - 1, d!);
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((endUtc - todayUtc) / 86_400_000);
}

export const isoDate = (day: Date): string => day.toISOString().slice(0, 10);

/** What happens once the date has passed, per offering. */
function consequence(row: ReleaseRow): string {
  if (row.component === "kubernetes" && row.cloud === "aws")
    return `EKS upgrades a control plane whose upgrade policy is STANDARD (this program's) to ${nextVersion(row.version)} after that date, and the next pulumi up --refresh would try to downgrade it`;
  if (row.component === "kubernetes")
    return "AKS keeps a version past its community support only as long-term support on the Premium tier, which this program does not use";
  if (row.component === "postgresql" && row.cloud === "aws")
    return "RDS then bills the instance for RDS Extended Support";
  if (row.component === "postgresql") return "Azure then ends standard support of the major";
  return "its images are no longer patched";
}

/** The rows that move with a release row (its followers), for the message. */
function followersOf(row: ReleaseRow, table: readonly ResolvedRow[]): string[] {
  if (row.component !== "kubernetes") return [];
  return table
    .filter((r) => r.kind === "follower" && r.cloud === row.cloud && r.kubernetes === row.version)
    .map((r) => (r.component === "eks-addon" ? r.label : `${r.label} ${r.version}`));
}

/**
 * The fix: move the stack (or every stack) to the next row, then drop this one; or, when the table has no
 * newer row, add it first.
 */
function fixFor(row: ReleaseRow, stack: string | undefined): string {
  const newer = releases(row.component as "kubernetes" | "postgresql", row.cloud).find(
    (r) => compareVersions(r.version, row.version) > 0,
  );
  const next = newer?.version ?? nextVersion(row.version);
  if (row.component === "postgresql" && !row.configKey)
    return `plan the major upgrade to ${next} (README, "Upgrading PostgreSQL's major version") and change the ${row.label} row in lib/versions.ts`;
  if (row.component === "postgresql")
    return `plan the major upgrade to ${next} (README, "Upgrading PostgreSQL's major version"), then set ${fullKey(row.configKey!)} to ${next}`;
  if (!row.configKey) return `pin its successor in lib/versions.ts (a new row with its end date and source)`;
  const key = fullKey(row.configKey);
  const add = newer
    ? ""
    : `add the row of ${row.label} ${next} to lib/versions.ts once the cloud offers it (its end date and its source), then `;
  const move = stack
    ? `move this stack with: ${setCommand({ stack }, row.configKey, next)}`
    : `set ${key} to ${next} in every stack still on ${row.version}`;
  return `${add}${move}, then remove ${row.version}'s row from lib/versions.ts`;
}

function problem(
  row: ReleaseRow,
  today: Date,
  table: readonly ResolvedRow[],
  stack?: string,
): SupportProblem | undefined {
  const daysLeft = daysUntil(row.standardSupportEnds, today);
  if (daysLeft > WARNING_DAYS) return undefined;
  const key = row.configKey ? ` (${fullKey(row.configKey)})` : "";
  const when =
    daysLeft > 0
      ? `standard support ends ${row.standardSupportEnds}, in ${daysLeft} day${daysLeft === 1 ? "" : "s"} from ${isoDate(today)} (this check fails ${WARNING_DAYS} days before)`
      : `standard support ${daysLeft === 0 ? "ends today" : "ended"}, ${row.standardSupportEnds}${daysLeft < 0 ? `, ${-daysLeft} day${daysLeft === -1 ? "" : "s"} before ${isoDate(today)}` : ""}: ${consequence(row)}`;
  const followers = followersOf(row, table);
  const moves = followers.length ? `; moving with it: ${followers.join(", ")}` : "";
  return {
    row,
    daysLeft,
    message: `${row.label} ${row.version}${key}: ${when}${moves}. Fix: ${fixFor(row, stack)}.`,
  };
}

/** Every release row of the table within WARNING_DAYS of its end (or past it) on `today`. */
export function tableSupportProblems(
  today: Date,
  table: readonly ResolvedRow[] = versionTable(),
): SupportProblem[] {
  return table
    .filter((r): r is ResolvedRow & ReleaseRow => r.kind === "release")
    .flatMap((r) => problem(r, today, table) ?? []);
}

/** The release rows a stack runs: its cluster's Kubernetes minor and node image, its database's major. */
export function rowsInUse(s: StackVersions, table: readonly ResolvedRow[] = versionTable()): ReleaseRow[] {
  const find = (component: ReleaseRow["component"], cloud: VersionCloud, version?: string) =>
    table.filter(
      (r): r is ResolvedRow & ReleaseRow =>
        r.kind === "release" &&
        r.component === component &&
        r.cloud === cloud &&
        (version === undefined || r.version === version),
    );
  if (s.cloud === "aws") {
    // An existing cluster brings its own version; the database is still this stack's.
    const cluster = s.aws.existingCluster
      ? []
      : [...find("kubernetes", "aws", s.aws.kubernetesVersion), ...find("node-image", "aws")];
    return [...cluster, ...find("postgresql", "aws", s.aws.rds.engineVersion)];
  }
  if (s.cloud === "azure")
    return [...find("kubernetes", "azure", s.azure.kubernetesVersion), ...find("postgresql", "azure")];
  return [];
}

/** The problems of what one stack runs, with fixes naming that stack. */
export function supportProblems(
  s: StackVersions,
  today: Date,
  table: readonly ResolvedRow[] = versionTable(),
): SupportProblem[] {
  return rowsInUse(s, table).flatMap((r) => problem(r, today, table, s.stack) ?? []);
}

/**
 * What `pulumi up` does with the calendar (real engine only): past the end of standard support it refuses,
 * since the cloud has moved on (EKS upgrades the control plane, AKS refuses the version on the Standard tier);
 * within WARNING_DAYS it warns and deploys.
 */
export function deploymentCheck(
  s: StackVersions,
  today: Date,
): { readonly refuse: string[]; readonly warn: string[] } {
  const problems = supportProblems(s, today);
  return {
    refuse: problems.filter((p) => p.daysLeft <= 0).map((p) => p.message),
    warn: problems.filter((p) => p.daysLeft > 0).map((p) => p.message),
  };
}
