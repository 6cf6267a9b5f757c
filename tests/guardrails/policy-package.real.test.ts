/**
 * What `pulumi policy publish` would upload: it packs policy/ with npm. `npm pack --dry-run` there, offline,
 * must list the pack's entry point, every rule and every schema file, and nothing of the repository around
 * it. A spawned npm, so in the `real` project.
 */
import { spawnSync } from "child_process";
import { readdirSync } from "fs";
import * as path from "path";

const POLICY = path.resolve(__dirname, "../../policy");

let listed: string[];
beforeAll(() => {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--offline", "--ignore-scripts"], {
    cwd: POLICY,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" },
  });
  if (r.status !== 0) throw new Error(`npm pack --dry-run failed in policy/:\n${r.stderr}`);
  const [pack] = JSON.parse(r.stdout) as { name: string; files: { path: string }[] }[];
  expect(pack.name).toBe("ferrum-policy");
  listed = pack.files.map((f) => f.path).sort();
}, 60_000);

const inDir = (dir: string, ext: string) =>
  readdirSync(path.join(POLICY, dir))
    .filter((f) => f.endsWith(ext))
    .map((f) => `${dir}/${f}`);

test("lists the manifest, PulumiPolicy.yaml and the entry point with the modules it loads", () => {
  expect(listed).toEqual(
    expect.arrayContaining(["package.json", "PulumiPolicy.yaml", "index.ts", "policies.ts", "adapter.ts"]),
  );
});

test("lists every rule, the schema code and every CRD schema", () => {
  const rules = inDir("rules", ".ts");
  const schemas = inDir("schemas", ".json");
  expect(rules.length).toBeGreaterThan(5);
  expect(schemas.length).toBeGreaterThan(0);
  expect(listed).toEqual(expect.arrayContaining([...rules, ...inDir("schema", ".ts"), ...schemas]));
});

test("lists nothing else: every file is one of policy/'s own modules, schemas or manifests", () => {
  expect(
    listed.filter(
      (f) =>
        !/^(rules\/|schema\/)?[\w.-]+\.ts$|^schemas\/[\w.-]+\.json$|^(package\.json|PulumiPolicy\.yaml)$/.test(
          f,
        ),
    ),
  ).toEqual([]);
});
