// The docs as the end-to-end tests read them: README.md and docs/*.md, a section by its heading, the fenced
// blocks in it, and the shell commands in a block. The tests run what the docs show, so the two cannot drift.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const root = join(import.meta.dirname, "../..");

/** README.md and every docs/*.md, as paths from the repo's root. */
export function docFiles(): string[] {
  return [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

export function readDoc(file: string): string {
  return readFileSync(join(root, file), "utf8");
}

/** The lines outside fenced code blocks, each with whether it is inside one. */
function lines(text: string): { line: string; fenced: boolean }[] {
  let fenced = false;
  return text.split("\n").map((line) => {
    if (line.startsWith("```")) {
      fenced = !fenced;
      return { line, fenced: true };
    }
    return { line, fenced };
  });
}

/**
 * The section under `heading` (the whole heading line, e.g. "## First upload"), up to the next heading of the
 * same or a higher level. Throws when the file has no such heading, so a renamed section fails loudly.
 */
export function section(file: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const all = lines(readDoc(file));
  const start = all.findIndex((l) => !l.fenced && l.line === heading);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const end = all.findIndex(
    (l, i) => i > start && !l.fenced && /^#+ /.test(l.line) && (/^#+/.exec(l.line)?.[0].length ?? 0) <= level,
  );
  return all
    .slice(start, end < 0 ? undefined : end)
    .map((l) => l.line)
    .join("\n");
}

/** The bodies of the fenced blocks of `lang` in `text`, in order. */
export function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, "gm"))].map((m) => m[1] ?? "");
}

/** The commands in a shell block: continuation lines joined, comment-only and blank lines dropped. */
export function commands(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
}
