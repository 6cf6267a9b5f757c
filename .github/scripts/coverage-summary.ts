/**
 * Renders Jest's `coverage-summary.json` (the `json-summary` reporter) as Markdown for
 * `$GITHUB_STEP_SUMMARY`: the totals, then the least covered files.
 *
 * Usage: `node build/run.js .github/scripts/coverage-summary.ts coverage/coverage-summary.json >> "$GITHUB_STEP_SUMMARY"`
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** One metric of Istanbul's summary. */
export interface Metric {
  readonly total: number;
  readonly covered: number;
  readonly skipped: number;
  /** Percent covered; Istanbul writes the string "Unknown" when there is nothing to cover. */
  readonly pct: number | string;
}

/** A file's (or the total's) four metrics. */
export interface FileSummary {
  readonly lines: Metric;
  readonly statements: Metric;
  readonly functions: Metric;
  readonly branches: Metric;
}

/** The json-summary document: `total` plus one entry per absolute file path. */
export type CoverageSummary = { readonly total: FileSummary } & Readonly<Record<string, FileSummary>>;

const METRICS = ["lines", "statements", "functions", "branches"] as const;

function percent(m: Metric): string {
  return typeof m.pct === "number" ? `${m.pct.toFixed(1)}%` : "n/a";
}

function row(name: string, s: FileSummary): string {
  return `| ${name} | ${METRICS.map((k) => `${percent(s[k])} (${s[k].covered}/${s[k].total})`).join(" | ")} |`;
}

/**
 * Markdown for the summary. File paths are shown relative to `root`; `worst` files with the lowest line
 * coverage are listed after the totals.
 */
export function renderCoverageSummary(summary: CoverageSummary, root: string, worst = 10): string {
  const header = `| | ${METRICS.join(" | ")} |\n| --- | ${METRICS.map(() => "---").join(" | ")} |`;
  const files = Object.entries(summary)
    .filter(([name]) => name !== "total")
    .map(([name, s]) => ({ name: path.relative(root, name) || name, s }))
    .sort((a, b) => {
      const pa = typeof a.s.lines.pct === "number" ? a.s.lines.pct : 101;
      const pb = typeof b.s.lines.pct === "number" ? b.s.lines.pct : 101;
      return pa - pb || a.name.localeCompare(b.name);
    });
  const lines = ["### Test coverage", "", header, row("**total**", summary.total)];
  if (files.length > 0 && worst > 0) {
    lines.push(
      "",
      `<details><summary>${Math.min(worst, files.length)} least covered of ${files.length} files</summary>`,
      "",
    );
    lines.push(header, ...files.slice(0, worst).map((f) => row(`\`${f.name}\``, f.s)), "", "</details>");
  }
  return `${lines.join("\n")}\n`;
}

if (require.main === module) {
  const file = process.argv[2] ?? "coverage/coverage-summary.json";
  const summary = JSON.parse(readFileSync(file, "utf8")) as CoverageSummary;
  process.stdout.write(renderCoverageSummary(summary, process.cwd()));
}
