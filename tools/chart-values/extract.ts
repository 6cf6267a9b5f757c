/**
 * The value paths of a Helm chart, from its own files: every path of values.yaml, every `.Values...` its
 * templates read (in templates/, files/ and the template strings of values.yaml), and which maps it takes
 * whole (free-form keys). Pure: the chart comes in as a map of file names to contents.
 *
 * Go templates are read, not run. What counts as a read:
 * - `.Values.a.b` and `$.Values.a.b` anywhere; `index .Values "a.b" "c"`, `get`, `hasKey`, `dig`-free forms;
 * - inside `{{ with .Values.a }}`, `.b` is `a.b`; `$x := .Values.a` makes `$x.b` `a.b`.
 * What makes a map free-form:
 * - an empty map (`{}`) in values.yaml: whatever map is given is taken as it is;
 * - `toYaml`, `toJson` (and their variants) of it, directly, piped (`... | toYaml`) or as `.` of a `with`;
 * - `range $key, $value := ` over it.
 * Local subcharts (charts/<name>/ unpacked) are read the same way and prefixed with their key; dependencies
 * fetched from a repository are named, and described by their own lists.
 */
import { parse as parseYaml } from "yaml";
import { formatPath, parsePath, type ChartDependency } from "./paths";

/** The chart's files by their path inside the chart directory (`values.yaml`, `templates/x.yaml`, ...). */
export type ChartFiles = ReadonlyMap<string, string>;

export interface ExtractedChart {
  readonly name: string;
  readonly version: string;
  readonly paths: Set<string>;
  readonly freeForm: Set<string>;
  readonly dependencies: ChartDependency[];
}

interface ChartYaml {
  name?: string;
  version?: string;
  dependencies?: {
    name: string;
    alias?: string;
    version?: string;
    repository?: string;
    condition?: string;
  }[];
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Files that hold templates (Helm renders templates/; charts like nats render files/ through `tpl`). */
const TEMPLATE_FILE = /^(templates|files)\/.+\.(ya?ml|tpl|txt|json|conf|toml)$/;

class Collector {
  readonly paths = new Set<string>();
  readonly freeForm = new Set<string>();

  read(path: readonly string[]): void {
    for (let n = 1; n <= path.length; n++) this.paths.add(formatPath(path.slice(0, n)));
  }

  free(path: readonly string[]): void {
    if (!path.length) return;
    this.read(path);
    this.freeForm.add(formatPath(path));
  }
}

function fromValues(value: unknown, prefix: string[], out: Collector, strings: string[]): void {
  if (typeof value === "string") {
    if (value.includes("{{")) strings.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) fromValues(item, [], new Collector(), strings); // only for template strings
    return;
  }
  if (!isMap(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, String(key)];
    out.read(path);
    if (isMap(child) && Object.keys(child).length === 0) out.free(path);
    else fromValues(child, path, out, strings);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Go templates

/** What `.` or a variable stands for: the root context, a values path, or something we cannot tell. */
type Ctx = { kind: "root" } | { kind: "path"; path: string[] } | { kind: "unknown" };
const ROOT: Ctx = { kind: "root" };
const UNKNOWN: Ctx = { kind: "unknown" };

type Token =
  | { t: "ref"; text: string }
  | { t: "str"; value: string }
  | { t: "word"; text: string }
  | { t: "punct"; text: string };

/** Splits an action's text into references (`.a.b`, `$x.a`), strings, words and punctuation. */
function lex(action: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "`") {
      let j = i + 1;
      while (j < action.length && action[j] !== c) j += c === '"' && action[j] === "\\" ? 2 : 1;
      const raw = action.slice(i, j + 1);
      let value = raw.slice(1, -1);
      if (c === '"') {
        try {
          value = JSON.parse(raw) as string;
        } catch {
          // keep the raw text
        }
      }
      tokens.push({ t: "str", value });
      i = j + 1;
    } else if (c === "." || c === "$") {
      const m = /^(\$[A-Za-z0-9_]*)?(\.[A-Za-z0-9_]*)*/.exec(action.slice(i))!;
      tokens.push({ t: "ref", text: m[0] || c });
      i += Math.max(1, m[0].length);
    } else if (action.startsWith(":=", i)) {
      tokens.push({ t: "punct", text: ":=" });
      i += 2;
    } else if (/[()|,=]/.test(c)) {
      tokens.push({ t: "punct", text: c });
      i++;
    } else {
      const m = /^[^\s()|,="`$]+/.exec(action.slice(i))!;
      tokens.push({ t: "word", text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

interface Scope {
  dot: Ctx;
  vars: Map<string, Ctx>;
}

/** The values path a reference names, or undefined when it names none (`.Release.Name`, an unknown `.`). */
function resolve(text: string, scope: Scope): string[] | undefined {
  const m = /^(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z0-9_]+)*)\.?$/.exec(text);
  if (!m) return undefined;
  const fields = m[2] ? m[2].slice(1).split(".") : [];
  let base: Ctx;
  if (m[1] === "$") base = ROOT;
  else if (m[1]) base = scope.vars.get(m[1]) ?? UNKNOWN;
  else if (fields[0] === "Values")
    base = ROOT; // `.Values` is the root's, whatever `.` is here
  else base = scope.dot;
  if (base.kind === "unknown") return undefined;
  if (base.kind === "root") return fields[0] === "Values" ? fields.slice(1) : undefined;
  return [...base.path, ...fields];
}

const TO_TEXT = new Set(["toYaml", "toJson", "toPrettyJson", "toRawJson", "toYamlPretty", "toToml"]);
const KEYED = new Set(["index", "get", "hasKey", "pluck"]);

/**
 * The operands of an expression: each reference, or `index REF "a" "b"` folded into one path. Returns the
 * paths read and, per token position, the path an operand starting there names.
 */
function operands(tokens: Token[], scope: Scope): { read: string[][]; at: Map<number, string[]> } {
  const read: string[][] = [];
  const at = new Map<number, string[]>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.t === "word" && KEYED.has(tok.text) && tokens[i + 1]?.t === "ref") {
      const base = resolve((tokens[i + 1] as { text: string }).text, scope);
      const keys: string[] = [];
      let j = i + 2;
      for (; tokens[j]?.t === "str"; j++) keys.push((tokens[j] as { value: string }).value);
      if (base && keys.length) {
        const path = tok.text === "index" ? [...base, ...keys] : [...base, keys[0]!];
        read.push(path);
        at.set(i, path);
        at.set(i + 1, base);
        i = j - 1;
        continue;
      }
    }
    if (tok.t === "ref") {
      const path = resolve(tok.text, scope);
      if (path) {
        read.push(path);
        at.set(i, path);
      }
    }
  }
  return { read, at };
}

/** The single operand an expression consists of (`.Values.a`, `index .Values "a"`), if it is one. */
function soleOperand(tokens: Token[], scope: Scope): Ctx {
  if (tokens.length === 1 && tokens[0]!.t === "ref") {
    const path = resolve(tokens[0]!.text, scope);
    if (path) return { kind: "path", path };
    if (tokens[0]!.text === "$" || (tokens[0]!.text === "." && scope.dot.kind === "root")) return ROOT;
    if (tokens[0]!.text === ".") return scope.dot;
    return UNKNOWN;
  }
  if (tokens[0]?.t === "word" && tokens[0].text === "index" && tokens.slice(2).every((t) => t.t === "str")) {
    const { at } = operands(tokens, scope);
    const path = at.get(0);
    return path ? { kind: "path", path } : UNKNOWN;
  }
  return UNKNOWN;
}

function scanAction(action: string, scope: Scope, out: Collector): void {
  const tokens = lex(action);
  const { read, at } = operands(tokens, scope);
  for (const path of read) out.read(path);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    // toYaml X
    if (tok.t === "word" && TO_TEXT.has(tok.text)) {
      const path = at.get(i + 1) ?? (tokens[i + 1]?.t === "ref" ? dotPath(tokens[i + 1]!, scope) : undefined);
      if (path) out.free(path);
    }
    // X | toYaml
    if (tok.t === "punct" && tok.text === "|" && tokens[i + 1]?.t === "word") {
      const next = (tokens[i + 1] as { text: string }).text;
      if (TO_TEXT.has(next)) {
        const start = startOfOperand(tokens, i - 1);
        const path =
          at.get(start) ?? (tokens[start]?.t === "ref" ? dotPath(tokens[start]!, scope) : undefined);
        if (path) out.free(path);
      }
    }
  }
}

/** `.` (or `$x`) when it stands for a values path. */
function dotPath(tok: Token, scope: Scope): string[] | undefined {
  if (tok.t !== "ref") return undefined;
  if (tok.text === ".") return scope.dot.kind === "path" ? scope.dot.path : undefined;
  return resolve(tok.text, scope);
}

/** Where the operand ending at `end` starts: back over an `index REF "a"` form. */
function startOfOperand(tokens: Token[], end: number): number {
  let i = end;
  while (i > 0 && tokens[i]?.t === "str") i--;
  if (
    i > 0 &&
    tokens[i]?.t === "ref" &&
    tokens[i - 1]?.t === "word" &&
    KEYED.has((tokens[i - 1] as { text: string }).text)
  )
    return i - 1;
  return i;
}

interface Frame {
  readonly kind: string;
  readonly outer: Scope;
  scope: Scope;
}

/** Reads one template file (or template string): its reads and free-form maps go into `out`. */
function scanTemplate(text: string, out: Collector, root: Ctx = ROOT): void {
  const actions = text.match(/\{\{-?([\s\S]*?)-?\}\}/g) ?? [];
  let scope: Scope = { dot: root, vars: new Map() };
  const frames: Frame[] = [];
  for (const raw of actions) {
    const action = raw
      .replace(/^\{\{-?/, "")
      .replace(/-?\}\}$/, "")
      .trim();
    if (action.startsWith("/*")) continue;
    const [head = ""] = action.split(/\s+/, 1);
    const rest = action.slice(head.length).trim();
    if (head === "end") {
      const frame = frames.pop();
      if (frame) scope = frame.outer;
      continue;
    }
    if (head === "else") {
      const frame = frames[frames.length - 1];
      if (frame) scope = { dot: frame.outer.dot, vars: new Map(frame.outer.vars) };
      const tail = rest.split(/\s+/, 1)[0];
      if (tail === "with" || tail === "if") {
        const expr = rest.slice(tail.length).trim();
        scanAction(expr, scope, out);
        if (tail === "with" && frame) {
          const ctx = soleOperand(lex(expr), scope);
          scope = { dot: ctx, vars: new Map(scope.vars) };
          if (ctx.kind === "path") out.read(ctx.path);
        }
      }
      continue;
    }
    if (head === "define" || head === "block") {
      frames.push({ kind: head, outer: scope, scope });
      scope = { dot: UNKNOWN, vars: new Map() };
      continue;
    }
    if (head === "if" || head === "with" || head === "range") {
      const outer = scope;
      let expr = rest;
      const assign = /^(\$[A-Za-z0-9_]*)\s*(?:,\s*(\$[A-Za-z0-9_]*)\s*)?:=\s*([\s\S]*)$/.exec(rest);
      if (assign) expr = assign[3]!;
      scanAction(expr, outer, out);
      const ctx = soleOperand(lex(expr), outer);
      const inner: Scope = { dot: outer.dot, vars: new Map(outer.vars) };
      if (head === "with") {
        inner.dot = ctx;
        if (assign) inner.vars.set(assign[1]!, ctx);
      } else if (head === "range") {
        if (ctx.kind === "path" && assign?.[2]) out.free(ctx.path);
        inner.dot = UNKNOWN;
        if (assign) {
          inner.vars.set(assign[1]!, UNKNOWN);
          if (assign[2]) inner.vars.set(assign[2], UNKNOWN);
        }
      } else if (assign) {
        inner.vars.set(assign[1]!, ctx);
      }
      frames.push({ kind: head, outer, scope: inner });
      scope = inner;
      continue;
    }
    const assign = /^(\$[A-Za-z0-9_]*)\s*:?=\s*([\s\S]*)$/.exec(action);
    if (assign) {
      scanAction(assign[2]!, scope, out);
      scope.vars.set(assign[1]!, soleOperand(lex(assign[2]!), scope));
      continue;
    }
    scanAction(action, scope, out);
  }
}

// ---------------------------------------------------------------------------------------------------------
// A chart

function extractInto(files: ChartFiles, prefix: string[], out: Collector): ExtractedChart {
  const chartYaml = (parseYaml(files.get("Chart.yaml") ?? "") ?? {}) as ChartYaml;
  if (!chartYaml.name || !chartYaml.version) throw new Error("Chart.yaml names no chart name and version");
  const local = new Collector();
  const strings: string[] = [];
  const values = parseYaml(files.get("values.yaml") ?? "") as unknown;
  fromValues(values, [], local, strings);
  for (const [name, text] of files) if (TEMPLATE_FILE.test(name)) scanTemplate(text, local);
  for (const text of strings) scanTemplate(text, local);

  const dependencies: ChartDependency[] = [];
  for (const dep of chartYaml.dependencies ?? []) {
    const key = dep.alias ?? dep.name;
    local.read([key]); // the dependency's values sit under its key
    for (const condition of (dep.condition ?? "").split(",").filter(Boolean))
      local.read(condition.split("."));
    const subFiles = new Map(
      [...files]
        .filter(([n]) => n.startsWith(`charts/${dep.name}/`))
        .map(([n, text]) => [n.slice(`charts/${dep.name}/`.length), text]),
    );
    if (subFiles.has("Chart.yaml")) extractInto(subFiles, [key], local);
    else dependencies.push({ key, chart: `${dep.name}@${dep.version ?? "unversioned"}` });
  }
  for (const p of local.paths) out.paths.add(formatPath([...prefix, ...parsePath(p)]));
  for (const p of local.freeForm) out.freeForm.add(formatPath([...prefix, ...parsePath(p)]));
  return {
    name: chartYaml.name,
    version: String(chartYaml.version),
    paths: out.paths,
    freeForm: out.freeForm,
    dependencies,
  };
}

/** Every value path of the chart whose files these are. */
export function extractChart(files: ChartFiles): ExtractedChart {
  return extractInto(files, [], new Collector());
}

/** What one template (or template string) reads, and which maps it takes whole. */
export function templateReads(text: string): { paths: Set<string>; freeForm: Set<string> } {
  const out = new Collector();
  scanTemplate(text, out);
  return { paths: out.paths, freeForm: out.freeForm };
}
