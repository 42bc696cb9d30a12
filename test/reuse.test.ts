// Upload once, use anywhere (docs/reuse.md): a kept original in R2, copied to other providers without the
// client re-sending it, answered for an upload that declares its digest without reading the body, refreshed
// when a provider's copy expires, and swept when its retention ends. Each test runs in a project of its own
// (a fresh bootstrap key), so the project's keep_days and D1 rows left by earlier runs never leak in.
// Keeping on the other paths (tus, import, tickets, multipart): test/reuse-paths.test.ts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import type { Env } from "../worker/core/config";
import { LIMITS } from "../worker/core/limits";
import { sweepOriginals } from "../worker/services/originals/sweep";
import { ownerOf } from "../worker/services/registry/files";
import { call, marker, problemOf, randomBytes, rawRequest, receivedWith, resultOf, sha256 } from "./helpers";
import { b64, DB, projects, STAGING, silentBody } from "./reuse-helpers";

type UploadResult = components["schemas"]["UploadResult"];
type FileRecord = components["schemas"]["FileRecord"];
type FileList = components["schemas"]["FileList"];

describe("kept originals", () => {
  it("a direct upload with keep_days keeps its original; a copy delivers it to another provider from R2", async () => {
    const p = projects();
    const mark = marker("keep");
    const bytes = randomBytes(5000);
    const hex = await sha256(bytes);
    const before = Date.now();
    const first = await resultOf(
      await p.upload(p.a, "jimmy", bytes, { filename: `${mark}.png`, keep_days: "2" }),
    );
    expect(first.file.sha256).toBe(hex);
    expect(first.original?.kept).toBe(true);
    const until = Date.parse(first.original?.until ?? "");
    expect(until).toBeGreaterThanOrEqual(before + 2 * LIMITS.keepDayMs);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * LIMITS.keepDayMs);
    // The provider got the bytes (natively from R2), and the original is in R2 under the upload.
    const [sent] = await receivedWith(mark, 1);
    expect(sent).toMatchObject({ provider: "jimmy", sha256: hex, complete: true });
    const object = await STAGING.get(`uploads/${first.id}`);
    expect(object?.size).toBe(bytes.length);
    await object?.body.cancel();
    const record = (await (await p.as(p.a, `/v1/files/${first.id}`)).json()) as FileRecord;
    expect(record.original).toEqual(first.original);

    const res = await p.post(p.a, `/v1/files/${first.id}/copies`, { provider: "dify", user: "alice" });
    const copy = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(copy)).toBe(201);
    expect(copy).toMatchObject({
      provider: "dify",
      source: "kept",
      status: "uploaded",
      file: { sha256: hex },
    });
    expect(copy.id).not.toBe(first.id);
    expect(copy.upload_id).toBe(copy.id);
    const received = await receivedWith(mark, 2);
    expect(received.map((r) => [r.provider, r.sha256, r.complete])).toEqual([
      ["jimmy", hex, true],
      ["dify", hex, true],
    ]);
    // The registry shows every provider's copy of the content.
    const list = (await (await p.as(p.a, `/v1/files?sha256=${hex}`)).json()) as FileList;
    expect(list.data.map((r) => r.provider).sort()).toEqual(["dify", "jimmy"]);
    expect(list.data.every((r) => r.original?.kept === true)).toBe(true);
  });

  it("an upload declaring a kept digest is delivered from the original without reading the body", async () => {
    const p = projects();
    const mark = marker("kepthit");
    const bytes = randomBytes(4000);
    const hex = await sha256(bytes);
    await resultOf(await p.upload(p.a, "jimmy", bytes, { filename: `${mark}.png`, keep_days: "1" }));
    const url = `http://gw/v1/providers/useapi/files?filename=${mark}.png&account=${mark}`;
    const res = await call(
      new Request(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${p.a}`,
          "content-type": "image/png",
          "content-length": String(bytes.length),
          "repr-digest": `sha-256=:${b64(hex)}:`,
        },
        body: silentBody(),
      }),
      { GATEWAY_API_KEYS: `${p.a},${p.b}` },
    );
    const result = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(result)).toBe(201);
    expect(result).toMatchObject({ provider: "useapi", source: "kept", file: { sha256: hex, size: 4000 } });
    const useapi = (await receivedWith(mark, 2)).filter((r) => r.provider === "useapi");
    expect(useapi.map((r) => [r.sha256, r.complete])).toEqual([[hex, true]]);
  });

  it("another project's digest or record never reaches the original: B uploads its own bytes, and B's copy is a 404", async () => {
    const p = projects();
    const mark = marker("keepiso");
    const bytes = randomBytes(3000);
    const hex = await sha256(bytes);
    const first = await resultOf(
      await p.upload(p.a, "jimmy", bytes, { filename: `${mark}.png`, keep_days: "1" }),
    );
    await problemOf(
      await p.post(p.b, `/v1/files/${first.id}/copies`, { provider: "jimmy" }),
      404,
      "not_found",
    );
    await problemOf(await p.post(p.b, `/v1/files/${first.id}/refresh`, {}), 404, "not_found");
    // B declares A's digest: not a kept hit for B (its body is read and sent as its own upload).
    const query = { filename: `${mark}.png`, account: mark };
    const own = await resultOf(
      await call(
        rawRequest("useapi", {
          filename: `${mark}.png`,
          type: "image/png",
          bytes,
          query,
          key: p.b,
          headers: { "repr-digest": `sha-256=:${b64(hex)}:` },
        }),
        { GATEWAY_API_KEYS: `${p.a},${p.b}` },
      ),
    );
    expect(own.source).toBeUndefined();
    expect(own.original).toBeUndefined();
  });

  it("404 original_not_kept when nothing was kept; keep_days is bounded", async () => {
    const p = projects();
    const mark = marker("nokeep");
    const plain = await resultOf(
      await p.upload(p.a, "jimmy", randomBytes(2000), { filename: `${mark}.png` }),
    );
    expect(plain.original).toBeUndefined();
    await problemOf(
      await p.post(p.a, `/v1/files/${plain.id}/copies`, { provider: "dify" }),
      404,
      "original_not_kept",
    );
    const over = String(LIMITS.keepDaysMax + 1);
    await problemOf(
      await p.upload(p.a, "jimmy", randomBytes(100), { keep_days: over }),
      400,
      "invalid_field",
    );
  });

  it("the project's keep_days keeps every upload that says nothing; keep_days=0 opts out", async () => {
    const p = projects();
    const put = await p.as(p.a, "/v1/project", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ quotas: {}, keep_days: 3 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ keep_days: 3 });
    const kept = await resultOf(await p.upload(p.a, "jimmy", randomBytes(1500), {}));
    expect(Date.parse(kept.original?.until ?? "")).toBeGreaterThan(Date.now() + 2 * LIMITS.keepDayMs);
    const not = await resultOf(await p.upload(p.a, "jimmy", randomBytes(1500), { keep_days: "0" }));
    expect(not.original).toBeUndefined();
  });

  it("refresh: 200 while live beyond the margin; 201 re-delivered from the original, the old record expired", async () => {
    const p = projects();
    const mark = marker("refresh");
    const bytes = randomBytes(2500);
    // WaveSpeed keeps files 7 days (its documented retention is the record's expires_at).
    const first = await resultOf(
      await p.upload(p.a, "wavespeed", bytes, { filename: `${mark}.png`, keep_days: "1" }),
    );
    expect(first.expires_at).not.toBeNull();
    const live = await p.post(p.a, `/v1/files/${first.id}/refresh`, { margin_seconds: 60 });
    expect(live.status).toBe(200);
    expect(((await live.json()) as FileRecord).id).toBe(first.id);
    // A margin beyond the copy's remaining life: re-delivered now.
    const res = await p.post(p.a, `/v1/files/${first.id}/refresh`, { margin_seconds: 8 * 24 * 3600 });
    const fresh = (await res.json()) as FileRecord;
    expect(res.status, JSON.stringify(fresh)).toBe(201);
    expect(fresh.id).not.toBe(first.id);
    expect(fresh).toMatchObject({
      provider: "wavespeed",
      status: "uploaded",
      file: { sha256: first.file.sha256 },
    });
    const old = (await (await p.as(p.a, `/v1/files/${first.id}`)).json()) as FileRecord;
    expect(old.status).toBe("expired");
    expect((await receivedWith(mark, 2)).filter((r) => r.complete)).toHaveLength(2);
    // An expired copy (the registry's clock moved past its expiry) is refreshed with no margin too.
    await DB.prepare("UPDATE files SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), fresh.id)
      .run();
    const again = await p.post(p.a, `/v1/files/${fresh.id}/refresh`, {});
    expect(again.status).toBe(201);
  });

  it("the daily sweep deletes an original past its retention, and copies then answer original_not_kept", async () => {
    const p = projects();
    const mark = marker("sweep");
    const first = await resultOf(
      await p.upload(p.a, "jimmy", randomBytes(1800), { filename: `${mark}.png`, keep_days: "1" }),
    );
    const owner = await ownerOf(p.a);
    // Not yet due: the sweep leaves it.
    await sweepOriginals(env as unknown as Env, Date.now());
    expect(await STAGING.head(`uploads/${first.id}`)).not.toBeNull();
    // Past its retention (the sweep's clock a day and a minute on).
    const later = Date.now() + LIMITS.keepDayMs + 60_000;
    await sweepOriginals(env as unknown as Env, later);
    expect(await STAGING.head(`uploads/${first.id}`)).toBeNull();
    const row = await DB.prepare("SELECT 1 FROM originals WHERE owner = ?").bind(owner).first();
    expect(row).toBeNull();
    await problemOf(
      await p.post(p.a, `/v1/files/${first.id}/copies`, { provider: "dify" }),
      404,
      "original_not_kept",
    );
  });
});
