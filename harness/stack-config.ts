/**
 * Config as the Pulumi CLI hands it to the program, built from the files the CLI reads: Pulumi.yaml's
 * defaults, then Pulumi.<stack>.yaml, then the offline plan's `-c key=value` overrides (as `pulumi config set`
 * takes them). Everything the CLI would refuse, or silently ignore, is a problem that names the file, the key
 * and the fix: a malformed YAML file, an unknown top-level key, a `-c` without a value.
 */
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { SECRET_KEYS } from "../config";
import { closest, fullKey } from "../config/reader";

/** The value every secret the plan cannot know is replaced with. */
export const placeholderFor = (key: string): string =>
  `plan-placeholder-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;

/** Top-level keys of a stack file that Pulumi itself owns (secrets provider, ESC environments). */
export const PULUMI_STACK_FILE_KEYS = [
  "config",
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
  "environment",
] as const;

export interface StackConfigInput {
  /** `namespace:key -> text`, as the engine holds config (objects JSON-encoded). */
  readonly values: Record<string, string>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
  /** Secret keys the plan filled with a placeholder (`secure:` values it cannot decrypt, unset required secrets). */
  readonly placeholders: string[];
  /** Full keys given with `-c` (`ferrum:services.auth.maxReplicas`): fixes for them correct the `-c`. */
  readonly overrides: string[];
  /** Problems with the files or the overrides themselves. */
  readonly problems: string[];
  /** What the plan could not see and says so (config an ESC environment adds at run time). */
  readonly notes: string[];
}

/**
 * Raised for input the plan cannot use: every problem named, nothing written. `config` problems are about
 * settings; the others (no such stack, a malformed file) are shown on their own.
 */
export class PlanConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly kind: "config" | "input" = "config",
  ) {
    super(problems.join("\n"));
  }
}

/** Every stack with a `Pulumi.<stack>.yaml` beside Pulumi.yaml, sorted. */
export function stackNames(root: string): string[] {
  return readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A YAML file's content, or a problem `file:line:column: error` (no stack trace, nothing else). */
function readYaml(file: string, root: string): unknown {
  const doc = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [1, 1];
    const what = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new PlanConfigError([`${path.relative(root, file)}:${line}:${col}: ${what}`], "input");
  }
  return doc.toJS();
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

const encode = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** The unknown-stack message: which stacks exist, and how to make another. */
function unknownStack(stack: string, root: string): string {
  const stacks = stackNames(root);
  return `there is no stack ${stack}: no Pulumi.${stack}.yaml beside Pulumi.yaml. The stacks are ${stacks.join(", ")}. To create ${stack}, write Pulumi.${stack}.yaml with at least "config: { ferrum:cloud: k3s }" (or aws, azure; copy the closest Pulumi.<stack>.yaml), then pulumi stack init ${stack}`;
}

/** The stack file's own keys: Pulumi's top-level keys, a `config:` map; ESC environments noted. */
function stackFileConfig(
  stackFile: string,
  root: string,
  problems: string[],
  notes: string[],
): Record<string, unknown> {
  const name = path.relative(root, stackFile);
  const yaml = readYaml(stackFile, root) ?? {};
  if (typeof yaml !== "object" || Array.isArray(yaml)) {
    problems.push(`${name} must be a map with a config: section (got ${JSON.stringify(yaml)})`);
    return {};
  }
  for (const key of Object.keys(yaml)) {
    if ((PULUMI_STACK_FILE_KEYS as readonly string[]).includes(key)) continue;
    const guess = closest(key, PULUMI_STACK_FILE_KEYS);
    problems.push(
      `${name}: top-level key ${JSON.stringify(key)} is neither config: nor one Pulumi owns (${PULUMI_STACK_FILE_KEYS.join(", ")})${guess ? `; did you mean ${guess}:?` : ""}; fix or remove it in ${name}`,
    );
  }
  const environment = (yaml as Tree).environment;
  if (environment !== undefined) {
    notes.push(
      `${name} imports the Pulumi ESC environment(s) ${JSON.stringify(environment)}: the offline plan cannot open them, so their config is missing here; pulumi preview and up check it with the rest when they run`,
    );
  }
  const config = (yaml as Tree).config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    problems.push(`${name}: config: must be a map of key: value (got ${JSON.stringify(config)})`);
    return {};
  }
  return config as Record<string, unknown>;
}

/**
 * Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `-c key=value` overrides (path keys allowed), as the
 * CLI layers them. `secure:` values become placeholders. A missing stack or a malformed file throws
 * PlanConfigError; problems with single keys are collected.
 */
export function loadStackConfig(stack: string, overrides: readonly string[], root: string): StackConfigInput {
  const project = readYaml(path.join(root, "Pulumi.yaml"), root) as {
    config?: Record<string, { default?: unknown }>;
  };
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) throw new PlanConfigError([unknownStack(stack, root)], "input");

  const tree: Tree = {};
  const secretKeys = new Set<string>();
  const placeholders = new Set<string>();
  const overridden = new Set<string>();
  const problems: string[] = [];
  const notes: string[] = [];
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : fullKey(key);
    if (decl && typeof decl === "object" && "default" in decl) tree[full] = decl.default;
  }
  for (const [key, value] of Object.entries(stackFileConfig(stackFile, root, problems, notes))) {
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
    // As `pulumi config set` reads it: a key without a namespace is the project's.
    const key = o.slice(0, eq).includes(":") ? o.slice(0, eq) : fullKey(o.slice(0, eq));
    const value = typedValue(o.slice(eq + 1));
    const colon = key.indexOf(":");
    const segments = key.slice(colon + 1).split(".");
    const top = `${key.slice(0, colon)}:${segments[0]}`;
    overridden.add(key);
    if ((SECRET_KEYS as readonly string[]).map(fullKey).includes(top)) secretKeys.add(top);
    // Without a path the value replaces the whole key, structured or not, as `pulumi config set` does.
    if (segments.length === 1) tree[top] = value;
    else {
      if (typeof tree[top] === "string") {
        try {
          tree[top] = JSON.parse(tree[top] as string) as unknown;
        } catch {
          // a scalar being given a path: parseConfig names the key
        }
      }
      if (typeof tree[top] !== "object" || tree[top] === null) tree[top] = {};
      setPath(tree[top] as Tree, segments.slice(1), value);
    }
  }
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(tree)) values[k] = encode(v);
  return {
    values,
    secretKeys: [...secretKeys],
    placeholders: [...placeholders],
    overrides: [...overridden],
    problems,
    notes,
  };
}
