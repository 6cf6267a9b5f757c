/**
 * `npm run plan -- <stack> [--out DIR] [-c key=value ...] [--show-secrets] [--timeline]`
 *
 * Runs the program for Pulumi.<stack>.yaml under Pulumi's mock runtime and writes DIR/resources.json,
 * DIR/manifests.yaml, DIR/outputs.json and DIR/plan.json (which run wrote them; default DIR: plan/<stack>),
 * and prints a tree like `pulumi preview`. Bad config or arguments: every problem on stderr, exit code 1, no
 * stack trace, nothing written (an earlier plan in DIR is left as it was, and the message says so).
 * `--timeline` also prints the estimated first `pulumi up` (harness/timeline.ts): its duration, critical
 * chain and the sum of all create times.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import {
  manifests,
  outputEntries,
  PlanConfigError,
  PlanResult,
  resourceEntries,
  ROOT,
  runPlan,
} from "./planner";
import { runCommand } from "./cli";
import { renderTimeline, timeline } from "./timeline";

interface Args {
  stack: string;
  out: string;
  overrides: string[];
  showSecrets: boolean;
  stats: boolean;
  timeline: boolean;
}

const USAGE =
  "usage: npm run plan -- <stack> [--out DIR] [-c key=value ...] [--show-secrets] [--stats] [--timeline]";
const started = Date.now();

/** The next argument as an option's value; an option, or nothing, is no value. */
function valueOf(argv: string[], i: number, option: string, what: string): string | { error: string } {
  const v = argv[i + 1];
  if (v === undefined || (v.startsWith("-") && v !== "-"))
    return { error: `${option} needs ${what} (got ${v === undefined ? "nothing" : JSON.stringify(v)})` };
  return v;
}

function parseArgs(argv: string[]): Args | { usage: string; error?: string } {
  const args: Partial<Args> & { overrides: string[] } = {
    overrides: [],
    showSecrets: false,
    stats: false,
    timeline: false,
  };
  const fail = (error: string) => ({ usage: USAGE, error });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out" || a === "-c" || a === "--config") {
      const v = valueOf(argv, i++, a, a === "--out" ? "a folder" : "a key=value");
      if (typeof v !== "string") return fail(v.error);
      if (a === "--out") args.out = v;
      else args.overrides.push(v);
    } else if (a.startsWith("--out=")) {
      if (a === "--out=") return fail("--out= needs a folder (got nothing)");
      args.out = a.slice("--out=".length);
    } else if (a.startsWith("--config=")) args.overrides.push(a.slice("--config=".length));
    else if (a === "--show-secrets") args.showSecrets = true;
    else if (a === "--stats") args.stats = true;
    else if (a === "--timeline") args.timeline = true;
    else if (a === "-h" || a === "--help") return { usage: USAGE };
    else if (a.startsWith("-")) return fail(`unknown option ${a}`);
    else if (!args.stack) args.stack = a;
    else return fail(`unexpected argument ${a}: one stack at a time`);
  }
  if (!args.stack) return fail("no stack given");
  return {
    stack: args.stack,
    out: args.out ?? path.join(ROOT, "plan", args.stack),
    overrides: args.overrides,
    showSecrets: !!args.showSecrets,
    stats: !!args.stats,
    timeline: !!args.timeline,
  };
}

/** The tree `pulumi preview` would print: each resource under its parent, with its type. */
export function renderTree(plan: PlanResult): string {
  const children = new Map<string, PlanResult["resources"]>();
  for (const r of plan.resources) {
    const key = r.parent ?? "";
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(
        `${"   ".repeat(depth)}+  ${r.type.padEnd(Math.max(10, 56 - depth * 3))} ${r.name}${r.options.protect ? "  [protect]" : ""}`,
      );
      walk(r.urn, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n");
}

export function renderCounts(plan: PlanResult): string {
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  const rows = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  return [
    ...rows.map(([t, n]) => `  ${String(n).padStart(4)}  ${t}`),
    `  ${String(plan.resources.length).padStart(4)}  resources in all`,
  ].join("\n");
}

/** Where the command writes: the process's streams, or a test's buffers. */
export interface PlanIO {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** The file each plan folder carries, saying which run wrote it and whether its secrets are in the clear. */
export const STAMP_FILE = "plan.json";
/** Present only in a folder written with --show-secrets, so the folder itself says so. */
export const CLEAR_SECRETS_FILE = "SECRETS-IN-THE-CLEAR.txt";

/** What an earlier run left in `out`, for the failure message: when it was written, from what. */
function previousPlan(out: string): string | undefined {
  const stamp = path.join(out, STAMP_FILE);
  if (!existsSync(stamp)) return existsSync(out) ? "from an unknown run" : undefined;
  try {
    const s = JSON.parse(readFileSync(stamp, "utf8")) as { writtenAt?: string; secrets?: string };
    return `written at ${s.writtenAt ?? "an unknown time"}${s.secrets === "in the clear" ? ", WITH SECRETS IN THE CLEAR" : ""}`;
  } catch {
    return "from an unknown run";
  }
}

/**
 * Writes the plan's files into a fresh folder beside `out`, then swaps it in: an interrupted run never
 * leaves a half-written plan, and a cleartext plan's files never survive a redacted one.
 */
function writePlanFolder(out: string, files: Record<string, string>): void {
  const parent = path.dirname(out);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(path.join(parent, `.${path.basename(out)}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(staging, name), text);
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
}

/** The command: `argv` without node and the script; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: PlanIO = { out: process.stdout, err: process.stderr },
  /** Where Pulumi.yaml and the stack files are: the repository unless a test gives another folder. */
  root = ROOT,
): Promise<number> {
  const args = parseArgs([...argv]);
  if ("usage" in args) {
    io.err.write(args.error ? `error: ${args.error}\n${args.usage}\n` : `${args.usage}\n`);
    return args.error ? 1 : 0;
  }
  let plan: PlanResult;
  try {
    plan = await runPlan(args.stack, args.overrides, root);
  } catch (err) {
    if (err instanceof PlanConfigError) {
      const problems = err.problems;
      const previous = previousPlan(args.out);
      const where = path.relative(process.cwd(), args.out) || ".";
      const heading =
        err.kind === "input"
          ? `error: ${problems.join("\n")}\n`
          : `error: the configuration of stack ${args.stack} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}\n`;
      io.err.write(
        `${heading}Nothing was written${previous ? `: ${where}/ still holds an earlier plan (${previous}), not this configuration's` : ""}.\n`,
      );
      return 1;
    }
    throw err;
  }
  const stamp = {
    stack: args.stack,
    writtenAt: new Date().toISOString(),
    overrides: args.overrides,
    secrets: args.showSecrets ? "in the clear" : "redacted",
    placeholders: plan.placeholders,
    notes: plan.notes,
  };
  writePlanFolder(args.out, {
    "resources.json": `${JSON.stringify(resourceEntries(plan, args.showSecrets), null, 2)}\n`,
    "manifests.yaml": manifests(plan, args.showSecrets)
      .map((m) => stringify(m, { lineWidth: 0, version: "1.1" }))
      .join("---\n"),
    "outputs.json": `${JSON.stringify(outputEntries(plan, args.showSecrets), null, 2)}\n`,
    [STAMP_FILE]: `${JSON.stringify(stamp, null, 2)}\n`,
    ...(args.showSecrets
      ? {
          [CLEAR_SECRETS_FILE]: `This plan of stack ${args.stack} was written with --show-secrets at ${stamp.writtenAt}:\nresources.json, manifests.yaml and outputs.json hold secret values in the clear. Do not share or commit it;\nnpm run plan -- ${args.stack} (without --show-secrets) replaces it with a redacted plan.\n`,
        }
      : {}),
  });

  const out = io.out;
  out.write(
    `Previewing stack ${args.stack} (offline, Pulumi mock runtime)\n\n${renderTree(plan)}\n\nResources by type:\n${renderCounts(plan)}\n`,
  );
  if (plan.placeholders.length) {
    out.write(
      `\nSecrets filled with placeholders (set the real ones with pulumi config set --secret ... -s ${args.stack}):\n${plan.placeholders.map((k) => `  - ${k}`).join("\n")}\n`,
    );
  }
  for (const note of plan.notes) out.write(`\nNote: ${note}\n`);
  if (args.timeline) out.write(`\n${renderTimeline(args.stack, timeline(plan.resources))}\n`);
  out.write(
    `\nWrote ${path.relative(process.cwd(), args.out) || "."}/{resources.json,manifests.yaml,outputs.json,${STAMP_FILE}}${args.showSecrets ? ` WITH SECRET VALUES IN THE CLEAR (see ${CLEAR_SECRETS_FILE})` : ""}\n`,
  );
  if (args.stats) {
    // Read by build/bench.ts: the whole process, module loading included.
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    io.err.write(`plan-stats wall_ms=${Date.now() - started} peak_rss_mib=${rssMiB.toFixed(1)}\n`);
  }
  return 0;
}

if (require.main === module) runCommand("plan", main);
