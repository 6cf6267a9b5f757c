/**
 * Writing a local stack's model as YAML, the same way for docker-compose.yml and docker-stack.yml: YAML 1.1
 * (what docker-compose's PyYAML and docker's go-yaml read: a plain `no` is a boolean, `0444` octal), what a
 * Django service's containers share written once under an `x-` section with an alias per container, comments
 * above the keys. Pure.
 */
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from "yaml";
import type { Json } from "./model";

/** Every string of `value` passed through `resolve` (which turns tokens into the file's reference syntax). */
export function resolveStrings(value: Json, resolve: (text: string) => string): Json {
  if (typeof value === "string") return resolve(value);
  if (Array.isArray(value)) return value.map((v) => resolveStrings(v, resolve));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveStrings(v, resolve)]));
  return value;
}

/** A top-level `x-` section whose entries several services share, each through an alias. */
export interface SharedSection {
  /** The section's key (`x-environments`); its entries are keyed like DocumentParts.aliases. */
  readonly section: string;
  /** The comment above the section. */
  readonly comment: string;
  /** The service field an alias replaces (`environment`). */
  readonly field: string;
  /** The anchors' suffix: entry `auth` is anchored `auth-<suffix>`. */
  readonly anchorSuffix: string;
}

export interface DocumentParts {
  /** The comment at the top of the file. */
  readonly header: string;
  readonly shared: readonly SharedSection[];
  /** For each entry of the shared sections, the services whose fields become aliases of it. */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** Comments above service keys, by service name. */
  readonly notes: Readonly<Record<string, string>>;
  /** Write every integer under a key named `mode` in octal (`0444`), as file modes are read. @default false */
  readonly octalModes?: boolean;
}

function octalModes(node: unknown): void {
  if (isMap(node))
    for (const pair of node.items) {
      if (
        isScalar(pair.key) &&
        pair.key.value === "mode" &&
        isScalar(pair.value) &&
        typeof pair.value.value === "number"
      )
        pair.value.format = "OCT";
      else octalModes(pair.value);
    }
  else if (isSeq(node)) node.items.forEach(octalModes);
}

/** The YAML text of `model`: a map with `services` and the shared sections. */
export function writeDocument(model: Json, parts: DocumentParts): string {
  const doc = new Document(model, { aliasDuplicateObjects: false, version: "1.1" });
  doc.commentBefore = parts.header;
  const top = doc.contents as YAMLMap<Scalar<string>>;
  const servicesNode = doc.get("services", true) as YAMLMap<Scalar<string>, YAMLMap>;
  for (const shared of parts.shared) {
    for (const [key, services] of parts.aliases) {
      const entry = doc.getIn([shared.section, key], true) as YAMLMap | YAMLSeq;
      for (const name of services) {
        const svc = servicesNode.get(name, true) as YAMLMap | undefined;
        if (svc) svc.set(shared.field, doc.createAlias(entry, `${key}-${shared.anchorSuffix}`));
      }
    }
    const pair = top.items.find((p) => isScalar(p.key) && p.key.value === shared.section);
    if (pair) pair.key.commentBefore = shared.comment;
  }
  for (const pair of servicesNode.items) {
    const note = isScalar(pair.key) ? parts.notes[String(pair.key.value)] : undefined;
    if (note && isScalar(pair.key)) pair.key.commentBefore = note;
  }
  if (parts.octalModes) octalModes(doc.contents);
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}
