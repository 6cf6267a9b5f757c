/**
 * Pulumi's secret envelope as it appears in deserialized inputs and states, and the helpers that redact it
 * or collect what it hides. Shared by the mock runtime, the plan writer and the leak checks.
 */
import { createHash } from "crypto";

// The SDK's secret envelope, as it appears in deserialized inputs and states.
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const REDACTED = "[secret]";

export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function secretEnvelope<T>(value: T): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Keeps the shape of a secret value (an object's keys) and hides every leaf. */
function hideLeaves(v: unknown): unknown {
  if (isSecretEnvelope(v)) return hideLeaves(v.value);
  if (Array.isArray(v)) return v.map(hideLeaves);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hideLeaves(x)]));
  return REDACTED;
}

/**
 * Replaces every value inside a secret envelope with "[secret]" (or shows it, with showSecrets). A secret
 * object keeps its keys, so a Secret's manifest still says which variables it holds.
 */
export function redact(v: unknown, showSecrets = false): unknown {
  if (isSecretEnvelope(v)) return showSecrets ? redact(v.value, true) : hideLeaves(v.value);
  if (Array.isArray(v)) return v.map((x) => redact(x, showSecrets));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redact(x, showSecrets);
    return out;
  }
  return v;
}

/** Every value inside secret envelopes, flattened to strings: what a leak scan must never find elsewhere. */
export function secretValues(v: unknown, inSecret = false, out: Set<string> = new Set()): Set<string> {
  if (isSecretEnvelope(v)) return secretValues(v.value, true, out);
  if (Array.isArray(v)) v.forEach((x) => secretValues(x, inSecret, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => secretValues(x, inSecret, out));
  else if (inSecret && (typeof v === "string" || typeof v === "number") && String(v) !== "")
    out.add(String(v));
  return out;
}

/** The suffix Pulumi appends to an auto-named object: fixed per logical name, so plans are reproducible. */
export function autoNameSuffix(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 8);
}
