/**
 * Building blocks of the local services (services.ts): healthchecks with the k8s probes' timings, resources in
 * the model's units, labels, the k8s pod specs read as plain values. Pure.
 */
import type { Component } from "../../lib/labels";
import { PART_OF } from "../../lib/labels";
import type { ComposeService, LocalService, Mount, Resources, SwarmTraits } from "./model";

export interface PlainProbe {
  readonly exec?: { readonly command: readonly string[] };
  readonly httpGet?: { readonly path: string };
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly initialDelaySeconds?: number;
}
export interface PlainContainer {
  readonly name: string;
  readonly command?: readonly string[];
  readonly livenessProbe?: PlainProbe;
  readonly readinessProbe?: PlainProbe;
  readonly startupProbe?: PlainProbe;
}

/** The pod spec builders return plain values for plain inputs; this reads them as such (and checks it). */
export function plainContainers(list: unknown): PlainContainer[] {
  if (!Array.isArray(list)) throw new Error("compose: expected a plain container list from the pod spec");
  return list as unknown as PlainContainer[];
}

export function container(list: PlainContainer[], name: string): PlainContainer {
  const found = list.find((c) => c.name === name);
  if (!found) throw new Error(`compose: the pod spec has no ${name} container`);
  return found;
}

const seconds = (n: number): string => `${n}s`;

/** A compose healthcheck with a k8s probe's timings; `startPeriod` defaults to the probe's initial delay. */
export function healthcheck(
  test: readonly string[],
  probe: PlainProbe,
  startPeriod?: number,
): ComposeService {
  const start = startPeriod ?? probe.initialDelaySeconds ?? 0;
  return {
    test: ["CMD", ...test],
    interval: seconds(probe.periodSeconds ?? 10),
    timeout: seconds(probe.timeoutSeconds ?? 1),
    retries: probe.failureThreshold ?? 3,
    ...(start > 0 ? { start_period: seconds(start) } : {}),
  };
}

/** The startup allowance of a k8s startup probe: period × failure threshold. */
export const startupSeconds = (p: PlainProbe | undefined): number =>
  p ? (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3) : 0;

/** Memory and CPU limits of a k8s container, as compose's `mem_limit` and `cpus`. */
export const limits = (r: Resources): ComposeService => ({
  mem_limit: `${r.memoryLimitMiB}m`,
  cpus: r.cpuLimitMillicores / 1000,
});

/** A Kubernetes quantity of the forms the components write: `250m` or `1` (CPU), `64Mi` or `1Gi` (memory). */
function quantity(value: unknown, unit: "millicores" | "MiB"): number {
  const text = String(value);
  const m = unit === "millicores" ? /^(\d+)(m?)$/.exec(text) : /^(\d+)(Mi|Gi)$/.exec(text);
  if (!m) throw new Error(`compose: cannot read the Kubernetes quantity ${JSON.stringify(value)} as ${unit}`);
  const n = Number(m[1]);
  if (unit === "millicores") return m[2] === "m" ? n : n * 1000;
  return m[2] === "Gi" ? n * 1024 : n;
}

/** A container's `resources` as the k8s pod specs write them, in the model's units. */
export function fromKubernetes(r: { readonly requests?: unknown; readonly limits?: unknown }): Resources {
  const req = (r.requests ?? {}) as Record<string, unknown>;
  const lim = (r.limits ?? {}) as Record<string, unknown>;
  return {
    cpuLimitMillicores: quantity(lim.cpu, "millicores"),
    memoryLimitMiB: quantity(lim.memory, "MiB"),
    ...(req.cpu !== undefined ? { cpuMillicores: quantity(req.cpu, "millicores") } : {}),
    ...(req.memory !== undefined ? { memoryMiB: quantity(req.memory, "MiB") } : {}),
  };
}

export function labels(
  name: string,
  component: Component,
  extra: Record<string, string> = {},
): ComposeService {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    ...extra,
  };
}

export const healthy = { condition: "service_healthy" };
export const started = { condition: "service_started" };
export const completed = { condition: "service_completed_successfully" };

/** A compose/ directory as compose mounts it: read-only, relative to the compose file. */
export const mountString = (m: Mount): string => `./${m.dir}:${m.target}:ro`;

export const service = (name: string, compose: ComposeService, swarm: SwarmTraits): LocalService => ({
  name,
  compose,
  swarm,
});
