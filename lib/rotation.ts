/**
 * Credential rotation with two alternating slots, `a` and `b`. Pure.
 *
 * A generated credential (a database login's password, an object-store user's secret key) exists twice per
 * service, and the services use one slot at a time. `rotation` counts the rotations done so far: even means
 * slot `a` is in use, odd means `b`. Raising it by one regenerates the secret of the slot that was idle and
 * switches the services to it in the same `pulumi up`; the slot they used until then keeps its secret, so pods
 * still running on it keep working while they are replaced. The next rotation regenerates that one.
 *
 * A slot's secret is regenerated through its RandomPassword's `keepers` (a change replaces the resource, and so
 * its value): the keeper is the rotation at which the slot last came into use. A slot that never has (slot `a`
 * before rotation 2, slot `b` before rotation 1) has no keepers at all, so the secrets a stack had before this
 * scheme existed, which had none, keep their value.
 */

export const CREDENTIAL_SLOTS = ["a", "b"] as const;
export type CredentialSlot = (typeof CREDENTIAL_SLOTS)[number];

/** The highest rotation config accepts: far more than any stack will do, and well inside a safe integer. */
export const MAX_ROTATION = 1_000_000;

/** Whether `rotation` is a count the scheme understands (an integer from 0 to MAX_ROTATION). */
export const isRotation = (rotation: number): boolean =>
  Number.isInteger(rotation) && rotation >= 0 && rotation <= MAX_ROTATION;

/** The slot the services use at `rotation`: `a` when even, `b` when odd. */
export const activeSlot = (rotation: number): CredentialSlot => (rotation % 2 === 0 ? "a" : "b");

/** The other slot: the one the services used before the last rotation, and the next to be regenerated. */
export const idleSlot = (rotation: number): CredentialSlot => (rotation % 2 === 0 ? "b" : "a");

/**
 * The rotation at which `slot` last came into use, which is when its current secret was generated; undefined
 * while it still has the secret it was created with (slot `a` before rotation 2, slot `b` before rotation 1).
 */
export function slotGeneration(rotation: number, slot: CredentialSlot): number | undefined {
  const parity = slot === "a" ? 0 : 1;
  const last = rotation % 2 === parity ? rotation : rotation - 1;
  return last >= 1 ? last : undefined;
}

/** The `keepers` of `slot`'s RandomPassword at `rotation`: none until the slot is first rotated. */
export function slotKeepers(rotation: number, slot: CredentialSlot): Record<string, string> | undefined {
  const generation = slotGeneration(rotation, slot);
  return generation === undefined ? undefined : { rotation: String(generation) };
}
