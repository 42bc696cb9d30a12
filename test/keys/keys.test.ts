// Keys created at runtime: the project owns what its keys make, scopes refuse what a key was not given
// (naming it), a key never exceeds the key that made it, revocation and expiry hold from the next request
// (tickets included), the secret is never stored or shown again, and bootstrap keys keep their registries.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { components } from "../../generated/gateway";
import type { Env } from "../../worker/core/config";
import { ownerOf, recordResult } from "../../worker/services/registry/files";
import {
  call,
  KEY,
  KEY_B,
  marker,
  mintTicket,
  problemOf,
  randomBytes,
  receivedWith,
  resultOf,
} from "../helpers";
import { as, makeKey, upload } from "./helpers";

const gw = env as unknown as Env;

type Key = components["schemas"]["Key"];
type FileList = components["schemas"]["FileList"];
type AuditList = components["schemas"]["AuditList"];

describe("keys at runtime", () => {
  it("a created key is shown once, stored only as a hash, and its uploads belong to the project", async () => {
    const mark = marker("key");
    const made = await makeKey({ name: `${mark} app` });
    expect(made.key).toMatch(/^mg_[A-Za-z0-9_-]{32}$/);
    expect(made.key.startsWith(made.prefix)).toBe(true);
    expect(made).toMatchObject({ name: `${mark} app`, providers: null, revoked_at: null, expires_at: null });
    // Listed without the secret; the database holds no copy of it either.
    const list = await as(KEY, "/v1/keys");
    const text = await list.text();
    expect(text).toContain(made.id);
    expect(text).not.toContain(made.key);
    const rows = await gw.DB.prepare("SELECT * FROM keys WHERE id = ?").bind(made.id).all();
    expect(JSON.stringify(rows.results)).not.toContain(made.key.slice(made.prefix.length));
    // Its upload is the project's: the bootstrap key that made it lists it, the other bootstrap key does not.
    const result = await resultOf(await upload(made.key, mark));
    const mine = (await (await as(KEY, `/v1/files?upload_id=${result.upload_id}`)).json()) as FileList;
    expect(mine.data.map((r) => r.id)).toEqual([result.id]);
    const theirs = (await (await as(KEY_B, `/v1/files?upload_id=${result.upload_id}`)).json()) as FileList;
    expect(theirs.data).toEqual([]);
  });

  it("a registry recorded before runtime keys is still listed by its bootstrap key, and invisible to the other", async () => {
    const mark = marker("before");
    const id = crypto.randomUUID();
    // A row as the gateway wrote it before keys: owned by the bootstrap key's fingerprint.
    await recordResult(
      gw.DB,
      await ownerOf(KEY),
      {
        id,
        upload_id: id,
        provider: "jimmy",
        status: "uploaded",
        file: {
          name: `${mark}.png`,
          size: 10,
          mime_type: "image/png",
          kind: "image",
          detected_type: null,
          sha256: "0".repeat(64),
        },
        provider_file_id: null,
        url: null,
        reference: "ref",
        expires_at: null,
        provider_response: {},
      },
      {},
    );
    expect((await as(KEY, `/v1/files/${id}`)).status).toBe(200);
    await problemOf(await as(KEY_B, `/v1/files/${id}`), 404, "not_found");
    // And a key created now by that bootstrap key is in the same project: it sees the old row.
    const made = await makeKey({ name: "reader", actions: ["files:read"] });
    expect((await as(made.key, `/v1/files/${id}`)).status).toBe(200);
  });

  it("runtime keys keep working when the deployment has no bootstrap key left", async () => {
    const made = await makeKey({ name: "survivor", actions: ["files:read"] });
    expect((await as(made.key, "/v1/files", {}, { GATEWAY_API_KEYS: "" })).status).toBe(200);
    await problemOf(await as(KEY, "/v1/files", {}, { GATEWAY_API_KEYS: "" }), 401, "unauthorized");
  });

  it("an unknown key, or one shaped like a runtime key, is 401 unauthorized", async () => {
    await problemOf(await as(`mg_${"A".repeat(32)}`, "/v1/files"), 401, "unauthorized");
    await problemOf(await as("nope", "/v1/files"), 401, "unauthorized");
  });

  it("bad key requests are 400 invalid_field, naming the field", async () => {
    for (const body of [
      {},
      { name: "" },
      { name: "x".repeat(65) },
      { name: "tab\there" },
      { name: "a", actions: ["fly"] },
      { name: "a", providers: ["nobody"] },
      { name: "a", quotas: { bytes_per_day: 0 } },
      { name: "a", quotas: { concurrent_uploads: 1001 } },
      { name: "a", quotas: { other: 1 } },
      { name: "a", expires_at: "tomorrow" },
      { name: "a", expires_at: new Date(Date.now() - 1000).toISOString() },
      { name: "a", extra: true },
    ]) {
      const res = await as(KEY, "/v1/keys", { method: "POST", body: JSON.stringify(body) });
      await problemOf(res, 400, "invalid_field");
    }
  });
});

describe("scopes", () => {
  it("an action the key lacks is 403 scope_denied naming it, before anything reaches a provider", async () => {
    const mark = marker("scope");
    const reader = await makeKey({ name: "reader", actions: ["files:read"] });
    const denied = await problemOf(await upload(reader.key, mark), 403, "scope_denied");
    expect(denied.missing).toBe("upload");
    expect(await receivedWith(mark)).toEqual([]);
    for (const [method, path, missing] of [
      ["DELETE", "/v1/files/x", "files:delete"],
      ["POST", "/v1/uploads", "tickets"],
      ["GET", "/v1/usage", "usage:read"],
      ["GET", "/v1/keys", "keys:admin"],
      ["GET", "/v1/audit", "keys:admin"],
      ["GET", "/v1/events", "events:read"],
      ["GET", "/v1/events/evt_x", "events:read"],
      ["POST", "/v1/events/evt_x/resend", "webhooks:admin"],
      ["GET", "/v1/webhooks", "webhooks:admin"],
      ["POST", "/v1/webhooks", "webhooks:admin"],
      ["DELETE", "/v1/webhooks/wh_x", "webhooks:admin"],
    ] as const) {
      const init = method === "POST" ? { method, body: JSON.stringify({ provider: "jimmy" }) } : { method };
      expect((await problemOf(await as(reader.key, path, init), 403, "scope_denied")).missing).toBe(missing);
    }
    expect((await as(reader.key, "/v1/files")).status).toBe(200);
  });

  it("a provider outside the key's list is refused on every path, and its files are not listed", async () => {
    const mark = marker("prov");
    const viaUseapi = await resultOf(await upload(KEY, mark));
    const jimmyOnly = await makeKey({ name: "jimmy only", providers: ["jimmy"] });
    expect((await problemOf(await upload(jimmyOnly.key, mark), 403, "scope_denied")).missing).toBe("useapi");
    const ticket = await as(jimmyOnly.key, "/v1/uploads", {
      method: "POST",
      body: JSON.stringify({ provider: "useapi" }),
    });
    expect((await problemOf(ticket, 403, "scope_denied")).missing).toBe("useapi");
    const tus = await as(jimmyOnly.key, "/v1/tus", {
      method: "POST",
      headers: {
        "tus-resumable": "1.0.0",
        "upload-length": "100",
        "upload-metadata": `provider ${btoa("useapi")},filename ${btoa("a.png")},account ${btoa(mark)}`,
      },
    });
    expect((await problemOf(tus, 403, "scope_denied")).missing).toBe("useapi");
    // The project's useapi record is not this key's to see.
    const list = (await (
      await as(jimmyOnly.key, `/v1/files?upload_id=${viaUseapi.upload_id}`)
    ).json()) as FileList;
    expect(list.data).toEqual([]);
    await problemOf(await as(jimmyOnly.key, `/v1/files/${viaUseapi.id}`), 403, "scope_denied");
    await problemOf(await as(jimmyOnly.key, "/v1/files?provider=useapi"), 403, "scope_denied");
    expect(await receivedWith(`${mark}`)).toHaveLength(1);
  });

  it("an upload-only key follows its resumable upload's status; a files-only key does not", async () => {
    const uploader = await makeKey({ name: "uploader", actions: ["upload"] });
    const tus = await as(uploader.key, "/v1/tus", {
      method: "POST",
      headers: {
        "tus-resumable": "1.0.0",
        "upload-length": "100",
        "upload-metadata": `provider ${btoa("jimmy")},filename ${btoa("a.png")}`,
      },
    });
    expect(tus.status).toBe(201);
    const id = (tus.headers.get("location") ?? "").split("/").pop()?.split("?")[0];
    expect((await as(uploader.key, `/v1/uploads/${id}`)).status).toBe(200);
    const reader = await makeKey({ name: "reader", actions: ["files:read"] });
    expect((await problemOf(await as(reader.key, `/v1/uploads/${id}`), 403, "scope_denied")).missing).toBe(
      "tickets",
    );
  });

  it("a key never makes a key beyond its own scope; omitted lists take the maker's", async () => {
    const admin = await makeKey({
      name: "sub-admin",
      providers: ["jimmy", "dify"],
      actions: ["keys:admin", "upload"],
      quotas: { bytes_per_day: 1000 },
    });
    const wider = [
      [{ providers: ["minimax"] }, "minimax"],
      [{ actions: ["files:read"] }, "files:read"],
      [{ quotas: { bytes_per_day: 1001 } }, "bytes_per_day"],
    ] as const;
    for (const [ask, missing] of wider) {
      const res = await as(admin.key, "/v1/keys", {
        method: "POST",
        body: JSON.stringify({ name: "w", ...ask }),
      });
      expect((await problemOf(res, 403, "scope_denied")).missing).toBe(missing);
    }
    const child = await makeKey({ name: "child" }, admin.key);
    expect(child).toMatchObject({
      providers: ["jimmy", "dify"],
      actions: ["keys:admin", "upload"],
      quotas: { bytes_per_day: 1000 },
    });
  });

  it("a ticket never exceeds its key: not its providers, nor its max_file_bytes", async () => {
    const small = await makeKey({ name: "small", quotas: { max_file_bytes: 1000 } });
    const res = await as(small.key, "/v1/uploads", {
      method: "POST",
      body: JSON.stringify({ provider: "jimmy", max_bytes: 1001 }),
    });
    await problemOf(res, 400, "invalid_field");
    const ticket = await mintTicket({ provider: "jimmy" }, small.key);
    expect(ticket.max_bytes).toBe(1000);
  });
});

describe("revocation and expiry", () => {
  it("a revoked key is refused on its very next request, and so are the tickets it made", async () => {
    const mark = marker("revoke");
    const made = await makeKey({ name: "to revoke" });
    const ticket = await mintTicket({ provider: "jimmy" }, made.key);
    expect((await as(made.key, "/v1/files")).status).toBe(200);
    const revoked = await as(KEY, `/v1/keys/${made.id}`, { method: "DELETE" });
    const body = (await revoked.json()) as Key;
    expect(body.revoked_at).not.toBeNull();
    expect(JSON.stringify(body)).not.toContain(made.key);
    await problemOf(await as(made.key, "/v1/files"), 401, "key_revoked");
    await problemOf(await upload(made.key, mark), 401, "key_revoked");
    const put = await call(
      new Request(`${ticket.upload_url}&filename=${mark}.png`, {
        method: "PUT",
        headers: { "content-type": "image/png" },
        body: randomBytes(100),
      }),
    );
    await problemOf(put, 401, "key_revoked");
    expect(await receivedWith(mark)).toEqual([]);
    // Revoking again answers the same record; another project's key id is unknown.
    expect(
      ((await (await as(KEY, `/v1/keys/${made.id}`, { method: "DELETE" })).json()) as Key).revoked_at,
    ).toBe(body.revoked_at);
    await problemOf(await as(KEY_B, `/v1/keys/${made.id}`, { method: "DELETE" }), 404, "not_found");
  });

  it("an expired key is 401 key_expired", async () => {
    const made = await makeKey({ name: "brief", expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await as(made.key, "/v1/files")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    await problemOf(await as(made.key, "/v1/files"), 401, "key_expired");
  });

  it("revoked where this isolate did not see it (another isolate, the database itself): refused once KEY_CACHE_MS lapses", async () => {
    const cache = { KEY_CACHE_MS: "400" };
    const made = await makeKey({ name: "revoked elsewhere" });
    expect((await as(made.key, "/v1/files", {}, cache)).status).toBe(200);
    // As another isolate's DELETE would leave it: the row says revoked, this isolate was not told.
    await gw.DB.prepare("UPDATE keys SET revoked_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), made.id)
      .run();
    // Remembered: still answered within the cache's lifetime (the stated bound) ...
    expect((await as(made.key, "/v1/files", {}, cache)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 450));
    // ... and refused once it lapsed; with no cache at all, on the very next request.
    await problemOf(await as(made.key, "/v1/files", {}, cache), 401, "key_revoked");
    const other = await makeKey({ name: "uncached" });
    expect((await as(other.key, "/v1/files", {}, { KEY_CACHE_MS: "0" })).status).toBe(200);
    await gw.DB.prepare("UPDATE keys SET revoked_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), other.id)
      .run();
    await problemOf(await as(other.key, "/v1/files", {}, { KEY_CACHE_MS: "0" }), 401, "key_revoked");
  });

  it("KEY_CACHE_MS above its bound is a configuration error, not a longer revocation", async () => {
    await problemOf(await as(KEY, "/v1/files", {}, { KEY_CACHE_MS: "600000" }), 500, "internal_error");
  });

  it("the audit log names who created and revoked which key, by prefix only", async () => {
    const admin = await makeKey({ name: "auditor", actions: ["keys:admin"] });
    const made = await makeKey({ name: "audited" }, admin.key);
    await as(admin.key, `/v1/keys/${made.id}`, { method: "DELETE" });
    const audit = (await (await as(KEY, "/v1/audit?limit=100")).json()) as AuditList;
    const mine = audit.data.filter((e) => e.key_id === made.id);
    expect(mine.map((e) => [e.action, e.actor_prefix])).toEqual([
      ["key.revoked", admin.prefix],
      ["key.created", admin.prefix],
    ]);
    expect(JSON.stringify(audit)).not.toContain(made.key);
    expect(JSON.stringify(audit)).not.toContain(KEY);
  });
});
