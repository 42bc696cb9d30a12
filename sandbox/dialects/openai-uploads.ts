// OpenAI's Uploads API as the sandbox plays it (OpenAI's OpenAPI document: createUpload, addUploadPart,
// completeUpload, cancelUpload): an Upload of declared `bytes` (at most 8 GB) expiring an hour after it is
// created; Parts of at most 64 MB as multipart `data`; complete with the ordered part ids, whose bytes must
// sum to `bytes`; no Part after completion or cancellation. The sandbox keeps no bytes: each part is hashed as
// it arrives, and the file's SHA-256 is known when the ids are completed in the order the parts arrived
// and none was refused (else it is recorded as null, so a test of the order fails). Scenarios, from the Upload's filename:
// `sandbox-part-error` (the second part answers 500 after its body), `sandbox-complete-error`.

import { createHash } from "node:crypto";
import { json, type SandboxCall, type SandboxIo } from "../kit";
import { expiry, fileObject, openAiError, PURPOSES } from "./openai-shapes";

const UPLOAD_MAX = 8_000_000_000;
const PART_MAX = 64_000_000;
const KEYS = ["filename", "purpose", "bytes", "mime_type", "expires_after"];

interface Pending {
  readonly id: string;
  readonly bytes: number;
  readonly filename: string;
  readonly purpose: string;
  readonly mimeType: string;
  readonly expires: number | null;
  readonly createdAt: number;
  status: "pending" | "completed" | "cancelled" | "expired";
  readonly parts: { id: string; bytes: number }[];
  /** Every part's bytes, in the order they arrived. */
  readonly hash: ReturnType<typeof createHash>;
  /** A refused part's bytes went into `hash` too: the file's digest is then unknown. */
  hashBroken: boolean;
}

const uploads = new Map<string, Pending>();

const scenario = (upload: Pending) => /sandbox-([a-z-]+)/.exec(upload.filename)?.[1];

function uploadObject(u: Pending, file: unknown = undefined) {
  return {
    id: u.id,
    object: "upload",
    bytes: u.bytes,
    created_at: u.createdAt,
    filename: u.filename,
    purpose: u.purpose,
    status: u.status,
    expires_at: u.createdAt + 3600,
    ...(file === undefined ? {} : { file }),
  };
}

/** The Upload, if it can still take parts or be completed (expired an hour after its creation). */
function open(id: string | undefined): Pending | Response {
  const u = id === undefined ? undefined : uploads.get(id);
  if (!u) return openAiError(404, "No such upload", null, "upload_id");
  if (u.status === "pending" && Date.now() / 1000 > u.createdAt + 3600) u.status = "expired";
  if (u.status !== "pending") return openAiError(400, `The upload is ${u.status}`, null, "upload_id");
  return u;
}

function create(body: string): Response {
  let req: Record<string, unknown>;
  try {
    req = JSON.parse(body);
  } catch {
    return openAiError(400, "We could not parse the JSON body of your request.");
  }
  const extra = Object.keys(req).find((k) => !KEYS.includes(k));
  if (extra) return openAiError(400, `Unrecognized request argument supplied: ${extra}`, null, extra);
  const { filename, purpose, bytes, mime_type } = req;
  if (typeof filename !== "string" || filename === "")
    return openAiError(400, "Missing filename", null, "filename");
  if (typeof purpose !== "string" || !PURPOSES.includes(purpose))
    return openAiError(400, "Invalid purpose", null, "purpose");
  if (typeof bytes !== "number" || !Number.isSafeInteger(bytes) || bytes <= 0 || bytes > UPLOAD_MAX)
    return openAiError(400, "bytes must be a positive integer up to 8 GB", null, "bytes");
  if (typeof mime_type !== "string" || !mime_type.includes("/"))
    return openAiError(400, "Invalid mime_type", null, "mime_type");
  const after = req.expires_after as { anchor?: unknown; seconds?: unknown } | undefined;
  const expires = after === undefined ? null : expiry(after.anchor, after.seconds);
  if (expires instanceof Response) return expires;
  const id = `upload_${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;
  const u: Pending = {
    id,
    bytes,
    filename,
    purpose,
    mimeType: mime_type,
    expires,
    createdAt: Math.floor(Date.now() / 1000),
    status: "pending",
    parts: [],
    hash: createHash("sha256"),
    hashBroken: false,
  };
  uploads.set(id, u);
  return json(uploadObject(u));
}

const serverError = () =>
  json({ error: { message: "The server had an error", type: "server_error", param: null, code: null } }, 500);

/** Completes the Upload: the ids name its parts, whose bytes sum to the declared size; the File is made. */
function complete(id: string | undefined, body: string, arrived: SandboxIo["arrived"]): Response {
  const u = open(id);
  if (u instanceof Response) return u;
  let partIds: unknown;
  try {
    partIds = (JSON.parse(body) as { part_ids?: unknown }).part_ids;
  } catch {
    return openAiError(400, "We could not parse the JSON body of your request.");
  }
  if (!Array.isArray(partIds) || partIds.length === 0)
    return openAiError(400, "Missing part_ids", null, "part_ids");
  const parts = partIds.map((p) => u.parts.find((q) => q.id === p));
  if (parts.some((p) => p === undefined) || new Set(partIds).size !== partIds.length)
    return openAiError(400, "part_ids must name this upload's parts, once each", null, "part_ids");
  const total = parts.reduce((sum, p) => sum + (p?.bytes ?? 0), 0);
  if (total !== u.bytes)
    return openAiError(400, `The upload has ${total} bytes of the ${u.bytes} declared`, null, "part_ids");
  if (scenario(u) === "complete-error") return serverError();
  u.status = "completed";
  // The running digest is the file's only when the parts are completed in the order they arrived.
  const inOrder = partIds.length === u.parts.length && partIds.every((p, i) => u.parts[i]?.id === p);
  const fileId = `file-${u.id.slice(7, 31)}`;
  const file = fileObject(fileId, u.bytes, u.filename, u.purpose, u.expires);
  arrived({
    filename: u.filename,
    contentType: u.mimeType,
    fields: { purpose: u.purpose, parts: String(partIds.length) },
    bytes: total,
    sha256: inOrder && !u.hashBroken ? u.hash.digest("hex") : null,
    complete: true,
    status: 200,
  });
  return json(uploadObject(u, file));
}

export const UPLOAD_CALLS: readonly SandboxCall[] = [
  { method: "POST", path: /^\/openai\/v1\/uploads$/, handle: create },
  {
    method: "POST",
    path: /^\/openai\/v1\/uploads\/([\w-]+)\/parts$/,
    async stream(request, match, _url, io) {
      const u = open(match[1]);
      if (u instanceof Response) {
        await request.body?.cancel().catch(() => {});
        return u;
      }
      const contentType = request.headers.get("content-type") ?? "";
      if (!request.body || !contentType.startsWith("multipart/form-data"))
        return openAiError(400, "Expected multipart/form-data");
      const head = await io.readMultipart(request.body, contentType);
      const part = head.file?.name === "data" ? head.file : null;
      if (!part) return openAiError(400, "Missing data", null, "data");
      let bytes = 0;
      // Into the Upload's running digest as it streams; a part refused after that breaks the digest.
      for await (const chunk of part.stream) {
        bytes += chunk.byteLength;
        u.hash.update(chunk);
      }
      const refused =
        bytes === 0 || bytes > PART_MAX
          ? openAiError(400, "A part must be 1 byte to 64 MB", null, "data")
          : scenario(u) === "part-error" && u.parts.length === 1
            ? serverError()
            : null;
      if (refused) {
        u.hashBroken = true;
        return refused;
      }
      const id = `part_${u.id.slice(7, 19)}_${u.parts.length}`;
      u.parts.push({ id, bytes });
      return json({ id, object: "upload.part", created_at: Math.floor(Date.now() / 1000), upload_id: u.id });
    },
  },
  {
    method: "POST",
    path: /^\/openai\/v1\/uploads\/([\w-]+)\/complete$/,
    stream: async (request, match, _url, io) => complete(match[1], await request.text(), io.arrived),
  },
  {
    method: "POST",
    path: /^\/openai\/v1\/uploads\/([\w-]+)\/cancel$/,
    handle(_body, match) {
      const u = open(match[1]);
      if (u instanceof Response) return u;
      u.status = "cancelled";
      return json(uploadObject(u));
    },
  },
];
