/**
 * A small reader over raw Pulumi config that collects every problem instead of stopping at the first.
 * Pure: no Pulumi engine needed, so config validation is tested directly.
 */

export type RawConfig = Readonly<Record<string, string>>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const PROJECT = "ferrum";

/** `ferrum:foo` from `foo`. */
export const fullKey = (key: string): string => `${PROJECT}:${key}`;

/** One problem with one setting: the key, what was received and how to fix it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

/** How to set a key: the `pulumi config set` command a user would type. */
export function setCommand(key: string, example: string | number | boolean, secret = false): string {
  const path = key.includes(".") || key.includes("[");
  const value = typeof example === "string" && secret ? "<value>" : String(example);
  return `pulumi config set${path ? " --path" : ""}${secret ? " --secret" : ""} '${fullKey(key)}' ${value}`;
}

export class Problems {
  readonly list: ConfigProblem[] = [];

  add(key: string, message: string): void {
    this.list.push({ key: fullKey(key), message: `${fullKey(key)} ${message}` });
  }

  /** A typed value outside what is allowed. */
  invalid(key: string, expectation: string, got: unknown, example: string | number | boolean): void {
    this.add(key, `must be ${expectation} (got ${show(got)}); set it with: ${setCommand(key, example)}`);
  }
}

/** Reads values out of one JSON object (a structured key, or the top level), tracking the path. */
export class ObjectReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly problems: Problems,
    readonly path: string,
    readonly value: Readonly<Record<string, Json>>,
  ) {}

  private key(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
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

  /** A nested object; absent means empty. */
  object(name: string): ObjectReader {
    const v = this.raw(name);
    if (v === undefined || v === null) return new ObjectReader(this.problems, this.key(name), {});
    if (typeof v !== "object" || Array.isArray(v)) {
      this.problems.add(
        this.key(name),
        `must be an object (got ${show(v)}); set its fields with: ${setCommand(`${this.key(name)}.<field>`, "<value>")}`,
      );
      return new ObjectReader(this.problems, this.key(name), {});
    }
    return new ObjectReader(this.problems, this.key(name), v);
  }

  /** Names of the keys present in this object. */
  keys(): string[] {
    return Object.keys(this.value);
  }

  /** Reports every key that no reader asked for: almost always a typo. Call after reading. */
  rejectUnknown(): void {
    const known = [...this.seen].sort();
    for (const k of Object.keys(this.value)) {
      if (!this.seen.has(k)) {
        this.problems.add(
          this.key(k),
          `is not a known setting (got ${show(this.value[k])}); known keys here: ${known.join(", ")}; remove it with: pulumi config rm${this.path ? " --path" : ""} '${fullKey(this.key(k))}'`,
        );
      }
    }
  }
}

/** Turns the engine's flat `ferrum:key -> text` map into one object, parsing structured values. */
export function rawToObject(
  raw: RawConfig,
  problems: Problems,
  structuredKeys: readonly string[],
): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [full, text] of Object.entries(raw)) {
    if (!full.startsWith(`${PROJECT}:`)) continue;
    const key = full.slice(PROJECT.length + 1);
    if (structuredKeys.includes(key)) {
      try {
        out[key] = JSON.parse(text) as Json;
      } catch {
        problems.add(
          key,
          `must be an object (got ${show(text)}); set its fields with: ${setCommand(`${key}.<field>`, "<value>")}`,
        );
      }
    } else {
      out[key] = text;
    }
  }
  return out;
}
