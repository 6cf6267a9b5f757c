/**
 * A small reader over raw Pulumi config that collects every problem instead of stopping at the first.
 * Pure: no Pulumi engine needed, so config validation is tested directly.
 */
import { Problems } from "../lib/problems";

export type RawConfig = Readonly<Record<string, string>>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const PROJECT = "ferrum";

/** `ferrum:foo` from `foo`. */
export const fullKey = (key: string): string => `${PROJECT}:${key}`;

export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

/**
 * Where a key's value came from decides how to fix it: a key in the stack file is fixed with `pulumi config`
 * on that stack; a key the offline plan got with `-c key=value` is fixed by changing that `-c`.
 */
export interface FixContext {
  /** The stack every `pulumi config` command names with `-s`. */
  readonly stack: string;
  /** Full keys (`ferrum:services.auth.maxReplicas`, `aws:region`) given with `-c` to the offline plan. */
  readonly overrides?: ReadonlySet<string>;
}

const isPath = (key: string) => key.includes(".") || key.includes("[");
/** `ferrum:foo` for a bare key, the key itself when it names its namespace (`aws:region`). */
const qualified = (key: string) => (/^[\w-]+:/.test(key) ? key : fullKey(key));
const topKey = (full: string) => full.replace(/[.[].*$/, "");

/**
 * The `-c` keys that gave `full`: the key itself, the structured value holding it (`-c ferrum:services={...}`
 * replaces the whole value), or keys under it (`-c ferrum:aws.vpcCidr=...` for a problem with `ferrum:aws`).
 */
function overridesOf(ctx: FixContext, full: string): string[] {
  return [...(ctx.overrides ?? [])].filter(
    (o) => o === full || full.startsWith(`${o}.`) || o.startsWith(`${full}.`) || o === topKey(full),
  );
}

/** How to set a key: the `pulumi config set ... -s <stack>` command, or the corrected `-c`. */
export function setCommand(
  ctx: FixContext,
  key: string,
  example: string | number | boolean,
  secret = false,
): string {
  const full = qualified(key);
  const value = typeof example === "string" && secret ? "<value>" : String(example);
  if (overridesOf(ctx, full).length) return `-c '${full}=${value}'`;
  return `pulumi config set${isPath(full) ? " --path" : ""}${secret ? " --secret" : ""} '${full}' ${value} -s ${ctx.stack}`;
}

/** How to remove a key: `pulumi config rm ... -s <stack>`, or dropping the `-c` that gave it. */
export function removeCommand(ctx: FixContext, key: string): string {
  const full = qualified(key);
  const given = overridesOf(ctx, full);
  if (given.length) return `drop ${given.map((o) => `-c '${o}=...'`).join(" and ")}`;
  return `pulumi config rm${isPath(full) ? " --path" : ""} '${full}' -s ${ctx.stack}`;
}

/** The known name closest to `name` (edit distance at most a third of its length), for "did you mean". */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || d < best.distance) best = { candidate, distance: d };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The stack config's problems: keys named in full (`ferrum:services.auth.replicas`), each fix a command on
 * the stack ({@link setCommand}, {@link removeCommand}). The collector and its error are lib/problems.ts's.
 */
export class ConfigProblems extends Problems {
  constructor(readonly fix: FixContext) {
    super();
  }

  /** Bare keys are the project's, `ns:key` names its namespace. */
  protected override name(key: string): string {
    return qualified(key);
  }

  /** A typed value outside what is allowed. */
  invalid(key: string, expectation: string, got: unknown, example: string | number | boolean): void {
    this.add(key, `must be ${expectation} (got ${show(got)}); set it with: ${this.set(key, example)}`);
  }

  /** The command that sets `key` on this stack (or the corrected `-c`). */
  set(key: string, example: string | number | boolean, secret = false): string {
    return setCommand(this.fix, key, example, secret);
  }

  /** The command that removes `key` from this stack (or the `-c` to drop). */
  remove(key: string): string {
    return removeCommand(this.fix, key);
  }
}

/** Reads values out of one JSON object (a structured key, or the top level), tracking the path. */
export class ObjectReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly problems: ConfigProblems,
    readonly path: string,
    readonly value: Readonly<Record<string, Json>>,
  ) {}

  private key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  /**
   * Refuses `name` (a maximum or a limit) below its sibling `floorName` (the minimum or the request), with the
   * command that raises it to the floor.
   */
  atLeast(name: string, value: number, floorName: string, floor: number): void {
    if (value >= floor) return;
    const key = this.key(name);
    this.problems.add(
      key,
      `must be at least ${floorName} (got ${value} < ${floor}); set it with: ${this.problems.set(key, floor)}`,
    );
  }

  private raw(name: string): Json | undefined {
    this.seen.add(name);
    return this.value[name];
  }

  string(
    name: string,
    fallback: string,
    rule?: { pattern: RegExp; expectation: string; example: string },
  ): string {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string") {
      this.problems.invalid(this.key(name), "a string", v, rule?.example ?? fallback);
      return fallback;
    }
    if (rule && !rule.pattern.test(v)) {
      this.problems.invalid(this.key(name), rule.expectation, v, rule.example);
      return fallback;
    }
    return v;
  }

  /**
   * A string that YAML may have read as a number (`engineVersion: 16`, `kubernetesVersion: 1.36`, or what
   * `pulumi config set --path` stores for a numeric value): the number's text.
   */
  versionText(name: string, fallback: string): string {
    const v = this.raw(name);
    if (typeof v === "number") return String(v);
    return this.string(name, fallback);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
    this.problems.invalid(this.key(name), `one of ${allowed.join(", ")}`, v, fallback);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    // `pulumi config set` without --type stores strings; structured values come typed from YAML.
    const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      this.problems.invalid(this.key(name), `an integer between ${min} and ${max}`, v, fallback);
      return fallback;
    }
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    this.problems.invalid(this.key(name), "true or false", v, fallback);
    return fallback;
  }

  stringList(
    name: string,
    fallback: readonly string[],
    item?: { pattern: RegExp; expectation: string },
  ): string[] {
    const v = this.raw(name);
    if (v === undefined || v === null) return [...fallback];
    // Pulumi.yaml's `type: array` keys arrive as JSON text.
    let parsed: Json = v;
    if (typeof v === "string") {
      try {
        parsed = JSON.parse(v) as Json;
      } catch {
        parsed = v;
      }
    }
    const example = JSON.stringify(fallback.length ? fallback : ["..."]);
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string")) {
      this.problems.invalid(this.key(name), "a list of strings", v, `'${example}'`);
      return [...fallback];
    }
    const items = parsed as string[];
    const bad = item ? items.filter((x) => !item.pattern.test(x)) : [];
    if (item && bad.length > 0) {
      this.problems.invalid(this.key(name), `a list of ${item.expectation}`, bad, `'${example}'`);
      return [...fallback];
    }
    return items;
  }

  /** A nested object; absent means empty. An empty object given on purpose sets nothing and is refused. */
  object(name: string): ObjectReader {
    const v = this.raw(name);
    const key = this.key(name);
    if (v === undefined || v === null) return new ObjectReader(this.problems, key, {});
    if (typeof v !== "object" || Array.isArray(v)) {
      this.problems.add(
        key,
        `must be an object (got ${show(v)}); set its fields with: ${this.problems.set(`${key}.<field>`, "<value>")}`,
      );
      return new ObjectReader(this.problems, key, {});
    }
    if (Object.keys(v).length === 0) emptyObjectProblem(this.problems, key);
    return new ObjectReader(this.problems, key, v);
  }

  /** Names of the keys present in this object. */
  keys(): string[] {
    return Object.keys(this.value);
  }

  /** Whether `name` is present (set by the user, not defaulted). */
  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  /** Reports every key that no reader asked for: almost always a typo. Call after reading. */
  rejectUnknown(): void {
    const known = [...this.seen].sort();
    for (const k of Object.keys(this.value)) {
      if (this.seen.has(k)) continue;
      const guess = closest(k, known);
      this.problems.add(
        this.key(k),
        `is not a known setting (got ${show(this.value[k])}); ${
          guess ? `did you mean ${fullKey(this.key(guess))}? ` : ""
        }known keys here: ${known.join(", ")}; remove it with: ${this.problems.remove(this.key(k))}`,
      );
    }
  }
}

/**
 * `-c ferrum:services={}` and `pulumi config set ferrum:services '{}'` replace the whole value with nothing:
 * every per-service setting of the stack file would be dropped without a word.
 */
function emptyObjectProblem(problems: ConfigProblems, key: string): void {
  problems.add(
    key,
    `is empty (got {}), which drops every setting under it: a value given without --path (or with -c) replaces the whole object; set the fields you mean with: ${problems.set(`${key}.<field>`, "<value>")}, or remove it with: ${problems.remove(key)}`,
  );
}

/**
 * Turns the engine's flat `ferrum:key -> text` map into one object, parsing structured values. Keys of
 * other namespaces are left to {@link ../lib/config-keys}.
 */
export function rawToObject(
  raw: RawConfig,
  problems: ConfigProblems,
  structuredKeys: readonly string[],
): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [full, text] of Object.entries(raw)) {
    if (!full.startsWith(`${PROJECT}:`)) continue;
    const key = full.slice(PROJECT.length + 1);
    if (!structuredKeys.includes(key)) {
      out[key] = text;
      continue;
    }
    let parsed: Json | undefined;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      problems.add(
        key,
        `must be an object (got ${show(text)}); set its fields with: ${problems.set(`${key}.<field>`, "<value>")}`,
      );
      continue;
    }
    out[key] = parsed;
  }
  return out;
}
