/**
 * Every exported `*Args` interface under components/ documents every argument: a doc comment on each
 * property; `@default` on optional properties only, with the default the code applies (or `@default none -
 * <what happens>`); none on required ones. Read with the TypeScript compiler API, as an editor shows them.
 */
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import ts from "typescript";

const ROOT = path.join(__dirname, "../..");
const COMPONENTS = path.join(ROOT, "components");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

interface ArgProperty {
  readonly where: string;
  readonly optional: boolean;
  readonly doc: string;
  readonly tags: readonly ts.JSDocTag[];
}

/** The properties of every exported interface named `*Args` in `file`. */
function argProperties(file: string): ArgProperty[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: ArgProperty[] = [];
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || !statement.name.text.endsWith("Args")) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const doc = docs
        .map((d) =>
          typeof d.comment === "string" ? d.comment : (d.comment ?? []).map((c) => c.text).join(""),
        )
        .join(" ")
        .trim();
      found.push({
        where: `${path.relative(ROOT, file)}: ${statement.name.text}.${member.name.getText(source)}`,
        optional: member.questionToken !== undefined,
        doc,
        tags: docs.flatMap((d) => [...(d.tags ?? [])]),
      });
    }
  }
  return found;
}

const properties = sources(COMPONENTS).flatMap(argProperties);
const isDefault = (t: ts.JSDocTag) => t.tagName.text === "default";

test("the walk finds the components' args interfaces", () => {
  expect(properties.length).toBeGreaterThan(50);
  expect(properties.map((p) => p.where)).toEqual(
    expect.arrayContaining([
      "components/aws/network.ts: NetworkArgs.settings",
      "components/azure/cluster.ts: AksClusterArgs.deployer",
    ]),
  );
});

test("every argument has a doc comment", () => {
  expect(properties.filter((p) => p.doc === "").map((p) => p.where)).toEqual([]);
});

test("no required argument has @default", () => {
  expect(properties.filter((p) => !p.optional && p.tags.some(isDefault)).map((p) => p.where)).toEqual([]);
});

test("every optional argument has @default with a value", () => {
  const missing = properties.filter((p) => {
    if (!p.optional) return false;
    const d = p.tags.find(isDefault);
    const value = typeof d?.comment === "string" ? d.comment : (d?.comment ?? []).map((c) => c.text).join("");
    return value.trim() === "";
  });
  expect(missing.map((p) => p.where)).toEqual([]);
});
