/**
 * `npm run duplicates [-- --update]`
 *
 * The repository's duplicate-code check: jscpd (pinned in package.json, configured by .jscpd.json) over the
 * TypeScript and JavaScript of the whole tree, compared with the counts in tools/duplication-baseline.json.
 * Exits 1, naming every count that grew and every clone found, when the clones, duplicated lines or
 * duplicated tokens exceed the baseline; 0 otherwise. `--update` rewrites the baseline after a change that
 * removed duplication (never to let growth in: the test in tests/tools/duplication.test.ts runs the same
 * check on every CI run).
 * Exit codes: 0 no growth, 1 growth (or bad arguments), 2 an unexpected failure (jscpd did not run).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCommand } from "../harness/cli";

/** The repository root (this file lives in tools/). */
const ROOT = path.resolve(__dirname, "..");
export const BASELINE_FILE = path.join(ROOT, "tools", "duplication-baseline.json");

/** The three counts a change may not grow. */
export interface DuplicationCounts {
  clones: number;
  duplicatedLines: number;
  duplicatedTokens: number;
}

/** One clone jscpd found: where its two fragments are. */
export interface Clone {
  first: string;
  second: string;
  lines: number;
}

export interface DuplicationReport {
  counts: DuplicationCounts;
  clones: Clone[];
}

interface JscpdFragment {
  name: string;
  start: number;
  end: number;
}
interface JscpdJson {
  duplicates: { firstFile: JscpdFragment; secondFile: JscpdFragment; lines: number }[];
  statistics: { total: DuplicationCounts };
}

/** Runs the pinned jscpd with the repository's .jscpd.json over `dir` and reads its JSON report. */
export function scanDuplication(dir: string, configFile = path.join(ROOT, ".jscpd.json")): DuplicationReport {
  const out = mkdtempSync(path.join(tmpdir(), "ferrum-jscpd-"));
  try {
    execFileSync(
      process.execPath,
      [
        require.resolve("jscpd/run-jscpd.js"),
        "--config",
        configFile,
        "--reporters",
        "json",
        "--output",
        out,
        "--silent",
        "--no-tips",
        ".",
      ],
      { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, JSCPD_NO_TIPS: "1" } },
    );
    const json = JSON.parse(readFileSync(path.join(out, "jscpd-report.json"), "utf8")) as JscpdJson;
    const { clones, duplicatedLines, duplicatedTokens } = json.statistics.total;
    return {
      counts: { clones, duplicatedLines, duplicatedTokens },
      clones: json.duplicates.map((d) => ({
        first: `${d.firstFile.name}:${d.firstFile.start}-${d.firstFile.end}`,
        second: `${d.secondFile.name}:${d.secondFile.start}-${d.secondFile.end}`,
        lines: d.lines,
      })),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function readBaseline(file = BASELINE_FILE): DuplicationCounts {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<DuplicationCounts>;
  const keys = ["clones", "duplicatedLines", "duplicatedTokens"] as const;
  for (const key of keys)
    if (!Number.isInteger(raw[key]) || (raw[key] as number) < 0)
      throw new Error(`${file}: ${key} must be a whole number >= 0 (got ${JSON.stringify(raw[key])})`);
  return {
    clones: raw.clones!,
    duplicatedLines: raw.duplicatedLines!,
    duplicatedTokens: raw.duplicatedTokens!,
  };
}

/** Every count of `now` above `baseline`, as a sentence; none when nothing grew. */
export function growth(baseline: DuplicationCounts, now: DuplicationCounts): string[] {
  return (Object.keys(baseline) as (keyof DuplicationCounts)[])
    .filter((key) => now[key] > baseline[key])
    .map((key) => `${key} grew from ${baseline[key]} to ${now[key]}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const update = argv.includes("--update");
  const unknown = argv.filter((a) => a !== "--update");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown.join(" ")}; usage: npm run duplicates [-- --update]\n`);
    return 1;
  }
  const report = scanDuplication(ROOT);
  const baseline = readBaseline();
  const grew = growth(baseline, report.counts);
  if (update) {
    if (grew.length > 0) {
      process.stderr.write(
        `refusing to raise the baseline: ${grew.join("; ")}; remove the new clones instead\n`,
      );
      return 1;
    }
    writeFileSync(BASELINE_FILE, `${JSON.stringify(report.counts, null, 2)}\n`);
    process.stdout.write(`baseline now ${JSON.stringify(report.counts)}\n`);
    return 0;
  }
  process.stdout.write(
    `duplication: ${JSON.stringify(report.counts)} (baseline ${JSON.stringify(baseline)})\n`,
  );
  if (grew.length === 0) return 0;
  process.stderr.write(
    `duplication grew: ${grew.join("; ")}. Clones now:\n${report.clones
      .map((c) => `  ${c.first} = ${c.second} (${c.lines} lines)`)
      .join("\n")}\nFactor the new copy into a shared module.\n`,
  );
  return 1;
}

if (require.main === module) runCommand("duplicates", main);
