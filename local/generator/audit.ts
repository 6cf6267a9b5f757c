/**
 * The no-secret rule of docker-compose.yml and docker-stack.yml, as a check over a parsed file. Pure. The
 * generator refuses to write a file that fails it, and the tests run it on the committed files and broken copies.
 *
 * A credential may appear only as a reference to a secret variable of the registry, in the file's syntax
 * (REFERENCES): never a literal, never a reference with a default (the default would be a literal).
 */
import { MISSING_MESSAGE } from "./variables";

/** How a file refers to a credential. */
export interface ReferenceSyntax {
  /** A whole string that refers to a credential; group 1 is its variable's name. */
  readonly whole: RegExp;
  /** How a credential must be written: the fix every problem names. */
  readonly hint: string;
  /**
   * Which `${NAME...}` interpolations of a secret variable are allowed: compose's required one (`${NAME:?...}`),
   * or none (Swarm: `docker stack deploy` interpolates from the deployer's shell, never a place for a secret).
   */
  readonly interpolation: "requiredOnly" | "none";
}

export const REFERENCES = {
  /** docker-compose.yml: a required reference to `.env`. */
  compose: {
    whole: /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$/,
    hint: `use a required reference to a secret variable, \${NAME:?${MISSING_MESSAGE}}`,
    interpolation: "requiredOnly",
  },
  /** docker-stack.yml: a token the entrypoint wrapper replaces with the Swarm secret's file. */
  swarm: {
    whole: /^~~([A-Za-z_][A-Za-z0-9_]*)~~$/,
    hint: "use a token of a secret variable, ~~NAME~~, which the entrypoint wrapper reads from /run/secrets/NAME",
    interpolation: "none",
  },
} as const satisfies Record<string, ReferenceSyntax>;

/** Environment keys that hold a credential wherever they appear. */
export const CREDENTIAL_KEY = /PASSWORD|SECRET|ACCESS_KEY|_KEY$|REDISCLI_AUTH|ROOT_USER/;

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
 * Every place `compose` (parsed, not interpolated) holds a credential other than as a reference, in `syntax`, to
 * one of `secretNames`; empty when the file is clean.
 */
export function credentialProblems(
  compose: ComposeLike,
  secretNames: ReadonlySet<string>,
  syntax: ReferenceSyntax = REFERENCES.compose,
): string[] {
  const problems: string[] = [];
  const requiredSecretRef = (text: string): boolean => {
    const m = syntax.whole.exec(text);
    return m !== null && secretNames.has(m[1]!);
  };
  const hint = syntax.hint;

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
      if (!secretNames.has(m[1]!)) continue;
      if (syntax.interpolation === "none")
        problems.push(`${at}: ${m[0]} interpolates the secret ${m[1]} into the file; ${hint}`);
      else if (m[2] !== ":?")
        problems.push(`${at}: ${m[0]} gives the secret ${m[1]} a default or makes it optional; ${hint}`);
    }
  }
  return problems;
}
