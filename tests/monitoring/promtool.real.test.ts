/**
 * promtool (Debian's `prometheus` package) checks the committed rules and runs their unit tests
 * (components/observability/monitoring/rules.test.yaml); it also checks the rules as the component renders them for another namespace.
 * Never skipped: a missing promtool fails the suite with the command that installs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { renderRulesYaml } from "../../components/observability";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/monitoring/promtool.real.test.ts", [TOOLS.promtool]);

const ROOT = path.resolve(__dirname, "../..");
const promtool = (...args: string[]) => spawnSync("promtool", args, { cwd: ROOT, encoding: "utf8" });
const version = promtool("--version");

describe("promtool", () => {
  test("is installed (apt-get install -y --no-install-recommends prometheus)", () => {
    expect(version.error?.message ?? "").toBe("");
    expect(version.status).toBe(0);
  });

  test("check rules components/observability/monitoring/rules.yaml", () => {
    const r = promtool("check", "rules", "components/observability/monitoring/rules.yaml");
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS: 11 rules found");
    expect(r.status).toBe(0);
  });

  test("test rules components/observability/monitoring/rules.test.yaml: every alert fires on its series and stays quiet on the others", () => {
    const r = promtool("test", "rules", "components/observability/monitoring/rules.test.yaml");
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
