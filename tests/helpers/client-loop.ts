/**
 * A client loop for the rotation proofs: one attempt after another (each a fresh connection and a query, say)
 * until stopped, recording every success and every failure with the time it started. Bounded in count and
 * in time, so a proof that forgets to stop it still ends.
 */

/** One finished attempt. */
export interface Attempt {
  /** `Date.now()` when it started. */
  readonly at: number;
  /** What the attempt returned (a success), or the error's message (a failure). */
  readonly value?: string;
  readonly error?: string;
}

export interface LoopResult {
  readonly name: string;
  readonly successes: readonly Attempt[];
  readonly failures: readonly Attempt[];
}

export interface ClientLoop {
  readonly name: string;
  /** Attempts so far (while running). */
  readonly count: () => number;
  /** Finishes the attempt under way, then resolves with every attempt made. */
  stop(): Promise<LoopResult>;
}

export interface LoopLimits {
  /** Most attempts, then the loop stops by itself. @default 20000 */
  readonly maxAttempts?: number;
  /** Longest run, then the loop stops by itself. @default 60000 */
  readonly maxMs?: number;
  /** Pause between attempts, milliseconds (a connection kept open queries now and then, not flat out). @default 0 */
  readonly pauseMs?: number;
}

/** Starts `attempt` in a loop at once; it runs until `stop()` or a limit. */
export function startLoop(name: string, attempt: () => Promise<string>, limits: LoopLimits = {}): ClientLoop {
  const maxAttempts = limits.maxAttempts ?? 20_000;
  const deadline = Date.now() + (limits.maxMs ?? 60_000);
  const successes: Attempt[] = [];
  const failures: Attempt[] = [];
  let stopping = false;
  const done = (async () => {
    while (!stopping && successes.length + failures.length < maxAttempts && Date.now() < deadline) {
      const at = Date.now();
      try {
        successes.push({ at, value: await attempt() });
      } catch (err) {
        failures.push({ at, error: (err as Error).message });
      }
      // Let the event loop breathe: other loops and the test's own steps run in between.
      await new Promise((resolve) =>
        limits.pauseMs ? setTimeout(resolve, limits.pauseMs) : setImmediate(resolve),
      );
    }
  })();
  return {
    name,
    count: () => successes.length + failures.length,
    async stop() {
      stopping = true;
      await done;
      return { name, successes, failures };
    },
  };
}

/** Waits until `loop` has made `n` more attempts (or `maxMs` passed: the caller's assertions then fail). */
export async function moreAttempts(loop: ClientLoop, n: number, maxMs = 10_000): Promise<void> {
  const target = loop.count() + n;
  const deadline = Date.now() + maxMs;
  while (loop.count() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
