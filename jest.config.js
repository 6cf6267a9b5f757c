// Two projects: `unit` runs under Pulumi's mock runtime and pure functions only; `real` starts real
// servers (PostgreSQL, Redis, Sentinel) from Debian packages and needs .ci/run's installs.
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
};
const common = {
  transform,
  testEnvironment: "node",
  testEnvironmentOptions: { globalsCleanup: "off" },
  moduleFileExtensions: ["ts", "js", "json"],
  // Modules @pulumi/pulumi loads only for closure serialization load on first use (tools/lazy-modules.js):
  // ~0.6 s less for every test file that imports Pulumi.
  moduleNameMapper: {
    "^typescript$": "<rootDir>/tools/lazy/typescript.js",
    "^@npmcli/arborist$": "<rootDir>/tools/lazy/arborist.js",
  },
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
};
