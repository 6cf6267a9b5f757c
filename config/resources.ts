/** `resources` objects: a container's requests and limits, read with the limits at least the requests. */
import type { ObjectReader } from "./reader";
import type { ResourceSpec } from "./types";

/** Reads one `resources` object over `defaults`; rejects unknown keys, so call it after reading any sibling field. */
export function readResources(r: ObjectReader, defaults: ResourceSpec): ResourceSpec {
  const spec = {
    cpuMillicores: r.integer("cpuMillicores", defaults.cpuMillicores, 10, 64000),
    cpuLimitMillicores: r.integer("cpuLimitMillicores", defaults.cpuLimitMillicores, 10, 64000),
    memoryMiB: r.integer("memoryMiB", defaults.memoryMiB, 16, 262144),
    memoryLimitMiB: r.integer("memoryLimitMiB", defaults.memoryLimitMiB, 16, 262144),
  };
  r.rejectUnknown();
  r.atLeast("cpuLimitMillicores", spec.cpuLimitMillicores, "cpuMillicores", spec.cpuMillicores);
  r.atLeast("memoryLimitMiB", spec.memoryLimitMiB, "memoryMiB", spec.memoryMiB);
  return spec;
}
