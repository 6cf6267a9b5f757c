/**
 * What tests/docs.test.ts checks in the project's Markdown, as pure functions over text so each check can be
 * shown to fail on a broken input: relative links and their #anchors, orphan pages, forbidden citations.
 */
import * as path from "path";

/** GitHub's anchor of a heading: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Lines outside fenced code blocks (a `# comment` in a shell block is not a heading). */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** The headings of a page, as their text without backticks. */
export function headings(markdown: string): string[] {
  return proseLines(markdown).flatMap((line) => {
    const m = /^#{1,6} (.+)$/.exec(line);
    return m ? [m[1]!.replace(/`/g, "").trim()] : [];
  });
}

/** Every anchor a page's headings make, numbered as GitHub numbers repeated ones (`x`, `x-1`, ...). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const h of headings(markdown)) {
    const base = slug(h);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  readonly text: string;
  readonly target: string;
}

/**
 * Inline links `[text](target)` in prose. Inline code is read as plain text with its brackets blanked, so a
 * `cidrs[0]` or a link shown as code is no link, and a link's text keeps its code (without the backticks).
 */
export function links(markdown: string): Link[] {
  const prose = proseLines(markdown)
    .join("\n")
    .replace(/`([^`\n]*)`/g, (_, code: string) => code.replace(/[[\]()]/g, " "));
  return [...prose.matchAll(/\[([^\]]+)\]\(([^)\s]+)\)/g)].map((m) => ({
    text: m[1]!.trim(),
    target: m[2]!,
  }));
}

/** Whether a link leaves the repository (a URL or a mail address). */
export const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target);

/**
 * The relative links of `files` (repository path to text) that do not resolve: to a path missing from
 * `exists`, or to an #anchor the target Markdown page has no heading for. Each as `file: [text](target): why`.
 */
export function brokenLinks(
  files: Readonly<Record<string, string>>,
  exists: (repoPath: string) => boolean,
  readPage: (repoPath: string) => string | undefined,
): string[] {
  return Object.entries(files).flatMap(([file, text]) =>
    links(text)
      .filter((l) => !isExternal(l.target))
      .flatMap((l) => {
        const [target, anchor] = l.target.split("#", 2) as [string, string | undefined];
        const repoPath =
          target === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
        const where = `${file}: [${l.text}](${l.target})`;
        if (repoPath.startsWith("..")) return [`${where}: leaves the repository`];
        if (!exists(repoPath)) return [`${where}: no file ${repoPath}`];
        if (anchor === undefined) return [];
        const page = readPage(repoPath);
        if (page === undefined)
          return [`${where}: ${repoPath} is not a Markdown page, so it has no #${anchor}`];
        return anchors(page).has(anchor) ? [] : [`${where}: ${repoPath} has no heading for #${anchor}`];
      }),
  );
}

/** The docs/ pages that neither README.md nor docs/folder-map.md links to. */
export function orphanPages(files: Readonly<Record<string, string>>): string[] {
  const linked = new Set<string>();
  for (const from of ["README.md", "docs/folder-map.md"]) {
    for (const l of links(files[from] ?? "")) {
      if (isExternal(l.target)) continue;
      const target = l.target.split("#")[0]!;
      if (target !== "") linked.add(path.posix.normalize(path.posix.join(path.posix.dirname(from), target)));
    }
  }
  return Object.keys(files).filter(
    (f) => f.startsWith("docs/") && f !== "docs/folder-map.md" && !linked.has(f),
  );
}

/** The design notes the project began from, now docs/design.md: users do not have them, so nothing cites them. */
export const RETIRED_DESIGN_NOTES = "DESIGN.md";

/** A relative path that starts by going up: `../x`, `../../x/y`, not part of a longer path. */
const UPWARD_PATH = /(?<![\w./-])(?:\.\.\/)+\w[\w.-]*(?:\/[\w.-]+)*/g;

/**
 * What a user of the repository could not follow: each file's citations of the retired design notes, and
 * every relative path that, read from the file's own folder, leaves the repository (a folder beside the
 * checkout, which a clone does not have). `file: "what"` each.
 */
export function citationsOutside(files: Readonly<Record<string, string>>): string[] {
  return Object.entries(files).flatMap(([file, text]) => [
    ...(text.includes(RETIRED_DESIGN_NOTES) ? [`${file}: "${RETIRED_DESIGN_NOTES}"`] : []),
    ...[...text.matchAll(UPWARD_PATH)]
      .map((m) => m[0])
      .filter((p) => path.posix.normalize(path.posix.join(path.posix.dirname(file), p)).startsWith("../"))
      .map((p) => `${file}: "${p}"`),
  ]);
}

/**
 * The section titles code cites as `README, "X"`, `README: "X"` or `README ("X"` (quotes may be escaped in a
 * string; a title may wrap onto the next comment line), each with the first file citing it.
 */
export function readmeCitations(files: Readonly<Record<string, string>>): Map<string, string> {
  const cited = new Map<string, string>();
  for (const [file, text] of Object.entries(files)) {
    for (const m of text.matchAll(/README[:,]? \(?\\?"([^"\\]{3,100})\\?"/g)) {
      const title = m[1]!.replace(/\s*\n\s*(#|\/\/|\*)?\s*/g, " ");
      if (!cited.has(title)) cited.set(title, file);
    }
  }
  return cited;
}

/**
 * The cited titles README does not lead to: neither one of its headings nor the text of one of its relative
 * links starts with the title (the link itself is checked by brokenLinks).
 */
export function unresolvedCitations(readme: string, cited: ReadonlyMap<string, string>): string[] {
  const titles = [
    ...headings(readme),
    ...links(readme)
      .filter((l) => !isExternal(l.target))
      .map((l) => l.text),
  ];
  return [...cited]
    .filter(([title]) => !titles.some((t) => t.startsWith(title)))
    .map(([title, file]) => `${file}: README, "${title}"`);
}
