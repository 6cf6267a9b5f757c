/** README shows code that the tests run; these keep the copies honest. */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README", () => {
  test("its settings.py snippet is the reference service's tested settings, verbatim", () => {
    const settings = readFileSync(
      path.join(ROOT, "tests/fixtures/django/catalog_service/settings.py"),
      "utf8",
    );
    expect(readme).toContain("```python\n" + settings + "```");
  });

  test("the two set-up commands are the plan of dev and .ci/run, which calls npm test", () => {
    expect(readme).toContain("npm ci && npm run plan -- dev");
    expect(readme).toContain("bash .ci/run");
    expect(readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toMatch(/\bnpm test\b/);
  });

  test("every README section the code, the stack files and the workflows cite is a heading of README", () => {
    const headings = [...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.replace(/`/g, ""));
    const files = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir)).flatMap((f) => {
        const rel = path.join(dir, f);
        if (statSync(path.join(ROOT, rel)).isDirectory()) return files(rel);
        return /\.(ts|sh|ya?ml)$/.test(f) ? [rel] : [];
      });
    const sources = [
      ...["lib", "components", "stacks", "tools", "deployments", ".github"].flatMap(files),
      ...readdirSync(ROOT).filter((f) => /^(Pulumi\..*\.yaml|config\.ts|index\.ts)$/.test(f)),
    ];
    const cited = new Map<string, string>();
    for (const file of sources) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      // README: "X", README, "X", README ("X"; quotes may be escaped inside a string.
      // A citation may wrap onto the next comment line.
      for (const m of text.matchAll(/README[:,]? \(?\\?"([^"\\]{3,100})\\?"/g))
        cited.set(m[1]!.replace(/\s*\n\s*(#|\/\/|\*)?\s*/g, " "), file);
    }
    expect(cited.size).toBeGreaterThan(5);
    const missing = [...cited].filter(([title]) => !headings.some((h) => h.startsWith(title)));
    expect(missing).toEqual([]);
  });
});
