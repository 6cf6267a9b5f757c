/**
 * local/swarm-secrets.ts, what `make swarm-deploy` runs before `docker stack deploy`: the Swarm secrets of
 * docker-stack.yml created from `.env` through stdin, existing ones kept, and a Swarm that cannot run the stack
 * (not a manager, no node for the data) refused with the fix. Docker is a recording fake here.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadComposeConfig } from "../../local/generator/source";
import { DATA_NODE_LABEL, renderSwarm } from "../../local/generator/swarm";
import { composeVariables, EnvVariable } from "../../local/generator/variables";
import { assignedValues, renderEnvFile } from "../../local/make-env";
import { Docker, main, planSecrets } from "../../local/swarm-secrets";

let dir: string;
let variables: EnvVariable[];
let needed: readonly string[];
let envText: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-swarm-secrets-"));
  const config = loadComposeConfig();
  variables = composeVariables(config);
  needed = (await renderSwarm(config)).secrets;
  envText = renderEnvFile(variables);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Call {
  readonly args: readonly string[];
  readonly input?: string;
}

/** A docker that answers like a single-node Swarm manager, recording every call. */
function fakeDocker(
  answers: Partial<Record<"info" | "node" | "secret ls", string>> = {},
  existing: string[] = [],
) {
  const calls: Call[] = [];
  const run = (args: readonly string[], input?: string) => {
    calls.push({ args, input });
    const ok = (stdout: string) => ({ status: 0, stdout, stderr: "" });
    if (args[0] === "info") return ok(answers.info ?? "active true n0de1d\n");
    if (args[0] === "node") return ok(answers.node ?? "host-1\n");
    if (args[0] === "secret" && args[1] === "ls") return ok(answers["secret ls"] ?? existing.join("\n"));
    if (args[0] === "secret" && args[1] === "create") return ok(`${args[2]}-id\n`);
    return { status: 1, stdout: "", stderr: `unexpected docker ${args.join(" ")}` };
  };
  return { run, calls };
}

/** main() with `.env` holding `text`, its exit code and what it printed. */
async function runMain(text: string | undefined, run: Docker) {
  const envFile = path.join(dir, `env-${Math.random().toString(36).slice(2)}`);
  if (text !== undefined) writeFileSync(envFile, text);
  const out: string[] = [];
  const err: string[] = [];
  const so = jest.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const se = jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  try {
    const code = await main(["--env-file", envFile], run);
    return { code, stdout: out.join(""), stderr: err.join(""), envFile };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

describe("planSecrets", () => {
  test("creates what the Swarm lacks with .env's values, keeps what it has", () => {
    const plan = planSecrets(needed, envText, new Set(["FERRUM_REDIS_ADMIN_PASSWORD"]), variables);
    const values = assignedValues(envText);
    expect(plan.problems).toEqual([]);
    expect(plan.keep).toEqual(["FERRUM_REDIS_ADMIN_PASSWORD"]);
    expect(plan.create.map((c) => c.name)).toEqual(needed.filter((n) => n !== "FERRUM_REDIS_ADMIN_PASSWORD"));
    for (const c of plan.create) expect(c.value).toBe(values.get(c.name));
    // Every credential of .env that a service reads: the stack needs all of them.
    expect([...needed].sort()).toEqual(
      variables
        .filter((v) => v.kind === "secret")
        .map((v) => v.name)
        .sort(),
    );
  });

  test("bad cases: a value .env lacks, or one that is not letters and digits, is named with its fix", () => {
    const without = envText.replace(/^FERRUM_REDIS_ADMIN_PASSWORD=.*\n/m, "");
    const spaced = envText.replace(/^FERRUM_USER_SECRET_KEY=.*$/m, "FERRUM_USER_SECRET_KEY=with spaces");
    expect(planSecrets(needed, without, new Set(), variables).problems).toEqual([
      "FERRUM_REDIS_ADMIN_PASSWORD is not set in .env: run make env, which appends every missing credential",
    ]);
    expect(planSecrets(needed, spaced, new Set(), variables).problems).toEqual([
      "FERRUM_USER_SECRET_KEY must be letters and digits only (Redis Sentinel and the URLs need it); delete the line and run make env again",
    ]);
  });
});

describe("swarm-secrets", () => {
  test("creates each missing secret with `docker secret create NAME -`, the value on stdin only", async () => {
    const docker = fakeDocker({}, ["FERRUM_REDIS_ADMIN_PASSWORD"]);
    const r = await runMain(envText, docker.run);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const creates = docker.calls.filter((c) => c.args[1] === "create");
    const values = assignedValues(envText);
    expect(creates).toEqual(
      needed
        .filter((n) => n !== "FERRUM_REDIS_ADMIN_PASSWORD")
        .map((n) => ({ args: ["secret", "create", n, "-"], input: values.get(n) })),
    );
    // No value in any argument.
    for (const c of docker.calls)
      for (const v of values.values()) if (v.length >= 20) expect(c.args).not.toContain(v);
    expect(docker.calls[1]!.args).toEqual([
      "node",
      "ls",
      "--filter",
      `node.label=${DATA_NODE_LABEL}=true`,
      "--format",
      "{{.Hostname}}",
    ]);
    expect(r.stdout).toMatch(
      new RegExp(`^swarm-secrets: ${needed.length - 1} created, 1 already in the Swarm`),
    );
  });

  test.each([
    [
      "not in a Swarm",
      { info: "inactive false \n" },
      "this Docker is not part of a Swarm (state inactive): start one with docker swarm init",
    ],
    [
      "a worker",
      { info: "active false n0de1d\n" },
      "this Docker is a Swarm worker: run make swarm-deploy on a manager (docker node ls lists them)",
    ],
    [
      "no node labelled for the data",
      { node: "" },
      `no node is labelled ${DATA_NODE_LABEL}=true for PostgreSQL, Redis, its Sentinels and MinIO, whose volumes stay on one node: label one with docker node update --label-add ${DATA_NODE_LABEL}=true n0de1d`,
    ],
  ])("bad case: %s is refused with the fix, and nothing is created", async (_, answers, message) => {
    const docker = fakeDocker(answers);
    const r = await runMain(envText, docker.run);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`swarm-secrets: the Swarm is not ready for docker-stack.yml:\n  - ${message}\n`);
    expect(docker.calls.filter((c) => c.args[1] === "create")).toEqual([]);
  });

  test("bad case: no .env points at make env; docker is not even asked", async () => {
    const docker = fakeDocker();
    const r = await runMain(undefined, docker.run);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `swarm-secrets: the Swarm is not ready for docker-stack.yml:\n  - ${r.envFile} does not exist: run make env\n`,
    );
    expect(docker.calls).toEqual([]);
  });

  test("bad case: a .env missing a credential creates nothing at all", async () => {
    const docker = fakeDocker();
    const r = await runMain(envText.replace(/^FERRUM_CATALOG_DB_PASSWORD=.*\n/m, ""), docker.run);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FERRUM_CATALOG_DB_PASSWORD is not set in .env: run make env");
    expect(docker.calls.filter((c) => c.args[1] === "create")).toEqual([]);
  });

  test("bad case: without docker the message says so", async () => {
    const r = await runMain(envText, () => ({ status: null, stdout: "", stderr: "spawnSync docker ENOENT" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "docker info failed (is Docker installed and running?): spawnSync docker ENOENT",
    );
  });
});
