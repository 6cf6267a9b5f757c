/**
 * The offline plan: runs the real program for one stack file under Pulumi's mock runtime (no CLI, cluster or
 * cloud credentials) and returns what it registered. tools/plan.ts is its command line; the tests call
 * `runPlan` directly, so both take this one code path.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync, existsSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseConfig, requiredSecretKeys, SecretKey, ConfigError } from "../config";
import { fullKey, PROJECT } from "../lib/config-reader";
import { MockRuntime, PlanResource, runProgram } from "./mock-runtime";
import { isSecretEnvelope, redact } from "./envelope";

export const ROOT = path.resolve(__dirname, "..");

/** The value every secret the plan cannot know is replaced with. */
export const placeholderFor = (key: string): string =>
  `plan-placeholder-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;

export interface StackConfigInput {
  /** `ferrum:key -> text`, as the engine holds config (objects JSON-encoded). */
  readonly values: Record<string, string>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
  /** Secret keys the plan filled with a placeholder (`secure:` values it cannot decrypt, unset required secrets). */
  readonly placeholders: string[];
  /** Problems with the overrides themselves (a `-c` without `=`). */
  readonly problems: string[];
}

type Tree = Record<string, unknown>;

/** Parses a `-c` value the way `pulumi config set --path` does: booleans and numbers typed, the rest strings. */
function typedValue(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

function setPath(target: Tree, segments: string[], value: unknown): void {
  let node = target;
  segments.slice(0, -1).forEach((seg) => {
    if (typeof node[seg] !== "object" || node[seg] === null) node[seg] = {};
    node = node[seg] as Tree;
  });
  node[segments[segments.length - 1]] = value;
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `-c key=value` overrides (path keys allowed), as the
 * CLI layers them. `secure:` values become placeholders.
 */
export function loadStackConfig(
  stack: string,
  overrides: readonly string[] = [],
  root = ROOT,
): StackConfigInput {
  const project = parseYaml(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) {
    throw new PlanConfigError([
      `there is no stack file Pulumi.${stack}.yaml; the stacks are the Pulumi.<stack>.yaml files beside Pulumi.yaml`,
    ]);
  }
  const stackYaml = (parseYaml(readFileSync(stackFile, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };

  const tree: Tree = {};
  const secretKeys = new Set<string>();
  const placeholders = new Set<string>();
  const problems: string[] = [];
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : fullKey(key);
    if (decl && typeof decl === "object" && "default" in decl) tree[full] = decl.default;
  }
  for (const [key, value] of Object.entries(stackYaml.config ?? {})) {
    if (value && typeof value === "object" && "secure" in (value as Tree)) {
      tree[key] = placeholderFor(key);
      secretKeys.add(key);
      placeholders.add(key);
    } else {
      tree[key] = value;
    }
  }
  for (const o of overrides) {
    const eq = o.indexOf("=");
    if (eq <= 0) {
      problems.push(
        `-c ${JSON.stringify(o)} is not key=value; write it as pulumi config set does, for example -c ferrum:cloud=aws`,
      );
      continue;
    }
    const key = o.slice(0, eq);
    const value = typedValue(o.slice(eq + 1));
    const [ns, ...rest] = key.split(":");
    const segments = rest.join(":").split(".");
    const top = `${ns}:${segments[0]}`;
    if (segments.length === 1) tree[top] = value;
    else {
      if (typeof tree[top] !== "object" || tree[top] === null) tree[top] = {};
      setPath(tree[top] as Tree, segments.slice(1), value);
    }
  }
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree)) values[k] = encode(v);
  return { values, secretKeys: [...secretKeys], placeholders: [...placeholders], problems };
}

export interface PlanOutput {
  readonly name: string;
  readonly secret: boolean;
  readonly value: unknown;
}

export interface PlanResult {
  readonly stack: string;
  readonly resources: PlanResource[];
  readonly outputs: PlanOutput[];
  /** Secret config keys filled with placeholders. */
  readonly placeholders: string[];
  readonly runtime: MockRuntime;
}

/** The value of an Output (secret or not), awaited. */
export function resolveOutput<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

export class PlanConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

/**
 * Runs the program for `stack`. Bad config rejects with PlanConfigError (every problem listed) and
 * registers nothing.
 */
export async function runPlan(stack: string, overrides: readonly string[] = []): Promise<PlanResult> {
  const input = loadStackConfig(stack, overrides);
  if (input.problems.length) throw new PlanConfigError(input.problems);
  const parsed = parseConfig(input.values, stack, PROJECT);
  if (!parsed.config) throw new PlanConfigError(parsed.problems);

  // Required secrets the stack file does not set get placeholders too: the plan has no secrets of a user's.
  const values = { ...input.values };
  const secretKeys = new Set(input.secretKeys);
  const placeholders = new Set(input.placeholders);
  for (const key of requiredSecretKeys(parsed.config).map((k: SecretKey) => fullKey(k))) {
    if (!(key in values)) {
      values[key] = placeholderFor(key);
      placeholders.add(key);
    }
    secretKeys.add(key);
  }

  const runtime = new MockRuntime(stack);
  await runtime.install(PROJECT);
  pulumi.runtime.setAllConfig(values, [...secretKeys]);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(ROOT, "index")) as () => Promise<Record<string, unknown>>;
  const outputs: PlanOutput[] = [];
  try {
    await runProgram(async () => {
      const result = await program();
      for (const [name, value] of Object.entries(result ?? {})) {
        const out = pulumi.output(value);
        const [secret, resolved] = await Promise.all([pulumi.isSecret(out), resolveOutput(out)]);
        outputs.push({ name, secret, value: resolved });
      }
      return result;
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new PlanConfigError(err.problems);
    throw err;
  }
  return { stack, resources: runtime.resources, outputs, placeholders: [...placeholders].sort(), runtime };
}

/** resources.json's entries: inputs redacted. */
export function resourceEntries(plan: PlanResult, showSecrets = false): unknown[] {
  return plan.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.parent ? { parent: r.parent } : {}),
    custom: r.custom,
    inputs: redact(r.inputs, showSecrets),
    options: r.options,
  }));
}

/** Kubernetes objects (apiVersion, kind, metadata, body) as the provider would apply them. */
export function manifests(plan: PlanResult, showSecrets = false): Record<string, unknown>[] {
  return plan.resources
    .filter(
      (r) =>
        r.custom &&
        r.type.startsWith("kubernetes:") &&
        typeof r.state.apiVersion === "string" &&
        typeof r.state.kind === "string",
    )
    .map((r) => {
      const { apiVersion, kind, metadata, ...body } = r.state;
      return redact({ apiVersion, kind, metadata, ...body }, showSecrets) as Record<string, unknown>;
    });
}

/** Stack outputs, secret ones redacted. */
export function outputEntries(plan: PlanResult, showSecrets = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of plan.outputs)
    out[o.name] = o.secret && !showSecrets ? "[secret]" : redact(o.value, showSecrets);
  return out;
}

export { isSecretEnvelope };
