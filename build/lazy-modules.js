"use strict";
/**
 * Two modules `@pulumi/pulumi` requires at load time only for closure serialization (turning a JavaScript
 * function into a Lambda or a dynamic provider): `typescript` (9 MB, ~400 ms to load here) and
 * `@npmcli/arborist` with pacote, sigstore and make-fetch-happen behind it (~250 ms). No program in this
 * project serializes a closure, so the offline plan (build/run.js) and the test runner (jest.config.js)
 * hand out a stand-in that loads the real module on first use instead. Behaviour is unchanged: every
 * property read, `in` check and key listing goes to the real module.
 *
 * Plain CommonJS on purpose: it runs before any TypeScript can be compiled.
 */
const Module = require("module");

/**
 * A module's stand-in. `esModule: true` answers `__esModule` without loading, so TypeScript's
 * `__importStar` keeps the stand-in instead of copying (and so loading) every export at once.
 */
function lazyModule(load, { esModule = false } = {}) {
  let real;
  const target = () => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_, key) => (esModule && key === "__esModule" ? true : Reflect.get(target(), key)),
      has: (_, key) => key in target(),
      ownKeys: () => Reflect.ownKeys(target()),
      // Reported configurable: a proxy may not claim a non-configurable property its (empty) target lacks.
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        return d && { ...d, configurable: true };
      },
      set: (_, key, value) => Reflect.set(target(), key, value),
    },
  );
}

/**
 * What is deferred: the request as @pulumi/pulumi writes it (no regex metacharacters: jest.config.js maps
 * it verbatim), a path to it no mapping rewrites, and the stand-in file jest maps the request to.
 */
const DEFERRED = [
  {
    request: "typescript",
    file: "typescript/lib/typescript.js",
    esModule: false,
    jestStandIn: "build/lazy/typescript.js",
  },
  {
    request: "@npmcli/arborist",
    file: "@npmcli/arborist/lib/index.js",
    esModule: true,
    jestStandIn: "build/lazy/arborist.js",
  },
];

/**
 * For a plain Node process: puts each stand-in into the require cache under the path @pulumi/pulumi's own
 * `require` resolves to. The first use drops the stand-in from the cache and loads the real module.
 */
const stubs = new Map(); // request -> [resolved path, stand-in module]

function deferClosureSerializerModules() {
  let fromPulumi;
  try {
    fromPulumi = Module.createRequire(require.resolve("@pulumi/pulumi/package.json"));
  } catch {
    return; // no @pulumi/pulumi here: nothing to defer
  }
  for (const { request, esModule } of DEFERRED) {
    const resolved = fromPulumi.resolve(request);
    if (require.cache[resolved]) continue;
    const stub = new Module(resolved, null);
    stub.filename = resolved;
    stub.loaded = true;
    stub.exports = lazyModule(
      () => {
        if (require.cache[resolved] === stub) delete require.cache[resolved];
        return fromPulumi(request);
      },
      { esModule },
    );
    require.cache[resolved] = stub;
    stubs.set(request, [resolved, stub]);
  }
}

/** The deferred modules not loaded yet: their stand-ins are still in the require cache. */
function stillDeferred() {
  return [...stubs]
    .filter(([, [resolved, stub]]) => require.cache[resolved] === stub)
    .map(([request]) => request);
}

/** For jest's moduleNameMapper (build/lazy/*.js): the stand-in for `request`, loading the real file. */
function jestStandIn(request, requireFn) {
  const entry = DEFERRED.find((d) => d.request === request);
  if (!entry) throw new Error(`build/lazy-modules.js: ${request} is not a deferred module`);
  return lazyModule(() => requireFn(entry.file), { esModule: entry.esModule });
}

module.exports = { lazyModule, deferClosureSerializerModules, stillDeferred, jestStandIn, DEFERRED };
