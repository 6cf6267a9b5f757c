/**
 * docker-stack.yml as docker-compose reads it: Debian's docker-compose 1.29 (`.ci/run` installs it) parses,
 * validates and interpolates the committed stack file (its schema includes `deploy`, `configs` and `secrets`).
 * No Docker engine, and no `.env`: `docker stack deploy` reads none, so every run here uses a copy of the stack
 * file and compose/ in a scratch folder with an empty environment, and any variable the file needed from a
 * `.env` would show up as docker-compose's "variable is not set" warning.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { interpolate } from "../../local/generator/interpolate";
import { GENERATED_DIR, STACK_FILE } from "../../local/generator/model";
import { brokenCopy as copyWith, checkDockerCompose, dockerComposeIn } from "../helpers/docker-compose";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/tools/swarm.real.test.ts", [TOOLS.dockerCompose]);

const ROOT = path.resolve(__dirname, "../..");
/** Where `npm run compose` writes (local/). */
const LOCAL = path.join(ROOT, "local");
/** What docker-compose says of a Swarm-only key (it ignores configs); nothing else may be on stderr. */
const CONFIGS_NOTE =
  /^Some services \([a-z0-9, -]+\) use the 'configs' key, which will be ignored\. Compose does not support 'configs' configuration - use `docker stack deploy` to deploy to a swarm\.\n$/;

let dir: string;
let committed: string;

const dockerCompose = (file: string, args: string[]) => dockerComposeIn(dir, file, args);
const brokenCopy = (name: string, edit: (text: string) => string) => copyWith(dir, committed, name, edit);

beforeAll(() => {
  checkDockerCompose();
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-swarm-real-"));
  committed = path.join(dir, STACK_FILE);
  cpSync(path.join(LOCAL, STACK_FILE), committed);
  cpSync(path.join(LOCAL, GENERATED_DIR), path.join(dir, GENERATED_DIR), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docker-compose config on docker-stack.yml (Debian's docker-compose, no .env)", () => {
  test("accepts the committed stack with no variable from anywhere: no warning but that configs are Swarm's", () => {
    const r = dockerCompose(committed, ["config"]);
    expect(r.stderr).toMatch(CONFIGS_NOTE);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain("variable is not set");
  });

  test("reads it as the tests do: services, commands, environments, secrets, configs, deploy settings agree", () => {
    const r = dockerCompose(committed, ["config"]);
    expect(r.status).toBe(0);
    // docker-compose prints `$` doubled again; reading its output with no variables undoes just that.
    const theirs = interpolate(parse(r.stdout), {});
    const ours = interpolate(parse(readFileSync(committed, "utf8"), { version: "1.1" }), {});
    expect(Object.keys(theirs.services).sort()).toEqual(Object.keys(ours.services).sort());
    for (const [name, svc] of Object.entries<any>(ours.services)) {
      const t = theirs.services[name];
      for (const key of [
        "image",
        "entrypoint",
        "command",
        "environment",
        "labels",
        "user",
        "secrets",
        "configs",
      ])
        expect([name, key, t[key]]).toEqual([name, key, svc[key]]);
      expect([name, t.healthcheck?.test]).toEqual([name, svc.healthcheck?.test]);
      expect([name, t.deploy.labels, t.deploy.update_config, t.deploy.restart_policy]).toEqual([
        name,
        svc.deploy.labels,
        svc.deploy.update_config,
        svc.deploy.restart_policy,
      ]);
    }
    // File modes: written in octal, read as numbers.
    expect(theirs.services.postgres.secrets[0].mode).toBe(0o400);
    expect(theirs.services.traefik.ports).toEqual([
      { published: 80, target: 80 },
      { published: 443, target: 443 },
    ]);
    expect(Object.keys(theirs.secrets).every((s) => theirs.secrets[s].external === true)).toBe(true);
  });

  test("bad case: a variable without a default is reported unset (what a .env would otherwise have to fill)", () => {
    const file = brokenCopy("unset.yml", (t) =>
      t.replace("${FERRUM_HTTPS_PORT:-443}:443", "${FERRUM_HTTPS_PORT}:443"),
    );
    const r = dockerCompose(file, ["config"]);
    expect(r.stderr).toContain("The FERRUM_HTTPS_PORT variable is not set. Defaulting to a blank string.");
  });

  test("bad case: a key the schema does not know is rejected", () => {
    const file = brokenCopy("unknown.yml", (t) =>
      t.replace(/^ {4}stop_grace_period: 60s$/m, "    stop_grace: 60s"),
    );
    const r = dockerCompose(file, ["config"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Unsupported config option for services.postgres: 'stop_grace'");
  });
});
