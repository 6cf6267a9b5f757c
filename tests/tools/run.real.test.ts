/**
 * build/run.js (how `npm run plan` and the other tools start) and build/lazy-modules.js (what it defers), in
 * node processes of their own: TypeScript entry points run as `node FILE` would run them, compiled output is
 * reused only while the source is unchanged, the modules Pulumi loads for closure serialization load on first
 * use and still work when used, and FERRUM_SPEED=off (build/speed.js) turns each of those measures off.
 * Spawned processes, so in the `real` project; run.test.ts has what runs inside jest.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const RUN = path.join(ROOT, "build/run.js");
const CACHE = path.join(ROOT, "node_modules/.cache/ferrum-ts");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { speedMeasuresOn } = require("../../build/speed") as {
  speedMeasuresOn(env?: Record<string, string | undefined>): boolean;
};

function node(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

/** The switch's own refusal of `value` (its wording is pinned in run.test.ts). */
function refusal(value: string): string {
  try {
    speedMeasuresOn({ FERRUM_SPEED: value });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`FERRUM_SPEED=${value} was accepted`);
}

describe("node build/run.js FILE.ts", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ferrum-run-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("runs the file as the main module, with its arguments, imports of other .ts files and its exit code", () => {
    writeFileSync(path.join(dir, "helper.ts"), "export const twice = (n: number): number => n * 2;\n");
    writeFileSync(
      path.join(dir, "main.ts"),
      [
        'import { twice } from "./helper";',
        "interface Shown { main: boolean; args: string[]; value: number }",
        "const shown: Shown = { main: require.main === module, args: process.argv.slice(2), value: twice(21) };",
        "console.log(JSON.stringify(shown));",
        "process.exitCode = 3;",
      ].join("\n"),
    );
    const r = node([RUN, path.join(dir, "main.ts"), "dev", "--out", "x"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ main: true, args: ["dev", "--out", "x"], value: 42 });
  });

  test("an edited file is recompiled: the cache is keyed by content, not by path or time", () => {
    const file = path.join(dir, "edited.ts");
    writeFileSync(file, 'const word: string = "before";\nconsole.log(word);\n');
    expect(node([RUN, file]).stdout.trim()).toBe("before");
    const cachedBefore = readdirSync(CACHE).length;
    writeFileSync(file, 'const word: string = "after";\nconsole.log(word);\n');
    expect(node([RUN, file]).stdout.trim()).toBe("after");
    expect(readdirSync(CACHE).length).toBe(cachedBefore + 1);
    // Unchanged: served from the cache, no new entry.
    expect(node([RUN, file]).stdout.trim()).toBe("after");
    expect(readdirSync(CACHE).length).toBe(cachedBefore + 1);
  });

  test("a syntax error names the file and fails", () => {
    const file = path.join(dir, "broken.ts");
    writeFileSync(file, "const = ;\n");
    const r = node([RUN, file]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("broken.ts");
  });

  test("without a file: usage and exit 2", () => {
    const r = node([RUN]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: node build/run.js FILE.ts [ARGS...]");
  });
});

describe("FERRUM_SPEED in a process of its own", () => {
  test("build/run.js and jest refuse an unknown value before running anything: the message, exit 2", () => {
    for (const [args, who] of [
      [[RUN, "harness/plan.ts", "dev"], "build/run.js"],
      [["-e", 'require("./jest.config.js"); console.log("loaded")'], "jest.config.js"],
    ] as const) {
      const r = node([...args], { FERRUM_SPEED: "fast" });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
        status: 2,
        stdout: "",
        stderr: `${who}: ${refusal("fast")}\n`,
      });
    }
  });

  test("off: build/run.js compiles in memory, writing and reading no cache entry", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ferrum-speed-"));
    try {
      const file = path.join(dir, "uncached.ts");
      writeFileSync(
        file,
        `const stamp: string = "${process.pid}-${Date.now()}";\nconsole.log(stamp.length > 0);\n`,
      );
      const entries = () => (existsSync(CACHE) ? readdirSync(CACHE).length : 0);
      const before = entries();
      const r = node([RUN, file], { FERRUM_SPEED: "off" });
      expect([r.status, r.stdout.trim()]).toEqual([0, "true"]);
      expect(entries()).toBe(before);
      // Control: the same file with the switch on is cached.
      expect(node([RUN, file]).status).toBe(0);
      expect(entries()).toBe(before + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("off: build/run.js defers no module; @pulumi/pulumi loads typescript and arborist itself", () => {
    const loaded = (speed: string) => {
      const r = node(
        [
          "-e",
          [
            'require("./build/run.js").register();',
            'const { stillDeferred } = require("./build/lazy-modules.js");',
            'require("@pulumi/pulumi");',
            // Loaded for real: in the require cache under the path Pulumi resolves, and not a stand-in (a Proxy).
            'const from = require("module").createRequire(require.resolve("@pulumi/pulumi/package.json"));',
            "const real = (m) => { const c = require.cache[from.resolve(m)];",
            '  return !!c && !require("util").types.isProxy(c.exports); };',
            'console.log(JSON.stringify({ deferred: stillDeferred(), typescript: real("typescript"),',
            '  arborist: real("@npmcli/arborist") }));',
          ].join("\n"),
        ],
        { FERRUM_SPEED: speed },
      );
      return JSON.parse(r.stdout || "{}");
    };
    // The control, on: both wait behind their stand-ins, is the first test of the next describe.
    expect(loaded("off")).toEqual({ deferred: [], typescript: true, arborist: true });
  });
});

describe("the modules @pulumi/pulumi loads for closure serialization", () => {
  // One process: what is loaded once @pulumi/pulumi is, then after a closure is serialized.
  let probe: { afterLoad: unknown; afterSerialize: unknown; status: number | null };
  beforeAll(() => {
    const r = node([
      "-e",
      [
        'require("./build/run.js").register();',
        'const { stillDeferred } = require("./build/lazy-modules.js");',
        'const pulumi = require("@pulumi/pulumi");',
        'const pacote = () => Object.keys(require.cache).some((k) => k.includes("/pacote/"));',
        "const afterLoad = { deferred: stillDeferred(), pacote: pacote() };",
        "pulumi.runtime.serializeFunction(() => 6 * 7).then((f) => console.log(JSON.stringify({ afterLoad,",
        "  afterSerialize: { text: f.text.includes('6 * 7'), deferred: stillDeferred() } })));",
      ].join("\n"),
    ]);
    // (Closure serialization walks every loaded module: Node warns about `sys` and WASI on stderr.)
    probe = { ...JSON.parse(r.stdout || "{}"), status: r.status };
  });

  test("are not loaded when @pulumi/pulumi is (the plan, a plain Node process)", () => {
    expect(probe.status).toBe(0);
    expect(probe.afterLoad).toEqual({ deferred: ["typescript", "@npmcli/arborist"], pacote: false });
  });

  test("load on first use and work: serializeFunction parses with TypeScript through the stand-in", () => {
    expect(probe.afterSerialize).toEqual({ text: true, deferred: ["@npmcli/arborist"] });
  });
});
