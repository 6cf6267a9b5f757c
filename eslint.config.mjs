// ESLint flat config: typescript-eslint's recommended rules plus Pulumi's Output-in-template checks,
// which need type information (parserOptions.projectService).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "bin/",
      "plan/",
      "coverage/",
      "**/*.js",
      "!build/**/*.js",
      "!tests/helpers/*.js",
      "!jest.config.js",
      "**/*.mjs",
      "tests/fixtures/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { pulumi },
    rules: {
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The plain CommonJS that runs before any TypeScript is compiled (build/run.js and what it loads).
    files: ["build/**/*.js", "tests/helpers/*.js", "jest.config.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { process: "readonly", console: "readonly", __dirname: "readonly", __filename: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests dig into rendered manifests, whose shape is the thing under test.
    files: ["tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
