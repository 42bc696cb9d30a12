// Type tests of the SDK's declared instance (checked by `npm run typecheck`, never run): what callers may
// write compiles, what they may not fails. Each @ts-expect-error fails the typecheck if its line compiles.
import { createMediagate, type Mediagate, uploadWithTicket } from "../../client/src/index";

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
