import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { growth, readBaseline, scanDuplication } from "../../tools/duplication";

const ROOT = path.resolve(__dirname, "../..");

/** A function long enough (over jscpd's 50 tokens and 5 lines) to count as a clone when copied. */
const BODY = `export function settle(values: number[], limit: number): number[] {
  const kept: number[] = [];
  for (const value of values) {
    if (value < 0 || value > limit) continue;
    const rounded = Math.round(value * 100) / 100;
    if (kept.includes(rounded)) continue;
    kept.push(rounded);
  }
  return kept.sort((a, b) => a - b).slice(0, limit);
}
`;

describe("the duplicate-code check", () => {
  it("finds no more clones, duplicated lines or duplicated tokens in the tree than the committed baseline", () => {
    const { counts, clones } = scanDuplication(ROOT);
    const grew = growth(readBaseline(), counts);
    expect({ grew, clones: grew.length ? clones : [] }).toEqual({ grew: [], clones: [] });
  });

  it("counts a copied function as a clone, so growth fails the check", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ferrum-dup-"));
    try {
      writeFileSync(path.join(dir, "a.ts"), BODY);
      writeFileSync(path.join(dir, "b.ts"), BODY.replace("settle", "settleAgain"));
      const { counts, clones } = scanDuplication(dir);
      expect(counts.clones).toBe(1);
      expect(clones[0]).toMatchObject({ first: expect.stringMatching(/a\.ts:\d+-\d+$/) });
      expect(growth({ clones: 0, duplicatedLines: 0, duplicatedTokens: 0 }, counts)).toEqual([
        "clones grew from 0 to 1",
        `duplicatedLines grew from 0 to ${counts.duplicatedLines}`,
        `duplicatedTokens grew from 0 to ${counts.duplicatedTokens}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("does not scan node_modules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ferrum-dup-"));
    try {
      writeFileSync(path.join(dir, "a.ts"), BODY);
      const nm = path.join(dir, "node_modules");
      mkdirSync(nm);
      writeFileSync(path.join(nm, "b.ts"), BODY);
      expect(scanDuplication(dir).counts.clones).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports only the counts that grew", () => {
    expect(
      growth(
        { clones: 24, duplicatedLines: 231, duplicatedTokens: 1902 },
        { clones: 23, duplicatedLines: 231, duplicatedTokens: 1950 },
      ),
    ).toEqual(["duplicatedTokens grew from 1902 to 1950"]);
  });

  it("refuses a baseline file with a count that is not a whole number", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ferrum-dup-"));
    try {
      const file = path.join(dir, "baseline.json");
      writeFileSync(file, JSON.stringify({ clones: 1, duplicatedLines: "2", duplicatedTokens: 3 }));
      expect(() => readBaseline(file)).toThrow(
        `${file}: duplicatedLines must be a whole number >= 0 (got "2")`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pins jscpd to an exact version", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.devDependencies.jscpd).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
