/**
 * `node build/run.js local/swarm-secrets.ts [--env-file PATH]` (what `make swarm-deploy` runs before
 * `docker stack deploy`): gets a Docker Swarm ready for docker-stack.yml.
 *
 * - Every Swarm secret the stack names (its top-level `secrets`, all `external`) is created from the git-ignored
 *   `.env` that `make env` writes, with `docker secret create NAME -`: the value goes through stdin, never an
 *   argument or a file. A secret that exists is left as it is: Swarm cannot change one in place (to rotate it:
 *   make swarm-rm, docker secret rm NAME, make swarm-deploy; PostgreSQL keeps the passwords it started with).
 * - The checks `docker stack deploy` does not make: this Docker is a Swarm manager, and a node carries the data
 *   label (the data services' volumes are local to a node; without the label they would wait forever).
 *
 * Exit codes: 0 ready, 1 something to fix (each problem is printed with its fix), 2 an unexpected failure.
 */
import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { FerrumConfig } from "../config";
import { runCommand } from "../harness/cli";
import { loadComposeConfig } from "./generator/source";
import { DATA_NODE_LABEL, renderSwarm } from "./generator/swarm";
import { composeVariables, EnvVariable } from "./generator/variables";
import { assignedValues, valueWarnings } from "./make-env";
import { LOCAL_ROOT } from "./generator/model";

const USAGE = "usage: node build/run.js local/swarm-secrets.ts [--env-file PATH]   (default: .env)";

/** What to do with each secret the stack needs. */
export interface SecretPlan {
  /** Secrets to create, with their values from `.env`. */
  readonly create: readonly { readonly name: string; readonly value: string }[];
  /** Secrets the Swarm has already. */
  readonly keep: readonly string[];
  /** What keeps the plan from running, each with its fix. */
  readonly problems: readonly string[];
}

/** The plan for `needed` secrets, given `.env`'s text and the secrets the Swarm has. Pure. */
export function planSecrets(
  needed: readonly string[],
  envText: string,
  existing: ReadonlySet<string>,
  variables: readonly EnvVariable[],
): SecretPlan {
  const values = assignedValues(envText);
  const problems: string[] = [];
  const create: { name: string; value: string }[] = [];
  const keep: string[] = [];
  const warnings = valueWarnings(envText, variables);
  for (const name of needed) {
    if (existing.has(name)) {
      keep.push(name);
      continue;
    }
    const value = values.get(name);
    if (value === undefined || value === "") {
      problems.push(`${name} is not set in .env: run make env, which appends every missing credential`);
      continue;
    }
    const warning = warnings.find((w) => w.startsWith(`${name} `));
    if (warning) problems.push(warning);
    else create.push({ name, value });
  }
  return { create, keep, problems };
}

export interface Docker {
  (args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string };
}

const docker: Docker = (args, input) => {
  const r = spawnSync("docker", args, { input, encoding: "utf8", timeout: 60_000 });
  if (r.error) return { status: null, stdout: "", stderr: r.error.message };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** Problems of the Swarm itself: not a manager, no node for the data services. */
function swarmProblems(run: Docker): string[] {
  const info = run([
    "info",
    "--format",
    "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}",
  ]);
  if (info.status !== 0)
    return [`docker info failed (is Docker installed and running?): ${info.stderr.trim() || "no output"}`];
  const [state, manager, nodeId] = info.stdout.trim().split(" ");
  if (state !== "active")
    return [`this Docker is not part of a Swarm (state ${state}): start one with docker swarm init`];
  if (manager !== "true")
    return ["this Docker is a Swarm worker: run make swarm-deploy on a manager (docker node ls lists them)"];
  const nodes = run([
    "node",
    "ls",
    "--filter",
    `node.label=${DATA_NODE_LABEL}=true`,
    "--format",
    "{{.Hostname}}",
  ]);
  if (nodes.status !== 0) return [`docker node ls failed: ${nodes.stderr.trim()}`];
  if (nodes.stdout.trim() === "")
    return [
      `no node is labelled ${DATA_NODE_LABEL}=true for PostgreSQL, Redis, its Sentinels and MinIO, whose volumes stay on one node: ` +
        `label one with docker node update --label-add ${DATA_NODE_LABEL}=true ${nodeId ?? "<node>"}`,
    ];
  return [];
}

/** The command line; returns the exit code. `run` is docker (the tests pass a fake). */
export async function main(argv: readonly string[], run: Docker = docker): Promise<number> {
  let envFile = path.join(LOCAL_ROOT, ".env");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--env-file" && argv[i + 1]) envFile = path.resolve(argv[++i]!);
    else {
      const help = a === "-h" || a === "--help";
      process.stderr.write(`${help ? "" : `unknown argument ${a}\n`}${USAGE}\n`);
      return help ? 0 : 1;
    }
  }
  const fail = (problems: readonly string[]) => {
    process.stderr.write(
      `swarm-secrets: the Swarm is not ready for docker-stack.yml:\n${problems.map((p) => `  - ${p}\n`).join("")}`,
    );
    return 1;
  };
  if (!existsSync(envFile)) return fail([`${envFile} does not exist: run make env`]);

  let config: FerrumConfig;
  let needed: readonly string[];
  try {
    config = loadComposeConfig();
    needed = (await renderSwarm(config)).secrets;
  } catch (err) {
    return fail([err instanceof Error ? err.message : String(err)]);
  }
  const swarm = swarmProblems(run);
  if (swarm.length) return fail(swarm);

  const listed = run(["secret", "ls", "--format", "{{.Name}}"]);
  if (listed.status !== 0) return fail([`docker secret ls failed: ${listed.stderr.trim()}`]);
  const existing = new Set(
    listed.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
  );
  const plan = planSecrets(needed, readFileSync(envFile, "utf8"), existing, composeVariables(config));
  if (plan.problems.length) return fail(plan.problems);

  for (const s of plan.create) {
    const r = run(["secret", "create", s.name, "-"], s.value);
    if (r.status !== 0) return fail([`docker secret create ${s.name} failed: ${r.stderr.trim()}`]);
  }
  process.stdout.write(
    `swarm-secrets: ${plan.create.length} created, ${plan.keep.length} already in the Swarm (left as they are)\n` +
      plan.create.map((s) => `  created ${s.name}\n`).join(""),
  );
  return 0;
}

if (require.main === module) runCommand("swarm-secrets", (argv) => main(argv));
