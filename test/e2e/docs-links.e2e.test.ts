// The docs' own links stay true: every relative link and image in README.md and docs/*.md names a file or
// folder that exists, and every #anchor a heading that the target file has (GitHub's heading ids). And the
// README stays the front door: short, with the two set-up commands as written. No gateway needed.
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { docFiles, readDoc, root } from "./docs";

/** The text outside fenced code blocks, with inline code spans emptied (links in code are not links). */
function prose(text: string): string {
  let fenced = false;
  return text
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line.replace(/`[^`]*`/g, "``");
    })
    .join("\n");
}

/** GitHub's id for a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading === undefined || heading === null) continue;
    const text = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/[`*]/g, "")
      .trim()
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{N}\p{M} _-]/gu, "").replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** Every relative link target in a file: `[text](target)` and `![alt](target)`, outside code. */
function relativeLinks(file: string): string[] {
  return [...prose(readDoc(file)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe("README.md and docs/*.md", () => {
  const files = docFiles();

  it("has docs to check (README.md and the docs index among them)", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/README.md");
  });

  it.each(files)("%s: every relative link and anchor resolves", (file) => {
    const broken: string[] = [];
    for (const target of relativeLinks(file)) {
      const [path = "", anchor] = target.split("#", 2);
      const resolved = path === "" ? join(root, file) : normalize(join(root, dirname(file), decodeURI(path)));
      if (!resolved.startsWith(root) || !existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) {
        broken.push(`${target}: an anchor into something that is not a Markdown file`);
        continue;
      }
      const ids = anchors(readDoc(resolved.slice(root.length + 1)));
      if (!ids.has(anchor)) broken.push(`${target}: no heading with id "${anchor}"`);
    }
    expect(broken).toEqual([]);
  });

  it("every docs page is in the index", () => {
    const index = relativeLinks("docs/README.md");
    for (const file of files.filter((f) => f.startsWith("docs/") && f !== "docs/README.md"))
      expect(index, file).toContain(file.slice("docs/".length));
  });

  it("the README is the front door: at most 250 lines, with the two set-up commands as written", () => {
    const readme = readDoc("README.md");
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm install && npm test");
  });
});
