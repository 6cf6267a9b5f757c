// Two projects: `unit` runs under Pulumi's mock runtime and pure functions only; `real` starts real
// servers (PostgreSQL, Redis, Sentinel) from Debian packages and needs .ci/run's installs, and runs the
// end-to-end checks that spawn whole node processes (plans with FERRUM_SPEED on and off, ts-node).
const { SWC_OPTIONS } = require("./build/run.js");
const { DEFERRED } = require("./build/lazy-modules.js");
const { speedMeasuresOnOrExit } = require("./build/speed.js");

const speed = speedMeasuresOnOrExit("jest.config.js");

// Test workers get a larger young generation: a plan allocates short-lived promises by the hundred
// thousand, and with V8's default semi-space their scavenges were ~8% of the unit suite's time. Workers
// inherit this process's environment when jest starts them, after reading this file.
const YOUNG_GENERATION = "--max-semi-space-size=32";
if (speed && !(process.env.NODE_OPTIONS ?? "").includes("--max-semi-space-size")) {
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, YOUNG_GENERATION].filter(Boolean).join(" ");
}

// The same compiler and settings as build/run.js, which runs the plan and the other tools.
const transform = { "^.+\\.ts$": ["@swc/jest", SWC_OPTIONS] };
const common = {
  transform,
  testEnvironment: "node",
  testEnvironmentOptions: { globalsCleanup: "off" },
  moduleFileExtensions: ["ts", "js", "json"],
  // Modules @pulumi/pulumi loads only for closure serialization load on first use (build/lazy-modules.js):
  // ~0.6 s less for every test file that imports Pulumi. FERRUM_SPEED=off (build/speed.js): loaded as required.
  moduleNameMapper: speed
    ? Object.fromEntries(DEFERRED.map((d) => [`^${d.request}$`, `<rootDir>/${d.jestStandIn}`]))
    : {},
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/tests/**/*.test.ts"],
      testPathIgnorePatterns: ["\\.real\\.test\\.ts$"],
    },
    { ...common, displayName: "real", testMatch: ["<rootDir>/tests/**/*.real.test.ts"] },
  ],
  testTimeout: 60000,
  // How many real-server tests ran, and one closing line of totals (tests/helpers/real-count-reporter.js).
  reporters: ["default", "<rootDir>/tests/helpers/real-count-reporter.js"],
};
