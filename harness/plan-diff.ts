/**
 * `npm run plan:diff -- <before dir> <after dir>`: what changed between two offline plans of one stack
 * (`npm run plan -- <stack> --out DIR`), reading a move of resources under new parents as no change.
 *
 * A restructure may give resources new parent components (and aliases to their old URNs), which changes their
 * URNs and every URN that waits for them; it must change nothing a cloud sees. So this compares:
 * - manifests.yaml and outputs.json byte for byte;
 * - each resource by type and name: `custom`, `inputs`, and `options` without `aliases` and `parent`; a
 *   resource renamed with an alias to its old name (`aliases: [{ name: "<old>" }]`) is compared with the old one;
 * - what each resource waits for, with every URN reduced to its type and name (a renamed one's to its old name);
 * and reports resources only one side has, except a new component that is the parent of resources both plans
 * have: a new parent, which a cloud never sees. Exit 0 when the plans agree, 1 with every difference listed.
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
  readonly parent?: string;
}

/** `urn:pulumi:s::p::a$b$type::name` -> `type::name`: a URN without its stack, project and parent chain. */
export const urnKey = (urn: string): string => {
  const [qualified, name] = [urn.slice(0, urn.lastIndexOf("::")), urn.slice(urn.lastIndexOf("::") + 2)];
  const type = qualified.slice(qualified.lastIndexOf("$") + 1).replace(/^.*::/, "");
  return `${type}::${name}`;
};

/** Renamed resources: their key now -> their key before. */
type Renames = ReadonlyMap<string, string>;

/** The key of a URN, under the name it had before a rename. */
const keyBefore = (urn: string, renames: Renames): string => {
  const key = urnKey(urn);
  return renames.get(key) ?? key;
};

/** Replaces every URN inside `value` (strings anywhere in it) by its urnKey. */
function withoutParents(value: unknown, renames: Renames): unknown {
  if (typeof value === "string") return value.startsWith("urn:pulumi:") ? keyBefore(value, renames) : value;
  if (Array.isArray(value)) return value.map((v) => withoutParents(v, renames));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutParents(v, renames)]));
  return value;
}

/** The parts of a resource a restructure must keep, parents taken out. */
function comparable(r: PlannedResource, renames: Renames = new Map()): string {
  const options = Object.fromEntries(
    Object.entries(r.options).filter(([key]) => key !== "aliases" && key !== "parent"),
  );
  return JSON.stringify(
    withoutParents(
      {
        custom: r.custom,
        inputs: r.inputs,
        options,
        waitsFor: [...(r.waitsFor ?? [])].map((u) => keyBefore(u, renames)).sort(),
      },
      renames,
    ),
  );
}

/** The `type::name` keys a resource's aliases name (those that rename it), as the mock runtime records them. */
function aliasKeys(r: PlannedResource): string[] {
  const aliases = (r.options.aliases ?? []) as { spec?: { name?: string; type?: string } }[];
  return aliases.flatMap((a) => (a.spec?.name ? [`${a.spec.type || r.type}::${a.spec.name}`] : []));
}

/**
 * Components only `after` has that parent resources `before` has too (by type and name, or through a rename):
 * new parents, which a restructure adds and a cloud never sees.
 */
function newParents(
  a: ReadonlyMap<string, PlannedResource>,
  b: ReadonlyMap<string, PlannedResource>,
  renames: Renames,
): Set<string> {
  const parents = new Set<string>();
  for (const [key, r] of b) {
    if (r.parent && a.has(renames.get(key) ?? key)) parents.add(r.parent);
  }
  const found = new Set<string>();
  for (const [key, r] of b) {
    if (!a.has(key) && !r.custom && parents.has(r.urn)) found.add(key);
  }
  return found;
}

/** Every difference between the plans in `before` and `after`, as lines; none when they agree. */
export function planDifferences(before: string, after: string): string[] {
  return compare(before, after).problems;
}

function compare(before: string, after: string): { problems: string[]; renamed: number; parents: number } {
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
  // A resource only `after` has, whose alias names one only `before` has, is that one renamed.
  const renames = new Map<string, string>();
  for (const [key, r] of b) {
    if (a.has(key)) continue;
    const old = aliasKeys(r).find((k) => a.has(k) && !b.has(k));
    if (old) renames.set(key, old);
  }
  const renamedFrom = new Set(renames.values());
  const parents = newParents(a, b, renames);
  for (const key of a.keys()) if (!b.has(key) && !renamedFrom.has(key)) problems.push(`only before: ${key}`);
  for (const key of b.keys())
    if (!a.has(key) && !renames.has(key) && !parents.has(key)) problems.push(`only after: ${key}`);
  for (const [key, r] of b) {
    const old = a.get(renames.get(key) ?? key);
    if (old && comparable(old) !== comparable(r, renames)) problems.push(`changed: ${key}`);
  }
  return { problems, renamed: renames.size, parents: parents.size };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 2) {
    process.stderr.write("usage: npm run plan:diff -- <before plan dir> <after plan dir>\n");
    return 1;
  }
  const { problems, renamed, parents } = compare(argv[0]!, argv[1]!);
  if (problems.length === 0) {
    const notes = [
      ...(parents ? [`${parents} new parent component${parents === 1 ? "" : "s"}`] : []),
      ...(renamed ? [`${renamed} renamed, each aliased to its old name`] : []),
    ];
    process.stdout.write(
      `the plans agree: manifests and outputs identical, resources equal but for parents${notes.length ? ` (${notes.join("; ")})` : ""}\n`,
    );
    return 0;
  }
  process.stdout.write(`${problems.join("\n")}\n`);
  return 1;
}

if (require.main === module) runCommand("plan-diff", main);
