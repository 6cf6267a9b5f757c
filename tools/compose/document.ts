/**
 * Writing a local stack's model as YAML, the same way for docker-compose.yml and docker-stack.yml: YAML 1.1
 * (what docker-compose's PyYAML and docker's go-yaml read: a plain `no` is a boolean, `0444` octal), each Django
 * service's environment once under `x-environments` with an alias per container, comments above the keys. Pure.
 */
import { Document, isScalar, Scalar, YAMLMap } from "yaml";
import type { Json } from "./model";

/** Every string of `value` passed through `resolve` (which turns tokens into the file's reference syntax). */
export function resolveStrings(value: Json, resolve: (text: string) => string): Json {
  if (typeof value === "string") return resolve(value);
  if (Array.isArray(value)) return value.map((v) => resolveStrings(v, resolve));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveStrings(v, resolve)]));
  return value;
}

export interface DocumentParts {
  /** The comment at the top of the file. */
  readonly header: string;
  /** The comment above `x-environments` (the model's first key). */
  readonly environmentsComment: string;
  /** Comments above service keys, by service name. */
  readonly notes: Readonly<Record<string, string>>;
  /**
   * For each key of `x-environments`, the services whose `environment` becomes an alias of it (anchor
   * `<key>-env`).
   */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** Paths of integers written in octal (`0444`), as file modes are read. @default - none */
  readonly octal?: readonly (readonly (string | number)[])[];
}

/** The YAML text of `model` (`x-environments` first, then `services`, then the rest). */
export function writeDocument(model: Json, parts: DocumentParts): string {
  const doc = new Document(model, { aliasDuplicateObjects: false, version: "1.1" });
  doc.commentBefore = parts.header;
  const servicesNode = doc.get("services", true) as YAMLMap<Scalar<string>, YAMLMap>;
  for (const [key, services] of parts.aliases) {
    const envNode = doc.getIn(["x-environments", key], true) as YAMLMap;
    for (const name of services) {
      const svc = servicesNode.get(name, true) as YAMLMap | undefined;
      if (svc) svc.set("environment", doc.createAlias(envNode, `${key}-env`));
    }
  }
  const first = (doc.contents as YAMLMap<Scalar<string>>).items[0]!;
  if (isScalar(first.key)) first.key.commentBefore = parts.environmentsComment;
  for (const pair of servicesNode.items) {
    const note = isScalar(pair.key) ? parts.notes[String(pair.key.value)] : undefined;
    if (note && isScalar(pair.key)) pair.key.commentBefore = note;
  }
  for (const path of parts.octal ?? []) {
    const node = doc.getIn(path, true);
    if (!isScalar(node) || typeof node.value !== "number")
      throw new Error(`compose: no integer at ${path.join(".")} to write in octal`);
    node.format = "OCT";
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}
