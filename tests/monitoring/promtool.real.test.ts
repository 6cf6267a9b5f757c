/**
 * promtool (Debian's `prometheus` package) checks the committed rules and runs their unit tests
 * (monitoring/rules.test.yaml); it also checks the rules as the component renders them for another namespace.
 * Never skipped in CI: with CI=true a missing promtool fails the suite. Elsewhere it is skipped with the
 * command that installs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { renderRulesYaml } from "../../components/observability";

const ROOT = path.resolve(__dirname, "../..");
const promtool = (...args: string[]) => spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8" });
const version = promtool("--version");
const installed = version.status === 0;
const inCI = process.env.CI === "true";
const suite = installed || inCI ? describe : describe.skip;

if (!installed && !inCI) {
  console.warn(
    "promtool not found: skipping; install it with apt-get install -y --no-install-recommends prometheus",
  );
}

suite("promtool", () => {
  test("is installed (apt-get install -y --no-install-recommends prometheus)", () => {
    expect(version.error?.message ?? "").toBe("");
    expect(version.status).toBe(0);
  });

  test("check rules monitoring/rules.yaml", () => {
    const r = promtool("check", "rules", "monitoring/rules.yaml");
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS: 11 rules found");
    expect(r.status).toBe(0);
  });

  test("test rules monitoring/rules.test.yaml: every alert fires on its series and stays quiet on the others", () => {
    const r = promtool("test", "rules", "monitoring/rules.test.yaml");
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  test("check rules as rendered for other namespaces", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ferrum-rules-"));
    try {
      const file = path.join(dir, "rules.yaml");
      writeFileSync(file, renderRulesYaml({ platformNamespace: "shop", monitoringNamespace: "obs" }));
      const r = promtool("check", "rules", file);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
