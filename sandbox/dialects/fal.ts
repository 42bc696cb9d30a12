// fal.ai storage as the sandbox plays it (specs/fal.yaml, from fal's client, fal-js storage.ts):
// POST /storage/upload/initiate[?storage_type=fal-cdn-v3] with `Authorization: Key <key>` and JSON
// { content_type, file_name } → { upload_url, file_url }; the upload_url is the sandbox's own signed URL
// (its token binds the key, name and type), which takes the bytes in a PUT with that Content-Type and no
// Authorization, as a signed storage URL does. Errors { detail } (FastAPI's; its 422 lists fields).
// Scenarios at the initiate step: a file_name containing sandbox-initiate-<error|rate-limit|not-json|bad-url>,
// and sandbox-not-json; sandbox-part-error fails a multipart upload's second part; every other scenario plays
// at the PUT. Multipart (initiate-multipart, parts, complete) as fal's client drives it. Transcribed from fal's client, not from ./provider.ts (see kit.ts).

import { createHash } from "node:crypto";
import provider from "../../worker/providers/fal/provider";
import { json, type SandboxProvider } from "../kit";

const error = (status: number, detail: unknown, headers: Record<string, string> = {}) =>
  json({ detail }, status, headers);
const message = (status: number, text: string) => error(status, text);

const PUT_PATH = "/fal/__cdn/upload";

/** The signed URL's token: only the key that initiated can produce it, for this name and type. */
function token(name: string, type: string): string {
  const hash = createHash("sha256");
  hash.update(new TextEncoder().encode(`${provider.dev.sandboxKey}\n${name}\n${type}`));
  return hash.digest("hex");
}

/** Multipart uploads in progress, by id: the whole file's hash, fed part by part in order. */
const uploads = new Map<
  string,
  { hash: ReturnType<typeof createHash>; next: number; bytes: number; etags: string[] }
>();
/** Completed multipart uploads, by id: what GET /fal/__cdn/objects/{id} answers (sandbox-only). */
const objects = new Map<string, { size: number; sha256: string; parts: number }>();

const PARTS = /^\/fal\/__cdn\/multipart\/([0-9a-f]{16})\/(\d+|complete)$/;

/** A part's PUT (`{upload_url path}/{n}`), in order from 1, answering { partNumber, etag }. */
function part(match: RegExpExecArray, bytes: Uint8Array, url: URL): Response {
  const upload = uploads.get(match[1] ?? "");
  const n = Number(match[2]);
  if (!upload) return error(404, "No such upload");
  // sandbox-part-error: the second part fails (the upload is then never completed).
  if (n === 2 && (url.searchParams.get("file") ?? "").includes("sandbox-part-error"))
    return error(500, "part failed");
  if (n !== upload.next) return error(400, `Expected part ${upload.next}, got ${n}`);
  upload.hash.update(bytes);
  upload.bytes += bytes.length;
  upload.next++;
  const etag = `"${n}-${bytes.length}"`;
  upload.etags.push(etag);
  return json({ partNumber: n, etag });
}

/** POST `{upload_url path}/complete` { parts: [{ partNumber, etag }] }: every part, in order, as answered. */
function complete(match: RegExpExecArray, body: string): Response {
  const id = match[1] ?? "";
  const upload = uploads.get(id);
  if (!upload) return error(404, "No such upload");
  let parts: unknown;
  try {
    parts = (JSON.parse(body) as { parts?: unknown }).parts;
  } catch {
    return error(422, [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }]);
  }
  const listed = (Array.isArray(parts) ? parts : []) as { partNumber?: unknown; etag?: unknown }[];
  const matches =
    listed.length === upload.etags.length &&
    listed.every((p, i) => p?.partNumber === i + 1 && p?.etag === upload.etags[i]);
  if (!matches || listed.length === 0) return error(400, "The parts do not match the upload");
  uploads.delete(id);
  objects.set(id, { size: upload.bytes, sha256: upload.hash.digest("hex"), parts: listed.length });
  return json({});
}

function initiate(body: string, url: URL, multipart = false): Response {
  const storage = url.searchParams.get("storage_type");
  if (storage !== null && storage !== "fal-cdn-v3")
    return error(422, [
      { loc: ["query", "storage_type"], msg: "Input should be 'fal-cdn-v3'", type: "enum" },
    ]);
  let input: { content_type?: unknown; file_name?: unknown };
  try {
    input = JSON.parse(body);
  } catch {
    return error(422, [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }]);
  }
  const missing = (["content_type", "file_name"] as const).filter((k) => typeof input?.[k] !== "string");
  if (missing.length)
    return error(
      422,
      missing.map((k) => ({ loc: ["body", k], msg: "Field required", type: "missing" })),
    );
  const name = input.file_name as string;
  const type = input.content_type as string;
  // not-json plays here, at the step that answers JSON (a 200 from the PUT target is success, whatever its body).
  const named = /sandbox-([a-z-]+)/.exec(name)?.[1];
  const scenario = named === "not-json" ? named : named?.startsWith("initiate-") ? named.slice(9) : undefined;
  if (scenario === "error") return error(500, "Internal Server Error");
  if (scenario === "rate-limit") return error(429, "Too many requests", { "retry-after": "7" });
  if (scenario === "not-json")
    return new Response("<html>502</html>", { headers: { "content-type": "text/html" } });
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const put = new URL(multipart ? `/fal/__cdn/multipart/${id}` : PUT_PATH, url.origin);
  put.search = new URLSearchParams({ file: name, type, token: token(name, type) }).toString();
  if (multipart) uploads.set(id, { hash: createHash("sha256"), next: 1, bytes: 0, etags: [] });
  return json({
    // bad-url: a URL no gateway may send to (plain http to a public host).
    upload_url: scenario === "bad-url" ? `http://example.com${PUT_PATH}${put.search}` : put.href,
    file_url: `${url.origin}/fal/files/${id}/${encodeURIComponent(name)}`,
  });
}

export default {
  id: "fal",
  key: provider.dev.sandboxKey,
  paths: [PUT_PATH],
  uploadMethod: "PUT",
  body: "raw",
  authorized(request, url) {
    const auth = request.headers.get("authorization");
    const signed = (name: string, type: string) => url.searchParams.get("token") === token(name, type);
    const query = (key: string) => url.searchParams.get(key) ?? "";
    // Parts and complete: the signed URL's token, and no other credentials.
    if (PARTS.test(url.pathname)) return auth === null && signed(query("file"), query("type"));
    if (url.pathname !== PUT_PATH) return auth === `Key ${provider.dev.sandboxKey}`;
    // The signed URL: its token, the type it was signed for, and no other credentials.
    const name = url.searchParams.get("file") ?? "";
    const type = url.searchParams.get("type") ?? "";
    return (
      auth === null &&
      url.searchParams.get("token") === token(name, type) &&
      request.headers.get("content-type") === type
    );
  },
  scenarioSource: (url) => url.searchParams.get("file") ?? "",
  dialect: {
    error: message,
    inBand: () => error(500, "upload failed: storage unavailable"),
    unauthorized: () => error(401, "Invalid credentials"),
  },
  accept: () => new Response(null, { status: 200 }),
  calls: [
    {
      method: "POST",
      path: /^\/fal\/storage\/upload\/initiate$/,
      handle: (body, _match, url) => initiate(body, url),
    },
    {
      method: "POST",
      path: /^\/fal\/storage\/upload\/initiate-multipart$/,
      handle: (body, _match, url) => initiate(body, url, true),
    },
    {
      method: "PUT",
      path: PARTS,
      binary: true,
      handle: (_body, match, url, _request, bytes) => part(match, bytes ?? new Uint8Array(0), url),
    },
    { method: "POST", path: PARTS, handle: (body, match) => complete(match, body) },
    {
      // Sandbox-only: what a completed multipart upload stored (its size and SHA-256), for tests.
      method: "GET",
      path: /^\/fal\/__cdn\/objects\/([0-9a-f]{16})$/,
      handle: (_body, match) => {
        const object = objects.get(match[1] ?? "");
        return object ? json(object) : error(404, "No such object");
      },
    },
  ],
} satisfies SandboxProvider;
