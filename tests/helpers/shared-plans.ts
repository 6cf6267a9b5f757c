/**
 * Stack plans shared by the test files of one jest worker: planning was most of the unit suite's time, and
 * half of its 96 plans were the three stacks as committed, asked for again by file after file. `sharedPlan(stack, overrides)` runs `runPlan` the first time a worker asks for that plan and hands
 * every later caller, in any test file, a copy of the same result.
 *
 * - Jest gives each test file its own module registry and global objects, so the plan is kept as
 *   `v8.serialize` bytes on the worker's own `v8` module (a Node built-in, shared by every file of the
 *   worker), never as objects of another file's realm, and every call returns a fresh copy made of this
 *   file's objects: a test that changes its copy changes no other test's.
 * - The copy is exact: `v8.serialize` keeps undefined properties, and a plan holding anything but plain
 *   objects, arrays and primitives is refused when first stored rather than copied wrongly.
 * - `runtime` (the MockRuntime that recorded the plan) is not shared: reading it throws, saying to call
 *   `runPlan` instead.
 * - A speed measure: FERRUM_SPEED=off (build/speed.js) plans afresh on every call.
 */
import { runPlan, type PlanResult } from "../../harness/planner";

/* eslint-disable @typescript-eslint/no-require-imports */
const v8 = require("v8") as typeof import("v8");
const { speedMeasuresOn } = require("../../build/speed") as { speedMeasuresOn(): boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Where a plan's bytes are kept: a property of the worker's `v8` module under a registered symbol (one
 * registry for every realm). Only Node's own Buffer is stored there: an object of this file's realm would
 * keep the whole file's module registry alive.
 */
const shelf = v8 as unknown as Record<symbol, Buffer | undefined>;
const slot = (key: string): symbol => Symbol.for(`ferrum.sharedPlans ${key}`);

/** Throws unless `value` is made of plain objects, arrays and primitives only (what a copy keeps). */
function assertPlain(value: unknown, where: string): void {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint")
      throw new Error(`sharedPlan: ${where} is a ${typeof value}, which a copy would not keep`);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  const plain = Array.isArray(value) || proto === null || Object.getPrototypeOf(proto) === null;
  if (!plain) throw new Error(`sharedPlan: ${where} is a ${proto?.constructor?.name}, not a plain object`);
  for (const [k, v] of Object.entries(value)) assertPlain(v, `${where}.${k}`);
}

/** A deep copy made of this file's own objects and arrays (v8.deserialize builds them in Node's realm). */
function adopt(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  // Not value.map: that builds the array with the constructor of value's realm.
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (const v of value) list.push(adopt(v));
    return list;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = adopt(v);
  return out;
}

/** `runPlan(stack, overrides)` run once per worker; a fresh copy of its result for every caller. */
export async function sharedPlan(stack: string, overrides: readonly string[] = []): Promise<PlanResult> {
  if (!speedMeasuresOn()) return runPlan(stack, overrides);
  const key = JSON.stringify([stack, overrides]);
  let bytes = shelf[slot(key)];
  if (!bytes) {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { runtime, ...plan } = await runPlan(stack, overrides);
    assertPlain(plan, `the plan of ${stack}`);
    bytes = v8.serialize(plan);
    shelf[slot(key)] = bytes;
  }
  return Object.defineProperty(adopt(v8.deserialize(bytes)) as object, "runtime", {
    enumerable: false,
    get() {
      throw new Error("sharedPlan shares no MockRuntime: call runPlan for a plan whose runtime a test reads");
    },
  }) as PlanResult;
}
