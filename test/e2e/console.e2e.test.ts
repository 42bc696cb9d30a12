// The console (GET /) in a real browser: Debian's Chromium driven by playwright-core, against `npm start`.
// Enter the dev key, upload a 5 MiB image to two providers and a 150 MB video (above MAX_REQUEST_BYTES, so
// through tus, paused and resumed on the way), watch progress reach 100% and the results appear, see a
// refused file fail as one, page and filter the registry and copy an id, delete a file, check the
// phone-sized layout, save a screenshot (test/artifacts/console.png), and change the key. Keyboard focus on
// the file chooser must show, and axe-core must find no violation in any state the page is in (./axe.ts).
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "./axe";
import { haveChromium, launchChromium } from "./browser";
import { startGateway } from "./start";

const MiB = 1024 * 1024;
const ARTIFACTS = join(import.meta.dirname, "../artifacts");

/** A file of `size` bytes starting with `head` (the format's magic), written in 1 MiB pieces. */
/**
 * Fresh bytes each run: the file registry (local D1 under .wrangler/state) remembers earlier runs' files, and
 * a repeat would be answered as a dedupe hit before the browser finished sending.
 */
const SALT = Math.floor(Math.random() * 2 ** 32);

function media(path: string, size: number, head: Uint8Array) {
  const fd = openSync(path, "w");
  const block = Buffer.alloc(MiB);
  for (let at = 0; at < size; at += MiB) {
    for (let i = 0; i + 4 <= block.length; i += 4)
      block.writeUInt32LE((((at + i) * 2654435761) ^ SALT) >>> 0, i);
    if (at === 0) block.set(head, 0);
    writeSync(fd, block, 0, Math.min(MiB, size - at));
  }
  closeSync(fd);
}

describe.skipIf(!haveChromium)("the console in Chromium", () => {
  let base = "";
  let stop: () => void = () => {};
  let context: BrowserContext | undefined;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "mediagate-console-"));
  const photo = join(dir, "photo.png");
  const video = join(dir, "video.mp4");

  beforeAll(async () => {
    media(photo, 5 * MiB, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    media(video, 150_000_000, Uint8Array.from([0, 0, 0, 0x18, ...Buffer.from("ftypisom")]));
    ({ base, stop } = await startGateway());
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    stop();
  });

  it("serves the page with a strict CSP, its favicon, nothing from elsewhere, no failed request", async () => {
    const requests: string[] = [];
    const violations: string[] = [];
    const failed: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(base);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
    await page.getByLabel(/Gateway key/).waitFor();
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    expect(violations).toEqual([]);
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    const favicon = await fetch(new URL(icon ?? "/favicon.ico", base));
    expect([favicon.status, favicon.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
    expect(failed).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  });

  it("connects with the dev key, uploads to two providers and a 150 MB video through tus", async () => {
    await page.getByLabel(/Gateway key/).fill("dev-key");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#provider option").first().waitFor({ state: "attached" });
    expect(await page.evaluate(() => sessionStorage.getItem("mediagate.key"))).toBe("dev-key");
    expect(await page.evaluate(() => localStorage.getItem("mediagate.key"))).toBeNull();
    expect(await axeViolations(page)).toEqual([]);

    // The keyboard reaches "Choose files" (a visually hidden input) and its label shows the focus.
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== "files"; i++)
      await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("files");
    const ring = await page
      .locator('label[for="files"]')
      .evaluate((l) => getComputedStyle(l).outlineStyle + getComputedStyle(l).outlineWidth);
    expect(ring).toBe("solid3px");

    for (const provider of ["jimmy", "wavespeed"]) {
      await page.getByLabel("Provider").selectOption(provider);
      await page.locator("#files").setInputFiles(photo);
    }
    await page.getByLabel("Provider").selectOption("useapi");
    await page.locator("#files").setInputFiles(video);

    // The video's item is the newest (first); its progress moves, and it pauses and resumes.
    const item = page.locator("#transfers li").first();
    await expect
      .poll(() => item.locator("progress").evaluate((p) => (p as HTMLProgressElement).value), {
        timeout: 60_000,
      })
      .toBeGreaterThan(10);
    expect(await item.getAttribute("data-state")).toBe("uploading");
    expect(await axeViolations(page)).toEqual([]);
    const pause = item.getByRole("button", { name: "Pause" });
    let paused = false;
    if (await pause.isVisible()) {
      paused = true;
      await pause.click();
      await expect.poll(() => item.locator("p").first().textContent()).toMatch(/Paused at \d+%/);
      await item.getByRole("button", { name: "Resume" }).click();
    }
    await expect
      .poll(() => page.locator('#transfers li[data-state="done"]').count(), {
        timeout: 240_000,
        interval: 500,
      })
      .toBe(3);
    for (const li of await page.locator("#transfers li").all()) {
      expect(await li.locator("progress").evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
      expect((await li.locator("code.reference").textContent())?.length).toBeGreaterThan(5);
    }
    expect(await item.textContent()).toContain("video.mp4");
    expect(await item.textContent()).toContain("resumable (tus)");
    expect(paused).toBe(true);
    expect(await page.locator("#live").textContent()).toMatch(/uploaded|copied/);
    expect(await page.locator("#transfers li").last().textContent()).toContain("photo.png 5.0 MiB → jimmy");
    expect(await axeViolations(page)).toEqual([]);
  }, 300_000);

  it("shows a refused upload as failed: the problem's code and detail, the bar in the error colour", async () => {
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "x".repeat(1000));
    await page.getByLabel("Provider").selectOption("jimmy");
    await page.locator("#files").setInputFiles(notes);
    const item = page.locator("#transfers li").first();
    await expect.poll(() => item.getAttribute("data-state")).toBe("failed");
    const text = (await item.textContent()) ?? "";
    expect(text).toContain("notes.txt 1000 B → jimmy");
    expect(text).toMatch(
      /Failed: unsupported_file_type: .+ — Jimmy AI does not take "\.txt" files \(it takes \.jpg/,
    );
    const colours = await item.evaluate((li) => {
      const error = getComputedStyle(li.querySelector(".error") as Element).color;
      return [getComputedStyle(li.querySelector("progress") as Element).accentColor, error];
    });
    expect(colours[0]).toBe(colours[1]);
    expect(await axeViolations(page)).toEqual([]);
  });

  it("pages and filters the registry, and copies a record's id", async () => {
    // 21 files to WaveSpeed, one page of 20 and one more; fresh bytes (the registry outlives the run).
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await fetch(`${base}/v1/providers/wavespeed/files?filename=page-${i}.png`, {
        method: "POST",
        headers: { authorization: "Bearer dev-key", "content-type": "image/png" },
        body: `${SALT} ${Date.now()} ${i}`,
      });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    await page.getByLabel("Show files of").selectOption("wavespeed");
    const items = page.locator("#file-list li");
    // The filtered page replaces the unfiltered one (which had 20 items too): newest first.
    await expect.poll(() => items.first().locator("code").first().textContent()).toBe(ids[20]);
    expect(await items.count()).toBe(20);
    for (const text of await items.allTextContents()) expect(text).toContain(" · wavespeed · ");
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => items.count()).toBeGreaterThan(20);
    expect(await items.allTextContents()).toContainEqual(expect.stringContaining(`id: ${ids[0]}`));
    await items.first().getByRole("button", { name: "Copy id of page-20.png" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ids[20]);
    expect(await items.first().textContent()).toMatch(/reference: http:\/\/\S+page-20\.png/);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Show files of").selectOption("");
  });

  it("deletes a file from the registry", async () => {
    await page.getByRole("button", { name: "Refresh" }).click();
    // Either files are listed (the note is then empty) or the note says why none are.
    await expect
      .poll(async () =>
        (await page.locator("#file-list li").count()) > 0
          ? "listed"
          : ((await page.locator("#registry-note").textContent()) ?? ""),
      )
      .not.toBe("");
    const note = (await page.locator("#registry-note").textContent()) ?? "";
    expect(note).not.toMatch(/no file registry/);
    const del = page
      .locator("#file-list li")
      .first()
      .getByRole("button", { name: /Delete/ });
    await del.click();
    await expect.poll(() => page.locator("#file-list li").first().textContent()).toContain("deleted");
  });

  it("fits a phone-sized viewport, and the screenshot is saved", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, "console-phone.png") });
    expect(existsSync(join(ARTIFACTS, "console.png"))).toBe(true);
  });

  it("changes the key: signs out, forgets it, and asks again", async () => {
    await page.getByRole("button", { name: "Change key" }).click();
    await page.getByLabel(/Gateway key/).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("mediagate.key"))).toBeNull();
    expect(await page.locator("#upload").isHidden()).toBe(true);
    expect(await page.locator("#who").textContent()).toBe("Not connected");
  });
});
