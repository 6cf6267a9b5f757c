/** README shows code that the tests run; these keep the copies honest. */
import { readFileSync } from "fs";
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
});
