/**
 * Writing the generated files and telling whether the committed ones are stale. The only module of the generator
 * that touches the file system; `root` is the directory holding docker-compose.yml and docker-stack.yml (the
 * repository root).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "fs";
import * as path from "path";
import { GENERATED_DIR, GENERATED_FILES, GeneratedFile, REGENERATE_COMMAND } from "./model";

const MODE = { plain: 0o644, executable: 0o755 } as const;

/** Every regular file under `dir`, as POSIX paths relative to `root`. */
function listFiles(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return listFiles(root, rel);
    return [rel];
  });
}

const isExecutable = (file: string): boolean => (statSync(file).mode & 0o100) !== 0;

/**
 * What differs between the files under `root` and a fresh render: each entry names a file and how it is stale
 * (missing, edited, lost its executable bit, or no longer generated). Empty when everything is current.
 */
export function staleFiles(root: string, files: readonly GeneratedFile[]): string[] {
  const problems: string[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const f of files) {
    const abs = path.join(root, f.path);
    if (!existsSync(abs)) {
      problems.push(`${f.path} is missing`);
      continue;
    }
    if (readFileSync(abs, "utf8") !== f.content) problems.push(`${f.path} differs from a fresh render`);
    if (f.executable && !isExecutable(abs)) problems.push(`${f.path} is not executable (mode 0755)`);
  }
  for (const extra of listFiles(root, GENERATED_DIR)) {
    if (!expected.has(extra)) problems.push(`${extra} is not generated any more`);
  }
  return problems;
}

/** The message for stale files: each file and the command that regenerates them. */
export function staleMessage(problems: readonly string[]): string {
  return [
    `${GENERATED_FILES} are stale (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    ...problems.map((p) => `  - ${p}`),
    `They are generated, never edited by hand: regenerate them with \`${REGENERATE_COMMAND}\` and commit the result.`,
  ].join("\n");
}

export interface WriteResult {
  readonly written: string[];
  readonly removed: string[];
  readonly unchanged: string[];
}

/** Writes what differs (content or mode), removes files under compose/ that are no longer generated. */
export function writeGenerated(root: string, files: readonly GeneratedFile[]): WriteResult {
  const result: WriteResult = { written: [], removed: [], unchanged: [] };
  const expected = new Set(files.map((f) => f.path));
  for (const f of files) {
    const abs = path.join(root, f.path);
    const mode = f.executable ? MODE.executable : MODE.plain;
    const same = existsSync(abs) && readFileSync(abs, "utf8") === f.content;
    if (same && (statSync(abs).mode & 0o777) === mode) {
      result.unchanged.push(f.path);
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    if (!same) writeFileSync(abs, f.content, { mode });
    chmodSync(abs, mode);
    result.written.push(f.path);
  }
  for (const extra of listFiles(root, GENERATED_DIR)) {
    if (expected.has(extra)) continue;
    unlinkSync(path.join(root, extra));
    result.removed.push(extra);
  }
  removeEmptyDirs(path.join(root, GENERATED_DIR));
  return result;
}

function removeEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}
