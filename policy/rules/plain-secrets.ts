/**
 * Secrets live in Secrets: no ConfigMap entry and no plain container env var has a secret-looking name with a
 * literal value, and no ConfigMap entry or env value holds a URL with a password in it (`scheme://user:pass@`).
 */
import { containers } from "../k8s";
import { arr, label, obj, str, type GuardedResource, type ResourceRule } from "../resource";

/** Words that make a name secret-looking wherever they appear. */
const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASSPHRASE",
  "SECRET",
  "TOKEN",
  "CREDENTIAL",
  "CREDENTIALS",
  "APIKEY",
]);
/** Last words of names that point at a secret rather than hold one (`DB_PASSWORD_FILE`, `SECRET_NAME`). */
const POINTER_WORDS = new Set(["FILE", "PATH", "DIR", "NAME", "REF"]);

/** A name's words, upper-case: `dbPassword`, `db-password` and `DB_PASSWORD` all give `DB PASSWORD`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

/**
 * Whether a variable or key name looks like it holds a secret: it has PASSWORD, SECRET, TOKEN (or a kin) as a
 * word, or KEY as its last word (`API_KEY`, `SECRET_KEY`), or ACCESS KEY (`AWS_ACCESS_KEY_ID`). KEY elsewhere
 * (`REDIS_KEY_PREFIX`), a PUBLIC key and names ending in FILE, PATH, DIR, NAME or REF do not.
 */
export function isSecretName(name: string): boolean {
  const w = words(name);
  if (w.length === 0 || POINTER_WORDS.has(w[w.length - 1]) || w.includes("PUBLIC")) return false;
  if (w.some((x) => SECRET_WORDS.has(x))) return true;
  if (w[w.length - 1] === "KEY") return true;
  return w.some((x, i) => x === "ACCESS" && w[i + 1] === "KEY");
}

/** A value that only refers to another variable (`$(DB_PASSWORD)`, `${X}`, `$X`) holds nothing itself. */
const VARIABLE_REFERENCE = /^\$(\([A-Za-z_][A-Za-z0-9_]*\)|\{[^}]+\}|[A-Za-z_][A-Za-z0-9_]*)$/;

function isLiteral(v: unknown): boolean {
  return typeof v === "string" ? v !== "" && !VARIABLE_REFERENCE.test(v) : v !== undefined && v !== null;
}

const URL_WITH_PASSWORD = /([a-z][a-z0-9+.-]*):\/\/([^\s:@/"']*):([^\s@/"']+)@/gi;

/** `scheme://user:***@` for every URL in `text` with a literal password (variables like `$PASS` excluded). */
export function urlsWithPasswords(text: string): string[] {
  return [...text.matchAll(URL_WITH_PASSWORD)]
    .filter((m) => !m[3].startsWith("$"))
    .map((m) => `${m[1]}://${m[2]}:***@`);
}

function configMapFindings(r: GuardedResource): string[] {
  const out: string[] = [];
  for (const field of ["data", "binaryData"] as const) {
    for (const [key, value] of Object.entries(obj(r.props[field]) ?? {})) {
      if (isSecretName(key) && isLiteral(value)) {
        out.push(
          `${label(r)}: ${field}.${key} looks like a secret and holds a literal value; move it to a Secret`,
        );
      }
      for (const url of urlsWithPasswords(str(value) ?? "")) {
        out.push(`${label(r)}: ${field}.${key} holds a URL with a password (${url}...); move it to a Secret`);
      }
    }
  }
  return out;
}

function envFindings(r: GuardedResource): string[] {
  return containers(r).flatMap((c) =>
    arr(c.spec.env).flatMap((e) => {
      const v = obj(e) ?? {};
      const name = str(v.name) ?? "";
      const where = `${label(r)}: container "${c.name}" env ${name}`;
      const out: string[] = [];
      if (isSecretName(name) && isLiteral(v.value)) {
        out.push(`${where} looks like a secret and has a literal value; use valueFrom.secretKeyRef`);
      }
      for (const url of urlsWithPasswords(str(v.value) ?? "")) {
        out.push(`${where} holds a URL with a password (${url}...); use valueFrom.secretKeyRef`);
      }
      return out;
    }),
  );
}

export const noPlainSecrets: ResourceRule = {
  scope: "resource",
  name: "no-plain-secrets",
  description:
    "No ConfigMap entry or plain env var with a secret-looking name (PASSWORD, SECRET, TOKEN, ...KEY) has a literal value, and none holds a URL with a password.",
  check: (r) => (r.type === "kubernetes:core/v1:ConfigMap" ? configMapFindings(r) : envFindings(r)),
};
