// tus termination and expiration: DELETE discards the staged bytes; an unfinished upload past
// Upload-Expires is discarded by its alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { stagedKey } from "../../worker/services/staging/staged";
import { call, problemOf, randomBytes } from "../helpers";
import { auth, bucket, created, head, MiB, patch, pattern, status, stub, TUS } from "./helpers";

describe("termination", () => {
  it("DELETE discards every staged byte; the upload is then gone (410)", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.mp4" }, 20 * MiB);
    expect((await patch(location, 0, pattern(2, 0, 7 * MiB), 7 * MiB)).status).toBe(204);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects.length).toBeGreaterThan(0);
    const del = await call(new Request(location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects).toEqual([]);
    expect((await head(location)).status).toBe(410);
    await problemOf(await patch(location, 7 * MiB, randomBytes(10), 10), 410, "upload_gone");
    expect(await status(id)).toMatchObject({ status: "failed", error: { code: "upload_gone" } });
  });
});

describe("expiration", () => {
  it("an unfinished upload past Upload-Expires is discarded by its alarm and reads as expired", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.mp4" }, 20 * MiB);
    expect((await patch(location, 0, pattern(5, 0, 6 * MiB), 6 * MiB)).status).toBe(204);
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { expiresAt: number } };
      stored.tus.expiresAt = Date.now() - 1;
      await state.storage.put("upload", stored);
    });
    expect(await runDurableObjectAlarm(stub(id))).toBe(true);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects).toEqual([]);
    expect((await status(id)).status).toBe("expired");
    expect((await head(location)).status).toBe(410);
  });
});
