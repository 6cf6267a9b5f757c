/**
 * `npm run guardrails:urns -- [--update] [stack ...]`: compares every stack's plan with its URN snapshot
 * (harness/urns/<stack>.json), or with --update rewrites the snapshots. Stacks default to every
 * `Pulumi.<stack>.yaml` the program can plan. Exit code 1 when a stateful resource's URN would change.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { runCommand } from "../cli";
import { ROOT } from "../planner";
import { planStack, stackNames } from "./stacks";
import { compareUrns, plannedUrns, snapshotOf, updateCommand, type UrnSnapshot } from "./urns";

export const SNAPSHOT_DIR = path.join(ROOT, "harness/urns");

export function snapshotPath(stack: string): string {
  return path.join(SNAPSHOT_DIR, `${stack}.json`);
}

export function readSnapshot(stack: string): UrnSnapshot | undefined {
  const file = snapshotPath(stack);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as UrnSnapshot) : undefined;
}

/** The snapshot file's text, formatted as Prettier formats JSON (so `npm run lint` stays clean). */
export async function renderSnapshot(snapshot: UrnSnapshot): Promise<string> {
  const prettier = await import("prettier");
  const doc = { refresh: updateCommand(snapshot.stack), ...snapshot };
  const options = (await prettier.resolveConfig(snapshotPath(snapshot.stack))) ?? {};
  return prettier.format(JSON.stringify(doc), { ...options, parser: "json" });
}

const USAGE = "usage: npm run guardrails:urns -- [--update] [stack ...]";

/** The command: `argv` without node and the script; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  log: (line: string) => void = console.log,
): Promise<number> {
  const flags = argv.filter((a) => a.startsWith("-"));
  const unknown = flags.filter((f) => f !== "--update" && f !== "-h" && f !== "--help");
  if (unknown.length) {
    log(`error: unknown option ${unknown.join(", ")}\n${USAGE}`);
    return 1;
  }
  if (flags.some((f) => f === "-h" || f === "--help")) {
    log(USAGE);
    return 0;
  }
  const update = flags.includes("--update");
  const named = argv.filter((a) => !a.startsWith("-"));
  const known = stackNames();
  const missing = named.filter((s) => !known.includes(s));
  if (missing.length) {
    log(`error: no stack ${missing.join(", ")}; the stacks are ${known.join(", ")}\n${USAGE}`);
    return 1;
  }
  const stacks = named.length ? named : known;
  let failed = false;
  for (const stack of stacks) {
    const result = await planStack(stack);
    const planned = plannedUrns(result.plan.resources);
    if (update) {
      mkdirSync(SNAPSHOT_DIR, { recursive: true });
      writeFileSync(snapshotPath(stack), await renderSnapshot(snapshotOf(stack, planned)));
      log(`${stack}: wrote ${path.relative(process.cwd(), snapshotPath(stack))} (${planned.length} URNs)`);
      continue;
    }
    const snapshot = readSnapshot(stack);
    if (!snapshot) {
      log(`${stack}: FAIL no URN snapshot; write it with: ${updateCommand(stack)}`);
      failed = true;
      continue;
    }
    const { failures, warnings } = compareUrns(snapshot, planned);
    for (const w of warnings) log(`warning: ${w}`);
    for (const f of failures) log(`FAIL ${f}`);
    if (failures.length) failed = true;
    else log(`${stack}: every stateful URN is where the snapshot has it (${planned.length} URNs)`);
  }
  return failed ? 1 : 0;
}

if (require.main === module) runCommand("guardrails:urns", (argv) => main(argv));
