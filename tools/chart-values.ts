/**
 * `npm run chart-values -- <chart directory> --source <repository url> --commit <sha> --path <chart path>
 * [--tag <tag>] [--out DIR]`
 *
 * Writes tools/chart-values/lists/<chart>@<version>.txt: every value path of the chart in that directory (its
 * values.yaml, the `.Values` its templates read, the maps it takes whole), with a header naming where the
 * chart came from. Run it for each chart the program installs, at the version it pins, whenever a pin changes
 * (tests/guardrails/chart-values.test.ts fails for a release whose chart@version has no list).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runCommand } from "../harness/cli";
import { extractChart } from "./chart-values/extract";
import { formatList } from "./chart-values/paths";

/** Where the lists live: tools/chart-values/lists/<chart>@<version>.txt. */
export const LISTS_DIR = path.resolve(__dirname, "chart-values", "lists");

const USAGE =
  "usage: npm run chart-values -- <chart directory> --source <repository url> --commit <sha> " +
  "--path <chart path in the repository> [--tag <tag>] [--out DIR]";

/** Every file under `dir`, by its path relative to `dir`. */
function readTree(dir: string, prefix = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(path.join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${entry}` : entry;
    const full = path.join(dir, rel);
    if (statSync(full).isDirectory()) for (const [k, v] of readTree(dir, rel)) files.set(k, v);
    else files.set(rel, readFileSync(full, "utf8"));
  }
  return files;
}

export interface ChartValuesArgs {
  readonly dir: string;
  readonly source: string;
  readonly commit: string;
  readonly chartPath: string;
  readonly tag?: string;
  readonly out: string;
}

/** The command line, or the message that says what is wrong with it. */
export function parseArgs(argv: readonly string[]): ChartValuesArgs | string {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) return `${arg} needs a value\n${USAGE}`;
    options[arg.slice(2)] = value;
    i++;
  }
  const unknown = Object.keys(options).filter((k) => !["source", "commit", "path", "tag", "out"].includes(k));
  if (unknown.length) return `unknown option(s) ${unknown.map((k) => `--${k}`).join(", ")}\n${USAGE}`;
  if (positional.length !== 1) return USAGE;
  const missing = ["source", "commit", "path"].filter((k) => !options[k]);
  if (missing.length) return `missing ${missing.map((k) => `--${k}`).join(", ")}\n${USAGE}`;
  if (!/^[0-9a-f]{40}$/.test(options.commit!))
    return `--commit must be a full 40-hex commit sha (got ${options.commit})`;
  return {
    dir: positional[0]!,
    source: options.source!,
    commit: options.commit!,
    chartPath: options.path!,
    tag: options.tag,
    out: options.out ?? LISTS_DIR,
  };
}

/** The comment lines at the top of a list: what it is, where it came from, how to regenerate it. */
export function listHeader(id: string, a: Omit<ChartValuesArgs, "dir" | "out">): string[] {
  return [
    `Value paths of the Helm chart ${id}, extracted from the chart itself by tools/chart-values.ts:`,
    "every path of its values.yaml and every .Values path its templates read; `path.*` marks a map whose",
    "keys are free-form (the chart takes it whole). tests/guardrails/chart-values.test.ts checks every",
    "release's values against this list. Data, not the chart's code. Regenerate whenever the pin changes:",
    `  npm run chart-values -- <checkout>/${a.chartPath} --source ${a.source} --commit <sha> --path ${a.chartPath}` +
      (a.tag ? " --tag <tag>" : ""),
    "",
    `Source: ${a.source} at ${a.commit}${a.tag ? ` (tag ${a.tag})` : ""}, ${a.chartPath}`,
  ];
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`${args}\n`);
    return 1;
  }
  const chart = extractChart(readTree(args.dir));
  const id = `${chart.name}@${chart.version}`;
  mkdirSync(args.out, { recursive: true });
  const file = path.join(args.out, `${id}.txt`);
  writeFileSync(
    file,
    formatList({
      header: listHeader(id, args),
      paths: chart.paths,
      freeForm: chart.freeForm,
      dependencies: chart.dependencies,
    }),
  );
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), file)}: ${chart.paths.size} paths, ${chart.freeForm.size} free-form maps` +
      (chart.dependencies.length
        ? `; dependencies with lists of their own: ${chart.dependencies.map((d) => `${d.key} (${d.chart})`).join(", ")}`
        : "") +
      "\n",
  );
  return 0;
}

if (require.main === module) runCommand("chart-values", main);
