// Upload once, use anywhere (docs/reuse.md): a kept original in R2, copied to other providers without the
// client re-sending it, answered for an upload that declares its digest without reading the body, refreshed
// when a provider's copy expires, and swept when its retention ends. Each test runs in a project of its own
// (a fresh bootstrap key), so the project's keep_days and D1 rows left by earlier runs never leak in.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import type { components } from "../generated/gateway";
import type { Env } from "../worker/core/config";
import { LIMITS } from "../worker/core/limits";
import { sweepOriginals } from "../worker/services/originals/sweep";
import { ownerOf } from "../worker/services/registry/files";
import {
  call,
  KEY,
  marker,
  mintTicket,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";
import { created, patch, status, stub } from "./tus/helpers";

type UploadResult = components["schemas"]["UploadResult"];
type FileRecord = components["schemas"]["FileRecord"];
type FileList = components["schemas"]["FileList"];

const DB = (env as unknown as Env).DB;
const STAGING = (env as unknown as Env).STAGING;

/** Two fresh projects (A and B): bootstrap keys that no other test uses. */
function projects() {
  const a = `reuse-a-${crypto.randomUUID()}`;
  const b = `reuse-b-${crypto.randomUUID()}`;
  const keys = { GATEWAY_API_KEYS: `${a},${b}` };
  const as = (key: string, path: string, init: RequestInit = {}) =>
    call(
      new Request(new URL(path, "http://gw"), {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
      }),
      keys,
    );
  const post = (key: string, path: string, body: unknown) =>
    as(key, path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const upload = (key: string, provider: string, bytes: Uint8Array, query: Record<string, string>) =>
    call(
      rawRequest(provider, { filename: query.filename ?? "x.png", type: "image/png", bytes, query, key }),
      keys,
    );
  return { a, b, as, post, upload };
}

const b64 = (hex: string) =>
  btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16))));
/** A body that never sends a byte: only an answer given before reading it comes back. */
const silentBody = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });

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

  it("tus: keep_days in Upload-Metadata keeps the staged object as the original instead of deleting it", async () => {
    const mark = marker("keeptus");
    const bytes = randomBytes(6000);
    const hex = await sha256(bytes);
    const meta = { provider: "jimmy", filename: `${mark}.png`, filetype: "image/png", keep_days: "1" };
    const { location, id } = await created(meta, bytes.length);
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await status(id)).status).toBe("completed");
    const row = await DB.prepare("SELECT upload_id, kept_until FROM originals WHERE owner = ? AND sha256 = ?")
      .bind(await ownerOf(KEY), hex)
      .first<{ upload_id: string; kept_until: string }>();
    expect(row?.upload_id).toBe(id);
    // The resumable upload's own retention passes (its alarm's discard): the original stays.
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { stagedAt: number } };
      stored.tus.stagedAt = Date.now() - 8 * 86400_000;
      await state.storage.put("upload", stored);
    });
    await runDurableObjectAlarm(stub(id));
    expect(await STAGING.head(`uploads/${id}`)).not.toBeNull();
    const res = await call(
      new Request(`http://gw/v1/files/${id}/copies`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "useapi", account: mark }),
      }),
    );
    const copy = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(copy)).toBe(201);
    expect(copy).toMatchObject({ source: "kept", file: { sha256: hex } });
    const useapi = (await receivedWith(mark, 2)).filter((r) => r.provider === "useapi");
    expect(useapi.map((r) => r.sha256)).toEqual([hex]);
  });

  it("a URL import with keep_days keeps its original (a source of unknown length, staged first)", async () => {
    const p = projects();
    const mark = marker("keepimp");
    const url = `${inject("originUrl")}/media/${mark}.png?size=50000&nolength=1`;
    const res = await p.post(p.a, "/v1/providers/jimmy/files", { url, keep_days: 1 });
    const result = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(result)).toBe(201);
    expect(result.original?.kept).toBe(true);
    expect(await STAGING.head(`uploads/${result.id}`)).not.toBeNull();
    const copy = await p.post(p.a, `/v1/files/${result.id}/copies`, { provider: "dify", user: "alice" });
    expect(copy.status).toBe(201);
    const got = await receivedWith(mark, 2);
    expect(new Set(got.map((r) => r.sha256))).toEqual(new Set([result.file.sha256]));
  });

  it("a ticket uses a kept original only for the digest it binds, and fixes keep_days", async () => {
    const mark = marker("keeptkt");
    const bytes = randomBytes(3500);
    const hex = await sha256(bytes);
    await resultOf(
      await call(
        rawRequest("jimmy", { filename: `${mark}.png`, type: "image/png", bytes, query: { keep_days: "1" } }),
      ),
    );
    const ticketPut = (url: string, body: BodyInit, headers: Record<string, string> = {}) => {
      const u = new URL(url);
      u.searchParams.set("filename", `${mark}.png`);
      const init = { "content-type": "image/png", "content-length": String(bytes.length), ...headers };
      return call(new Request(u, { method: "PUT", headers: init, body }));
    };
    // Bound digest: answered from the original, the body never read.
    const bound = await mintTicket({ provider: "useapi", account: mark, sha256: hex });
    const hit = (await (await ticketPut(bound.upload_url, silentBody())).json()) as UploadResult;
    expect(hit).toMatchObject({ provider: "useapi", source: "kept", file: { sha256: hex } });
    // Unbound: the app's own declared digest looks nothing up; its bytes are sent as its own upload.
    const other = await mintTicket({ provider: "useapi", account: `${mark}-2`, keep_days: 2 });
    const own = await ticketPut(other.upload_url, bytes, { "repr-digest": `sha-256=:${b64(hex)}:` });
    const result = (await own.json()) as UploadResult;
    expect(own.status, JSON.stringify(result)).toBe(201);
    expect(result.source).toBeUndefined();
    // The ticket's keep_days holds: the app may not change it.
    const fixed = await mintTicket({ provider: "useapi", account: `${mark}-3`, keep_days: 2 });
    const u = new URL(fixed.upload_url);
    u.searchParams.set("keep_days", "9");
    await problemOf(await ticketPut(u.href, bytes), 400, "invalid_field");
    // Nor choose one where the ticket fixes none: storage is the project's cost.
    const unfixed = await mintTicket({ provider: "useapi", account: `${mark}-4` });
    const v = new URL(unfixed.upload_url);
    v.searchParams.set("keep_days", "30");
    await problemOf(await ticketPut(v.href, bytes), 400, "invalid_field");
  });

  it("multipart: a keep_days field before the file keeps it (a body ending in CRLF, as clients send it)", async () => {
    const mark = marker("keepmp");
    const bytes = randomBytes(2200);
    const spec = { filename: `${mark}.png`, bytes, fields: { keep_days: "1" } };
    const result = await resultOf(await call(await multipartRequest("jimmy", spec)));
    expect(result.file).toMatchObject({ size: bytes.length, sha256: await sha256(bytes) });
    expect(result.original?.kept).toBe(true);
    // A body with nothing after its closing boundary (workerd's FormData) cannot be stored at its exact
    // length before its end: refused as a problem, never kept short (docs/reuse.md).
    const bare = await call(
      await multipartRequest("jimmy", { ...spec, bytes: randomBytes(2200), epilogue: "none" }),
    );
    await problemOf(bare, 400, "malformed_body");
  });
});
