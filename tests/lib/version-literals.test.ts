/**
 * No second copy of a pinned version: outside lib/versions.ts, no source file names a Kubernetes minor, a
 * PostgreSQL major or parameter-group family, a version the table pins, or a version it has retired. The
 * program's defaults and pins read the table instead (the pins' own tests check they do).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { RETIRED, versionTable } from "../../lib/versions";

const ROOT = path.resolve(__dirname, "../..");
/** Folders that hold no program or tool source: tests assert the table's values on purpose. */
const SKIP_DIRS = new Set(["node_modules", ".git", "tests", "plan", "coverage", "compose", "monitoring"]);
/**
 * Files allowed to name a Kubernetes minor, each for a reason that is not a pin of a cloud version.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  "lib/versions.ts": "the table itself",
  "policy/schema/catalog.ts":
    "KUBERNETES_SCHEMA_VERSION: the API schemas the installed kubernetes-models package ships, checked by its own test",
  "lib/kubernetes-version.ts":
    "TARGET_KUBERNETES_MINOR: the minor the schemas validate and a k3s namespace's Pod Security version, kept equal to KUBERNETES_SCHEMA_VERSION by tests/components/namespace.test.ts",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory())
      return SKIP_DIRS.has(name) || name.startsWith(".") ? [] : sourceFiles(full);
    return /\.(ts|js|mjs)$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Quoted literals of what the table pins (versions with a dot or a letter: a bare "16" is matched below). */
const pinned = [
  ...new Set([
    ...versionTable()
      .map((r) => r.version)
      .filter((v) => /^[\w.-]+$/.test(v) && /[.A-Za-z]/.test(v)),
    ...RETIRED.map((r) => r.version),
    // What the table replaced: a copy of these would be a stale pin.
    "9.50.1",
    "3.13.0",
    "16.9",
  ]),
];
const quoted = (v: string) => new RegExp(`["'\`]${v.replace(/\./g, "\\.")}["'\`]`);
const PATTERNS: [string, RegExp][] = [
  ["a Kubernetes minor", /["'`]1\.[2-4]\d["'`]/],
  ["a PostgreSQL parameter-group family", /["'`]postgres1\d["'`]/],
  ["a PostgreSQL version given as a version", /\b(engineVersion|version)\s*:\s*["'`]1\d(\.\d+)?["'`]/],
  ...pinned.map((v): [string, RegExp] => [`the pinned version ${v}`, quoted(v)]),
];

function strays(files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const rel = path.relative(ROOT, file);
    if (ALLOWED[rel]) continue;
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        for (const [what, re] of PATTERNS)
          if (re.test(line)) found.push(`${rel}:${i + 1}: ${what}: ${line.trim()}`);
      });
  }
  return found;
}

test("no source file outside lib/versions.ts names a pinned version", () => {
  const files = sourceFiles(ROOT);
  expect(files.length).toBeGreaterThan(50);
  expect(files.map((f) => path.relative(ROOT, f))).toEqual(
    expect.arrayContaining(["components/aws/addons.ts"]),
  );
  expect(strays(files)).toEqual([]);
});

test("the scan catches each kind of stray copy", () => {
  const fs = jest.requireActual<typeof import("node:fs")>("node:fs");
  const os = jest.requireActual<typeof import("node:os")>("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferrum-versions-"));
  try {
    const file = path.join(dir, "stray.ts");
    fs.writeFileSync(
      file,
      [
        'const k8s = "1.36";',
        "family: 'postgres16',",
        'engineVersion: "16.9",',
        'version: "9.59.0",',
        "tag: `v1.36.1`,",
        'const fine = "1.0.0";',
      ].join("\n"),
    );
    expect(strays([file]).map((s) => s.replace(/^.*stray\.ts:/, ""))).toEqual([
      '1: a Kubernetes minor: const k8s = "1.36";',
      '1: the pinned version 1.36: const k8s = "1.36";',
      "2: a PostgreSQL parameter-group family: family: 'postgres16',",
      '3: a PostgreSQL version given as a version: engineVersion: "16.9",',
      '3: the pinned version 16.9: engineVersion: "16.9",',
      '4: the pinned version 9.59.0: version: "9.59.0",',
      "5: the pinned version v1.36.1: tag: `v1.36.1`,",
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
