/**
 * Value paths of a Helm chart, as the lists in tools/chart-values/lists/ keep them, and the check of a release's values
 * against them. Pure.
 *
 * A path is a list of keys, written dotted: `loki.storage.bucketNames.chunks`. A key that holds anything but
 * letters, digits, `_` and `-` is written as a JSON string: `grafana."grafana.ini".analytics`. A list names
 * every path a chart reads; `path.*` marks a map whose keys the chart takes as they come (annotations,
 * labels, a config section it renders whole), so anything below it is accepted.
 */

export type ValuePath = readonly string[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** `["grafana", "grafana.ini", "users"]` -> `grafana."grafana.ini".users` */
export function formatPath(path: ValuePath): string {
  return path.map((k) => (BARE_KEY.test(k) ? k : JSON.stringify(k))).join(".");
}

/** The inverse of {@link formatPath}; throws on a malformed path, naming it. */
export function parsePath(text: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      i = j + 1;
    } else {
      const dot = text.indexOf(".", i);
      const end = dot < 0 ? text.length : dot;
      keys.push(text.slice(i, end));
      i = end;
    }
    if (i < text.length) {
      if (text[i] !== ".") throw new Error(`malformed value path ${JSON.stringify(text)}`);
      i++;
      if (i === text.length) throw new Error(`malformed value path ${JSON.stringify(text)}`);
    }
  }
  if (!keys.length || keys.some((k) => k === ""))
    throw new Error(`malformed value path ${JSON.stringify(text)}`);
  return keys;
}

/** A dependency of a chart: the key its values sit under (its alias or name) and the chart it is. */
export interface ChartDependency {
  readonly key: string;
  /** `<chart>@<version>`: the list that describes it (a version range when Chart.yaml gives one). */
  readonly chart: string;
}

/** What a list file holds. */
export interface ChartValueList {
  /** `<chart>@<version>` */
  readonly chart: string;
  /** The comment lines at the top (source, commit, how to regenerate), without `# `. */
  readonly header: readonly string[];
  /** Every path the chart reads, formatted. */
  readonly paths: ReadonlySet<string>;
  /** Maps whose keys are free-form, formatted (without the `.*`). */
  readonly freeForm: ReadonlySet<string>;
  readonly dependencies: readonly ChartDependency[];
}

const DEPENDENCY = /^@dependency (\S+) (\S+@\S+)$/;

/** Parses a list file; throws naming the file's chart and the bad line. */
export function parseList(chart: string, text: string): ChartValueList {
  const header: string[] = [];
  const paths = new Set<string>();
  const freeForm = new Set<string>();
  const dependencies: ChartDependency[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      header.push(line.replace(/^# ?/, ""));
      continue;
    }
    const dep = DEPENDENCY.exec(line);
    if (dep) {
      dependencies.push({ key: dep[1]!, chart: dep[2]! });
      continue;
    }
    try {
      if (line.endsWith(".*")) freeForm.add(formatPath(parsePath(line.slice(0, -2))));
      else paths.add(formatPath(parsePath(line)));
    } catch (err) {
      throw new Error(`${chart}: ${(err as Error).message}`);
    }
  }
  return { chart, header, paths, freeForm, dependencies };
}

/** The text of a list file: the header as comments, the dependencies, then every path sorted. */
export function formatList(list: Omit<ChartValueList, "chart">): string {
  const lines = [
    ...list.header.map((h) => (h === "" ? "#" : `# ${h}`)),
    "",
    ...list.dependencies.map((d) => `@dependency ${d.key} ${d.chart}`),
    ...(list.dependencies.length ? [""] : []),
    ...[...new Set([...list.paths, ...[...list.freeForm].map((p) => `${p}.*`)])].sort(compareText),
  ];
  return `${lines.join("\n")}\n`;
}

/** Plain code-point order, so a list sorts the same on every machine. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The lists by `<chart>@<version>`. */
export type ListIndex = ReadonlyMap<string, ChartValueList>;

/** Thrown when a path leads into a chart that has no list; the message says how to add one. */
export class MissingListError extends Error {}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function listFor(index: ListIndex, chart: string, via: string): ChartValueList {
  const list = index.get(chart);
  if (!list) {
    throw new MissingListError(
      `no value list for chart ${chart}${via}: add tools/chart-values/lists/${chart}.txt with ` +
        "`npm run chart-values -- <chart directory> --source <repository url> --commit <sha> --path <chart path>`",
    );
  }
  return list;
}

/** How a path stands in a list: unknown, a path the chart reads, or inside a free-form map. */
type Standing = "unknown" | "known" | "free";

function standing(index: ListIndex, list: ChartValueList, path: ValuePath): Standing {
  for (let n = 1; n <= path.length; n++) {
    if (list.freeForm.has(formatPath(path.slice(0, n)))) return "free";
  }
  if (list.paths.has(formatPath(path))) return "known";
  const [first, ...rest] = path;
  // `global` reaches every subchart.
  const deps =
    first === "global"
      ? list.dependencies
      : list.dependencies.filter((d) => d.key === first && rest.length > 0);
  for (const dep of deps) {
    const sub = listFor(index, dep.chart, ` (a dependency of ${list.chart})`);
    const s = standing(index, sub, first === "global" ? path : rest);
    if (s !== "unknown") return s;
  }
  return "unknown";
}

/**
 * Every path of `values` that chart `chart` does not read, formatted. Walks maps; a list or a scalar ends a
 * path, and so does a map the chart takes whole. Throws {@link MissingListError} for a chart (or a dependency
 * the values reach into) without a list.
 */
export function unknownPaths(index: ListIndex, chart: string, values: unknown): string[] {
  const list = listFor(index, chart, "");
  const unknown: string[] = [];
  const walk = (value: unknown, prefix: string[]): void => {
    if (!isMap(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, key];
      const s = standing(index, list, path);
      if (s === "unknown") unknown.push(formatPath(path));
      else if (s === "known") walk(child, path);
    }
  };
  walk(values, []);
  return unknown;
}
