// Usage is counted where each upload's result is decided, so it equals what the providers received: the
// test compares GET /v1/usage with the sandbox's own record of the same uploads.
import { describe, expect, inject, it } from "vitest";
import type { components } from "../../generated/gateway";
import { today } from "../../worker/services/usage/usage";
import {
  call,
  marker,
  mintTicket,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "../helpers";
import { as, makeKey, upload } from "./helpers";

type UsageList = components["schemas"]["UsageList"];

describe("usage", () => {
  it("per day and provider: uploads, bytes as the provider received them, failures, dedupe hits and the bytes they saved", async () => {
    const mark = marker("use");
    const made = await makeKey({ name: "metered" });
    const sizes = [1200, 3400, 5600];
    for (const [i, n] of sizes.entries())
      await resultOf(await upload(made.key, `${mark}-${i}`, randomBytes(n)));
    // A ticket's upload counts against the key that made it.
    const ticket = await mintTicket({ provider: "jimmy" }, made.key);
    const put = await call(
      new Request(`${ticket.upload_url}&filename=${mark}-t.png`, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "700" },
        body: randomBytes(700),
      }),
    );
    await resultOf(put);
    // A failure, and a dedupe hit on the first file's digest.
    expect((await upload(made.key, `${mark}-sandbox-server-error`)).status).toBe(502);
    const again = randomBytes(900);
    await resultOf(await upload(made.key, `${mark}-d1`, again));
    const hit = await call(
      rawRequest("useapi", {
        key: made.key,
        filename: `${mark}-d2.png`,
        type: "image/png",
        bytes: again,
        query: { account: `${mark}-d1`, sha256: await sha256(again) },
      }),
    );
    expect(((await hit.json()) as { deduplicated?: boolean }).deduplicated).toBe(true);

    const received = (await receivedWith(mark, 6)).filter((r) => r.complete && r.status === 200);
    const bytesAt = (provider: string) =>
      received.filter((r) => r.provider === provider).reduce((n, r) => n + r.bytes, 0);
    const usage = (await (await as(made.key, `/v1/usage?key=${made.id}`)).json()) as UsageList;
    const day = today();
    expect(usage.data).toEqual([
      {
        date: day,
        provider: "jimmy",
        uploads: 1,
        bytes: bytesAt("jimmy"),
        failures: 0,
        deduplicated: 0,
        bytes_saved: 0,
        imports: 0,
      },
      {
        date: day,
        provider: "useapi",
        uploads: 4,
        bytes: bytesAt("useapi"),
        failures: 1,
        deduplicated: 1,
        bytes_saved: 900,
        imports: 0,
      },
    ]);
    expect(bytesAt("useapi")).toBe(1200 + 3400 + 5600 + 900);
    expect(bytesAt("jimmy")).toBe(700);
    // Filtered by provider; a range without activity is empty.
    const jimmy = (await (await as(made.key, `/v1/usage?key=${made.id}&provider=jimmy`)).json()) as UsageList;
    expect(jimmy.data.map((u) => u.provider)).toEqual(["jimmy"]);
    const old = (await (
      await as(made.key, `/v1/usage?key=${made.id}&from=2020-01-01&to=2020-01-31`)
    ).json()) as UsageList;
    expect(old.data).toEqual([]);
  });

  it("bad ranges are 400 invalid_field", async () => {
    const made = await makeKey({ name: "ranges", actions: ["usage:read"] });
    for (const q of [
      "from=2026-02-30",
      "to=yesterday",
      "from=2026-03-02&to=2026-03-01",
      "from=2020-01-01&to=2026-01-01",
      "day=1",
      "provider=nobody",
    ]) {
      await problemOf(await as(made.key, `/v1/usage?${q}`), 400, "invalid_field");
    }
  });
});

describe("imports", () => {
  it("count as uploads and as imports, with and without a Content-Length, and against the key's quotas", async () => {
    const mark = marker("impu");
    const made = await makeKey({
      name: "importer",
      quotas: { bytes_per_day: 250_000, max_file_bytes: 100_000 },
    });
    const imp = (name: string, query: string) =>
      as(made.key, "/v1/providers/jimmy/files", {
        method: "POST",
        body: JSON.stringify({ url: `${inject("originUrl")}/media/${name}.png?size=100000${query}` }),
      });
    await resultOf(await imp(`${mark}-1`, ""));
    await resultOf(await imp(`${mark}-2`, "&nolength=1"));
    // The quota's rule without a declared length: the most it may send (here the key's max_file_bytes) is
    // reserved, and the 50,000 bytes left today cannot hold it: refused before a byte reaches the provider.
    await problemOf(await imp(`${mark}-3`, "&nolength=1"), 429, "quota_exceeded");
    expect((await receivedWith(`${mark}-3`)).length).toBe(0);
    const usage = (await (await as(made.key, `/v1/usage?key=${made.id}`)).json()) as UsageList;
    expect(usage.data).toEqual([
      expect.objectContaining({ provider: "jimmy", uploads: 2, imports: 2, bytes: 200_000 }),
    ]);
  });
});
