/**
 * README and docs/ show code that the tests run; these keep the copies honest. (tests/docs.test.ts checks the
 * links, the orphan pages and the sections the code cites.)
 */
import { readFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
/** Where the settings snippet lives: the dev stack's page, under "A service's settings". */
const devStack = readFileSync(path.join(ROOT, "docs/dev-stack.md"), "utf8");

describe("README and docs/dev-stack.md", () => {
  test("the dev stack page's settings.py snippet is the reference service's tested settings, verbatim", () => {
    const settings = readFileSync(
      path.join(ROOT, "tests/fixtures/django/catalog_service/settings.py"),
      "utf8",
    );
    expect(devStack).toContain("```python\n" + settings + "```");
  });

  test("the two set-up commands are the plan of dev and .ci/run, which calls npm test", () => {
    expect(readme).toContain("npm ci && npm run plan -- dev");
    expect(readme).toContain("bash .ci/run");
    expect(readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toMatch(/\bnpm test\b/);
  });
});
