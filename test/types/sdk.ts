// Type tests of the SDK's declared instance (checked by `npm run typecheck`, never run): what callers may
// write compiles, what they may not fails. Each @ts-expect-error fails the typecheck if its line compiles.
import {
  createMediagate,
  type Mediagate,
  type MediagateError,
  uploadWithTicket,
} from "../../client/src/index";

const mg: Mediagate = createMediagate({ baseUrl: "http://localhost:8787", apiKey: "dev-key" });
declare const file: Blob;

// Compiles: the documented calls.
void mg.upload(file, { provider: "jimmy" });
void mg.upload(file, { provider: "minimax", purpose: "voice_clone", onProgress: (p) => p.fraction });
void mg.files.list({ provider: "useapi", upload_id: "u", limit: 10 });
void mg.tickets.create({ provider: "minimax", purpose: "voice_clone", content_type: "audio/*" });
void mg.import("https://example.com/a.png", { provider: "jimmy" });
void uploadWithTicket({ id: "t", upload_url: "https://gw/x", max_bytes: 1, headers: {} }, file);

// @ts-expect-error: a provider the gateway does not have.
void mg.upload(file, { provider: "acme" });

// @ts-expect-error: a purpose outside the spec's enum.
void mg.upload(file, { provider: "minimax", purpose: "music" });

// @ts-expect-error: no such method on the instance (its type is declared, not inferred).
void mg.delete("id");

// @ts-expect-error: a registry filter the API does not have.
void mg.files.list({ owner: "someone" });

declare const otherFiles: Mediagate["files"];
// @ts-expect-error: the instance's namespaces are read-only.
mg.files = otherFiles;

// Results are typed: a record's id and upload_id are strings.
void mg.files.get("id").then((r) => r.upload_id.toUpperCase());

// Keys, usage and audit: the spec's shapes.
void mg.keys.create({
  name: "mobile app",
  providers: ["jimmy"],
  actions: ["upload", "tickets"],
  quotas: { bytes_per_day: 1_000_000, uploads_per_minute: 2 },
  expires_at: "2030-01-01T00:00:00Z",
});
void mg.keys.create({ name: "ci" }).then((k) => k.key.toUpperCase() + k.prefix + k.id);
void mg.keys.list().then((keys) => keys.map((k) => k.revoked_at ?? k.expires_at));
void mg.keys.revoke("key_x").then((k) => k.revoked_at);
void mg
  .usage({ from: "2026-12-01", to: "2026-12-02", provider: "jimmy", key: "key_x" })
  .then((rows) => rows.map((r) => r.bytes + r.uploads + r.bytes_saved));
void mg.usage();
void mg.audit({ limit: 10 }).then((page) => page.data[0]?.action === "key.revoked" && page.next_cursor);
declare const refusal: MediagateError;
void (refusal.retryAfter === undefined ? 0 : refusal.retryAfter + 1);

// @ts-expect-error: a key needs a name.
void mg.keys.create({ providers: ["jimmy"] });

// @ts-expect-error: an action outside the spec's enum.
void mg.keys.create({ name: "x", actions: ["files:write"] });

// @ts-expect-error: a quota the gateway does not have.
void mg.keys.create({ name: "x", quotas: { bytes_per_month: 1 } });

// @ts-expect-error: a listed key has no secret (only create answers it).
void mg.keys.list().then((keys) => keys[0]?.key);

// @ts-expect-error: usage is filtered by a provider the gateway has.
void mg.usage({ provider: "acme" });

// @ts-expect-error: a usage row's bytes are a number.
void mg.usage().then((rows) => rows[0]?.bytes.toUpperCase());
