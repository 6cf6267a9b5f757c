/**
 * Secret-leak scan of a plan. The secrets: every value inside a secret envelope of any resource's inputs or
 * outputs (generated passwords, keys, connection URLs) and every secret config value (the plan's placeholders
 * for the `ferrum:*` secret keys). Where they must never appear: anything the plan does not hold as a secret,
 * that is every input outside an envelope (so every label, annotation, ConfigMap and plain env var) and every
 * non-secret stack output. Each secret is looked for verbatim, base64-encoded, URL-encoded, and inside any
 * base64- or URL-encoded text found there. Messages name a secret by where it comes from, never by its value.
 * Pure.
 */
import { isSecretEnvelope } from "../envelope";

/** Shorter secret values (ports, shop ids) would match by chance; none of the generated ones is this short. */
export const MIN_SECRET_LENGTH = 8;

export interface SecretValue {
  readonly value: string;
  /** Where it comes from: `random:index/randomPassword:RandomPassword "x" outputs.result`, `config ferrum:key`. */
  readonly origin: string;
}

export interface VisibleText {
  readonly text: string;
  /** `kubernetes:core/v1:ConfigMap "x" inputs.data.KEY`, `stack output name`. */
  readonly where: string;
}

export interface Leak {
  readonly origin: string;
  readonly where: string;
  readonly encoding: "verbatim" | "base64" | "URL-encoded" | "inside base64 text" | "inside URL-encoded text";
}

/** The part of a plan the scan reads (a PlanResult has it). */
export interface ScannedPlan {
  readonly resources: readonly {
    readonly type: string;
    readonly name: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly state: Readonly<Record<string, unknown>>;
  }[];
  readonly outputs: readonly { readonly name: string; readonly secret: boolean; readonly value: unknown }[];
}

/** `path.key`, `path[0]`, or `path["key.with/dots"]`. */
function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function walk(
  v: unknown,
  path: string,
  inSecret: boolean,
  visit: (leaf: string, path: string, secret: boolean) => void,
): void {
  if (isSecretEnvelope(v)) return walk(v.value, path, true, visit);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, join(path, i), inSecret, visit));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (!inSecret) visit(k, join(path, k), false); // keys are visible too
      walk(x, join(path, k), inSecret, visit);
    }
  } else if (typeof v === "string" || typeof v === "number") visit(String(v), path, inSecret);
}

/** Every secret of a plan: envelope values of inputs and outputs, and the secret config values given. */
export function collectSecrets(
  plan: ScannedPlan,
  configSecrets: Readonly<Record<string, string>>,
): SecretValue[] {
  const found = new Map<string, string>();
  const add = (value: string, origin: string) => {
    if (value.length >= MIN_SECRET_LENGTH && !found.has(value)) found.set(value, origin);
  };
  for (const [key, value] of Object.entries(configSecrets)) add(value, `config ${key}`);
  for (const r of plan.resources) {
    for (const [part, props] of [
      ["inputs", r.inputs],
      ["outputs", r.state],
    ] as const) {
      walk(props, part, false, (leaf, path, secret) => {
        if (secret) add(leaf, `${r.type} "${r.name}" ${path}`);
      });
    }
  }
  return [...found].map(([value, origin]) => ({ value, origin }));
}

/** Everything the plan shows in the clear: inputs outside envelopes, non-secret stack outputs. */
export function visibleTexts(plan: ScannedPlan): VisibleText[] {
  const texts: VisibleText[] = [];
  for (const r of plan.resources) {
    walk(r.inputs, "inputs", false, (leaf, path, secret) => {
      if (!secret) texts.push({ text: leaf, where: `${r.type} "${r.name}" ${path}` });
    });
  }
  for (const o of plan.outputs.filter((x) => !x.secret)) {
    walk(o.value, "", false, (leaf, path, secret) => {
      if (!secret) texts.push({ text: leaf, where: `stack output ${o.name}${path ? `.${path}` : ""}` });
    });
  }
  return texts;
}

const BASE64_TOKEN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

/** Texts hidden inside a visible text: decoded base64 tokens and the URL-decoded text. */
function decodedForms(text: string): { text: string; encoding: Leak["encoding"] }[] {
  const forms: { text: string; encoding: Leak["encoding"] }[] = [];
  for (const token of text.match(BASE64_TOKEN) ?? []) {
    forms.push({
      text: Buffer.from(token.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("latin1"),
      encoding: "inside base64 text",
    });
  }
  if (text.includes("%")) {
    try {
      forms.push({ text: decodeURIComponent(text), encoding: "inside URL-encoded text" });
    } catch {
      // not URL-encoded after all
    }
  }
  return forms;
}

/** Every place a secret shows up in the clear. */
export function findLeaks(secrets: readonly SecretValue[], texts: readonly VisibleText[]): Leak[] {
  const forms = secrets.map((s) => {
    const b64 = Buffer.from(s.value).toString("base64");
    const url = encodeURIComponent(s.value);
    return { ...s, b64, b64Unpadded: b64.replace(/=+$/, ""), url: url === s.value ? undefined : url };
  });
  const leaks: Leak[] = [];
  for (const t of texts) {
    // Every form of a secret (and every text decoded from a form) is at least as long as the secret.
    if (t.text.length < MIN_SECRET_LENGTH) continue;
    const hidden = decodedForms(t.text);
    for (const s of forms) {
      let encoding: Leak["encoding"] | undefined;
      if (t.text.includes(s.value)) encoding = "verbatim";
      else if (t.text.includes(s.b64) || t.text.includes(s.b64Unpadded)) encoding = "base64";
      else if (s.url && t.text.includes(s.url)) encoding = "URL-encoded";
      else encoding = hidden.find((h) => h.text.includes(s.value))?.encoding;
      if (encoding) leaks.push({ origin: s.origin, where: t.where, encoding });
    }
  }
  return leaks;
}

export function leakMessage(stack: string, l: Leak): string {
  return `${stack}: the secret ${l.origin} appears ${l.encoding} in ${l.where}`;
}

/** Every leak of a plan, as messages, sorted. */
export function scanPlan(
  stack: string,
  plan: ScannedPlan,
  configSecrets: Readonly<Record<string, string>>,
): string[] {
  return findLeaks(collectSecrets(plan, configSecrets), visibleTexts(plan))
    .map((l) => leakMessage(stack, l))
    .sort();
}
