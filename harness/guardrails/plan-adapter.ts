/**
 * The offline plan's resources as the rules see them: inputs with secret values redacted (`"[secret]"`, as
 * resources.json shows them), `protect` from the recorded resource options.
 */
import { redact } from "../envelope";
import type { PlanResource } from "../mock-runtime";
import type { GuardedResource } from "../../policy/resource";

export function guardedFromPlan(resources: readonly PlanResource[]): GuardedResource[] {
  return resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: redact(r.inputs) as Record<string, unknown>,
    protect: r.options.protect === true,
    ...(r.parent ? { parent: r.parent } : {}),
  }));
}
