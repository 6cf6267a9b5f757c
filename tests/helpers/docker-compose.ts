/**
 * Debian's docker-compose 1.29 as the real-server tests run it: in a scratch folder (docker-compose v1 reads
 * `.env` from the compose file's folder, so a developer's own `.env` never applies) with a clean environment (no
 * variable of the caller's shell fills a reference). `.ci/run` installs it; no Docker engine is needed for
 * `docker-compose config`.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";

const BINARY = "docker-compose";

/** Throws, with the install command, when docker-compose does not answer. */
export function checkDockerCompose(): void {
  const version = spawnSync(BINARY, ["version", "--short"], { encoding: "utf8" });
  if (version.error || version.status !== 0)
    throw new Error(
      `${BINARY} is not installed: apt-get install -y docker-compose (Debian's 1.29; .ci/run installs it)`,
    );
}

/** `docker-compose -f FILE ARGS...` run in `dir`, with only PATH and HOME in its environment. */
export function dockerComposeIn(
  dir: string,
  file: string,
  args: readonly string[],
): SpawnSyncReturns<string> {
  return spawnSync(BINARY, ["-f", file, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    encoding: "utf8",
    timeout: 60_000,
  });
}

/** A copy of `original` with `edit` applied (which must change it), written as `dir/name`. */
export function brokenCopy(
  dir: string,
  original: string,
  name: string,
  edit: (text: string) => string,
): string {
  const file = path.join(dir, name);
  const text = readFileSync(original, "utf8");
  const edited = edit(text);
  if (edited === text) throw new Error(`the edit for ${name} changed nothing: the test would prove nothing`);
  writeFileSync(file, edited);
  return file;
}
