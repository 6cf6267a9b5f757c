/**
 * Schema validation of Kubernetes manifests, in two passes:
 *   1. kubernetes-models (Kubernetes 1.33), @kubernetes-models/traefik (traefik.io/v1alpha1, from Traefik's
 *      v2.10 CRDs) and @kubernetes-models/prometheus-operator (monitoring.coreos.com/v1): types, enums,
 *      formats, required fields;
 *   2. a strict pass over schemas derived from the same packages' declarations (dts-schema.ts): every field
 *      must be declared, which the packages' own validators do not check.
 * Kinds no package covers are validated, both ways, against a JSON Schema in policy/schemas/
 * (`<group>_<version>_<Kind>.json`). A kind with no schema at all is an error.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { DeclarationSchemas } from "./dts-schema";
import { walk, type Definitions, type JsonSchema } from "./json-schema";

/** The Kubernetes version whose OpenAPI schemas kubernetes-models 4.5.1 carries. */
export const KUBERNETES_SCHEMA_VERSION = "1.33";

const ROOT = path.resolve(__dirname, "../..");
/** The policy pack's own folder: what it resolves from, inside this repository or installed on its own. */
const PACK = path.resolve(__dirname, "..");
/** JSON Schemas of kinds no models package covers. */
export const LOCAL_SCHEMA_DIR = path.join(PACK, "schemas");

/** ObjectMeta, which local schemas refer to as `#/definitions/<OBJECT_META.id>`. */
export const OBJECT_META = {
  module: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta",
  type: "IObjectMeta",
  id: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta#IObjectMeta",
} as const;

/** Which package models an API group (loaded by computed path: policy/package.json declares each). */
export function packageFor(group: string): string {
  if (group === "traefik.io" || group === "traefik.containo.us") return "@kubernetes-models/traefik";
  if (group === "monitoring.coreos.com") return "@kubernetes-models/prometheus-operator";
  return "kubernetes-models";
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

interface AjvError {
  instancePath: string;
  message?: string;
  params?: { allowedValues?: unknown[]; missingProperty?: string };
}

/** `/spec/containers/0/image` -> `spec.containers[0].image` */
function dotted(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

function ajvProblem(e: AjvError): string {
  const where = dotted(e.instancePath) || "(root)";
  if (e.params?.missingProperty)
    return `${where === "(root)" ? "" : `${where}.`}${e.params.missingProperty}: required`;
  const allowed = e.params?.allowedValues
    ? ` (${e.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`
    : "";
  return `${where}: ${e.message ?? "invalid"}${allowed}`;
}

const declarationHost = {
  read: (file: string) => readFileSync(file, "utf8"),
  resolve: (specifier: string, fromFile: string) => {
    const js = specifier.startsWith(".")
      ? path.resolve(path.dirname(fromFile), specifier)
      : require.resolve(specifier, { paths: [path.dirname(fromFile)] });
    return js.replace(/\.(js|mjs)$/, "") + ".d.ts";
  },
  id: (file: string) => {
    const i = file.lastIndexOf("node_modules/");
    return (i >= 0 ? file.slice(i + "node_modules/".length) : path.relative(ROOT, file)).replace(
      /\.d\.ts$/,
      "",
    );
  },
};

interface KindSchema {
  readonly label: string;
  /** Pass 1: the package's validator (none for local schemas). */
  readonly model?: ModelClass;
  /** Pass 2: the schema to walk and how strictly. */
  readonly schema: JsonSchema;
  readonly mode: "unknown-fields" | "full";
}

/** Loads schemas as manifests ask for them; one instance shares its derived definitions across objects. */
export class SchemaCatalog {
  private readonly declarations = new DeclarationSchemas(declarationHost);
  private readonly local: Record<string, JsonSchema> = {};
  private readonly kinds = new Map<string, KindSchema | undefined>();

  /** Every definition the strict pass uses (derived and local). */
  get definitions(): Definitions {
    return { ...this.declarations.definitions, ...this.local };
  }

  private lookup(apiVersion: string, kind: string): KindSchema | undefined {
    const key = `${apiVersion}/${kind}`;
    if (this.kinds.has(key)) return this.kinds.get(key);
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    let found: KindSchema | undefined;
    const modulePath = `${packageFor(group)}/${apiVersion}/${kind}`;
    let js: string | undefined;
    try {
      js = require.resolve(modulePath);
    } catch {
      js = undefined;
    }
    if (js) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const model = (require(js) as Record<string, ModelClass>)[kind];
      const schema = this.declarations.rootOf(js.replace(/\.js$/, ".d.ts"), `I${kind}`);
      found = { label: `${packageFor(group)} ${apiVersion} ${kind}`, model, schema, mode: "unknown-fields" };
    } else {
      const file = path.join(LOCAL_SCHEMA_DIR, `${group || "core"}_${version}_${kind}.json`);
      if (existsSync(file)) {
        // Local schemas refer to ObjectMeta by its derived definition: make sure it is loaded.
        this.declarations.rootOf(
          declarationHost.resolve(OBJECT_META.module, path.join(PACK, "package.json")),
          OBJECT_META.type,
        );
        const doc = JSON.parse(readFileSync(file, "utf8")) as { schema: JsonSchema };
        found = { label: path.relative(ROOT, file), schema: doc.schema, mode: "full" };
      }
    }
    this.kinds.set(key, found);
    return found;
  }

  /** Every problem of one manifest, each as `<path>: <problem>`; empty when it is valid. */
  problems(manifest: Record<string, unknown>): string[] {
    const apiVersion = String(manifest.apiVersion);
    const kind = String(manifest.kind);
    const k = this.lookup(apiVersion, kind);
    if (!k) {
      return [
        `no schema for ${apiVersion} ${kind}: it is in none of kubernetes-models (Kubernetes ${KUBERNETES_SCHEMA_VERSION}), ` +
          "@kubernetes-models/traefik, @kubernetes-models/prometheus-operator, nor policy/schemas/",
      ];
    }
    const out: string[] = [];
    if (k.model) {
      try {
        new k.model(manifest).validate();
      } catch (e) {
        const errors = (e as { errors?: AjvError[] }).errors;
        if (!errors) throw e;
        out.push(...errors.map(ajvProblem));
      }
    }
    out.push(...walk(manifest, k.schema, this.definitions, k.mode));
    return [...new Set(out)];
  }
}

/** `apps/v1 Deployment "auth-web"`: how messages name a manifest. */
export function manifestLabel(m: Record<string, unknown>): string {
  const name = (m.metadata as { name?: unknown } | undefined)?.name;
  return `${String(m.apiVersion)} ${String(m.kind)} ${JSON.stringify(name ?? "")}`;
}

/** Every problem of every manifest, as `<manifest>: <path>: <problem>`. */
export function validateManifests(
  manifests: readonly Record<string, unknown>[],
  catalog = new SchemaCatalog(),
): string[] {
  return manifests.flatMap((m) => catalog.problems(m).map((p) => `${manifestLabel(m)}: ${p}`));
}
