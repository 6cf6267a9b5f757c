/**
 * The policy pack stands on its own (`pulumi policy publish` packs policy/ with npm): every module its code
 * imports resolves inside policy/ or to a dependency policy/package.json declares, at exactly the version
 * the repository's lock installs, and its `main` and `files` hold the pack. What `npm pack` would ship is
 * checked by policy-package.real.test.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";
import { OBJECT_META, packageFor } from "../../policy/schema/catalog";

const ROOT = path.resolve(__dirname, "../..");
const POLICY = path.join(ROOT, "policy");

interface Manifest {
  main?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(POLICY, "package.json"), "utf8")) as Manifest;
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string }>;
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === "node_modules" ? [] : tsFiles(file);
    return name.endsWith(".ts") ? [file] : [];
  });
}

/** `@scope/name/deep/path` -> `@scope/name`; `name/deep` -> `name`. */
const packageOf = (specifier: string): string =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** What a specifier in `file` resolves to: a file inside policy/, a Node built-in, a declared package, or a problem. */
function resolution(file: string, specifier: string): string {
  const where = `${path.relative(ROOT, file)}: "${specifier}"`;
  if (specifier.startsWith(".")) {
    const base = path.resolve(path.dirname(file), specifier);
    const found = ["", ".ts", ".json", "/index.ts"]
      .map((ext) => base + ext)
      .find((f) => existsSync(f) && statSync(f).isFile());
    if (!found) return `${where} resolves to no file`;
    if (path.relative(POLICY, found).startsWith("..")) return `${where} reaches outside policy/`;
    return "ok";
  }
  if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return "ok";
  const pkg = packageOf(specifier);
  return pkg in (manifest.dependencies ?? {})
    ? "ok"
    : `${where}: ${pkg} is not in policy/package.json's dependencies`;
}

/** Every module specifier a file imports, exports from, requires or imports dynamically (TypeScript's own scan). */
const importsOf = (file: string): string[] =>
  ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);

const files = tsFiles(POLICY);

test("every import of policy/**/*.ts resolves inside policy/, to Node, or to a dependency policy/package.json declares", () => {
  const problems = files.flatMap((file) =>
    importsOf(file)
      .map((s) => resolution(file, s))
      .filter((r) => r !== "ok"),
  );
  expect(problems).toEqual([]);
  // Not vacuous: the scan sees the pack's own imports.
  expect(importsOf(path.join(POLICY, "index.ts"))).toEqual(["@pulumi/policy", "./policies"]);
});

test("the model packages the schema catalog loads by computed path are declared too", () => {
  const computed = [
    ...["", "apps", "traefik.io", "traefik.containo.us", "monitoring.coreos.com"].map(packageFor),
    packageOf(OBJECT_META.module),
  ];
  expect([...new Set(computed)].filter((p) => !(p in (manifest.dependencies ?? {})))).toEqual([]);
});

test("every dependency is pinned to exactly the version the repository's lock installs", () => {
  const deps = manifest.dependencies ?? {};
  expect(Object.keys(deps).length).toBeGreaterThan(0);
  expect(manifest.devDependencies).toBeUndefined();
  const mismatches = Object.entries(deps)
    .map(([name, version]) => [name, version, lock.packages[`node_modules/${name}`]?.version])
    .filter(([, version, locked]) => version !== locked);
  expect(mismatches).toEqual([]);
});

test("each declared dependency is one the pack's code uses, or the runtime that runs it", () => {
  const used = new Set([
    ...files
      .flatMap(importsOf)
      .filter((s) => !s.startsWith(".") && !s.startsWith("node:"))
      .map(packageOf),
    ...["", "traefik.io", "monitoring.coreos.com"].map(packageFor),
    packageOf(OBJECT_META.module),
    // Not imported: Pulumi's nodejs host runs the pack with @pulumi/pulumi's cmd/run-policy-pack.
    "@pulumi/pulumi",
  ]);
  expect(Object.keys(manifest.dependencies ?? {}).filter((d) => !used.has(d))).toEqual([]);
});

test("main is the pack's entry point, and files hold it, its rules, schema code and CRD schemas", () => {
  expect(manifest.main).toBe("index.ts");
  expect(readFileSync(path.join(POLICY, manifest.main!), "utf8")).toContain('new PolicyPack("ferrum"');
  expect(manifest.files).toEqual(
    expect.arrayContaining(["PulumiPolicy.yaml", "*.ts", "rules/*.ts", "schema/*.ts", "schemas/*.json"]),
  );
});
