// Replicate's Files API as the sandbox plays it (https://replicate.com/docs/reference/http#files.create,
// Replicate's OpenAPI document): multipart `content` with `filename` (else the part's own, ≤ 255 bytes of
// UTF-8), `type` and `metadata` (valid JSON, an object), files under 100 MB, 201 with the file resource;
// DELETE /files/{id} → 204, 404 once gone. Errors are application/problem+json { title, detail, status }.
// Transcribed from the document, not from ./provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/replicate/provider";
import type { SandboxProvider } from "../kit";

const problem = (status: number, detail: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ title: detail, detail, status }), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });

/** Files created and not deleted, by id: what DELETE finds. */
const created = new Set<string>();

/** An id like Replicate's (26 characters of base32, lower case). */
function newId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  return Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => alphabet[b & 31]).join("");
}

function metadataOf(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export default {
  id: "replicate",
  key: provider.dev.sandboxKey,
  paths: ["/replicate/v1/files"],
  body: "multipart",
  dialect: {
    error: (status, message) => problem(status, message),
    inBand: () => problem(500, "Internal server error"),
    unauthorized: () => problem(401, "You did not pass a valid authentication token"),
    rateLimited: () => problem(429, "Request was throttled.", { "retry-after": "7" }),
  },
  accept(upload, url) {
    if (upload.field !== "content") return problem(400, "content is required");
    const filename = upload.fields.filename ?? upload.filename ?? "";
    if (!filename) return problem(400, "filename is required");
    if (new TextEncoder().encode(filename).byteLength > 255)
      return problem(400, "filename must be at most 255 bytes");
    const metadata = metadataOf(upload.fields.metadata);
    if (!metadata) return problem(400, "metadata must be a valid JSON object");
    if (upload.bytes >= 100_000_000) return problem(413, "Files must be less than 100MB in size");
    const id = newId();
    created.add(id);
    const now = Date.now();
    return new Response(
      JSON.stringify({
        id,
        name: filename,
        content_type: upload.fields.type ?? upload.type ?? "application/octet-stream",
        size: upload.bytes,
        checksums: { sha256: upload.sha256 },
        metadata,
        created_at: new Date(now).toISOString(),
        // The document's example expires an hour after creation.
        expires_at: new Date(now + 3600_000).toISOString(),
        urls: { get: `${url.origin}/replicate/v1/files/${id}` },
      }),
      { status: 201, headers: { "content-type": "application/json" } },
    );
  },
  calls: [
    {
      method: "DELETE",
      path: /^\/replicate\/v1\/files\/([a-z2-7]+)$/,
      handle(_body, match) {
        const id = match[1] ?? "";
        if (!created.delete(id)) return problem(404, "File not found");
        return new Response(null, { status: 204 });
      },
    },
  ],
} satisfies SandboxProvider;
