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
