// Debian's Chromium driven by playwright-core, for the console's tests: where it is (CHROMIUM_PATH), and a
// fresh profile launched headless, the clipboard allowed (copy buttons are checked by reading it back).
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it).`);

export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1100, height: 1400 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
}
