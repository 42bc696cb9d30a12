// Google Gemini's Files API as the sandbox plays it (https://ai.google.dev/api/files, Google's REST samples in
// google-gemini/api-examples rest/files.sh, the js-genai client; specs/gemini.yaml is the gateway's copy):
// the resumable protocol's start request (X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start,
// the size and type headers, JSON { file: { display_name } }) answers the session URL in x-goog-upload-url;
// that URL takes the bytes with `upload, finalize` at offset 0 and answers { file } with
// x-goog-upload-status: final. Up to 2 GB, kept 48 hours, the key in x-goog-api-key (or ?key=),
// google.rpc.Status errors (a refused key is a 400 with reason API_KEY_INVALID). The session URL authorizes
// by itself. Transcribed from Google's documents, not from the gateway's provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/gemini/provider";
import { json, type SandboxProvider } from "../kit";

const FILE_MAX = 2_000_000_000;
const KEPT_MS = 48 * 3600 * 1000;
const PATH = "/gemini/upload/v1beta/files";

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const error = (code: number, message: string, details: unknown[] = []) =>
  json(
    { error: { code, message, status: STATUS[code] ?? "UNKNOWN", ...(details.length ? { details } : {}) } },
    code,
  );

interface Session {
  readonly size: number;
  readonly type: string;
  readonly displayName: string | undefined;
}

const sessions = new Map<string, Session>();

const sessionOf = (url: URL) => sessions.get(url.searchParams.get("upload_id") ?? "");

/** Step 1: the start request opens a session and answers where its bytes go. */
function start(body: string, url: URL, request: Request): Response {
  const h = (name: string) => request.headers.get(name);
  if (h("x-goog-upload-protocol") !== "resumable") return error(400, "Unsupported upload protocol.");
  const size = h("x-goog-upload-header-content-length") ?? "";
  const type = h("x-goog-upload-header-content-type") ?? "";
  if (!/^\d{1,12}$/.test(size)) return error(400, "Invalid X-Goog-Upload-Header-Content-Length.");
  if (Number(size) > FILE_MAX) return error(400, "File size exceeds the 2 GB limit.");
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) return error(400, "Invalid X-Goog-Upload-Header-Content-Type.");
  let metadata: { file?: { display_name?: unknown; displayName?: unknown } };
  try {
    metadata = JSON.parse(body || "{}");
  } catch {
    return error(400, "Invalid JSON payload received.");
  }
  const name = metadata.file?.display_name ?? metadata.file?.displayName;
  if (name !== undefined && (typeof name !== "string" || name.length > 512))
    return error(400, "display_name must be a string of at most 512 characters.");
  const id = crypto.randomUUID().replace(/-/g, "");
  sessions.set(id, { size: Number(size), type, displayName: name });
  const uploadUrl = `${url.origin}${PATH}?upload_id=${id}&upload_protocol=resumable`;
  return new Response(null, {
    headers: { "x-goog-upload-url": uploadUrl, "x-goog-upload-status": "active" },
  });
}

export default {
  id: "gemini",
  key: provider.dev.sandboxKey,
  paths: [PATH],
  body: "raw",
  credential(request, url) {
    if (url.searchParams.has("upload_id")) return sessionOf(url) ? provider.dev.sandboxKey : null;
    return request.headers.get("x-goog-api-key") ?? url.searchParams.get("key");
  },
  scenarioSource: (url) => sessionOf(url)?.displayName ?? "",
  knownAs: (url) => sessionOf(url)?.displayName ?? null,
  precheck(request, url) {
    const session = sessionOf(url);
    if (!session) return error(404, "No upload session.");
    if (request.headers.get("x-goog-upload-command") !== "upload, finalize")
      return error(400, "The sandbox takes each session's bytes in one `upload, finalize` request.");
    if (request.headers.get("x-goog-upload-offset") !== "0")
      return error(400, "Invalid X-Goog-Upload-Offset.");
    if (request.headers.get("content-length") !== String(session.size))
      return error(400, "Content-Length differs from the size the session declared.");
    return null;
  },
  dialect: {
    error: (status, message) => error(status, message),
    inBand: () => error(500, "An internal error has occurred."),
    unauthorized: () =>
      error(400, "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
        },
      ]),
  },
  accept(upload, url) {
    const id = url.searchParams.get("upload_id") ?? "";
    const session = sessions.get(id);
    if (!session) return error(404, "No upload session.");
    sessions.delete(id);
    if (upload.bytes !== session.size) return error(400, "The upload ended short of its declared size.");
    const now = Date.now();
    const fileId = upload.sha256.slice(0, 12);
    const sha = upload.sha256.match(/../g)?.map((b) => String.fromCharCode(Number.parseInt(b, 16))) ?? [];
    const file = {
      name: `files/${fileId}`,
      displayName: session.displayName ?? "",
      mimeType: session.type,
      sizeBytes: String(upload.bytes),
      createTime: new Date(now).toISOString(),
      updateTime: new Date(now).toISOString(),
      expirationTime: new Date(now + KEPT_MS).toISOString(),
      sha256Hash: btoa(sha.join("")),
      uri: `${url.origin}/gemini/v1beta/files/${fileId}`,
      state: "ACTIVE",
      source: "UPLOADED",
    };
    return json({ file }, 200, { "x-goog-upload-status": "final" });
  },
  calls: [
    {
      method: "POST",
      path: /^\/gemini\/upload\/v1beta\/files$/,
      when: (request) => request.headers.get("x-goog-upload-command") === "start",
      handle: (body, _match, url, request) => start(body, url, request),
    },
    { method: "DELETE", path: /^\/gemini\/v1beta\/files\/([a-z0-9-]+)$/, handle: () => json({}) },
  ],
} satisfies SandboxProvider;
