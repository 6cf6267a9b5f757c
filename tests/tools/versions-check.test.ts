/**
 * `npm run versions:check`: the live guardrail CI runs on a schedule. Here its day is always given with
 * --today, so the test never depends on the calendar; without --today the command uses the day it runs.
 */
import { main } from "../../tools/versions-check";

async function run(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

test("on 2026-12-03: every row listed with its date and days left, the stacks that run it, exit 0", async () => {
  const r = await run("--today", "2026-12-03");
  expect(r.code).toBe(0);
  expect(r.err).toBe("");
  expect(r.out).toContain("## Versions and their end of standard support, on 2026-12-03");
  expect(r.out).toContain("| EKS Kubernetes | aws | 1.36 | 2027-08-02 | 242 | prod |");
  expect(r.out).toContain("| EKS Kubernetes | aws | 1.35 | 2027-03-27 | 114 | none |");
  expect(r.out).toContain("| AKS Kubernetes | azure | 1.36 | 2027-06-30 | 209 | prod-azure |");
  expect(r.out).toContain("| RDS for PostgreSQL | aws | 16 | 2029-02-28 | 818 | prod |");
  expect(r.out).toContain(
    "| Cluster Autoscaler image (follows Kubernetes 1.36) | aws | v1.36.1 | 2027-08-02 | 242 |  |",
  );
  expect(r.out).toContain("Every version has more than 60 days of standard support left.");
});

test("60 days before a date no stack runs: the table's row fails, exit 1", async () => {
  const r = await run("--today", "2027-01-26");
  expect(r.code).toBe(1);
  expect(r.out).toContain(
    "### 1 problem\n\n- lib/versions.ts: EKS Kubernetes 1.35 (ferrum:aws.kubernetesVersion): standard support ends 2027-03-27, in 60 days",
  );
  expect(r.err).toBe(
    "versions:check: 1 version within 60 days of the end of standard support, or past it (see above)\n",
  );
});

test("60 days before a date a stack runs: that stack's problem, with the command that moves it", async () => {
  const r = await run("--today", "2027-06-03");
  expect(r.code).toBe(1);
  expect(r.out).toContain(
    "- prod: EKS Kubernetes 1.36 (ferrum:aws.kubernetesVersion): standard support ends 2027-08-02, in 60 days from 2027-06-03",
  );
  expect(r.out).toContain(
    "Fix: add the row of EKS Kubernetes 1.37 to lib/versions.ts once the cloud offers it (its end date and its source), then move this stack with: pulumi config set --path 'ferrum:aws.kubernetesVersion' 1.37 -s prod, then remove 1.36's row from lib/versions.ts.",
  );
  // Past their dates on that day, and run by no stack: the table's own rows.
  expect(r.out).toContain(
    "- lib/versions.ts: EKS Kubernetes 1.35 (ferrum:aws.kubernetesVersion): standard support ended, 2027-03-27",
  );
  expect(r.out).toContain(
    "- lib/versions.ts: AKS Kubernetes 1.35 (ferrum:azure.kubernetesVersion): standard support ended, 2027-03-31",
  );
  expect(r.out).toContain(
    "- prod-azure: AKS Kubernetes 1.36 (ferrum:azure.kubernetesVersion): standard support ends 2027-06-30, in 27 days",
  );
});

test.each([
  [["--today", "2026-02-30"], 'error: --today needs a date as YYYY-MM-DD (got "2026-02-30")'],
  [["--today"], 'error: --today needs a date as YYYY-MM-DD (got "")'],
  [["--tomorrow"], "error: unknown argument --tomorrow"],
])("%j is refused with exit 1 and the usage", async (argv, message) => {
  const r = await run(...argv);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toBe(`${message}\nusage: npm run versions:check [-- --today YYYY-MM-DD] [--root DIR]\n`);
});
