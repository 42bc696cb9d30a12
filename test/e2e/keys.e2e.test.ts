// Keys, quotas and usage as a new user meets them, against `npm start`, with the three clients: the CLI
// creates a scoped key with a quota and uploads with it until the quota answers 429 (advice printed, exit 1;
// nothing more reaches the provider, and the SDK reads the same refusal's Retry-After); the bytes are in
// `mediagate usage` and mg.usage, equal to what the sandbox received, and on the console's chart (Chromium);
// the console revokes the key (after a confirmation) and the very next request with it is refused with 401
// key_revoked. Then a key created in the console: shown once with a copy button, gone once it is copied.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMediagate, MediagateError } from "../../client/src/node";
import { axeViolations } from "./axe";
import { haveChromium, launchChromium } from "./browser";
import { CLI, runCli } from "./cli-run";
import { startGateway } from "./start";

const dir = mkdtempSync(join(tmpdir(), "mediagate-keys-"));
/** Fresh bytes and names each run: the local D1 (keys, registry, usage) outlives a run. */
const SALT = `${Date.now()}-${Math.floor(Math.random() * 2 ** 32)}`;
const today = new Date().toISOString().slice(0, 10);

/** A file of `size` bytes of its own (a PNG's magic, then bytes no other run has), and its SHA-256. */
function png(name: string, size: number) {
  const bytes = Buffer.alloc(size, `${SALT} ${name} `);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes, size, sha256: createHash("sha256").update(bytes).digest("hex") };
}

let base = "";
let sandbox = "";
let stop: () => void = () => {};
let context: BrowserContext | undefined;
let tab: Page | undefined;

/** `mediagate …` with MEDIAGATE_KEY=`key`. */
const cli = (key: string, ...args: string[]) =>
  runCli(args, { ...process.env, MEDIAGATE_URL: base, MEDIAGATE_KEY: key, MEDIAGATE_STATE_DIR: dir });

/** What the sandbox's Jimmy received of these files, by SHA-256. */
async function received(sha256s: string[]) {
  const all = (await (await fetch(`${sandbox}/__sandbox/received`)).json()) as {
    provider: string;
    sha256: string;
    bytes: number;
    complete: boolean;
  }[];
  return all.filter((r) => sha256s.includes(r.sha256));
}

/** The console in a new tab (its sessionStorage empty: a kept key would connect by itself), with the dev key. */
async function connected(): Promise<Page> {
  await tab?.close();
  const page = await (context as BrowserContext).newPage();
  tab = page;
  await page.goto(base);
  await page.getByLabel(/Gateway key/).fill("dev-key");
  await page.getByRole("button", { name: "Connect" }).click();
  // Loaded: the project's keys listed, or a note that it has none live (a fresh project, or all revoked).
  await page
    .locator("#key-list li")
    .or(page.locator("#keys-note", { hasText: /\S/ }))
    .first()
    .waitFor();
  return page;
}

describe.skipIf(!haveChromium)("keys, quotas and usage: CLI, SDK and console", () => {
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error("client/dist/cli.js is missing: run `npm install`.");
    ({ base, sandbox, stop } = await startGateway());
    context = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    stop();
  });

  it("a scoped key with a quota: uploads until 429, its bytes in usage and on the chart, revoked and refused", async () => {
    // 1. The CLI creates the key: Jimmy only, upload and usage:read, two uploads a minute. The secret alone
    //    on stdout; its id and prefix on stderr.
    const name = `e2e ${SALT}`;
    const created = await cli(
      "dev-key",
      ...["keys", "create", name, "--provider", "jimmy", "--action", "upload", "--action", "usage:read"],
      "--uploads-per-minute",
      "2",
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^mg_[A-Za-z0-9_-]{32}\n$/);
    const key = created.stdout.trim();
    const [, id = "", prefix = ""] = /id (key_\S+), prefix (mg_\S+)\./.exec(created.stderr) ?? [];
    expect(id).toMatch(/^key_/);
    expect(prefix).toBe(key.slice(0, 11));
    expect(created.stderr).toContain("quotas 2/min");
    expect(created.stderr).toMatch(/only time it is shown/);

    // 2. Two uploads pass; the third is over uploads_per_minute: 429 with its advice, exit 1, and nothing of
    //    it reaches the provider.
    const files = [png("one.png", 3000), png("two.png", 5000), png("three.png", 7000)];
    for (const f of files.slice(0, 2)) {
      const r = await cli(key, "upload", f.path, "--provider", "jimmy");
      expect(r.code, r.stderr).toBe(0);
    }
    const over = await cli(key, "upload", files[2]?.path ?? "", "--provider", "jimmy");
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(
      /Error 429 quota_exceeded: .+\nThis key's quota of uploads per minute is used up; try again in \d+ s\./,
    );
    // The SDK sees the same refusal: which quota, and Retry-After in seconds.
    const app = createMediagate({ baseUrl: base, apiKey: key, urlStorage: false });
    const refusal = await app
      .upload(png("four.png", 1000).bytes, { provider: "jimmy", filename: "four.png" })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(MediagateError);
    expect(refusal).toMatchObject({
      code: "quota_exceeded",
      status: 429,
      problem: { quota: "uploads_per_minute" },
    });
    expect((refusal as MediagateError).retryAfter).toBeGreaterThan(0);
    expect((refusal as MediagateError).retryAfter).toBeLessThanOrEqual(60);
    // A resumable upload is counted when it is created: refused the same way, through tus.
    const viaTus = await app
      .upload(png("six.png", 1000).bytes, { provider: "jimmy", filename: "six.png", transport: "tus" })
      .catch((e: unknown) => e);
    expect(viaTus).toMatchObject({ code: "quota_exceeded", status: 429 });
    expect((viaTus as MediagateError).retryAfter).toBeGreaterThan(0);
    // On the wire, as docs/keys.md shows it: Retry-After and the RateLimit fields.
    const raw = await fetch(`${base}/v1/providers/jimmy/files?filename=five.png`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "image/png" },
      body: png("five.png", 1000).bytes,
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(raw.headers.get("ratelimit-policy")).toBe('"uploads_per_minute";q=2;w=60');
    expect(raw.headers.get("ratelimit")).toMatch(/^"uploads_per_minute";r=0;t=\d+$/);
    // Outside its scope: another provider is a 403 naming it.
    const scoped = await app
      .upload(files[0]?.bytes ?? new Uint8Array(), { provider: "wavespeed", filename: "one.png" })
      .catch((e: unknown) => e);
    expect(scoped).toMatchObject({ code: "scope_denied", status: 403, problem: { missing: "wavespeed" } });

    const got = await received(files.map((f) => f.sha256));
    expect(got.map((r) => [r.sha256, r.bytes, r.complete]).sort()).toEqual(
      files
        .slice(0, 2)
        .map((f) => [f.sha256, f.size, true])
        .sort(),
    );
    const bytes = got.reduce((n, r) => n + r.bytes, 0);
    expect(bytes).toBe(8000);

    // 3. Usage, with the key itself (usage:read) from the CLI and with the admin key from the SDK: what the
    //    provider received.
    const usage = await cli(key, "usage", "--key-id", id, "--provider", "jimmy");
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(
      /^DATE +PROVIDER +UPLOADS +SIZE +BYTES +FAILURES +DEDUPED +SAVED +IMPORTS$/m,
    );
    expect(usage.stdout).toMatch(new RegExp(`^${today} +jimmy +2 +7\\.8 KiB +${bytes} +0 +0 +0 B +0$`, "m"));
    const admin = createMediagate({ baseUrl: base, apiKey: "dev-key" });
    expect(await admin.usage({ key: id })).toEqual([
      {
        date: today,
        provider: "jimmy",
        uploads: 2,
        bytes,
        failures: 0,
        deduplicated: 0,
        bytes_saved: 0,
        imports: 0,
      },
    ]);

    // 4. The console's chart, for this key: a bar for Jimmy today, of those bytes.
    const page = await connected();
    await page.getByLabel("Usage of").selectOption(id);
    const bar = page.locator(`#usage-chart rect[data-provider="jimmy"][data-date="${today}"]`);
    await expect.poll(() => bar.getAttribute("data-bytes")).toBe(String(bytes));
    expect(Number(await bar.getAttribute("height"))).toBeGreaterThan(100);
    expect(await page.locator("#usage-chart svg").getAttribute("aria-label")).toContain("jimmy 7.8 KiB");
    expect(await page.locator("#usage-legend").textContent()).toContain("jimmy 7.8 KiB");
    expect(await axeViolations(page)).toEqual([]);

    // 5. The console revokes it, after asking; its next request is refused, from the CLI and the SDK.
    const item = page.locator(`#key-list li[data-id="${id}"]`);
    expect(await item.textContent()).toContain("Quotas: 2/min");
    await item.getByRole("button", { name: `Revoke ${name} (${prefix})` }).click();
    await expect.poll(() => item.textContent()).toContain("Apps using it are refused");
    expect(await axeViolations(page)).toEqual([]);
    await item.getByRole("button", { name: "Yes, revoke" }).click();
    await expect.poll(() => item.count()).toBe(0);
    await page.getByLabel("Show revoked and expired keys").check();
    expect(await item.getAttribute("data-state")).toBe("revoked");

    const refused = await cli(key, "upload", files[2]?.path ?? "", "--provider", "jimmy");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Error 401 key_revoked: .+\nThis key was revoked at /);
    await expect(app.usage()).rejects.toMatchObject({ code: "key_revoked", status: 401 });
    expect((await received([files[2]?.sha256 ?? ""])).length).toBe(0);

    // The audit log names both changes, by the admin key's prefix (never a key).
    const audit = (await admin.audit({ limit: 100 })).data.filter((e) => e.key_id === id);
    expect(audit.map((e) => e.action).sort()).toEqual(["key.created", "key.revoked"]);
    expect(JSON.stringify(audit)).not.toContain(key);
  }, 180_000);

  it("the console creates a key, shows it once with a copy button, and forgets it", async () => {
    const page = await connected();
    const name = `console ${SALT}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.locator("#key-providers").getByLabel("WaveSpeedAI").check();
    await page
      .locator("#key-actions")
      .getByLabel(/^upload/)
      .check();
    await page.getByLabel("Bytes per day", { exact: true }).fill("4000");
    await page.getByRole("button", { name: "Create key" }).click();
    const box = page.locator("#key-new");
    await box.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("key-new");
    expect(await box.textContent()).toContain("it will not be shown again");
    const secret = (await box.locator("code.secret").textContent()) ?? "";
    expect(secret).toMatch(/^mg_[A-Za-z0-9_-]{32}$/);
    await box.getByRole("button", { name: `Copy new key ${name}` }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await axeViolations(page)).toEqual([]);
    const item = page.locator("#key-list li", { hasText: name });
    expect(await item.textContent()).toMatch(
      /Providers: wavespeed · Actions: upload · Quotas: 3\.9 KiB\/day/,
    );

    // The copied key works within its quota: a file larger than a day's bytes is refused before it is sent.
    const app = createMediagate({ baseUrl: base, apiKey: secret, urlStorage: false });
    const big = await app
      .upload(png("big.png", 5000).bytes, { provider: "wavespeed", filename: "big.png" })
      .catch((e: unknown) => e);
    expect(big).toMatchObject({ code: "quota_exceeded", problem: { quota: "bytes_per_day" } });
    const small = await app.upload(png("small.png", 2000).bytes, {
      provider: "wavespeed",
      filename: "s.png",
    });
    expect(small.result?.file.size).toBe(2000);

    // Copied: the key leaves the page, and a reload does not bring it back.
    await box.getByRole("button", { name: "I have copied it" }).click();
    expect(await box.isHidden()).toBe(true);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.locator("#key-list li").first().waitFor();
    expect(await page.content()).not.toContain(secret);

    // Revoked from the CLI: refused on its next request.
    const id = (await item.getAttribute("data-id")) ?? "";
    const revoked = await cli("dev-key", "keys", "revoke", id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(
      new RegExp(`^Revoked ${id} \\(mg_\\S+, "${name}"\\) at \\S+: it is refused`),
    );
    await expect(app.usage()).rejects.toMatchObject({ code: "key_revoked" });
  }, 120_000);
});
