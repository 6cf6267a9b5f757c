/**
 * The entrypoint wrapper of docker-stack.yml (compose/swarm/entrypoint.sh) under real shells, with fake Swarm
 * secret files: dash (the sh of the Debian-based images: postgres, redis, python) and bash in POSIX mode (the sh
 * of the Red Hat-based MinIO images). No Docker: each service's environment, as docker-stack.yml gives it, goes
 * through the wrapper into `env`, and what the command sees is compared with what docker-compose.yml gives the
 * same service with the same credentials.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse } from "yaml";
import { ENTRYPOINT_FILE, ENTRYPOINT_PATH, SECRETS_DIR_ENV } from "../../local/generator/entrypoint";
import { interpolate } from "../../local/generator/interpolate";
import { COMPOSE_FILE, STACK_FILE } from "../../local/generator/model";
import { loadComposeConfig } from "../../local/generator/source";
import { composeVariables } from "../../local/generator/variables";
import { assignedValues, renderEnvFile } from "../../local/make-env";
import { requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/tools/swarm-entrypoint.real.test.ts", [TOOLS.dash, TOOLS.bash]);

const ROOT = path.resolve(__dirname, "../..");
/** Where `npm run compose` writes (local/). */
const LOCAL = path.join(ROOT, "local");
const WRAPPER = path.join(LOCAL, ENTRYPOINT_FILE);
/** The shells, with what each adds to the environment it execs with (its working directory, bash's level). */
const SHELLS = {
  dash: { argv: ["dash"], adds: (cwd: string) => ({ PWD: cwd }) },
  "bash --posix": { argv: ["bash", "--posix"], adds: (cwd: string) => ({ PWD: cwd, SHLVL: "0" }) },
} as const;

let dir: string;
let secretsDir: string;
/** A `.env` as make-env writes it. */
let dotenv: Map<string, string>;
/** docker-stack.yml as docker stack deploy reads it with nothing in the shell (settings at their defaults). */
let stack: any;
/** docker-compose.yml as docker-compose reads it with that `.env`. */
let compose: any;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ferrum-swarm-entrypoint-"));
  secretsDir = path.join(dir, "secrets");
  spawnSync("mkdir", [secretsDir]);
  dotenv = assignedValues(renderEnvFile(composeVariables(loadComposeConfig())));
  // As `docker secret create NAME -` gets them from local/swarm-secrets.ts: the value, no newline.
  for (const [name, value] of dotenv)
    if (name.startsWith("FERRUM_")) writeFileSync(path.join(secretsDir, name), value);
  stack = interpolate(parse(readFileSync(path.join(LOCAL, STACK_FILE), "utf8"), { version: "1.1" }), {});
  compose = interpolate(
    parse(readFileSync(path.join(LOCAL, COMPOSE_FILE), "utf8")),
    Object.fromEntries(dotenv),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The wrapper under `shell` with exactly `env` (and the fake secrets' directory), running `command`. */
function wrap(
  shell: keyof typeof SHELLS,
  env: Record<string, string>,
  command: string[],
  secrets = secretsDir,
) {
  return spawnSync(SHELLS[shell].argv[0], [...SHELLS[shell].argv.slice(1), WRAPPER, ...command], {
    cwd: dir,
    env: { ...env, [SECRETS_DIR_ENV]: secrets },
    encoding: "utf8",
    timeout: 10_000,
  });
}

/** `env -0` output as a map. */
const envOf = (stdout: string): Record<string, string> =>
  Object.fromEntries(
    stdout
      .split("\0")
      .filter(Boolean)
      .map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );

/** The services whose entrypoint is the wrapper. */
const wrapped = (): [string, any][] =>
  Object.entries<any>(stack.services).filter(([, s]) => s.entrypoint?.[1] === ENTRYPOINT_PATH);

describe("the entrypoint wrapper, under the images' shells", () => {
  test.each(Object.keys(SHELLS) as (keyof typeof SHELLS)[])(
    "%s: every wrapped service's command sees exactly docker-compose.yml's environment for it",
    (shell) => {
      const names = wrapped().map(([n]) => n);
      expect(names.length).toBe(Object.keys(stack.services).length - 1); // all but Traefik
      for (const [name, svc] of wrapped()) {
        const r = wrap(shell, svc.environment, ["/usr/bin/env", "-0"]);
        expect([name, r.stderr, r.status]).toEqual([name, "", 0]);
        expect([name, envOf(r.stdout)]).toEqual([
          name,
          { ...compose.services[name].environment, ...SHELLS[shell].adds(dir) },
        ]);
      }
      expect(compose.services.auth.environment.DATABASE_URL).toBe(
        `postgres://ferrum_auth_a:${dotenv.get("FERRUM_AUTH_DB_PASSWORD")}@postgres:5432/ferrum_auth?sslmode=prefer&options=-c%20role%3Dferrum_auth`,
      );
    },
  );

  test("the command's arguments pass through untouched: spaces, quotes, $, backquotes and ~~", () => {
    const args = [
      "a b",
      "'q'",
      '"d"',
      "$HOME",
      "`x`",
      "$(touch pwned)",
      "~~FERRUM_REDIS_ADMIN_PASSWORD~~",
      "",
    ];
    const r = wrap("dash", {}, ["/usr/bin/printf", "<%s>\\n", ...args]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(args.map((a) => `<${a}>\n`).join(""));
    expect(existsSync(path.join(dir, "pwned"))).toBe(false);
  });

  test("neither a template nor a secret's content is evaluated by the shell", () => {
    const odd = path.join(dir, "odd-secrets");
    spawnSync("mkdir", [odd]);
    writeFileSync(path.join(odd, "S"), "$(touch pwned-by-secret)`touch b`\n");
    const r = wrap(
      "dash",
      { V: "x$(touch pwned-by-template)~~S~~$HOME y", FERRUM_TEMPLATED_ENV: "V" },
      ["/usr/bin/env", "-0"],
      odd,
    );
    expect(r.status).toBe(0);
    expect(envOf(r.stdout).V).toBe("x$(touch pwned-by-template)$(touch pwned-by-secret)`touch b`$HOME y");
    expect(
      ["pwned-by-template", "pwned-by-secret", "b"].filter((f) => existsSync(path.join(dir, f))),
    ).toEqual([]);
  });

  const marker = () => path.join(dir, "ran");
  test.each([
    [
      "a secret that is not mounted",
      { URL: "redis://:~~FERRUM_NOT_MOUNTED~~@redis", FERRUM_TEMPLATED_ENV: "URL" },
      "the secret FERRUM_NOT_MOUNTED is not mounted at SECRETS/FERRUM_NOT_MOUNTED: create it (make swarm-secrets) and list it under the service's secrets",
    ],
    ["an empty secret", { URL: "~~EMPTY~~", FERRUM_TEMPLATED_ENV: "URL" }, "the secret EMPTY is empty"],
    [
      "a listed variable without a token",
      { URL: "redis://redis", FERRUM_TEMPLATED_ENV: "URL" },
      "URL is listed in FERRUM_TEMPLATED_ENV but holds no ~~NAME~~",
    ],
    [
      "a list entry that is not a variable name",
      { FERRUM_TEMPLATED_ENV: "URL;touch" },
      "'URL;touch' in FERRUM_TEMPLATED_ENV is not a variable name",
    ],
    [
      "a token that is not a secret name",
      { URL: "~~../etc/passwd~~", FERRUM_TEMPLATED_ENV: "URL" },
      "'../etc/passwd' is not a secret name (letters, digits and _ only)",
    ],
  ])("bad case: %s stops the container before its command, naming it", (_, env, message) => {
    writeFileSync(path.join(secretsDir, "EMPTY"), "");
    const r = wrap("dash", env as Record<string, string>, ["/usr/bin/touch", marker()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`ferrum-entrypoint: ${message.replace(/SECRETS/g, secretsDir)}\n`);
    expect(existsSync(marker())).toBe(false);
  });

  test("bad case: no command is an error, not an empty exec", () => {
    const r = wrap("dash", {}, []);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`ferrum-entrypoint: no command to run: sh ${ENTRYPOINT_PATH} COMMAND [ARG...]\n`);
  });
});
