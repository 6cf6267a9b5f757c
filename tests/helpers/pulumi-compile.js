"use strict";
/**
 * `node tests/helpers/pulumi-compile.js STACK...`: compiles and runs the program the way `pulumi preview`
 * and `pulumi up` do, then plans each stack under the mock runtime; prints one JSON line.
 *
 * As @pulumi/pulumi's cmd/run does for `runtime.options.typescript` with `tsconfig` set: it reads that
 * file's own compilerOptions with Pulumi's helper (`noCheck` becomes ts-node's transpileOnly), picks the
 * ts-node and TypeScript Pulumi would (the project's, or the ones it vendors), and registers ts-node over
 * Pulumi's defaults. Plain CommonJS: nothing but ts-node compiles the program here.
 */
const path = require("path");
const { parse } = require("yaml");
const fs = require("fs");

const root = path.resolve(__dirname, "../..");
process.chdir(root);
const runtime = parse(fs.readFileSync("Pulumi.yaml", "utf8")).runtime;
const tsconfig = runtime.options.tsconfig;
const tsutils = require("@pulumi/pulumi/tsutils");
const own = tsutils.loadTypeScriptCompilerOptions(path.resolve(tsconfig));
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();

const started = Date.now();
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: own.noCheck,
  project: path.resolve(tsconfig),
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...own,
  },
});

(async () => {
  const { runPlan } = require(path.resolve("harness/planner.ts"));
  const resources = {};
  for (const stack of process.argv.slice(2)) resources[stack] = (await runPlan(stack)).resources.length;
  console.log(
    JSON.stringify({
      tsconfig,
      transpileOnly: own.noCheck === true,
      tsNode: path.relative(
        root,
        tsnodeRequire.startsWith("/") ? tsnodeRequire : require.resolve(tsnodeRequire),
      ),
      resources,
      ms: Date.now() - started,
    }),
  );
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
