/**
 * How `pulumi preview` and `pulumi up` compile the program: Pulumi.yaml points the Node.js runtime at
 * tsconfig.pulumi.json, whose `noCheck` makes Pulumi's ts-node transpile only (CI type-checks), and the
 * program compiled that way (the ts-node Pulumi picks, file by file) plans every stack exactly as the
 * offline plan does.
 */
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import * as ts from "typescript";
import { parse } from "yaml";
import { runPlan } from "../../harness/planner";

const ROOT = path.resolve(__dirname, "../..");
const tsconfig = (file: string) => {
  const parsed = ts.parseConfigFileTextToJson(file, readFileSync(path.join(ROOT, file), "utf8"));
  if (parsed.error) throw new Error(`${file}: ${String(parsed.error.messageText)}`);
  return parsed.config as { extends?: string; compilerOptions: Record<string, unknown> };
};

describe("what Pulumi compiles with", () => {
  test("Pulumi.yaml: TypeScript through tsconfig.pulumi.json, which extends tsconfig.json and skips the type check", () => {
    const runtime = parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).runtime;
    expect(runtime).toEqual({
      name: "nodejs",
      options: { typescript: true, tsconfig: "tsconfig.pulumi.json" },
    });
    const pulumiConfig = tsconfig("tsconfig.pulumi.json");
    expect(pulumiConfig.extends).toBe("./tsconfig.json");
    expect(pulumiConfig.compilerOptions).toMatchObject({ noCheck: true, module: "commonjs" });
    // The type check itself still checks, and every file compiles on its own.
    const base = tsconfig("tsconfig.json").compilerOptions;
    expect(base.noCheck).toBeUndefined();
    expect(base).toMatchObject({ strict: true, isolatedModules: true, module: "commonjs" });
  });

  test("compiled by Pulumi's ts-node in transpile-only mode, every stack plans the same resources", async () => {
    const stacks = ["dev", "prod", "prod-azure"];
    const r = spawnSync(process.execPath, [path.join(ROOT, "tests/helpers/pulumi-compile.js"), ...stacks], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const compiled = JSON.parse(r.stdout);
    expect(compiled).toMatchObject({ tsconfig: "tsconfig.pulumi.json", transpileOnly: true });
    expect(compiled.tsNode).toMatch(/ts-node/);
    const expected: Record<string, number> = {};
    for (const s of stacks) expected[s] = (await runPlan(s)).resources.length;
    expect(compiled.resources).toEqual(expected);
  });
});
