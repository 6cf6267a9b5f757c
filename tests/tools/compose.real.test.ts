/**
 * docker-compose.yml as docker-compose itself reads it: Debian's docker-compose 1.29 (`.ci/run` installs it)
 * validates and interpolates the committed file with a `.env` that make-env writes. No Docker engine is needed:
 * `docker-compose config` only parses, validates and interpolates.
 *
 * docker-compose v1 reads `.env` from the folder of the compose file, so every run here uses a copy of the
 * committed file in a scratch folder: a developer's own `.env` (from `make env` / `make up`) in the
 * repository never changes what these tests see.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { expectedComposeServices } from "../helpers/compose";
import { interpolate } from "../../local/generator/interpolate";
import { COMPOSE_FILE } from "../../local/generator/render";
import { loadComposeConfig } from "../../local/generator/source";
import { composeVariables, MISSING_MESSAGE } from "../../local/generator/variables";
import { renderEnvFile } from "../../local/make-env";
import { brokenCopy as copyWith, checkDockerCompose, dockerComposeIn } from "../helpers/docker-compose";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/tools/compose.real.test.ts", [TOOLS.dockerCompose]);

const ROOT = path.resolve(__dirname, "../..");
/** Where `npm run compose` writes (local/). */
const LOCAL = path.join(ROOT, "local");
const COMMITTED = path.join(LOCAL, COMPOSE_FILE);

let dir: string;
/** The committed file, copied into `dir`. */
let committed: string;
let envFile: string;
let env: Record<string, string>;

/** docker-compose on `file`, with the test's `.env` unless `withEnv` is false. */
const dockerCompose = (file: string, args: string[], withEnv = true) =>
  dockerComposeIn(dir, file, [...(withEnv ? ["--env-file", envFile] : []), ...args]);

/** A copy of the committed file with `edit` applied, in the temporary directory. */
const brokenCopy = (name: string, edit: (text: string) => string) => copyWith(dir, COMMITTED, name, edit);

beforeAll(() => {
  checkDockerCompose();
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-compose-real-"));
  committed = path.join(dir, "docker-compose.yml");
  copyFileSync(COMMITTED, committed);
  envFile = path.join(dir, "test.env");
  const text = renderEnvFile(composeVariables(loadComposeConfig()));
  writeFileSync(envFile, text, { mode: 0o600 });
  env = Object.fromEntries(
    text
      .split("\n")
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("docker-compose config (Debian's docker-compose)", () => {
  test("accepts the committed file and lists postgres, redis, the sentinels, minio, traefik, 4 services, 2 workers, 2 beats", () => {
    const r = dockerCompose(committed, ["config", "--services"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const services = r.stdout.trim().split("\n").sort();
    const expected = expectedComposeServices().sort();
    expect(services).toEqual(expected);
    for (const name of [
      "auth",
      "user",
      "content",
      "catalog",
      "auth-worker",
      "catalog-worker",
      "auth-beat",
      "catalog-beat",
    ])
      expect(services).toContain(name);
  });

  test("interpolates it as the tests' reading does: env, commands, healthchecks, images and labels agree", () => {
    const r = dockerCompose(committed, ["config"]);
    expect(r.status).toBe(0);
    // docker-compose prints `$` doubled again; reading its output with no variables undoes just that.
    const theirs = interpolate(parse(r.stdout), {}).services;
    const ours = interpolate(parse(readFileSync(COMMITTED, "utf8")), env).services;
    expect(Object.keys(theirs).sort()).toEqual(Object.keys(ours).sort());
    for (const [name, svc] of Object.entries<any>(ours)) {
      const t = theirs[name];
      for (const key of ["image", "command", "entrypoint", "environment", "labels", "user", "working_dir"])
        expect([name, key, t[key]]).toEqual([name, key, svc[key]]);
      expect([name, t.healthcheck?.test]).toEqual([name, svc.healthcheck?.test]);
      expect([name, t.depends_on]).toEqual([name, svc.depends_on]);
    }
    expect(theirs.auth.environment.DATABASE_URL).toBe(
      `postgres://ferrum_auth_a:${env.FERRUM_AUTH_DB_PASSWORD}@postgres:5432/ferrum_auth?sslmode=prefer&options=-c%20role%3Dferrum_auth`,
    );
  });

  test("bad case: without .env it refuses to run, pointing at make env", () => {
    expect(existsSync(path.join(dir, ".env"))).toBe(false);
    const r = dockerCompose(committed, ["config"], false);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`: ${MISSING_MESSAGE}`);
    expect(r.stderr).toMatch(/\$\{FERRUM_[A-Z_]+:\?run make env\}/);
  });

  test("bad case: a depends_on naming no service is rejected", () => {
    const file = brokenCopy("typo.yml", (t) => t.replace(/^ {6}auth-migrate:$/m, "      auth-migrat:"));
    const r = dockerCompose(file, ["config"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("depends on service 'auth-migrat' which is undefined");
  });

  test('bad case: an unquoted `restart: no` is a YAML 1.1 boolean and rejected (why the generator quotes "no")', () => {
    const file = brokenCopy("unquoted.yml", (t) => t.replace(/restart: "no"/g, "restart: no"));
    const r = dockerCompose(file, ["config"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "services.postgres-bootstrap.restart contains an invalid type, it should be a string",
    );
  });
});
