/**
 * No public route reaches a service's metrics: every IngressRoute of every stack's plan, evaluated as Traefik
 * v3 evaluates its rule (tests/helpers/traefik-rule.ts), against `/<service>/metrics`, its sub-paths and
 * encodings of it, while the service's other paths stay routed.
 */
import { METRICS_PATH, SERVICE_NAMES } from "../../config/catalog";
import { manifests } from "../../harness/planner";
import { parseRule, routingPath, ruleMatches } from "../helpers/traefik-rule";
import { sharedPlan } from "../helpers/shared-plans";

const STACKS = ["dev", "prod", "prod-azure"] as const;

interface PlannedRoutes {
  readonly rules: string[];
  readonly apiHost: string;
}

const planned = new Map<string, PlannedRoutes>();

beforeAll(async () => {
  for (const stack of STACKS) {
    const plan = await sharedPlan(stack);
    // Routes that forward to a backend: the edge's redirect on :80 answers every path with a redirect to
    // HTTPS, where these rules decide.
    const routes = (manifests(plan) as any[]).filter(
      (o) =>
        o.kind === "IngressRoute" &&
        o.spec.routes.some((x: any) => x.services.some((s: any) => s.kind !== "TraefikService")),
    );
    const apiUrls = plan.outputs.find((o) => o.name === "apiUrls")!.value as Record<string, string>;
    planned.set(stack, {
      rules: routes.flatMap((r) => r.spec.routes.map((x: { match: string }) => x.match)),
      apiHost: new URL(apiUrls.catalog!).host,
    });
  }
}, 120_000);

/** Paths of `/<service>/metrics` and below, as a client could spell them. */
const metricsPaths = (prefix: string): string[] => [
  `${prefix}${METRICS_PATH}`,
  `${prefix}${METRICS_PATH}/`,
  `${prefix}${METRICS_PATH}/anything`,
  `${prefix}/%6Detrics`,
  `${prefix}/metric%73`,
  `${prefix}${METRICS_PATH}%2F`,
];

describe("the Traefik rule evaluator", () => {
  test("reads the operators with Traefik's precedence and decodes only unreserved characters", () => {
    expect(ruleMatches("Host(`a`) && !Path(`/x`) || Path(`/y`)", { host: "b", path: "/y" })).toBe(true);
    expect(ruleMatches("Host(`a`) && !(Path(`/x`) || Path(`/y`))", { host: "A:443", path: "/z" })).toBe(true);
    expect(routingPath("/%6Detrics%2Fx")).toBe("/metrics%2Fx");
    expect(() => parseRule("HostRegexp(`.*`)")).toThrow("unknown matcher HostRegexp");
  });

  test("control: the route rule before the metrics exclusion did reach /catalog/metrics", () => {
    const old = "Host(`api.ferrum.local`) && (Path(`/catalog`) || PathPrefix(`/catalog/`))";
    expect(ruleMatches(old, { host: "api.ferrum.local", path: "/catalog/metrics" })).toBe(true);
  });
});

describe.each(STACKS)("%s: public routes", (stack) => {
  test.each(SERVICE_NAMES.map((s) => `/${s}`))(
    "no route reaches %s/metrics or below; the service's other paths are routed",
    (prefix) => {
      const { rules, apiHost } = planned.get(stack)!;
      expect(rules.length).toBeGreaterThanOrEqual(SERVICE_NAMES.length);
      for (const path of metricsPaths(prefix)) {
        const reaching = rules.filter((rule) => ruleMatches(rule, { host: apiHost, path }));
        expect({ path, reaching }).toEqual({ path, reaching: [] });
      }
      for (const path of [prefix, `${prefix}/`, `${prefix}/products/`, `${prefix}/healthz/ready`]) {
        const reaching = rules.filter((rule) => ruleMatches(rule, { host: apiHost, path }));
        expect({ path, reaching: reaching.length }).toEqual({ path, reaching: 1 });
      }
    },
  );
});
