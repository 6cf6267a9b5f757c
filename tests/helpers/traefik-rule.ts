/**
 * A small evaluator of Traefik v3 router rules, enough for the rules the platform renders: `Host`, `Path`,
 * `PathPrefix`, `!`, `&&`, `||` and parentheses, with Traefik's precedence (`!` binds tightest, then `&&`, then
 * `||`). Requests are matched as Traefik matches them: on the host without its port, case-insensitively, and on
 * the path with unreserved percent-encodings decoded (`%6D` is `m`; `%2F` stays encoded). An unknown matcher
 * or token is an error, so a rule this cannot read fails the test instead of passing it.
 */

export interface RuleRequest {
  readonly host: string;
  /** The request target's path as sent, percent-encodings included. */
  readonly path: string;
}

type Node =
  | { kind: "matcher"; name: string; args: string[] }
  | { kind: "not"; of: Node }
  | { kind: "and" | "or"; left: Node; right: Node };

const MATCHERS = ["Host", "Path", "PathPrefix"] as const;

function tokenize(rule: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(&&|\|\||!|\(|\)|,|`[^`]*`|"[^"]*"|[A-Za-z]+)/y;
  let i = 0;
  while (i < rule.length) {
    if (/^\s*$/.test(rule.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(rule);
    if (!m) throw new Error(`cannot read the rule at ${JSON.stringify(rule.slice(i))}`);
    tokens.push(m[1]!);
    i = re.lastIndex;
  }
  return tokens;
}

export function parseRule(rule: string): Node {
  const tokens = tokenize(rule);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string => {
    const t = tokens[pos++];
    if (t === undefined || (expected !== undefined && t !== expected))
      throw new Error(`expected ${expected ?? "a token"} at token ${pos - 1} of ${rule}, got ${t}`);
    return t;
  };
  const or = (): Node => {
    let left = and();
    while (peek() === "||") {
      take();
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = unary();
    while (peek() === "&&") {
      take();
      left = { kind: "and", left, right: unary() };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek() === "!") {
      take();
      return { kind: "not", of: unary() };
    }
    if (peek() === "(") {
      take();
      const inner = or();
      take(")");
      return inner;
    }
    const name = take();
    if (!(MATCHERS as readonly string[]).includes(name))
      throw new Error(`unknown matcher ${name} in ${rule}`);
    take("(");
    const args: string[] = [];
    for (;;) {
      const arg = take();
      if (!/^[`"]/.test(arg)) throw new Error(`expected a quoted argument in ${rule}, got ${arg}`);
      args.push(arg.slice(1, -1));
      if (peek() === ",") take();
      else break;
    }
    take(")");
    return { kind: "matcher", name, args };
  };
  const node = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos]} in ${rule}`);
  return node;
}

/** The path Traefik routes on: unreserved percent-encodings decoded, reserved ones (`%2F`, ...) kept. */
export function routingPath(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : whole.toUpperCase();
  });
}

function evaluate(node: Node, req: RuleRequest): boolean {
  switch (node.kind) {
    case "not":
      return !evaluate(node.of, req);
    case "and":
      return evaluate(node.left, req) && evaluate(node.right, req);
    case "or":
      return evaluate(node.left, req) || evaluate(node.right, req);
    case "matcher": {
      const path = routingPath(req.path);
      const host = req.host.replace(/:\d+$/, "").toLowerCase();
      const arg = node.args[0]!;
      if (node.name === "Host") return host === arg.toLowerCase();
      if (node.name === "Path") return path === arg;
      return path.startsWith(arg);
    }
  }
}

/** Whether `rule` matches `req`. */
export function ruleMatches(rule: string, req: RuleRequest): boolean {
  return evaluate(parseRule(rule), req);
}
