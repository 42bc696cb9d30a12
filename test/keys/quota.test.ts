// Quotas, exactly: one Durable Object per project reserves before a byte is forwarded and settles with what
// the provider received; over a quota is 429 quota_exceeded with Retry-After and the RateLimit fields, and
// nothing reaches a provider. Every path counts: direct, ticket, tus.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/core/config";
import { projectQuota } from "../../worker/services/quota/project";
import { ownerOf } from "../../worker/services/registry/files";
import { call, KEY, marker, mintTicket, problemOf, randomBytes, receivedWith, resultOf } from "../helpers";
import { TUS } from "../tus/helpers";
import { makeKey, upload } from "./helpers";

describe("quotas", () => {
  it("bytes_per_day: reservations never let the day exceed it; the last byte that fits is taken", async () => {
    const mark = marker("bpd");
    const key = (await makeKey({ name: "bytes", quotas: { bytes_per_day: 5000 } })).key;
    // Every answer says what is left (the RateLimit field, counting this upload's reservation).
    const first = await upload(key, `${mark}-1`, randomBytes(2000));
    expect(first.headers.get("ratelimit")).toMatch(/^"bytes_per_day";r=3000;t=\d+$/);
    await resultOf(first);
    await resultOf(await upload(key, `${mark}-2`, randomBytes(2000)));
    const over = await upload(key, `${mark}-3`, randomBytes(2000));
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("ratelimit-policy")).toContain('"bytes_per_day";q=5000;w=86400');
    expect(over.headers.get("ratelimit")).toContain('"bytes_per_day";r=1000;');
    expect((await problemOf(over, 429, "quota_exceeded")).quota).toBe("bytes_per_day");
    expect(await receivedWith(`${mark}-3`)).toEqual([]);
    // Exactly what is left still fits.
    await resultOf(await upload(key, `${mark}-4`, randomBytes(1000)));
    await problemOf(await upload(key, `${mark}-5`, randomBytes(1)), 429, "quota_exceeded");
  });

  it("uploads_per_minute: the third upload in a minute is refused, with when to try again", async () => {
    const mark = marker("upm");
    const key = (await makeKey({ name: "rate", quotas: { uploads_per_minute: 2 } })).key;
    await resultOf(await upload(key, `${mark}-1`));
    await resultOf(await upload(key, `${mark}-2`));
    const over = await upload(key, `${mark}-3`);
    const retry = Number(over.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await problemOf(over, 429, "quota_exceeded")).quota).toBe("uploads_per_minute");
    expect(await receivedWith(`${mark}-3`)).toEqual([]);
  });

  it("max_file_bytes is a 413 file_too_large like every size limit", async () => {
    const mark = marker("mfb");
    const key = (await makeKey({ name: "small", quotas: { max_file_bytes: 1000 } })).key;
    const problem = await problemOf(await upload(key, mark, randomBytes(1001)), 413, "file_too_large");
    expect(problem.max_bytes).toBe(1000);
    await resultOf(await upload(key, `${mark}-ok`, randomBytes(1000)));
    expect(await receivedWith(mark)).toHaveLength(1);
  });

  it("concurrent_uploads: 50 at once against 10 allowed: exactly 10 proceed, 40 are 429, none of those reaches a provider", async () => {
    const mark = marker("conc");
    const key = (await makeKey({ name: "ten", quotas: { concurrent_uploads: 10 } })).key;
    // The sandbox answers a "sandbox-slow" file after 3 s: the ten hold their slots meanwhile.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        upload(key, `${mark}-${i}-sandbox-slow`, randomBytes(1000), "useapi", {
          PROVIDER_TIMEOUT_MS: "10000",
        }),
      ),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    for (const r of answers.filter((a) => a.status === 429))
      expect((await problemOf(r, 429, "quota_exceeded")).quota).toBe("concurrent_uploads");
    const received = await receivedWith(mark, 10);
    expect(received.filter((r) => r.complete)).toHaveLength(10);
    // Settled: the slots are free again.
    await resultOf(await upload(key, `${mark}-after`));
  });

  it("a ticket counts against the key that made it", async () => {
    const mark = marker("tq");
    const key = (await makeKey({ name: "tickets", quotas: { bytes_per_day: 1500 } })).key;
    const put = async (bytes: number, name: string) => {
      const t = await mintTicket({ provider: "jimmy" }, key);
      return call(
        new Request(`${t.upload_url}&filename=${name}.png`, {
          method: "PUT",
          headers: { "content-type": "image/png", "content-length": String(bytes) },
          body: randomBytes(bytes),
        }),
      );
    };
    await resultOf(await put(1000, `${mark}-1`));
    await problemOf(await put(1000, `${mark}-2`), 429, "quota_exceeded");
    expect(await receivedWith(`${mark}-2`)).toEqual([]);
  });

  it("a tus upload is charged its Upload-Length when created", async () => {
    const key = (await makeKey({ name: "tus", quotas: { bytes_per_day: 3000 } })).key;
    const create = (length: number) =>
      call(
        new Request("http://gw/v1/tus", {
          method: "POST",
          headers: {
            ...TUS,
            authorization: `Bearer ${key}`,
            "upload-length": String(length),
            "upload-metadata": `provider ${btoa("jimmy")},filename ${btoa("a.png")}`,
          },
        }),
      );
    expect((await create(2500)).status).toBe(201);
    expect((await problemOf(await create(1000), 429, "quota_exceeded")).quota).toBe("bytes_per_day");
    expect((await create(500)).status).toBe(201);
  });

  it("a failed upload settles for nothing: its bytes are not counted", async () => {
    const mark = marker("fail");
    const key = (await makeKey({ name: "fails", quotas: { bytes_per_day: 2500 } })).key;
    const failed = await upload(key, `${mark}-sandbox-server-error`, randomBytes(2000));
    expect(failed.status).toBe(502);
    await resultOf(await upload(key, `${mark}-ok`, randomBytes(2000)));
  });
});

describe("the project's quota object", () => {
  it("rebuilt from storage after eviction: the day's bytes and the reservations in flight survive", async () => {
    const mark = marker("evq");
    const made = await makeKey({ name: "evicted", quotas: { bytes_per_day: 5000 } });
    await resultOf(await upload(made.key, `${mark}-1`, randomBytes(3000)));
    const stub = projectQuota(env as unknown as Env, await ownerOf(KEY));
    await evictDurableObject(stub);
    // 3000 settled before the eviction: 2001 more would exceed the day.
    await problemOf(await upload(made.key, `${mark}-2`, randomBytes(2001)), 429, "quota_exceeded");
    await resultOf(await upload(made.key, `${mark}-3`, randomBytes(2000)));
  });
});
