/**
 * Resident memory of a running server, read from /proc: what a container holding it would be charged for.
 *
 * One process: its VmRSS. A server of several processes (PostgreSQL's backends, Celery's prefork children):
 * each process's private pages plus the largest shared set once, since the processes of one server share
 * their libraries and PostgreSQL's shared buffers (adding every process's VmRSS would count those pages once
 * per process).
 */
import { readdirSync, readFileSync } from "node:fs";

/** The process and every process it started, by pid (from each process's parent in /proc/<pid>/stat). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return tree;
}

const kib = (text: string, field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text);
  if (!m) throw new Error(`no ${field} in /proc`);
  return Number(m[1]);
};

export interface ResidentMemory {
  /** Private pages of every process plus the largest shared set, MiB. */
  readonly residentMiB: number;
  /** Every process's VmRSS added up, MiB (counts shared pages once per process: an upper bound). */
  readonly rssSumMiB: number;
  readonly processes: number;
}

/** The resident memory of `pids` (see the module comment). */
export function residentMemory(pids: readonly number[]): ResidentMemory {
  let privateKiB = 0;
  let sharedKiB = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    privateKiB += kib(rollup, "Private_Clean") + kib(rollup, "Private_Dirty");
    sharedKiB = Math.max(sharedKiB, kib(rollup, "Shared_Clean") + kib(rollup, "Shared_Dirty"));
    rssKiB += kib(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
  }
  return {
    residentMiB: Math.ceil((privateKiB + sharedKiB) / 1024),
    rssSumMiB: Math.ceil(rssKiB / 1024),
    processes: pids.length,
  };
}

/** A Kubernetes memory quantity in MiB (harness/dev-budget.ts). */
export { memoryMiB as quantityMiB } from "../../harness/dev-budget";
