// The provider sandbox: the five upload APIs as their documents (../specs, ../../shared/seeds) describe
// them — auth, fields, formats, limits, error dialects and response shapes — so the gateway can be run
// and tested without provider accounts. Format tables here are transcribed from the vendor documents on
// purpose, not imported from worker/capabilities.ts: the sandbox plays the provider, and a mistake in the
// gateway's table must show up as a disagreement, not be copied.
//
// Scenarios: a filename containing `sandbox-<scenario>` (for useapi, which gets no filename, the account
// `sandbox-<scenario>`) makes the provider misbehave: rate-limit, server-error, in-band-error, balance,
// not-json, slow, reset, and flaky (a 500 the first time a name is seen, success after).
import { createHash } from "node:crypto";
import { CAPABILITIES, PROVIDER_IDS } from "../worker/providers/registry";
import { parseMultipart } from "../worker/services/upload/multipart-parser";

/** The API key each sandbox provider accepts: each provider folder's dev wiring (provider.ts). */
export const SANDBOX_KEYS = Object.fromEntries(
  PROVIDER_IDS.map((id) => [id, CAPABILITIES[id].dev.sandboxKey]),
) as { readonly [K in keyof typeof CAPABILITIES]: string };

type Provider = keyof typeof SANDBOX_KEYS;

/** What the sandbox received, for the curious (GET /__sandbox/received) and for tests. */
export interface Received {
  provider: Provider;
  at: string;
  contentType: string | null;
  contentLength: number | null;
  filename: string | null;
  fields: Record<string, string>;
  query: Record<string, string>;
  /** File bytes read, and their SHA-256. */
  bytes: number;
  sha256: string | null;
  /** True only when the whole body arrived intact. */
  complete: boolean;
  error: string | null;
  status: number | null;
}

/** Thrown to make the host drop the connection mid-upload (the Node emulator destroys the socket). */
export class SandboxReset extends Error {}

const MB = 1024 * 1024;
const SCENARIO = /sandbox-([a-z-]+)/;

const JIMMY_EXT = "jpg jpeg png gif webp bmp svg mp4 mov avi webm mkv m4v flv mp3 wav aac m4a flac ogg".split(
  " ",
);
const WAVESPEED_KINDS: Record<string, string[]> = {
  image: "jpg jpeg png webp gif bmp tiff tif".split(" "),
  video: "mp4 avi mov wmv flv webm mkv 3gp ogv".split(" "),
  audio: "mp3 wav ogg aac flac m4a opus".split(" "),
};
// Dify's defaults (api/configs: UPLOAD_*_FILE_SIZE_LIMIT, and its extension lists).
const DIFY_LIMITS: Record<string, { ext: string[]; max: number }> = {
  image: { ext: "jpg jpeg png webp gif svg".split(" "), max: 10 * MB },
  video: { ext: "mp4 mov mpeg webm".split(" "), max: 100 * MB },
  audio: { ext: "mp3 m4a wav amr mpga".split(" "), max: 50 * MB },
  document: {
    ext: "txt md markdown mdx pdf html htm xlsx xls doc docx csv eml msg pptx ppt xml epub".split(" "),
    max: 15 * MB,
  },
};
const MINIMAX_PURPOSES: Record<string, string[]> = {
  voice_clone: ["mp3", "m4a", "wav"],
  prompt_audio: ["mp3", "m4a", "wav"],
  t2a_async_input: ["txt", "zip"],
  video_understanding: ["mp4", "avi", "mov", "mkv"],
};
const USEAPI_TYPES = ["image/png", "image/jpeg", "audio/mpeg", "audio/wav", "video/mp4"];

const ext = (name: string) => name.slice(name.lastIndexOf(".") + 1).toLowerCase();
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

interface Upload {
  filename: string | null;
  /** The file part's own Content-Type (multipart) or the body's (raw). */
  type: string | null;
  fields: Record<string, string>;
  bytes: number;
  sha256: string;
}

/** Reads the file (multipart `file` part or the raw body) to its end, hashing as it goes. */
async function readUpload(
  request: Request,
  record: Received,
  raw: boolean,
  resetAfter: number | null,
): Promise<Upload | Response | null> {
  let stream: ReadableStream<Uint8Array> | null = request.body;
  const fields: Record<string, string> = {};
  let filename: string | null = null;
  let type = record.contentType;
  if (!raw) {
    const boundary = /boundary=(?:"([^"]+)"|([^\s;]+))/.exec(record.contentType ?? "");
    if (!stream || !boundary) return json({ error: "expected multipart/form-data" }, 400);
    const head = await parseMultipart(stream, boundary[1] ?? boundary[2] ?? "", { headBytes: 64 * 1024 });
    for (const [k, v] of head.fields) fields[k] = v;
    record.fields = fields;
    if (!head.file) return null;
    filename = head.file.filename ?? null;
    type = head.file.contentType ?? null;
    record.filename = filename;
    stream = head.file.stream;
  }
  if (!stream) return null;
  const hash = createHash("sha256");
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    record.bytes += value.byteLength;
    if (resetAfter !== null && record.bytes >= resetAfter) {
      await reader.cancel().catch(() => {});
      throw new SandboxReset("sandbox: dropping the connection mid-upload");
    }
  }
  return { filename, type, fields, bytes: record.bytes, sha256: hash.digest("hex") };
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  while (!(await reader.read().catch(() => ({ done: true }))).done) {}
}

function bearer(request: Request): string | null {
  return /^Bearer\s+(\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? null;
}

/** A provider's own error code: Dify's are strings, the others' numbers. */
type Code = string | number;

/** Each provider's error dialect. */
const DIALECTS = {
  jimmy: {
    error: (status: number, msg: string, code: Code = status * 100) => json({ code, msg }, status),
    inBand: () => json({ code: 50001, msg: "upload failed: storage unavailable" }),
  },
  dify: {
    error: (status: number, message: string, code: Code = "invalid_param") =>
      json({ status, code, message }, status),
    inBand: () => json({ status: 500, code: "internal_server_error", message: "internal error" }, 500),
  },
  minimax: {
    error: (status: number, msg: string, code: Code = 2013) =>
      json({ base_resp: { status_code: code, status_msg: msg } }, status),
    inBand: () => json({ base_resp: { status_code: 1026, status_msg: "sensitive content" } }),
  },
  useapi: {
    error: (status: number, error: string, _code?: Code) => json({ error, code: status }, status),
    inBand: () => json({ error: "hailuoai.video rejected the file", code: 400 }),
  },
  wavespeed: {
    error: (status: number, message: string, _code?: Code) => json({ code: status, message }, status),
    inBand: () => json({ code: 400, message: "Invalid file or format not supported" }),
  },
} satisfies Record<
  Provider,
  { error: (status: number, msg: string, code?: Code) => Response; inBand: () => Response }
>;

function route(pathname: string): Provider | null {
  if (pathname === "/jimmy/api/open-api/v1/files/upload") return "jimmy";
  if (pathname === "/dify/v1/files/upload") return "dify";
  if (pathname === "/minimax/v1/files/upload") return "minimax";
  if (pathname === "/useapi/v1/minimax/files/" || pathname === "/useapi/v1/minimax/files") return "useapi";
  if (pathname === "/wavespeed/api/v3/media/upload/binary") return "wavespeed";
  return null;
}

export interface SandboxOptions {
  /** Called once per upload request, when the sandbox has answered or the body broke. */
  observe?: (record: Received) => void;
}

const received: Received[] = [];

/** The sandbox's fetch handler. */
export async function handleSandbox(request: Request, options: SandboxOptions = {}): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__sandbox/received") return json(received.slice(-200));
  const provider = route(url.pathname);
  if (!provider) return json({ error: `sandbox: no API at ${url.pathname}` }, 404);
  if (request.method !== "POST") return json({ error: "method not allowed" }, 405);
  const length = request.headers.get("content-length");
  const record: Received = {
    provider,
    at: new Date().toISOString(),
    contentType: request.headers.get("content-type"),
    contentLength: length === null ? null : Number(length),
    filename: null,
    fields: {},
    query: Object.fromEntries(url.searchParams),
    bytes: 0,
    sha256: null,
    complete: false,
    error: null,
    status: null,
  };
  const finish = (response: Response) => {
    record.status = response.status;
    received.push(record);
    if (received.length > 1000) received.shift();
    options.observe?.(record);
    return response;
  };
  const dialect = DIALECTS[provider];
  if (bearer(request) !== SANDBOX_KEYS[provider]) {
    // Drain, then refuse, as typical servers do: the client sees the answer, not a reset.
    await drain(request.body);
    if (provider === "minimax") return finish(dialect.error(200, "invalid api key", 2049));
    return finish(dialect.error(401, "Unauthorized"));
  }
  let upload: Upload | Response | null;
  const scenarioSource = provider === "useapi" ? (url.searchParams.get("account") ?? "") : "";
  const early = SCENARIO.exec(scenarioSource)?.[1];
  try {
    upload = await readUpload(request, record, provider === "useapi", early === "reset" ? 64 * 1024 : null);
  } catch (error) {
    record.error = String(error);
    if (error instanceof SandboxReset) {
      finish(new Response(null, { status: 599 }));
      throw error;
    }
    return finish(dialect.error(400, `unreadable body: ${String(error)}`));
  }
  if (upload instanceof Response) return finish(upload);
  if (!upload) return finish(dialect.error(400, "no file uploaded"));
  record.sha256 = upload.sha256;
  record.complete = record.contentLength !== null;
  const scenario = early ?? SCENARIO.exec(upload.filename ?? "")?.[1];
  if (scenario === "reset") throw new SandboxReset("sandbox: dropping the connection");
  const misbehaviour = await misbehave(provider, scenario, upload.filename ?? scenarioSource);
  if (misbehaviour) return finish(misbehaviour);
  return finish(accept(provider, url, upload));
}

/** Names a flaky scenario has already failed once. */
const flaked = new Set<string>();

async function misbehave(
  provider: Provider,
  scenario: string | undefined,
  name: string,
): Promise<Response | null> {
  const dialect = DIALECTS[provider];
  switch (scenario) {
    case "flaky":
      if (flaked.has(`${provider}:${name}`)) return null;
      flaked.add(`${provider}:${name}`);
      return dialect.error(500, "temporarily unavailable");
    case "rate-limit":
      if (provider === "minimax") return dialect.error(200, "rate limit triggered", 1002);
      return json(JSON.parse(await dialect.error(429, "Too Many Requests").text()), 429, {
        "retry-after": "7",
      });
    case "server-error":
      return dialect.error(500, "internal error");
    case "in-band-error":
      return dialect.inBand();
    case "balance":
      return provider === "minimax"
        ? dialect.error(200, "insufficient balance", 1008)
        : dialect.error(402, "payment required");
    case "not-json":
      return new Response("<html><body>502 Bad Gateway</body></html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      });
    case "slow":
      await new Promise((r) => setTimeout(r, 3000));
      return null;
    default:
      return null;
  }
}

function accept(provider: Provider, url: URL, upload: Upload): Response {
  const dialect = DIALECTS[provider];
  const name = upload.filename ?? "";
  const id = upload.sha256.slice(0, 16);
  const fileUrl = `${url.origin}/${provider}/files/${id}/${encodeURIComponent(name || "file")}`;
  switch (provider) {
    case "jimmy": {
      if (!name) return dialect.error(400, "file is required", 40001);
      if (!JIMMY_EXT.includes(ext(name)))
        return dialect.error(400, `unsupported file type .${ext(name)}`, 40002);
      if (upload.bytes > 100 * MB) return dialect.error(413, "file exceeds 100 MB", 41300);
      const mime = upload.type ?? "application/octet-stream";
      return json({
        code: 20000,
        msg: "ok",
        data: { url: fileUrl, filename: name, size: upload.bytes, mime_type: mime },
      });
    }
    case "dify": {
      if (!name)
        return dialect.error(400, "The specified filename does not exist.", "filename_not_exists_error");
      const kind = Object.entries(DIFY_LIMITS).find(([, v]) => v.ext.includes(ext(name)));
      if (!kind) return dialect.error(415, "File type not allowed.", "unsupported_file_type");
      if (upload.bytes > kind[1].max) return dialect.error(413, "File size exceeded.", "file_too_large");
      const user = upload.fields.user ?? null;
      return json(
        {
          id: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-8000-${upload.sha256.slice(16, 28)}`,
          name,
          size: upload.bytes,
          extension: ext(name),
          mime_type: upload.type,
          created_by: null,
          created_at: Math.floor(Date.now() / 1000),
          preview_url: null,
          source_url: null,
          original_url: null,
          user_id: user,
          tenant_id: null,
          conversation_id: null,
          file_key: `uploads/${name}`,
        },
        201,
      );
    }
    case "minimax": {
      const purpose = upload.fields.purpose;
      if (!purpose || !MINIMAX_PURPOSES[purpose]) return dialect.error(200, "invalid params, purpose", 2013);
      if (!MINIMAX_PURPOSES[purpose].includes(ext(name)))
        return dialect.error(200, `invalid params, file format for ${purpose}`, 2013);
      return json({
        file: {
          file_id: Number.parseInt(id.slice(0, 12), 16),
          bytes: upload.bytes,
          created_at: Math.floor(Date.now() / 1000),
          filename: name,
          purpose,
        },
        base_resp: { status_code: 0, status_msg: "success" },
      });
    }
    case "useapi": {
      const type = upload.type ?? "";
      if (!USEAPI_TYPES.includes(type)) return dialect.error(400, `Content-Type ${type} is not supported`);
      if (upload.bytes > 5_000_000_000) return dialect.error(400, "File exceeds 5GB");
      const account = url.searchParams.get("account") ?? "default";
      return json({ ossPath: fileUrl, fileID: `user:1234-minimax:${account}-file:${id}` });
    }
    case "wavespeed": {
      const kind = Object.entries(WAVESPEED_KINDS).find(([, list]) => list.includes(ext(name)))?.[0];
      if (!kind) return dialect.error(400, "Invalid file or format not supported");
      return json({
        code: 200,
        message: "success",
        data: { type: kind, download_url: fileUrl, filename: name, size: upload.bytes },
      });
    }
  }
}
