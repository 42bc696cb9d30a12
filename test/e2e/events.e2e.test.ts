// The console's Events section in Chromium, against `npm start` (the queue in Miniflare, the sandbox's
// receiver): register the receiver, upload, see the event delivered and its attempt; stop the receiver,
// upload again, see the attempts pile up; restart it and resend from the page. axe-core finds no violation.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "./axe";
import { haveChromium, launchChromium } from "./browser";
import { startGateway } from "./start";

const AUTH = { authorization: "Bearer dev-key" };

describe.skipIf(!haveChromium)("the console's Events", () => {
  let base = "";
  let sandbox = "";
  let stop: () => void = () => {};
  let context: BrowserContext | undefined;
  let page: Page;
  const name = `console-${Date.now()}`;

  const upload = async () => {
    const form = new FormData();
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    form.append("file", new File([bytes], "photo.png", { type: "image/png" }));
    const res = await fetch(`${base}/v1/providers/jimmy/files`, {
      method: "POST",
      headers: AUTH,
      body: form,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { upload_id: string };
  };
  const receiver = `/__sandbox/webhooks/${name}`;
  const setDown = (down: boolean) => fetch(`${sandbox}${receiver}?down=${down}`, { method: "PUT" });
  /** The event of an upload as the page lists it (after a Refresh). */
  const eventItem = (uploadId: string) => page.locator("#event-list > li", { hasText: uploadId });
  /** Its attempts as the page shows them once asked (null until they are in: a refresh may replace the item). */
  const attemptsOf = async (uploadId: string) => {
    const item = eventItem(uploadId);
    await item.getByRole("button", { name: /^Attempts of/ }).click();
    const list = item.locator("ol");
    if (!(await list.count())) return null;
    return { rows: await list.locator("li").count(), text: (await list.textContent()) ?? "" };
  };

  beforeAll(async () => {
    ({ base, sandbox, stop } = await startGateway());
    // The local D1 outlives runs: endpoints an earlier run or a user left would add deliveries of their own.
    const left = (await (await fetch(`${base}/v1/webhooks`, { headers: AUTH })).json()) as {
      data: { id: string }[];
    };
    for (const w of left.data)
      await fetch(`${base}/v1/webhooks/${w.id}`, { method: "DELETE", headers: AUTH });
    context = await launchChromium();
    page = await context.newPage();
    await page.goto(base);
    await page.getByLabel(/Gateway key/).fill("dev-key");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#events").waitFor();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    stop();
  });

  it("registers the sandbox receiver, shows deliveries and attempts, and resends", async () => {
    await page.getByRole("button", { name: /Use the sandbox receiver/ }).click();
    expect(await page.getByLabel("Endpoint URL").inputValue()).toContain("/__sandbox/webhooks/console");
    // The test's sandbox runs on a port of its own: the field is editable, as for a user who moved it.
    await page.getByLabel("Endpoint URL").fill(`${sandbox}${receiver}`);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.locator("#webhook-new").textContent()).toContain("whsec_");
    const hookItem = page.locator("#webhook-list li", { hasText: receiver });
    await hookItem.waitFor();
    expect(await axeViolations(page)).toEqual([]);

    const first = await upload();
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Show new events" }).click();
          return (await eventItem(first.upload_id).textContent()) ?? "";
        },
        { timeout: 15_000 },
      )
      .toContain("delivered after 1 attempt");
    await expect
      .poll(() => attemptsOf(first.upload_id), { timeout: 10_000 })
      .toEqual({ rows: 1, text: expect.stringMatching(/delivered · 204/) });

    await setDown(true);
    const second = await upload();
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Show new events" }).click();
          return (await eventItem(second.upload_id).textContent()) ?? "";
        },
        { timeout: 20_000 },
      )
      .toContain("pending after 2 attempt");
    await expect
      .poll(() => attemptsOf(second.upload_id), { timeout: 10_000 })
      .toEqual({ rows: 2, text: expect.stringMatching(/failed · 503[\s\S]*failed · 503/) });
    expect(await axeViolations(page)).toEqual([]);

    await setDown(false);
    await eventItem(second.upload_id)
      .getByRole("button", { name: /^Resend/ })
      .click();
    const got = async () =>
      (
        (await (await fetch(`${sandbox}${receiver}`)).json()) as { received: { body: string }[] }
      ).received.map((r) => JSON.parse(r.body).data.upload_id as string);
    await expect.poll(got, { timeout: 10_000 }).toContain(second.upload_id);
    expect(await got()).toContain(first.upload_id);

    await hookItem.getByRole("button", { name: /^Delete the endpoint/ }).click();
    await expect.poll(() => hookItem.count()).toBe(0);
  }, 120_000);
});
