/**
 * harness/plan-diff.ts: two plans agree when only parents (URNs, aliases) moved, and every other change is
 * named.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { planDifferences, urnKey } from "../../harness/plan-diff";
import { main as planMain } from "../../harness/plan";

let base: string;
let dirs: string[] = [];
beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), "ferrum-plan-diff-"));
  const quiet = { write: () => true };
  expect(await planMain(["dev", "--out", base], { out: quiet, err: quiet })).toBe(0);
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A copy of the base plan with its resources.json (and optionally manifests) edited. */
function edited(edit: (resources: any[]) => void, manifests?: (text: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-plan-diff-"));
  dirs.push(dir);
  cpSync(base, dir, { recursive: true });
  const file = path.join(dir, "resources.json");
  const resources = JSON.parse(readFileSync(file, "utf8"));
  edit(resources);
  writeFileSync(file, JSON.stringify(resources, null, 2));
  if (manifests) {
    const m = path.join(dir, "manifests.yaml");
    writeFileSync(m, manifests(readFileSync(m, "utf8")));
  }
  return dir;
}

/** Moves every resource under `component` into a new parent component type, as a restructure would. */
const reparent = (urn: string): string =>
  urn.replace(
    "::pulumi:pulumi:Stack$ferrum:index:RedisHA$",
    "::pulumi:pulumi:Stack$ferrum:index:Moved$ferrum:index:RedisHA$",
  );

test("urnKey drops the stack, project and parent chain", () => {
  expect(
    urnKey(
      "urn:pulumi:dev::ferrum::pulumi:pulumi:Stack$ferrum:index:RedisHA$kubernetes:core/v1:Secret::redis-users",
    ),
  ).toBe("kubernetes:core/v1:Secret::redis-users");
});

test("a plan agrees with itself, and with a copy whose resources moved under a new parent, aliased", () => {
  expect(planDifferences(base, base)).toEqual([]);
  const moved = edited((rs) => {
    for (const r of rs) {
      r.urn = reparent(r.urn);
      if (r.parent) r.parent = reparent(r.parent);
      r.waitsFor = (r.waitsFor ?? []).map(reparent);
      if (r.urn.includes("$ferrum:index:Moved$")) r.options.aliases = [{ spec: { parenturn: "old" } }];
    }
  });
  expect(planDifferences(base, moved)).toEqual([]);
});

test("an input, an option, a wait, a resource and a manifest line that changed are each named", () => {
  const changed = edited(
    (rs) => {
      const secret = rs.find((r) => r.type === "kubernetes:core/v1:Namespace");
      secret.inputs.metadata.labels = { ...secret.inputs.metadata.labels, extra: "x" };
      const sts = rs.find((r) => r.type === "kubernetes:apps/v1:StatefulSet");
      sts.options.protect = !sts.options.protect;
      const job = rs.find((r) => r.type === "kubernetes:batch/v1:Job");
      job.waitsFor = [];
      rs.push({
        ...rs[rs.length - 1],
        name: "brand-new",
        urn: "urn:pulumi:dev::ferrum::x:y:Z::brand-new",
        type: "x:y:Z",
      });
    },
    (text) => text.replace("kind: Namespace", "kind: Namespace\n# edited"),
  );
  const problems = planDifferences(base, changed);
  expect(problems).toEqual(
    expect.arrayContaining([
      "manifests.yaml differs",
      "only after: x:y:Z::brand-new",
      expect.stringMatching(/^changed: kubernetes:core\/v1:Namespace::/),
      expect.stringMatching(/^changed: kubernetes:apps\/v1:StatefulSet::/),
      expect.stringMatching(/^changed: kubernetes:batch\/v1:Job::/),
    ]),
  );
  expect(problems).toHaveLength(5);
});

describe("a resource renamed", () => {
  /** The base plan with the namespace's Namespace renamed, and everything that waits for it following. */
  const renamed = (withAlias: boolean) =>
    edited((rs) => {
      const ns = rs.find((r) => r.type === "kubernetes:core/v1:Namespace");
      const [oldUrn, oldName] = [ns.urn, ns.name];
      ns.name = `${oldName}-renamed`;
      ns.urn = `${oldUrn}-renamed`;
      if (withAlias) ns.options.aliases = [{ spec: { name: oldName, type: "", parenturn: ns.parent } }];
      for (const r of rs) r.waitsFor = (r.waitsFor ?? []).map((u: string) => (u === oldUrn ? ns.urn : u));
    });

  test("with an alias to its old name, is compared with the old one: the plans agree", () => {
    expect(planDifferences(base, renamed(true))).toEqual([]);
  });

  test("without one, is a resource gone and a new one", () => {
    const problems = planDifferences(base, renamed(false));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^only before: kubernetes:core\/v1:Namespace::/),
        expect.stringMatching(/^only after: kubernetes:core\/v1:Namespace::.*-renamed$/),
      ]),
    );
    // What waits for it now waits for a resource of another name: each of those is named too.
    expect(problems.filter((p) => p.startsWith("changed: ")).length).toBeGreaterThan(0);
  });
});

describe("a new component", () => {
  const NEW = "urn:pulumi:dev::ferrum::pulumi:pulumi:Stack$ferrum:index:Grouping::grouping";
  const component = (urn: string, name: string) => ({
    urn,
    type: "ferrum:index:Grouping",
    name,
    parent: "urn:pulumi:dev::ferrum::pulumi:pulumi:Stack::ferrum-dev",
    custom: false,
    waitsFor: [],
    inputs: {},
    options: {},
  });

  test("that parents resources both plans have is a new parent: the plans agree", () => {
    const grouped = edited((rs) => {
      const ns = rs.find((r) => r.type === "kubernetes:core/v1:Namespace");
      ns.parent = NEW;
      ns.options.aliases = [
        { spec: { parenturn: "urn:pulumi:dev::ferrum::pulumi:pulumi:Stack::ferrum-dev" } },
      ];
      rs.push(component(NEW, "grouping"));
    });
    expect(planDifferences(base, grouped)).toEqual([]);
  });

  test("that parents nothing is a new resource", () => {
    const extra = edited((rs) => rs.push(component(NEW, "grouping")));
    expect(planDifferences(base, extra)).toEqual(["only after: ferrum:index:Grouping::grouping"]);
  });
});
