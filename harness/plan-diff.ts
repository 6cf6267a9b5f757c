/**
 * `npm run plan:diff -- <before dir> <after dir>`: what changed between two offline plans of one stack
 * (`npm run plan -- <stack> --out DIR`), reading a move of resources under new parents as no change.
 *
 * A restructure may give resources new parent components (and aliases to their old URNs), which changes their
 * URNs and every URN that waits for them; it must change nothing a cloud sees. So this compares:
 * - manifests.yaml and outputs.json byte for byte;
 * - each resource by type and name: `custom`, `inputs`, and `options` without `aliases` and `parent`;
 * - what each resource waits for, with every URN reduced to its type and name;
 * and reports resources only one side has. Exit 0 when the plans agree, 1 with every difference listed.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { runCommand } from "./cli";

interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: unknown;
  readonly options: Record<string, unknown>;
  readonly waitsFor?: readonly string[];
}

/** `urn:pulumi:s::p::a$b$type::name` -> `type::name`: a URN without its stack, project and parent chain. */
export const urnKey = (urn: string): string => {
  const [qualified, name] = [urn.slice(0, urn.lastIndexOf("::")), urn.slice(urn.lastIndexOf("::") + 2)];
  const type = qualified.slice(qualified.lastIndexOf("$") + 1).replace(/^.*::/, "");
  return `${type}::${name}`;
};

/** Replaces every URN inside `value` (strings anywhere in it) by its urnKey. */
function withoutParents(value: unknown): unknown {
  if (typeof value === "string") return value.startsWith("urn:pulumi:") ? urnKey(value) : value;
  if (Array.isArray(value)) return value.map(withoutParents);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutParents(v)]));
  return value;
}

/** The parts of a resource a restructure must keep, parents taken out. */
function comparable(r: PlannedResource): string {
  const options = Object.fromEntries(
    Object.entries(r.options).filter(([key]) => key !== "aliases" && key !== "parent"),
  );
  return JSON.stringify(
    withoutParents({
      custom: r.custom,
      inputs: r.inputs,
      options,
      waitsFor: [...(r.waitsFor ?? [])].map(urnKey).sort(),
    }),
  );
}

/** Every difference between the plans in `before` and `after`, as lines; none when they agree. */
export function planDifferences(before: string, after: string): string[] {
  const problems: string[] = [];
  for (const file of ["manifests.yaml", "outputs.json"]) {
    const [a, b] = [before, after].map((d) => readFileSync(path.join(d, file), "utf8"));
    if (a !== b) problems.push(`${file} differs`);
  }
  const load = (dir: string): Map<string, PlannedResource> => {
    const all = JSON.parse(readFileSync(path.join(dir, "resources.json"), "utf8")) as PlannedResource[];
    const byKey = new Map<string, PlannedResource>();
    for (const r of all) {
      const key = `${r.type}::${r.name}`;
      if (byKey.has(key)) problems.push(`${dir}: two resources ${key}; cannot compare by type and name`);
      byKey.set(key, r);
    }
    return byKey;
  };
  const [a, b] = [load(before), load(after)];
  for (const key of a.keys()) if (!b.has(key)) problems.push(`only before: ${key}`);
  for (const key of b.keys()) if (!a.has(key)) problems.push(`only after: ${key}`);
  for (const [key, r] of a) {
    const other = b.get(key);
    if (other && comparable(r) !== comparable(other)) problems.push(`changed: ${key}`);
  }
  return problems;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 2) {
    process.stderr.write("usage: npm run plan:diff -- <before plan dir> <after plan dir>\n");
    return 1;
  }
  const problems = planDifferences(argv[0]!, argv[1]!);
  if (problems.length === 0) {
    process.stdout.write(
      "the plans agree: manifests and outputs identical, resources equal but for parents\n",
    );
    return 0;
  }
  process.stdout.write(`${problems.join("\n")}\n`);
  return 1;
}

if (require.main === module) runCommand("plan-diff", main);
