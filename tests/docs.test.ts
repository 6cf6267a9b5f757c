/**
 * The documentation as a whole: README stays an overview, every relative link and #anchor in README.md and
 * docs/ resolves, every docs/ page is reachable, and no file cites notes users do not have. Each check is also
 * run on a deliberately broken input, so none of them can pass by finding nothing.
 */
import { execFileSync } from "child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import {
  anchors,
  brokenLinks,
  citationsOutside,
  links,
  orphanPages,
  readmeCitations,
  slug,
  unresolvedCitations,
} from "./helpers/docs";

const ROOT = path.resolve(__dirname, "..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");
const exists = (rel: string) => existsSync(path.join(ROOT, rel));
const readPage = (rel: string) => (rel.endsWith(".md") && exists(rel) ? read(rel) : undefined);

/** Every file git tracks, outside node_modules. */
const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
  .split("\0")
  .filter(
    (f) =>
      f !== "" &&
      !f.split("/").includes("node_modules") &&
      exists(f) &&
      statSync(path.join(ROOT, f)).isFile(),
  );
/** README.md and every page under docs/ (tracked or not yet: a new page is checked before it is committed). */
const pages = (): Record<string, string> => {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(`${dir}/${d.name}`) : d.name.endsWith(".md") ? [`${dir}/${d.name}`] : [],
    );
  return Object.fromEntries(["README.md", ...walk("docs")].map((f) => [f, read(f)]));
};
const MAX_README_LINES = 400;
const lineCount = (text: string) => text.replace(/\n$/, "").split("\n").length;

describe("README stays an overview", () => {
  test(`README.md has at most ${MAX_README_LINES} lines`, () => {
    expect(lineCount(read("README.md"))).toBeLessThanOrEqual(MAX_README_LINES);
  });

  test("the line count counts lines (a 401-line text is over)", () => {
    expect(lineCount("x\n".repeat(MAX_README_LINES + 1))).toBe(MAX_README_LINES + 1);
    expect(lineCount("x\n".repeat(MAX_README_LINES))).toBe(MAX_README_LINES);
  });
});

describe("links", () => {
  test("every relative link in README.md and docs/**/*.md names an existing file, and every #anchor a heading of it", () => {
    const all = pages();
    expect(Object.keys(all).length).toBeGreaterThan(20);
    expect(Object.values(all).flatMap((t) => links(t)).length).toBeGreaterThan(50);
    expect(brokenLinks(all, exists, readPage)).toEqual([]);
  });

  test("a link to a missing file, to a missing heading or out of the repository is reported", () => {
    const files = {
      "docs/a.md":
        "# A\n\n## Two words: `code`\n\nSee [b](b.md), [self](#two-words-code), [c](c.md#nowhere).\n",
      "docs/b.md": "# B\n",
      "docs/c.md": "# C\n\n```sh\n# nowhere\n```\n",
      "README.md": "[gone](docs/gone.md) [up](../outside/x.md) `[not](a-link.md)` [web](https://x.org/y.md)",
    };
    const known = (p: string) => p in files;
    const page = (p: string) => files[p as keyof typeof files];
    expect(brokenLinks(files, known, page)).toEqual([
      "docs/a.md: [c](c.md#nowhere): docs/c.md has no heading for #nowhere",
      "README.md: [gone](docs/gone.md): no file docs/gone.md",
      "README.md: [up](../outside/x.md): leaves the repository",
    ]);
  });

  test("anchors are GitHub's: punctuation dropped, backticks gone, repeats numbered", () => {
    expect(slug("How long a first pulumi up takes: --timeline")).toBe(
      "how-long-a-first-pulumi-up-takes---timeline",
    );
    expect(slug("A service's settings")).toBe("a-services-settings");
    expect([...anchors("# X\n## Y\n## Y\n")]).toEqual(["x", "y", "y-1"]);
  });
});

describe("no orphan page", () => {
  test("every docs/ page is linked from README.md or docs/folder-map.md", () => {
    expect(orphanPages(pages())).toEqual([]);
  });

  test("a page nothing links to is reported, and a link from another docs page does not count", () => {
    expect(
      orphanPages({
        "README.md": "[a](docs/a.md)",
        "docs/folder-map.md": "[b](b.md#x)",
        "docs/a.md": "[c](c.md)",
        "docs/b.md": "",
        "docs/c.md": "",
      }),
    ).toEqual(["docs/c.md"]);
  });
});

describe("no file cites what users do not have", () => {
  test("no tracked file cites the retired design notes or a path outside the repository", () => {
    expect(tracked.length).toBeGreaterThan(300);
    // This file and its helper name what they look for.
    const own = new Set(["tests/docs.test.ts", "tests/helpers/docs.ts"]);
    const files = Object.fromEntries(
      tracked.filter((f) => !own.has(f)).map((f) => [f, readFileSync(path.join(ROOT, f), "latin1")]),
    );
    expect(citationsOutside(files)).toEqual([]);
  });

  test("finds the design notes and every upward path that leaves the repository, and nothing else", () => {
    const design = ["DESIGN", "md"].join(".");
    expect(
      citationsOutside({
        "a.ts": `// see ${design}`,
        "b.md": "[x](../notes/y.md)",
        "docs/c.md": "[in](../README.md) [out](../../notes/z.md)",
        "lib/d.ts": 'import { x } from "../config/types"; // cd "$(dirname "$0")/.."',
      }),
    ).toEqual([`a.ts: "${design}"`, 'b.md: "../notes/y.md"', 'docs/c.md: "../../notes/z.md"']);
  });
});

describe("README sections the code cites", () => {
  /** Source, stack files, workflows and scripts: where messages and comments cite README. */
  const sources = tracked.filter(
    (f) => /\.(ts|js|sh|py|ya?ml)$/.test(f) && !f.startsWith("tests/") && !f.startsWith("docs/"),
  );
  const cited = readmeCitations(Object.fromEntries(sources.map((f) => [f, read(f)])));

  test('every title cited as README, "X" is a heading of README or the text of one of its links', () => {
    expect(cited.size).toBeGreaterThan(15);
    expect(unresolvedCitations(read("README.md"), cited)).toEqual([]);
  });

  test("a title README neither heads nor links is reported, with the file citing it", () => {
    const c = readmeCitations({
      "x.ts":
        '// README, "Rotating the\n// Redis passwords"\nthrow new Error(`(README: \\"Where pulumi up runs\\")`);',
      "y.yaml": '# README: "Nowhere at all"',
    });
    expect([...c.keys()]).toEqual(["Rotating the Redis passwords", "Where pulumi up runs", "Nowhere at all"]);
    const readme =
      "# T\n## Where pulumi up runs\n[Rotating the Redis passwords](docs/r.md)\n`[Nowhere at all](x.md)`";
    expect(unresolvedCitations(readme, c)).toEqual(['y.yaml: README, "Nowhere at all"']);
  });
});
