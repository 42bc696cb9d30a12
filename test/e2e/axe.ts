// axe-core (the accessibility engine browsers' audits use) run in a Playwright page. The console's CSP
// (`script-src 'self'`) refuses an inline <script>, so page.addScriptTag({ content }) is blocked; the source
// is evaluated through the DevTools protocol instead (page.evaluate), which a page's CSP does not govern,
// and the page keeps its real CSP for everything else the test checks.
// https://github.com/dequelabs/axe-core/blob/develop/doc/API.md#api-name-axerun
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe's violations on the page as it is now, one line each (rule, impact, the elements, why). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`)
        .join("; ")}`,
  );
}
