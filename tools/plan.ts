/**
 * `npm run plan -- <stack> [--out DIR] [-c key=value ...] [--show-secrets]`
 *
 * Runs the program for Pulumi.<stack>.yaml under Pulumi's mock runtime and writes DIR/resources.json,
 * DIR/manifests.yaml and DIR/outputs.json (default DIR: plan/<stack>), and prints a tree like
 * `pulumi preview`. Bad config: every problem on stderr, exit code 1, no stack trace.
 */
import { mkdirSync, writeFileSync } from "fs";
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

interface Args {
  stack: string;
  out: string;
  overrides: string[];
  showSecrets: boolean;
  stats: boolean;
}

const USAGE = "usage: npm run plan -- <stack> [--out DIR] [-c key=value ...] [--show-secrets] [--stats]";
const started = Date.now();

function parseArgs(argv: string[]): Args | string {
  const args: Partial<Args> & { overrides: string[] } = { overrides: [], showSecrets: false, stats: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") args.out = argv[++i];
    else if (a === "-c" || a === "--config") args.overrides.push(argv[++i] ?? "");
    else if (a.startsWith("--config=")) args.overrides.push(a.slice("--config=".length));
    else if (a === "--show-secrets") args.showSecrets = true;
    else if (a === "--stats") args.stats = true;
    else if (a === "-h" || a === "--help") return USAGE;
    else if (a.startsWith("-")) return `unknown option ${a}\n${USAGE}`;
    else if (!args.stack) args.stack = a;
    else return `unexpected argument ${a}\n${USAGE}`;
  }
  if (!args.stack) return `no stack given\n${USAGE}`;
  return {
    stack: args.stack,
    out: args.out ?? path.join(ROOT, "plan", args.stack),
    overrides: args.overrides,
    showSecrets: !!args.showSecrets,
    stats: !!args.stats,
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

/** The command: `argv` without node and the script; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: PlanIO = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const args = parseArgs([...argv]);
  if (typeof args === "string") {
    io.err.write(`${args}\n`);
    return args === USAGE ? 0 : 2;
  }
  let plan: PlanResult;
  try {
    plan = await runPlan(args.stack, args.overrides);
  } catch (err) {
    if (err instanceof PlanConfigError) {
      const problems = err.problems;
      io.err.write(
        `error: the configuration of stack ${args.stack} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
      );
      return 1;
    }
    throw err;
  }
  mkdirSync(args.out, { recursive: true });
  writeFileSync(
    path.join(args.out, "resources.json"),
    `${JSON.stringify(resourceEntries(plan, args.showSecrets), null, 2)}\n`,
  );
  writeFileSync(
    path.join(args.out, "manifests.yaml"),
    manifests(plan, args.showSecrets)
      .map((m) => stringify(m, { lineWidth: 0, version: "1.1" }))
      .join("---\n"),
  );
  writeFileSync(
    path.join(args.out, "outputs.json"),
    `${JSON.stringify(outputEntries(plan, args.showSecrets), null, 2)}\n`,
  );

  const out = io.out;
  out.write(
    `Previewing stack ${args.stack} (offline, Pulumi mock runtime)\n\n${renderTree(plan)}\n\nResources by type:\n${renderCounts(plan)}\n`,
  );
  if (plan.placeholders.length) {
    out.write(
      `\nSecrets filled with placeholders (set the real ones with pulumi config set --secret):\n${plan.placeholders.map((k) => `  - ${k}`).join("\n")}\n`,
    );
  }
  out.write(
    `\nWrote ${path.relative(process.cwd(), args.out) || "."}/{resources.json,manifests.yaml,outputs.json}${args.showSecrets ? " WITH SECRET VALUES IN THE CLEAR" : ""}\n`,
  );
  if (args.stats) {
    // Read by tools/bench.ts: the whole process, module loading included.
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    io.err.write(`plan-stats wall_ms=${Date.now() - started} peak_rss_mib=${rssMiB.toFixed(1)}\n`);
  }
  return 0;
}

if (require.main === module) runCommand("plan", main);
