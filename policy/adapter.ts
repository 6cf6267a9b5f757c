/**
 * From the policy SDK's view of a resource to the rules' {@link GuardedResource}. The SDK hands `props` wrapped
 * in a proxy that throws when a policy reads a value unknown during preview; copying them out turns each such
 * value into {@link UNKNOWN}, so a rule skips that check instead of the whole policy being reported as not run.
 */
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { UNKNOWN, type GuardedResource } from "./resource";

function isUnknownValueError(e: unknown): boolean {
  return (
    e instanceof Error &&
    (e.constructor.name === "UnknownValueError" || /can't be known during preview/.test(e.message))
  );
}

function read(container: Record<string | number, unknown>, key: string | number): unknown {
  try {
    return plain(container[key]);
  } catch (e) {
    if (isUnknownValueError(e)) return UNKNOWN;
    throw e;
  }
}

/** A deep, plain copy of policy props (unknown values as {@link UNKNOWN}). */
export function plain(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  const source = v as Record<string | number, unknown>;
  if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => read(source, i));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) out[key] = read(source, key);
  return out;
}

/** A resource under `validateResource`: its inputs. */
export function fromResourceArgs(args: ResourceValidationArgs): GuardedResource {
  return {
    urn: args.urn,
    type: args.type,
    name: args.name,
    props: plain(args.props) as Record<string, unknown>,
    protect: args.opts.protect === true,
    ...(args.opts.parent ? { parent: args.opts.parent } : {}),
  };
}

/** A resource under `validateStack`: its outputs, parent and property dependencies. */
export function fromPolicyResource(r: PolicyResource): GuardedResource {
  const parent = r.parent?.urn ?? r.opts.parent;
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: plain(r.props) as Record<string, unknown>,
    protect: r.opts.protect === true,
    ...(parent ? { parent } : {}),
    propertyDependencies: Object.fromEntries(
      Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]),
    ),
  };
}
