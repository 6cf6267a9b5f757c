/**
 * Compose's variable interpolation, for the forms the generated file uses: `$$` (a literal `$`), `${NAME}`,
 * `${NAME:-default}` / `${NAME-default}` and `${NAME:?message}` / `${NAME?message}`. Pure. The tests use it to
 * read the committed file as compose will (and the real-server test checks docker-compose agrees).
 */

/** Variables that a required reference (`:?`) found unset or empty. */
export class MissingVariablesError extends Error {
  constructor(readonly missing: readonly { name: string; message: string }[]) {
    super(missing.map((m) => `required variable ${m.name} is missing a value: ${m.message}`).join("\n"));
  }
}

const REFERENCE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Names of the variables `text` references (`$$` excluded). */
export function referencedNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    const name = m[1] ?? m[4];
    if (name) names.push(name);
  }
  return names;
}

/** The references of `text` as written (`${NAME:?...}`), `$$` excluded. */
export function references(text: string): string[] {
  return [...text.matchAll(REFERENCE)].filter((m) => m[0] !== "$$").map((m) => m[0]);
}

function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  missing: { name: string; message: string }[],
): string {
  return text.replace(REFERENCE, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === "$$") return "$";
    const name = (braced ?? bare)!;
    const value = env[name];
    // With a colon, an empty value counts as unset (compose's rule, as the shell's).
    const unset = value === undefined || (op !== undefined && op.startsWith(":") && value === "");
    if (op === ":-" || op === "-") return unset ? (arg ?? "") : value!;
    if (op === ":?" || op === "?") {
      if (unset) missing.push({ name, message: arg ?? "" });
      return value ?? "";
    }
    return value ?? "";
  });
}

/**
 * Every string of `value` (a parsed compose file or part of one) interpolated with `env`. Throws
 * MissingVariablesError naming every required variable that is unset or empty.
 */
export function interpolate<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  const missing: { name: string; message: string }[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return interpolateString(v, env, missing);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const result = walk(value) as T;
  if (missing.length) {
    const unique = [...new Map(missing.map((m) => [m.name, m])).values()];
    throw new MissingVariablesError(unique);
  }
  return result;
}
