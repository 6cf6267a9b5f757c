/**
 * components/observability/monitoring/ holds what the code renders (rules.yaml, the dashboard) so promtool and reviewers read real
 * files: they must equal a fresh render, formatted as the repository's Prettier formats them (`npm run lint`
 * checks every file). `UPDATE_MONITORING=1` rewrites them instead of failing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { monitoringFiles } from "../../components/observability";

const ROOT = path.resolve(__dirname, "../..");

/** Prettier's CLI (its API imports ES modules, which Jest's CommonJS runtime refuses). */
function formatted(file: string, text: string): string {
  const cli = require.resolve("prettier/bin/prettier.cjs");
  const r = spawnSync(process.execPath, [cli, "--stdin-filepath", file], { input: text, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`prettier failed on ${file}: ${r.stderr}`);
  return r.stdout;
}

describe("components/observability/monitoring/ files equal a fresh render", () => {
  test.each(Object.entries(monitoringFiles()))("%s", (file, rendered) => {
    const target = path.join(ROOT, file);
    const expected = formatted(target, rendered);
    if (process.env.UPDATE_MONITORING === "1") writeFileSync(target, expected);
    if (readFileSync(target, "utf8") !== expected) {
      throw new Error(
        `${file} differs from its render; regenerate it with: UPDATE_MONITORING=1 npx jest tests/monitoring/files.test.ts --selectProjects unit`,
      );
    }
  });

  test("the dashboard file is the rendered model itself", () => {
    const [file, rendered] = Object.entries(monitoringFiles()).find(([f]) => f.endsWith(".json"))!;
    expect(JSON.parse(readFileSync(path.join(ROOT, file), "utf8"))).toEqual(JSON.parse(rendered));
  });
});
