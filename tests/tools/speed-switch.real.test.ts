/**
 * FERRUM_SPEED=off (build/speed.js) turns every speed measure off: the compile cache and the lazy modules of
 * build/run.js and the mock runtime's skipped stack frames. The measures only save time: each stack's plan,
 * made by `npm run plan` as a user runs it, is the same bytes with the switch on (the default) and off.
 * End to end (six node processes), so in the `real` project beside the other spawned-process checks;
 * .ci/run checks the same with `cmp`.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const FILES = ["resources.json", "manifests.yaml", "outputs.json"];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-speed-plans-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plan(stack: string, speed: "on" | "off"): string {
  const out = path.join(dir, `${speed}-${stack}`);
  const r = spawnSync(process.execPath, ["build/run.js", "harness/plan.ts", stack, "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, FERRUM_SPEED: speed },
  });
  if (r.status !== 0) throw new Error(`plan ${stack} with FERRUM_SPEED=${speed} failed:\n${r.stderr}`);
  return out;
}

/** The first line where two texts part, or undefined when they are the same bytes. */
function firstDifference(a: Buffer, b: Buffer): string | undefined {
  if (a.equals(b)) return undefined;
  const [x, y] = [a.toString("utf8").split("\n"), b.toString("utf8").split("\n")];
  const i = x.findIndex((line, n) => line !== y[n]);
  const at = i < 0 ? x.length : i;
  return `line ${at + 1}: on ${JSON.stringify(x[at])}, off ${JSON.stringify(y[at])}`;
}

test.each(["dev", "prod", "prod-azure"])(
  "%s: resources.json, manifests.yaml and outputs.json are the same bytes with FERRUM_SPEED on and off",
  (stack) => {
    const on = plan(stack, "on");
    const off = plan(stack, "off");
    const differences = Object.fromEntries(
      FILES.map((f) => [
        f,
        firstDifference(readFileSync(path.join(on, f)), readFileSync(path.join(off, f))) ?? "same",
      ]),
    );
    expect(differences).toEqual(Object.fromEntries(FILES.map((f) => [f, "same"])));
    // Not vacuous: the plans hold the stack's resources.
    expect(
      (JSON.parse(readFileSync(path.join(on, "resources.json"), "utf8")) as unknown[]).length,
    ).toBeGreaterThan(100);
  },
  120_000,
);
