/**
 * `npm run versions:check [-- --today YYYY-MM-DD] [--root DIR]`
 *
 * The live version guardrail: every row of lib/versions.ts against today's date (or --today), and what each
 * stack file runs. Exits 1, naming each version, its end of standard support, the days left and the fix, when
 * any is within 60 days of that date or past it; 0 otherwise. CI runs it on a schedule
 * (.github/workflows/versions.yml), not in `npm test`: the tests inject their dates, so they never turn red
 * because of the calendar. Prints a Markdown table (the workflow appends it to the job summary).
 * Exit codes: 0 all clear, 1 a version near or past its date (or bad arguments, or a stack file that does not
 * parse), 2 an unexpected failure.
 */
import { parseConfig } from "../config";
import {
  daysUntil,
  isoDate,
  rowsInUse,
  supportProblems,
  tableSupportProblems,
  WARNING_DAYS,
} from "../lib/version-support";
import { versionTable } from "../lib/versions";
import { runCommand } from "../harness/cli";
import { loadStackConfig, ROOT, stackNames } from "../harness/planner";
import type { PlanIO } from "../harness/plan";

const USAGE = "usage: npm run versions:check [-- --today YYYY-MM-DD] [--root DIR]";

function parseArgs(argv: readonly string[]): { today: Date; root: string } | { error?: string } {
  let today = new Date();
  let root = ROOT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--today") {
      const d = argv[++i] ?? "";
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || isoDate(new Date(`${d}T00:00:00Z`)) !== d)
        return { error: `--today needs a date as YYYY-MM-DD (got ${JSON.stringify(d)})` };
      today = new Date(`${d}T00:00:00Z`);
    } else if (a === "--root") {
      const dir = argv[++i];
      if (!dir) return { error: "--root needs a directory" };
      root = dir;
    } else if (a === "-h" || a === "--help") return {};
    else return { error: `unknown argument ${a}` };
  }
  return { today, root };
}

/** The command; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: PlanIO = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const args = parseArgs(argv);
  if (!("today" in args)) {
    io.err.write(args.error ? `error: ${args.error}\n${USAGE}\n` : `${USAGE}\n`);
    return args.error ? 1 : 0;
  }
  const { today, root } = args;
  const table = versionTable();

  const usedBy = new Map<object, string[]>();
  const problems: string[] = [];
  for (const stack of stackNames(root)) {
    const input = loadStackConfig(stack, [], root);
    const parsed = parseConfig(input.values, stack);
    if (!parsed.config) {
      problems.push(
        `Pulumi.${stack}.yaml does not parse, so what it runs is unknown: ${[...input.problems, ...parsed.problems].join("; ")}`,
      );
      continue;
    }
    for (const row of rowsInUse(parsed.config, table)) usedBy.set(row, [...(usedBy.get(row) ?? []), stack]);
    // A stack's own problems name the command that moves that stack.
    problems.push(...supportProblems(parsed.config, today, table).map((p) => `${stack}: ${p.message}`));
  }
  // Rows no stack uses still fail: the table offers them.
  for (const p of tableSupportProblems(today, table))
    if (!usedBy.has(p.row)) problems.push(`lib/versions.ts: ${p.message}`);

  const lines = [
    `## Versions and their end of standard support, on ${isoDate(today)}`,
    "",
    `The check fails ${WARNING_DAYS} days before a date (lib/versions.ts).`,
    "",
    "| component | cloud | version | standard support ends | days left | used by |",
    "| --- | --- | --- | --- | --- | --- |",
    ...table.map((r) => {
      const follows = r.kind === "follower" ? ` (follows Kubernetes ${r.kubernetes})` : "";
      const stacks = r.kind === "release" ? (usedBy.get(r)?.join(", ") ?? "none") : "";
      return `| ${r.label}${follows} | ${r.cloud} | ${r.version} | ${r.standardSupportEnds} | ${daysUntil(r.standardSupportEnds, today)} | ${stacks} |`;
    }),
    "",
  ];
  if (problems.length) {
    lines.push(
      `### ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
      "",
      ...problems.map((p) => `- ${p}`),
    );
    io.out.write(`${lines.join("\n")}\n`);
    io.err.write(
      `versions:check: ${problems.length} version${problems.length === 1 ? "" : "s"} within ${WARNING_DAYS} days of the end of standard support, or past it (see above)\n`,
    );
    return 1;
  }
  lines.push(`Every version has more than ${WARNING_DAYS} days of standard support left.`);
  io.out.write(`${lines.join("\n")}\n`);
  return 0;
}

if (require.main === module) runCommand("versions:check", main);
