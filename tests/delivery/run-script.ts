/**
 * Runs a workflow step's `run:` script with bash, as a GitHub runner would: `GITHUB_OUTPUT`,
 * `GITHUB_STEP_SUMMARY` and `GITHUB_ENV` point at fresh files, which come back parsed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface ScriptRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** `name=value` lines written to $GITHUB_OUTPUT. */
  readonly outputs: Record<string, string>;
  /** Everything written to $GITHUB_STEP_SUMMARY. */
  readonly summary: string;
}

/** Runs `script` with `bash -e` (GitHub's default shell) in `cwd` with `env` added to a minimal environment. */
export function runScript(script: string, env: Record<string, string> = {}, cwd = process.cwd()): ScriptRun {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-step-"));
  try {
    const files = { GITHUB_OUTPUT: "output", GITHUB_STEP_SUMMARY: "summary", GITHUB_ENV: "env" };
    for (const f of Object.values(files)) writeFileSync(path.join(dir, f), "");
    const scriptFile = path.join(dir, "step.sh");
    writeFileSync(scriptFile, script);
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", scriptFile], {
      cwd,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        RUNNER_TEMP: dir,
        ...Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(dir, f)])),
        ...env,
      },
    });
    const outputs: Record<string, string> = {};
    for (const line of readFileSync(path.join(dir, files.GITHUB_OUTPUT), "utf8").split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return {
      status: result.status ?? -1,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs,
      summary: readFileSync(path.join(dir, files.GITHUB_STEP_SUMMARY), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
