/**
 * `npm run bench`: medians of repeated runs, measured as a user runs them, against the targets below.
 * A benchmark, not a test: it reports and never fails a build; CI does not run it.
 *
 *   - each stack's offline plan (`npm run plan -- <stack>`): wall time of the whole process, peak RSS
 *   - `npm run typecheck`: wall time
 *   - `npm run test:unit`: wall time
 */
import { spawnSync } from "child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules/.bin");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const TARGETS = { planSeconds: 2, planMiB: 400, typecheckSeconds: 3, unitSeconds: 30 };

interface Sample {
  seconds: number;
  rssMiB?: number;
  ok: boolean;
  detail?: string;
}

/** package.json's scripts: the bench runs their command lines, as `npm run` would, minus npm's own start. */
const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;

function run(script: string, args: string[]): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("sh", ["-c", [SCRIPTS[script], ...args].join(" ")], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = /plan-stats wall_ms=\d+ peak_rss_mib=([\d.]+)/.exec(r.stderr ?? "");
  return {
    seconds,
    rssMiB: stats ? Number(stats[1]) : undefined,
    ok: r.status === 0,
    detail: r.status === 0 ? undefined : (r.stderr || r.stdout).trim().split("\n").slice(0, 3).join(" / "),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function measure(
  label: string,
  script: string,
  args: string[] = [],
): { label: string; seconds: number; rssMiB?: number; ok: boolean; detail?: string } {
  const samples = Array.from({ length: RUNS }, () => run(script, args));
  const failed = samples.find((s) => !s.ok);
  const rss = samples.map((s) => s.rssMiB).filter((x): x is number => x !== undefined);
  return {
    label,
    seconds: median(samples.map((s) => s.seconds)),
    rssMiB: rss.length ? median(rss) : undefined,
    ok: !failed,
    detail: failed?.detail,
  };
}

/**
 * The machine's speed when the bench ran: a fixed single-threaded loop, in ms, measured before and after.
 * Shared and virtual machines vary by half and more within an hour; compare rows across runs only
 * alongside this.
 */
function calibrate(): number {
  const t0 = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 300_000_000; i++) x += i % 7;
  if (x < 0) throw new Error("unreachable");
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function main(): void {
  const before = calibrate();
  const stacks = readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
  const rows = [
    ...stacks.map((s) =>
      measure(`plan ${s}`, "plan", [s, "--stats", "--out", path.join(ROOT, "plan", "bench", s)]),
    ),
    measure("typecheck", "typecheck"),
    measure("unit suite", "test:unit", ["--silent"]),
  ];
  const calibrationMs = [before, calibrate()].map((ms) => Math.round(ms));
  const verdict = (r: (typeof rows)[number]): string => {
    if (!r.ok) return `FAILED: ${r.detail}`;
    if (r.label.startsWith("plan"))
      return r.seconds <= TARGETS.planSeconds && (r.rssMiB ?? 0) <= TARGETS.planMiB
        ? "within target"
        : "OVER target";
    if (r.label === "typecheck")
      return r.seconds <= TARGETS.typecheckSeconds ? "within target" : "OVER target";
    return r.seconds <= TARGETS.unitSeconds ? "within target" : "OVER target";
  };
  console.log(
    `Medians of ${RUNS} runs (targets: plan ${TARGETS.planSeconds} s and ${TARGETS.planMiB} MiB, type check ${TARGETS.typecheckSeconds} s, unit suite ${TARGETS.unitSeconds} s)`,
  );
  console.log(
    `Machine speed: a fixed loop took ${calibrationMs.join(" ms before, ")} ms after (lower is faster)\n`,
  );
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(18)} ${r.seconds.toFixed(2).padStart(7)} s ${r.rssMiB !== undefined ? `${r.rssMiB.toFixed(0).padStart(5)} MiB` : "          "}  ${verdict(r)}`,
    );
  }
  mkdirSync(path.join(ROOT, "plan"), { recursive: true });
  writeFileSync(
    path.join(ROOT, "plan", "bench.json"),
    `${JSON.stringify({ runs: RUNS, targets: TARGETS, calibrationMs, rows }, null, 2)}\n`,
  );
}

main();
