/**
 * The ACL users' passwords and their rotation.
 *
 * Each user has two generated passwords, slots `a` and `b`, each a RandomPassword whose keeper is a generation
 * number: slot `a` follows the odd generations, slot `b` the even ones. Raising `rotation.generation` by one
 * regenerates exactly one slot, the one that becomes current; the other keeps the previous password. So a
 * rotation is two `pulumi up`s (README, "Rotating the Redis passwords"):
 * 1. generation N+1: every server accepts the new and the previous password (the users Job applies that to the
 *    running servers, then switches the credentials they send); every client gets the new one (the services'
 *    Secrets change, so their pods roll; the exporter too).
 * 2. `acceptPrevious: false`, once the rollout is done: the servers drop the previous password.
 * No connection is dropped and no request fails at either step.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { INTERNAL_USERS, PLAINTEXT_ROLES } from "./acl";

/** Rotation of every ACL user's password. */
export interface PasswordRotation {
  /** Raise by one to rotate every password. @default 1 */
  readonly generation?: number;
  /**
   * Servers accept the previous generation's password as well as the current one; set false once every client
   * runs with the current one. Without effect at generation 1.
   * @default true
   */
  readonly acceptPrevious?: boolean;
}

export const DEFAULT_GENERATION = 1;
/** Letters and digits only: Sentinel 7.0 writes the passwords it sends back unquoted into its config. */
export const PASSWORD_LENGTH = 32;

/** Which generation each slot holds at `generation`, and which slot is current. Pure. */
export function passwordSlots(generation: number): { a: number; b: number; current: "a" | "b" } {
  const odd = generation % 2 === 1;
  return {
    a: odd ? generation : generation - 1,
    b: odd ? generation - 1 : generation,
    current: odd ? "a" : "b",
  };
}

/** One user's passwords: the one clients log in with, and the previous one while servers still accept it. */
export interface UserPassword {
  /** Secret. */
  readonly current: pulumi.Output<string>;
  /** Secret; absent at generation 1 and once `acceptPrevious` is false. */
  readonly previous?: pulumi.Output<string>;
}

/** The passwords of `users`, by user. */
export function userPasswords(
  name: string,
  users: readonly string[],
  rotation: Required<PasswordRotation>,
  parent: pulumi.Resource,
): Map<string, UserPassword> {
  const slots = passwordSlots(rotation.generation);
  const keep = rotation.acceptPrevious && rotation.generation > 1;
  return new Map(
    users.map((user) => {
      const slot = (s: "a" | "b"): pulumi.Output<string> =>
        pulumi.secret(
          new random.RandomPassword(
            `${name}-user-${user}-${s}`,
            { length: PASSWORD_LENGTH, special: false, keepers: { generation: String(slots[s]) } },
            { parent },
          ).result,
        );
      const [a, b] = [slot("a"), slot("b")];
      const [current, previous] = slots.current === "a" ? [a, b] : [b, a];
      return [user, keep ? { current, previous } : { current }];
    }),
  );
}

/** `#<sha256 hex>`: how ACL rules give a password without revealing it. Pure. */
export const aclHash = (password: string): string =>
  `#${createHash("sha256").update(password).digest("hex")}`;

/** Users whose passwords the servers hold in the clear (what they send, what the probes log in with). */
const PLAINTEXT_USERS: ReadonlySet<string> = new Set(PLAINTEXT_ROLES.map((r) => INTERNAL_USERS[r]));

/**
 * The users directory a server (or the users Job) reads, as Secret data: a file per user, its passwords one
 * per line, current first. Hashed, except for the users whose passwords the servers need in the clear and for
 * those listed in `alsoPlaintext` (the Job logs in as redis-admin).
 */
export function usersDirectory(
  passwords: ReadonlyMap<string, UserPassword>,
  alsoPlaintext: readonly string[] = [],
): Record<string, pulumi.Output<string>> {
  const plain = new Set([...PLAINTEXT_USERS, ...alsoPlaintext]);
  return Object.fromEntries(
    [...passwords].map(([user, p]) => {
      const all = pulumi.all([p.current, p.previous ?? ""]);
      const file = all.apply(([current, previous]) =>
        [current, previous]
          .filter((pw) => pw !== "")
          .map((pw) => (plain.has(user) ? pw : aclHash(pw)))
          .join("\n"),
      );
      return [user, pulumi.secret(file)];
    }),
  );
}
