/**
 * The program's layout: components depend on config's small leaf modules (types, defaults, catalog...), never
 * on config/index.ts, whose reader imports them; config never imports components; the one refusal type lives
 * in a leaf; and every program file stays small enough to read in one sitting.
 *
 * Imports are read with the TypeScript compiler's own pre-processor (static and type-only imports, re-exports,
 * `require` and dynamic `import()`), and resolved against the file system.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
/** The program: what `pulumi up` runs. */
const PROGRAM = ["index.ts", "config", "stacks", "components", "lib"];
const MAX_LINES = 400;

function tsFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (statSync(full).isFile()) return [entry];
  return readdirSync(full, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? tsFiles(path.join(entry, d.name))
      : d.name.endsWith(".ts") && !d.name.endsWith(".d.ts")
        ? [path.join(entry, d.name)]
        : [],
  );
}

/** The repository-relative file a relative specifier names (`../../config` is config/index.ts). */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.join(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (existsSync(path.join(ROOT, candidate)) && statSync(path.join(ROOT, candidate)).isFile())
      return path.normalize(candidate);
  }
  return undefined;
}

/** Every relative import of `file`, as `[specifier, resolved file]`. */
function importsOf(file: string): [string, string][] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return info.importedFiles.flatMap(({ fileName }) => {
    const target = resolve(file, fileName);
    return target ? [[fileName, target] as [string, string]] : [];
  });
}

const lineCount = (file: string): number => {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
};

const programFiles = PROGRAM.flatMap(tsFiles).sort();
const under = (dir: string) => programFiles.filter((f) => f.startsWith(`${dir}${path.sep}`));
const offending = (files: string[], bad: (target: string) => boolean) =>
  files.flatMap((f) =>
    importsOf(f)
      .filter(([, target]) => bad(target))
      .map(([spec]) => `${f} imports ${spec}`),
  );

describe("program layout", () => {
  test("the import reader sees static, type-only, re-exported and required imports", () => {
    const targets = (f: string) => importsOf(f).map(([, t]) => t);
    expect(targets(path.join("components", "managed-postgres", "managed-postgres.ts"))).toEqual(
      expect.arrayContaining([
        path.join("components", "managed-postgres", "rds.ts"), // require("./rds")
        path.join("components", "managed-postgres", "types.ts"), // import type
        path.join("lib", "problems.ts"),
      ]),
    );
    // export { DEFAULT_REDIS_IMAGE } from "../../config/defaults"
    expect(targets(path.join("components", "redis-ha", "index.ts"))).toContain(
      path.join("config", "defaults.ts"),
    );
  });

  test("no component imports config/index.ts: components depend on config's leaf modules only", () => {
    expect(offending(under("components"), (t) => t === path.join("config", "index.ts"))).toEqual([]);
  });

  test("nothing under config/ imports components/", () => {
    expect(offending(under("config"), (t) => t.startsWith(`components${path.sep}`))).toEqual([]);
  });

  test("lib/problems.ts, the one refusal type, is a leaf: it imports neither config/ nor components/", () => {
    expect(offending([path.join("lib", "problems.ts")], (t) => /^(config|components)[\\/]/.test(t))).toEqual(
      [],
    );
  });

  test(`every program file is under ${MAX_LINES} lines`, () => {
    expect(programFiles.length).toBeGreaterThan(100);
    const long = programFiles
      .map((f) => ({ f, n: lineCount(f) }))
      .filter(({ n }) => n >= MAX_LINES)
      .map(({ f, n }) => `${f}: ${n} lines`);
    expect(long).toEqual([]);
  });
});
