/**
 * The one way the program refuses bad input: every problem with a set of settings (the stack's config, or one
 * component's arguments) is collected, then one ProblemsError lists them all, before anything is registered.
 * A leaf: it imports neither config/ nor components/, so both can use it.
 */
import * as pulumi from "@pulumi/pulumi";

/** One problem: the setting it is about (empty when the message names its own subject) and the whole text. */
export interface Problem {
  readonly key: string;
  readonly message: string;
}

/** The subject of a refusal of the stack's config. */
export const INVALID_CONFIGURATION = "Invalid configuration";

/** The subject of a refusal of a component's arguments: `Invalid arguments of RedisHA redis`. */
export const invalidArguments = (component: string, name: string): string =>
  `Invalid arguments of ${component} ${name}`;

/**
 * Every problem at once. A RunError: Pulumi prints its message without a stack trace, and the offline plan
 * prints the problems of the stack's config the same way.
 */
export class ProblemsError extends pulumi.RunError {
  constructor(
    readonly problems: readonly string[],
    readonly subject: string = INVALID_CONFIGURATION,
  ) {
    const n = problems.length;
    super(`${subject} (${n} problem${n === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Collects problems; `throwIfAny` refuses once with all of them. */
export class Problems {
  readonly list: Problem[] = [];

  /** How a key is named in a message; stack config qualifies bare keys with the project (config/reader.ts). */
  protected name(key: string): string {
    return key;
  }

  /** A problem with `key`: the message reads `<key> <rest>`. */
  add(key: string, rest: string): void {
    const full = this.name(key);
    this.list.push({ key: full, message: `${full} ${rest}` });
  }

  /** A problem whose message names its own subject (a service, a bucket, the component's name). */
  report(message: string): void {
    this.list.push({ key: "", message });
  }

  /** Records `message` when a check fails (`ok` false). */
  check(ok: boolean, message: string): void {
    if (!ok) this.report(message);
  }

  /** Whether a problem with `key` itself is already listed. */
  has(key: string): boolean {
    const full = this.name(key);
    return this.list.some((p) => p.key === full);
  }

  /** The problems' texts, in the order they were found. */
  get messages(): string[] {
    return this.list.map((p) => p.message);
  }

  /** Throws one ProblemsError about `subject` listing every problem; returns when there is none. */
  throwIfAny(subject: string): void {
    if (this.list.length) throw new ProblemsError(this.messages, subject);
  }
}
