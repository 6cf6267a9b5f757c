/**
 * `npm run compose [-- --check] [--root DIR]`
 *
 * Renders docker-compose.yml, the Swarm stack docker-stack.yml and the files they mount (compose/) from the
 * catalog, the dev stack's config and the components' renderers (local/generator/render.ts and swarm.ts), and
 * writes them under DIR (default: local/, this folder), removing files under compose/ that are no longer
 * generated. With --check it writes nothing and exits 1, naming every stale file and the command that
 * regenerates them, when the files under DIR differ from a fresh render.
 * Exit codes: 0 done / current, 1 stale or bad config or usage, 2 an unexpected failure.
 */
import * as path from "path";
import type { FerrumConfig } from "../config";
import { loadComposeConfig } from "./generator/source";
import { staleFiles, staleMessage, writeGenerated } from "./generator/files";
import { GENERATED_FILES, GeneratedFile, LOCAL_ROOT, REGENERATE_COMMAND } from "./generator/model";
import { renderCompose } from "./generator/render";
import { renderSwarm } from "./generator/swarm";
import { runCommand } from "../harness/cli";

/** Every generated file: docker-compose.yml, docker-stack.yml, then compose/... in path order. */
export async function renderGenerated(config: FerrumConfig): Promise<GeneratedFile[]> {
  const [compose, swarm] = await Promise.all([renderCompose(config), renderSwarm(config)]);
  const [composeFile, ...mounted] = compose.files;
  const [stackFile, ...swarmFiles] = swarm.files;
  return [
    composeFile!,
    stackFile!,
    ...[...mounted, ...swarmFiles].sort((a, b) => a.path.localeCompare(b.path)),
  ];
}

const USAGE = `usage: ${REGENERATE_COMMAND} [-- --check] [--root DIR]`;

interface Args {
  readonly check: boolean;
  readonly root: string;
}

function parseArgs(argv: readonly string[]): Args | string {
  let check = false;
  let root = LOCAL_ROOT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--check") check = true;
    else if (a === "--root") {
      const dir = argv[++i];
      if (!dir) return `--root needs a directory\n${USAGE}`;
      root = path.resolve(dir);
    } else if (a === "-h" || a === "--help") return USAGE;
    else return `unknown argument ${a}\n${USAGE}`;
  }
  return { check, root };
}

/** The command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`${args}\n`);
    return args === USAGE ? 0 : 1;
  }
  let files;
  try {
    files = await renderGenerated(loadComposeConfig());
  } catch (err) {
    process.stderr.write(`compose: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (args.check) {
    const problems = staleFiles(args.root, files);
    if (problems.length) {
      process.stderr.write(`${staleMessage(problems)}\n`);
      return 1;
    }
    process.stdout.write(`${GENERATED_FILES} are current (${files.length} files)\n`);
    return 0;
  }
  const r = writeGenerated(args.root, files);
  process.stdout.write(
    `${GENERATED_FILES}: ${r.written.length} written, ${r.removed.length} removed, ${r.unchanged.length} unchanged\n` +
      [...r.written.map((f) => `  wrote   ${f}\n`), ...r.removed.map((f) => `  removed ${f}\n`)].join(""),
  );
  return 0;
}

if (require.main === module) runCommand("compose", main);
