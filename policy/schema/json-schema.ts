/**
 * The JSON Schema subset the strict pass walks, with the Kubernetes OpenAPI extensions it honours, and the
 * walk itself: every field of an object must be one its schema declares (`additionalProperties: false`
 * semantics), except under `x-kubernetes-preserve-unknown-fields` or where `additionalProperties` gives a map.
 * Pure.
 */

export interface JsonSchema {
  readonly type?: "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  /** A schema: the object is a map of such values. `true`: any extra field is allowed. Absent: none is. */
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly oneOf?: readonly JsonSchema[];
  /** `#/definitions/<id>` */
  readonly $ref?: string;
  /** Anything goes below this point (free-form JSON, raw extensions). */
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** A string or an integer (ports, percentages). */
  readonly "x-kubernetes-int-or-string"?: boolean;
}

export type Definitions = Readonly<Record<string, JsonSchema>>;

export const REF_PREFIX = "#/definitions/";

/**
 * How much the walk checks. `unknown-fields`: only fields no schema declares (types, enums and required fields
 * being checked by kubernetes-models). `full`: those, plus types, enums and required fields (schemas that no
 * package validates).
 */
export type WalkMode = "unknown-fields" | "full";

export function deref(schema: JsonSchema, defs: Definitions): JsonSchema {
  let s = schema;
  for (let hops = 0; s.$ref !== undefined; hops++) {
    const target = defs[s.$ref.slice(REF_PREFIX.length)];
    if (!target || hops > 50) throw new Error(`unresolved schema reference ${s.$ref}`);
    s = target;
  }
  return s;
}

function jsonType(v: unknown): NonNullable<JsonSchema["type"]> {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v as "object" | "string" | "boolean";
}

/** Whether a value's JSON type is one the schema allows (a schema without `type` allows any). */
function typeFits(v: unknown, s: JsonSchema): boolean {
  if (s["x-kubernetes-int-or-string"]) return typeof v === "string" || Number.isInteger(v);
  if (s.enum) return s.enum.includes(v);
  if (!s.type) return true;
  const t = jsonType(v);
  return t === s.type || (s.type === "number" && t === "integer");
}

/** Edit distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function suggestion(key: string, known: readonly string[]): string {
  const best = known
    .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(k, key) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.min(2, Math.floor(key.length / 3)) ? ` (did you mean ${best.k}?)` : "";
}

const describe = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : jsonType(v));

/**
 * Problems of `value` against `schema`, each as `<path>: <what>` (`spec.bogus: unknown field`). Paths are
 * dotted, with `[i]` for list items.
 */
export function walk(
  value: unknown,
  schema: JsonSchema,
  defs: Definitions,
  mode: WalkMode,
  path = "",
): string[] {
  const s = deref(schema, defs);
  const at = path || "(root)";
  if (s["x-kubernetes-preserve-unknown-fields"] && !s.properties) return [];
  if (s.oneOf) {
    const fitting = s.oneOf.filter((b) => typeFits(value, deref(b, defs)));
    if (fitting.length === 0) return mode === "full" ? [`${at}: ${describe(value)} is not allowed here`] : [];
    const results = fitting.map((b) => walk(value, b, defs, mode, path));
    return results.sort((x, y) => x.length - y.length)[0];
  }
  if (!typeFits(value, s)) {
    if (mode === "unknown-fields") return [];
    return s.enum
      ? [`${at}: ${describe(value)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`]
      : [`${at}: ${describe(value)} where ${s.type} is expected`];
  }
  if (Array.isArray(value)) {
    return s.items
      ? value.flatMap((v, i) => walk(v, s.items as JsonSchema, defs, mode, `${path}[${i}]`))
      : [];
  }
  if (value === null || typeof value !== "object") return [];
  const o = value as Record<string, unknown>;
  const props = s.properties ?? {};
  const problems: string[] = [];
  if (mode === "full") {
    for (const r of s.required ?? [])
      if (o[r] === undefined) problems.push(`${path ? `${path}.` : ""}${r}: required`);
  }
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const child = path ? `${path}.${k}` : k;
    const declared = props[k];
    if (declared) problems.push(...walk(v, declared, defs, mode, child));
    else if (typeof s.additionalProperties === "object")
      problems.push(...walk(v, s.additionalProperties, defs, mode, child));
    else if (s.additionalProperties !== true && !s["x-kubernetes-preserve-unknown-fields"])
      problems.push(`${child}: unknown field${suggestion(k, Object.keys(props))}`);
  }
  return problems;
}
