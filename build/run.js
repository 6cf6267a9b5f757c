#!/usr/bin/env node
"use strict";
/**
 * `node build/run.js FILE.ts [ARGS...]`: runs one of this project's TypeScript entry points (the offline
 * plan, the benchmark, the compose and URN tools) the fastest way Node 20 allows.
 *
 * - Each .ts file is compiled by @swc/core (the compiler jest uses here, with the same settings) to
 *   CommonJS once, then read from node_modules/.cache/ferrum-ts, keyed by the file's path and content, the
 *   compiler's version and its options. A changed file is recompiled on its next load.
 * - typescript and @npmcli/arborist, which @pulumi/pulumi loads only for closure serialization, load on
 *   first use (build/lazy-modules.js).
 * - Stack traces are not source-mapped by default: Pulumi reads `new Error().stack` for every resource and
 *   most promises, and mapping each one cost ~0.4 s of a plan. The compiled code carries inline source maps,
 *   so `node --enable-source-maps build/run.js ...` (or FERRUM_SOURCE_MAPS=1) maps them when debugging.
 *
 * FERRUM_SPEED=off (build/speed.js) turns the first two off: every file is compiled afresh in memory and
 * every module loads when required, as Pulumi's own code would.
 *
 * Type checking is `npm run typecheck`'s job, not this runner's.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { speedMeasuresOn, speedMeasuresOnOrExit } = require("./speed");

const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "ferrum-ts");
/** How TypeScript becomes CommonJS here; jest.config.js hands @swc/jest the same. */
const SWC_OPTIONS = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" },
  swcrc: false,
  configFile: false,
};

let swc; // loaded on the first cache miss only
let compilerKey;

function compilerIdentity() {
  const version = JSON.parse(fs.readFileSync(require.resolve("@swc/core/package.json"), "utf8")).version;
  return `swc ${version} ${JSON.stringify(SWC_OPTIONS)} inline source maps`;
}

function transform(source, filename) {
  swc ??= require("@swc/core");
  return swc.transformSync(source, { ...SWC_OPTIONS, sourceMaps: "inline", filename }).code;
}

/** `source` as CommonJS, through the compile cache unless `useCache` is false (FERRUM_SPEED=off). */
function compile(source, filename, useCache = speedMeasuresOn()) {
  if (!useCache) return transform(source, filename);
  compilerKey ??= compilerIdentity();
  const key = crypto.createHash("sha256").update(`${compilerKey}\0${filename}\0${source}`).digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // not compiled yet
  }
  const code = transform(source, filename);
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, cached); // atomic: a parallel run reads a whole file or none
  } catch {
    // a read-only tree still runs, only slower
  }
  return code;
}

function register() {
  const fast = speedMeasuresOn();
  require.extensions[".ts"] = (module, filename) => {
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename, fast), filename);
  };
  if (fast) require("./lazy-modules").deferClosureSerializerModules();
  if (process.env.FERRUM_SOURCE_MAPS === "1") process.setSourceMapsEnabled(true);
}

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node build/run.js FILE.ts [ARGS...]");
    process.exit(2);
  }
  speedMeasuresOnOrExit("build/run.js"); // an unknown FERRUM_SPEED: its message and exit 2
  register();
  const file = path.resolve(entry);
  process.argv = [process.argv[0], file, ...args];
  require("module")._load(file, null, true); // as `node FILE` would: require.main is the entry point
} else {
  module.exports = { register, compile, SWC_OPTIONS };
}
