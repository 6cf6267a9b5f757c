/**
 * The no-secret rule of docker-compose.yml, as a check over a parsed compose file. Pure. The generator refuses to
 * write a file that fails it, and the tests run it on the committed file and on broken copies.
 *
 * A credential may appear only as a required reference to a secret variable of the registry
 * (`${NAME:?...}`): never a literal, never a reference with a default (the default would be a literal).
 */
import { MISSING_MESSAGE } from "./variables";

/** Environment keys that hold a credential wherever they appear. */
export const CREDENTIAL_KEY = /PASSWORD|SECRET|ACCESS_KEY|_KEY$|REDISCLI_AUTH|ROOT_USER/;

const REQUIRED_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$/;
const ANY_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?[^}]*\}/g;
/** `scheme://user:password@`: the password is a reference (braces, spaces allowed) or a run of URL characters. */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^:@/\s;"]*:(\$\{[^}]*\}|[^@\s;/"]*)@/gi;
const JSON_PASSWORD = /"password"\s*:\s*"([^"]*)"/g;

interface ComposeLike {
  readonly services?: Readonly<Record<string, { readonly environment?: unknown } | null>>;
}

/** Where each string of `value` sits (`services.auth.environment.DATABASE_URL`) and the string. */
function strings(value: unknown, at: string, out: [string, string][] = []): [string, string][] {
  if (typeof value === "string") out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) strings(v, at ? `${at}.${k}` : k, out);
  return out;
}

/**
 * Every place `compose` (parsed, not interpolated) holds a credential other than as a required reference to one
 * of `secretNames`; empty when the file is clean.
 */
export function credentialProblems(compose: ComposeLike, secretNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const requiredSecretRef = (text: string): boolean => {
    const m = REQUIRED_REF.exec(text);
    return m !== null && secretNames.has(m[1]!);
  };
  const hint = `use a required reference to a secret variable, \${NAME:?${MISSING_MESSAGE}}`;

  for (const [name, service] of Object.entries(compose.services ?? {})) {
    const env = service?.environment;
    if (env === undefined) continue;
    if (Array.isArray(env) || typeof env !== "object" || env === null) {
      problems.push(`services.${name}.environment must be a map (KEY: value), so each value can be checked`);
      continue;
    }
    for (const [key, value] of Object.entries(env)) {
      if (CREDENTIAL_KEY.test(key) && !(typeof value === "string" && requiredSecretRef(value))) {
        problems.push(`services.${name}.environment.${key} holds ${JSON.stringify(value)}; ${hint}`);
      }
    }
  }

  for (const [at, text] of strings(compose, "")) {
    for (const m of text.matchAll(URL_PASSWORD)) {
      if (!requiredSecretRef(m[1]!))
        problems.push(`${at}: the URL's password ${JSON.stringify(m[1])}; ${hint}`);
    }
    for (const m of text.matchAll(JSON_PASSWORD)) {
      if (!requiredSecretRef(m[1]!))
        problems.push(`${at}: the JSON password ${JSON.stringify(m[1])}; ${hint}`);
    }
    for (const m of text.matchAll(ANY_REF)) {
      if (secretNames.has(m[1]!) && m[2] !== ":?") {
        problems.push(`${at}: ${m[0]} gives the secret ${m[1]} a default or makes it optional; ${hint}`);
      }
    }
  }
  return problems;
}
