/** `ferrum:services.<name>`: each catalog service's image, replicas, resources and Celery worker. */
import { parseImage, DIGEST } from "../lib/images";
import { CATALOG, ServiceDefinition } from "./catalog";
import { defaultSizes, WORKER_DEFAULTS_SCALING } from "./defaults";
import { fullKey, type ObjectReader, show } from "./reader";
import { readResources } from "./resources";
import { IMAGE, rule } from "./rules";
import {
  type Cloud,
  type ResourceSpec,
  type ServiceSettings,
  WORKER_KINDS,
  type WorkerSettings,
} from "./types";

/** Fields of `worker` that only a service running Celery can use (the resources are accepted everywhere). */
const CELERY_ONLY_WORKER_FIELDS = [
  "kind",
  "minReplicas",
  "maxReplicas",
  "tasksPerReplica",
  "taskTimeLimitSeconds",
  "maxEtaSeconds",
] as const;

function readWorker(r: ObjectReader, def: ServiceDefinition, resources: ResourceSpec): WorkerSettings {
  const d = WORKER_DEFAULTS_SCALING;
  if (!def.celery) {
    const celeryServices = CATALOG.filter((s) => s.celery).map((s) => s.name);
    for (const field of CELERY_ONLY_WORKER_FIELDS) {
      if (r.value[field] === undefined) continue;
      r.problems.add(
        `${r.path}.${field}`,
        `does nothing on this stack (got ${show(r.value[field])}): ${def.name} runs no Celery worker, only ${celeryServices.join(", ")} do (catalog.ts); remove it with: ${r.problems.remove(`${r.path}.${field}`)}`,
      );
    }
  }
  const kind = r.oneOf("kind", WORKER_KINDS, d.kind);
  const minReplicas = r.integer("minReplicas", d.minReplicas, 0, 50);
  const maxReplicas = r.integer("maxReplicas", d.maxReplicas, 1, 50);
  r.atLeast("maxReplicas", maxReplicas, "minReplicas", minReplicas);
  const scaling = {
    kind,
    minReplicas,
    maxReplicas,
    tasksPerReplica: r.integer("tasksPerReplica", d.tasksPerReplica, 1, 10000),
    // At most an hour: the pods' grace period follows it, and a node drain waits that long.
    taskTimeLimitSeconds: r.integer("taskTimeLimitSeconds", d.taskTimeLimitSeconds, 10, 3600),
    // At most a week: the broker's visibility timeout follows it, and a message lost with its worker comes
    // back only after that timeout.
    maxEtaSeconds: r.integer("maxEtaSeconds", d.maxEtaSeconds, 0, 604800),
  };
  // readResources rejects unknown keys, now knowing the fields read above.
  return { ...scaling, ...readResources(r, resources) };
}

export function readService(
  r: ObjectReader,
  def: ServiceDefinition,
  registry: string,
  tag: string,
  cloud: Cloud,
): ServiceSettings {
  const key = `${r.path}.image`;
  const derived = `${registry}/${def.imageRepository}:${tag}`;
  const image = r.string(
    "image",
    derived,
    rule(IMAGE, "an image reference with a tag or digest", `${registry}/${def.imageRepository}:1.0.0`),
  );
  if (!/[:@][^/]+$/.test(image) && !r.has("digest")) {
    r.problems.invalid(key, "an image reference with a tag or digest", image, `${image}:1.0.0`);
  } else if (cloud !== "k3s" && image !== derived && /:latest$/.test(image)) {
    // A derived image's tag is ferrum:imageTag, which is checked (and named) on its own.
    r.problems.invalid(
      key,
      "pinned to a version or digest in a cloud stack, not :latest",
      image,
      image.replace(/:latest$/, ":1.0.0"),
    );
  }
  const minReplicas = r.integer("minReplicas", 1, 1, 50);
  const maxReplicas = r.integer("maxReplicas", 5, 1, 50);
  r.atLeast("maxReplicas", maxReplicas, "minReplicas", minReplicas);
  const settings: ServiceSettings = {
    ...def,
    image,
    minReplicas,
    maxReplicas,
    targetCpuPercent: r.integer("targetCpuPercent", 70, 10, 100),
    web: readResources(r.object("web"), defaultSizes(cloud).web),
    worker: readWorker(r.object("worker"), def, defaultSizes(cloud).worker),
    beat: readResources(r.object("beat"), defaultSizes(cloud).beat),
    buildContext: r.string("buildContext", ""),
  };
  const digest = readDigest(r, settings);
  r.rejectUnknown();
  return digest ? { ...settings, image: `${image}@${digest}` } : settings;
}

/**
 * `services.<name>.digest`: the digest the image runs by, appended to its reference (derived or set). Not
 * beside a digest in `image`, and not beside a build context, whose build decides the digest.
 */
function readDigest(r: ObjectReader, s: ServiceSettings): string | undefined {
  const key = `${r.path}.digest`;
  const digest = r.string("digest", "", {
    pattern: new RegExp(`^$|${DIGEST.source}`),
    expectation: "an image digest, sha256: and 64 lowercase hex digits",
    example: "sha256:<digest>",
  });
  if (digest === "") return undefined;
  if (s.buildContext !== "") {
    r.problems.add(
      key,
      `does nothing on this stack (got ${JSON.stringify(digest)}): ${s.name} is built from buildContext and runs the digest its build pushes; remove it with: ${r.problems.remove(key)}`,
    );
    return undefined;
  }
  if (parseImage(s.image).digest !== undefined) {
    r.problems.add(
      key,
      `conflicts with the digest in ${fullKey(`${r.path}.image`)} (got ${JSON.stringify(digest)} beside ${JSON.stringify(s.image)}): give the digest in one place; remove it with: ${r.problems.remove(key)}`,
    );
    return undefined;
  }
  return digest;
}
